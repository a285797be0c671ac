// The multipart and copy operations of the object store core, over the memory metadata store, a
// blob directory, the real key service, a fixed clock and fixed randomness (STYLE habit 3). Each
// named precondition of src/objects/{multipart,operations/*}.ts has a test of the same title.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { open, seal } from '../../../src/formats/sealed.js';
import type { Principal } from '../../../src/identity/principal.js';
import type { KmsRequest } from '../../../src/kms/context.js';
import { CreateKey } from '../../../src/kms/operations/create-key.js';
import { DisableKey } from '../../../src/kms/operations/disable-key.js';
import { createKeyService } from '../../../src/kms/service.js';
import { createBucketKeyCache } from '../../../src/objects/bucket-keys.js';
import { checksumOf, toBase64, type ChecksumAlgorithm } from '../../../src/objects/checksums.js';
import type { ObjectContext, ObjectDeps } from '../../../src/objects/context.js';
import { ObjectError, type ObjectErrorCode } from '../../../src/objects/errors.js';
import { createObjectKms, type ObjectKms } from '../../../src/objects/kms-calls.js';
import { MIN_PART_BYTES, parseCopySource, partNumberOf } from '../../../src/objects/multipart.js';
import { abortMultipartUpload } from '../../../src/objects/operations/abort-multipart-upload.js';
import { completeMultipartUpload, objectChecksumOf, selectParts } from '../../../src/objects/operations/complete-multipart-upload.js';
import { checkInPlaceCopy, copyObject, type CopyObjectInput } from '../../../src/objects/operations/copy-object.js';
import { createBucket } from '../../../src/objects/operations/create-bucket.js';
import { createMultipartUpload } from '../../../src/objects/operations/create-multipart-upload.js';
import { getObject } from '../../../src/objects/operations/get-object.js';
import { listMultipartUploads } from '../../../src/objects/operations/list-multipart-uploads.js';
import { listParts } from '../../../src/objects/operations/list-parts.js';
import { putBucketEncryption } from '../../../src/objects/operations/put-bucket-encryption.js';
import { copyRange, uploadPartCopy } from '../../../src/objects/operations/upload-part-copy.js';
import { uploadPart } from '../../../src/objects/operations/upload-part.js';
import { createFsBlobStore } from '../../../src/store/fs/blob-store.js';
import { createMemoryStores } from '../../../src/store/memory/index.js';
import type { UploadPartRecord } from '../../../src/store/object-types.js';
import type { RootOfTrust } from '../../../src/store/types.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const ACCOUNT = '111122223333';
const ADMIN: Principal = {
  accountId: ACCOUNT,
  arn: `arn:aws:iam::${ACCOUNT}:user/admin`,
  accessKeyId: 'AKIAUNITTEST00000001',
  userName: 'admin',
  principalId: 'AIDAUNITTEST000000001',
};
const SEGMENT = 16384;

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let harnesses = 0;

