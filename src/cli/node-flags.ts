/**
 * V8 flags the server runs with: `bin/opencmk.js`'s shebang and `npm start` pass them, and the
 * benchmarks start the server with them (a test checks all three agree).
 *
 * `--initial-old-space-size=64`: streaming an object allocates a fresh Buffer per 64 KiB segment
 * (node:crypto has no in-place cipher). They die young, but with V8's default start-up limit the
 * small old generation leaves less slack than the young generation's size, so V8 keeps starting
 * full mark-compacts, ~40 a second at 1 GB/s (bench/RESULTS-objects.md). A 64 MB starting limit
 * lets scavenges collect them instead; it reserves nothing, memory is only used as it is needed.
 *
 * `--expose-gc`: lets src/util/reclaim.ts run a scavenge every 4 MiB streamed, so those dead
 * Buffers are freed within a few MiB instead of piling up to ~100 MB first.
 */
export const SERVER_NODE_FLAGS = ['--initial-old-space-size=64', '--max-semi-space-size=4', '--expose-gc'] as const;
