// DESIGN.md §1 threat model: the disk, the database and backups are not trusted with key material,
// data keys, plaintext or secrets. A real server is driven with the AWS SDK; then the test reads the
// data directory as an attacker with the root key would (SQLite file + root.key, no side door into
// the server), recovers each key's raw material, and proves that none of those secrets appears in
// any file under the data directory, in any common encoding.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  ListKeysCommand,
  RotateKeyOnDemandCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import Database from 'better-sqlite3';
import { openBlob, readBlobHeader } from '../../src/formats/ciphertext-blob.js';
import { open } from '../../src/formats/sealed.js';
import { CUSTOMER, OUTSIDER, PROVIDER, PROVIDER2, type TestIdentity } from '../helpers/accounts.js';
import { kmsClient } from '../helpers/clients.js';
import { startServerProcess, type ServerProcess } from '../helpers/server.js';

// The helper writes the operator's config (with the configured secret access keys, as an operator's
// YAML would hold them) into the data directory. It is input the operator wrote, not data the server
// stored, so it is the one file left out of the secret scan — and it is the scan's positive control.
const OPERATOR_CONFIG = 'test-config.yaml';

interface Secret {
  what: string;
  bytes: Buffer;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? filesUnder(path) : e.isFile() ? [path] : [];
  });
}

/** The encodings a careless writer (a log line, a JSON column) would use for bytes. */
function encodings(secret: Secret): Secret[] {
  const b = secret.bytes;
  return [
    { what: `${secret.what} (raw)`, bytes: b },
    { what: `${secret.what} (hex)`, bytes: Buffer.from(b.toString('hex')) },
    { what: `${secret.what} (HEX)`, bytes: Buffer.from(b.toString('hex').toUpperCase()) },
    { what: `${secret.what} (base64)`, bytes: Buffer.from(b.toString('base64')) },
    { what: `${secret.what} (base64url)`, bytes: Buffer.from(b.toString('base64url')) },
  ];
}

