import { execFileSync } from 'node:child_process';
import * as audit from './audit.js';
import * as kms from './kms.js';
import * as tenants from './tenants.js';
import { progress, toMarkdown, type Table } from './lib/report.js';

/** A benchmark suite: runs its targets one after the other and returns its tables. */
interface Suite {
  name: string;
  run(): Promise<Table[]>;
}

// One line per suite; `node dist/bench/index.js <name>` runs one, in this process.
const SUITES: Suite[] = [
  { name: 'kms', run: kms.run },
  { name: 'audit', run: audit.run },
  { name: 'tenants', run: tenants.run },
  { name: 'objects', run: async () => (await import('./objects.js')).run() },
];

/** The commit measured, and whether the working tree differed from it. */
function revision(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: import.meta.dirname, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', '../../src') ? ' with uncommitted changes in src/' : ''}`;
  } catch {
    return 'unknown revision';
  }
}

const only = process.argv.slice(2);
const child = process.env.BENCH_SUITE_CHILD === '1';
const started = Date.now();
if (!child) process.stdout.write(`## opencmk bench\n\n\`npm run bench\` at ${revision()}, ${new Date().toISOString().slice(0, 16)}Z.\n\n`);
if (only.length === 0) {
  // Each suite in a process of its own, after the page cache's dirty pages are written back: what
  // one suite leaves behind (a large heap, timers, disk writeback) must not slow the next.
  for (const suite of SUITES) {
    execFileSync('sync');
    execFileSync(process.execPath, [import.meta.filename, suite.name], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, BENCH_SUITE_CHILD: '1' } });
  }
} else {
  for (const suite of SUITES) {
    if (!only.includes(suite.name)) continue;
    for (const table of await suite.run()) process.stdout.write(toMarkdown(table) + '\n');
  }
}
if (!child) progress(`done in ${Math.round((Date.now() - started) / 1000)} s`);
