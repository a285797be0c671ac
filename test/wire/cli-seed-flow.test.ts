import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CUSTOMER } from '../helpers/accounts.js';
import { awsCli } from '../helpers/clients.js';
import { startServerProcess, type ServerProcess } from '../helpers/server.js';

// The product page's customer steps, run with the real AWS CLI (issue: key service, "What a user
// must be able to do").
describe('AWS CLI: the product page sequence', () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess();
  });
  after(() => server.stop());
  const cli = (...args: string[]) => awsCli(server.url, CUSTOMER, args);

  it('creates a key, round-trips its policy, enables rotation and encrypts by alias', async () => {
    const created = await cli('kms', 'create-key', '--description', 'tenant-acme');
    assert.equal(created.code, 0, created.stderr);
    const meta = JSON.parse(created.stdout).KeyMetadata;
    assert.equal(meta.Description, 'tenant-acme');
    assert.equal(meta.KeyState, 'Enabled');
    assert.equal(meta.Arn, `arn:aws:kms:us-east-1:${CUSTOMER.accountId}:key/${meta.KeyId}`);
    assert.equal((await cli('kms', 'create-alias', '--alias-name', 'alias/acme', '--target-key-id', meta.KeyId)).code, 0);

    const got = await cli('kms', 'get-key-policy', '--key-id', meta.KeyId, '--policy-name', 'default', '--query', 'Policy', '--output', 'text');
    assert.equal(got.code, 0, got.stderr);
    const policy = JSON.parse(got.stdout);
    assert.equal(policy.Statement[0].Principal.AWS, `arn:aws:iam::${CUSTOMER.accountId}:root`);
    policy.Statement.push({
      Effect: 'Allow',
      Principal: { AWS: ['arn:aws:iam::272506498303:root', 'arn:aws:iam::063509147090:root'] },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
      Resource: '*',
    });
    const file = join(server.dataDir, 'key-policy.json');
    writeFileSync(file, JSON.stringify(policy, null, 2));
    const put = await cli('kms', 'put-key-policy', '--key-id', meta.KeyId, '--policy-name', 'default', '--policy', `file://${file}`);
    assert.equal(put.code, 0, put.stderr);
    const back = await cli('kms', 'get-key-policy', '--key-id', meta.KeyId, '--query', 'Policy', '--output', 'text');
    assert.deepEqual(JSON.parse(back.stdout), policy);

    assert.equal((await cli('kms', 'enable-key-rotation', '--key-id', meta.KeyId)).code, 0);
    const status = JSON.parse((await cli('kms', 'get-key-rotation-status', '--key-id', meta.KeyId)).stdout);
    assert.equal(status.KeyRotationEnabled, true);
    assert.equal(status.RotationPeriodInDays, 365);

    const secret = join(server.dataDir, 'secret.bin');
    writeFileSync(secret, Buffer.from('the tenant secret'));
    const enc = await cli('kms', 'encrypt', '--key-id', 'alias/acme', '--plaintext', `fileb://${secret}`, '--query', 'CiphertextBlob', '--output', 'text');
    assert.equal(enc.code, 0, enc.stderr);
    const blobFile = join(server.dataDir, 'blob.bin');
    writeFileSync(blobFile, Buffer.from(enc.stdout.trim(), 'base64'));
    const dec = await cli('kms', 'decrypt', '--ciphertext-blob', `fileb://${blobFile}`, '--query', 'Plaintext', '--output', 'text');
    assert.equal(Buffer.from(dec.stdout.trim(), 'base64').toString(), 'the tenant secret');
  });

  it('explains a policy saved with the bare --output text (trailing tab and "default")', async () => {
    const id = JSON.parse((await cli('kms', 'create-key')).stdout).KeyMetadata.KeyId;
    const got = await cli('kms', 'get-key-policy', '--key-id', id, '--policy-name', 'default', '--output', 'text');
    assert.equal(got.code, 0);
    assert.match(got.stdout, /\}\tdefault\s*$/, 'the CLI prints the policy name after a tab');
    const file = join(server.dataDir, 'bare.json');
    writeFileSync(file, got.stdout);
    const put = await cli('kms', 'put-key-policy', '--key-id', id, '--policy-name', 'default', '--policy', `file://${file}`);
    assert.notEqual(put.code, 0);
    assert.match(put.stderr, /MalformedPolicyDocumentException/);
    assert.match(put.stderr, /--query Policy --output text/);
    // Fixing the file as the message says makes it acceptable.
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\tdefault\s*$/, ''));
    const fixed = await cli('kms', 'put-key-policy', '--key-id', id, '--policy-name', 'default', '--policy', `file://${file}`);
    assert.equal(fixed.code, 0, fixed.stderr);
  });
});
