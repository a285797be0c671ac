// Multipart uploads with @aws-sdk/client-s3 at its default settings (CRC32 on every part): create,
// parts, complete, reads across part and segment boundaries, listing, abort, S3's errors, checksums,
// UploadPartCopy, and a KMS key disabled in the middle of an upload.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CreateKeyCommand, DisableKeyCommand, EnableKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutBucketEncryptionCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CUSTOMER, OUTSIDER } from '../helpers/accounts.js';
import { kmsClient } from '../helpers/clients.js';
import { blobFiles, crc32Base64, crc64nvmeBase64, rejectsS3, s3Client, s3Raw, xmlCode } from '../helpers/s3.js';
import { startServerProcess, type ServerProcess } from '../helpers/server.js';

const MiB = 1024 * 1024;
const SEGMENT = 65536;
const bytesOf = async (out: { Body?: unknown }) => Buffer.from(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
const sha256Raw = (b: Uint8Array) => createHash('sha256').update(b).digest();

describe('S3 multipart uploads (AWS SDK for JavaScript v3)', () => {
  let server: ServerProcess;
  let s3: S3Client;
  let outsider: S3Client;
  let kms: KMSClient;
  let keyArn: string;

  const put = (bucket: string, key: string, body: Buffer) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  const get = async (bucket: string, key: string, range?: string) => bytesOf(await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(range ? { Range: range } : {}) })));
  const create = async (bucket: string, key: string, extra: Record<string, unknown> = {}) =>
    (await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...extra }))).UploadId!;
  const part = (bucket: string, key: string, uploadId: string, n: number, body: Buffer, extra: Record<string, unknown> = {}) =>
    s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: n, Body: body, ...extra }));
  const complete = (bucket: string, key: string, uploadId: string, parts: CompletedPart[], extra: Record<string, unknown> = {}) =>
    s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts }, ...extra }));

  before(async () => {
    server = await startServerProcess();
    s3 = s3Client(server.url, CUSTOMER);
    outsider = s3Client(server.url, OUTSIDER);
    kms = kmsClient(server.url, CUSTOMER);
    keyArn = (await kms.send(new CreateKeyCommand({ Description: 's3-multipart' }))).KeyMetadata!.Arn!;
    await s3.send(new CreateBucketCommand({ Bucket: 'mpu' }));
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: 'mpu',
        ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn } }] },
      }),
    );
  });
  after(async () => {
    for (const c of [s3, outsider, kms]) c?.destroy();
    await server?.stop();
  });

  it('Create, UploadPart ×3 (5 MiB, 5 MiB, 1 MiB), Complete: one SSE-KMS object of the parts, read whole and by ranges', async () => {
    const sizes = [5 * MiB, 5 * MiB, 1 * MiB];
    const parts = sizes.map((n) => randomBytes(n));
    const whole = Buffer.concat(parts);
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'mpu', Key: 'dir/three-parts.bin', ContentType: 'application/x-test', Metadata: { owner: 'tenant-7' } }));
    assert.equal(created.ServerSideEncryption, 'aws:kms');
    assert.equal(created.SSEKMSKeyId, keyArn);
    assert.equal(created.Bucket, 'mpu');
    assert.equal(created.Key, 'dir/three-parts.bin');
    const uploadId = created.UploadId!;
    assert.match(uploadId, /^[0-9a-f]{44}$/);

    const completed: CompletedPart[] = [];
    for (const [i, body] of parts.entries()) {
      const out = await part('mpu', 'dir/three-parts.bin', uploadId, i + 1, body);
      assert.match(out.ETag!, /^"[0-9a-f]{32}"$/);
      // The SDK sent a CRC32 of the part (its default); S3 checks it and echoes it.
      assert.equal(out.ChecksumCRC32, crc32Base64(body));
      assert.equal(out.ServerSideEncryption, 'aws:kms');
      assert.equal(out.SSEKMSKeyId, keyArn);
      completed.push({ PartNumber: i + 1, ETag: out.ETag! });
    }
    const done = await complete('mpu', 'dir/three-parts.bin', uploadId, completed);
    assert.match(done.ETag!, /^"[0-9a-f]{32}-3"$/);
    assert.equal(done.Bucket, 'mpu');
    assert.equal(done.Key, 'dir/three-parts.bin');
    assert.equal(done.Location, `${server.url}/mpu/dir/three-parts.bin`);
    assert.equal(done.ServerSideEncryption, 'aws:kms');
    assert.equal(done.SSEKMSKeyId, keyArn);
    // No algorithm declared: S3's default, a full-object CRC64NVME (checked against an independent CRC-64).
    assert.equal(done.ChecksumType, 'FULL_OBJECT');
    assert.equal(done.ChecksumCRC64NVME, crc64nvmeBase64(whole));

    const head = await s3.send(new HeadObjectCommand({ Bucket: 'mpu', Key: 'dir/three-parts.bin', ChecksumMode: 'ENABLED' }));
    assert.equal(head.ContentLength, whole.length);
    assert.equal(head.ETag, done.ETag);
    assert.equal(head.PartsCount, 3);
    assert.equal(head.ServerSideEncryption, 'aws:kms');
    assert.equal(head.SSEKMSKeyId, keyArn);
    assert.equal(head.ContentType, 'application/x-test');
    assert.deepEqual(head.Metadata, { owner: 'tenant-7' });
    assert.equal(head.ChecksumCRC64NVME, crc64nvmeBase64(whole));
    assert.equal(head.ChecksumType, 'FULL_OBJECT');

    // The SDK validates the CRC64NVME of a whole GET itself (checksum mode is on by default).
    const got = await s3.send(new GetObjectCommand({ Bucket: 'mpu', Key: 'dir/three-parts.bin' }));
    assert.equal(got.ChecksumCRC64NVME, crc64nvmeBase64(whole));
    assert.ok((await bytesOf(got)).equals(whole), 'the whole object differs from its parts');

    const p1 = 5 * MiB;
    const p2 = 10 * MiB;
    const ranges: [number, number][] = [
      [p1 - 10, p1 + 10], // across the first part boundary
      [p2 - 1, p2], // the last byte of part 2 and the first of part 3
      [p1 - 1, p2 + 1], // all of part 2 and a byte either side
      [SEGMENT - 5, SEGMENT + 5], // across a segment boundary inside part 1
      [p1 + SEGMENT - 1, p1 + 3 * SEGMENT], // segment boundaries inside part 2
      [p1, p1], // the first byte of a part
      [0, whole.length - 1], // everything, as a range
      [p2 + 3, whole.length - 1], // inside the last part, to the end
    ];
    for (const [a, b] of ranges) {
      const slice = await get('mpu', 'dir/three-parts.bin', `bytes=${a}-${b}`);
      assert.ok(slice.equals(whole.subarray(a, b + 1)), `bytes=${a}-${b} differ from the plaintext`);
    }
    const suffix = await get('mpu', 'dir/three-parts.bin', `bytes=-${MiB + 7}`);
    assert.ok(suffix.equals(whole.subarray(whole.length - MiB - 7)));
  });

  it('ListParts pages by part-number-marker and max-parts; ListMultipartUploads pages by key and upload id; Abort frees everything', async () => {
    const blobsBefore = blobFiles(server.dataDir).length;
    const uploadA = await create('mpu', 'list/a', { ChecksumAlgorithm: 'SHA256' });
    const uploadA2 = await create('mpu', 'list/a');
    const uploadB = await create('mpu', 'list/b');
    const bodies = [randomBytes(1000), randomBytes(2000), randomBytes(3000)];
    const etags: string[] = [];
    for (const [i, body] of bodies.entries()) {
      etags.push((await part('mpu', 'list/a', uploadA, i + 1, body, { ChecksumAlgorithm: 'SHA256' })).ETag!);
    }

    const all = await s3.send(new ListPartsCommand({ Bucket: 'mpu', Key: 'list/a', UploadId: uploadA }));
    assert.deepEqual(all.Parts!.map((p) => [p.PartNumber, p.ETag, p.Size, p.ChecksumSHA256]), bodies.map((b, i) => [i + 1, etags[i], b.length, sha256Raw(b).toString('base64')]));
    assert.equal(all.IsTruncated, false);
    assert.equal(all.ChecksumAlgorithm, 'SHA256');
    assert.equal(all.ChecksumType, 'COMPOSITE');
    assert.equal(all.Initiator!.ID, CUSTOMER.arn);
    assert.equal(all.Owner!.ID, CUSTOMER.accountId);
    const page1 = await s3.send(new ListPartsCommand({ Bucket: 'mpu', Key: 'list/a', UploadId: uploadA, MaxParts: 2 }));
    assert.deepEqual(page1.Parts!.map((p) => p.PartNumber), [1, 2]);
    assert.equal(page1.IsTruncated, true);
    assert.equal(page1.NextPartNumberMarker, '2');
    const page2 = await s3.send(new ListPartsCommand({ Bucket: 'mpu', Key: 'list/a', UploadId: uploadA, PartNumberMarker: page1.NextPartNumberMarker }));
    assert.deepEqual(page2.Parts!.map((p) => p.PartNumber), [3]);
    assert.equal(page2.IsTruncated, false);

    const listed = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'mpu', Prefix: 'list/' }));
    // By key, and a key's uploads in the order they were started.
    assert.deepEqual(listed.Uploads!.map((u) => [u.Key, u.UploadId]), [['list/a', uploadA], ['list/a', uploadA2], ['list/b', uploadB]]);
    assert.equal(listed.Uploads![0]!.ChecksumAlgorithm, 'SHA256');
    assert.equal(listed.Uploads![0]!.Initiator!.ID, CUSTOMER.arn);
    assert.ok(listed.Uploads![0]!.Initiated instanceof Date);
    const first = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'mpu', Prefix: 'list/', MaxUploads: 1 }));
    assert.equal(first.IsTruncated, true);
    assert.deepEqual([first.NextKeyMarker, first.NextUploadIdMarker], ['list/a', uploadA]);
    const next = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'mpu', Prefix: 'list/', KeyMarker: first.NextKeyMarker, UploadIdMarker: first.NextUploadIdMarker }));
    assert.deepEqual(next.Uploads!.map((u) => u.UploadId), [uploadA2, uploadB]);
    const grouped = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'mpu', Delimiter: '/' }));
    assert.ok(grouped.CommonPrefixes!.some((p) => p.Prefix === 'list/'), JSON.stringify(grouped.CommonPrefixes));
    assert.equal((grouped.Uploads ?? []).filter((u) => u.Key!.startsWith('list/')).length, 0);

    assert.equal(blobFiles(server.dataDir).length, blobsBefore + 3);
    for (const [key, id] of [['list/a', uploadA], ['list/a', uploadA2], ['list/b', uploadB]] as const) {
      const aborted = await s3.send(new AbortMultipartUploadCommand({ Bucket: 'mpu', Key: key, UploadId: id }));
      assert.equal(aborted.$metadata.httpStatusCode, 204);
    }
    assert.equal(blobFiles(server.dataDir).length, blobsBefore, 'Abort left part bytes behind');
    const noSuchUpload = 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.';
    await rejectsS3(s3.send(new ListPartsCommand({ Bucket: 'mpu', Key: 'list/a', UploadId: uploadA })), 'NoSuchUpload', 404, noSuchUpload);
    await rejectsS3(part('mpu', 'list/a', uploadA, 4, randomBytes(10)), 'NoSuchUpload', 404, noSuchUpload);
    await rejectsS3(s3.send(new AbortMultipartUploadCommand({ Bucket: 'mpu', Key: 'list/a', UploadId: uploadA })), 'NoSuchUpload', 404, noSuchUpload);
    await rejectsS3(complete('mpu', 'list/a', uploadA, [{ PartNumber: 1, ETag: etags[0]! }]), 'NoSuchUpload', 404, noSuchUpload);
    const remaining = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'mpu', Prefix: 'list/' }));
    assert.deepEqual(remaining.Uploads ?? [], []);
  });

  it('Complete refuses parts out of order (InvalidPartOrder), a wrong ETag (InvalidPart), small parts (EntityTooSmall) and unknown uploads (NoSuchUpload)', async () => {
    const key = 'errors/obj';
    const id = await create('mpu', key);
    const a = await part('mpu', key, id, 1, randomBytes(MiB));
    const b = await part('mpu', key, id, 2, randomBytes(MiB));
    await rejectsS3(
      complete('mpu', key, id, [{ PartNumber: 2, ETag: b.ETag! }, { PartNumber: 1, ETag: a.ETag! }]),
      'InvalidPartOrder',
      400,
      'The list of parts was not in ascending order. The parts list must be specified in order by part number.',
    );
    const wrong = await rejectsS3(
      complete('mpu', key, id, [{ PartNumber: 1, ETag: b.ETag! }]),
      'InvalidPart',
      400,
      "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
    );
    assert.equal((wrong.error as unknown as { PartNumber?: string }).PartNumber, '1');
    await rejectsS3(complete('mpu', key, id, [{ PartNumber: 3, ETag: a.ETag! }]), 'InvalidPart', 400);
    const small = await rejectsS3(
      complete('mpu', key, id, [{ PartNumber: 1, ETag: a.ETag! }, { PartNumber: 2, ETag: b.ETag! }]),
      'EntityTooSmall',
      400,
      'Your proposed upload is smaller than the minimum allowed size',
    );
    assert.equal((small.error as unknown as { MinSizeAllowed?: string }).MinSizeAllowed, String(5 * MiB));
    // Nothing was created by the refusals, and the upload is still open: a 1-part completion works.
    await rejectsS3(s3.send(new HeadObjectCommand({ Bucket: 'mpu', Key: key })), 'NotFound', 404);
    const done = await complete('mpu', key, id, [{ PartNumber: 2, ETag: b.ETag! }]);
    assert.match(done.ETag!, /-1"$/);

    await rejectsS3(part('mpu', key, 'no-such-upload-id', 1, randomBytes(5)), 'NoSuchUpload', 404);
    await rejectsS3(complete('mpu', key, 'no-such-upload-id', [{ PartNumber: 1, ETag: a.ETag! }]), 'NoSuchUpload', 404);
    // An upload id is only good for its own key.
    const other = await create('mpu', 'errors/other');
    await rejectsS3(part('mpu', key, other, 1, randomBytes(5)), 'NoSuchUpload', 404);
    for (const n of [0, 10_001]) {
      await rejectsS3(part('mpu', 'errors/other', other, n, randomBytes(5)), 'InvalidArgument', 400, 'Part number must be an integer between 1 and 10000, inclusive');
    }
    // Another account's principal cannot use the upload at all.
    await rejectsS3(outsider.send(new UploadPartCommand({ Bucket: 'mpu', Key: 'errors/other', UploadId: other, PartNumber: 1, Body: 'x' })), 'AccessDenied', 403);
    // An empty part list is not a valid document.
    const empty = await s3Raw(server.url, CUSTOMER, 'POST', '/mpu/errors/other', { query: { uploadId: other }, body: Buffer.from('<CompleteMultipartUpload></CompleteMultipartUpload>') });
    assert.equal(empty.status, 400);
    assert.equal(xmlCode(empty.text), 'MalformedXML');
  });

  it('a failed or replaced part leaves no part and no bytes behind', async () => {
    const key = 'clean/obj';
    const id = await create('mpu', key);
    const before = blobFiles(server.dataDir).length;
    await rejectsS3(part('mpu', key, id, 1, randomBytes(1000), { ContentMD5: createHash('md5').update('other bytes').digest('base64') }), 'BadDigest', 400);
    await rejectsS3(part('mpu', key, id, 1, randomBytes(1000), { ChecksumCRC32: crc32Base64(Buffer.from('other bytes')) }), 'BadDigest', 400);
    assert.deepEqual((await s3.send(new ListPartsCommand({ Bucket: 'mpu', Key: key, UploadId: id }))).Parts ?? [], []);
    assert.equal(blobFiles(server.dataDir).length, before, 'a refused part left its bytes');

    const first = await part('mpu', key, id, 1, randomBytes(1000));
    const body = randomBytes(2000);
    const second = await part('mpu', key, id, 1, body);
    assert.notEqual(first.ETag, second.ETag);
    assert.equal(blobFiles(server.dataDir).length, before + 1, 'the replaced part kept its bytes');
    const listed = (await s3.send(new ListPartsCommand({ Bucket: 'mpu', Key: key, UploadId: id }))).Parts!;
    assert.deepEqual(listed.map((p) => [p.PartNumber, p.ETag, p.Size]), [[1, second.ETag, 2000]]);
    await rejectsS3(complete('mpu', key, id, [{ PartNumber: 1, ETag: first.ETag! }]), 'InvalidPart', 400);
    await complete('mpu', key, id, [{ PartNumber: 1, ETag: second.ETag! }]);
    assert.ok((await get('mpu', key)).equals(body));
  });

  it('declared checksums: COMPOSITE SHA256 (checksum of the part checksums, "-N"), FULL_OBJECT CRC32, and S3\'s refusals', async () => {
    const bodies = [randomBytes(5 * MiB), randomBytes(123_457)];
    const whole = Buffer.concat(bodies);

    const id = await create('mpu', 'sums/sha', { ChecksumAlgorithm: 'SHA256' });
    const created = await s3Raw(server.url, CUSTOMER, 'POST', '/mpu/sums/created', { query: { uploads: '' }, headers: { 'x-amz-checksum-algorithm': 'SHA256' } });
    assert.equal(created.headers.get('x-amz-checksum-algorithm'), 'SHA256');
    assert.equal(created.headers.get('x-amz-checksum-type'), 'COMPOSITE');
    // A part of another algorithm is refused; one of the declared algorithm is taken. (A small body:
    // refused before it is read, a large one races the SDK's Expect: 100-continue write.)
    await rejectsS3(
      part('mpu', 'sums/sha', id, 1, bodies[1]!),
      'InvalidRequest',
      400,
      'Checksum Type mismatch occurred, expected checksum Type: sha256, actual checksum Type: crc32',
    );
    const outs: Awaited<ReturnType<typeof part>>[] = [];
    for (const [i, body] of bodies.entries()) outs.push(await part('mpu', 'sums/sha', id, i + 1, body, { ChecksumAlgorithm: 'SHA256' }));
    assert.equal(outs[0]!.ChecksumSHA256, sha256Raw(bodies[0]!).toString('base64'));
    await rejectsS3(
      complete('mpu', 'sums/sha', id, outs.map((o, i) => ({ PartNumber: i + 1, ETag: o.ETag! }))),
      'InvalidRequest',
      400,
      'The upload was created using a sha256 checksum. The complete request must include the checksum for each part. It was missing for part 1 in the request.',
    );
    await rejectsS3(
      complete('mpu', 'sums/sha', id, outs.map((o, i) => ({ PartNumber: i + 1, ETag: o.ETag!, ChecksumSHA256: outs[1 - i]!.ChecksumSHA256! }))),
      'InvalidPart',
      400,
    );
    const expected = `${sha256Raw(Buffer.concat(bodies.map(sha256Raw))).toString('base64')}-2`;
    await rejectsS3(
      complete('mpu', 'sums/sha', id, outs.map((o, i) => ({ PartNumber: i + 1, ETag: o.ETag!, ChecksumSHA256: o.ChecksumSHA256! })), { ChecksumSHA256: sha256Raw(Buffer.from('x')).toString('base64') }),
      'BadDigest',
      400,
      'The sha256 you specified did not match the calculated checksum.',
    );
    const done = await complete('mpu', 'sums/sha', id, outs.map((o, i) => ({ PartNumber: i + 1, ETag: o.ETag!, ChecksumSHA256: o.ChecksumSHA256! })), { ChecksumSHA256: expected });
    assert.equal(done.ChecksumSHA256, expected);
    assert.equal(done.ChecksumType, 'COMPOSITE');
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'mpu', Key: 'sums/sha', ChecksumMode: 'ENABLED' }));
    assert.equal(head.ChecksumSHA256, expected);
    assert.equal(head.ChecksumType, 'COMPOSITE');
    // A composite checksum is not the object's: the SDK skips it and reads the bytes.
    assert.ok((await get('mpu', 'sums/sha')).equals(whole));

    const crcId = await create('mpu', 'sums/crc', { ChecksumAlgorithm: 'CRC32', ChecksumType: 'FULL_OBJECT' });
    const crcOuts: Awaited<ReturnType<typeof part>>[] = [];
    for (const [i, body] of bodies.entries()) crcOuts.push(await part('mpu', 'sums/crc', crcId, i + 1, body, { ChecksumAlgorithm: 'CRC32' }));
    // FULL_OBJECT takes a completion without part checksums.
    const crcDone = await complete('mpu', 'sums/crc', crcId, crcOuts.map((o, i) => ({ PartNumber: i + 1, ETag: o.ETag! })), { ChecksumCRC32: crc32Base64(whole), ChecksumType: 'FULL_OBJECT' });
    assert.equal(crcDone.ChecksumCRC32, crc32Base64(whole));
    assert.equal(crcDone.ChecksumType, 'FULL_OBJECT');
    const crcGot = await s3.send(new GetObjectCommand({ Bucket: 'mpu', Key: 'sums/crc' }));
    assert.equal(crcGot.ChecksumCRC32, crc32Base64(whole));
    assert.ok((await bytesOf(crcGot)).equals(whole));

    const modeId = await create('mpu', 'sums/mode', { ChecksumAlgorithm: 'CRC32' });
    const modePart = await part('mpu', 'sums/mode', modeId, 1, bodies[1]!, { ChecksumAlgorithm: 'CRC32' });
    await rejectsS3(
      complete('mpu', 'sums/mode', modeId, [{ PartNumber: 1, ETag: modePart.ETag!, ChecksumCRC32: modePart.ChecksumCRC32! }], { ChecksumType: 'FULL_OBJECT' }),
      'InvalidRequest',
      400,
      'The upload was created using the COMPOSITE checksum mode. The complete request must use the same checksum mode.',
    );

    await rejectsS3(
      s3.send(new CreateMultipartUploadCommand({ Bucket: 'mpu', Key: 'sums/bad', ChecksumType: 'FULL_OBJECT' })),
      'InvalidRequest',
      400,
      'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.',
    );
    await rejectsS3(
      s3.send(new CreateMultipartUploadCommand({ Bucket: 'mpu', Key: 'sums/bad', ChecksumAlgorithm: 'SHA256', ChecksumType: 'FULL_OBJECT' })),
      'InvalidRequest',
      400,
      'The FULL_OBJECT checksum type cannot be used with the sha256 checksum algorithm.',
    );
    const badAlgorithm = await s3Raw(server.url, CUSTOMER, 'POST', '/mpu/sums/bad', { query: { uploads: '' }, headers: { 'x-amz-checksum-algorithm': 'MD4' } });
    assert.equal(badAlgorithm.status, 400);
    assert.match(badAlgorithm.text, /Checksum algorithm provided is unsupported\. Please try again with any of the valid types: \[CRC32, CRC32C, CRC64NVME, SHA1, SHA256\]/);
  });

  it('UploadPartCopy copies a range of an object (decrypted and re-encrypted as the caller) into a part', async () => {
    const source = randomBytes(6 * MiB + 5);
    await put('mpu', 'copy/source', source);
    const key = 'copy/target';
    const id = await create('mpu', key);
    const first = await s3.send(
      new UploadPartCopyCommand({ Bucket: 'mpu', Key: key, UploadId: id, PartNumber: 1, CopySource: 'mpu/copy/source', CopySourceRange: `bytes=0-${5 * MiB - 1}` }),
    );
    assert.match(first.CopyPartResult!.ETag!, /^"[0-9a-f]{32}"$/);
    assert.ok(first.CopyPartResult!.LastModified instanceof Date);
    assert.equal(first.CopyPartResult!.ChecksumCRC64NVME, crc64nvmeBase64(source.subarray(0, 5 * MiB)));
    assert.equal(first.ServerSideEncryption, 'aws:kms');
    const second = await s3.send(
      new UploadPartCopyCommand({ Bucket: 'mpu', Key: key, UploadId: id, PartNumber: 2, CopySource: '/mpu/copy%2Fsource', CopySourceRange: `bytes=${MiB}-${6 * MiB + 4}` }),
    );
    const tail = randomBytes(777);
    const third = await part('mpu', key, id, 3, tail);
    await rejectsS3(
      s3.send(new UploadPartCopyCommand({ Bucket: 'mpu', Key: key, UploadId: id, PartNumber: 4, CopySource: 'mpu/copy/source', CopySourceRange: 'bytes=5-' })),
      'InvalidArgument',
      400,
      'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy',
    );
    await rejectsS3(
      s3.send(new UploadPartCopyCommand({ Bucket: 'mpu', Key: key, UploadId: id, PartNumber: 4, CopySource: 'mpu/copy/source', CopySourceRange: `bytes=0-${source.length}` })),
      'InvalidArgument',
      400,
      `Range specified is not valid for source object of size: ${source.length}`,
    );
    await rejectsS3(s3.send(new UploadPartCopyCommand({ Bucket: 'mpu', Key: key, UploadId: id, PartNumber: 4, CopySource: 'mpu/copy/none' })), 'NoSuchKey', 404);
    await rejectsS3(
      s3.send(new UploadPartCopyCommand({ Bucket: 'mpu', Key: key, UploadId: id, PartNumber: 4, CopySource: 'mpu/copy/source', CopySourceIfMatch: '"0123"' })),
      'PreconditionFailed',
      412,
    );
    await complete('mpu', key, id, [
      { PartNumber: 1, ETag: first.CopyPartResult!.ETag! },
      { PartNumber: 2, ETag: second.CopyPartResult!.ETag! },
      { PartNumber: 3, ETag: third.ETag! },
    ]);
    const expected = Buffer.concat([source.subarray(0, 5 * MiB), source.subarray(MiB, 6 * MiB + 5), tail]);
    assert.ok((await get('mpu', key)).equals(expected), 'the copied parts differ from the source ranges');
    assert.ok((await get('mpu', key, `bytes=${5 * MiB - 2}-${5 * MiB + 6}`)).equals(expected.subarray(5 * MiB - 2, 5 * MiB + 7)));
  });

  for (const bucketKey of [false, true]) {
    it(`a KMS key disabled during an upload stops the next UploadPart (KMS.DisabledException) and creates no part${bucketKey ? ' (bucket key on)' : ''}`, async () => {
      const key2 = (await kms.send(new CreateKeyCommand({ Description: `mp-disable-${bucketKey}` }))).KeyMetadata!.Arn!;
      const objectKey = `disable/${bucketKey}`;
      const id = await create('mpu', objectKey, { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key2, BucketKeyEnabled: bucketKey });
      const first = await part('mpu', objectKey, id, 1, randomBytes(5 * MiB));
      assert.equal(first.SSEKMSKeyId, key2);
      assert.equal(first.BucketKeyEnabled ?? false, bucketKey);
      const blobs = blobFiles(server.dataDir).length;
      await kms.send(new DisableKeyCommand({ KeyId: key2 }));
      await rejectsS3(part('mpu', objectKey, id, 2, randomBytes(1000)), 'KMS.DisabledException', 400, `${key2} is disabled.`);
      // Completing needs the key too (the parts' checksums are sealed under the upload's data key).
      await rejectsS3(complete('mpu', objectKey, id, [{ PartNumber: 1, ETag: first.ETag! }]), 'KMS.DisabledException', 400);
      assert.equal(blobFiles(server.dataDir).length, blobs, 'a refused part left bytes behind');
      await kms.send(new EnableKeyCommand({ KeyId: key2 }));
      const listed = await s3.send(new ListPartsCommand({ Bucket: 'mpu', Key: objectKey, UploadId: id }));
      assert.deepEqual(listed.Parts!.map((p) => p.PartNumber), [1]);
      const last = randomBytes(10);
      const second = await part('mpu', objectKey, id, 2, last);
      await complete('mpu', objectKey, id, [{ PartNumber: 1, ETag: first.ETag! }, { PartNumber: 2, ETag: second.ETag! }]);
      assert.ok((await get('mpu', objectKey, `bytes=${5 * MiB}-${5 * MiB + 9}`)).equals(last));
    });
  }

  it('a KMS key that refuses the caller refuses CreateMultipartUpload itself', async () => {
    const key3 = (await kms.send(new CreateKeyCommand({ Description: 'mp-create-disabled' }))).KeyMetadata!.Arn!;
    await kms.send(new DisableKeyCommand({ KeyId: key3 }));
    await rejectsS3(
      s3.send(new CreateMultipartUploadCommand({ Bucket: 'mpu', Key: 'refused', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key3 })),
      'KMS.DisabledException',
      400,
      `${key3} is disabled.`,
    );
    const listed = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'mpu', Prefix: 'refused' }));
    assert.deepEqual(listed.Uploads ?? [], []);
  });
});
