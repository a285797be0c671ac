import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BlobStore, BlobWriter } from '../object-types.js';

const ID = /^[0-9a-f]{32}$/;
/**
 * A blob being written is flushed to disk in the background every this many bytes, so that the
 * fsync before the answer waits for the last stretch only, not for the whole object.
 */
const BACKGROUND_SYNC_BYTES = 64 * 1024 * 1024;

/** Writes every byte of `buffers` at `position`, looping over short writes. */
async function writeAll(handle: FileHandle, buffers: readonly Buffer[], position: number): Promise<void> {
  let rest = buffers.filter((b) => b.length > 0);
  let at = position;
  while (rest.length > 0) {
    let { bytesWritten } = await handle.writev(rest, at);
    at += bytesWritten;
    while (rest.length > 0 && bytesWritten >= rest[0]!.length) bytesWritten -= rest.shift()!.length;
    if (bytesWritten > 0) rest[0] = rest[0]!.subarray(bytesWritten);
  }
}

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
  // The <ab> and <ab>/<cd> directories made (or being made) so far, never removed: each is made once,
  // and a commit into one waits until it, and its entry in its parent, are durable.
  const dirs = new Map<string, Promise<void>>();
  const ensureDir = (dir: string): Promise<void> => {
    let ready = dirs.get(dir);
    if (!ready) {
      const parent = dirname(dir);
      ready = (parent === root ? Promise.resolve() : ensureDir(parent)).then(() => makeDir(dir));
      dirs.set(dir, ready);
      ready.catch(() => dirs.delete(dir));
    }
    return ready;
  };

  /** Makes one directory (if it is not there yet) and syncs its parent, which gained the entry. */
  async function makeDir(dir: string): Promise<void> {
    try {
      await mkdir(dir, { mode: 0o700 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return;
      throw e;
    }
    await fsyncPath(dirname(dir));
  }

  async function fsyncPath(path: string): Promise<void> {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async function create(): Promise<BlobWriter> {
    const blobId = randomBytes(16).toString('hex');
    const temp = join(tmp, `${blobId}.part`);
    const handle = await open(temp, 'wx', 0o600);
    let size = 0;
    let syncedTo = 0;
    let syncing: Promise<void> | undefined;
    let syncError: unknown;
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await syncing;
      await handle.close();
    };
    return {
      async append(buffers) {
        // The position is taken now, so that appends may be in flight together and still land in order.
        const at = size;
        size += buffers.reduce((n, b) => n + b.length, 0);
        await writeAll(handle, buffers, at);
        if (size - syncedTo >= BACKGROUND_SYNC_BYTES && syncing === undefined) {
          syncedTo = size;
          syncing = handle.datasync().then(
            () => (syncing = undefined),
            (e: unknown) => {
              syncError = e;
              syncing = undefined;
            },
          );
        }
      },
      async commit() {
        await syncing;
        if (syncError !== undefined) throw syncError;
        const dir = dirOf(blobId);
        // The file's fsync and the making of its directory (with theirs) are independent: at once.
        await Promise.all([handle.sync(), ensureDir(dir)]);
        await close();
        await rename(temp, join(dir, blobId));
        await fsyncPath(dir);
        return { blobId, size };
      },
      async abort() {
        await close().catch(() => undefined);
        await rm(temp, { force: true });
      },
    };
  }

  return {
    create,
    async open(blobId) {
      const handle = await open(pathOf(blobId), 'r');
      return {
        read: async (buffer, offset, length, position) => (await handle.read(buffer, offset, length, position)).bytesRead,
        close: () => handle.close(),
      };
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
