import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Credentials } from './sign.js';

/** The hex SHA-256 an S3 request declares in x-amz-content-sha256 for a signed payload. */
export const sha256Hex = (body: string | Buffer) => createHash('sha256').update(body).digest('hex');

/** A finished request: status and (error or XML) body text. */
export interface S3Answer {
  status: number;
  text: string;
}

/** A streamed transfer, timed from the first byte of the request to the last byte of the answer. */
export interface Transfer extends S3Answer {
  bytes: number;
  seconds: number;
  /** PUT: when the last byte of the body was handed to the socket. */
  sentSeconds?: number;
  /** Hex SHA-256 of the bytes received (GET, unless asked not to hash). */
  sha256?: string;
}

/**
 * A path-style S3 client for the bench: SigV4 by @smithy/signature-v4 (service `s3`, paths not
 * escaped twice, as the SDK signs S3), one keep-alive agent, bodies streamed both ways.
 */
export interface S3BenchClient {
  /** SigV4 headers for a request; `payloadHash` is x-amz-content-sha256 (a hex digest or UNSIGNED-PAYLOAD). */
  sign(method: string, path: string, query: Record<string, string>, headers: Record<string, string>, payloadHash: string): Promise<Record<string, string>>;
  /** One small request with a signed body (setup: CreateBucket, PutBucketEncryption, …). */
  call(method: string, path: string, options?: { query?: Record<string, string>; body?: string }): Promise<S3Answer>;
  /** PUT of `length` bytes from `chunks`, UNSIGNED-PAYLOAD with a Content-Length, never buffered whole. */
  putStream(path: string, length: number, chunks: Iterable<Buffer>): Promise<Transfer>;
  /** GET read to the end and (unless `hash` is false) SHA-256'd, the bytes dropped as they arrive (as to /dev/null). */
  getStream(path: string, hash?: boolean): Promise<Transfer>;
  /**
   * The same GET read by curl into /dev/null: a client in C, lighter than node:http, so that on a
   * small machine the client's own CPU takes less of what the server could use. `clientSeconds` is
   * curl's CPU time; `seconds` its own time_total.
   */
  getWithCurl(path: string): Promise<Transfer & { clientSeconds: number }>;
  close(): void;
}

