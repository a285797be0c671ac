import { parentPort } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import { checkLogFile, type LogFileEntry } from './log-file-check.js';

/** A validator thread: decompresses and checks the log files the pool sends it. */
export interface CheckJob {
  id: number;
  location: string;
  gzipped: Uint8Array;
  entry: LogFileEntry;
}

parentPort?.on('message', (job: CheckJob) => {
  let bytes: Buffer | undefined;
  try {
    bytes = gunzipSync(job.gzipped);
  } catch {
    bytes = undefined;
  }
  parentPort!.postMessage({ id: job.id, result: checkLogFile(job.location, bytes, job.entry) });
});
