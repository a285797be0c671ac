import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import {
  CreateKeyCommand,
  DecryptCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateRandomCommand,
  PutKeyPolicyCommand,
  ReEncryptCommand,
} from '@aws-sdk/client-kms';
import { CUSTOMER, OUTSIDER, PROVIDER, PROVIDER2 } from '../helpers/accounts.js';
import { kmsClient } from '../helpers/clients.js';
import { startServerProcess, type ServerProcess } from '../helpers/server.js';

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

describe('the audit trail never holds plaintext, ciphertext, data keys or secret keys', () => {
  let server: ServerProcess;
  let keyArn: string;
  /** Everything secret the clients sent or were sent, as raw bytes. */
  const secrets: { what: string; bytes: Buffer }[] = [];
  const remember = (what: string, value: Uint8Array | string | undefined) => {
    assert.ok(value !== undefined && value.length > 0, what);
    secrets.push({ what, bytes: Buffer.from(value) });
  };

  before(async () => {
    server = await startServerProcess({ config: { audit: { deliveryIntervalSeconds: 0.2, digestPeriodSeconds: 1 } } });
    const customer = kmsClient(server.url, CUSTOMER);
    const provider = kmsClient(server.url, PROVIDER);
    const outsider = kmsClient(server.url, OUTSIDER);
    const key = await customer.send(new CreateKeyCommand({ Description: 'secrets-scan' }));
    keyArn = key.KeyMetadata!.Arn!;
    await customer.send(
      new PutKeyPolicyCommand({
        KeyId: keyArn,
        PolicyName: 'default',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${CUSTOMER.accountId}:root` }, Action: 'kms:*', Resource: '*' },
            { Sid: 'Provider', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${PROVIDER.accountId}:root` }, Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'], Resource: '*' },
          ],
        }),
      }),
    );
    const context = { tenant: 'acme-context-value' };
    for (let i = 0; i < 3; i++) {
      const text = Buffer.from(`plaintext-marker-${i}-${randomBytes(6).toString('hex')}`);
      const binary = randomBytes(48);
      for (const plaintext of [text, binary]) {
        remember('plaintext', plaintext);
        const enc = await provider.send(new EncryptCommand({ KeyId: keyArn, Plaintext: plaintext, EncryptionContext: context }));
        remember('ciphertext blob', enc.CiphertextBlob);
        const dec = await provider.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: context }));
        remember('decrypted plaintext', dec.Plaintext);
        const re = await provider.send(new ReEncryptCommand({ CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: context, DestinationKeyId: keyArn }));
        remember('re-encrypted blob', re.CiphertextBlob);
        // Refused calls carry their blobs too.
        await outsider.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })).catch(() => {});
        const tampered = Buffer.from(enc.CiphertextBlob!);
        tampered[tampered.length - 1]! ^= 1;
        remember('tampered blob', tampered);
        await provider.send(new DecryptCommand({ CiphertextBlob: tampered, EncryptionContext: context })).catch(() => {});
      }
      const dk = await provider.send(new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: 'AES_256', EncryptionContext: context }));
      remember('data key', dk.Plaintext);
      remember('data key blob', dk.CiphertextBlob);
      const dk2 = await provider.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: keyArn, NumberOfBytes: 24 }));
      remember('data key blob (without plaintext)', dk2.CiphertextBlob);
      const random = await customer.send(new GenerateRandomCommand({ NumberOfBytes: 32 }));
      remember('random bytes', random.Plaintext);
    }
    for (const who of [CUSTOMER, PROVIDER, PROVIDER2, OUTSIDER]) remember(`secret access key of ${who.arn}`, who.secretAccessKey);
    for (const c of [customer, provider, outsider]) c.destroy();
    // Stop (SIGTERM) so that every record is delivered into log files first.
    await server.stop({ keepData: true });
  });
  after(() => rmSync(server.dataDir, { recursive: true, force: true }));

  /** The audit database and every delivered file, decompressed where gzipped. */
  function trailBytes(): { path: string; bytes: Buffer }[] {
    const db = ['audit.db', 'audit.db-wal', 'audit.db-shm'].map((f) => join(server.dataDir, f)).filter(existsSync);
    const delivered = walk(join(server.dataDir, 'audit'));
    return [
      ...db.map((path) => ({ path, bytes: readFileSync(path) })),
      ...delivered.map((path) => ({ path, bytes: path.endsWith('.gz') ? gunzipSync(readFileSync(path)) : readFileSync(path) })),
    ];
  }

  it('scans real bytes: the records of the workload are there (the scan would see a secret if one were)', () => {
    const files = trailBytes();
    assert.ok(files.some((f) => f.path.endsWith('audit.db')));
    assert.ok(files.filter((f) => f.path.includes('/CloudTrail/')).length >= 1, 'log files were delivered');
    for (const needle of [keyArn, 'acme-context-value', 'GenerateDataKey', 'AccessDeniedException', 'InvalidCiphertextException']) {
      assert.ok(files.some((f) => f.path.endsWith('audit.db') && f.bytes.includes(needle)), `${needle} in audit.db`);
      assert.ok(files.some((f) => f.path.includes('/CloudTrail/') && f.bytes.includes(needle)), `${needle} in a log file`);
    }
  });

  it('finds no plaintext, blob, data key, random output or secret key in the database or the delivered files, raw, base64 or hex', () => {
    assert.ok(secrets.length > 40);
    const leaks: string[] = [];
    for (const { path, bytes } of trailBytes()) {
      for (const s of secrets) {
        const forms = [s.bytes, Buffer.from(s.bytes.toString('base64')), Buffer.from(s.bytes.toString('base64url')), Buffer.from(s.bytes.toString('hex'))];
        for (const form of forms) if (bytes.includes(form)) leaks.push(`${s.what} in ${path}`);
      }
    }
    assert.deepEqual(leaks, []);
  });
});