/** Every (file, secret) pair where the secret occurs in the file. */
function scan(dataDir: string, secrets: Secret[], skip: (file: string) => boolean = () => false): string[] {
  const found: string[] = [];
  const files = filesUnder(dataDir).filter((f) => !skip(f));
  assert.ok(files.some((f) => f.endsWith('opencmk.db')), 'the scan must see the database');
  for (const file of files) {
    const content = readFileSync(file);
    for (const secret of secrets.flatMap(encodings)) {
      if (content.indexOf(secret.bytes) !== -1) found.push(`${relative(dataDir, file)}: ${secret.what}`);
    }
  }
  return found;
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe('data at rest: no key material, data key, plaintext or secret in the data directory', () => {
  let server: ServerProcess;
  const clients = new Map<TestIdentity, KMSClient>();
  const client = (who: TestIdentity) => clients.get(who)!;
  /** key id → arn, owner */
  const keys = new Map<string, { arn: string; who: TestIdentity }>();
  const dataKeys: { keyId: string; plaintext: Buffer; blob: Buffer; context?: Record<string, string> }[] = [];
  const plaintexts: Buffer[] = [];
  /** `${keyId}/${version}` → raw material, recovered from the files */
  const materials = new Map<string, Buffer>();
  let rootKey: Buffer;
  let expectedVersions = 0;

  before(async () => {
    server = await startServerProcess();
    for (const who of [CUSTOMER, PROVIDER]) clients.set(who, kmsClient(server.url, who));
    for (const [who, n] of [[CUSTOMER, 4], [PROVIDER, 2]] as const) {
      for (let i = 0; i < n; i++) {
        const { KeyMetadata } = await client(who).send(new CreateKeyCommand({ Description: `at-rest ${i}` }));
        keys.set(KeyMetadata!.KeyId!, { arn: KeyMetadata!.Arn!, who });
        expectedVersions++;
      }
    }
    const ids = [...keys.keys()];
    await client(CUSTOMER).send(new CreateAliasCommand({ AliasName: 'alias/at-rest', TargetKeyId: ids[0] }));
    await client(CUSTOMER).send(new EnableKeyRotationCommand({ KeyId: ids[1] }));
    // Rotate some: key 0 twice, key 1 and a provider key once.
    for (const id of [ids[0]!, ids[0]!, ids[1]!, ids[5]!]) {
      await client(keys.get(id)!.who).send(new RotateKeyOnDemandCommand({ KeyId: id }));
      expectedVersions++;
    }
    for (const [keyId, { who }] of keys) {
      for (const context of [undefined, { tenant: 'acme', object: keyId }]) {
        const dk = await client(who).send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', ...(context ? { EncryptionContext: context } : {}) }));
        dataKeys.push({ keyId, plaintext: Buffer.from(dk.Plaintext!), blob: Buffer.from(dk.CiphertextBlob!), ...(context ? { context } : {}) });
      }
      const dk64 = await client(who).send(new GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: 64 }));
      dataKeys.push({ keyId, plaintext: Buffer.from(dk64.Plaintext!), blob: Buffer.from(dk64.CiphertextBlob!) });
      await client(who).send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: keyId, KeySpec: 'AES_256' }));
      const plaintext = randomBytes(48);
      plaintexts.push(plaintext);
      await client(who).send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext }));
    }
    await client(CUSTOMER).send(new GenerateDataKeyCommand({ KeyId: 'alias/at-rest', KeySpec: 'AES_128' }));
    await client(CUSTOMER).send(new ListKeysCommand({}));
  });

  after(async () => {
    for (const c of clients.values()) c.destroy();
    await server?.stop({ keepData: true });
    if (server) rmSync(server.dataDir, { recursive: true, force: true });
  });

  it('recovers each key’s raw material from the SQLite file and root.key alone', () => {
    rootKey = Buffer.from(readFileSync(join(server.dataDir, 'root.key'), 'utf8').trim(), 'base64');
    assert.equal(rootKey.length, 32);
    const db = new Database(join(server.dataDir, 'opencmk.db'), { readonly: true, fileMustExist: true });
    try {
      const rows = db
        .prepare('SELECT m.key_id AS keyId, m.version AS version, m.wrapped AS wrapped, k.doc AS doc FROM kms_materials m JOIN kms_keys k ON k.id = m.key_id')
        .all() as { keyId: string; version: number; wrapped: Buffer; doc: string }[];
      assert.equal(rows.length, expectedVersions);
      for (const row of rows) {
        const arn = (JSON.parse(row.doc) as { arn: string }).arn;
        assert.equal(arn, keys.get(row.keyId)?.arn);
        const raw = open(rootKey, row.wrapped, `opencmk/v1/material/${arn}/${row.version}`);
        assert.equal(raw.length, 32);
        materials.set(`${row.keyId}/${row.version}`, raw);
      }
    } finally {
      db.close();
    }
    assert.equal(new Set([...materials.values()].map((m) => m.toString('hex'))).size, materials.size, 'every version has its own material');
    // The recovered bytes are the real material: they open what the server sealed.
    for (const dk of dataKeys) {
      const header = readBlobHeader(dk.blob);
      assert.equal(header.keyId, dk.keyId);
      const material = materials.get(`${dk.keyId}/${header.material}`);
      assert.ok(material, `material ${dk.keyId}/${header.material}`);
      assert.deepEqual(openBlob(dk.blob, material, dk.context), dk.plaintext);
    }
    assert.ok(dataKeys.some((dk) => readBlobHeader(dk.blob).material === 3), 'a data key under a twice-rotated key');
  });

  const secrets = (): Secret[] => [
    ...[...materials].map(([id, bytes]) => ({ what: `material ${id}`, bytes })),
    ...dataKeys.map((dk, i) => ({ what: `data key ${i}`, bytes: dk.plaintext })),
    ...plaintexts.map((p, i) => ({ what: `Encrypt plaintext ${i}`, bytes: p })),
    { what: 'root key', bytes: rootKey },
  ];
  const accessSecrets = (): Secret[] =>
    [CUSTOMER, PROVIDER, PROVIDER2, OUTSIDER].map((who) => ({ what: `secret access key of ${who.arn}`, bytes: Buffer.from(who.secretAccessKey) }));

  function checkScan(): void {
    assert.ok(materials.size > 0, 'materials were recovered first');
    // Only root.key may hold the root key (as its base64 line; that also matches the base64url
    // form whenever the key has no '+' or '/').
    const found = scan(server.dataDir, secrets()).filter((f) => !f.startsWith('root.key: root key ('));
    assert.deepEqual(found, []);
    const leaked = scan(server.dataDir, accessSecrets(), (f) => f.endsWith(OPERATOR_CONFIG));
    assert.deepEqual(leaked, []);
    // Positive controls: the scanner does find what is there.
    assert.ok(scan(server.dataDir, accessSecrets()).includes(`${OPERATOR_CONFIG}: secret access key of ${CUSTOMER.arn} (raw)`));
    const rootKeyFound = scan(server.dataDir, [{ what: 'root key', bytes: rootKey }]);
    assert.ok(rootKeyFound.includes('root.key: root key (base64)'));
    assert.ok(rootKeyFound.every((f) => f.startsWith('root.key: ')), rootKeyFound.join(', '));
  }

  it('finds none of them in any file while the server runs (database, WAL, shared memory)', () => {
    const names = filesUnder(server.dataDir).map((f) => relative(server.dataDir, f));
    assert.ok(names.includes('opencmk.db-wal'), `the WAL is scanned too: ${names.join(', ')}`);
    checkScan();
    // The wrapped material is what the files hold instead (in the database or its WAL).
    const db = new Database(join(server.dataDir, 'opencmk.db'), { readonly: true, fileMustExist: true });
    const wrapped = (db.prepare('SELECT wrapped FROM kms_materials').all() as { wrapped: Buffer }[]).map((r) => r.wrapped);
    db.close();
    const all = Buffer.concat(filesUnder(server.dataDir).map((f) => readFileSync(f)));
    for (const w of wrapped) assert.notEqual(all.indexOf(w), -1, 'sealed material is on disk');
  });

  it('finds none of them after a clean stop has flushed everything into the database', async () => {
    await server.stop({ keepData: true });
    assert.equal(server.child.exitCode, 0, server.output());
    checkScan();
  });

  it('keeps the root key file at mode 0600', () => {
    assert.equal(mode(join(server.dataDir, 'root.key')), 0o600);
  });
});

