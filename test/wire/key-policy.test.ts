import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  ListAliasesCommand,
  PutKeyPolicyCommand,
  ReEncryptCommand,
  ScheduleKeyDeletionCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { CUSTOMER, OUTSIDER, PROVIDER, PROVIDER2 } from '../helpers/accounts.js';
import { awsCli, kmsClient } from '../helpers/clients.js';
import { startServerProcess, type ServerProcess } from '../helpers/server.js';

// The product page's Step 2 statement, naming the provider's two accounts.
const PROVIDER_STATEMENT = {
  Sid: 'AllowProvider',
  Effect: 'Allow',
  Principal: { AWS: ['arn:aws:iam::272506498303:root', 'arn:aws:iam::063509147090:root'] },
  Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
  Resource: '*',
};

async function errorOf(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return e as { name: string; message: string };
  }
  assert.fail('expected the call to be refused');
}

describe('key policies decide who may use a key (the seed flow)', () => {
  let server: ServerProcess;
  let customer: KMSClient;
  let provider: KMSClient;
  let outsider: KMSClient;
  let keyArn: string;
  let keyId: string;
  const cli = (...args: string[]) => awsCli(server.url, CUSTOMER, args);

  async function putPolicy(statements: object[]): Promise<void> {
    const file = join(server.dataDir, `policy-${Date.now()}-${Math.random()}.json`);
    const got = await cli('kms', 'get-key-policy', '--key-id', keyId, '--policy-name', 'default', '--query', 'Policy', '--output', 'text');
    const policy = JSON.parse(got.stdout);
    policy.Statement = [policy.Statement[0], ...statements];
    writeFileSync(file, JSON.stringify(policy));
    const put = await cli('kms', 'put-key-policy', '--key-id', keyId, '--policy-name', 'default', '--policy', `file://${file}`);
    assert.equal(put.code, 0, put.stderr);
  }

  before(async () => {
    server = await startServerProcess();
    customer = kmsClient(server.url, CUSTOMER);
    provider = kmsClient(server.url, PROVIDER);
    outsider = kmsClient(server.url, OUTSIDER);
    const created = await cli('kms', 'create-key', '--description', 'tenant-acme');
    assert.equal(created.code, 0, created.stderr);
    ({ Arn: keyArn, KeyId: keyId } = JSON.parse(created.stdout).KeyMetadata);
    await customer.send(new CreateAliasCommand({ AliasName: 'alias/acme', TargetKeyId: keyId }));
  });
  after(async () => {
    for (const c of [customer, provider, outsider]) c?.destroy();
    await server.stop();
  });

  it('denies the provider under the default policy', async () => {
    const e = await errorOf(provider.send(new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from('x') })));
    assert.equal(e.name, 'AccessDeniedException');
    assert.equal(
      e.message,
      `User: ${PROVIDER.arn} is not authorized to perform: kms:Encrypt on resource: ${keyArn} because no resource-based policy allows the kms:Encrypt action`,
    );
  });

  it('allows the provider exactly the five action groups once the statement is added', async () => {
    await putPolicy([PROVIDER_STATEMENT]);
    const context = { tenant: 'acme' };
    const enc = await provider.send(new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from('session data'), EncryptionContext: context }));
    const dec = await provider.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: context }));
    assert.equal(Buffer.from(dec.Plaintext!).toString(), 'session data');
    const dk = await provider.send(new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: 'AES_256' }));
    assert.equal(dk.Plaintext?.length, 32);
    await provider.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: keyArn, KeySpec: 'AES_256' }));
    const re = await provider.send(new ReEncryptCommand({ CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: context, DestinationKeyId: keyArn }));
    assert.equal(re.KeyId, keyArn);
    const described = await provider.send(new DescribeKeyCommand({ KeyId: keyArn }));
    assert.equal(described.KeyMetadata?.AWSAccountId, CUSTOMER.accountId);
    // The alias ARN works across accounts too.
    await provider.send(new EncryptCommand({ KeyId: `arn:aws:kms:us-east-1:${CUSTOMER.accountId}:alias/acme`, Plaintext: Buffer.from('y') }));
    // The provider's second account too.
    const second = kmsClient(server.url, PROVIDER2);
    await second.send(new GenerateDataKeyCommand({ KeyId: keyArn, NumberOfBytes: 16 }));
    second.destroy();

    for (const [name, call] of [
      ['kms:PutKeyPolicy', new PutKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default', Policy: '{"Statement":[]}' })],
      ['kms:DisableKey', new DisableKeyCommand({ KeyId: keyArn })],
      ['kms:ScheduleKeyDeletion', new ScheduleKeyDeletionCommand({ KeyId: keyArn, PendingWindowInDays: 7 })],
      ['kms:GetKeyPolicy', new GetKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default' })],
      ['kms:GetKeyRotationStatus', new GetKeyRotationStatusCommand({ KeyId: keyArn })],
    ] as const) {
      const e = await errorOf(provider.send(call as never));
      assert.equal(e.name, 'AccessDeniedException', name);
      assert.match(e.message, new RegExp(`perform: ${name} on resource`), name);
    }
  });

  it('needs the key ARN across accounts: a bare key id or alias name resolves in the caller\'s account', async () => {
    const byId = await errorOf(provider.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') })));
    assert.equal(byId.name, 'NotFoundException');
    const byAlias = await errorOf(provider.send(new EncryptCommand({ KeyId: 'alias/acme', Plaintext: Buffer.from('x') })));
    assert.equal(byAlias.name, 'NotFoundException');
    // ListAliases and CreateKey act in the caller's own account.
    const aliases = await provider.send(new ListAliasesCommand({}));
    assert.equal(aliases.Aliases?.length, 0);
    const own = await provider.send(new CreateKeyCommand({}));
    assert.match(own.KeyMetadata!.Arn!, new RegExp(`:${PROVIDER.accountId}:key/`));
  });

  it('denies an outsider, and tells it no more than AWS does', async () => {
    const e = await errorOf(outsider.send(new DecryptCommand({ CiphertextBlob: (await customer.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('z') }))).CiphertextBlob })));
    assert.equal(e.name, 'AccessDeniedException');
    const d = await errorOf(outsider.send(new DescribeKeyCommand({ KeyId: keyArn })));
    assert.equal(d.name, 'AccessDeniedException');
    assert.doesNotMatch(d.message, /Enabled|tenant-acme|SYMMETRIC/);
  });

  it('revokes on the very next call when the statement is removed, and restores when it is put back', async () => {
    await putPolicy([PROVIDER_STATEMENT]);
    const enc = await provider.send(new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from('before') }));
    await putPolicy([]);
    const denied = await errorOf(provider.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })));
    assert.equal(denied.name, 'AccessDeniedException');
    const deniedWrite = await errorOf(provider.send(new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: 'AES_256' })));
    assert.equal(deniedWrite.name, 'AccessDeniedException');
    await putPolicy([PROVIDER_STATEMENT]);
    const dec = await provider.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
    assert.equal(Buffer.from(dec.Plaintext!).toString(), 'before');
  });

  it('lets an explicit Deny on kms:Decrypt for the provider beat the Allow', async () => {
    await putPolicy([
      PROVIDER_STATEMENT,
      { Sid: 'NoDecrypt', Effect: 'Deny', Principal: { AWS: 'arn:aws:iam::272506498303:root' }, Action: 'kms:Decrypt', Resource: '*' },
    ]);
    const enc = await provider.send(new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from('deny') }));
    const e = await errorOf(provider.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })));
    assert.equal(e.name, 'AccessDeniedException');
    assert.match(e.message, /with an explicit deny in a resource-based policy$/);
    // The other provider account is not named by the Deny.
    const second = kmsClient(server.url, PROVIDER2);
    const ok = await second.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
    assert.equal(Buffer.from(ok.Plaintext!).toString(), 'deny');
    second.destroy();
  });

  it('enforces encryption-context conditions: Decrypt only with tenant=acme', async () => {
    await putPolicy([
      { ...PROVIDER_STATEMENT, Action: ['kms:Encrypt', 'kms:DescribeKey'] },
      {
        Sid: 'DecryptForAcmeOnly',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::272506498303:root' },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringEquals: { 'kms:EncryptionContext:tenant': 'acme' } },
      },
    ]);
    const withContext = await provider.send(new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from('ctx'), EncryptionContext: { tenant: 'acme' } }));
    const ok = await provider.send(new DecryptCommand({ CiphertextBlob: withContext.CiphertextBlob, EncryptionContext: { tenant: 'acme' } }));
    assert.equal(Buffer.from(ok.Plaintext!).toString(), 'ctx');
    const without = await provider.send(new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from('ctx') }));
    const e = await errorOf(provider.send(new DecryptCommand({ CiphertextBlob: without.CiphertextBlob })));
    assert.equal(e.name, 'AccessDeniedException');
  });

  it('honours identity policies: a provider principal whose IAM policy lacks kms:Decrypt is denied across accounts', async () => {
    const restricted = await startServerProcess({
      policies: { [PROVIDER.arn]: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:DescribeKey'], Resource: '*' }] }] },
    });
    try {
      const c = kmsClient(restricted.url, CUSTOMER);
      const p = kmsClient(restricted.url, PROVIDER);
      const policy = { Version: '2012-10-17', Statement: [{ Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${CUSTOMER.accountId}:root` }, Action: 'kms:*', Resource: '*' }, PROVIDER_STATEMENT] };
      const k = await c.send(new CreateKeyCommand({ Policy: JSON.stringify(policy) }));
      const enc = await p.send(new EncryptCommand({ KeyId: k.KeyMetadata!.Arn!, Plaintext: Buffer.from('iam') }));
      const e = await errorOf(p.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })));
      assert.equal(e.name, 'AccessDeniedException');
      c.destroy();
      p.destroy();
    } finally {
      await restricted.stop();
    }
  });

  it('refuses a policy that would lock the caller out, unless BypassPolicyLockoutSafetyCheck', async () => {
    const lockout = JSON.stringify({ Version: '2012-10-17', Statement: [PROVIDER_STATEMENT] });
    const e = await errorOf(customer.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default', Policy: lockout })));
    assert.equal(e.name, 'MalformedPolicyDocumentException');
    assert.match(e.message, /will not allow you to update the key policy in the future/);
    const created = await errorOf(customer.send(new CreateKeyCommand({ Policy: lockout })));
    assert.equal(created.name, 'MalformedPolicyDocumentException');
    const bypassed = await customer.send(new CreateKeyCommand({ Policy: lockout, BypassPolicyLockoutSafetyCheck: true }));
    assert.ok(bypassed.KeyMetadata?.KeyId);
    const locked = await errorOf(customer.send(new DescribeKeyCommand({ KeyId: bypassed.KeyMetadata!.KeyId })));
    assert.equal(locked.name, 'AccessDeniedException', 'the owner really is locked out now');
  });

  it('rejects malformed and oversize policies with a message that says what is wrong', async () => {
    const bad = await errorOf(customer.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default', Policy: '{"Statement":[{"Effect":"Allow","Action":"kms:*","Principal":"*","Resource":"*","Condition":{"StringEqualz":{"a":"b"}}}]}' })));
    assert.equal(bad.name, 'MalformedPolicyDocumentException');
    assert.match(bad.message, /StringEqualz/);
    const notJson = await errorOf(customer.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default', Policy: '{"Statement":' })));
    assert.equal(notJson.name, 'MalformedPolicyDocumentException');
    const big = { Version: '2012-10-17', Statement: [{ Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${CUSTOMER.accountId}:root` }, Action: 'kms:*', Resource: '*' }, { Sid: 'x'.repeat(33_000), Effect: 'Allow', Principal: '*', Action: 'kms:Encrypt', Resource: '*' }] };
    const large = await errorOf(customer.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default', Policy: JSON.stringify(big) })));
    assert.equal(large.name, 'LimitExceededException');
  });
});
