// The object reader (src/objects/read.ts) over a real blob directory: both ways of consuming it
// (as a Readable, and writing itself into a Writable) give exactly the plaintext asked for, across
// segment and part boundaries, and fail on a stored byte that is not what was written.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { ObjectStreamError, sealer } from '../../../src/formats/object-stream.js';
import type { ObjectContext } from '../../../src/objects/context.js';
import { streamContext } from '../../../src/objects/object-keys.js';
import { readObject } from '../../../src/objects/read.js';
import { createFsBlobStore } from '../../../src/store/fs/blob-store.js';
import type { ObjectRecord } from '../../../src/store/object-types.js';

const S = 16384;
const dataKey = randomBytes(32);
const root = mkdtempSync(join(tmpdir(), 'opencmk-read-'));
after(() => rmSync(root, { recursive: true, force: true }));
const blobs = createFsBlobStore(root);
const ctx = { deps: { blobs } } as unknown as ObjectContext;

/** An object of the given part sizes, stored as the object store stores it. */
async function storeObject(key: string, partSizes: number[]): Promise<{ object: ObjectRecord; plaintext: Buffer }> {
  const parts = [];
  const bodies = [];
  for (const [i, size] of partSizes.entries()) {
    const body = randomBytes(size);
    const writer = await blobs.create();
    const stored: Buffer[] = [];
    const seal = sealer({ dataKey, context: streamContext('bucket', key, i + 1), segmentSize: S }, (b) => stored.push(b));
    seal.write(body);
    seal.end();
    await writer.append(stored);
    const { blobId } = await writer.commit();
    parts.push({ partNumber: i + 1, blobId, size, etag: `e${i}`, lastModified: 0 });
    bodies.push(body);
  }
  const plaintext = Buffer.concat(bodies);
  const object = {
    bucket: 'bucket',
    key,
    size: plaintext.length,
    etag: 'e',
    lastModified: 0,
    headers: {},
    metadata: {},
    encryption: { algorithm: 'AES256', bucketKeyEnabled: false, wrappedKey: Buffer.alloc(0) },
    segmentSize: S,
    parts,
  } satisfies ObjectRecord;
  return { object, plaintext };
}

/** A Writable that keeps what it is given, finishing each write a little later (as a socket does). */
function collector(): { out: Writable; bytes: () => Buffer } {
  const got: Buffer[] = [];
  const out = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      got.push(Buffer.from(chunk)); // a copy: the reader reuses its blocks once this calls back
      setImmediate(callback);
    },
  });
  return { out, bytes: () => Buffer.concat(got) };
}

