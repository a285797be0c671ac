// The header-form SigV4 verifier (src/wire/http/sigv4-verifier.ts) against the full
// `SignatureV4.sign()` path it replaced: requests signed by the real AWS SDK (KMS and S3 clients)
// and by @smithy/signature-v4 directly (odd header values, repeated and empty query parameters,
// paths with spaces, dots and Unicode), received over node:http as the server receives them.
// Both paths must compute the client's signature for every request, and the same (wrong) one for
// every tampered copy.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateAliasCommand, CreateKeyCommand, EncryptCommand, KMSClient, ListAliasesCommand } from '@aws-sdk/client-kms';
import { CopyObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { AuthError, parseAuthorization, verifySignature, type RawRequest, type SignedRequestInfo } from '../../../src/wire/http/sigv4.js';
import { expectedSignature, signingKey } from '../../../src/wire/http/sigv4-verifier.js';

const ACCESS_KEY = 'AKIDVERIFIERTEST';
const SECRET = 'verifier/test+secret';
const REGION = 'eu-west-1';

function parseQuery(search: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(search)) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return query;
}

const header = (raw: RawRequest, name: string) => {
  const v = raw.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};

/** The verifier as it was before sigv4-verifier.ts: a full `SignatureV4.sign()` of the signed headers. */
async function referenceSignature(raw: RawRequest, info: SignedRequestInfo, secretAccessKey: string): Promise<string> {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(info.amzDate)!;
  const signedAt = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  const q = raw.url.indexOf('?');
  const headers: Record<string, string> = {};
  for (const name of info.signedHeaders) headers[name] = header(raw, name)!;
  const request = new HttpRequest({
    method: raw.method,
    protocol: 'http:',
    hostname: headers.host ?? '',
    path: q < 0 ? raw.url : raw.url.slice(0, q),
    query: q < 0 ? {} : parseQuery(raw.url.slice(q + 1)),
    headers,
    body: raw.body,
  });
  const signer = new SignatureV4({
    credentials: { accessKeyId: info.accessKeyId, secretAccessKey },
    region: info.region,
    service: info.service,
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: info.service !== 's3',
    applyChecksum: false,
  });
  const signed = await signer.sign(request, {
    signingDate: signedAt,
    signingRegion: info.region,
    signingService: info.service,
    signableHeaders: new Set(info.signedHeaders),
  });
  return /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization))![1]!;
}

/** What the new verifier computes for the same request (the part of verifySignature after the checks). */
function newSignature(raw: RawRequest, info: SignedRequestInfo, secretAccessKey: string): Promise<string> {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(info.amzDate)!;
  const signedAt = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  const q = raw.url.indexOf('?');
  const headers: Record<string, string> = {};
  for (const name of info.signedHeaders) headers[name] = header(raw, name)!;
  const parts = { method: raw.method, path: q < 0 ? raw.url : raw.url.slice(0, q), query: q < 0 ? {} : parseQuery(raw.url.slice(q + 1)), headers, body: raw.body };
  return expectedSignature(parts, new Set(info.signedHeaders), secretAccessKey, signedAt, info.region, info.service);
}

interface Captured {
  label: string;
  raw: RawRequest;
}