/** The core over the memory store and a temp blob directory, with counting KMS calls. */
async function harness() {
  const stores = createMemoryStores();
  const seed = `multipart-${++harnesses}`;
  let counter = 0;
  const random = (n: number) => {
    const out = Buffer.alloc(n);
    for (let off = 0; off < n; ) off += createHash('sha256').update(`${seed}/${counter++}`).digest().copy(out, off);
    return out;
  };
  const clock = { now: T0 };
  const rootKey = Buffer.alloc(32, 0x42);
  let sealed = 0;
  const root: RootOfTrust = {
    async seal(secret, purpose) {
      const nonce = Buffer.alloc(12);
      nonce.writeUInt32BE(++sealed, 8);
      return seal(rootKey, secret, purpose, nonce);
    },
    async open(value, purpose) {
      return open(rootKey, value, purpose);
    },
  };
  const bucketKeys = createBucketKeyCache(60_000, () => clock.now);
  let uuids = 0;
  const prefix = harnesses.toString(16).padStart(8, '0');
  const service = createKeyService({
    keys: stores.keys,
    root,
    clock: () => clock.now,
    random,
    uuid: () => `${prefix}-0000-4000-8000-${(++uuids).toString(16).padStart(12, '0')}`,
    onKeyChange: (arn) => bucketKeys.forgetKey(arn),
  });
  const calls = { generate: 0, decrypt: 0 };
  const real = createObjectKms(service);
  const kms: ObjectKms = {
    generateDataKey: (...a) => (calls.generate++, real.generateDataKey(...a)),
    decrypt: (...a) => (calls.decrypt++, real.decrypt(...a)),
    reEncrypt: (...a) => real.reEncrypt(...a),
  };
  const blobDir = mkdtempSync(join(tmpdir(), 'opencmk-unit-mp-'));
  dirs.push(blobDir);
  const deps: ObjectDeps = { meta: stores.objects, blobs: createFsBlobStore(blobDir), kms, root, bucketKeys, clock: () => clock.now, random, segmentSize: SEGMENT };
  const request = (): KmsRequest => ({ principal: ADMIN, region: 'us-east-1', requestId: 'req', sourceIp: '192.0.2.1', userAgent: 'unit', secureTransport: true, time: clock.now });
  const ctx: ObjectContext = { deps, caller: request() };
  const keyArn = ((await service.invoke(request(), CreateKey, {})) as { KeyMetadata: { Arn: string } }).KeyMetadata.Arn;
  await createBucket(ctx, { bucket: 'unit-bucket' });
  await putBucketEncryption(ctx, { bucket: 'unit-bucket', encryption: { algorithm: 'aws:kms', kmsKeyId: keyArn, bucketKeyEnabled: false } });
  return {
    ctx,
    deps,
    clock,
    calls,
    keyArn,
    random,
    async disable(arn: string) {
      await service.invoke(request(), DisableKey, { KeyId: arn });
    },
    /** Blob ids on disk that no record names, and records naming no blob on disk. */
    async blobsInBalance(): Promise<void> {
      const referenced = await stores.objects.referencedBlobs();
      const onDisk = new Set<string>();
      const { readdirSync, statSync } = await import('node:fs');
      const walk = (d: string) => {
        for (const name of readdirSync(d)) {
          const p = join(d, name);
          if (statSync(p).isDirectory()) walk(p);
          else if (/^[0-9a-f]{32}$/.test(name)) onDisk.add(name);
        }
      };
      walk(blobDir);
      assert.deepEqual([...onDisk].sort(), [...referenced].sort(), 'stored blobs and referenced blobs differ');
    },
    async read(key: string, range?: string): Promise<Buffer> {
      const out = await getObject(ctx, { bucket: 'unit-bucket', key, conditions: {}, ...(range ? { range } : {}) });
      const chunks: Buffer[] = [];
      for await (const c of out.body!) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    },
  };
}

function bytes(n: number, label: string): Buffer {
  const out = Buffer.alloc(n);
  for (let off = 0, i = 0; off < n; i++) off += createHash('sha256').update(`${label}/${i}`).digest().copy(out, off);
  return out;
}

const code = (c: ObjectErrorCode, message?: string | RegExp) => (e: unknown) => {
  assert.ok(e instanceof ObjectError, `expected ObjectError ${c}, got ${String(e)}`);
  assert.equal(e.code, c, `expected ${c}, got ${e.code}: ${e.message}`);
  if (typeof message === 'string') assert.equal(e.message, message);
  else if (message) assert.match(e.message, message);
  return true;
};

const body = (b: Buffer) => Readable.from([b]);
const part = (ctx: ObjectContext, uploadId: string, n: number | string, b: Buffer, key = 'obj', checksumAlgorithm?: ChecksumAlgorithm) =>
  uploadPart(ctx, { bucket: 'unit-bucket', key, uploadId, partNumber: String(n), body: body(b), checks: { ...(checksumAlgorithm ? { checksumAlgorithm } : {}), declaredLength: b.length } });
