import { execFile } from 'node:child_process';
import { KMSClient } from '@aws-sdk/client-kms';
import type { TestIdentity } from './accounts.js';

/** An AWS SDK for JavaScript v3 KMS client for one test identity. */
export function kmsClient(url: string, who: TestIdentity, region = 'us-east-1'): KMSClient {
  return new KMSClient({
    endpoint: url,
    region,
    credentials: { accessKeyId: who.accessKeyId, secretAccessKey: who.secretAccessKey },
    maxAttempts: 1,
  });
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real AWS CLI (`aws`) as `who` against the server; never throws on a non-zero exit. */
export function awsCli(url: string, who: TestIdentity, args: string[], region = 'us-east-1'): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      'aws',
      ['--endpoint-url', url, ...args],
      {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          AWS_ACCESS_KEY_ID: who.accessKeyId,
          AWS_SECRET_ACCESS_KEY: who.secretAccessKey,
          AWS_DEFAULT_REGION: region,
          AWS_MAX_ATTEMPTS: '1',
          AWS_PAGER: '',
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** Runs a Python 3 script (boto3) with the server URL and identity in its environment. */
export function python(script: string, env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      'python3',
      [script],
      { env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}
