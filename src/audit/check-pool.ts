import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { gunzip as gunzipCallback } from 'node:zlib';
import type { CheckJob } from './check-worker.js';
import { checkLogFile, type FileCheck, type LogFileEntry } from './log-file-check.js';

const gunzip = promisify(gunzipCallback);

export interface CheckPool {
  check(location: string, gzipped: Buffer, entry: LogFileEntry): Promise<FileCheck>;
  close(): Promise<void>;
}

/**
 * Checks log files on `threads` worker threads (decompression and hashing are CPU-bound; each file
 * is independent), or inline when `threads` is 0.
 */
export function createCheckPool(threads = availableParallelism()): CheckPool {
  if (threads <= 0) {
    return {
      async check(location, gzipped, entry) {
        let bytes: Buffer | undefined;
        try {
          bytes = await gunzip(gzipped);
        } catch {
          bytes = undefined;
        }
        return checkLogFile(location, bytes, entry);
      },
      async close() {},
    };
  }
  const waiting = new Map<number, { resolve: (r: FileCheck) => void; reject: (e: unknown) => void }>();
  const idle: Worker[] = [];
  const queue: CheckJob[] = [];
  const all: Worker[] = [];
  let nextId = 1;
  const dispatch = () => {
    while (idle.length > 0 && queue.length > 0) {
      const job = queue.shift()!;
      idle.pop()!.postMessage(job);
    }
  };
  for (let i = 0; i < threads; i++) {
    const w = new Worker(new URL('./check-worker.js', import.meta.url));
    w.on('message', (m: { id: number; result: FileCheck }) => {
      const p = waiting.get(m.id);
      waiting.delete(m.id);
      idle.push(w);
      dispatch();
      p?.resolve(m.result);
    });
    w.on('error', (e) => {
      for (const p of waiting.values()) p.reject(e);
      waiting.clear();
    });
    all.push(w);
    idle.push(w);
  }
  return {
    check(location, gzipped, entry) {
      return new Promise((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, { resolve, reject });
        queue.push({ id, location, gzipped, entry });
        dispatch();
      });
    },
    async close() {
      await Promise.all(all.map((w) => w.terminate()));
    },
  };
}