const fakePart = (partNumber: number, size: number, etag = `etag${partNumber}`): UploadPartRecord => ({ uploadId: 'u', partNumber, blobId: `blob${partNumber}`, size, etag, lastModified: T0 });
const FULL = { algorithm: 'CRC64NVME' as const, type: 'FULL_OBJECT' as const, declared: false };

describe('objects/multipart: preconditions', () => {
  it('Precondition: a part number is an integer from 1 to 10,000.', async () => {
    assert.equal(partNumberOf('1'), 1);
    assert.equal(partNumberOf('10000'), 10_000);
    for (const bad of ['0', '10001', '-1', '1.5', 'abc', '', ' 1', '1e3']) {
      assert.throws(() => partNumberOf(bad), code('invalid-argument', 'Part number must be an integer between 1 and 10000, inclusive'), bad);
    }
    const h = await harness();
    const { uploadId } = await createMultipartUpload(h.ctx, { bucket: 'unit-bucket', key: 'obj', headers: {}, metadata: {}, encryption: {} });
    await assert.rejects(part(h.ctx, uploadId, 0, Buffer.from('x')), code('invalid-argument'));
    assert.deepEqual((await listParts(h.ctx, { bucket: 'unit-bucket', key: 'obj', uploadId })).parts, []);
  });

  it('Precondition: x-amz-checksum-type comes with x-amz-checksum-algorithm.', async () => {
    const h = await harness();
    await assert.rejects(
      createMultipartUpload(h.ctx, { bucket: 'unit-bucket', key: 'obj', headers: {}, metadata: {}, encryption: {}, checksumType: 'COMPOSITE' }),
      code('invalid-request', 'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.'),
    );
    assert.equal(h.calls.generate, 0, 'a refused upload still made a data key');
    const ok = await createMultipartUpload(h.ctx, { bucket: 'unit-bucket', key: 'obj', headers: {}, metadata: {}, encryption: {}, checksumAlgorithm: 'crc32c', checksumType: 'full_object' });
    assert.deepEqual(ok.checksum, { algorithm: 'CRC32C', type: 'FULL_OBJECT' });
  });

  it('Precondition: a part of an upload that declared a checksum algorithm carries a checksum of that algorithm.', async () => {
    const h = await harness();
    const { uploadId } = await createMultipartUpload(h.ctx, { bucket: 'unit-bucket', key: 'obj', headers: {}, metadata: {}, encryption: {}, checksumAlgorithm: 'SHA256' });
    await assert.rejects(part(h.ctx, uploadId, 1, Buffer.from('abc')), code('invalid-request', 'Checksum Type mismatch occurred, expected checksum Type: sha256, actual checksum Type: null'));
    await assert.rejects(part(h.ctx, uploadId, 1, Buffer.from('abc'), 'obj', 'CRC32'), code('invalid-request', 'Checksum Type mismatch occurred, expected checksum Type: sha256, actual checksum Type: crc32'));
    const ok = await part(h.ctx, uploadId, 1, Buffer.from('abc'), 'obj', 'SHA256');
    assert.equal(ok.checksum!.value, createHash('sha256').update('abc').digest('base64'));
    await h.blobsInBalance();
  });

  it('Precondition: CompleteMultipartUpload lists at least one part.', () => {
    assert.throws(() => selectParts('u', [], [fakePart(1, 10)], FULL, () => ''), code('malformed-xml'));
  });

  it('Precondition: the listed parts are in ascending part-number order.', () => {
    const stored = [fakePart(1, MIN_PART_BYTES), fakePart(2, MIN_PART_BYTES)];
    const order = 'The list of parts was not in ascending order. The parts list must be specified in order by part number.';
    assert.throws(() => selectParts('u', [{ partNumber: '2', etag: 'etag2', checksums: {} }, { partNumber: '1', etag: 'etag1', checksums: {} }], stored, FULL, () => ''), code('invalid-part-order', order));
    assert.throws(() => selectParts('u', [{ partNumber: '1', etag: 'etag1', checksums: {} }, { partNumber: '1', etag: 'etag1', checksums: {} }], stored, FULL, () => ''), code('invalid-part-order'));
    assert.equal(selectParts('u', [{ partNumber: '1', etag: '"etag1"', checksums: {} }, { partNumber: '2', etag: 'etag2', checksums: {} }], stored, FULL, () => '').length, 2);
  });

  it('Precondition: every listed part exists with the listed ETag.', () => {
    const stored = [fakePart(1, 10), fakePart(3, 10)];
    const check = (partNumber: string, etag: string) => {
      try {
        selectParts('upload-1', [{ partNumber, etag, checksums: {} }], stored, FULL, () => '');
      } catch (e) {
        code('invalid-part', /^One or more of the specified parts could not be found\.  The part may not have been uploaded/)(e);
        assert.deepEqual((e as ObjectError).details, { UploadId: 'upload-1', PartNumber: partNumber, ETag: etag.replace(/"/g, '') });
        return;
      }
      assert.fail(`part ${partNumber} ${etag} was taken`);
    };
    check('2', 'etag2');
    check('1', '"etag3"');
    // Non-consecutive numbers are fine: the object keeps them.
    assert.deepEqual(selectParts('u', [{ partNumber: '3', etag: 'etag3', checksums: {} }], stored, FULL, () => '').map((p) => p.partNumber), [3]);
  });

  it('Precondition: every listed part but the last is at least 5 MiB.', () => {
    const stored = [fakePart(1, MIN_PART_BYTES - 1), fakePart(2, MIN_PART_BYTES), fakePart(3, 1)];
    const list = (...ns: number[]) => ns.map((n) => ({ partNumber: String(n), etag: `etag${n}`, checksums: {} }));
    try {
      selectParts('u', list(1, 2), stored, FULL, () => '');
      assert.fail('a 5 MiB − 1 byte first part was taken');
    } catch (e) {
      code('entity-too-small', 'Your proposed upload is smaller than the minimum allowed size')(e);
      assert.deepEqual((e as ObjectError).details, { ProposedSize: String(MIN_PART_BYTES - 1), MinSizeAllowed: String(MIN_PART_BYTES), PartNumber: '1', ETag: 'etag1' });
    }
    // The last part may be any size, and a lone small part is the last.
    assert.equal(selectParts('u', list(2, 3), stored, FULL, () => '').length, 2);
    assert.equal(selectParts('u', list(1), stored, FULL, () => '').length, 1);
  });

  it('Precondition: an in-place copy changes something.', () => {
    const base: CopyObjectInput = { bucket: 'b', key: 'k', source: { bucket: 'b', key: 'k' }, headers: {}, metadata: {}, encryption: {}, conditions: {} };
    assert.throws(() => checkInPlaceCopy(base), code('invalid-request', /^This copy request is illegal because it is trying to copy an object to itself/));
    assert.throws(() => checkInPlaceCopy({ ...base, metadataDirective: 'COPY', metadata: { changed: 'yes' } }), code('invalid-request'));
    for (const change of [
      { metadataDirective: 'replace' },
      { encryption: { algorithm: 'aws:kms' as const, kmsKeyId: 'k2' } },
      { encryption: { bucketKeyEnabled: false } },
      { checksumAlgorithm: 'SHA256' },
      { storageClass: 'STANDARD_IA' },
      { websiteRedirectLocation: '/elsewhere' },
      { key: 'other' },
      { source: { bucket: 'b2', key: 'k' } },
    ]) {
      checkInPlaceCopy({ ...base, ...change });
    }
  });
});

describe('objects/multipart: uploads, completion and reads', () => {
  it('parts keep their numbers in the object: non-consecutive parts read back, and parts cannot be reordered at rest', async () => {
    const h = await harness();
    const { uploadId, encryption } = await createMultipartUpload(h.ctx, { bucket: 'unit-bucket', key: 'obj', headers: { 'cache-control': 'no-store' }, metadata: { m: '1' }, encryption: {} });
    assert.equal(encryption.kmsKeyArn, h.keyArn);
    const a = bytes(MIN_PART_BYTES, 'a');
    const b = bytes(3 * SEGMENT + 17, 'b');
    const pa = await part(h.ctx, uploadId, 1, a);
    const pb = await part(h.ctx, uploadId, 3, b);
    await part(h.ctx, uploadId, 2, bytes(100, 'unused'));
    const done = await completeMultipartUpload(h.ctx, {
      bucket: 'unit-bucket',
      key: 'obj',
      uploadId,
      parts: [{ partNumber: '1', etag: `"${pa.etag}"`, checksums: {} }, { partNumber: '3', etag: pb.etag, checksums: {} }],
    });
    assert.match(done.etag, /^[0-9a-f]{32}-2$/);
    const whole = Buffer.concat([a, b]);
    assert.equal(done.size, whole.length);
    assert.deepEqual(done.checksum, { algorithm: 'CRC64NVME', type: 'FULL_OBJECT', value: toBase64(checksumOf('CRC64NVME', whole)) });
    assert.ok((await h.read('obj')).equals(whole));
    assert.ok((await h.read('obj', `bytes=${MIN_PART_BYTES - 3}-${MIN_PART_BYTES + SEGMENT}`)).equals(whole.subarray(MIN_PART_BYTES - 3, MIN_PART_BYTES + SEGMENT + 1)));
    // The unused part 2 was freed with the upload; nothing else is on disk.
    await h.blobsInBalance();

    // Each part's stream is bound to its part number: swapping two parts' bytes at rest is detected.
    const object = (await h.deps.meta.getObject('unit-bucket', 'obj'))!;
    const [p1, p3] = object.parts;
    await h.deps.meta.putObject({ ...object, parts: [{ ...p1!, blobId: p3!.blobId }, { ...p3!, blobId: p1!.blobId }] });
    await assert.rejects(h.read('obj'));
  });

  it('an SSE-S3 (AES256) upload: the data key sealed by the root of trust at Create opens for every part', async () => {
    const h = await harness();
    const { uploadId, encryption } = await createMultipartUpload(h.ctx, { bucket: 'unit-bucket', key: 'plain', headers: {}, metadata: {}, encryption: { algorithm: 'AES256' } });
    assert.equal(encryption.algorithm, 'AES256');
    const data = [bytes(MIN_PART_BYTES, 'aes-1'), bytes(70_000, 'aes-2')];
    const outs = [];
    for (const [i, p] of data.entries()) outs.push(await part(h.ctx, uploadId, i + 1, p, 'plain'));
    await completeMultipartUpload(h.ctx, { bucket: 'unit-bucket', key: 'plain', uploadId, parts: outs.map((o, i) => ({ partNumber: String(i + 1), etag: o.etag, checksums: {} })) });
    assert.deepEqual(h.calls, { generate: 0, decrypt: 0 });
    assert.ok((await h.read('plain')).equals(Buffer.concat(data)));
  });

  it('every UploadPart unwraps the upload\'s data key as its caller, so a disabled key stops the next part and leaves nothing', async () => {
    const h = await harness();
    const { uploadId } = await createMultipartUpload(h.ctx, { bucket: 'unit-bucket', key: 'obj', headers: {}, metadata: {}, encryption: {} });
    assert.deepEqual(h.calls, { generate: 1, decrypt: 0 });
    await part(h.ctx, uploadId, 1, bytes(1000, 'p1'));
    await part(h.ctx, uploadId, 2, bytes(1000, 'p2'));
    assert.deepEqual(h.calls, { generate: 1, decrypt: 2 });
    await h.disable(h.keyArn);
    await assert.rejects(part(h.ctx, uploadId, 3, bytes(1000, 'p3')), (e: unknown) => e instanceof ObjectError && e.code === 'kms' && e.kmsType === 'DisabledException');
    await h.blobsInBalance();
  });

  it('a part uploaded after its upload was aborted is refused and its bytes freed; Abort frees every part', async () => {
    const h = await harness();
    const { uploadId } = await createMultipartUpload(h.ctx, { bucket: 'unit-bucket', key: 'obj', headers: {}, metadata: {}, encryption: {} });
    await part(h.ctx, uploadId, 1, bytes(1000, 'p1'));
    // The abort lands while part 2's bytes are still arriving.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = Readable.from(
      (async function* () {
        yield bytes(500, 'first half');
        await gate;
        yield bytes(500, 'second half');
      })(),
    );
    const pending = uploadPart(h.ctx, { bucket: 'unit-bucket', key: 'obj', uploadId, partNumber: '2', body: slow, checks: {} });
    await abortMultipartUpload(h.ctx, { bucket: 'unit-bucket', key: 'obj', uploadId });
    release();
    await assert.rejects(pending, code('no-such-upload'));
    await h.blobsInBalance();
    await assert.rejects(abortMultipartUpload(h.ctx, { bucket: 'unit-bucket', key: 'obj', uploadId }), code('no-such-upload'));
  });

  it('a part replaced while the upload completes never frees bytes the new object uses', async () => {
    const h = await harness();
    // The completion's commit waits (up to 300 ms) for a replacing part to be recorded first: the
    // interleaving that, unserialized, would free the part the new object names.
    let recorded!: () => void;
    const partRecorded = new Promise<void>((r) => (recorded = r));
    const meta = h.deps.meta;
    const ctx: ObjectContext = {
      ...h.ctx,
      deps: {
        ...h.deps,
        meta: {
          ...meta,
          async putPart(p) {
            const replaced = await meta.putPart(p);
            if (replaced) setTimeout(recorded, 50);
            return replaced;
          },
          async completeUpload(id, object) {
            await Promise.race([partRecorded, new Promise((r) => setTimeout(r, 300))]);
            return meta.completeUpload(id, object);
          },
        },
      },
    };
    const { uploadId } = await createMultipartUpload(ctx, { bucket: 'unit-bucket', key: 'obj', headers: {}, metadata: {}, encryption: {} });
    const first = bytes(1000, 'v1');
    const p1 = await part(ctx, uploadId, 1, first);
    const [done, replaced] = await Promise.allSettled([
      completeMultipartUpload(ctx, { bucket: 'unit-bucket', key: 'obj', uploadId, parts: [{ partNumber: '1', etag: p1.etag, checksums: {} }] }),
      part(ctx, uploadId, 1, bytes(1000, 'v2')),
    ]);
    assert.equal(done.status, 'fulfilled');
    code('no-such-upload')((replaced as PromiseRejectedResult).reason);
    assert.ok((await h.read('obj')).equals(first));
    await h.blobsInBalance();
  });

  it('declared checksums: the COMPOSITE and FULL_OBJECT values equal the checksum of the part checksums and of the whole', async () => {
    const parts = [bytes(MIN_PART_BYTES, 'x'), bytes(SEGMENT + 5, 'y')];
    const whole = Buffer.concat(parts);
    for (const algorithm of ['CRC32', 'CRC32C', 'CRC64NVME'] as const) {
      assert.equal(objectChecksumOf(algorithm, 'FULL_OBJECT', parts.map((p) => ({ checksum: toBase64(checksumOf(algorithm, p)), size: p.length }))), toBase64(checksumOf(algorithm, whole)));
    }
    for (const algorithm of ['CRC32', 'SHA1', 'SHA256'] as const) {
      const expected = `${toBase64(checksumOf(algorithm, Buffer.concat(parts.map((p) => checksumOf(algorithm, p)))))}-2`;
      assert.equal(objectChecksumOf(algorithm, 'COMPOSITE', parts.map((p) => ({ checksum: toBase64(checksumOf(algorithm, p)), size: p.length }))), expected);
    }

    const h = await harness();
    const { uploadId } = await createMultipartUpload(h.ctx, { bucket: 'unit-bucket', key: 'sum', headers: {}, metadata: {}, encryption: {}, checksumAlgorithm: 'SHA1' });
    const outs = [];
    for (const [i, p] of parts.entries()) outs.push(await part(h.ctx, uploadId, i + 1, p, 'sum', 'SHA1'));
    const listed = await listParts(h.ctx, { bucket: 'unit-bucket', key: 'sum', uploadId });
    assert.deepEqual(listed.parts.map((p) => p.checksum), parts.map((p) => ({ algorithm: 'SHA1', value: toBase64(checksumOf('SHA1', p)) })));
    const done = await completeMultipartUpload(h.ctx, {
      bucket: 'unit-bucket',
      key: 'sum',
      uploadId,
      parts: outs.map((o, i) => ({ partNumber: String(i + 1), etag: o.etag, checksums: { SHA1: o.checksum!.value } })),
    });
    assert.equal(done.checksum.value, `${toBase64(checksumOf('SHA1', Buffer.concat(parts.map((p) => checksumOf('SHA1', p)))))}-2`);
    const got = await getObject(h.ctx, { bucket: 'unit-bucket', key: 'sum', conditions: {}, checksumMode: true, headOnly: true });
    assert.deepEqual(got.checksum, { algorithm: 'SHA1', type: 'COMPOSITE', value: done.checksum.value });
  });

  it('ListMultipartUploads: key-marker and upload-id-marker paging, and a delimiter page that ends on a CommonPrefix', async () => {
    const h = await harness();
    const ids: string[] = [];
    for (const key of ['a/1', 'a/2', 'b', 'b', 'c/1']) {
      // Upload ids sort by the millisecond they were created in.
      h.clock.now += 1;
      ids.push((await createMultipartUpload(h.ctx, { bucket: 'unit-bucket', key, headers: {}, metadata: {}, encryption: { algorithm: 'AES256' } })).uploadId);
    }
    const page = await listMultipartUploads(h.ctx, { bucket: 'unit-bucket', prefix: '', maxUploads: '3' });
    assert.deepEqual(page.uploads.map((u) => u.uploadId), ids.slice(0, 3));
    assert.equal(page.truncated, true);
    const rest = await listMultipartUploads(h.ctx, { bucket: 'unit-bucket', prefix: '', keyMarker: page.nextKeyMarker!, uploadIdMarker: page.nextUploadIdMarker! });
    assert.deepEqual(rest.uploads.map((u) => u.uploadId), ids.slice(3));
    const grouped = await listMultipartUploads(h.ctx, { bucket: 'unit-bucket', prefix: '', delimiter: '/', maxUploads: '1' });
    assert.deepEqual(grouped.commonPrefixes, ['a/']);
    const after = await listMultipartUploads(h.ctx, { bucket: 'unit-bucket', prefix: '', delimiter: '/', keyMarker: grouped.nextKeyMarker! });
    assert.deepEqual([after.uploads.map((u) => u.key), after.commonPrefixes], [['b', 'b'], ['c/']]);
    await assert.rejects(listMultipartUploads(h.ctx, { bucket: 'unit-bucket', prefix: '', maxUploads: 'ten' }), code('invalid-argument'));
  });
});

describe('objects/multipart: copies', () => {
  it('x-amz-copy-source: path forms, URL-encoding, versionId=null only', () => {
    assert.deepEqual(parseCopySource('/b/k%20with%2Fslash'), { bucket: 'b', key: 'k with/slash' });
    assert.deepEqual(parseCopySource('b/dir/k'), { bucket: 'b', key: 'dir/k' });
    assert.deepEqual(parseCopySource('b/k?versionId=null'), { bucket: 'b', key: 'k', versionId: 'null' });
    for (const bad of ['b', '/b/', 'b/', '/', '%zz/k']) assert.throws(() => parseCopySource(bad), code('invalid-argument'), bad);
    assert.throws(() => parseCopySource('b/k?versionId=3HL4kqtJlcpXroDTDmJ'), code('invalid-argument', 'Invalid version id specified'));
  });

  it('x-amz-copy-source-range: bytes=first-last inside the source only', () => {
    assert.deepEqual(copyRange('bytes=0-9', 10), { start: 0, end: 9 });
    assert.equal(copyRange(undefined, 10), undefined);
    for (const bad of ['bytes=5-', 'bytes=-5', 'bytes=5-4', '0-9', 'bytes=a-b']) assert.throws(() => copyRange(bad, 10), code('invalid-argument', /^The x-amz-copy-source-range value must be of the form/), bad);
    assert.throws(() => copyRange('bytes=0-10', 10), code('invalid-argument', 'Range specified is not valid for source object of size: 10'));
  });

  it('a source over 5 GiB is refused by CopyObject (use UploadPartCopy), and so is an UploadPartCopy range over 5 GiB', async () => {
    const h = await harness();
    const huge = 5 * 1024 ** 3 + 1;
    await h.deps.meta.putObject({
      bucket: 'unit-bucket',
      key: 'huge',
      size: huge,
      etag: 'e',
      lastModified: T0,
      headers: {},
      metadata: {},
      encryption: { algorithm: 'AES256', bucketKeyEnabled: false, wrappedKey: Buffer.alloc(60) },
      segmentSize: SEGMENT,
      parts: [{ partNumber: 1, blobId: '0'.repeat(32), size: huge, etag: 'e', lastModified: T0 }],
    });
    const tooLarge = 'The specified copy source is larger than the maximum allowable size for a copy source: 5368709120';
    await assert.rejects(copyObject(h.ctx, { bucket: 'unit-bucket', key: 'copy', source: { bucket: 'unit-bucket', key: 'huge' }, headers: {}, metadata: {}, encryption: {}, conditions: {} }), code('invalid-request', tooLarge));
    const { uploadId } = await createMultipartUpload(h.ctx, { bucket: 'unit-bucket', key: 'copy', headers: {}, metadata: {}, encryption: {} });
    await assert.rejects(uploadPartCopy(h.ctx, { bucket: 'unit-bucket', key: 'copy', uploadId, partNumber: '1', source: { bucket: 'unit-bucket', key: 'huge' }, conditions: {} }), code('invalid-request', tooLarge));
  });

  it('CopyObject re-encrypts under a fresh data key and keeps (and checks) a full-object checksum', async () => {
    const h = await harness();
    const { uploadId } = await createMultipartUpload(h.ctx, { bucket: 'unit-bucket', key: 'src', headers: {}, metadata: { a: '1' }, encryption: {} });
    const data = [bytes(MIN_PART_BYTES, 's1'), bytes(999, 's2')];
    const outs = [];
    for (const [i, p] of data.entries()) outs.push(await part(h.ctx, uploadId, i + 1, p, 'src'));
    const src = await completeMultipartUpload(h.ctx, { bucket: 'unit-bucket', key: 'src', uploadId, parts: outs.map((o, i) => ({ partNumber: String(i + 1), etag: o.etag, checksums: {} })) });
    const copied = await copyObject(h.ctx, { bucket: 'unit-bucket', key: 'dst', source: { bucket: 'unit-bucket', key: 'src' }, headers: {}, metadata: {}, encryption: {}, conditions: {} });
    assert.deepEqual(copied.checksum, { algorithm: 'CRC64NVME', type: 'FULL_OBJECT', value: src.checksum.value });
    const dst = (await h.deps.meta.getObject('unit-bucket', 'dst'))!;
    const srcRecord = (await h.deps.meta.getObject('unit-bucket', 'src'))!;
    assert.notDeepEqual(dst.encryption.wrappedKey, srcRecord.encryption.wrappedKey, 'the copy reused the source\'s data key');
    assert.deepEqual(dst.metadata, { a: '1' });
    assert.ok((await h.read('dst')).equals(Buffer.concat(data)));
    await h.blobsInBalance();
  });
});
