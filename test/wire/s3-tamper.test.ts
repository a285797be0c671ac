// DESIGN.md §1: an attacker with the disk "cannot alter an object … undetected". The test finds the
// blob file a PUT created (diffing blobs/ before and after), changes it the ways docs/formats.md §3
// says are detected (a flipped bit, a cut tail, reordered segments, another object's bytes, trailing
// bytes, a changed header), and checks that no client ever gets the object's bytes in full, that
// only authentic bytes are released before the failure, and that untouched segments stay readable
// by range.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { CreateKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, GetObjectCommand, PutBucketEncryptionCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CUSTOMER } from '../helpers/accounts.js';
import { kmsClient } from '../helpers/clients.js';
import { ciphertextLength, fileSize, newBlobFiles, s3Client, segmentOffset, STREAM } from '../helpers/s3.js';
import { startServerProcess, type ServerProcess } from '../helpers/server.js';

const S = STREAM.defaultSegmentSize;
const SIZE = 4 * S + 1000; // five segments, the last one 1000 bytes

interface Attempt {
  status?: number;
  bytes: Buffer;
  error?: unknown;
}

describe('tampered object bytes on disk are detected', () => {
  let server: ServerProcess;
  let s3: S3Client;
  let kms: KMSClient;

  before(async () => {
    server = await startServerProcess();
    s3 = s3Client(server.url, CUSTOMER);
    kms = kmsClient(server.url, CUSTOMER);
    const keyArn = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    for (const [bucket, algorithm, bucketKey] of [
      ['tamper-kms', 'aws:kms', false],
      ['tamper-bk', 'aws:kms', true],
      ['tamper-s3', 'AES256', false],
    ] as const) {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      await s3.send(
        new PutBucketEncryptionCommand({
          Bucket: bucket,
          ServerSideEncryptionConfiguration: {
            Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: algorithm, ...(algorithm === 'aws:kms' ? { KMSMasterKeyID: keyArn } : {}) }, BucketKeyEnabled: bucketKey }],
          },
        }),
      );
    }
  });
  after(async () => {
    s3?.destroy();
    kms?.destroy();
    await server?.stop();
  });

  /** PUTs `body` and returns the one blob file the PUT created. */
  async function put(bucket: string, key: string, body: Buffer): Promise<string> {
    const files = await newBlobFiles(server.dataDir, () => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body })));
    assert.equal(files.length, 1, `one blob file per single PUT, got ${files.length}`);
    assert.equal(fileSize(files[0]!), ciphertextLength(body.length), 'docs/formats.md §3.2: ciphertextLength(L, S)');
    return files[0]!;
  }

  /** A GET, keeping whatever bytes arrived before a failure (a cut connection). */
  async function attempt(bucket: string, key: string, range?: string): Promise<Attempt> {
    let out;
    try {
      out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(range ? { Range: range } : {}) }));
    } catch (error) {
      return { bytes: Buffer.alloc(0), error, status: (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode };
    }
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of out.Body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
    } catch (error) {
      return { status: out.$metadata.httpStatusCode!, bytes: Buffer.concat(chunks), error };
    }
    return { status: out.$metadata.httpStatusCode!, bytes: Buffer.concat(chunks) };
  }

  /**
   * The read failed, the client never got the whole object, and what it got before the failure is
   * a prefix of the true plaintext no longer than `maxReleased` (docs/formats.md §3.4, release rule).
   */
  function assertDetected(a: Attempt, original: Buffer, maxReleased: number, what: string): void {
    assert.ok(a.error, `${what}: the read must fail, but it returned ${a.bytes.length} bytes${a.bytes.equals(original) ? ' (the original plaintext)' : ''}`);
    assert.ok(a.bytes.length < original.length, `${what}: the full-length plaintext went out`);
    assert.ok(a.bytes.length <= maxReleased, `${what}: ${a.bytes.length} bytes released, more than the ${maxReleased} authentic ones before the damage`);
    assert.ok(a.bytes.equals(original.subarray(0, a.bytes.length)), `${what}: the released bytes are not the object's own`);
  }

  async function assertReadable(bucket: string, key: string, original: Buffer, range: [number, number] | undefined, what: string): Promise<void> {
    const a = await attempt(bucket, key, range ? `bytes=${range[0]}-${range[1]}` : undefined);
    assert.equal(a.error, undefined, `${what}: ${String(a.error)}`);
    assert.ok(a.bytes.equals(range ? original.subarray(range[0], range[1] + 1) : original), `${what}: bytes`);
  }

  function editFile(path: string, edit: (b: Buffer) => Buffer): void {
    writeFileSync(path, edit(readFileSync(path)));
  }

  for (const bucket of ['tamper-kms', 'tamper-bk', 'tamper-s3']) {
    describe(bucket, () => {
      it('one flipped bit in the middle: the GET fails after at most the segments before it; other segments still read by range', async () => {
        const data = randomBytes(SIZE);
        const file = await put(bucket, 'flip', data);
        await assertReadable(bucket, 'flip', data, undefined, 'before tampering');
        editFile(file, (b) => {
          b[segmentOffset(2) + 5000]! ^= 0x01; // inside segment 2
          return b;
        });
        assertDetected(await attempt(bucket, 'flip'), data, 2 * S, 'whole GET');
        assertDetected(await attempt(bucket, 'flip', `bytes=${2 * S}-${2 * S + 10}`), data.subarray(2 * S), 0, 'range in the damaged segment');
        assertDetected(await attempt(bucket, 'flip', `bytes=${S + 100}-${3 * S + 100}`), data.subarray(S + 100), S - 100, 'range across it');
        await assertReadable(bucket, 'flip', data, [0, S - 1], 'range of segment 0');
        await assertReadable(bucket, 'flip', data, [S + 7, 2 * S - 1], 'range in segment 1');
        await assertReadable(bucket, 'flip', data, [3 * S, SIZE - 1], 'range of segments 3 and 4');
      });

      it('a changed header byte (salt) fails the first segment: nothing is released', async () => {
        const data = randomBytes(S + 10);
        const file = await put(bucket, 'header', data);
        editFile(file, (b) => {
          b[10]! ^= 0x80;
          return b;
        });
        assertDetected(await attempt(bucket, 'header'), data, 0, 'whole GET');
        assertDetected(await attempt(bucket, 'header', `bytes=${S}-${S + 5}`), data.subarray(S), 0, 'range GET');
      });

      it('a cut tail fails the GET: inside the last tag, and exactly at a segment boundary', async () => {
        const data = randomBytes(SIZE);
        const file = await put(bucket, 'cut', data);
        truncateSync(file, fileSize(file) - 1);
        assertDetected(await attempt(bucket, 'cut'), data, 4 * S, 'tail cut by 1 byte');
        assertDetected(await attempt(bucket, 'cut', `bytes=${SIZE - 10}-`), data.subarray(SIZE - 10), 0, 'range in the cut segment');
        await assertReadable(bucket, 'cut', data, [0, 99], 'range of segment 0');

        const data2 = randomBytes(SIZE);
        const file2 = await put(bucket, 'cut-boundary', data2);
        truncateSync(file2, segmentOffset(4)); // the whole last segment gone
        assertDetected(await attempt(bucket, 'cut-boundary'), data2, 4 * S, 'last segment dropped');
        const data3 = randomBytes(3 * S);
        const file3 = await put(bucket, 'cut-full', data3);
        truncateSync(file3, segmentOffset(2)); // three full segments → two: the new last one has flag 0
        assertDetected(await attempt(bucket, 'cut-full'), data3, 2 * S, 'a full final segment dropped');
      });

      it('bytes appended after the last segment fail the GET (docs/formats.md §3.4: trailing data)', async () => {
        const data = randomBytes(2 * S + 3);
        const file = await put(bucket, 'appended', data);
        appendFileSync(file, randomBytes(S + 16));
        assertDetected(await attempt(bucket, 'appended'), data, 2 * S, 'trailing data');
      });

      it('two 64 KiB segments swapped: the GET fails at the first of them; a range of either fails too', async () => {
        const data = randomBytes(SIZE);
        const file = await put(bucket, 'swap', data);
        const len = S + STREAM.tagLength;
        editFile(file, (b) => {
          const one = Buffer.from(b.subarray(segmentOffset(1), segmentOffset(1) + len));
          const three = Buffer.from(b.subarray(segmentOffset(3), segmentOffset(3) + len));
          three.copy(b, segmentOffset(1));
          one.copy(b, segmentOffset(3));
          return b;
        });
        assertDetected(await attempt(bucket, 'swap'), data, S, 'whole GET');
        assertDetected(await attempt(bucket, 'swap', `bytes=${S}-${S + 10}`), data.subarray(S), 0, 'range in segment 1');
        assertDetected(await attempt(bucket, 'swap', `bytes=${3 * S}-${3 * S + 10}`), data.subarray(3 * S), 0, 'range in segment 3');
        await assertReadable(bucket, 'swap', data, [2 * S, 3 * S - 1], 'segment 2, not moved');
      });

      it('two objects\' blob files swapped (same length, same bucket and key): both GETs fail', async () => {
        const a = randomBytes(S + 500);
        const b = randomBytes(S + 500);
        const fileA = await put(bucket, 'pair/a', a);
        const fileB = await put(bucket, 'pair/b', b);
        renameSync(fileA, `${fileA}.swap`);
        renameSync(fileB, fileA);
        renameSync(`${fileA}.swap`, fileB);
        assertDetected(await attempt(bucket, 'pair/a'), a, 0, 'object a holding b\'s bytes');
        assertDetected(await attempt(bucket, 'pair/b'), b, 0, 'object b holding a\'s bytes');
        assertDetected(await attempt(bucket, 'pair/a', `bytes=${S}-${S + 1}`), a.subarray(S), 0, 'range of a');
      });
    });
  }

  it('a blob copied between buckets (same key name) fails too, and the server still serves untouched objects', async () => {
    const a = randomBytes(1000);
    const b = randomBytes(1000);
    const fileA = await put('tamper-kms', 'same-name', a);
    const fileB = await put('tamper-bk', 'same-name', b);
    writeFileSync(fileB, readFileSync(fileA));
    assertDetected(await attempt('tamper-bk', 'same-name'), b, 0, 'tamper-bk/same-name with tamper-kms\'s bytes');
    await assertReadable('tamper-kms', 'same-name', a, undefined, 'the source object');
    const fresh = randomBytes(3 * S);
    await put('tamper-s3', 'after-all-that', fresh);
    await assertReadable('tamper-s3', 'after-all-that', fresh, undefined, 'a new object after the failures');
  });
});
