// What the real clients send: @aws-sdk/client-s3, boto3 and the aws CLI, with their default
// settings, PUT to a capture server over HTTPS (where the SDKs stream aws-chunked bodies with a
// trailing checksum) and over plain HTTP. Every captured aws-chunked body must verify (seed
// signature), decode (in random splits) to the bytes sent, and carry the checksum we compute.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { PutObjectCommand, S3Client, type ChecksumAlgorithm as SdkChecksumAlgorithm } from '@aws-sdk/client-s3';
import { ChunkedError, chunkedModeFor, decodeAwsChunked, type ChunkedMode } from '../../../src/wire/s3-xml/chunked.js';
import { parseAuthorization, verifySignature, type RawRequest } from '../../../src/wire/http/sigv4.js';
import { checksumAlgorithmOfHeader, checksumOf, parseChecksumAlgorithm, toBase64 } from '../../../src/objects/checksums.js';

const run = promisify(execFile);
const ACCESS_KEY = 'AKIDCHUNKEDTEST';
const SECRET = 'chunked/test+secret';
const REGION = 'us-east-1';

/** Byte i is i mod 256: the same generator in Node and in the Python and shell children. */
const pattern = (length: number) => Buffer.from(Array.from({ length }, (_, i) => i & 0xff));

interface Captured {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

interface CaptureServer {
  endpoint: string;
  requests: Map<string, Captured>;
  close(): Promise<void>;
}

/** Records each request's exact body bytes and answers like S3 does to a PUT, so no client retries. */
async function captureServer(tls?: { key: Buffer; cert: Buffer }): Promise<CaptureServer> {
  const requests = new Map<string, Captured>();
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      const path = decodeURIComponent(req.url!.split('?')[0]!);
      requests.set(path, { method: req.method!, url: req.url!, headers: req.headers, body });
      res.writeHead(200, { etag: `"${createHash('md5').update(body).digest('hex')}"`, 'x-amz-request-id': 'CAPTURE', 'content-length': '0' });
      res.end();
    });
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const has = (command: string, args: string[]) => {
  try {
    return spawnSync(command, args, { stdio: 'ignore', timeout: 20_000 }).status === 0;
  } catch {
    return false;
  }
};
const HAS_OPENSSL = has('openssl', ['version']);
const HAS_BOTO3 = has('python3', ['-c', 'import boto3']);
const HAS_CLI = has('aws', ['--version']);

// Credentials and settings for the Python children only from here, never from ~/.aws.
const childEnv = (dir: string) => ({
  PATH: process.env.PATH ?? '',
  HOME: dir,
  AWS_ACCESS_KEY_ID: ACCESS_KEY,
  AWS_SECRET_ACCESS_KEY: SECRET,
  AWS_DEFAULT_REGION: REGION,
  AWS_CONFIG_FILE: join(dir, 'none'),
  AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
  PYTHONWARNINGS: 'ignore',
});

const BOTO3_SCRIPT = `
import io, sys, boto3
from botocore.config import Config
endpoint = sys.argv[1]
def pattern(n):
    return (bytes(range(256)) * (n // 256 + 1))[:n]
s3 = boto3.client('s3', endpoint_url=endpoint, verify=False,
                  config=Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 1}))
s3.put_object(Bucket='bucket', Key='boto3/put-object', Body=pattern(1000))
s3.upload_fileobj(io.BytesIO(pattern(3 * 1024 * 1024 + 5)), 'bucket', 'boto3/upload-fileobj')
s3.put_object(Bucket='bucket', Key='boto3/put-object-sha256', Body=pattern(4000), ChecksumAlgorithm='SHA256')
s3.put_object(Bucket='bucket', Key='boto3/put-object-sha1', Body=pattern(4000), ChecksumAlgorithm='SHA1')
s3.put_object(Bucket='bucket', Key='boto3/put-object-empty', Body=b'')
`;

interface Expectation {
  /** Path the request went to. */
  path: string;
  payload: Buffer;
  /** What the client sent: an aws-chunked mode, or a plain body. */
  sent?: ChunkedMode | 'plain';
}

