import assert from 'node:assert/strict';
import { createHash, createCipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { CUSTOMER } from '../helpers/accounts.js';
import { kmsClient } from '../helpers/clients.js';
import { startServerProcess, type ServerProcess } from '../helpers/server.js';

const SIZE = Number(process.env.OPENCMK_SLOW_OBJECT_BYTES ?? 2 * 1024 ** 3);
const RSS_LIMIT = 256 * 1024 * 1024;

/** A deterministic pseudo-random stream (AES-CTR keystream), so nothing of its size is held in memory. */
function pseudoRandom(size: number): Readable {
  const cipher = createCipheriv('aes-256-ctr', Buffer.alloc(32, 7), Buffer.alloc(16, 0));
  const block = Buffer.alloc(1024 * 1024);
  let left = size;
  return new Readable({
    read() {
      if (left === 0) return this.push(null);
      const n = Math.min(left, block.length);
      left -= n;
      this.push(cipher.update(block.subarray(0, n)));
    },
  });
}

function peakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

// Multi-GB objects stream through the server at constant memory: encrypt on PUT, decrypt on GET,
// byte-identical, and the server's peak RSS stays under 256 MiB.
describe(`a ${(SIZE / 1024 ** 3).toFixed(1)} GiB object streams through at constant memory`, () => {
  let server: ServerProcess;
  let s3: S3Client;
  before(async () => {
    server = await startServerProcess();
    s3 = new S3Client({
      endpoint: server.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: CUSTOMER.accessKeyId, secretAccessKey: CUSTOMER.secretAccessKey },
      maxAttempts: 1,
    });
  });
  after(async () => {
    s3?.destroy();
    await server.stop();
  });

  it('PUT and GET a large SSE-KMS object, byte-identical, with flat server memory', { timeout: 20 * 60_000 }, async (t) => {
    const kms = kmsClient(server.url, CUSTOMER);
    const key = await kms.send(new CreateKeyCommand({}));
    kms.destroy();
    await s3.send(new CreateBucketCommand({ Bucket: 'big' }));

    const expected = createHash('sha256');
    const body = pseudoRandom(SIZE).pipe(
      new Transform({
        transform(chunk: Buffer, _e, done) {
          expected.update(chunk);
          done(null, chunk);
        },
      }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: 'big',
        Key: 'vm/disk.img',
        Body: body,
        ContentLength: SIZE,
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: key.KeyMetadata!.Arn!,
      }),
    );
    const putPeak = peakRss(server.child.pid!);
    t.diagnostic(`server peak RSS during the PUT ${(putPeak / 1024 ** 2).toFixed(0)} MiB`);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'big', Key: 'vm/disk.img' }));
    assert.equal(got.ServerSideEncryption, 'aws:kms');
    const actual = createHash('sha256');
    let received = 0;
    for await (const chunk of got.Body as Readable) {
      actual.update(chunk as Buffer);
      received += (chunk as Buffer).length;
    }
    assert.equal(received, SIZE);
    assert.equal(actual.digest('hex'), expected.digest('hex'));
    const peak = peakRss(server.child.pid!);
    t.diagnostic(`server peak RSS ${(peak / 1024 ** 2).toFixed(0)} MiB`);
    assert.ok(peak < RSS_LIMIT, `server peak RSS ${(peak / 1024 ** 2).toFixed(0)} MiB must stay under 256 MiB`);
  });
});