const queryString = (query: Record<string, string>) =>
  Object.entries(query)
    .map(([k, v]) => (v === '' ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`))
    .join('&');

export function s3Client(url: string, credentials: Credentials, region = 'us-east-1'): S3BenchClient {
  const { hostname, port, host } = new URL(url);
  const signer = new SignatureV4({ service: 's3', region, credentials, sha256: Hash.bind(null, 'sha256'), uriEscapePath: false, applyChecksum: false });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

  const sign: S3BenchClient['sign'] = async (method, path, query, headers, payloadHash) => {
    const request = new HttpRequest({
      method,
      protocol: 'http:',
      hostname,
      port: Number(port),
      path,
      query,
      headers: { host, 'x-amz-content-sha256': payloadHash, ...headers },
    });
    return (await signer.sign(request)).headers;
  };

  const fullPath = (path: string, query: Record<string, string>) => (Object.keys(query).length > 0 ? `${path}?${queryString(query)}` : path);

  return {
    sign,
    async call(method, path, options = {}) {
      const query = options.query ?? {};
      const body = options.body ?? '';
      const headers = await sign(method, path, query, { 'content-length': String(Buffer.byteLength(body)) }, sha256Hex(body));
      return new Promise((resolve, reject) => {
        const req = http.request({ agent, host: hostname, port: Number(port), method, path: fullPath(path, query), headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(body);
      });
    },
    async putStream(path, length, chunks) {
      const headers = await sign('PUT', path, {}, { 'content-length': String(length) }, 'UNSIGNED-PAYLOAD');
      const started = performance.now();
      const req = http.request({ agent, host: hostname, port: Number(port), method: 'PUT', path, headers });
      let answered = false;
      const answer = new Promise<S3Answer>((resolve, reject) => {
        req.on('response', (res) => {
          answered = true;
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8').slice(0, 500) }));
          res.on('error', reject);
        });
        req.on('error', reject);
      });
      // Surfaces a failed request even while the writer below waits for 'drain'.
      answer.catch(() => undefined);
      let sent = 0;
      for (const chunk of chunks) {
        if (answered || req.destroyed) break;
        sent += chunk.length;
        if (!req.write(chunk)) {
          await new Promise<void>((done) => {
            const finish = () => {
              req.off('drain', finish);
              req.off('close', finish);
              req.off('response', finish);
              done();
            };
            req.once('drain', finish);
            req.once('close', finish);
            req.once('response', finish);
          });
        }
      }
      // An early answer (a refusal) may leave the body unfinished: then the answer ends the wait.
      await Promise.race([new Promise<void>((done) => req.end(() => done())), answer.then(() => undefined, () => undefined)]);
      const sentSeconds = (performance.now() - started) / 1000;
      const { status, text } = await answer;
      return { status, text, bytes: sent, seconds: (performance.now() - started) / 1000, sentSeconds };
    },
    async getStream(path, hash = true) {
      const headers = await sign('GET', path, {}, {}, sha256Hex(''));
      const started = performance.now();
      return new Promise((resolve, reject) => {
        const req = http.request({ agent, host: hostname, port: Number(port), method: 'GET', path, headers }, (res) => {
          const digest = hash ? createHash('sha256') : undefined;
          let bytes = 0;
          const status = res.statusCode ?? 0;
          const head: Buffer[] = [];
          res.on('data', (c: Buffer) => {
            bytes += c.length;
            digest?.update(c);
            if (status !== 200 && bytes < 1000) head.push(c);
          });
          res.on('end', () =>
            resolve({
              status,
              text: status === 200 ? '' : Buffer.concat(head).toString('utf8').slice(0, 500),
              bytes,
              seconds: (performance.now() - started) / 1000,
              ...(digest ? { sha256: digest.digest('hex') } : {}),
            }),
          );
          res.on('error', reject);
          res.on('aborted', () => reject(new Error(`bench/s3-client: GET ${path} was cut short after ${bytes} bytes`)));
        });
        req.on('error', reject);
        req.end();
      });
    },
    async getWithCurl(path) {
      const headers = await sign('GET', path, {}, {}, sha256Hex(''));
      const args = ['-s', '-o', '/dev/null', '-w', '%{http_code} %{size_download} %{time_total}', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), `http://${host}${path}`];
      // bash's `times` prints the children's CPU (user, system) on its second line.
      const script = 'curl "$@"; echo; times';
      const out = await new Promise<string>((resolve, reject) =>
        execFile('bash', ['-c', script, 'curl', ...args], { maxBuffer: 1 << 20 }, (e, stdout) => (e ? reject(e) : resolve(stdout))),
      );
      const [result, , children] = out.trim().split('\n');
      const [code, size, total] = result!.trim().split(' ');
      const cpu = [...children!.matchAll(/(\d+)m([\d.]+)s/g)].reduce((n, m) => n + Number(m[1]) * 60 + Number(m[2]), 0);
      return { status: Number(code), text: '', bytes: Number(size), seconds: Number(total), clientSeconds: cpu };
    },
    close() {
      agent.destroy();
    },
  };
}

/** `<Code>` of an S3 error document. */
export const s3ErrorCode = (xml: string) => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1] ?? '';

/** PutBucketEncryption's document: default SSE-KMS with `keyArn`, bucket keys on or off. */
export function kmsDefaultEncryption(keyArn: string, bucketKeyEnabled: boolean): string {
  return (
    '<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule>' +
    `<ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>${keyArn}</KMSMasterKeyID></ApplyServerSideEncryptionByDefault>` +
    `<BucketKeyEnabled>${bucketKeyEnabled}</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`
  );
}

/** CreateBucket, then (if `encryption` is given) PutBucketEncryption; throws on any refusal. */
export async function createBucket(client: S3BenchClient, bucket: string, encryption?: string): Promise<void> {
  const created = await client.call('PUT', `/${bucket}`);
  if (created.status !== 200) throw new Error(`bench/s3-client: CreateBucket ${bucket} answered ${created.status}: ${created.text}`);
  if (encryption === undefined) return;
  const put = await client.call('PUT', `/${bucket}`, { query: { encryption: '' }, body: encryption });
  if (put.status !== 200) throw new Error(`bench/s3-client: PutBucketEncryption ${bucket} answered ${put.status}: ${put.text}`);
}
