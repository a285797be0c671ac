/**
 * Streams allocate a fresh Buffer for every 64 KiB segment they encrypt or decrypt (node:crypto has
 * no in-place cipher), and every socket read is one more. They die at once, but V8 frees a Buffer's
 * memory only when a scavenge finds it dead, and scavenges come when the young generation fills
 * with JS objects, which streaming barely makes: meanwhile ~100 MB of dead Buffers piled up in a
 * 2 GiB upload (bench/RESULTS-objects.md). So the object paths report the bytes they move here, and
 * every 4 MiB, process-wide, a scavenge runs (~0.2 ms). That needs `gc`, which the server's
 * `--expose-gc` flag provides (src/cli/node-flags.ts); without it this does nothing.
 */
const RECLAIM_EVERY_BYTES = 4 * 1024 * 1024;

const gc = (globalThis as { gc?: (options: { type: 'minor' }) => void }).gc;
let since = 0;

/** Counts `bytes` just streamed; runs a young-generation collection once 4 MiB have passed. */
export function streamed(bytes: number): void {
  if (gc === undefined) return;
  since += bytes;
  if (since < RECLAIM_EVERY_BYTES) return;
  since = 0;
  gc({ type: 'minor' });
}