async function viaReadable(object: ObjectRecord, range?: { start: number; end: number }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of readObject(ctx, object, dataKey, range)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function viaSendTo(object: ObjectRecord, range?: { start: number; end: number }): Promise<Buffer> {
  const { out, bytes } = collector();
  await readObject(ctx, object, dataKey, range).sendTo(out);
  return bytes();
}

const blobPath = (blobId: string) => join(root, blobId.slice(0, 2), blobId.slice(2, 4), blobId);
const isCode = (code: string) => (e: unknown) => e instanceof ObjectStreamError && e.code === code;

describe('objects/read', () => {
  it('gives the whole object and any range, across segments and parts, both ways', async () => {
    // 40 segments in part 1 (more than one block of 16), a short part 2, a part of one byte.
    const { object, plaintext } = await storeObject('many', [40 * S + 5, 3 * S, 1]);
    const ranges = [undefined, { start: 0, end: 0 }, { start: S - 1, end: S }, { start: 17 * S - 3, end: 40 * S + 6 }, { start: plaintext.length - 1, end: plaintext.length - 1 }, { start: 5, end: plaintext.length - 2 }];
    for (const range of ranges) {
      const expected = range ? plaintext.subarray(range.start, range.end + 1) : plaintext;
      assert.deepEqual(await viaReadable(object, range), expected, `Readable ${JSON.stringify(range)}`);
      assert.deepEqual(await viaSendTo(object, range), expected, `sendTo ${JSON.stringify(range)}`);
    }
  });

  it('reads an empty object (its one empty segment is still authenticated)', async () => {
    const { object } = await storeObject('empty', [0]);
    assert.equal((await viaSendTo(object)).length, 0);
    assert.equal((await viaReadable(object)).length, 0);
    const blob = blobPath(object.parts[0]!.blobId);
    const stored = readFileSync(blob);
    stored[stored.length - 1]! ^= 1;
    writeFileSync(blob, stored);
    await assert.rejects(viaSendTo(object), isCode('object-stream-corrupt'));
  });

  it('fails on a flipped byte, a cut tail and a byte appended after the last segment', async () => {
    const flipped = await storeObject('flipped', [20 * S]);
    const a = blobPath(flipped.object.parts[0]!.blobId);
    const bytes = readFileSync(a);
    bytes[44 + 18 * (S + 16) + 7]! ^= 0x80;
    writeFileSync(a, bytes);
    await assert.rejects(viaSendTo(flipped.object), isCode('object-stream-corrupt'));
    await assert.rejects(viaReadable(flipped.object), isCode('object-stream-corrupt'));
    assert.deepEqual(await viaSendTo(flipped.object, { start: 0, end: S }), flipped.plaintext.subarray(0, S + 1), 'a range that avoids the bad segment reads');

    const cut = await storeObject('cut', [3 * S]);
    const b = blobPath(cut.object.parts[0]!.blobId);
    truncateSync(b, statSync(b).size - 1);
    await assert.rejects(viaSendTo(cut.object), isCode('object-stream-truncated'));

    const longer = await storeObject('longer', [3 * S]);
    appendFileSync(blobPath(longer.object.parts[0]!.blobId), Buffer.from([0]));
    await assert.rejects(viaSendTo(longer.object), isCode('object-stream-trailing-data'));
  });

  it('fails cleanly when a block read ahead fails while the consumer is slow (no unhandled rejection)', async () => {
    const { object } = await storeObject('cut-ahead', [40 * S]);
    const blob = blobPath(object.parts[0]!.blobId);
    truncateSync(blob, statSync(blob).size - 100); // the third block of 16 segments comes up short
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const reader = readObject(ctx, object, dataKey);
      const failed = new Promise<unknown>((resolve) => reader.on('error', resolve));
      // Slow: paused inside the second block, so the third (short) one is read ahead meanwhile.
      let chunks = 0;
      const paused = new Promise<void>((resolve) =>
        reader.on('data', () => {
          if (++chunks === 20) {
            reader.pause();
            resolve();
          }
        }),
      );
      await paused;
      await new Promise((resolve) => setTimeout(resolve, 100));
      reader.resume();
      assert.ok(isCode('object-stream-truncated')(await failed));
      const { out } = collector();
      await assert.rejects(readObject(ctx, object, dataKey).sendTo(out), isCode('object-stream-truncated'));
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('stops and closes its blob when the consumer goes away', async () => {
    const { object } = await storeObject('abandoned', [64 * S]);
    const out = new Writable({
      write(_chunk, _encoding, callback) {
        out.destroy();
        callback();
      },
    });
    const reader = readObject(ctx, object, dataKey);
    await reader.sendTo(out);
    assert.ok(reader.destroyed);
    // The blob is closed: deleting it leaves no open descriptor behind (checked through /proc).
    const fds = readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readFileSync(`/proc/self/fdinfo/${fd}`) && statSync(`/proc/self/fd/${fd}`).ino === statSync(blobPath(object.parts[0]!.blobId)).ino;
      } catch {
        return false;
      }
    });
    assert.deepEqual(fds, []);
  });

  it('Precondition: a reader is consumed one way only.', async () => {
    const { object } = await storeObject('twice', [10]);
    const reader = readObject(ctx, object, dataKey);
    reader.read(0);
    await new Promise((resolve) => setImmediate(resolve));
    await assert.rejects(reader.sendTo(collector().out), /already started/);
    reader.destroy();
  });
});
