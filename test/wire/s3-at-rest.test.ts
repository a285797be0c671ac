// DESIGN.md §1 threat model, for objects: the disk, the database and backups are not trusted with
// plaintext. After a workload of single PUTs (SSE-KMS with and without bucket keys, SSE-S3; the JS
// SDK and the AWS CLI), no 32-byte window of any object's plaintext — nor its SHA-256 / CRC64NVME
// checksum, which S3 keeps encrypted for SSE-KMS (research §1.3) — appears in any file under the data
// directory (blobs, blobs/tmp, SQLite and its -wal, audit files), while the server runs and after it
// stops. Then the bucket-key TTL: a cached bucket key is used for at most `bucketKeyTtlSeconds`,
// after which the next GET goes back to KMS (and works, or is refused if KMS now refuses).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateKeyCommand, GetKeyPolicyCommand, PutKeyPolicyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, GetObjectCommand, PutBucketEncryptionCommand, PutObjectCommand, type PutObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import { CUSTOMER, PROVIDER } from '../helpers/accounts.js';
import { awsCli, kmsClient } from '../helpers/clients.js';
import { crc64nvmeBase64, filesUnder, rejectsS3, s3Client, sha256 } from '../helpers/s3.js';
import { startServerProcess, type ServerProcess } from '../helpers/server.js';

