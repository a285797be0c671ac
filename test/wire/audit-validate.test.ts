import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { DecryptCommand, EncryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { CUSTOMER, OUTSIDER, PROVIDER } from '../helpers/accounts.js';
import { awsCli, kmsClient } from '../helpers/clients.js';
import { startServerProcess, type ServerProcess } from '../helpers/server.js';

const BIN = resolve(import.meta.dirname, '../../../bin/opencmk.js');
const EXIT_INVALID = 4;

function opencmk(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

interface Digest {
  path: string;
  doc: { digestStartTime: string; logFiles: { s3Object: string; opencmkChain: { firstSequence: number; lastSequence: number } }[] };
}

/** An account's digests in time order, and its log files in chain order, under a data directory. */
function trailOf(dataDir: string, account: string): { digests: Digest[]; logFiles: string[] } {
  const root = join(dataDir, 'audit');
  const digests = walk(join(root, 'AWSLogs', account, 'CloudTrail-Digest'))
    .filter((p) => p.endsWith('.json.gz'))
    .sort((a, b) => a.split('_').pop()!.localeCompare(b.split('_').pop()!))
    .map((path) => ({ path, doc: JSON.parse(gunzipSync(readFileSync(path)).toString()) }));
  return { digests, logFiles: digests.flatMap((d: Digest) => d.doc.logFiles.map((f) => join(root, ...f.s3Object.split('/')))) };
}

const LOG_HEAD = '{"Records":[\n';
const LOG_TAIL = '\n]}\n';
function editRecords(path: string, edit: (records: string[]) => string[]): void {
  const text = gunzipSync(readFileSync(path)).toString();
  assert.ok(text.startsWith(LOG_HEAD) && text.endsWith(LOG_TAIL));
  const records = text.slice(LOG_HEAD.length, -LOG_TAIL.length).split(',\n');
  writeFileSync(path, gzipSync(LOG_HEAD + edit(records).join(',\n') + LOG_TAIL));
}

describe('opencmk audit validate: proves the delivered trail is whole, and names what is not', () => {
  let server: ServerProcess;
  let dataDir: string;
  const copies: string[] = [];
  const startTime = new Date(Date.now() - 3_600_000).toISOString();

  /** A copy of the stopped server's data directory to tamper with. */
  function copy(): string {
    const dir = mkdtempSync(join(tmpdir(), 'opencmk-audit-tamper-'));
    cpSync(dataDir, dir, { recursive: true });
    copies.push(dir);
    return dir;
  }
  const validate = (dir: string, ...extra: string[]) => opencmk(['audit', 'validate', '--start-time', startTime, '--data-dir', dir, ...extra]);

  before(async () => {
    server = await startServerProcess({ config: { audit: { deliveryIntervalSeconds: 0.25, digestPeriodSeconds: 1 } } });
    dataDir = server.dataDir;
    const created = await awsCli(server.url, CUSTOMER, ['kms', 'create-key']);
    assert.equal(created.code, 0, created.stderr);
    const keyArn = JSON.parse(created.stdout).KeyMetadata.Arn as string;
    const policy = { Version: '2012-10-17', Statement: [
      { Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${CUSTOMER.accountId}:root` }, Action: 'kms:*', Resource: '*' },
      { Sid: 'Provider', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${PROVIDER.accountId}:root` }, Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*'], Resource: '*' },
    ] };
    const customer: KMSClient = kmsClient(server.url, CUSTOMER);
    const provider: KMSClient = kmsClient(server.url, PROVIDER);
    const outsider: KMSClient = kmsClient(server.url, OUTSIDER);
    const { PutKeyPolicyCommand } = await import('@aws-sdk/client-kms');
    await customer.send(new PutKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default', Policy: JSON.stringify(policy) }));
    // Traffic in several rounds, so that there are several log files and digests, then a quiet spell (empty digests).
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 4; i++) {
        const enc = await provider.send(new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from(`round ${round} item ${i}`) }));
        await provider.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
      }
      await provider.send(new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: 'AES_256' }));
      await outsider.send(new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from('no') })).catch(() => {});
      await new Promise((r) => setTimeout(r, 700));
    }
    await new Promise((r) => setTimeout(r, 2500));
    for (const c of [customer, provider, outsider]) c.destroy();
    // SIGTERM: the server delivers everything and closes the digest window before it exits.
    await server.stop({ keepData: true });
  });
  after(() => {
    rmSync(dataDir, { recursive: true, force: true });
    for (const dir of copies) rmSync(dir, { recursive: true, force: true });
  });

  it('passes an untouched trail: several log files and digests per account, empty periods included', async () => {
    const customerTrail = trailOf(dataDir, CUSTOMER.accountId);
    assert.ok(customerTrail.logFiles.length >= 3, `log files: ${customerTrail.logFiles.length}`);
    assert.ok(customerTrail.digests.length >= 5, `digests: ${customerTrail.digests.length}`);
    assert.ok(customerTrail.digests.some((d) => d.doc.logFiles.length === 0), 'a quiet period still has its digest');
    for (const d of customerTrail.digests) assert.ok(existsSync(`${d.path}.metadata.json`), 'each digest has its signature beside it');
    const r = await validate(dataDir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Result: valid/);
    const summary = new RegExp(`Account ${CUSTOMER.accountId}, region us-east-1[^\\n]*\\n(\\d+)/\\1 digest files valid\\n(\\d+)/\\2 log files valid\\n(\\d+)/\\3 records valid`);
    const m = summary.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.equal(Number(m[2]), customerTrail.logFiles.length);
    assert.ok(Number(m[3]) >= 30, 'the customer sees the provider and outsider calls');
    assert.match(r.stdout, new RegExp(`Account ${PROVIDER.accountId}, region us-east-1`));
    // --verbose lists every file as valid.
    const verbose = await validate(dataDir, '--verbose', '--account', CUSTOMER.accountId);
    assert.equal(verbose.code, 0);
    for (const f of customerTrail.logFiles) assert.ok(verbose.stdout.includes(`Log file\t${f}\tvalid`), f);
    assert.doesNotMatch(verbose.stdout, new RegExp(`Account ${PROVIDER.accountId}`));
  });

  it('fails after one edited record, naming the file and the record', async () => {
    const dir = copy();
    const file = trailOf(dir, CUSTOMER.accountId).logFiles.filter((f) => editableCount(f) >= 2)[1]!;
    let eventId = '';
    let sequence = 0;
    editRecords(file, (records) =>
      records.map((r, i) => {
        if (i !== 1) return r;
        const parsed = JSON.parse(r);
        eventId = parsed.eventID;
        sequence = parsed.opencmkChain.sequence;
        return r.replace('"sourceIPAddress":"127.0.0.1"', '"sourceIPAddress":"10.0.0.1"');
      }),
    );
    const r = await validate(dir);
    assert.equal(r.code, EXIT_INVALID, r.stdout);
    assert.ok(r.stdout.includes(`Log file\t${file}\tINVALID: modified (hash value doesn't match)`), r.stdout);
    assert.ok(r.stdout.includes(`Record\t${file} record sequence ${sequence} eventID ${eventId}\tINVALID: modified`), r.stdout);
    assert.match(r.stdout, /Result: INVALID/);
  });

  it('fails after one deleted record, naming the file and the missing sequence', async () => {
    const dir = copy();
    const file = trailOf(dir, CUSTOMER.accountId).logFiles.find((f) => editableCount(f) >= 3)!;
    let sequence = 0;
    editRecords(file, (records) => {
      sequence = JSON.parse(records[1]!).opencmkChain.sequence;
      return records.filter((_, i) => i !== 1);
    });
    const r = await validate(dir);
    assert.equal(r.code, EXIT_INVALID, r.stdout);
    assert.ok(r.stdout.includes(`Log file\t${file}\tINVALID: modified`), r.stdout);
    assert.ok(r.stdout.includes(`Record\t${file} record sequence ${sequence}\tINVALID: missing`), r.stdout);
  });

  it('fails after two swapped records, naming the file and the record out of order', async () => {
    const dir = copy();
    const file = trailOf(dir, CUSTOMER.accountId).logFiles.find((f) => editableCount(f) >= 2)!;
    let moved = '';
    editRecords(file, ([a, b, ...rest]) => {
      moved = JSON.parse(a!).eventID;
      return [b!, a!, ...rest];
    });
    const r = await validate(dir);
    assert.equal(r.code, EXIT_INVALID, r.stdout);
    assert.ok(r.stdout.includes(`Log file\t${file}\tINVALID: modified`), r.stdout);
    assert.match(r.stdout, new RegExp(`Record\\t${escape(file)} record sequence \\d+ eventID ${moved}\\tINVALID: out-of-order`));
  });

  it('fails after one deleted log file, naming it missing', async () => {
    const dir = copy();
    const file = trailOf(dir, PROVIDER.accountId).logFiles[1]!;
    unlinkSync(file);
    const r = await validate(dir);
    assert.equal(r.code, EXIT_INVALID, r.stdout);
    assert.ok(r.stdout.includes(`Log file\t${file}\tINVALID: missing (not found (records `), r.stdout);
  });

  it('fails after one edited digest, naming it', async () => {
    const dir = copy();
    const { digests } = trailOf(dir, CUSTOMER.accountId);
    const target = digests.find((d) => d.doc.logFiles.length > 0)!;
    const doc = JSON.parse(gunzipSync(readFileSync(target.path)).toString());
    doc.logFiles[0].hashValue = '0'.repeat(64);
    writeFileSync(target.path, gzipSync(JSON.stringify(doc)));
    const r = await validate(dir);
    assert.equal(r.code, EXIT_INVALID, r.stdout);
    assert.ok(r.stdout.includes(`Digest file\t${target.path}\tINVALID: modified (signature verification failed)`), r.stdout);
  });

  it('fails when a digest was deleted, and checks against a pinned public key', async () => {
    const dir = copy();
    const { digests } = trailOf(dir, CUSTOMER.accountId);
    unlinkSync(digests[2]!.path);
    const r = await validate(dir);
    assert.equal(r.code, EXIT_INVALID, r.stdout);
    assert.ok(r.stdout.includes(`Digest file\t${digests[2]!.path}\tINVALID: missing (not found)`), r.stdout);
    // A public key that did not sign the digests: every digest fails.
    const { generateKeyPairSync } = await import('node:crypto');
    const other = join(dir, 'other.pem');
    writeFileSync(other, generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }));
    const pinned = await validate(dataDir, '--public-key', other);
    assert.equal(pinned.code, EXIT_INVALID);
    assert.match(pinned.stdout, /INVALID: modified \(no public key with fingerprint/);
  });

  it('exports the stored records as JSON lines for a SIEM, all accounts or one', async () => {
    const all = await opencmk(['audit', 'export', '--since', startTime, '--format', 'jsonl', '--data-dir', dataDir]);
    assert.equal(all.code, 0, all.stderr);
    const records = all.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const customerOnly = await opencmk(['audit', 'export', '--since', startTime, '--format', 'jsonl', '--account', CUSTOMER.accountId, '--data-dir', dataDir]);
    const mine = customerOnly.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(mine.length > 30 && mine.every((r) => r.recipientAccountId === CUSTOMER.accountId));
    assert.deepEqual(mine.map((r) => r.opencmkChain.sequence), mine.map((_, i) => i + 1), 'in chain order, none left out');
    assert.deepEqual(new Set(records.map((r) => r.recipientAccountId)), new Set([CUSTOMER.accountId, PROVIDER.accountId, OUTSIDER.accountId]));
    // The same records the delivered log files hold.
    const delivered = trailOf(dataDir, CUSTOMER.accountId).logFiles.flatMap((f) => JSON.parse(gunzipSync(readFileSync(f)).toString()).Records);
    assert.deepEqual(mine, delivered);
    const later = await opencmk(['audit', 'export', '--since', new Date(Date.now() + 60_000).toISOString(), '--format', 'jsonl', '--data-dir', dataDir]);
    assert.equal(later.stdout, '');
    const csv = await opencmk(['audit', 'export', '--since', startTime, '--format', 'csv', '--data-dir', dataDir]);
    assert.equal(csv.code, 1);
  });

  it('refuses bad flags with exit 1', async () => {
    const r = await opencmk(['audit', 'validate', '--start-time', 'yesterday-ish', '--data-dir', dataDir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--start-time must be an ISO 8601 time/);
    const none = await opencmk(['audit', 'validate', '--start-time', startTime, '--data-dir', join(dataDir, 'nothing-here')]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no audit database/);
  });
});

function editableCount(path: string): number {
  return gunzipSync(readFileSync(path)).toString().split(',\n').length;
}
function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
