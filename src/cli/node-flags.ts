// The V8 flag the server process is started with, and the check that it was.
//
// Every byte a GET or PUT moves passes through a fresh Buffer that node:crypto allocates outside the
// JS heap, one per 64 KiB segment. V8 counts such external bytes allocated since its last full GC
// against the old generation's limit, while the dead young ones are only released by a young
// collection, which external bytes alone trigger at a fixed threshold (twice V8's default maximum
// semi-space size). After an idle spell V8 shrinks that limit to ~8 MiB above the live heap, below
// the threshold, and each full GC that follows keeps it there: a full GC every few MiB streamed (a
// 1 GiB GET took twice the CPU at half the speed in about half the benchmark runs;
// bench/RESULTS-objects.md). A floor under the limit keeps the slack whatever V8 decides. V8 reads it
// only at start-up and NODE_OPTIONS does not accept it, so every launcher passes it: bin/opencmk.js's
// #! line, `npm start`, and the tests' and benchmarks' spawns.
export const SERVER_NODE_FLAGS: readonly string[] = ['--initial-old-space-size=64'];

/** The server flags `execArgv` (node's own options, before the script) lacks. */
export function missingNodeFlags(execArgv: readonly string[] = process.execArgv): string[] {
  return SERVER_NODE_FLAGS.filter((flag) => {
    const name = flag.split('=')[0]!;
    // V8 accepts its flags with underscores too.
    return !execArgv.some((arg) => arg.split('=')[0]!.replaceAll('_', '-') === name);
  });
}
