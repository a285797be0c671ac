import type { IncomingMessage } from 'node:http';
import { objectError } from '../../objects/errors.js';
import type { BodyChecks } from '../../objects/body.js';
import { checksumAlgorithmOfHeader, parseChecksumAlgorithm, type ChecksumAlgorithm } from '../../objects/checksums.js';
import type { EncryptionRequest } from '../../objects/sse.js';
import type { Conditions } from '../../objects/operations/get-object.js';

/** Where a path-style request points: `/<bucket>/<key…>`. */
export interface Target {
  bucket?: string;
  key?: string;
  query: URLSearchParams;
}

/**
 * The bucket a virtual-hosted-style request names in its Host header (`<bucket>.<domain>[:port]`,
 * for one of `domains`), or undefined for a path-style request.
 */
export function bucketOfHost(host: string | undefined, domains: readonly string[]): string | undefined {
  if (!host) return undefined;
  const name = host.replace(/:\d+$/, '').toLowerCase();
  for (const domain of domains) {
    const suffix = `.${domain.toLowerCase()}`;
    if (name.length > suffix.length && name.endsWith(suffix)) return name.slice(0, -suffix.length);
  }
  return undefined;
}

/** Bucket, key and query of a request: from the path (path-style) or, given `hostBucket`, the Host header (virtual-hosted-style). */
export function parseTarget(url: string, hostBucket?: string): Target {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  const slash = path.indexOf('/', 1);
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw objectError('invalid-request', 'The request path is not valid percent-encoding.');
    }
  };
  if (hostBucket !== undefined) {
    const key = path.replace(/^\//, '');
    return { bucket: hostBucket, ...(key !== '' ? { key: decode(key) } : {}), query };
  }
  if (path === '/' || path === '') return { query };
  if (slash < 0) return { bucket: decode(path.slice(1)), query };
  const key = path.slice(slash + 1);
  return { bucket: decode(path.slice(1, slash)), ...(key !== '' ? { key: decode(key) } : {}), query };
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};

const STANDARD_HEADERS = ['cache-control', 'content-disposition', 'content-language', 'expires'];

/** Standard headers S3 keeps and returns, and Content-Encoding without the transfer's aws-chunked. */
export function storedHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of STANDARD_HEADERS) {
    const v = header(req, name);
    if (v !== undefined) out[name] = v;
  }
  const encoding = header(req, 'content-encoding')
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== 'aws-chunked')
    .join(',');
  if (encoding) out['content-encoding'] = encoding;
  return out;
}

/** S3 limits user-defined metadata to 2 KB (UTF-8 bytes of every name and value). */
export const MAX_USER_METADATA_BYTES = 2048;

export function userMetadata(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  let size = 0;
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith('x-amz-meta-') && value !== undefined) {
      const text = Array.isArray(value) ? value.join(',') : value;
      out[name.slice(11)] = text;
      size += Buffer.byteLength(name.slice(11)) + Buffer.byteLength(text);
    }
  }
  if (size > MAX_USER_METADATA_BYTES) {
    throw objectError('metadata-too-large', 'Your metadata headers exceed the maximum allowed metadata size', {
      Size: String(size),
      MaxSizeAllowed: String(MAX_USER_METADATA_BYTES),
    });
  }
  return out;
}

/**
 * SSE-C (customer-provided keys) is not offered: refuse its headers rather than ignore them, so a
 * client never believes only its own key can read an object stored otherwise.
 */
export function refuseCustomerKeys(req: IncomingMessage): void {
  for (const name of Object.keys(req.headers)) {
    if (name.startsWith('x-amz-server-side-encryption-customer-') || name.startsWith('x-amz-copy-source-server-side-encryption-customer-')) {
      // No object here is SSE-C, so a read gets S3's words for that; a write learns why.
      throw objectError(
        'invalid-request',
        req.method === 'GET' || req.method === 'HEAD'
          ? 'The encryption parameters are not applicable to this object.'
          : 'opencmk does not support SSE-C (customer-provided keys); use SSE-KMS (x-amz-server-side-encryption: aws:kms).',
      );
    }
  }
}

/** PutObject's conditional writes (If-None-Match: *, If-Match: <etag>). */
export function writeConditions(req: IncomingMessage): { ifMatch?: string; ifNoneMatch?: string } {
  const ifMatch = header(req, 'if-match');
  const ifNoneMatch = header(req, 'if-none-match');
  return { ...(ifMatch !== undefined ? { ifMatch } : {}), ...(ifNoneMatch !== undefined ? { ifNoneMatch } : {}) };
}