describe('data at rest: the bootstrap credentials', () => {
  it('writes them to a 0600 file, keeps the secret only sealed in the store, and never logs it', async () => {
    const server = await startServerProcess({ bootstrap: true });
    try {
      const file = join(server.dataDir, 'credentials');
      assert.equal(mode(file), 0o600);
      assert.equal(mode(join(server.dataDir, 'root.key')), 0o600);
      const text = readFileSync(file, 'utf8');
      const accessKeyId = /aws_access_key_id = (\S+)/.exec(text)?.[1];
      const secretAccessKey = /aws_secret_access_key = (\S+)/.exec(text)?.[1];
      assert.ok(accessKeyId && secretAccessKey, text);

      // The credentials work, so the server really holds this secret.
      const admin = { accountId: '000000000000', arn: 'arn:aws:iam::000000000000:user/admin', accessKeyId, secretAccessKey };
      const kms = kmsClient(server.url, admin);
      const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
      assert.equal(KeyMetadata?.AWSAccountId, '000000000000');
      kms.destroy();

      // It is stored sealed under the root key, bound to its access key id.
      const rootKey = Buffer.from(readFileSync(join(server.dataDir, 'root.key'), 'utf8').trim(), 'base64');
      const db = new Database(join(server.dataDir, 'opencmk.db'), { readonly: true, fileMustExist: true });
      const row = db.prepare('SELECT wrapped_secret FROM credentials WHERE access_key_id = ?').get(accessKeyId) as { wrapped_secret: Buffer } | undefined;
      db.close();
      assert.ok(row);
      assert.equal(open(rootKey, row.wrapped_secret, `opencmk/v1/secret-access-key/${accessKeyId}`).toString(), secretAccessKey);

      const secret = [{ what: 'bootstrap secret access key', bytes: Buffer.from(secretAccessKey) }];
      const isCredentialsFile = (f: string) => f === file;
      assert.deepEqual(scan(server.dataDir, secret, isCredentialsFile), [], 'while running');
      assert.deepEqual(scan(server.dataDir, secret), ['credentials: bootstrap secret access key (raw)'], 'positive control');
      await server.stop({ keepData: true });
      assert.deepEqual(scan(server.dataDir, secret, isCredentialsFile), [], 'after stop');
      assert.equal(server.output().includes(secretAccessKey), false, 'the secret is never printed or logged');
      assert.ok(server.output().includes(file), 'the credentials file is named (positive control for the output check)');
    } finally {
      await server.stop();
    }
  });
});
