import assert from 'node:assert/strict';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { GENESIS_HASH } from '../../../src/audit/chain.js';
import { createDelivery } from '../../../src/audit/delivery.js';
import { digestStringToSign, sha256Hex, splitLogFile, type DigestDocument } from '../../../src/audit/files.js';
import { buildRecords } from '../../../src/audit/record.js';
import { loadSigningKey, SIGNING_KEY_PURPOSE, verifySignature } from '../../../src/audit/signing-key.js';
import { validateTrail, type ValidationResult } from '../../../src/audit/validate.js';
import { createMemoryAuditStore } from '../../../src/store/memory/audit.js';
import { countingUuid, CUSTOMER_ACCOUNT, encryptCall, fixedRoot, manualClock, memoryTarget, PROVIDER_ACCOUNT } from './helpers.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const MINUTE = 60_000;

/**
 * A trail over three one-minute digest windows: 10 cross-account calls in the first minute (so
 * both accounts get 10 records, in log files of at most 4), nothing in the second, 3 in the third.
 */
async function scenario() {
  const clock = manualClock(T0);
  const store = createMemoryAuditStore();
  const target = memoryTarget();
  const root = fixedRoot();
  const signer = await loadSigningKey(store, root, clock.now);
  const delivery = createDelivery({ store, target, signer, clock: clock.now, homeRegion: 'us-east-1', digestPeriodMs: MINUTE, maxRecordsPerFile: 4 });
  const uuid = countingUuid();
  const call = async (i: number) => store.append(buildRecords(encryptCall({ eventTime: clock.now(), requestId: `r-${i}` }), uuid));
  for (let i = 0; i < 10; i++) {
    await call(i);
    clock.advance(1000);
  }
  assert.equal(await delivery.deliverLogs(), 6, '3 files per account');
  clock.set(T0 + 2 * MINUTE + 5000);
  assert.equal(await delivery.deliverDigests(), 4, 'windows 0 and 1 for both accounts');
  for (let i = 10; i < 13; i++) {
    await call(i);
    clock.advance(1000);
  }
  await delivery.deliverLogs();
  clock.set(T0 + 3 * MINUTE + 1000);
  assert.equal(await delivery.deliverDigests(), 2);
  const publicKeys = new Map([[signer.fingerprint, signer.publicKeyPem]]);
  const validate = (extra: Partial<Parameters<typeof validateTrail>[0]> = {}) =>
    validateTrail({ reader: target, publicKeys, startTime: T0 - MINUTE, endTime: T0 + 10 * MINUTE, ...extra });
  return { clock, store, target, root, signer, delivery, validate };
}

const digestKeys = (target: ReturnType<typeof memoryTarget>, account: string) =>
  [...target.objects.keys()].filter((k) => k.startsWith(`AWSLogs/${account}/CloudTrail-Digest/`)).sort();
const logKeys = (target: ReturnType<typeof memoryTarget>, account: string) =>
  [...target.objects.keys()].filter((k) => k.startsWith(`AWSLogs/${account}/CloudTrail/`)).sort();
/** An account's log files in chain order, as its digests list them. */
const filesInOrder = (target: ReturnType<typeof memoryTarget>, account: string) =>
  digestKeys(target, account).flatMap((k) => readDigest(target, k).logFiles.map((f) => f.s3Object));
const readDigest = (target: ReturnType<typeof memoryTarget>, key: string) => JSON.parse(gunzipSync(target.objects.get(key)!.body).toString()) as DigestDocument;
const problems = (r: ValidationResult) => r.findings.filter((f) => f.status !== 'valid');

/** Rewrites one log file's records (uncompressed text lines) and gzips it back. */
function editLogFile(target: ReturnType<typeof memoryTarget>, key: string, edit: (records: string[]) => string[]): void {
  const text = gunzipSync(target.objects.get(key)!.body).toString();
  const records = splitLogFile(text)!;
  target.objects.get(key)!.body = gzipSync('{"Records":[\n' + edit(records).join(',\n') + '\n]}\n');
}