/** x-amz-server-side-encryption* request headers, validated as S3 does. */
export function encryptionRequest(req: IncomingMessage): EncryptionRequest {
  const algorithm = header(req, 'x-amz-server-side-encryption');
  if (algorithm !== undefined && algorithm !== 'AES256' && algorithm !== 'aws:kms') {
    throw objectError('invalid-argument', `The encryption method specified is not supported`, { ArgumentName: 'x-amz-server-side-encryption', ArgumentValue: algorithm });
  }
  const kmsKeyId = header(req, 'x-amz-server-side-encryption-aws-kms-key-id');
  const contextHeader = header(req, 'x-amz-server-side-encryption-context');
  let context: Record<string, string> | undefined;
  if (contextHeader !== undefined) {
    try {
      const parsed: unknown = JSON.parse(Buffer.from(contextHeader, 'base64').toString('utf8'));
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) throw new Error('not a map');
      context = parsed as Record<string, string>;
    } catch {
      throw objectError('invalid-argument', 'The header x-amz-server-side-encryption-context must be base64-encoded JSON of string keys and values.', {
        ArgumentName: 'x-amz-server-side-encryption-context',
      });
    }
    if ('aws:s3:arn' in context) {
      throw objectError('invalid-argument', 'The encryption context may not contain aws:s3:arn; S3 adds it.', { ArgumentName: 'x-amz-server-side-encryption-context' });
    }
  }
  const bucketKey = header(req, 'x-amz-server-side-encryption-bucket-key-enabled');
  return {
    ...(algorithm !== undefined ? { algorithm: algorithm as EncryptionRequest['algorithm'] & string } : {}),
    ...(kmsKeyId !== undefined ? { kmsKeyId } : {}),
    ...(context !== undefined ? { context } : {}),
    ...(bucketKey !== undefined ? { bucketKeyEnabled: bucketKey.toLowerCase() === 'true' } : {}),
  };
}

/** S3 refuses SSE request headers on reads (they belong to writes). */
export function refuseEncryptionHeaders(req: IncomingMessage): void {
  for (const name of ['x-amz-server-side-encryption', 'x-amz-server-side-encryption-aws-kms-key-id', 'x-amz-server-side-encryption-context']) {
    if (req.headers[name] !== undefined) {
      throw objectError('invalid-argument', `The ${name} header is not supported for this request.`, { ArgumentName: name });
    }
  }
}

export function conditions(req: IncomingMessage): Conditions {
  const date = (name: string) => {
    const v = header(req, name);
    if (v === undefined) return undefined;
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  };
  const c: Conditions = {};
  const ifMatch = header(req, 'if-match');
  const ifNoneMatch = header(req, 'if-none-match');
  const ims = date('if-modified-since');
  const ius = date('if-unmodified-since');
  if (ifMatch !== undefined) c.ifMatch = ifMatch;
  if (ifNoneMatch !== undefined) c.ifNoneMatch = ifNoneMatch;
  if (ims !== undefined) c.ifModifiedSince = ims;
  if (ius !== undefined) c.ifUnmodifiedSince = ius;
  return c;
}

/**
 * The integrity checks a write request asks for: Content-MD5, a signed payload digest, and a flexible
 * checksum named by x-amz-sdk-checksum-algorithm, an x-amz-checksum-* header or a declared trailer.
 */
export function bodyChecks(req: IncomingMessage, trailers: () => Record<string, string>): BodyChecks {
  const checks: BodyChecks = {};
  const md5 = header(req, 'content-md5');
  if (md5 !== undefined) {
    if (Buffer.from(md5, 'base64').length !== 16) throw objectError('invalid-digest', 'The Content-MD5 you specified was invalid.');
    checks.contentMd5 = md5;
  }
  const sha = header(req, 'x-amz-content-sha256');
  if (sha !== undefined && /^[0-9a-fA-F]{64}$/.test(sha)) checks.contentSha256 = sha;
  let algorithm: ChecksumAlgorithm | undefined;
  let value: string | undefined;
  for (const name of Object.keys(req.headers)) {
    const a = checksumAlgorithmOfHeader(name);
    if (a && a !== 'MD5') {
      if (algorithm !== undefined) throw objectError('invalid-request', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
      algorithm = a;
      value = header(req, name);
    }
  }
  const trailerNames = (header(req, 'x-amz-trailer') ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const name of trailerNames) {
    const a = checksumAlgorithmOfHeader(name);
    if (a) {
      algorithm = a;
      checks.expectedChecksum = () => trailers()[name];
    }
  }
  const sdk = header(req, 'x-amz-sdk-checksum-algorithm');
  if (algorithm === undefined && sdk !== undefined) {
    const a = parseChecksumAlgorithm(sdk);
    if (!a) throw objectError('invalid-request', `Value for x-amz-sdk-checksum-algorithm header is invalid.`);
    algorithm = a;
  }
  if (algorithm !== undefined) {
    checks.checksumAlgorithm = algorithm;
    if (value !== undefined) checks.expectedChecksum = () => value;
  }
  return checks;
}