const S = 65536;
const bytesOf = async (out: { Body?: unknown }) => Buffer.from(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Needle {
  what: string;
  bytes: Buffer;
}

/** Plaintext that is easy to recognise and has no repeats: a line counter with random tails. */
function recognisable(tag: string, size: number): Buffer {
  const lines: string[] = [];
  let total = 0;
  for (let i = 0; total < size; i++) {
    const line = `${tag} line ${i} ${randomBytes(12).toString('hex')}\n`;
    lines.push(line);
    total += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, size);
}

/** Several distinct 32-byte windows of `data`: its start, across segment boundaries, middle, end, and random spots. */
function windows(what: string, data: Buffer): Needle[] {
  const at = new Set([0, S - 16, 2 * S - 3, Math.floor(data.length / 2), data.length - 32]);
  for (let i = 0; i < 3; i++) at.add(Math.floor(Math.random() * (data.length - 32)));
  return [...at].filter((o) => o >= 0 && o + 32 <= data.length).flatMap((o) => {
    const w = data.subarray(o, o + 32);
    return [
      { what: `${what}[${o}..${o + 32}) raw`, bytes: w },
      { what: `${what}[${o}..${o + 32}) hex`, bytes: Buffer.from(w.toString('hex')) },
    ];
  });
}

function scan(dataDir: string, needles: Needle[]): { found: string[]; files: string[] } {
  const files = filesUnder(dataDir);
  const found: string[] = [];
  for (const file of files) {
    const content = readFileSync(file);
    for (const n of needles) if (content.includes(n.bytes)) found.push(`${relative(dataDir, file)}: ${n.what}`);
  }
  return { found, files: files.map((f) => relative(dataDir, f)) };
}

async function setPolicy(kms: KMSClient, keyArn: string, statements: object[]): Promise<void> {
  const policy = JSON.parse((await kms.send(new GetKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default' }))).Policy!);
  policy.Statement = [policy.Statement[0], ...statements];
  await kms.send(new PutKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default', Policy: JSON.stringify(policy) }));
}

/** Allows the provider to use the key only while aws:CurrentTime < `until` (no policy change afterwards). */
const providerUntil = (until: number) => ({
  Sid: 'ProviderUntil',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${PROVIDER.accountId}:root` },
  Action: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
  Resource: '*',
  Condition: { DateLessThan: { 'aws:CurrentTime': new Date(until).toISOString() } },
});

describe('objects at rest: no plaintext in the data directory', () => {
  let server: ServerProcess;
  let s3: S3Client;
  let kms: KMSClient;
  const needles: Needle[] = [];
  const objects = new Map<string, { bucket: string; key: string; sha: string }>();

  before(async () => {
    server = await startServerProcess();
    s3 = s3Client(server.url, CUSTOMER);
    kms = kmsClient(server.url, CUSTOMER);
    const keyArn = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    const buckets = [
      ['rest-kms', { SSEAlgorithm: 'aws:kms' as const, KMSMasterKeyID: keyArn }, false],
      ['rest-bk', { SSEAlgorithm: 'aws:kms' as const, KMSMasterKeyID: keyArn }, true],
      ['rest-s3', { SSEAlgorithm: 'AES256' as const }, false],
    ] as const;
    for (const [bucket, rule, bucketKey] of buckets) {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      await s3.send(new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: rule, BucketKeyEnabled: bucketKey }] } }));
      const puts: [string, Buffer, Partial<PutObjectCommandInput>][] = [
        ['random-200k', randomBytes(200_000), {}],
        ['text-150k', recognisable(`${bucket}/text`, 150_000), { ChecksumAlgorithm: 'SHA256' }],
        ['small', recognisable(`${bucket}/small`, 100), { ChecksumAlgorithm: 'CRC64NVME' }],
        ['exact-segment', randomBytes(S), { ChecksumAlgorithm: 'CRC64NVME' }],
        // Overwritten below: the first version's bytes must be gone too (or at least never plaintext).
        ['overwritten', recognisable(`${bucket}/first-version`, 70_000), {}],
      ];
      for (const [key, body, extra] of puts) {
        const out = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...extra }));
        assert.equal(out.ServerSideEncryption, rule.SSEAlgorithm);
        needles.push(...windows(`${bucket}/${key}`, body));
        if (extra.ChecksumAlgorithm === 'SHA256') {
          const digest = createHash('sha256').update(body).digest();
          assert.equal(out.ChecksumSHA256, digest.toString('base64'));
          needles.push({ what: `${bucket}/${key} SHA-256 raw`, bytes: digest }, { what: `${bucket}/${key} SHA-256 base64`, bytes: Buffer.from(digest.toString('base64')) }, { what: `${bucket}/${key} SHA-256 hex`, bytes: Buffer.from(digest.toString('hex')) });
        }
        if (extra.ChecksumAlgorithm === 'CRC64NVME') {
          const crc = crc64nvmeBase64(body);
          assert.equal(out.ChecksumCRC64NVME, crc);
          needles.push({ what: `${bucket}/${key} CRC64NVME raw`, bytes: Buffer.from(crc, 'base64') }, { what: `${bucket}/${key} CRC64NVME base64`, bytes: Buffer.from(crc) });
        }
        objects.set(`${bucket}/${key}`, { bucket, key, sha: sha256(body) });
      }
      const second = recognisable(`${bucket}/second-version`, 70_000);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'overwritten', Body: second }));
      needles.push(...windows(`${bucket}/overwritten (v2)`, second));
      objects.set(`${bucket}/overwritten`, { bucket, key: 'overwritten', sha: sha256(second) });
    }
    // One upload by the AWS CLI (its own aws-chunked body and CRC32 trailer).
    const cliBody = recognisable('rest-bk/cli', 120_000);
    const local = join(server.dataDir, '..', `opencmk-at-rest-${randomBytes(4).toString('hex')}.txt`);
    writeFileSync(local, cliBody);
    try {
      const r = await awsCli(server.url, CUSTOMER, ['s3', 'cp', local, 's3://rest-bk/cli-upload.txt']);
      assert.equal(r.code, 0, r.stderr);
    } finally {
      rmSync(local, { force: true });
    }
    needles.push(...windows('rest-bk/cli-upload.txt', cliBody));
    objects.set('rest-bk/cli-upload.txt', { bucket: 'rest-bk', key: 'cli-upload.txt', sha: sha256(cliBody) });
  });
  after(async () => {
    s3?.destroy();
    kms?.destroy();
    await server?.stop();
  });

  it('every object still reads back (the workload is real)', async () => {
    for (const o of objects.values()) {
      const got = await s3.send(new GetObjectCommand({ Bucket: o.bucket, Key: o.key }));
      assert.equal(sha256(await bytesOf(got)), o.sha, `${o.bucket}/${o.key}`);
    }
  });

  it('the scan works: a planted window is found (positive control)', () => {
    const planted = join(server.dataDir, 'blobs', 'tmp', 'positive-control.part');
    writeFileSync(planted, Buffer.concat([randomBytes(100), needles[0]!.bytes, randomBytes(100)]));
    try {
      assert.deepEqual(scan(server.dataDir, [needles[0]!]).found, [`blobs/tmp/positive-control.part: ${needles[0]!.what}`]);
    } finally {
      rmSync(planted);
    }
  });

  it('no plaintext window or plaintext checksum in any file while the server runs (database -wal included)', () => {
    const { found, files } = scan(server.dataDir, needles);
    assert.ok(files.includes('opencmk.db'), `the scan must see the database: ${files.join(', ')}`);
    assert.ok(files.some((f) => f.startsWith('blobs/')), 'the scan must see the blobs');
    assert.deepEqual(found, []);
    assert.ok(needles.length > 200, `${needles.length} needles`);
  });

  it('none in the server\'s own output either', () => {
    const out = Buffer.from(server.output());
    assert.deepEqual(needles.filter((n) => out.includes(n.bytes)).map((n) => n.what), []);
  });

  it('within the TTL a cached bucket key keeps serving GETs after the key policy stops allowing Decrypt by time (the documented bound)', async () => {
    // The default TTL is 60 s. A time-conditioned statement stops matching without a policy change, so
    // nothing drops the cache: the provider keeps reading until the TTL, which is the bound DESIGN.md §1 states.
    const keyArn = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    const until = Date.now() + 1500;
    await setPolicy(kms, keyArn, [providerUntil(until)]);
    const provider = s3Client(server.url, PROVIDER);
    try {
      await provider.send(new CreateBucketCommand({ Bucket: 'rest-ttl-default' }));
      const body = randomBytes(1000);
      await provider.send(new PutObjectCommand({ Bucket: 'rest-ttl-default', Key: 'o', Body: body, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn, BucketKeyEnabled: true }));
      assert.ok((await bytesOf(await provider.send(new GetObjectCommand({ Bucket: 'rest-ttl-default', Key: 'o' })))).equals(body));
      await sleep(until + 300 - Date.now());
      assert.ok((await bytesOf(await provider.send(new GetObjectCommand({ Bucket: 'rest-ttl-default', Key: 'o' })))).equals(body), 'served from the cached bucket key');
      // A PUT without a bucket key asks KMS at once, and is refused: the condition did stop matching.
      await rejectsS3(
        provider.send(new PutObjectCommand({ Bucket: 'rest-ttl-default', Key: 'p', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn, BucketKeyEnabled: false })),
        'AccessDenied',
        403,
      );
    } finally {
      provider.destroy();
    }
  });

  it('after the server stops: still nothing, in the checkpointed database and everywhere else', async () => {
    await server.stop({ keepData: true });
    try {
      const { found, files } = scan(server.dataDir, needles);
      assert.ok(files.includes('opencmk.db'));
      assert.deepEqual(found, []);
    } finally {
      rmSync(server.dataDir, { recursive: true, force: true });
    }
  });
});

describe('bucket-key TTL (objects.bucketKeyTtlSeconds: 1)', () => {
  let server: ServerProcess;
  let kms: KMSClient;
  let provider: S3Client;

  before(async () => {
    server = await startServerProcess({ config: { objects: { bucketKeyTtlSeconds: 1 } } });
    kms = kmsClient(server.url, CUSTOMER);
    provider = s3Client(server.url, PROVIDER);
    await provider.send(new CreateBucketCommand({ Bucket: 'ttl-bucket' }));
  });
  after(async () => {
    kms?.destroy();
    provider?.destroy();
    await server?.stop();
  });

  it('after more than 1 s a GET (and a PUT) still work: the expired bucket key is fetched from KMS again', async () => {
    const keyArn = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    await setPolicy(kms, keyArn, [{ ...providerUntil(Date.now() + 3_600_000), Sid: 'Provider' }]);
    const body = randomBytes(3 * S);
    const headers = { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: keyArn, BucketKeyEnabled: true };
    await provider.send(new PutObjectCommand({ Bucket: 'ttl-bucket', Key: 'a', Body: body, ...headers }));
    assert.ok((await bytesOf(await provider.send(new GetObjectCommand({ Bucket: 'ttl-bucket', Key: 'a' })))).equals(body));
    await sleep(1_300);
    const again = await provider.send(new GetObjectCommand({ Bucket: 'ttl-bucket', Key: 'a' }));
    assert.equal(again.BucketKeyEnabled, true);
    assert.ok((await bytesOf(again)).equals(body), 'byte-identical after the TTL');
    await provider.send(new PutObjectCommand({ Bucket: 'ttl-bucket', Key: 'b', Body: body, ...headers }));
    assert.ok((await bytesOf(await provider.send(new GetObjectCommand({ Bucket: 'ttl-bucket', Key: 'b' })))).equals(body));
  });

  it('the refetch is real: once the TTL has passed, a key policy that stopped allowing Decrypt by time refuses the next GET and PUT', async () => {
    const keyArn = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    const until = Date.now() + 1500;
    await setPolicy(kms, keyArn, [providerUntil(until)]);
    const body = randomBytes(1000);
    const headers = { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: keyArn, BucketKeyEnabled: true };
    await provider.send(new PutObjectCommand({ Bucket: 'ttl-bucket', Key: 'timed', Body: body, ...headers }));
    assert.ok((await bytesOf(await provider.send(new GetObjectCommand({ Bucket: 'ttl-bucket', Key: 'timed' })))).equals(body));
    await sleep(Math.max(until, Date.now() + 1000) + 300 - Date.now());
    await rejectsS3(provider.send(new GetObjectCommand({ Bucket: 'ttl-bucket', Key: 'timed' })), 'AccessDenied', 403, 'Access Denied');
    await rejectsS3(provider.send(new PutObjectCommand({ Bucket: 'ttl-bucket', Key: 'timed-2', Body: 'x', ...headers })), 'AccessDenied', 403, 'Access Denied');
  });
});