describe('log file and digest delivery', () => {
  it("writes CloudTrail's paths and names, gzipped {\"Records\":[…]}, hashes over the uncompressed file", async () => {
    const { target } = await scenario();
    const logs = logKeys(target, CUSTOMER_ACCOUNT);
    assert.equal(logs.length, 4);
    for (const key of logs) {
      assert.match(key, /^AWSLogs\/111122223333\/CloudTrail\/us-east-1\/2026\/01\/01\/111122223333_CloudTrail_us-east-1_20260101T00\d\dZ_[0-9a-f]{16}\.json\.gz$/);
      const parsed = JSON.parse(gunzipSync(target.objects.get(key)!.body).toString());
      assert.ok(Array.isArray(parsed.Records));
      for (const r of parsed.Records) assert.equal(r.recipientAccountId, CUSTOMER_ACCOUNT);
    }
    const digests = digestKeys(target, CUSTOMER_ACCOUNT);
    assert.deepEqual(
      digests.map((k) => k.split('/').pop()),
      ['20260101T000100Z', '20260101T000200Z', '20260101T000300Z'].map((t) => `111122223333_CloudTrail-Digest_us-east-1_opencmk_us-east-1_${t}.json.gz`),
    );
  });

  it('delivers a digest for every window, empty ones too, each chained to the one before and signed', async () => {
    const { target, signer } = await scenario();
    const keys = digestKeys(target, PROVIDER_ACCOUNT);
    const docs = keys.map((k) => readDigest(target, k));
    assert.deepEqual(docs.map((d) => d.logFiles.length), [3, 0, 1]);
    assert.deepEqual(docs.map((d) => [d.digestStartTime, d.digestEndTime]), [
      ['2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z'],
      ['2026-01-01T00:01:00Z', '2026-01-01T00:02:00Z'],
      ['2026-01-01T00:02:00Z', '2026-01-01T00:03:00Z'],
    ]);
    assert.equal(docs[1]!.newestEventTime, null);
    assert.equal(docs[0]!.previousDigestSignature, null);
    assert.equal(docs[0]!.previousDigestS3Object, null);
    for (let i = 0; i < docs.length; i++) {
      const doc = docs[i]!;
      const text = gunzipSync(target.objects.get(keys[i]!)!.body).toString();
      const { metadata } = target.objects.get(keys[i]!)!;
      assert.equal(metadata['signature-algorithm'], 'SHA256withRSA');
      assert.equal(doc.digestSignatureAlgorithm, 'SHA256withRSA');
      assert.equal(doc.digestPublicKeyFingerprint, signer.fingerprint);
      assert.equal(doc.digestS3Object, keys[i]);
      assert.equal(doc.digestS3Bucket, 'test-bucket');
      // CloudTrail's string to sign, with the literal null before the first digest.
      const previousSignature = i === 0 ? 'null' : target.objects.get(keys[i - 1]!)!.metadata.signature;
      const toSign = `${doc.digestEndTime}\ntest-bucket/${keys[i]}\n${sha256Hex(text)}\n${previousSignature}`;
      assert.equal(toSign, digestStringToSign(doc, sha256Hex(text)));
      assert.ok(verifySignature(signer.publicKeyPem, toSign, metadata.signature!));
      if (i > 0) {
        assert.equal(doc.previousDigestS3Object, keys[i - 1]);
        assert.equal(doc.previousDigestHashValue, sha256Hex(gunzipSync(target.objects.get(keys[i - 1]!)!.body)));
        assert.equal(doc.previousDigestHashAlgorithm, 'SHA-256');
      }
      for (const f of doc.logFiles) assert.equal(f.hashValue, sha256Hex(gunzipSync(target.objects.get(f.s3Object)!.body)));
    }
    // The record chain runs through the files: 1–4, 5–8, 9–10 | 11–13.
    assert.deepEqual(docs.flatMap((d) => d.logFiles.map((f) => [f.opencmkChain.firstSequence, f.opencmkChain.lastSequence])), [[1, 4], [5, 8], [9, 10], [11, 13]]);
    assert.equal(docs[0]!.logFiles[0]!.opencmkChain.previousHash, GENESIS_HASH);
    assert.deepEqual(docs[1]!.opencmkChain, docs[0]!.opencmkChain);
  });

  it('keeps the signing key only sealed by the root of trust', async () => {
    const { store, root, signer } = await scenario();
    const [stored] = await store.signingKeys();
    assert.equal(stored!.fingerprint, signer.fingerprint);
    assert.doesNotMatch(stored!.sealedPrivateKey.toString('latin1'), /PRIVATE KEY/);
    const der = await root.open(stored!.sealedPrivateKey, SIGNING_KEY_PURPOSE);
    assert.ok(der.length > 1000);
    await assert.rejects(root.open(stored!.sealedPrivateKey, 'another purpose'));
  });

  it('closes the current window early on a final delivery, and the next window starts where it ended', async () => {
    const { clock, delivery, target, store } = await scenario();
    clock.set(T0 + 3 * MINUTE + 20_500);
    let n = 0;
    await store.append(buildRecords(encryptCall({ eventTime: clock.now() }), () => `final-${++n}`));
    await delivery.deliverLogs();
    assert.equal(await delivery.deliverDigests({ final: true }), 2);
    const last = readDigest(target, digestKeys(target, CUSTOMER_ACCOUNT).pop()!);
    assert.deepEqual([last.digestStartTime, last.digestEndTime], ['2026-01-01T00:03:00Z', '2026-01-01T00:03:21Z']);
    assert.equal(last.logFiles.length, 1, 'the file just delivered is in the final digest');
    assert.equal(await delivery.deliverDigests({ final: true }), 0, 'nothing more to close');
    clock.set(T0 + 5 * MINUTE);
    await delivery.deliverDigests();
    const after = digestKeys(target, CUSTOMER_ACCOUNT).slice(-2).map((k) => readDigest(target, k));
    assert.deepEqual(after.map((d) => [d.digestStartTime, d.digestEndTime]), [
      ['2026-01-01T00:03:21Z', '2026-01-01T00:04:00Z'],
      ['2026-01-01T00:04:00Z', '2026-01-01T00:05:00Z'],
    ]);
  });

  it('rewrites the same object when a delivery is repeated after a crash between the write and its record', async () => {
    const clock = manualClock(T0);
    const store = createMemoryAuditStore();
    const target = memoryTarget();
    const signer = await loadSigningKey(store, fixedRoot(), clock.now);
    const delivery = createDelivery({ store, target, signer, clock: clock.now, homeRegion: 'us-east-1', digestPeriodMs: MINUTE });
    await store.append(buildRecords(encryptCall({ eventTime: T0, resources: [] }), countingUuid()));
    const realAdd = store.addLogFile;
    store.addLogFile = async () => {
      throw new Error('crash');
    };
    await assert.rejects(delivery.deliverLogs(), /crash/);
    const first = [...target.objects.keys()];
    store.addLogFile = realAdd;
    await store.append(buildRecords(encryptCall({ eventTime: T0 + 1000, resources: [], requestId: 'r-2' }), () => 'second-id'));
    assert.equal(await delivery.deliverLogs(), 1);
    assert.deepEqual([...target.objects.keys()], first, 'the same key, now holding both records');
    clock.set(T0 + MINUTE);
    await delivery.deliverDigests();
    const result = await validateTrail({ reader: target, publicKeys: new Map([[signer.fingerprint, signer.publicKeyPem]]), startTime: 0, endTime: T0 + MINUTE });
    assert.deepEqual(problems(result), []);
    assert.equal(result.chains[0]!.records.valid, 2);
  });

  it('prunes only delivered records older than the retention', async () => {
    const { store } = await scenario();
    await store.append(buildRecords(encryptCall({ eventTime: T0, resources: [] }), () => 'undelivered'));
    const removed = await store.prune(T0 / 1000 + 5, 1000);
    assert.equal(removed, 10, 'the first 5 seconds of both accounts');
    const left = await store.range(PROVIDER_ACCOUNT, 'us-east-1', 0, 100);
    assert.ok(left.some((e) => e.eventId === 'undelivered'), 'an undelivered record stays however old');
    assert.equal(left[0]!.sequence, 6);
  });
});

