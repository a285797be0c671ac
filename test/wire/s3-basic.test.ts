// The S3 API with real clients at their default settings (JS SDK v3, boto3, AWS CLI v1): buckets,
// default encryption, object round trips, listing, conditional and range reads, stored checksums,
// presigned URLs, awkward keys, and that another account's principals get AccessDenied everywhere.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketEncryptionCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketEncryptionCommand,
  PutObjectCommand,
  type ListObjectsV2CommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CUSTOMER, OUTSIDER, PROVIDER } from '../helpers/accounts.js';
import { awsCli, kmsClient } from '../helpers/clients.js';
import { boto3Env, runBoto3 } from '../helpers/kms-wire.js';
import { blobFiles, crc32Base64, crc64nvmeBase64, filesUnder, rejectsS3, s3Client, s3Error, sha256, xmlCode, xmlMessage } from '../helpers/s3.js';
import { startServerProcess, type ServerProcess } from '../helpers/server.js';

const script = (name: string) => resolve(import.meta.dirname, '../../../test/wire/boto3', name);
const SEGMENT = 65536;

function curl(args: string[]): Promise<{ status: number; body: Buffer }> {
  return new Promise((done, fail) => {
    execFile('curl', ['-sS', '--path-as-is', '-o', '-', '-w', '\n%{http_code}', ...args], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      if (error) return fail(error);
      const cut = stdout.lastIndexOf(0x0a);
      done({ status: Number(stdout.subarray(cut + 1).toString()), body: stdout.subarray(0, cut) });
    });
  });
}

const bytesOf = async (out: { Body?: unknown }) => Buffer.from(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());

