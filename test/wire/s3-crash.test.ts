// kill -9 during a burst of single PUTs (DESIGN.md §5): after a restart on the same data directory,
// every PUT the server acknowledged reads back intact; nothing it did not acknowledge (or was not
// still receiving) is listed; and the start-up sweep leaves no blob file that no object refers to and
// no write temporary (src/store/fs/blob-store.ts: write to tmp/, fsync, rename, fsync the directory).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutBucketEncryptionCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CUSTOMER } from '../helpers/accounts.js';
import { kmsClient } from '../helpers/clients.js';
import { blobFiles, filesUnder, s3Client, sha256 } from '../helpers/s3.js';
import { startServerProcess } from '../helpers/server.js';

const TOTAL = 100;
const SIZE = 256 * 1024;
const CONCURRENCY = 8;
const KILL_AFTER = 40;
const BUCKETS = ['crash-bk', 'crash-s3'];

const bytesOf = async (out: { Body?: unknown }) => Buffer.from(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());

async function listAll(s3: S3Client, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ...(token ? { ContinuationToken: token } : {}) }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

describe('crash: SIGKILL during a burst of PutObject', () => {
  it('keeps every acknowledged object intact, lists nothing unsent, and sweeps orphans at start', { timeout: 60_000 }, async (t) => {
    const first = await startServerProcess();
    const dataDir = first.dataDir;
    try {
      const s3 = s3Client(first.url, CUSTOMER);
      const kms = kmsClient(first.url, CUSTOMER);
      const keyArn = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
      kms.destroy();
      for (const bucket of BUCKETS) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      await s3.send(
        new PutBucketEncryptionCommand({
          Bucket: 'crash-bk',
          ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn }, BucketKeyEnabled: true }] },
        }),
      );

      const bodies = new Map<string, { bucket: string; key: string; sha: string }>();
      const acknowledged = new Set<string>();
      const unanswered = new Set<string>(); // sent, not acknowledged: may or may not exist
      const failuresBeforeKill: string[] = [];
      let next = 0;
      let killed: Promise<void> | undefined;
      let inFlightAtKill = -1;

      async function worker(): Promise<void> {
        while (!killed && next < TOTAL) {
          const i = next++;
          const bucket = BUCKETS[i % BUCKETS.length]!;
          const key = `burst/${String(i).padStart(3, '0')}`;
          const body = randomBytes(SIZE);
          const id = `${bucket}/${key}`;
          bodies.set(id, { bucket, key, sha: sha256(body) });
          unanswered.add(id);
          try {
            await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
            unanswered.delete(id);
            acknowledged.add(id);
            if (acknowledged.size === KILL_AFTER && !killed) {
              inFlightAtKill = unanswered.size;
              killed = first.kill();
            }
          } catch (e) {
            if (!killed) failuresBeforeKill.push(`${id}: ${(e as Error).name}: ${(e as Error).message}`);
          }
        }
      }
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      s3.destroy();
      if (!killed) killed = first.kill();
      await killed;

      assert.equal(first.child.signalCode, 'SIGKILL');
      assert.deepEqual(failuresBeforeKill, []);
      assert.ok(acknowledged.size >= KILL_AFTER, `${acknowledged.size} acknowledged`);
      assert.ok(inFlightAtKill > 0, 'the kill must land while PUTs are in flight');
      const leftovers = { blobs: blobFiles(dataDir).length, temporaries: filesUnder(join(dataDir, 'blobs', 'tmp')).length };
      t.diagnostic(`acknowledged ${acknowledged.size}, in flight at kill ${inFlightAtKill}, on disk after the kill: ${leftovers.blobs} blobs, ${leftovers.temporaries} temporaries`);

      const second = await startServerProcess({ dataDir });
      try {
        const s3b = s3Client(second.url, CUSTOMER);
        const listed = new Set<string>();
        for (const bucket of BUCKETS) for (const key of await listAll(s3b, bucket)) listed.add(`${bucket}/${key}`);
        for (const id of acknowledged) assert.ok(listed.has(id), `acknowledged ${id} is missing after the restart`);
        for (const id of listed) assert.ok(acknowledged.has(id) || unanswered.has(id), `${id} is listed but was never sent`);
        // Listed means whole: every listed object, acknowledged or caught in flight, reads back intact.
        for (const id of listed) {
          const { bucket, key, sha } = bodies.get(id)!;
          const got = await s3b.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
          assert.equal(got.ContentLength, SIZE, id);
          assert.equal(sha256(await bytesOf(got)), sha, `${id} reads back intact`);
        }
        // The sweep at start: one blob per listed (single-part) object, and no temporaries.
        assert.equal(blobFiles(dataDir).length, listed.size, 'blob files on disk == objects listed');
        assert.deepEqual(filesUnder(join(dataDir, 'blobs', 'tmp')), []);
        // And the store is usable.
        await s3b.send(new PutObjectCommand({ Bucket: 'crash-bk', Key: 'after-restart', Body: 'ok' }));
        assert.equal((await bytesOf(await s3b.send(new GetObjectCommand({ Bucket: 'crash-bk', Key: 'after-restart' })))).toString(), 'ok');
        assert.equal(blobFiles(dataDir).length, listed.size + 1);
        t.diagnostic(`after restart: ${listed.size} objects listed (${listed.size - acknowledged.size} of them caught in flight)`);
        s3b.destroy();
      } finally {
        await second.stop();
      }
    } finally {
      await first.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