describe('audit validate (logic)', () => {
  it('passes an untouched trail', async () => {
    const { validate } = await scenario();
    const result = await validate();
    assert.deepEqual(problems(result), []);
    assert.equal(result.ok, true);
    assert.deepEqual(
      result.chains.map((c) => [c.accountId, c.digests.valid, c.logFiles.valid, c.records.valid]),
      [
        [CUSTOMER_ACCOUNT, 3, 4, 13],
        [PROVIDER_ACCOUNT, 3, 4, 13],
      ],
    );
  });

  it('names the file and the record when one record was edited', async () => {
    const { target, validate } = await scenario();
    const key = filesInOrder(target, CUSTOMER_ACCOUNT)[1]!;
    let eventId = '';
    editLogFile(target, key, (records) =>
      records.map((r, i) => {
        if (i !== 2) return r;
        eventId = JSON.parse(r).eventID;
        return r.replace('"eventName":"Encrypt"', '"eventName":"Decrypt"');
      }),
    );
    const result = await validate();
    assert.equal(result.ok, false);
    const found = problems(result);
    assert.ok(found.some((f) => f.subject === 'Log file' && f.location === `mem://${key}` && f.status === 'modified'), JSON.stringify(found));
    const record = found.find((f) => f.subject === 'Record');
    assert.equal(record?.status, 'modified');
    assert.equal(record?.location, `mem://${key} record sequence 7 eventID ${eventId}`);
    assert.equal(found.filter((f) => f.subject === 'Record').length, 1, 'only that record');
  });

  it('names the file and the sequence when one record was deleted', async () => {
    const { target, validate } = await scenario();
    const key = filesInOrder(target, CUSTOMER_ACCOUNT)[0]!;
    editLogFile(target, key, (records) => records.filter((_, i) => i !== 1));
    const found = problems(await validate());
    assert.ok(found.some((f) => f.subject === 'Log file' && f.location === `mem://${key}` && f.status === 'modified'));
    assert.deepEqual(found.filter((f) => f.subject === 'Record').map((f) => [f.location, f.status]), [[`mem://${key} record sequence 2`, 'missing']]);
  });

  it('names the records when two were swapped', async () => {
    const { target, validate } = await scenario();
    const key = filesInOrder(target, CUSTOMER_ACCOUNT)[0]!;
    editLogFile(target, key, ([a, b, ...rest]) => [b!, a!, ...rest]);
    const found = problems(await validate());
    assert.ok(found.some((f) => f.subject === 'Log file' && f.location === `mem://${key}`));
    const records = found.filter((f) => f.subject === 'Record');
    assert.deepEqual(records.map((f) => f.status), ['out-of-order']);
    assert.match(records[0]!.location, new RegExp(`^mem://${key} record sequence 1 eventID `));
  });

  it('names a deleted log file as missing', async () => {
    const { target, validate } = await scenario();
    const key = filesInOrder(target, PROVIDER_ACCOUNT)[2]!;
    target.objects.delete(key);
    const found = problems(await validate());
    assert.deepEqual(found.map((f) => [f.subject, f.location, f.status]), [['Log file', `mem://${key}`, 'missing']]);
    assert.match(found[0]!.detail!, /records 9–10/);
  });

  it('names an edited digest (its signature no longer verifies)', async () => {
    const { target, validate } = await scenario();
    const key = digestKeys(target, CUSTOMER_ACCOUNT)[0]!;
    const doc = readDigest(target, key);
    doc.logFiles.pop();
    target.objects.get(key)!.body = gzipSync(JSON.stringify(doc));
    const found = problems(await validate());
    assert.ok(found.some((f) => f.subject === 'Digest file' && f.location === `mem://${key}` && f.status === 'modified' && /signature verification failed/.test(f.detail!)), JSON.stringify(found));
  });

  it('finds a deleted digest from the next one, and a deleted newest digest from the database list', async () => {
    const { target, validate, store } = await scenario();
    const keys = digestKeys(target, CUSTOMER_ACCOUNT);
    target.objects.delete(keys[1]!);
    let found = problems(await validate());
    assert.ok(found.some((f) => f.subject === 'Digest file' && f.status === 'missing' && f.detail!.includes(keys[1]!)), JSON.stringify(found));
    target.objects.delete(keys[2]!);
    const expectedDigests = await store.listDigests(0);
    found = problems(await validate({ expectedDigests }));
    assert.ok(found.some((f) => f.subject === 'Digest file' && f.location === `mem://${keys[2]}` && f.status === 'missing'));
  });

  it('refuses digests signed by a key it was not given', async () => {
    const { validate } = await scenario();
    const found = problems(await validate({ publicKeys: new Map() }));
    assert.equal(found.filter((f) => f.subject === 'Digest file').length, 6);
    assert.match(found[0]!.detail!, /no public key with fingerprint/);
  });

  it('reports records removed from the database before delivery as missing', async () => {
    const clock = manualClock(T0);
    const store = createMemoryAuditStore();
    const target = memoryTarget();
    const signer = await loadSigningKey(store, fixedRoot(), clock.now);
    const delivery = createDelivery({ store, target, signer, clock: clock.now, homeRegion: 'us-east-1', digestPeriodMs: MINUTE });
    const uuid = countingUuid();
    for (let i = 0; i < 3; i++) await store.append(buildRecords(encryptCall({ eventTime: T0 + i, resources: [] }), uuid));
    const realRange = store.range;
    store.range = async (...args) => (await realRange(...args)).filter((e) => e.sequence !== 2);
    await delivery.deliverLogs();
    clock.set(T0 + MINUTE);
    await delivery.deliverDigests();
    const found = problems(await validateTrail({ reader: target, publicKeys: new Map([[signer.fingerprint, signer.publicKeyPem]]), startTime: 0, endTime: T0 + MINUTE }));
    assert.deepEqual(found.map((f) => [f.subject, f.status]), [['Record', 'missing']]);
    assert.match(found[0]!.location, /record sequence 2$/);
  });

  it('names a record changed in the database before delivery, though its file hashes right', async () => {
    const clock = manualClock(T0);
    const store = createMemoryAuditStore();
    const target = memoryTarget();
    const signer = await loadSigningKey(store, fixedRoot(), clock.now);
    const delivery = createDelivery({ store, target, signer, clock: clock.now, homeRegion: 'us-east-1', digestPeriodMs: MINUTE });
    const uuid = countingUuid();
    for (let i = 0; i < 3; i++) await store.append(buildRecords(encryptCall({ eventTime: T0 + i, resources: [] }), uuid));
    const realRange = store.range;
    store.range = async (...args) => (await realRange(...args)).map((e) => (e.sequence === 2 ? { ...e, text: e.text.replace('"Encrypt"', '"Decrypt"') } : e));
    await delivery.deliverLogs();
    clock.set(T0 + MINUTE);
    await delivery.deliverDigests();
    const found = problems(await validateTrail({ reader: target, publicKeys: new Map([[signer.fingerprint, signer.publicKeyPem]]), startTime: 0, endTime: T0 + MINUTE }));
    assert.deepEqual(found.map((f) => [f.subject, f.status]), [['Record', 'modified']]);
    assert.match(found[0]!.location, /record sequence 2 eventID /);
  });

  it('validates only the digests of the period asked for', async () => {
    const { validate } = await scenario();
    const result = await validate({ startTime: T0 + 2 * MINUTE, endTime: T0 + 10 * MINUTE });
    assert.deepEqual(result.chains.map((c) => c.digests.valid), [1, 1]);
    assert.deepEqual(problems(result), []);
  });
});
