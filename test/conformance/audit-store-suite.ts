// The AuditStore conformance suite (STYLE habit 9): every driver runs it. A driver test file says
// how to make an empty store; the suite closes it, then calls `cleanup()`.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { chainHash, GENESIS_HASH, splitChainMember } from '../../src/audit/chain.js';
import { DuplicateError, type AuditEventInput, type AuditLogFile, type AuditStore } from '../../src/store/types.js';

export interface AuditStoreUnderTest {
  store: AuditStore;
  cleanup(): Promise<void>;
}
export type MakeAuditStore = () => Promise<AuditStoreUnderTest>;

export const A = '111122223333';
export const B = '444455556666';
export const REGION = 'us-east-1';
const T0 = 1_767_225_600; // 2026-01-01, epoch seconds

export function auditEvent(n: number, overrides: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    accountId: A,
    region: REGION,
    eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    eventTime: T0 + n,
    eventName: 'Encrypt',
    eventSource: 'kms.amazonaws.com',
    readOnly: true,
    username: 'admin',
    accessKeyId: 'AKIA0001',
    resources: [{ type: 'AWS::KMS::Key', name: `arn:aws:kms:us-east-1:${A}:key/k${n % 2}` }],
    record: JSON.stringify({ eventVersion: '1.08', n }),
    ...overrides,
  };
}

