import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { S3Client } from '@aws-sdk/client-s3';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { TestIdentity } from './accounts.js';

/**
 * An AWS SDK for JavaScript v3 S3 client for one test identity, with the SDK's default settings
 * (so PutObject sends a CRC32 trailer in an aws-chunked body), path-style and no retries.
 */
export function s3Client(url: string, who: TestIdentity, region = 'us-east-1'): S3Client {
  return new S3Client({
    endpoint: url,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: who.accessKeyId, secretAccessKey: who.secretAccessKey },
    maxAttempts: 1,
  });
}

/** What the SDK reports about an S3 error: the `<Code>` (error name), the HTTP status and the message. */
export interface S3Failure {
  name: string;
  status: number | undefined;
  message: string;
  error: Error & { Code?: string; $metadata?: { httpStatusCode?: number } };
}

/** Awaits an SDK call that must fail, and returns what the client saw. */
export async function s3Error(call: Promise<unknown>): Promise<S3Failure> {
  let error: unknown;
  try {
    await call;
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof Error, 'expected the S3 call to be refused, but it succeeded');
  const e = error as S3Failure['error'];
  return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message, error: e };
}

/** Awaits an SDK call that must fail with S3 error `code` and HTTP `status` (and `message`, when given). */
export async function rejectsS3(call: Promise<unknown>, code: string, status: number, message?: string | RegExp): Promise<S3Failure> {
  const f = await s3Error(call);
  assert.equal(f.name, code, `expected ${code}, got ${f.name} (${f.status}): ${f.message}`);
  assert.equal(f.status, status, `${code} should be sent with HTTP ${status}`);
  if (typeof message === 'string') assert.equal(f.message, message);
  else if (message) assert.match(f.message, message);
  return f;
}

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** CRC-32 (ISO-HDLC) as S3 sends it: the big-endian 4 bytes, base64. */
export function crc32Base64(data: Uint8Array): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(data) >>> 0);
  return out.toString('base64');
}

// CRC-64/NVME (poly 0xAD93D23594C93659 reflected = 0x9A6C9329AC4BC9B5, init and xorout all ones),
// written here from the Rocksoft parameters so the test does not check the server against itself.
const CRC64_TABLE = (() => {
  const poly = 0x9a6c9329ac4bc9b5n;
  const table: bigint[] = [];
  for (let i = 0n; i < 256n; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
    table.push(c);
  }
  return table;
})();

/** CRC-64/NVME as S3 sends it: the big-endian 8 bytes, base64. */
export function crc64nvmeBase64(data: Uint8Array): string {
  let c = 0xffffffffffffffffn;
  for (const byte of data) c = CRC64_TABLE[Number((c ^ BigInt(byte)) & 0xffn)]! ^ (c >> 8n);
  c ^= 0xffffffffffffffffn;
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(c);
  return out.toString('base64');
}
// Rocksoft check value for "123456789" (CRC-64/NVME: 0xAE8B14860A799888).
assert.equal(Buffer.from(crc64nvmeBase64(Buffer.from('123456789')), 'base64').toString('hex'), 'ae8b14860a799888');

/** Every regular file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? filesUnder(path) : e.isFile() ? [path] : [];
  });
}

/** The stored object blobs of a data directory (`blobs/ab/cd/<32 hex>`), not the write temporaries. */
export function blobFiles(dataDir: string): string[] {
  return filesUnder(join(dataDir, 'blobs')).filter((f) => /[/\\][0-9a-f]{2}[/\\][0-9a-f]{2}[/\\][0-9a-f]{32}$/.test(f));
}

/** The blob files that appeared while `action` ran (diffing the blobs directory before and after). */
export async function newBlobFiles(dataDir: string, action: () => Promise<unknown>): Promise<string[]> {
  const before = new Set(blobFiles(dataDir));
  await action();
  return blobFiles(dataDir).filter((f) => !before.has(f));
}

/** docs/formats.md §3.2: the 44-byte header, then segments of S plaintext bytes + a 16-byte tag. */
export const STREAM = { headerLength: 44, tagLength: 16, defaultSegmentSize: 65536 } as const;

/** Where segment `i` starts in an object stream of segment size `S`. */
export const segmentOffset = (i: number, S: number = STREAM.defaultSegmentSize) => STREAM.headerLength + i * (S + STREAM.tagLength);

/** docs/formats.md §3.2: ciphertextLength(L, S) = 44 + L + 16·n. */
export function ciphertextLength(L: number, S: number = STREAM.defaultSegmentSize): number {
  const n = L === 0 ? 1 : Math.ceil(L / S);
  return STREAM.headerLength + L + STREAM.tagLength * n;
}

export const fileSize = (path: string) => statSync(path).size;
export const readAll = (path: string) => readFileSync(path);

export interface RawS3Response {
  status: number;
  headers: Headers;
  body: Buffer;
  text: string;
}

/**
 * A hand-made S3 request, SigV4-signed (header auth, service s3, payload hash as sent) with the
 * SDK's own signer: for headers no SDK command lets you send (e.g. SSE headers on a GET).
 */
export async function s3Raw(
  url: string,
  who: TestIdentity,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: Buffer; region?: string; query?: Record<string, string> } = {},
): Promise<RawS3Response> {
  const target = new URL(path, url);
  const body = options.body ?? Buffer.alloc(0);
  const signer = new SignatureV4({
    credentials: { accessKeyId: who.accessKeyId, secretAccessKey: who.secretAccessKey },
    region: options.region ?? 'us-east-1',
    service: 's3',
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: false,
  });
  const signed = await signer.sign(
    new HttpRequest({
      method,
      protocol: target.protocol,
      hostname: target.hostname,
      port: Number(target.port),
      path: target.pathname,
      ...(options.query ? { query: options.query } : {}),
      headers: { host: target.host, 'x-amz-content-sha256': sha256(body), ...options.headers },
      body,
    }),
  );
  const { host: _host, ...headers } = signed.headers as Record<string, string>;
  if (options.query) for (const [k, v] of Object.entries(options.query)) target.searchParams.set(k, v);
  const res = await fetch(target, { method, headers, ...(method === 'GET' || method === 'HEAD' ? {} : { body: new Uint8Array(body) }) });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body: bytes, text: bytes.toString('utf8') };
}

/** The `<Code>` of an S3 XML error document. */
export const xmlCode = (text: string) => /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
/** The `<Message>` of an S3 XML error document. */
export const xmlMessage = (text: string) => /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
