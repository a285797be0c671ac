// CopyObject with @aws-sdk/client-s3 (and `aws kms disable-key`): copies between buckets take the
// target's encryption, metadata directives, the in-place rule, an in-place copy that moves an object
// to a new KMS key (and what disabling the old and the new key then does), copy-source conditions,
// checksums that go along, and refusals that leave nothing behind.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CreateKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketEncryptionCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CUSTOMER, OUTSIDER } from '../helpers/accounts.js';
import { awsCli, kmsClient } from '../helpers/clients.js';
import { blobFiles, crc32Base64, crc64nvmeBase64, rejectsS3, s3Client } from '../helpers/s3.js';
import { startServerProcess, type ServerProcess } from '../helpers/server.js';

const MiB = 1024 * 1024;
const IN_PLACE =
  "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.";
const bytesOf = async (out: { Body?: unknown }) => Buffer.from(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());

describe('S3 CopyObject (AWS SDK for JavaScript v3)', () => {
  let server: ServerProcess;
  let s3: S3Client;
  let outsider: S3Client;
  let kms: KMSClient;
  const newKey = async (description: string) => (await kms.send(new CreateKeyCommand({ Description: description }))).KeyMetadata!.Arn!;
  const get = async (bucket: string, key: string) => bytesOf(await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })));
  const head = (bucket: string, key: string) => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
  const copy = (bucket: string, key: string, source: string, extra: Record<string, unknown> = {}) =>
    s3.send(new CopyObjectCommand({ Bucket: bucket, Key: key, CopySource: source, ...extra }));
  const kmsDefault = (bucket: string, keyArn: string, bucketKey: boolean) =>
    s3.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn }, BucketKeyEnabled: bucketKey }] },
      }),
    );
  const disableWithCli = async (keyArn: string) => {
    const out = await awsCli(server.url, CUSTOMER, ['kms', 'disable-key', '--key-id', keyArn]);
    assert.equal(out.code, 0, out.stderr);
  };

  before(async () => {
    server = await startServerProcess();
    s3 = s3Client(server.url, CUSTOMER);
    outsider = s3Client(server.url, OUTSIDER);
    kms = kmsClient(server.url, CUSTOMER);
  });
  after(async () => {
    for (const c of [s3, outsider, kms]) c?.destroy();
    await server?.stop();
  });

  it('a copy to another bucket is re-encrypted under the target bucket\'s default; metadata, headers and checksum come along', async () => {
    const keyA = await newKey('copy-a');
    const keyB = await newKey('copy-b');
    await s3.send(new CreateBucketCommand({ Bucket: 'copy-src' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'copy-dst' }));
    await kmsDefault('copy-src', keyA, false);
    await kmsDefault('copy-dst', keyB, true);
    const body = randomBytes(300_000);
    const put = await s3.send(
      new PutObjectCommand({ Bucket: 'copy-src', Key: 'doc.bin', Body: body, ContentType: 'application/x-doc', CacheControl: 'max-age=60', Metadata: { tenant: 't1' } }),
    );
    assert.equal(put.SSEKMSKeyId, keyA);

    const out = await copy('copy-dst', 'copied/doc.bin', 'copy-src/doc.bin');
    assert.equal(out.ServerSideEncryption, 'aws:kms');
    assert.equal(out.SSEKMSKeyId, keyB);
    assert.equal(out.BucketKeyEnabled, true);
    assert.match(out.CopyObjectResult!.ETag!, /^"[0-9a-f]{32}"$/);
    assert.notEqual(out.CopyObjectResult!.ETag, put.ETag);
    assert.ok(out.CopyObjectResult!.LastModified instanceof Date);
    assert.equal(out.CopyObjectResult!.ChecksumCRC32, crc32Base64(body));

    const h = await head('copy-dst', 'copied/doc.bin');
    assert.equal(h.SSEKMSKeyId, keyB);
    assert.equal(h.ContentType, 'application/x-doc');
    assert.equal(h.CacheControl, 'max-age=60');
    assert.deepEqual(h.Metadata, { tenant: 't1' });
    assert.equal(h.ChecksumCRC32, crc32Base64(body));
    assert.ok((await get('copy-dst', 'copied/doc.bin')).equals(body));
    // The source is untouched.
    assert.equal((await head('copy-src', 'doc.bin')).ETag, put.ETag);

    // SSE headers on the copy win over the target bucket's default; a context is echoed.
    const context = Buffer.from(JSON.stringify({ tenant: 't1' })).toString('base64');
    const explicit = await copy('copy-dst', 'copied/explicit.bin', 'copy-src/doc.bin', { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyA, SSEKMSEncryptionContext: context, BucketKeyEnabled: false });
    assert.equal(explicit.SSEKMSKeyId, keyA);
    assert.equal(explicit.BucketKeyEnabled ?? false, false);
    assert.equal(explicit.SSEKMSEncryptionContext, context);
    assert.ok((await get('copy-dst', 'copied/explicit.bin')).equals(body));
    // A new checksum algorithm on the copy: computed over the plaintext.
    const sha = await copy('copy-dst', 'copied/sha.bin', 'copy-src/doc.bin', { ChecksumAlgorithm: 'SHA256' });
    assert.equal(sha.CopyObjectResult!.ChecksumSHA256, createHash('sha256').update(body).digest('base64'));
    assert.equal((await head('copy-dst', 'copied/sha.bin')).ChecksumSHA256, createHash('sha256').update(body).digest('base64'));
  });

  it('x-amz-metadata-directive: COPY keeps the source\'s metadata, REPLACE takes the request\'s', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'copy-meta' }));
    await s3.send(new PutObjectCommand({ Bucket: 'copy-meta', Key: 'src', Body: 'hello', ContentType: 'text/plain', Metadata: { a: '1' } }));
    await copy('copy-meta', 'kept', 'copy-meta/src', { Metadata: { ignored: 'yes' }, ContentType: 'text/ignored' });
    const kept = await head('copy-meta', 'kept');
    assert.deepEqual(kept.Metadata, { a: '1' });
    assert.equal(kept.ContentType, 'text/plain');
    await copy('copy-meta', 'replaced', 'copy-meta/src', { MetadataDirective: 'REPLACE', Metadata: { b: '2' }, ContentType: 'text/html' });
    const replaced = await head('copy-meta', 'replaced');
    assert.deepEqual(replaced.Metadata, { b: '2' });
    assert.equal(replaced.ContentType, 'text/html');
    assert.equal((await get('copy-meta', 'replaced')).toString(), 'hello');
    await rejectsS3(copy('copy-meta', 'x', 'copy-meta/src', { MetadataDirective: 'MERGE' }), 'InvalidArgument', 400, 'Unknown metadata directive.');
  });

  it('an in-place copy that changes nothing is refused; one with REPLACE changes the metadata', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'copy-self' }));
    const put = await s3.send(new PutObjectCommand({ Bucket: 'copy-self', Key: 'obj', Body: 'same', Metadata: { v: '1' } }));
    const blobs = blobFiles(server.dataDir).length;
    await rejectsS3(copy('copy-self', 'obj', 'copy-self/obj'), 'InvalidRequest', 400, IN_PLACE);
    await rejectsS3(copy('copy-self', 'obj', '/copy-self/obj', { MetadataDirective: 'COPY', Metadata: { v: '2' } }), 'InvalidRequest', 400, IN_PLACE);
    assert.equal((await head('copy-self', 'obj')).ETag, put.ETag);
    assert.equal(blobFiles(server.dataDir).length, blobs);
    await copy('copy-self', 'obj', 'copy-self/obj', { MetadataDirective: 'REPLACE', Metadata: { v: '2' } });
    const after = await head('copy-self', 'obj');
    assert.deepEqual(after.Metadata, { v: '2' });
    assert.notEqual(after.ETag, put.ETag);
    assert.equal((await get('copy-self', 'obj')).toString(), 'same');
    // The old bytes went with the old object.
    assert.equal(blobFiles(server.dataDir).length, blobs);
  });

  it('an in-place copy with a new KMS key re-encrypts: the old key can then be disabled, the new one cannot', async () => {
    const oldKey = await newKey('copy-old');
    const newKeyArn = await newKey('copy-new');
    await s3.send(new CreateBucketCommand({ Bucket: 'copy-rekey' }));
    await kmsDefault('copy-rekey', oldKey, true);
    const small = randomBytes(200_000);
    const putSmall = await s3.send(new PutObjectCommand({ Bucket: 'copy-rekey', Key: 'small', Body: small }));
    // A multipart object (default CRC64NVME full-object checksum) is re-encrypted the same way.
    const parts = [randomBytes(5 * MiB), randomBytes(4321)];
    const whole = Buffer.concat(parts);
    const uploadId = (await s3.send(new CreateMultipartUploadCommand({ Bucket: 'copy-rekey', Key: 'big' }))).UploadId!;
    const etags = [];
    for (const [i, body] of parts.entries()) {
      etags.push((await s3.send(new UploadPartCommand({ Bucket: 'copy-rekey', Key: 'big', UploadId: uploadId, PartNumber: i + 1, Body: body }))).ETag!);
    }
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'copy-rekey', Key: 'big', UploadId: uploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }));
    const bigBefore = await head('copy-rekey', 'big');
    assert.equal(bigBefore.SSEKMSKeyId, oldKey);

    for (const [key, body, before] of [['small', small, putSmall.ETag], ['big', whole, bigBefore.ETag]] as const) {
      const out = await copy('copy-rekey', key, `copy-rekey/${key}`, { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: newKeyArn });
      assert.equal(out.SSEKMSKeyId, newKeyArn);
      const h = await head('copy-rekey', key);
      assert.equal(h.SSEKMSKeyId, newKeyArn, `${key} is not under the new key`);
      assert.equal(h.BucketKeyEnabled, true);
      assert.notEqual(h.ETag, before);
      assert.ok((await get('copy-rekey', key)).equals(body), `${key} changed in the copy`);
    }
    // The checksums went along: CRC32 of the PUT, the full-object CRC64NVME of the multipart object.
    assert.equal((await head('copy-rekey', 'small')).ChecksumCRC32, crc32Base64(small));
    const big = await head('copy-rekey', 'big');
    assert.equal(big.ChecksumCRC64NVME, crc64nvmeBase64(whole));
    assert.equal(big.ChecksumType, 'FULL_OBJECT');

    await disableWithCli(oldKey);
    assert.ok((await get('copy-rekey', 'small')).equals(small), 'the object still needs the old key');
    assert.ok((await get('copy-rekey', 'big')).equals(whole), 'the object still needs the old key');
    await disableWithCli(newKeyArn);
    for (const key of ['small', 'big']) {
      await rejectsS3(s3.send(new GetObjectCommand({ Bucket: 'copy-rekey', Key: key })), 'KMS.DisabledException', 400, `${newKeyArn} is disabled.`);
    }
  });

  it('x-amz-copy-source-if-* conditions: a failed one is 412 PreconditionFailed', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'copy-cond' }));
    const put = await s3.send(new PutObjectCommand({ Bucket: 'copy-cond', Key: 'src', Body: 'conditional' }));
    const etag = put.ETag!;
    await copy('copy-cond', 'ok-match', 'copy-cond/src', { CopySourceIfMatch: etag });
    await copy('copy-cond', 'ok-none-match', 'copy-cond/src', { CopySourceIfNoneMatch: '"0000"' });
    const precondition = 'At least one of the pre-conditions you specified did not hold';
    await rejectsS3(copy('copy-cond', 'x', 'copy-cond/src', { CopySourceIfMatch: '"0000"' }), 'PreconditionFailed', 412, precondition);
    await rejectsS3(copy('copy-cond', 'x', 'copy-cond/src', { CopySourceIfNoneMatch: etag }), 'PreconditionFailed', 412, precondition);
    await rejectsS3(copy('copy-cond', 'x', 'copy-cond/src', { CopySourceIfModifiedSince: new Date(Date.now() + 3_600_000) }), 'PreconditionFailed', 412);
    await rejectsS3(copy('copy-cond', 'x', 'copy-cond/src', { CopySourceIfUnmodifiedSince: new Date(Date.now() - 3_600_000) }), 'PreconditionFailed', 412);
    await rejectsS3(head('copy-cond', 'x'), 'NotFound', 404);
    assert.equal((await get('copy-cond', 'ok-match')).toString(), 'conditional');
  });

  it('refusals: missing source, another account\'s source, a malformed source, a refused KMS key — and nothing is left behind', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'copy-err' }));
    await s3.send(new PutObjectCommand({ Bucket: 'copy-err', Key: 'src', Body: randomBytes(100_000) }));
    await outsider.send(new CreateBucketCommand({ Bucket: 'copy-theirs' }));
    await outsider.send(new PutObjectCommand({ Bucket: 'copy-theirs', Key: 'secret', Body: 'theirs' }));
    const blobs = blobFiles(server.dataDir).length;

    await rejectsS3(copy('copy-err', 'x', 'copy-err/none'), 'NoSuchKey', 404, 'The specified key does not exist.');
    await rejectsS3(copy('copy-err', 'x', 'copy-nobucket/src'), 'NoSuchBucket', 404);
    await rejectsS3(copy('copy-err', 'x', 'copy-theirs/secret'), 'AccessDenied', 403);
    await rejectsS3(copy('copy-err', 'x', 'just-a-bucket'), 'InvalidArgument', 400, 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey');
    const disabled = await newKey('copy-disabled-target');
    await disableWithCli(disabled);
    await rejectsS3(copy('copy-err', 'x', 'copy-err/src', { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: disabled }), 'KMS.DisabledException', 400, `${disabled} is disabled.`);
    await rejectsS3(head('copy-err', 'x'), 'NotFound', 404);
    assert.equal(blobFiles(server.dataDir).length, blobs, 'a refused copy left bytes behind');

    // A source whose key is disabled cannot be read, so it cannot be copied either.
    const sourceKey = await newKey('copy-disabled-source');
    await s3.send(new PutObjectCommand({ Bucket: 'copy-err', Key: 'locked', Body: 'locked', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: sourceKey }));
    await disableWithCli(sourceKey);
    await rejectsS3(copy('copy-err', 'y', 'copy-err/locked'), 'KMS.DisabledException', 400, `${sourceKey} is disabled.`);
    await rejectsS3(head('copy-err', 'y'), 'NotFound', 404);
  });
});
