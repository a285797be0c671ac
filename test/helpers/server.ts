import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { SERVER_NODE_FLAGS } from '../../src/cli/node-flags.js';
import { accountsConfig } from './accounts.js';

const BIN = resolve(import.meta.dirname, '../../../bin/opencmk.js');

export interface ServerProcess {
  url: string;
  port: number;
  dataDir: string;
  child: ChildProcess;
  /** Everything the server printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM and wait; `keepData` leaves the data directory for a restart. */
  stop(options?: { keepData?: boolean }): Promise<void>;
  /** SIGKILL (a crash) and wait; the data directory stays. */
  kill(): Promise<void>;
}

export interface ServerOptions {
  /** Extra config merged over the default (accounts of test/helpers/accounts.ts, loopback, port 0). */
  config?: Record<string, unknown>;
  dataDir?: string;
  env?: Record<string, string>;
  /** Identity policies by principal ARN. */
  policies?: Record<string, unknown[]>;
  /** Start with no accounts in the config (bootstrap path). */
  bootstrap?: boolean;
  /** node's own flags, before the script (default: the server's, src/cli/node-flags.ts). */
  nodeFlags?: readonly string[];
}

/** Starts `opencmk serve` as a real child process on a free port with a temp data directory. */
export async function startServerProcess(options: ServerOptions = {}): Promise<ServerProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'opencmk-test-'));
  const config = {
    server: { host: '127.0.0.1', port: 0 },
    region: 'us-east-1',
    dataDir,
    ...(options.bootstrap ? {} : { accounts: accountsConfig(options.policies) }),
    logging: { level: 'warn' },
    ...options.config,
  };
  const configFile = join(dataDir, 'test-config.yaml');
  writeFileSync(configFile, stringify(config));
  const child = spawn(process.execPath, [...(options.nodeFlags ?? SERVER_NODE_FLAGS), BIN, 'serve', '--config', configFile], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = await new Promise<string>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20_000);
    const check = () => {
      const m = /listening on (https?:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolvePromise(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    child,
    output: () => output,
    async stop(stopOptions = {}) {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      if (!stopOptions.keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