export function testAuditStore(name: string, make: MakeAuditStore): void {
  describe(`AuditStore conformance: ${name}`, () => {
    let subject: AuditStoreUnderTest;
    let store: AuditStore;
    beforeEach(async () => {
      subject = await make();
      store = subject.store;
    });
    afterEach(async () => {
      await store.close();
      await subject.cleanup();
    });

    it('chains each account and region on its own, from the genesis hash', async () => {
      await store.append([auditEvent(1), auditEvent(2, { accountId: B }), auditEvent(3)]);
      await store.append([auditEvent(4, { region: 'eu-west-1' })]);
      const heads = await store.heads();
      assert.deepEqual(heads.map((h) => [h.accountId, h.region, h.sequence, h.deliveredSequence]), [
        [A, 'eu-west-1', 1, 0],
        [A, REGION, 2, 0],
        [B, REGION, 1, 0],
      ]);
      const events = await store.range(A, REGION, 0, 10);
      assert.deepEqual(events.map((e) => e.sequence), [1, 2]);
      const h1 = chainHash(GENESIS_HASH, 1, auditEvent(1).record);
      assert.equal(events[0]!.hash, h1);
      assert.equal(events[1]!.hash, chainHash(h1, 2, auditEvent(3).record));
      assert.deepEqual(splitChainMember(events[1]!.text), { record: auditEvent(3).record, sequence: 2, hash: events[1]!.hash });
      assert.equal(heads[1]!.hash, events[1]!.hash);
      assert.equal(heads[1]!.createdAt, T0 + 1);
      assert.deepEqual(events[0]!.resources, auditEvent(1).resources);
      assert.equal(events[0]!.username, 'admin');
      assert.equal(events[0]!.readOnly, true);
    });

    it('keeps a batch all or nothing: a duplicate event id fails the whole batch', async () => {
      await store.append([auditEvent(1)]);
      await assert.rejects(store.append([auditEvent(2), auditEvent(1)]), DuplicateError);
      assert.deepEqual((await store.range(A, REGION, 0, 10)).map((e) => e.eventId), [auditEvent(1).eventId]);
      await store.append([auditEvent(2)]);
      const [, second] = await store.range(A, REGION, 0, 10);
      assert.equal(second!.sequence, 2, 'the failed batch left no gap');
    });

    it('looks up newest first with each filter, time bounds and a position to continue after', async () => {
      const batch = Array.from({ length: 8 }, (_, i) => auditEvent(i + 1, i === 5 ? { eventName: 'Decrypt', readOnly: false, username: 'other', accessKeyId: 'AKIA0002', eventSource: 's3.amazonaws.com', resources: [{ type: 'AWS::S3::Bucket', name: 'arn:aws:s3:::b' }] } : {}));
      await store.append(batch);
      await store.append([auditEvent(9, { eventTime: T0 + 3 })]);
      const ids = async (q: Partial<Parameters<AuditStore['lookup']>[0]>) =>
        (await store.lookup({ accountId: A, region: REGION, limit: 100, ...q })).map((e) => e.sequence);
      assert.deepEqual(await ids({}), [8, 7, 6, 5, 4, 9, 3, 2, 1], 'by time, then sequence, descending');
      assert.deepEqual(await ids({ limit: 3 }), [8, 7, 6]);
      assert.deepEqual(await ids({ after: { eventTime: T0 + 4, sequence: 4 } }), [9, 3, 2, 1]);
      assert.deepEqual(await ids({ startTime: T0 + 3, endTime: T0 + 5 }), [5, 4, 9, 3]);
      assert.deepEqual(await ids({ filter: { field: 'eventId', value: auditEvent(2).eventId } }), [2]);
      assert.deepEqual(await ids({ filter: { field: 'eventName', value: 'Decrypt' } }), [6]);
      assert.deepEqual(await ids({ filter: { field: 'readOnly', value: 'false' } }), [6]);
      assert.deepEqual(await ids({ filter: { field: 'username', value: 'other' } }), [6]);
      assert.deepEqual(await ids({ filter: { field: 'accessKeyId', value: 'AKIA0002' } }), [6]);
      assert.deepEqual(await ids({ filter: { field: 'eventSource', value: 's3.amazonaws.com' } }), [6]);
      assert.deepEqual(await ids({ filter: { field: 'resourceType', value: 'AWS::S3::Bucket' } }), [6]);
      assert.deepEqual(await ids({ filter: { field: 'resourceName', value: `arn:aws:kms:us-east-1:${A}:key/k1` } }), [7, 5, 9, 3, 1]);
      assert.deepEqual(await ids({ filter: { field: 'resourceName', value: `arn:aws:kms:us-east-1:${A}:key/k1` }, limit: 2, after: { eventTime: T0 + 5, sequence: 5 } }), [9, 3]);
      assert.deepEqual(await store.lookup({ accountId: B, region: REGION, limit: 10 }), []);
    });

    it('scans a chain oldest first from a time, after a sequence', async () => {
      await store.append(Array.from({ length: 5 }, (_, i) => auditEvent(i + 1)));
      assert.deepEqual((await store.scan(A, REGION, T0 + 2, 0, 2)).map((e) => e.sequence), [2, 3]);
      assert.deepEqual((await store.scan(A, REGION, T0 + 2, 3, 10)).map((e) => e.sequence), [4, 5]);
    });

    const file = (first: number, last: number, previousHash: string, lastHash: string, deliveredAt: number): AuditLogFile => ({
      accountId: A,
      region: REGION,
      key: `AWSLogs/${A}/CloudTrail/${REGION}/f-${first}.json.gz`,
      hashValue: 'ab'.repeat(32),
      firstSequence: first,
      lastSequence: last,
      previousHash,
      lastHash,
      oldestEventTime: T0,
      newestEventTime: T0 + 1,
      deliveredAt,
    });

    it("Precondition: a log file continues its chain's delivered records exactly.", async () => {
      await store.append(Array.from({ length: 4 }, (_, i) => auditEvent(i + 1)));
      const events = await store.range(A, REGION, 0, 10);
      await assert.rejects(store.addLogFile(file(2, 3, events[0]!.hash, events[2]!.hash, 1)), /does not continue/);
      await assert.rejects(store.addLogFile(file(1, 2, 'cd'.repeat(32), events[1]!.hash, 1)), /does not continue/);
      await assert.rejects(store.addLogFile(file(1, 9, GENESIS_HASH, events[1]!.hash, 1)), /does not continue/, 'beyond the chain');
      await store.addLogFile(file(1, 2, GENESIS_HASH, events[1]!.hash, 1));
      await assert.rejects(store.addLogFile(file(1, 2, GENESIS_HASH, events[1]!.hash, 1)), 'not twice');
      const [head] = await store.heads();
      assert.deepEqual([head!.deliveredSequence, head!.deliveredHash], [2, events[1]!.hash]);
    });

    it('tracks log files until a digest lists them, and the last digest of each chain', async () => {
      await store.append(Array.from({ length: 4 }, (_, i) => auditEvent(i + 1)));
      const events = await store.range(A, REGION, 0, 10);
      const f1 = file(1, 2, GENESIS_HASH, events[1]!.hash, 1000);
      const f2 = file(3, 4, events[1]!.hash, events[3]!.hash, 5000);
      await store.addLogFile(f1);
      await store.addLogFile(f2);
      assert.deepEqual(await store.undigestedLogFiles(A, REGION, 5000), [f1]);
      assert.deepEqual(await store.undigestedLogFiles(A, REGION, 6000), [f1, f2]);
      assert.equal(await store.lastDigest(A, REGION), undefined);
      const digest = { accountId: A, region: REGION, key: 'd1', startTime: 0, endTime: 5500, hashValue: 'ef'.repeat(32), signature: '00', chainSequence: 2, chainHash: events[1]!.hash };
      await store.addDigest(digest, [f1.key]);
      assert.deepEqual(await store.undigestedLogFiles(A, REGION, 6000), [f2]);
      assert.deepEqual(await store.lastDigest(A, REGION), digest);
      const later = { ...digest, key: 'd2', startTime: 5500, endTime: 9000 };
      await store.addDigest(later, [f2.key]);
      assert.deepEqual(await store.lastDigest(A, REGION), later);
      assert.deepEqual((await store.listDigests(5500)).map((d) => d.key), ['d2']);
      assert.deepEqual((await store.listDigests(0)).map((d) => d.key), ['d1', 'd2']);
      assert.deepEqual(await store.undigestedLogFiles(A, REGION, 10_000), []);
    });

    it('keeps signing keys, sealed bytes intact, oldest first', async () => {
      const k1 = { fingerprint: 'f1', publicKeyPem: 'PEM1', sealedPrivateKey: Buffer.from([1, 2, 3]), createdAt: 10 };
      const k2 = { fingerprint: 'f2', publicKeyPem: 'PEM2', sealedPrivateKey: Buffer.from([4]), createdAt: 20 };
      await store.putSigningKey(k2);
      await store.putSigningKey(k1);
      await assert.rejects(store.putSigningKey(k1), DuplicateError);
      const keys = await store.signingKeys();
      assert.deepEqual(keys.map((k) => k.fingerprint), ['f1', 'f2']);
      assert.ok(Buffer.isBuffer(keys[0]!.sealedPrivateKey));
      assert.deepEqual([...keys[0]!.sealedPrivateKey], [1, 2, 3]);
    });

    it('prunes delivered records older than the cutoff only, in bounded steps', async () => {
      await store.append(Array.from({ length: 6 }, (_, i) => auditEvent(i + 1)));
      const events = await store.range(A, REGION, 0, 10);
      await store.addLogFile(file(1, 4, GENESIS_HASH, events[3]!.hash, 1));
      assert.equal(await store.prune(T0 + 100, 2), 2);
      assert.equal(await store.prune(T0 + 100, 100), 2, 'the undelivered 5 and 6 stay');
      assert.equal(await store.prune(T0 + 100, 100), 0);
      assert.deepEqual((await store.range(A, REGION, 0, 10)).map((e) => e.sequence), [5, 6]);
      assert.deepEqual(await store.lookup({ accountId: A, region: REGION, limit: 10, filter: { field: 'resourceName', value: `arn:aws:kms:us-east-1:${A}:key/k1` } }).then((r) => r.map((e) => e.sequence)), [5]);
      const [head] = await store.heads();
      assert.equal(head!.sequence, 6, 'the chain continues after pruning');
      await store.append([auditEvent(7)]);
      assert.equal((await store.range(A, REGION, 6, 10))[0]!.sequence, 7);
    });
  });
}