describe('S3 basics: buckets, objects, listing, reads, checksums, presigned URLs, keys', () => {
  let server: ServerProcess;
  let s3: S3Client;
  let outsiderS3: S3Client;
  let providerS3: S3Client;
  let kms: KMSClient;
  let keyArn: string;
  const cli = (...args: string[]) => awsCli(server.url, CUSTOMER, args);

  before(async () => {
    server = await startServerProcess();
    s3 = s3Client(server.url, CUSTOMER);
    outsiderS3 = s3Client(server.url, OUTSIDER);
    providerS3 = s3Client(server.url, PROVIDER);
    kms = kmsClient(server.url, CUSTOMER);
    keyArn = (await kms.send(new CreateKeyCommand({ Description: 's3-basic' }))).KeyMetadata!.Arn!;
  });
  after(async () => {
    for (const c of [s3, outsiderS3, providerS3, kms]) c?.destroy();
    await server?.stop();
  });

  it('CreateBucket: created once per name, in the region of the endpoint, with S3\'s naming rules', async () => {
    const created = await s3.send(new CreateBucketCommand({ Bucket: 'basic-create' }));
    assert.equal(created.$metadata.httpStatusCode, 200);
    assert.equal(created.Location, '/basic-create');
    await rejectsS3(
      s3.send(new CreateBucketCommand({ Bucket: 'basic-west', CreateBucketConfiguration: { LocationConstraint: 'us-west-2' } })),
      'IllegalLocationConstraintException',
      400,
      'The us-west-2 location constraint is incompatible for the region specific endpoint this request was sent to.',
    );
    const viaCli = await cli('s3api', 'create-bucket', '--bucket', 'basic-west', '--create-bucket-configuration', 'LocationConstraint=us-west-2');
    assert.notEqual(viaCli.code, 0);
    assert.match(viaCli.stderr, /\(IllegalLocationConstraintException\) when calling the CreateBucket operation/);
    await rejectsS3(s3.send(new HeadBucketCommand({ Bucket: 'basic-west' })), 'NotFound', 404);

    for (const bad of ['ab', 'Upper-Case', 'under_score', 'dots..dots', '192.168.5.4', '-starts', 'ends-', 'ends.', 'xn--punycode', 'sthree-x', 'x-s3alias', 'x'.repeat(64)]) {
      await rejectsS3(s3.send(new CreateBucketCommand({ Bucket: bad })), 'InvalidBucketName', 400, 'The specified bucket is not valid.');
    }
    for (const good of ['abc', 'x'.repeat(63), 'with.dots-and-dashes.1']) {
      await s3.send(new CreateBucketCommand({ Bucket: good }));
      await s3.send(new DeleteBucketCommand({ Bucket: good }));
    }

    await rejectsS3(
      s3.send(new CreateBucketCommand({ Bucket: 'basic-create' })),
      'BucketAlreadyOwnedByYou',
      409,
      'Your previous request to create the named bucket succeeded and you already own it.',
    );
    await rejectsS3(outsiderS3.send(new CreateBucketCommand({ Bucket: 'basic-create' })), 'BucketAlreadyExists', 409);
    // The refused attempts changed nothing: the bucket is still the customer's.
    await s3.send(new HeadBucketCommand({ Bucket: 'basic-create' }));
    await rejectsS3(outsiderS3.send(new HeadBucketCommand({ Bucket: 'basic-create' })), 'Unknown', 403);
  });

  it('CreateBucket: LocationConstraint us-east-1 is refused as S3 does (us-east-1 takes no constraint)', async () => {
    // AWS: `create-bucket --create-bucket-configuration LocationConstraint=us-east-1` → 400
    // InvalidLocationConstraint "The specified location-constraint is not valid" (boto/boto3#125,
    // aws/aws-sdk-js#3647, velero-io/velero#284).
    await rejectsS3(
      s3.send(new CreateBucketCommand({ Bucket: 'basic-east-explicit', CreateBucketConfiguration: { LocationConstraint: 'us-east-1' as never } })),
      'InvalidLocationConstraint',
      400,
      'The specified location-constraint is not valid',
    );
  });

  it('HeadBucket, GetBucketLocation and ListBuckets show each account only its own buckets', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'basic-mine' }));
    await outsiderS3.send(new CreateBucketCommand({ Bucket: 'basic-outsiders' }));
    const head = await s3.send(new HeadBucketCommand({ Bucket: 'basic-mine' }));
    assert.equal(head.BucketRegion, 'us-east-1');
    const location = await s3.send(new GetBucketLocationCommand({ Bucket: 'basic-mine' }));
    assert.equal(location.LocationConstraint ?? '', '');
    await rejectsS3(s3.send(new HeadBucketCommand({ Bucket: 'basic-nobody' })), 'NotFound', 404);

    const mine = (await s3.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name!);
    assert.ok(mine.includes('basic-mine') && mine.includes('basic-create'), mine.join());
    assert.ok(!mine.includes('basic-outsiders'), `the customer lists another account's bucket: ${mine}`);
    const theirs = (await outsiderS3.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name!);
    assert.deepEqual(theirs, ['basic-outsiders']);
    const provider = (await providerS3.send(new ListBucketsCommand({}))).Buckets ?? [];
    assert.deepEqual(provider, []);
  });

  it('DeleteBucket refuses a bucket that holds objects (BucketNotEmpty), then deletes it once empty', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'basic-doomed' }));
    await s3.send(new PutObjectCommand({ Bucket: 'basic-doomed', Key: 'x', Body: 'x' }));
    await rejectsS3(s3.send(new DeleteBucketCommand({ Bucket: 'basic-doomed' })), 'BucketNotEmpty', 409, 'The bucket you tried to delete is not empty');
    assert.equal((await bytesOf(await s3.send(new GetObjectCommand({ Bucket: 'basic-doomed', Key: 'x' })))).toString(), 'x');
    await s3.send(new DeleteObjectCommand({ Bucket: 'basic-doomed', Key: 'x' }));
    const deleted = await s3.send(new DeleteBucketCommand({ Bucket: 'basic-doomed' }));
    assert.equal(deleted.$metadata.httpStatusCode, 204);
    await rejectsS3(s3.send(new HeadBucketCommand({ Bucket: 'basic-doomed' })), 'NotFound', 404);
    await rejectsS3(s3.send(new DeleteBucketCommand({ Bucket: 'basic-doomed' })), 'NoSuchBucket', 404);
    // The name is free again.
    await s3.send(new CreateBucketCommand({ Bucket: 'basic-doomed' }));
  });

  it('Put/Get/DeleteBucketEncryption: AES256 baseline on a fresh bucket, a KMS default, and back', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'basic-enc' }));
    const fresh = await s3.send(new GetBucketEncryptionCommand({ Bucket: 'basic-enc' }));
    const rule0 = fresh.ServerSideEncryptionConfiguration!.Rules![0]!;
    assert.equal(rule0.ApplyServerSideEncryptionByDefault!.SSEAlgorithm, 'AES256');
    assert.equal(rule0.ApplyServerSideEncryptionByDefault!.KMSMasterKeyID, undefined);
    assert.equal(rule0.BucketKeyEnabled ?? false, false);

    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: 'basic-enc',
        ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn }, BucketKeyEnabled: true }] },
      }),
    );
    const kmsDefault = (await s3.send(new GetBucketEncryptionCommand({ Bucket: 'basic-enc' }))).ServerSideEncryptionConfiguration!.Rules![0]!;
    assert.deepEqual(kmsDefault.ApplyServerSideEncryptionByDefault, { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn });
    assert.equal(kmsDefault.BucketKeyEnabled, true);
    // The CLI reads the same configuration.
    const viaCli = await cli('s3api', 'get-bucket-encryption', '--bucket', 'basic-enc');
    assert.equal(viaCli.code, 0, viaCli.stderr);
    assert.equal(JSON.parse(viaCli.stdout).ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.KMSMasterKeyID, keyArn);

    // S3: "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms".
    await rejectsS3(
      s3.send(
        new PutBucketEncryptionCommand({
          Bucket: 'basic-enc',
          ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256', KMSMasterKeyID: keyArn } }] },
        }),
      ),
      'InvalidArgument',
      400,
    );
    const unchanged = (await s3.send(new GetBucketEncryptionCommand({ Bucket: 'basic-enc' }))).ServerSideEncryptionConfiguration!.Rules![0]!;
    assert.equal(unchanged.ApplyServerSideEncryptionByDefault!.SSEAlgorithm, 'aws:kms');

    const del = await s3.send(new DeleteBucketEncryptionCommand({ Bucket: 'basic-enc' }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    const back = (await s3.send(new GetBucketEncryptionCommand({ Bucket: 'basic-enc' }))).ServerSideEncryptionConfiguration!.Rules![0]!;
    assert.equal(back.ApplyServerSideEncryptionByDefault!.SSEAlgorithm, 'AES256');
    const put = await s3.send(new PutObjectCommand({ Bucket: 'basic-enc', Key: 'after-delete', Body: 'x' }));
    assert.equal(put.ServerSideEncryption, 'AES256');
    // Deleting again is a 204 too (S3 answers so even without a configuration).
    assert.equal((await s3.send(new DeleteBucketEncryptionCommand({ Bucket: 'basic-enc' }))).$metadata.httpStatusCode, 204);
  });

  it('PutObject/GetObject/HeadObject/DeleteObject: bytes, ETag, user metadata and standard headers round-trip', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'basic-objects' }));
    const body = randomBytes(70_000);
    const expires = new Date(Math.floor(Date.now() / 1000) * 1000 + 86_400_000);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'basic-objects',
        Key: 'docs/report.bin',
        Body: body,
        ContentType: 'application/x-report',
        CacheControl: 'max-age=60, private',
        ContentDisposition: 'attachment; filename="report.bin"',
        ContentLanguage: 'en-GB',
        Expires: expires,
        Metadata: { Colour: 'blue', 'two-words': 'hello world' },
      }),
    );
    assert.match(put.ETag!, /^"[^"]+"$/);
    assert.equal(put.ServerSideEncryption, 'AES256');
    assert.equal(put.ChecksumCRC32, crc32Base64(body), 'the SDK sent a CRC32 by default and the server computed the same');

    const got = await s3.send(new GetObjectCommand({ Bucket: 'basic-objects', Key: 'docs/report.bin' }));
    assert.equal(sha256(await bytesOf(got)), sha256(body));
    for (const out of [got, await s3.send(new HeadObjectCommand({ Bucket: 'basic-objects', Key: 'docs/report.bin' }))]) {
      assert.equal(out.ETag, put.ETag);
      assert.equal(out.ContentLength, body.length);
      assert.equal(out.ContentType, 'application/x-report');
      assert.equal(out.CacheControl, 'max-age=60, private');
      assert.equal(out.ContentDisposition, 'attachment; filename="report.bin"');
      assert.equal(out.ContentLanguage, 'en-GB');
      assert.equal(out.Expires?.getTime(), expires.getTime());
      assert.deepEqual(out.Metadata, { colour: 'blue', 'two-words': 'hello world' });
      assert.equal(out.ServerSideEncryption, 'AES256');
      assert.equal(out.AcceptRanges, 'bytes');
      assert.ok(out.LastModified instanceof Date && Math.abs(out.LastModified.getTime() - Date.now()) < 60_000);
    }
    // The transfer's aws-chunked content encoding is not kept as the object's Content-Encoding.
    assert.equal(got.ContentEncoding, undefined);

    // Overwrite: a new ETag, the new bytes, and nothing of the old metadata.
    const put2 = await s3.send(new PutObjectCommand({ Bucket: 'basic-objects', Key: 'docs/report.bin', Body: 'v2' }));
    assert.notEqual(put2.ETag, put.ETag);
    const got2 = await s3.send(new GetObjectCommand({ Bucket: 'basic-objects', Key: 'docs/report.bin' }));
    assert.equal((await bytesOf(got2)).toString(), 'v2');
    assert.deepEqual(got2.Metadata, {});
    assert.equal(got2.CacheControl, undefined);

    const del = await s3.send(new DeleteObjectCommand({ Bucket: 'basic-objects', Key: 'docs/report.bin' }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    await rejectsS3(s3.send(new GetObjectCommand({ Bucket: 'basic-objects', Key: 'docs/report.bin' })), 'NoSuchKey', 404, 'The specified key does not exist.');
    await rejectsS3(s3.send(new HeadObjectCommand({ Bucket: 'basic-objects', Key: 'docs/report.bin' })), 'NotFound', 404);
    // Deleting a key that does not exist is still a 204.
    assert.equal((await s3.send(new DeleteObjectCommand({ Bucket: 'basic-objects', Key: 'never-was' }))).$metadata.httpStatusCode, 204);
  });

  it('write integrity: a wrong Content-MD5, CRC32 or SHA256 is 400 BadDigest and stores nothing; an over-long key is KeyTooLongError', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'basic-digest' }));
    const body = Buffer.from('the bytes that were sent');
    const blobsBefore = blobFiles(server.dataDir).length;
    await rejectsS3(
      s3.send(new PutObjectCommand({ Bucket: 'basic-digest', Key: 'md5', Body: body, ContentMD5: createHash('md5').update('other bytes').digest('base64') })),
      'BadDigest',
      400,
      'The Content-MD5 you specified did not match what we received.',
    );
    await rejectsS3(s3.send(new PutObjectCommand({ Bucket: 'basic-digest', Key: 'crc32', Body: body, ChecksumCRC32: crc32Base64(Buffer.from('x')) })), 'BadDigest', 400, 'The CRC32 you specified did not match the calculated checksum.');
    await rejectsS3(
      s3.send(new PutObjectCommand({ Bucket: 'basic-digest', Key: 'sha256', Body: body, ChecksumSHA256: createHash('sha256').update('x').digest('base64') })),
      'BadDigest',
      400,
    );
    await rejectsS3(s3.send(new PutObjectCommand({ Bucket: 'basic-digest', Key: 'k'.repeat(1025), Body: body })), 'KeyTooLongError', 400, 'Your key is too long');
    assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: 'basic-digest' }))).KeyCount, 0);
    // The body was read, encrypted and refused: no blob and no temporary is left behind.
    assert.equal(blobFiles(server.dataDir).length, blobsBefore);
    assert.deepEqual(filesUnder(join(server.dataDir, 'blobs', 'tmp')), []);
    // The right digests are accepted.
    const ok = await s3.send(new PutObjectCommand({ Bucket: 'basic-digest', Key: 'k'.repeat(1024), Body: body, ContentMD5: createHash('md5').update(body).digest('base64') }));
    assert.equal(ok.$metadata.httpStatusCode, 200);
  });

  it('PutObject honours conditional writes: If-None-Match: * and a stale If-Match are 412, and the object is untouched', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'basic-cond-write' }));
    const first = await s3.send(new PutObjectCommand({ Bucket: 'basic-cond-write', Key: 'k', Body: 'v1' }));
    const read = async () => (await bytesOf(await s3.send(new GetObjectCommand({ Bucket: 'basic-cond-write', Key: 'k' })))).toString();
    try {
      await rejectsS3(s3.send(new PutObjectCommand({ Bucket: 'basic-cond-write', Key: 'k', Body: 'create-only', IfNoneMatch: '*' })), 'PreconditionFailed', 412);
    } finally {
      assert.equal(await read(), 'v1', 'If-None-Match: * must not overwrite an existing object');
    }
    await rejectsS3(s3.send(new PutObjectCommand({ Bucket: 'basic-cond-write', Key: 'k', Body: 'stale', IfMatch: '"00000000000000000000000000000000"' })), 'PreconditionFailed', 412);
    assert.equal(await read(), 'v1');
    await s3.send(new PutObjectCommand({ Bucket: 'basic-cond-write', Key: 'k', Body: 'v2', IfMatch: first.ETag! }));
    assert.equal(await read(), 'v2');
    await s3.send(new PutObjectCommand({ Bucket: 'basic-cond-write', Key: 'new', Body: 'fresh', IfNoneMatch: '*' }));
  });

  it('GetObject applies the response-* overrides (response-content-type, -disposition, -cache-control)', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'basic-override' }));
    await s3.send(new PutObjectCommand({ Bucket: 'basic-override', Key: 'k', Body: 'x', ContentType: 'application/octet-stream' }));
    const got = await s3.send(
      new GetObjectCommand({ Bucket: 'basic-override', Key: 'k', ResponseContentType: 'text/plain', ResponseContentDisposition: 'attachment; filename="k.txt"', ResponseCacheControl: 'no-store' }),
    );
    await bytesOf(got);
    assert.equal(got.ContentType, 'text/plain');
    assert.equal(got.ContentDisposition, 'attachment; filename="k.txt"');
    assert.equal(got.CacheControl, 'no-store');
  });

  it('user metadata over 2 KB is 400 MetadataTooLarge', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'basic-meta-size' }));
    await rejectsS3(s3.send(new PutObjectCommand({ Bucket: 'basic-meta-size', Key: 'k', Body: 'x', Metadata: { big: 'x'.repeat(2100) } })), 'MetadataTooLarge', 400);
  });

  it('the AWS CLI: s3 cp up and down, s3 ls, s3 rm, and put-object with no body (an empty object)', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'basic-cli' }));
    const data = randomBytes(150_000);
    const local = join(server.dataDir, 'cli-upload.bin');
    const back = join(server.dataDir, 'cli-download.bin');
    writeFileSync(local, data);
    const up = await cli('s3', 'cp', local, 's3://basic-cli/dir/file.bin');
    assert.equal(up.code, 0, up.stderr);
    const ls = await cli('s3', 'ls', 's3://basic-cli/dir/');
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /\s150000 file\.bin\n$/);
    const down = await cli('s3', 'cp', 's3://basic-cli/dir/file.bin', back);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(sha256(readFileSync(back)), sha256(data));
    const empty = await cli('s3api', 'put-object', '--bucket', 'basic-cli', '--key', 'empty-from-cli');
    assert.equal(empty.code, 0, empty.stderr);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'basic-cli', Key: 'empty-from-cli' }));
    assert.equal(head.ContentLength, 0);
    const rm = await cli('s3', 'rm', 's3://basic-cli/dir/file.bin');
    assert.equal(rm.code, 0, rm.stderr);
    await rejectsS3(s3.send(new HeadObjectCommand({ Bucket: 'basic-cli', Key: 'dir/file.bin' })), 'NotFound', 404);
  });

  it('an empty object (0 bytes) stores, reads, ranges and lists as 0 bytes', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'basic-empty' }));
    const put = await s3.send(new PutObjectCommand({ Bucket: 'basic-empty', Key: 'nothing', Body: Buffer.alloc(0) }));
    assert.equal(put.ChecksumCRC32, 'AAAAAA==');
    const got = await s3.send(new GetObjectCommand({ Bucket: 'basic-empty', Key: 'nothing', ChecksumMode: 'ENABLED' }));
    assert.equal(got.ContentLength, 0);
    assert.equal((await bytesOf(got)).length, 0);
    assert.equal(got.ChecksumCRC32, 'AAAAAA==');
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'basic-empty' }));
    assert.equal(listed.Contents?.[0]?.Size, 0);
    await rejectsS3(s3.send(new GetObjectCommand({ Bucket: 'basic-empty', Key: 'nothing', Range: 'bytes=0-0' })), 'InvalidRange', 416);
  });

  it('DeleteObjects deletes a batch and reports every key, existing or not', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'basic-batch' }));
    for (const k of ['one', 'two', 'three', 'keep']) await s3.send(new PutObjectCommand({ Bucket: 'basic-batch', Key: k, Body: k }));
    const out = await s3.send(new DeleteObjectsCommand({ Bucket: 'basic-batch', Delete: { Objects: [{ Key: 'one' }, { Key: 'two' }, { Key: 'three' }, { Key: 'missing' }] } }));
    assert.deepEqual(out.Deleted!.map((d) => d.Key).sort(), ['missing', 'one', 'three', 'two']);
    assert.equal(out.Errors, undefined);
    const left = await s3.send(new ListObjectsV2Command({ Bucket: 'basic-batch' }));
    assert.deepEqual(left.Contents!.map((o) => o.Key), ['keep']);
    const quiet = await s3.send(new DeleteObjectsCommand({ Bucket: 'basic-batch', Delete: { Objects: [{ Key: 'keep' }], Quiet: true } }));
    assert.equal(quiet.Deleted, undefined);
    assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: 'basic-batch' }))).KeyCount, 0);
  });

  describe('ListObjectsV2', () => {
    const KEYS = ['a/1', 'a/2', 'a/b/3', 'a/b/4', 'b/1', 'c', 'd/e/f', 'e'];
    before(async () => {
      await s3.send(new CreateBucketCommand({ Bucket: 'basic-list' }));
      for (const k of [...KEYS].reverse()) await s3.send(new PutObjectCommand({ Bucket: 'basic-list', Key: k, Body: k }));
    });

    /** Every page of a listing, following NextContinuationToken. */
    async function pages(input: Omit<ListObjectsV2CommandInput, 'Bucket'>) {
      const out = [];
      let token: string | undefined;
      for (let i = 0; i < 50; i++) {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: 'basic-list', ...input, ...(token ? { ContinuationToken: token } : {}) }));
        out.push(page);
        if (!page.IsTruncated) return out;
        assert.ok(page.NextContinuationToken, 'a truncated page has a NextContinuationToken');
        token = page.NextContinuationToken;
      }
      assert.fail('the listing did not end');
    }
    const entries = (page: Awaited<ReturnType<typeof pages>>[number]) =>
      [...(page.Contents ?? []).map((o) => o.Key!), ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!)].sort();

    it('lists everything in UTF-8 binary order, with sizes, ETags and KeyCount', async () => {
      const [all, ...more] = await pages({});
      assert.equal(more.length, 0);
      assert.deepEqual(all!.Contents!.map((o) => o.Key), KEYS);
      assert.deepEqual(all!.Contents!.map((o) => o.Size), KEYS.map((k) => Buffer.byteLength(k)));
      assert.equal(all!.KeyCount, KEYS.length);
      assert.equal(all!.IsTruncated, false);
      assert.ok(all!.Contents!.every((o) => /^"[^"]+"$/.test(o.ETag!) && o.StorageClass === 'STANDARD'));
    });

    it('filters by prefix, rolls keys up into CommonPrefixes by delimiter, and combines the two', async () => {
      const [byPrefix] = await pages({ Prefix: 'a/' });
      assert.deepEqual(byPrefix!.Contents!.map((o) => o.Key), ['a/1', 'a/2', 'a/b/3', 'a/b/4']);
      const [top] = await pages({ Delimiter: '/' });
      assert.deepEqual(top!.Contents!.map((o) => o.Key), ['c', 'e']);
      assert.deepEqual(top!.CommonPrefixes!.map((p) => p.Prefix), ['a/', 'b/', 'd/']);
      assert.equal(top!.KeyCount, 5);
      assert.equal(top!.Delimiter, '/');
      const [inA] = await pages({ Prefix: 'a/', Delimiter: '/' });
      assert.deepEqual(inA!.Contents!.map((o) => o.Key), ['a/1', 'a/2']);
      assert.deepEqual(inA!.CommonPrefixes!.map((p) => p.Prefix), ['a/b/']);
      const [none] = await pages({ Prefix: 'zzz' });
      assert.equal(none!.KeyCount, 0);
      assert.equal(none!.Contents, undefined);
    });

    it('pages with max-keys 1, 2 and 3 through continuation tokens, with and without a delimiter, losing and repeating nothing', async () => {
      for (const input of [{}, { Delimiter: '/' }, { Prefix: 'a/', Delimiter: '/' }, { Prefix: 'a/' }]) {
        const whole = entries((await pages(input))[0]!);
        for (const max of [1, 2, 3]) {
          const paged = await pages({ ...input, MaxKeys: max });
          const seen = paged.flatMap(entries);
          assert.deepEqual(seen, whole, `${JSON.stringify(input)} max-keys ${max}`);
          for (const [i, page] of paged.entries()) {
            assert.equal(page.MaxKeys, max);
            assert.equal(page.KeyCount, entries(page).length);
            assert.ok(page.KeyCount! <= max);
            assert.equal(page.IsTruncated, i < paged.length - 1);
          }
          assert.equal(paged.length, Math.max(1, Math.ceil(whole.length / max)), `${JSON.stringify(input)} max-keys ${max}: page count`);
        }
      }
    });

    it('starts after StartAfter', async () => {
      const [afterB] = await pages({ StartAfter: 'b/1' });
      assert.deepEqual(afterB!.Contents!.map((o) => o.Key), ['c', 'd/e/f', 'e']);
      assert.equal(afterB!.StartAfter, 'b/1');
      const [inA] = await pages({ Prefix: 'a/', StartAfter: 'a/b/3' });
      assert.deepEqual(inA!.Contents!.map((o) => o.Key), ['a/b/4']);
      const [between] = await pages({ StartAfter: 'a/11' });
      assert.deepEqual(between!.Contents!.map((o) => o.Key), ['a/2', 'a/b/3', 'a/b/4', 'b/1', 'c', 'd/e/f', 'e']);
      const paged = (await pages({ StartAfter: 'a/b/4', MaxKeys: 2 })).flatMap(entries);
      assert.deepEqual(paged, ['b/1', 'c', 'd/e/f', 'e']);
    });

    it('orders by UTF-8 bytes, not UTF-16 code units (U+FF21 < U+1F600), also across pages', async () => {
      await s3.send(new CreateBucketCommand({ Bucket: 'basic-list-utf8' }));
      const keys = ['z', '\uFF21', '\u{1F600}', '\u00E9', '\uFFFD', 'a/\u{1F600}/1', 'a/\uFF21/1', 'a/z/1'];
      for (const k of keys) await s3.send(new PutObjectCommand({ Bucket: 'basic-list-utf8', Key: k, Body: k }));
      const utf8 = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      assert.notDeepEqual(utf8, [...keys].sort(), 'the case must tell the two orders apart');
      const all = await s3.send(new ListObjectsV2Command({ Bucket: 'basic-list-utf8' }));
      assert.deepEqual(all.Contents!.map((o) => o.Key), utf8);
      const paged: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: 'basic-list-utf8', MaxKeys: 1, ...(token ? { ContinuationToken: token } : {}) }));
        paged.push(...page.Contents!.map((o) => o.Key!));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token && paged.length <= keys.length);
      assert.deepEqual(paged, utf8);
      const top = await s3.send(new ListObjectsV2Command({ Bucket: 'basic-list-utf8', Prefix: 'a/', Delimiter: '/', MaxKeys: 2 }));
      assert.deepEqual(top.CommonPrefixes!.map((p) => p.Prefix), ['a/z/', 'a/\uFF21/']);
      const afterFf21 = await s3.send(new ListObjectsV2Command({ Bucket: 'basic-list-utf8', StartAfter: '\uFF21' }));
      assert.deepEqual(afterFf21.Contents!.map((o) => o.Key), ['\uFFFD', '\u{1F600}']);
    });

    it('a continuation token that is not one is InvalidArgument', async () => {
      await rejectsS3(s3.send(new ListObjectsV2Command({ Bucket: 'basic-list', ContinuationToken: 'not-a-token' })), 'InvalidArgument', 400, 'The continuation token provided is incorrect');
    });

    it('the AWS CLI follows the tokens itself (--page-size 1) and gets the same listing', async () => {
      const r = await cli('s3api', 'list-objects-v2', '--bucket', 'basic-list', '--delimiter', '/', '--page-size', '1');
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.deepEqual(out.Contents.map((o: { Key: string }) => o.Key), ['c', 'e']);
      assert.deepEqual(out.CommonPrefixes.map((p: { Prefix: string }) => p.Prefix), ['a/', 'b/', 'd/']);
    });
  });

  describe('reads: conditions, ranges, stored checksums', () => {
    const SIZE = 3 * SEGMENT + 3_392; // 200,000 bytes: four segments, the last one short
    const data = randomBytes(SIZE);
    let etag: string;
    let lastModified: Date;
    before(async () => {
      await s3.send(new CreateBucketCommand({ Bucket: 'basic-reads' }));
      etag = (await s3.send(new PutObjectCommand({ Bucket: 'basic-reads', Key: 'big', Body: data }))).ETag!;
      lastModified = (await s3.send(new HeadObjectCommand({ Bucket: 'basic-reads', Key: 'big' }))).LastModified!;
    });
    const get = (extra: Record<string, unknown>) => s3.send(new GetObjectCommand({ Bucket: 'basic-reads', Key: 'big', ...extra }));
    /** The status of a GET that succeeds, its body read to the end (an unread body is aborted later). */
    const okStatus = async (call: ReturnType<typeof get>) => {
      const out = await call;
      await bytesOf(out);
      return out.$metadata.httpStatusCode;
    };

    it('If-Match → 412 unless it matches; If-None-Match → 304 when it matches; If-(Un)Modified-Since by date', async () => {
      await rejectsS3(get({ IfMatch: '"00000000000000000000000000000000"' }), 'PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold');
      assert.equal(sha256(await bytesOf(await get({ IfMatch: etag }))), sha256(data));
      assert.equal(await okStatus(get({ IfMatch: '*' })), 200);
      const notModified = await s3Error(get({ IfNoneMatch: etag }));
      assert.equal(notModified.status, 304);
      assert.equal(await okStatus(get({ IfNoneMatch: '"something-else"' })), 200);
      const hourAfter = new Date(lastModified.getTime() + 3_600_000);
      const hourBefore = new Date(lastModified.getTime() - 3_600_000);
      assert.equal((await s3Error(get({ IfModifiedSince: hourAfter }))).status, 304);
      assert.equal((await s3Error(get({ IfModifiedSince: lastModified }))).status, 304, 'not modified since its own Last-Modified');
      assert.equal(await okStatus(get({ IfModifiedSince: hourBefore })), 200);
      await rejectsS3(get({ IfUnmodifiedSince: hourBefore }), 'PreconditionFailed', 412);
      assert.equal(await okStatus(get({ IfUnmodifiedSince: hourAfter })), 200);
      // RFC 9110 §13.2.2 as S3 documents it: a true If-Match wins over a false If-Unmodified-Since,
      // and If-Modified-Since is ignored when If-None-Match is present.
      assert.equal(await okStatus(get({ IfMatch: etag, IfUnmodifiedSince: hourBefore })), 200);
      assert.equal(await okStatus(get({ IfNoneMatch: '"something-else"', IfModifiedSince: hourAfter })), 200);
      // HeadObject applies them too.
      assert.equal((await s3Error(s3.send(new HeadObjectCommand({ Bucket: 'basic-reads', Key: 'big', IfMatch: '"nope"' })))).status, 412);
      assert.equal((await s3Error(s3.send(new HeadObjectCommand({ Bucket: 'basic-reads', Key: 'big', IfNoneMatch: etag })))).status, 304);
    });

    it('Range: bytes=a-b, a-, -n, across and on the 64 KiB segment boundaries, with Content-Range', async () => {
      const cases: [string, number, number][] = [
        ['bytes=0-0', 0, 0],
        ['bytes=0-99', 0, 99],
        [`bytes=${SEGMENT - 1}-${SEGMENT}`, SEGMENT - 1, SEGMENT],
        [`bytes=${SEGMENT}-${2 * SEGMENT - 1}`, SEGMENT, 2 * SEGMENT - 1],
        [`bytes=${SEGMENT - 10}-${3 * SEGMENT + 10}`, SEGMENT - 10, 3 * SEGMENT + 10],
        [`bytes=${2 * SEGMENT}-`, 2 * SEGMENT, SIZE - 1],
        [`bytes=${3 * SEGMENT}-${3 * SEGMENT}`, 3 * SEGMENT, 3 * SEGMENT],
        ['bytes=-1', SIZE - 1, SIZE - 1],
        ['bytes=-3393', SIZE - 3393, SIZE - 1],
        [`bytes=-${SIZE + 500}`, 0, SIZE - 1],
        [`bytes=${SIZE - 5}-${SIZE + 1000}`, SIZE - 5, SIZE - 1],
        [`bytes=0-${SIZE - 1}`, 0, SIZE - 1],
      ];
      for (const [range, start, end] of cases) {
        const out = await get({ Range: range });
        assert.equal(out.$metadata.httpStatusCode, 206, range);
        assert.equal(out.ContentRange, `bytes ${start}-${end}/${SIZE}`, range);
        assert.equal(out.ContentLength, end - start + 1, range);
        assert.ok((await bytesOf(out)).equals(data.subarray(start, end + 1)), `${range}: bytes`);
      }
    });

    it('an unsatisfiable range is 416 InvalidRange, and the object is untouched', async () => {
      for (const range of [`bytes=${SIZE}-`, `bytes=${SIZE + 10}-${SIZE + 20}`, 'bytes=-0']) {
        await rejectsS3(get({ Range: range }), 'InvalidRange', 416, 'The requested range is not satisfiable');
      }
      assert.equal(sha256(await bytesOf(await get({}))), sha256(data));
    });

    it('ChecksumMode ENABLED returns the stored CRC32 / CRC64NVME, equal to one computed here', async () => {
      const crc = await get({ ChecksumMode: 'ENABLED' });
      assert.equal(crc.ChecksumCRC32, crc32Base64(data));
      assert.equal(crc.ChecksumType, 'FULL_OBJECT');
      await bytesOf(crc); // the SDK validates the body against it too
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'basic-reads', Key: 'big', ChecksumMode: 'ENABLED' }));
      assert.equal(head.ChecksumCRC32, crc32Base64(data));
      // Without ChecksumMode, the checksum is not sent (S3 only sends it on request).
      assert.equal((await s3.send(new HeadObjectCommand({ Bucket: 'basic-reads', Key: 'big' }))).ChecksumCRC32, undefined);

      const other = randomBytes(100_001);
      const put = await s3.send(new PutObjectCommand({ Bucket: 'basic-reads', Key: 'crc64', Body: other, ChecksumAlgorithm: 'CRC64NVME' }));
      assert.equal(put.ChecksumCRC64NVME, crc64nvmeBase64(other));
      const got = await s3.send(new GetObjectCommand({ Bucket: 'basic-reads', Key: 'crc64', ChecksumMode: 'ENABLED' }));
      assert.equal(got.ChecksumCRC64NVME, crc64nvmeBase64(other));
      assert.equal(got.ChecksumCRC32, undefined);
      assert.equal(sha256(await bytesOf(got)), sha256(other));
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'basic-reads' }));
      assert.deepEqual(
        listed.Contents!.map((o) => [o.Key, o.ChecksumAlgorithm]),
        [
          ['big', ['CRC32']],
          ['crc64', ['CRC64NVME']],
        ],
      );
    });

    it('NoSuchKey and NoSuchBucket, with S3\'s codes and statuses', async () => {
      await rejectsS3(s3.send(new GetObjectCommand({ Bucket: 'basic-reads', Key: 'absent' })), 'NoSuchKey', 404, 'The specified key does not exist.');
      await rejectsS3(s3.send(new GetObjectCommand({ Bucket: 'basic-absent', Key: 'k' })), 'NoSuchBucket', 404, 'The specified bucket does not exist');
      await rejectsS3(s3.send(new PutObjectCommand({ Bucket: 'basic-absent', Key: 'k', Body: 'x' })), 'NoSuchBucket', 404);
      await rejectsS3(s3.send(new ListObjectsV2Command({ Bucket: 'basic-absent' })), 'NoSuchBucket', 404);
      await rejectsS3(s3.send(new DeleteObjectCommand({ Bucket: 'basic-absent', Key: 'k' })), 'NoSuchBucket', 404);
      await rejectsS3(s3.send(new GetBucketEncryptionCommand({ Bucket: 'basic-absent' })), 'NoSuchBucket', 404);
      await rejectsS3(s3.send(new DeleteBucketCommand({ Bucket: 'basic-absent' })), 'NoSuchBucket', 404);
    });
  });

  it('another account\'s principal gets AccessDenied on every bucket and object operation, and changes nothing', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'basic-private' }));
    await s3.send(new PutObjectCommand({ Bucket: 'basic-private', Key: 'secret', Body: 'the customer only' }));
    for (const other of [outsiderS3, providerS3]) {
      const denied = (call: Promise<unknown>) => rejectsS3(call, 'AccessDenied', 403, 'Access Denied');
      await denied(other.send(new ListObjectsV2Command({ Bucket: 'basic-private' })));
      await denied(other.send(new GetObjectCommand({ Bucket: 'basic-private', Key: 'secret' })));
      await denied(other.send(new GetObjectCommand({ Bucket: 'basic-private', Key: 'not-there' })));
      await denied(other.send(new PutObjectCommand({ Bucket: 'basic-private', Key: 'planted', Body: 'x' })));
      await denied(other.send(new PutObjectCommand({ Bucket: 'basic-private', Key: 'secret', Body: 'overwritten' })));
      await denied(other.send(new DeleteObjectCommand({ Bucket: 'basic-private', Key: 'secret' })));
      await denied(other.send(new GetBucketEncryptionCommand({ Bucket: 'basic-private' })));
      await denied(other.send(new PutBucketEncryptionCommand({ Bucket: 'basic-private', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } })));
      await denied(other.send(new DeleteBucketEncryptionCommand({ Bucket: 'basic-private' })));
      await denied(other.send(new DeleteBucketCommand({ Bucket: 'basic-private' })));
      await denied(other.send(new GetBucketLocationCommand({ Bucket: 'basic-private' })));
      // HEAD answers carry no body, so the SDK sees only the status.
      assert.equal((await s3Error(other.send(new HeadBucketCommand({ Bucket: 'basic-private' })))).status, 403);
      assert.equal((await s3Error(other.send(new HeadObjectCommand({ Bucket: 'basic-private', Key: 'secret' })))).status, 403);
      // DeleteObjects: refused whole (403), or per key with AccessDenied — either way nothing is deleted.
      try {
        const out = await other.send(new DeleteObjectsCommand({ Bucket: 'basic-private', Delete: { Objects: [{ Key: 'secret' }] } }));
        assert.deepEqual(out.Errors?.map((e) => e.Code), ['AccessDenied']);
        assert.equal(out.Deleted, undefined);
      } catch (e) {
        assert.equal((e as Error).name, 'AccessDenied');
      }
    }
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'basic-private' }));
    assert.deepEqual(listed.Contents!.map((o) => o.Key), ['secret']);
    assert.equal((await bytesOf(await s3.send(new GetObjectCommand({ Bucket: 'basic-private', Key: 'secret' })))).toString(), 'the customer only');
    const enc = await s3.send(new GetBucketEncryptionCommand({ Bucket: 'basic-private' }));
    assert.equal(enc.ServerSideEncryptionConfiguration!.Rules![0]!.ApplyServerSideEncryptionByDefault!.SSEAlgorithm, 'AES256');
  });

  describe('boto3, presigned URLs and awkward keys', () => {
    const AWKWARD = ['with space', 'plus+sign', 'per%cent', '100%25', 'ünïcödé/日本語 ☃.txt', '..', '../', '../../etc/passwd', './dot', 'a//double', 'q?x=1&y', 'hash#frag', 'tilde~', "quote'\"", '<xml>&amp;'];
    let boto: { results: { presigned_urls: { url: string; expiring: string; sigv2: string; sha256: string; key: string }; awkward_keys: { etags: Record<string, string> } } };
    let generatedAt: number;
    const beforeFiles = new Set<string>();
    const marker = `opencmk-${randomBytes(8).toString('hex')}`;
    let passwdStat: { mtimeMs: number; size: number };

    before(async () => {
      for (const f of filesUnder(server.dataDir)) beforeFiles.add(f);
      passwdStat = statSync('/etc/passwd');
      generatedAt = Date.now();
      ({ json: boto } = await runBoto3(script('s3_basic.py'), boto3Env(server.url, { BUCKET: 'basic-boto3', KEYS: JSON.stringify(AWKWARD) })));
    });

    it('s3_basic.py: boto3 creates buckets, stores and lists awkward keys through its paginator, and an empty object', () => {
      assert.equal((boto as unknown as { failed: number }).failed, 0);
      assert.deepEqual(Object.keys(boto.results.awkward_keys.etags).sort(), [...AWKWARD].sort());
    });

    it('the JS SDK and the CLI read boto3\'s awkward keys back, and list them in binary order', async () => {
      for (const key of AWKWARD) {
        const got = await s3.send(new GetObjectCommand({ Bucket: 'basic-boto3', Key: key }));
        assert.equal((await bytesOf(got)).toString('utf8'), `boto3:${key}`.repeat(3), key);
        assert.equal(got.ETag, boto.results.awkward_keys.etags[key]);
      }
      const listed = (await s3.send(new ListObjectsV2Command({ Bucket: 'basic-boto3', EncodingType: 'url' }))).Contents!.map((o) => o.Key!);
      const expected = [...AWKWARD, 'empty', boto.results.presigned_urls.key].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      assert.deepEqual(listed.map((k) => decodeURIComponent(k.replace(/\+/g, ' '))), expected);
      const raw = (await s3.send(new ListObjectsV2Command({ Bucket: 'basic-boto3' }))).Contents!.map((o) => o.Key!);
      assert.deepEqual(raw, expected);
      const out = join(server.dataDir, 'cli-unicode.out');
      const r = await cli('s3api', 'get-object', '--bucket', 'basic-boto3', '--key', 'ünïcödé/日本語 ☃.txt', out);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(readFileSync(out, 'utf8'), 'boto3:ünïcödé/日本語 ☃.txt'.repeat(3));
    });

    it('object keys are never paths: ../../etc/passwd is an object, and no file appears outside blobs/', async () => {
      await s3.send(new PutObjectCommand({ Bucket: 'basic-boto3', Key: '../../etc/passwd', Body: marker }));
      await s3.send(new PutObjectCommand({ Bucket: 'basic-boto3', Key: '../../../../../../tmp/opencmk-escape', Body: marker }));
      assert.equal((await bytesOf(await s3.send(new GetObjectCommand({ Bucket: 'basic-boto3', Key: '../../etc/passwd' })))).toString(), marker);
      const now = filesUnder(server.dataDir).filter((f) => !beforeFiles.has(f));
      const blobs = new Set(blobFiles(server.dataDir));
      // Besides blobs, only the server's own stores (and audit deliveries) may change; none is named after a key.
      const own = (f: string) => /\/(opencmk|audit)\.db(-wal|-shm|-journal)?$/.test(f) || f.startsWith(join(server.dataDir, 'audit') + '/') || f.endsWith('/cli-unicode.out');
      const strays = now.filter((f) => !blobs.has(f) && !own(f));
      assert.deepEqual(strays, [], 'the only new files are blobs (and the server\'s databases)');
      assert.deepEqual(now.filter((f) => /passwd|escape|\.\./.test(f.slice(server.dataDir.length))), []);
      for (const f of blobFiles(server.dataDir)) assert.match(f.slice(server.dataDir.length), /^\/blobs\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{32}$/);
      for (const escape of [join(dirname(server.dataDir), 'etc/passwd'), join(server.dataDir, 'etc/passwd'), '/tmp/opencmk-escape']) {
        assert.equal(existsSync(escape), false, escape);
      }
      const passwd = statSync('/etc/passwd');
      assert.equal(passwd.mtimeMs, passwdStat.mtimeMs);
      assert.equal(passwd.size, passwdStat.size);
      assert.ok(!readFileSync('/etc/passwd', 'utf8').includes(marker));
    });

    it('a presigned GET (boto3, SigV4) works with curl; once expired it is 403 AccessDenied', async () => {
      const p = boto.results.presigned_urls;
      const ok = await curl([p.url]);
      assert.equal(ok.status, 200, ok.body.toString());
      assert.equal(sha256(ok.body), p.sha256);
      // The same URL for another key is refused: the path is signed.
      const tampered = await curl([p.url.replace('presigned/', 'presigned2/')]);
      assert.equal(tampered.status, 403);
      assert.equal(xmlCode(tampered.body.toString()), 'SignatureDoesNotMatch');

      const wait = generatedAt + 2_500 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const expired = await curl([p.expiring]);
      assert.equal(expired.status, 403);
      assert.equal(xmlCode(expired.body.toString()), 'AccessDenied');
      assert.equal(xmlMessage(expired.body.toString()), 'Request has expired');
      assert.notEqual(sha256(expired.body), p.sha256);
    });

    it('a SigV2 presigned URL (boto3\'s default) does not give the object away', async () => {
      const v2 = await curl([boto.results.presigned_urls.sigv2]);
      assert.ok(v2.status >= 400 && v2.status < 500, `status ${v2.status}`);
      assert.notEqual(sha256(v2.body), boto.results.presigned_urls.sha256);
    });
  });
});
