import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import type { TestIdentity } from './accounts.js';
import type { CliResult } from './clients.js';

const BIN = resolve(import.meta.dirname, '../../../bin/opencmk.js');

/** Runs the real `opencmk` CLI as a child process with `who`'s credentials in its environment. */
export function opencmkCli(url: string, who: TestIdentity | undefined, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          OPENCMK_ENDPOINT_URL: url,
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          AWS_EC2_METADATA_DISABLED: 'true',
          ...(who ? { AWS_ACCESS_KEY_ID: who.accessKeyId, AWS_SECRET_ACCESS_KEY: who.secretAccessKey } : {}),
          ...env,
        },
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}
