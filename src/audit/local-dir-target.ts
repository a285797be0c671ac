import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { DeliveredObject, DeliveryReader, DeliveryTarget } from './target.js';

/** The bucket name digests carry when delivery goes to a local directory. */
export const LOCAL_BUCKET = 'local';
/** Object metadata lives beside the object in `<key>.metadata.json` (S3 keeps it with the object). */
export const METADATA_SUFFIX = '.metadata.json';

function writeDurably(path: string, data: Buffer): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o640);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  // The rename is durable only once the directory is synced.
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/** Delivery into `<dir>/<key>` (keys are `AWSLogs/...`), each file fsynced before it counts as delivered. */
export function localDirTarget(dir: string): DeliveryTarget & DeliveryReader {
  const pathOf = (key: string) => {
    const path = join(dir, ...key.split('/'));
    if (relative(dir, path).startsWith('..')) throw new Error(`audit/local-dir: key ${key} escapes ${dir}`);
    return path;
  };
  return {
    bucket: LOCAL_BUCKET,
    async put(key, body, metadata) {
      writeDurably(pathOf(key), body);
      if (metadata) writeDurably(pathOf(key) + METADATA_SUFFIX, Buffer.from(JSON.stringify(metadata) + '\n'));
    },
    locate: pathOf,
    async get(key): Promise<DeliveredObject | undefined> {
      let body: Buffer;
      try {
        body = await readFile(pathOf(key));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
      let metadata: Record<string, string> = {};
      try {
        metadata = JSON.parse(await readFile(pathOf(key) + METADATA_SUFFIX, 'utf8')) as Record<string, string>;
      } catch {
        // No (readable) metadata: a digest without its signature, which the validator reports.
      }
      return { body, metadata };
    },
    async list(prefix) {
      const root = pathOf(prefix.replace(/\/+$/, ''));
      let entries: string[];
      try {
        entries = (await readdir(root, { recursive: true, withFileTypes: true }))
          .filter((e) => e.isFile())
          .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw e;
      }
      return entries
        .map((p) => relative(dir, p).split(sep).join('/'))
        .filter((k) => !k.endsWith(METADATA_SUFFIX) && !k.includes('.tmp-'))
        .sort();
    },
  };
}
