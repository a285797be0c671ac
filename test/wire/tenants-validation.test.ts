// Every way onboarding or a key change can be refused, through the real `opencmk tenant` CLI (and the
// control API under it): each a clear message, a documented non-zero exit code, and nothing left behind.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateKeyCommand,
  DisableKeyCommand,
  GetKeyPolicyCommand,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { CreateBucketCommand, ListBucketsCommand, type S3Client } from '@aws-sdk/client-s3';
import { CUSTOMER, OUTSIDER, PROVIDER } from '../helpers/accounts.js';
import { kmsClient } from '../helpers/clients.js';
import { opencmkCli } from '../helpers/opencmk-cli.js';
import { s3Client } from '../helpers/s3.js';
import { startServerProcess, type ServerProcess } from '../helpers/server.js';
import { sendRaw } from '../helpers/signed.js';

const STEP2_ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'];

describe('opencmk tenant: bad input and unusable keys', () => {
  let server: ServerProcess;
  let customer: KMSClient;
  let customerWest: KMSClient;
  let providerS3: S3Client;
  const tenant = (...args: string[]) => opencmkCli(server.url, PROVIDER, ['tenant', ...args]);
  const control = (method: string, path: string, body?: unknown, who = PROVIDER) =>
    sendRaw(server.url, body === undefined ? '' : JSON.stringify(body), { who, service: 'opencmk', method, path, headers: { 'content-type': 'application/json' } });

  async function customerKey(actions: string[] | null = STEP2_ACTIONS, client = customer, spec?: { KeySpec: 'HMAC_256'; KeyUsage: 'GENERATE_VERIFY_MAC' }): Promise<string> {
    const made = await client.send(new CreateKeyCommand({ ...(spec ?? {}) }));
    const arn = made.KeyMetadata!.Arn!;
    if (actions) {
      const policy = JSON.parse((await client.send(new GetKeyPolicyCommand({ KeyId: arn, PolicyName: 'default' }))).Policy!);
      policy.Statement.push({ Sid: 'AllowProvider', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${PROVIDER.accountId}:root` }, Action: actions, Resource: '*' });
      await client.send(new PutKeyPolicyCommand({ KeyId: arn, PolicyName: 'default', Policy: JSON.stringify(policy) }));
    }
    return arn;
  }

  async function assertNothingLeft(name: string): Promise<void> {
    const list = await tenant('list', '--output', 'json');
    assert.equal(list.code, 0, list.stderr);
    assert.ok(!JSON.parse(list.stdout).tenants.some((t: { name: string }) => t.name === name), `no tenant ${name}`);
    const buckets = (await providerS3.send(new ListBucketsCommand({}))).Buckets ?? [];
    assert.ok(!buckets.some((b) => b.Name!.startsWith(`${name}-`)), `no bucket of ${name}`);
  }

  before(async () => {
    server = await startServerProcess({ config: { provider: { accountId: PROVIDER.accountId, principal: PROVIDER.arn }, tenants: { probeIntervalSeconds: 30 } } });
    customer = kmsClient(server.url, CUSTOMER);
    customerWest = kmsClient(server.url, CUSTOMER, 'us-west-2');
    providerS3 = s3Client(server.url, PROVIDER);
  });
  after(async () => {
    for (const c of [customer, customerWest, providerS3]) c?.destroy();
    await server?.stop();
  });

  it('an unknown tenant: exit 3, TenantNotFound', async () => {
    for (const args of [['describe', 'nobody'], ['status', 'nobody'], ['status', 'nobody', '--probe'], ['reencrypt', 'nobody']]) {
      const r = await tenant(...args);
      assert.equal(r.code, 3, args.join(' '));
      assert.match(r.stderr, /TenantNotFound: Tenant nobody does not exist/);
    }
    const api = await control('GET', '/v1/tenants/nobody');
    assert.equal(api.status, 404);
    assert.equal(api.json().code, 'TenantNotFound');
  });

  it('a duplicate name: exit 3, TenantAlreadyExists, the first tenant untouched', async () => {
    const first = await tenant('create', 'dupe', '--deployment', 'shared', '--region', 'us-east-1', '--output', 'json');
    assert.equal(first.code, 0, first.stderr);
    const again = await tenant('create', 'dupe', '--deployment', 'dedicated', '--region', 'us-east-1');
    assert.equal(again.code, 3, again.stderr);
    assert.match(again.stderr, /TenantAlreadyExists: Tenant dupe already exists/);
    const d = JSON.parse((await tenant('describe', 'dupe', '--output', 'json')).stdout);
    assert.equal(d.tenant.deployment, 'shared');
  });

  it('a bad region or name: exit 1 before any call, and the API refuses it too', async () => {
    const r = await tenant('create', 'acme-r', '--deployment', 'dedicated', '--region', 'moon-1');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /Region 'moon-1' is not an AWS region name/);
    const n = await tenant('create', 'Acme_R', '--deployment', 'dedicated', '--region', 'us-east-1');
    assert.equal(n.code, 1, n.stderr);
    assert.match(n.stderr, /Tenant name 'Acme_R' is not valid/);
    const d = await tenant('create', 'acme-r', '--deployment', 'cloud', '--region', 'us-east-1');
    assert.equal(d.code, 1, d.stderr);
    assert.match(d.stderr, /use dedicated \(Enterprise Dedicated\) or shared \(Enterprise Cloud\)/);
    const api = await control('POST', '/v1/tenants', { name: 'acme-r', deployment: 'dedicated', region: 'moon-1' });
    assert.equal(api.status, 400);
    assert.equal(api.json().code, 'InvalidInput');
    await assertNothingLeft('acme-r');
  });

  it('a malformed key ARN: exit 1, with the expected form', async () => {
    for (const bad of ['not-an-arn', 'alias/acme', 'arn:aws:kms:us-east-1:111122223333:alias/acme', 'arn:aws:kms:us-east-1:1111:key/abc']) {
      const r = await tenant('create', 'acme-m', '--deployment', 'dedicated', '--region', 'us-east-1', '--kms-key-arn', bad);
      assert.equal(r.code, 1, bad);
      assert.match(r.stderr, /is not a KMS key ARN: expected arn:aws:kms:<region>:<account-id>:key\/<key-id>/);
    }
    const api = await control('POST', '/v1/tenants', { name: 'acme-m', deployment: 'dedicated', region: 'us-east-1', kmsKeyArn: 'alias/acme' });
    assert.equal(api.status, 400);
    assert.equal(api.json().code, 'InvalidKeyArn');
    await assertNothingLeft('acme-m');
  });

  it('a key of another region: refused naming both regions', async () => {
    const west = await customerKey(STEP2_ACTIONS, customerWest);
    const r = await tenant('create', 'acme-w', '--deployment', 'dedicated', '--region', 'us-east-1', '--kms-key-arn', west);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /is in region us-west-2, but tenant acme-w is deployed in us-east-1: the KMS key must be in the same region/);
    const api = await control('POST', '/v1/tenants', { name: 'acme-w', deployment: 'dedicated', region: 'us-east-1', kmsKeyArn: west });
    assert.equal(api.status, 400);
    assert.equal(api.json().code, 'KeyRegionMismatch');
    assert.deepEqual(api.json().details, { keyRegion: 'us-west-2', tenantRegion: 'us-east-1' });
    await assertNothingLeft('acme-w');
  });

  it('a shared (Enterprise Cloud) tenant with a customer key: refused', async () => {
    const key = await customerKey();
    const r = await tenant('create', 'cloudy', '--deployment', 'shared', '--region', 'us-east-1', '--kms-key-arn', key);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /shared \(Enterprise Cloud\) deployment: Customer Managed Keys are available only for Enterprise Dedicated deployments/);
    const api = await control('POST', '/v1/tenants', { name: 'cloudy', deployment: 'shared', region: 'us-east-1', kmsKeyArn: key });
    assert.equal(api.status, 400);
    assert.equal(api.json().code, 'CmkNotAvailable');
    await assertNothingLeft('cloudy');
  });

  it('a key that does not exist, and one the provider may not see, told apart', async () => {
    const key = await customerKey(null);
    const missing = key.slice(0, -4) + (key.endsWith('0000') ? '1111' : '0000');
    const nf = await tenant('create', 'acme-n', '--deployment', 'dedicated', '--region', 'us-east-1', '--kms-key-arn', missing);
    assert.equal(nf.code, 3, nf.stderr);
    assert.match(nf.stderr, /KeyNotFound: Key .* does not exist in region us-east-1 of account 111122223333/);
    const denied = await tenant('create', 'acme-n', '--deployment', 'dedicated', '--region', 'us-east-1', '--kms-key-arn', key, '--output', 'json');
    assert.equal(denied.code, 3, denied.stderr);
    assert.match(denied.stderr, /KeyAccessDenied: The provider \(arn:aws:iam::272506498303:user\/storage\) may not use key/);
    assert.match(denied.stderr, /Add this statement to the key policy/);
    const doc = JSON.parse(denied.stdout);
    assert.deepEqual(doc.details.statement, {
      Sid: 'AllowProviderToUseTheKey',
      Effect: 'Allow',
      Principal: { AWS: ['arn:aws:iam::272506498303:root'] },
      Action: STEP2_ACTIONS,
      Resource: '*',
    });
    await assertNothingLeft('acme-n');
  });

  it('a key that is not symmetric, or not Enabled: refused with what to do', async () => {
    const hmac = await customerKey(['kms:*'], customer, { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const r1 = await tenant('create', 'acme-s', '--deployment', 'dedicated', '--region', 'us-east-1', '--kms-key-arn', hmac);
    assert.equal(r1.code, 3, r1.stderr);
    assert.match(r1.stderr, /KeyUnsuitable: .*symmetric encryption key \(KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT/);
    const disabled = await customerKey();
    await customer.send(new DisableKeyCommand({ KeyId: disabled }));
    const r2 = await tenant('create', 'acme-s', '--deployment', 'dedicated', '--region', 'us-east-1', '--kms-key-arn', disabled);
    assert.equal(r2.code, 3, r2.stderr);
    assert.match(r2.stderr, /KeyNotEnabled: Key .* is Disabled: enable it/);
    const pending = await customerKey();
    await customer.send(new ScheduleKeyDeletionCommand({ KeyId: pending, PendingWindowInDays: 7 }));
    const r3 = await tenant('create', 'acme-s', '--deployment', 'dedicated', '--region', 'us-east-1', '--kms-key-arn', pending);
    assert.equal(r3.code, 3, r3.stderr);
    assert.match(r3.stderr, /KeyNotEnabled: Key .* is PendingDeletion: cancel the deletion/);
    await assertNothingLeft('acme-s');
  });

  it('a policy missing some of the Step 2 actions: the missing actions named', async () => {
    const key = await customerKey(['kms:DescribeKey', 'kms:GenerateDataKey*', 'kms:Decrypt']);
    const r = await tenant('create', 'acme-p', '--deployment', 'dedicated', '--region', 'us-east-1', '--kms-key-arn', key, '--output', 'json');
    assert.equal(r.code, 3, r.stderr);
    // ReEncrypt needs kms:ReEncryptTo on the destination before kms:ReEncryptFrom is looked at.
    assert.match(r.stderr, /KeyPermissionsMissing: The key policy of .* does not allow the provider \(arn:aws:iam::272506498303:user\/storage\) kms:Encrypt, kms:ReEncryptTo \(and could not prove kms:ReEncryptFrom until then\)/);
    assert.deepEqual(JSON.parse(r.stdout).details.missingActions.sort(), ['kms:Encrypt', 'kms:ReEncryptTo']);
    assert.deepEqual(JSON.parse(r.stdout).details.notProven, ['kms:ReEncryptFrom']);
    await assertNothingLeft('acme-p');
  });

  it('rotation off is a warning, not a failure; without kms:GetKeyRotationStatus it says it could not check', async () => {
    const key = await customerKey([...STEP2_ACTIONS, 'kms:GetKeyRotationStatus']);
    const r = await tenant('create', 'acme-rot', '--deployment', 'dedicated', '--region', 'us-east-1', '--kms-key-arn', key);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /warning: Automatic rotation of .* is off/);
    const key2 = await customerKey();
    const p = await tenant('preflight', 'acme-rot', '--kms-key-arn', key2);
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stdout, /warning: The rotation status of .* could not be checked \(the provider may not call kms:GetKeyRotationStatus\)/);
  });

  it('a provider-managed tenant cannot switch to a customer key without --migrate', async () => {
    const created = await tenant('create', 'later', '--deployment', 'dedicated', '--region', 'us-east-1');
    assert.equal(created.code, 0, created.stderr);
    const key = await customerKey();
    const r = await tenant('set-key', 'later', '--kms-key-arn', key);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /CmkInitialSetupOnly: .*CMK must be configured during initial deployment setup/);
    const shared = await tenant('set-key', 'dupe', '--kms-key-arn', key, '--migrate');
    assert.equal(shared.code, 3, shared.stderr);
    assert.match(shared.stderr, /CmkNotAvailable/);
    const migrated = await tenant('set-key', 'later', '--kms-key-arn', key, '--migrate', '--output', 'json');
    assert.equal(migrated.code, 0, migrated.stderr);
    const out = JSON.parse(migrated.stdout);
    assert.equal(out.tenant.keyMode, 'customer-managed');
    assert.equal(out.job.state, 'succeeded');
  });

  it('a create that fails midway (a bucket name taken) is undone: no tenant, no bucket, its key scheduled for deletion', async () => {
    const outsiderS3 = s3Client(server.url, OUTSIDER);
    await outsiderS3.send(new CreateBucketCommand({ Bucket: 'taken-snapshots' }));
    outsiderS3.destroy();
    const r = await tenant('create', 'taken', '--deployment', 'shared', '--region', 'us-east-1');
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /BucketConflict: Bucket taken-snapshots already exists/);
    await assertNothingLeft('taken');
  });

  it('the control API: only the provider account, SigV4 for service opencmk, described at /v1/openapi.json, never an S3 bucket', async () => {
    const outsider = await control('GET', '/v1/tenants', undefined, OUTSIDER);
    assert.equal(outsider.status, 403);
    assert.equal(outsider.json().code, 'AccessDenied');
    const cust = await opencmkCli(server.url, CUSTOMER, ['tenant', 'list']);
    assert.equal(cust.code, 3, cust.stderr);
    assert.match(cust.stderr, /AccessDenied: .*only principals of the provider account 272506498303/);
    const unsigned = await sendRaw(server.url, '', { method: 'GET', path: '/v1/tenants' });
    assert.equal(unsigned.status, 403);
    assert.equal(unsigned.json().code, 'MissingAuthenticationToken');
    const kmsScoped = await sendRaw(server.url, '', { who: PROVIDER, service: 'kms', method: 'GET', path: '/v1/tenants' });
    assert.equal(kmsScoped.status, 403);
    const noCreds = await opencmkCli(server.url, undefined, ['tenant', 'list']);
    assert.equal(noCreds.code, 1, noCreds.stderr);
    assert.match(noCreds.stderr, /no AWS credentials found/);
    const spec = await sendRaw(server.url, '', { method: 'GET', path: '/v1/openapi.json' });
    assert.equal(spec.status, 200);
    assert.equal(spec.json().openapi, '3.0.3');
    assert.ok(spec.json().paths['/v1/tenants/{name}/reencrypt'].post);
    // /v1 itself and unknown /v1 paths answer as the control API (JSON), not as S3 (XML).
    for (const path of ['/v1', '/v1/nothing-here']) {
      const r = await sendRaw(server.url, '', { who: PROVIDER, service: 'opencmk', method: 'GET', path });
      assert.equal(r.status, 404, path);
      assert.equal(r.json().code, 'NotFound');
    }
    const bad = await control('POST', '/v1/tenants', { name: 'x', deployment: 'dedicated', region: 'us-east-1', extra: 1 });
    assert.equal(bad.status, 400);
    assert.equal(bad.json().code, 'BadRequest');
    const unreachable = await opencmkCli('http://127.0.0.1:1', PROVIDER, ['tenant', 'list']);
    assert.equal(unreachable.code, 2, unreachable.stderr);
    assert.match(unreachable.stderr, /cannot reach the server/);
  });
});
