import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { SERVER_NODE_FLAGS } from '../../src/cli/node-flags.js';
import type { Credentials } from './sign.js';

/** A server process under test. */
export interface Target {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const BIN = resolve(import.meta.dirname, '../../../bin/opencmk.js');
const NOOP = resolve(import.meta.dirname, '../noop-server.js');
const STARTUP_MS = 30_000;
const KEEP_OUTPUT = 8192;

/** The one identity the bench signs with, declared in our server's config (moto accepts any). */
export const BENCH_ACCOUNT = '111122223333';
export const BENCH_PRINCIPAL = `arn:aws:iam::${BENCH_ACCOUNT}:user/admin`;
export const BENCH_CREDENTIALS: Credentials = {
  accessKeyId: 'AKIABENCH0000000001',
  secretAccessKey: 'bench-secret-0000000000000000000000001',
};

/** Spawns `command` and waits until its output matches `ready`, whose first group is the URL. */
function startProcess(command: string, args: string[], ready: RegExp, cleanup = () => {}): Promise<Target> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  // Keep only the tail: moto logs a line per request on stderr.
  const keep = (d: Buffer) => (output = (output + d.toString('utf8')).slice(-KEEP_OUTPUT));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return new Promise((resolvePromise, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      if (child.exitCode === null) child.kill('SIGKILL');
      cleanup();
      reject(new Error(`bench/servers: ${command} ${why}:\n${output}`));
    };
    const timer = setTimeout(() => fail(`did not start within ${STARTUP_MS} ms`), STARTUP_MS);
    const check = () => {
      const m = ready.exec(output);
      if (!m) return;
      clearTimeout(timer);
      child.stdout.off('data', check);
      child.stderr.off('data', check);
      child.off('exit', onExit);
      resolvePromise({
        url: m[1]!,
        pid: child.pid!,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(killer);
          cleanup();
        },
      });
    };
    const onExit = (code: number | null) => fail(`exited with ${code}`);
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.once('exit', onExit);
    child.once('error', (e) => fail(e.message));
  });
}

/**
 * `opencmk serve` on a free loopback port, over a fresh data directory that `stop()` removes.
 * `nodeArgs` go before the script, e.g. `--cpu-prof` (which NODE_OPTIONS does not accept);
 * `extraConfig` is merged over the top level of the config (e.g. `{ audit: { enabled: false } }`).
 */
export function startOpencmk(nodeArgs: string[] = [], extraConfig: Record<string, unknown> = {}): Promise<Target> {
  const dataDir = mkdtempSync(join(tmpdir(), 'opencmk-bench-'));
  const config = {
    server: { host: '127.0.0.1', port: 0 },
    dataDir,
    logging: { level: 'warn' },
    accounts: [{ id: BENCH_ACCOUNT, principals: [{ arn: BENCH_PRINCIPAL, accessKeys: [BENCH_CREDENTIALS] }] }],
    ...extraConfig,
  };
  const file = join(dataDir, 'bench-config.yaml');
  writeFileSync(file, stringify(config));
  return startProcess(process.execPath, [...SERVER_NODE_FLAGS, ...nodeArgs, BIN, 'serve', '--config', file], /listening on (https?:\/\/\S+)/, () =>
    rmSync(dataDir, { recursive: true, force: true }),
  );
}

/** The no-op node:http server (bench/noop-server.ts) in its own process. */
export function startNoop(): Promise<Target> {
  return startProcess(process.execPath, [NOOP], /listening on (https?:\/\/\S+)/);
}

/** The no-op object server (bench/lib/noop-object-server.ts) in its own process. */
export function startNoopObjects(): Promise<Target> {
  return startProcess(process.execPath, [resolve(import.meta.dirname, 'noop-object-server.js')], /listening on (https?:\/\/\S+)/);
}

function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePromise(port));
    });
  });
}

/** `moto_server` (the Python AWS mock) on a free loopback port. */
export async function startMoto(): Promise<Target> {
  const port = await freePort();
  return startProcess('moto_server', ['-H', '127.0.0.1', '-p', String(port)], /Running on (http:\/\/127\.0\.0\.1:\d+)/);
}

/** Starts our server, a no-op server and moto, in that order; if one fails, stops those already up. */
export async function startTargets(
  opencmk: () => Promise<Target>,
  noop: () => Promise<Target>,
): Promise<{ opencmk: Target; 'no-op': Target; moto: Target }> {
  const started: Target[] = [];
  const start = async (make: () => Promise<Target>) => {
    const target = await make();
    started.push(target);
    return target;
  };
  try {
    return { opencmk: await start(opencmk), 'no-op': await start(noop), moto: await start(startMoto) };
  } catch (e) {
    await Promise.all(started.map((t) => t.stop()));
    throw e;
  }
}
