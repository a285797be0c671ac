import assert from 'node:assert/strict';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { TestIdentity } from './accounts.js';
import { CUSTOMER, OUTSIDER, PROVIDER, PROVIDER2 } from './accounts.js';
import { python, type CliResult } from './clients.js';

export const DAY_SECONDS = 86_400;
export const DAY_MS = DAY_SECONDS * 1000;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Awaits an AWS SDK call that must fail with the AWS error `name` (the JSON `__type`), HTTP 400,
 * and, when given, `message` (exact text, or a pattern where AWS's text is not fixed).
 */
export async function rejectsKms(call: Promise<unknown>, name: string, message?: string | RegExp): Promise<Error> {
  let error: unknown;
  try {
    await call;
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof Error, `expected ${name}, but the call succeeded`);
  assert.equal(error.name, name, `expected ${name}, got ${error.name}: ${error.message}`);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  assert.equal(status, 400, `${name} should be sent with HTTP 400`);
  if (typeof message === 'string') assert.equal(error.message, message);
  else if (message) assert.match(error.message, message);
  return error;
}

// docs/formats.md §1: u8 version ‖ keyId[16] ‖ u32 material ‖ nonce[12] ‖ ciphertext ‖ tag[16].
export const BLOB = { version: 0, keyId: 1, material: 17, nonce: 21, body: 33, headerLength: 33, tagLength: 16 } as const;

/** The key material version a ciphertext blob names (big-endian u32 at bytes 17..21). */
export function materialVersion(blob: Uint8Array): number {
  return Buffer.from(blob).readUInt32BE(BLOB.material);
}

/** A copy of `blob` with the byte at `index` (negative: from the end) XORed with `mask`. */
export function flipByte(blob: Uint8Array, index: number, mask = 0x01): Uint8Array {
  const copy = Buffer.from(blob);
  const at = index < 0 ? copy.length + index : index;
  copy[at] = copy[at]! ^ mask;
  return new Uint8Array(copy);
}

/** Records the name of every command a client completed successfully (e.g. `Encrypt`). */
export function trackOperations(client: KMSClient, seen: Set<string>): KMSClient {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      seen.add(String(context.commandName).replace(/Command$/, ''));
      return out;
    },
    { step: 'initialize', name: 'opencmkTrackOperations' },
  );
  return client;
}

const IDENTITIES: Record<string, TestIdentity> = { CUSTOMER, PROVIDER, PROVIDER2, OUTSIDER };

/**
 * The environment the boto3 scripts in test/wire/boto3/ read: the endpoint, and for each test
 * identity `<NAME>_ACCESS_KEY_ID`, `<NAME>_SECRET_ACCESS_KEY`, `<NAME>_ACCOUNT_ID` and `<NAME>_ARN`;
 * `extra` is applied last, so it can override any of them.
 */
export function boto3Env(url: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = { OPENCMK_URL: url, AWS_EC2_METADATA_DISABLED: 'true', PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' };
  for (const [name, who] of Object.entries(IDENTITIES)) {
    env[`${name}_ACCESS_KEY_ID`] = who.accessKeyId;
    env[`${name}_SECRET_ACCESS_KEY`] = who.secretAccessKey;
    env[`${name}_ACCOUNT_ID`] = who.accountId;
    env[`${name}_ARN`] = who.arn;
  }
  return { ...env, ...extra };
}

/**
 * Runs a boto3 script, asserts it exited 0 (showing its stderr otherwise) and returns the JSON
 * object it printed on its last stdout line.
 */
export async function runBoto3(script: string, env: Record<string, string>): Promise<{ result: CliResult; json: any }> {
  const result = await python(script, env);
  assert.equal(result.code, 0, `${script} failed (exit ${result.code}):\n${result.stderr}\n${result.stdout}`);
  const last = result.stdout.trim().split('\n').pop() ?? '';
  let json: unknown;
  try {
    json = JSON.parse(last);
  } catch {
    assert.fail(`${script} did not print a JSON line last:\n${result.stdout}`);
  }
  return { result, json };
}

/**
 * Operations of the dispatch table that the asymmetric/MAC suites cover, not the key-service wire
 * suites (kms-sdk, kms-boto3). Every other operation in the table must be exercised by each of them.
 */
export const OPERATIONS_COVERED_ELSEWHERE = new Set(['Sign', 'Verify', 'GetPublicKey', 'GenerateMac', 'VerifyMac', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext', 'DeriveSharedSecret']);

/** The operation names (`Encrypt`, …) a key-service wire suite must exercise, from a dispatch table. */
export function operationsToCover(table: Record<string, unknown>): string[] {
  return Object.keys(table)
    .map((target) => target.replace(/^TrentService\./, ''))
    .filter((op) => !OPERATIONS_COVERED_ELSEWHERE.has(op))
    .sort();
}
