import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { open, readdir, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobStore } from '../object-types.js';

const ID = /^[0-9a-f]{32}$/;

/**
 * Blobs as files under `<root>/ab/cd/<id>`. Ids are random, never object keys, so no object key can
 * name a path. A write goes to `<root>/tmp/`, is fsynced, renamed into place and its directory
 * fsynced before it resolves; a crash leaves at most a temporary or an unreferenced blob, both
 * removed by `sweep` at start.
 */
export function createFsBlobStore(root: string): BlobStore {
  const tmp = join(root, 'tmp');
  mkdirSync(tmp, { recursive: true, mode: 0o700 });
  const dirOf = (id: string) => join(root, id.slice(0, 2), id.slice(2, 4));
  const pathOf = (id: string) => {
    if (!ID.test(id)) throw new Error(`blob-store: bad blob id ${id}`);
    return join(dirOf(id), id);
  };

  async function fsyncPath(path: string): Promise<void> {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  return {
    async write(data, transforms = []) {
      const blobId = randomBytes(16).toString('hex');
      const temp = join(tmp, `${blobId}.part`);
      let size = 0;
      const out = createWriteStream(temp, { mode: 0o600 });
      try {
        await pipeline([data, ...transforms, out]);
        size = out.bytesWritten;
        await fsyncPath(temp);
        const dir = dirOf(blobId);
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        await rename(temp, join(dir, blobId));
        await fsyncPath(dir);
      } catch (e) {
        // A failed pipeline may reject before the file stream has even opened (and so created) the
        // file: wait for it to close, or the temporary would appear after we removed it.
        if (!out.closed) await new Promise<void>((done) => out.once('close', () => done()));
        await rm(temp, { force: true });
        throw e;
      }
      return { blobId, size };
    },
    read(blobId, range) {
      return createReadStream(pathOf(blobId), range ? { start: range.start, end: range.end } : {});
    },
    async delete(blobId) {
      await unlink(pathOf(blobId)).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
    },
    async sweep(keep) {
      let removed = 0;
      for (const name of await readdir(tmp)) {
        await rm(join(tmp, name), { force: true });
        removed++;
      }
      for (const a of await readdir(root)) {
        if (!/^[0-9a-f]{2}$/.test(a)) continue;
        for (const b of await readdir(join(root, a))) {
          for (const id of await readdir(join(root, a, b))) {
            if (!keep.has(id)) {
              await rm(join(root, a, b, id), { force: true });
              removed++;
            }
          }
        }
      }
      return removed;
    },
  };
}