/** Records every request as node:http hands it to our server, and answers 200 with an empty body. */
async function captureServer(): Promise<{ endpoint: string; captured: Captured[]; label: (l: string) => void; close(): Promise<void> }> {
  const captured: Captured[] = [];
  let current = '';
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (p: Buffer) => parts.push(p));
    req.on('end', () => {
      captured.push({ label: current, raw: { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(parts) } });
      const json = typeof req.headers['x-amz-target'] === 'string';
      res.writeHead(200, { 'content-type': json ? 'application/x-amz-json-1.1' : 'application/xml', 'content-length': json ? 2 : 0 });
      res.end(json ? '{}' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    captured,
    label: (l) => (current = l),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// URI encoding as the SDKs put a query on the wire (RFC 3986 unreserved characters only).
const escape = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** A request signed by @smithy/signature-v4 directly and sent with node:http. */
interface DirectCase {
  label: string;
  service: 'kms' | 's3';
  method: string;
  /** As sent: already percent-encoded. */
  path: string;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string | string[]>;
  body?: string;
  /** Headers to sign that SigV4 would leave out by default (user-agent, …). */
  signable?: string[];
}

const DIRECT: DirectCase[] = [
  { label: 'kms: plain JSON call', service: 'kms', method: 'POST', path: '/', headers: { 'x-amz-target': 'TrentService.ListKeys', 'content-type': 'application/x-amz-json-1.1' }, body: '{}' },
  {
    label: 'kms: header values with runs of spaces and tabs',
    service: 'kms',
    method: 'POST',
    path: '/',
    headers: { 'x-amz-target': 'TrentService.Encrypt', 'X-Amz-Meta-Odd': 'a   b \t c', 'x-amz-meta-quoted': '"  x  y  "' },
    body: '{"KeyId":"alias/ünïcode","Plaintext":"AAAA"}',
  },
  { label: 'kms: a path with dots, double slashes and a space', service: 'kms', method: 'POST', path: '/a/./b//c/../d%20e/', body: '{}' },
  { label: 'kms: a Unicode path', service: 'kms', method: 'GET', path: `/${escape('ключ')}/${escape('日本')}` },
  {
    label: 'kms: repeated, empty and reserved-character query parameters',
    service: 'kms',
    method: 'GET',
    path: '/',
    query: { b: ['2', '1', '10'], a: '', 'c d': 'x+y=z&w', 'ü': 'é/~', Action: 'List' },
  },
  {
    label: 'kms: user-agent and date signed on request',
    service: 'kms',
    method: 'POST',
    path: '/',
    headers: { 'user-agent': 'odd/1.0  (x)', 'x-amz-target': 'TrentService.ListKeys' },
    body: '{}',
    signable: ['user-agent'],
  },
  {
    label: 's3: a key with spaces and Unicode, not escaped twice',
    service: 's3',
    method: 'PUT',
    path: `/bucket/${escape('my file ünï+code (1).txt')}`,
    headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'x-amz-meta-note': '  padded   value  ' },
    body: 'hello',
  },
  { label: 's3: a key with dots and slashes kept as sent', service: 's3', method: 'GET', path: '/bucket/a/./b//c/../d', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } },
  {
    label: 's3: list with prefix, delimiter and continuation token',
    service: 's3',
    method: 'GET',
    path: '/bucket',
    query: { 'list-type': '2', prefix: 'dir one/ü', delimiter: '/', 'continuation-token': 'a+b/c==', 'max-keys': '7' },
    headers: { 'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
  },
  { label: 's3: a sub-resource with an empty value', service: 's3', method: 'GET', path: '/bucket/key', query: { tagging: '', versionId: 'v 1' }, headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } },
  {
    label: 's3: a copy source with a Unicode key, and a header sent twice',
    service: 's3',
    method: 'PUT',
    path: '/bucket/dest',
    headers: { 'x-amz-copy-source': `/src/${escape('ключ 1')}`, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'x-amz-meta-twice': ['one', 'two'] },
  },
];

async function sendDirect(endpoint: string, c: DirectCase): Promise<void> {
  const url = new URL(endpoint);
  const signer = new SignatureV4({
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET },
    region: REGION,
    service: c.service,
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: c.service !== 's3',
    applyChecksum: false,
  });
  // What node:http will put on the wire for a header given twice: one value, joined by ", ".
  const joined = Object.fromEntries(Object.entries(c.headers ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
  const signed = await signer.sign(
    new HttpRequest({
      method: c.method,
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: c.path,
      query: c.query ?? {},
      headers: { host: url.host, ...joined, ...(c.body !== undefined ? { 'content-length': String(Buffer.byteLength(c.body)) } : {}) },
      ...(c.body !== undefined ? { body: c.body } : {}),
    }),
    c.signable ? { signableHeaders: new Set(c.signable) } : {},
  );
  const search = Object.entries(c.query ?? {})
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((one) => `${escape(k)}=${escape(one)}`))
    .join('&');
  const headers: Record<string, string | string[]> = { ...signed.headers };
  for (const [k, v] of Object.entries(c.headers ?? {})) if (Array.isArray(v)) headers[k] = v;
  await new Promise<void>((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method: c.method, path: c.path + (search ? `?${search}` : ''), headers }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end(c.body);
  });
}

