/**
 * The V8 flags the server runs with: `bin/opencmk.js`'s shebang and `npm start` pass them, and the
 * tests and benchmarks start the server with them (a test checks that they agree).
 *
 * `--no-memory-reducer`: after ~8 s without much allocation V8's memory reducer shrinks the heap,
 * young generation included. A large GET that starts after such a pause sometimes ran with a young
 * generation that stayed small: every 64 KiB segment's fresh Buffer then meant constant scavenging
 * on four GC threads, and the GET took twice the CPU per MB (~0.9–1.1 instead of ~1.4–2.1 GB/s,
 * bench/RESULTS-objects.md). Without the reducer the heap keeps the size the traffic gave it.
 */
export const SERVER_NODE_FLAGS = ['--no-memory-reducer'] as const;
