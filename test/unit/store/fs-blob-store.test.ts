// The file blob store (src/store/fs/blob-store.ts): appends land in order even while several are in
// flight, commits racing into new directories all land, nothing is visible before commit, and abort
// and sweep leave nothing behind.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createFsBlobStore } from '../../../src/store/fs/blob-store.js';

const pathOf = (root: string, id: string) => join(root, id.slice(0, 2), id.slice(2, 4), id);

async function readBlob(store: ReturnType<typeof createFsBlobStore>, id: string, size: number): Promise<Buffer> {
  const reader = await store.open(id);
  try {
    const out = Buffer.alloc(size);
    assert.equal(await reader.read(out, 0, size, 0), size);
    return out;
  } finally {
    await reader.close();
  }
}

describe('store/fs/blob-store', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'opencmk-blobs-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('keeps the order of appends that are in flight together, and shows the blob only once committed', async () => {
    const store = createFsBlobStore(root);
    const writer = await store.create();
    const pieces = Array.from({ length: 12 }, (_, i) => randomBytes(100_000 + i));
    await Promise.all(pieces.map((p, i) => writer.append(i % 2 ? [p] : [p.subarray(0, 10), p.subarray(10)])));
    assert.deepEqual(readdirSync(root).filter((n) => n !== 'tmp'), [], 'nothing outside tmp/ before commit');
    const { blobId, size } = await writer.commit();
    const expected = Buffer.concat(pieces);
    assert.equal(size, expected.length);
    assert.deepEqual(readFileSync(pathOf(root, blobId)), expected);
    assert.deepEqual(await readBlob(store, blobId, size), expected);
    assert.deepEqual(readdirSync(join(root, 'tmp')), []);
    assert.equal(statSync(pathOf(root, blobId)).mode & 0o777, 0o600);
  });

  it('lands every one of many commits racing into the same new directories', async () => {
    const store = createFsBlobStore(root);
    const bodies = Array.from({ length: 300 }, () => randomBytes(64));
    const written = await Promise.all(
      bodies.map(async (body) => {
        const writer = await store.create();
        await writer.append([body]);
        return writer.commit();
      }),
    );
    for (const [i, { blobId }] of written.entries()) assert.deepEqual(readFileSync(pathOf(root, blobId)), bodies[i]);
  });

  it('abort and sweep leave nothing behind', async () => {
    const store = createFsBlobStore(root);
    const aborted = await store.create();
    await aborted.append([randomBytes(1000)]);
    await aborted.abort();
    await aborted.abort();
    assert.deepEqual(readdirSync(join(root, 'tmp')), []);
    const kept = await store.create();
    await kept.append([Buffer.from('kept')]);
    const { blobId: keep } = await kept.commit();
    const orphan = await store.create();
    await orphan.append([Buffer.from('orphan')]);
    const { blobId: lost } = await orphan.commit();
    const crashed = await store.create(); // a crash before commit leaves a temporary
    await crashed.append([Buffer.from('half')]);
    assert.equal(await store.sweep(new Set([keep])), 2);
    assert.ok(existsSync(pathOf(root, keep)));
    assert.ok(!existsSync(pathOf(root, lost)));
    assert.deepEqual(readdirSync(join(root, 'tmp')), []);
    await crashed.abort();
  });

  it('refuses a blob id that is not one of its own', async () => {
    const store = createFsBlobStore(root);
    await assert.rejects(store.open('../../etc/passwd'), /bad blob id/);
  });
});