/** Everything the S3 layer will do with a captured request, short of storing it. */
async function checkCaptured(captured: Captured, payload: Buffer, now: number): Promise<ChunkedMode | 'plain'> {
  const headers = Object.fromEntries(Object.entries(captured.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
  const raw: RawRequest = { method: captured.method, url: captured.url, headers, body: captured.body };
  const auth = parseAuthorization(raw);
  assert.equal(auth.accessKeyId, ACCESS_KEY);
  const contentSha256 = headers['x-amz-content-sha256'];
  const mode = chunkedModeFor(contentSha256);
  // The seed (header) signature: for aws-chunked, its payload hash is the STREAMING-… literal.
  await verifySignature(raw, auth, SECRET, now);
  const sdkAlgorithm = headers['x-amz-sdk-checksum-algorithm'];
  if (mode === undefined) {
    assert.ok(captured.body.equals(payload), 'plain body');
    assert.ok(contentSha256 === 'UNSIGNED-PAYLOAD' || contentSha256 === createHash('sha256').update(payload).digest('hex'));
    const checksumHeader = Object.keys(headers).find((name) => name.startsWith('x-amz-checksum-'));
    if (checksumHeader !== undefined) {
      assert.equal(headers[checksumHeader], toBase64(checksumOf(checksumAlgorithmOfHeader(checksumHeader)!, payload)), checksumHeader);
    }
    return 'plain';
  }
  const declaredTrailers = headers['x-amz-trailer']?.split(',');
  const decodedLength = Number(headers['x-amz-decoded-content-length']);
  for (const seed of [1, 2, 3]) {
    const stream = decodeAwsChunked({ mode, decodedLength, ...(declaredTrailers ? { declaredTrailers } : {}) });
    const out: Buffer[] = [];
    stream.on('data', (piece: Buffer) => out.push(piece));
    const done = new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    let offset = 0;
    while (offset < captured.body.length) {
      const n = 1 + ((offset * 7919 + seed * 104729) % (seed === 1 ? 17 : 70_000));
      stream.write(captured.body.subarray(offset, offset + n));
      offset += n;
    }
    stream.end();
    await done.catch((error: ChunkedError) => assert.fail(`${error.code}: ${error.message}`));
    assert.ok(Buffer.concat(out).equals(payload), 'decoded payload');
    assert.equal(stream.decodedBytes, payload.length);
    for (const name of declaredTrailers ?? []) {
      const algorithm = checksumAlgorithmOfHeader(name);
      assert.ok(algorithm, `known checksum trailer ${name}`);
      assert.equal(stream.trailers[name], toBase64(checksumOf(algorithm, payload)), `${name} trailer`);
      if (sdkAlgorithm !== undefined) assert.equal(parseChecksumAlgorithm(sdkAlgorithm), algorithm);
    }
  }
  return mode;
}

const SDK_ALGORITHMS: SdkChecksumAlgorithm[] = ['CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];

/** PUTs with @aws-sdk/client-s3 and returns what each path should have received. */
async function putWithJsSdk(endpoint: string): Promise<Expectation[]> {
  const client = new S3Client({
    endpoint,
    forcePathStyle: true,
    region: REGION,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET },
    maxAttempts: 1,
    requestHandler: { httpsAgent: new https.Agent({ rejectUnauthorized: false }) },
  });
  const expectations: Expectation[] = [];
  const put = async (key: string, payload: Buffer, body: () => Buffer | Readable, algorithm?: SdkChecksumAlgorithm) => {
    await client.send(
      new PutObjectCommand({ Bucket: 'bucket', Key: key, Body: body(), ContentLength: payload.length, ...(algorithm ? { ChecksumAlgorithm: algorithm } : {}) }),
    );
    expectations.push({ path: `/bucket/${key}`, payload });
  };
  const small = pattern(1000);
  await put('js/buffer', small, () => small);
  // A stream in three 64 KiB pieces and a tail: the SDK makes one aws chunk per piece it reads.
  const large = pattern(3 * 65536 + 1234);
  const pieces = () => Readable.from([large.subarray(0, 65536), large.subarray(65536, 131072), large.subarray(131072, 196608), large.subarray(196608)]);
  await put('js/stream', large, pieces);
  for (const algorithm of SDK_ALGORITHMS) await put(`js/stream-${algorithm}`, large, pieces, algorithm);
  client.destroy();
  return expectations;
}

async function putWithBoto3(endpoint: string, dir: string): Promise<Expectation[]> {
  await run('python3', ['-c', BOTO3_SCRIPT, endpoint], { env: childEnv(dir), timeout: 60_000 });
  return [
    { path: '/bucket/boto3/put-object', payload: pattern(1000) },
    { path: '/bucket/boto3/upload-fileobj', payload: pattern(3 * 1024 * 1024 + 5) },
    { path: '/bucket/boto3/put-object-sha256', payload: pattern(4000) },
    { path: '/bucket/boto3/put-object-sha1', payload: pattern(4000) },
    { path: '/bucket/boto3/put-object-empty', payload: Buffer.alloc(0) },
  ];
}

async function putWithCli(endpoint: string, dir: string): Promise<Expectation[]> {
  const file = join(dir, 'upload.bin');
  const payload = pattern(1536 * 1024);
  writeFileSync(file, payload);
  const common = ['--endpoint-url', endpoint, '--no-verify-ssl'];
  await Promise.all([
    run('aws', ['s3', 'cp', file, 's3://bucket/cli/s3-cp', ...common], { env: childEnv(dir), timeout: 60_000 }),
    run('aws', ['s3api', 'put-object', '--bucket', 'bucket', '--key', 'cli/put-object', '--body', file, ...common], { env: childEnv(dir), timeout: 60_000 }),
  ]);
  return [
    { path: '/bucket/cli/s3-cp', payload },
    { path: '/bucket/cli/put-object', payload },
  ];
}

describe('aws-chunked bodies from real clients', { skip: !HAS_OPENSSL && 'openssl is needed for the HTTPS capture server' }, () => {
  let dir: string;
  let secure: CaptureServer;
  let plain: CaptureServer;
  /** The clients' uploads, started together in before() (the Python ones take seconds to start). */
  const uploads = new Map<string, Promise<Expectation[]>>();
  const started = (name: string, upload: () => Promise<Expectation[]>) => {
    const promise = upload();
    promise.catch(() => {}); // reported by the test that awaits it
    uploads.set(name, promise);
  };
  /** One line per request: client, scheme, path, what it sent; printed by the last test. */
  const seen: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'opencmk-chunked-'));
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
      { stdio: 'ignore' },
    );
    secure = await captureServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) });
    plain = await captureServer();
    started('js https', () => putWithJsSdk(secure.endpoint));
    started('js http', () => putWithJsSdk(plain.endpoint));
    if (HAS_BOTO3) {
      started('boto3 https', () => putWithBoto3(secure.endpoint, dir));
      started('boto3 http', () => putWithBoto3(plain.endpoint, dir));
    }
    if (HAS_CLI) started('cli https', () => putWithCli(secure.endpoint, dir));
  });

  after(async () => {
    await secure?.close();
    await plain?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function check(server: CaptureServer, expectations: Expectation[], client: string, wanted: (path: string) => ChunkedMode | 'plain') {
    const now = Date.now();
    for (const { path, payload } of expectations) {
      const captured = server.requests.get(path);
      assert.ok(captured, `no request captured for ${path}`);
      const sent = await checkCaptured(captured, payload, now);
      seen.push(`${client} ${server.endpoint.split(':')[0]} ${path}: ${sent} (${captured.headers['x-amz-content-sha256']}, ${captured.headers['content-encoding'] ?? 'no content-encoding'}, ${captured.headers['transfer-encoding'] ?? 'content-length'})`);
      assert.equal(sent, wanted(path), `${client} ${path}`);
    }
  }

  it('@aws-sdk/client-s3 over HTTPS: a Buffer goes plain, a stream goes unsigned-trailer', async () => {
    await check(secure, await uploads.get('js https')!, 'aws-sdk-js', (path) => (path === '/bucket/js/buffer' ? 'plain' : 'unsigned-trailer'));
  });

  it('@aws-sdk/client-s3 over plain HTTP: the same (no chunk signing there either)', async () => {
    await check(plain, await uploads.get('js http')!, 'aws-sdk-js', (path) => (path === '/bucket/js/buffer' ? 'plain' : 'unsigned-trailer'));
  });

  it('boto3 over HTTPS: every PutObject body goes unsigned-trailer', { skip: !HAS_BOTO3 && 'python3 with boto3 is not installed' }, async () => {
    await check(secure, await uploads.get('boto3 https')!, 'boto3', () => 'unsigned-trailer');
  });

  it('boto3 over plain HTTP: plain bodies with a signed payload hash and a checksum header', { skip: !HAS_BOTO3 && 'python3 with boto3 is not installed' }, async () => {
    await check(plain, await uploads.get('boto3 http')!, 'boto3', () => 'plain');
  });

  it('aws CLI (s3 cp, s3api put-object) over HTTPS: unsigned-trailer (over HTTP it is botocore as above)', { skip: !HAS_CLI && 'the aws CLI is not installed' }, async () => {
    await check(secure, await uploads.get('cli https')!, 'aws-cli', () => 'unsigned-trailer');
  });

  it('summary', (t) => {
    for (const line of seen) t.diagnostic(line);
  });
});