async function sendWithSdks(endpoint: string, label: (l: string) => void): Promise<void> {
  const credentials = { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET };
  const kms = new KMSClient({ endpoint, region: REGION, credentials, maxAttempts: 1 });
  const s3 = new S3Client({ endpoint, region: REGION, credentials, forcePathStyle: true, maxAttempts: 1 });
  // The capture server's empty answers do not parse as every output shape: only the request matters here.
  const send = async (l: string, call: () => Promise<unknown>) => {
    label(l);
    await call().catch(() => {});
  };
  await send('sdk kms: CreateKey with a Unicode description', () => kms.send(new CreateKeyCommand({ Description: 'clé — ключ 日本 "quoted"  spaced' })));
  await send('sdk kms: Encrypt with an encryption context', () =>
    kms.send(new EncryptCommand({ KeyId: 'alias/x', Plaintext: Buffer.from('hi'), EncryptionContext: { 'ü k': 'v/=+' } })),
  );
  await send('sdk kms: CreateAlias', () => kms.send(new CreateAliasCommand({ AliasName: 'alias/a b', TargetKeyId: '1234abcd-12ab-34cd-56ef-1234567890ab' })));
  await send('sdk kms: ListAliases', () => kms.send(new ListAliasesCommand({ Limit: 5 })));
  await send('sdk s3: PutObject, a key with spaces and Unicode', () =>
    s3.send(new PutObjectCommand({ Bucket: 'bucket', Key: 'dir one/ünï code+(1)~!.txt', Body: 'hello', Metadata: { note: 'a  b' } })),
  );
  await send('sdk s3: GetObject with a range and response overrides', () =>
    s3.send(new GetObjectCommand({ Bucket: 'bucket', Key: 'a/./b//c', Range: 'bytes=0-3', ResponseContentDisposition: 'attachment; filename="ü x.txt"' })),
  );
  await send('sdk s3: ListObjectsV2 with prefix and delimiter', () =>
    s3.send(new ListObjectsV2Command({ Bucket: 'bucket', Prefix: 'dir one/ü', Delimiter: '/', MaxKeys: 3, StartAfter: 'a+b' })),
  );
  await send('sdk s3: CopyObject from a Unicode key', () => s3.send(new CopyObjectCommand({ Bucket: 'bucket', Key: 'dest key', CopySource: `src/${encodeURIComponent('ключ 1.txt')}` })));
  kms.destroy();
  s3.destroy();
}

/** Copies of a request with one signed thing changed: each must fail on both paths alike. */
function tampered(raw: RawRequest, info: SignedRequestInfo): { what: string; raw: RawRequest }[] {
  const out: { what: string; raw: RawRequest }[] = [];
  const q = raw.url.indexOf('?');
  const path = q < 0 ? raw.url : raw.url.slice(0, q);
  const search = q < 0 ? '' : raw.url.slice(q);
  out.push({ what: 'path', raw: { ...raw, url: `${path}x${search}` } });
  out.push({ what: 'query', raw: { ...raw, url: `${path}${search ? `${search}&z=1` : '?z=1'}` } });
  // A body is signed through its hash, unless the signed x-amz-content-sha256 says UNSIGNED-PAYLOAD.
  if (raw.body.length > 0 && !info.signedHeaders.includes('x-amz-content-sha256')) out.push({ what: 'body', raw: { ...raw, body: Buffer.concat([raw.body, Buffer.from(' ')]) } });
  const name = info.signedHeaders.find((h) => h !== 'host' && h !== 'x-amz-date' && h !== 'authorization');
  if (name) out.push({ what: `header ${name}`, raw: { ...raw, headers: { ...raw.headers, [name]: `${header(raw, name)}0` } } });
  out.push({ what: 'method', raw: { ...raw, method: raw.method === 'GET' ? 'HEAD' : 'GET' } });
  return out;
}

describe('SigV4 verifier: agrees with SignatureV4.sign()', () => {
  let captured: Captured[] = [];
  before(async () => {
    const server = await captureServer();
    try {
      for (const c of DIRECT) {
        server.label(`direct ${c.label}`);
        await sendDirect(server.endpoint, c);
      }
      await sendWithSdks(server.endpoint, server.label);
    } finally {
      await server.close();
    }
    captured = server.captured;
  });

  it('captured every request', () => {
    assert.ok(captured.length >= DIRECT.length + 8, `only ${captured.length} requests captured: ${captured.map((c) => c.label).join('; ')}`);
    for (const c of DIRECT) assert.ok(captured.some((x) => x.label === `direct ${c.label}`), `missing: ${c.label}`);
  });

  it('both paths compute the client\'s signature for every request, and verifySignature accepts it', async () => {
    for (const { label, raw } of captured) {
      const info = parseAuthorization(raw);
      const theirs = await referenceSignature(raw, info, SECRET);
      const ours = await newSignature(raw, info, SECRET);
      assert.equal(theirs, info.signature, `reference path: ${label}`);
      assert.equal(ours, info.signature, `new path: ${label}`);
      await verifySignature(raw, info, SECRET, Date.now());
    }
  });

  it('both paths compute the same wrong signature for every tampered copy, and verifySignature refuses it', async () => {
    let checked = 0;
    for (const { label, raw } of captured) {
      const info = parseAuthorization(raw);
      for (const t of tampered(raw, info)) {
        const theirs = await referenceSignature(t.raw, info, SECRET);
        const ours = await newSignature(t.raw, info, SECRET);
        assert.equal(ours, theirs, `${label}, ${t.what} changed`);
        assert.notEqual(ours, info.signature, `${label}, ${t.what} changed: still verifies`);
        await assert.rejects(verifySignature(t.raw, info, SECRET, Date.now()), (e) => e instanceof AuthError && e.code === 'signature-mismatch');
        checked++;
      }
    }
    assert.ok(checked >= captured.length * 3);
  });

  it('both paths agree for another secret and another signing date', async () => {
    for (const { label, raw } of captured) {
      const info = parseAuthorization(raw);
      for (const variant of [
        { info, secret: 'another secret' },
        { info: { ...info, amzDate: '20240229T235959Z' }, secret: SECRET },
        // A date that is not one (13th month): both normalise it the same way.
        { info: { ...info, amzDate: '20241301T000000Z' }, secret: SECRET },
      ]) {
        assert.equal(await newSignature(raw, variant.info, variant.secret), await referenceSignature(raw, variant.info, variant.secret), label);
      }
    }
  });

  it('derives the signing key once per secret, day, region and service', () => {
    const a = signingKey(SECRET, '20260101', REGION, 'kms');
    assert.equal(signingKey(SECRET, '20260101', REGION, 'kms'), a, 'the cached key object');
    assert.notDeepEqual(signingKey(SECRET, '20260102', REGION, 'kms'), a);
    assert.notDeepEqual(signingKey(SECRET, '20260101', 'us-east-1', 'kms'), a);
    assert.notDeepEqual(signingKey(SECRET, '20260101', REGION, 's3'), a);
    assert.notDeepEqual(signingKey('other', '20260101', REGION, 'kms'), a);
  });
});
