/**
 * Query-string SigV4 (presigned URLs) for S3 (S3 API Reference, "Authenticating Requests: Using
 * Query Parameters"): parse the six `X-Amz-*` parameters, check the validity window, and verify the
 * signature by re-signing with `@smithy/signature-v4` (the AWS SDK's own canonicalisation).
 *
 * The canonical request of a presigned URL is the usual one with the query minus
 * `X-Amz-Signature`, only the headers named in `X-Amz-SignedHeaders`, and `UNSIGNED-PAYLOAD` as the
 * payload hash. For S3 the path is used as sent (encoded once), not escaped again.
 *
 * @module
 */
import { timingSafeEqual } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * Why a presigned request was refused, with the S3 error it becomes:
 * `query-parameters` → AuthorizationQueryParametersError (400), `multiple-auth` → InvalidArgument
 * (400), `expired` and `not-yet-valid` → AccessDenied (403), `signature-mismatch` →
 * SignatureDoesNotMatch (403). The message is S3's text.
 */
export type PresignErrorCode = 'query-parameters' | 'multiple-auth' | 'expired' | 'not-yet-valid' | 'signature-mismatch';

export class PresignError extends Error {
  override readonly name = 'PresignError';
  readonly code: PresignErrorCode;
  /** Extra elements of S3's XML error, by element name (e.g. `X-Amz-Expires`, `Expires`, `ServerTime`). */
  readonly details: Readonly<Record<string, string>>;
  constructor(code: PresignErrorCode, message: string, details: Record<string, string> = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

/** The parsed `X-Amz-*` query parameters of a presigned URL (not yet verified). */
export interface PresignInfo {
  accessKeyId: string;
  /** Credential scope date, YYYYMMDD. */
  date: string;
  region: string;
  service: string;
  /** `X-Amz-Date`, e.g. 20240101T000000Z. */
  amzDate: string;
  /** `X-Amz-Date` in ms since the epoch. */
  signedAt: number;
  /** `X-Amz-Expires`, seconds. */
  expiresIn: number;
  /** `signedAt + expiresIn`, ms since the epoch. */
  expiresAt: number;
  signedHeaders: string[];
  signature: string;
  /** `X-Amz-Security-Token`, when the URL was signed with temporary credentials. */
  sessionToken?: string;
}

/** The request as received: method, target (path and query, still percent-encoded) and headers. */
export interface PresignedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

/** SigV4 keys are good for 7 days, so no presigned URL is (S3: "X-Amz-Expires must be less than a week"). */
export const MAX_PRESIGNED_EXPIRES = 604_800;
/** How far in the future `X-Amz-Date` may be, as for header signatures. */
export const MAX_PRESIGNED_SKEW_MS = 15 * 60_000;

const ALGORITHM = 'AWS4-HMAC-SHA256';
const AUTH_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires'] as const;

const queryError = (message: string) => new PresignError('query-parameters', message);
const missingParameters = () =>
  queryError(
    'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
  );
const signatureMismatch = () =>
  new PresignError(
    'signature-mismatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  );

/** The query's parameters in order, percent-decoded (a `+` stays a `+`: SigV4 clients encode spaces as %20). */
function queryParams(url: string): [string, string][] | undefined {
  const q = url.indexOf('?');
  if (q < 0) return [];
  const params: [string, string][] = [];
  for (const part of url.slice(q + 1).split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    try {
      params.push(eq < 0 ? [decodeURIComponent(part), ''] : [decodeURIComponent(part.slice(0, eq)), decodeURIComponent(part.slice(eq + 1))]);
    } catch {
      return undefined;
    }
  }
  return params;
}

const header = (headers: PresignedRequest['headers'], name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
};

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The presigned-URL parameters of a request target, or undefined when it carries none (no
 * `X-Amz-Algorithm`, `X-Amz-Credential` or `X-Amz-Signature`), so the caller tries header auth.
 * Throws `PresignError` when they are present but unusable, with S3's message.
 */
export function parsePresigned(url: string, headers: PresignedRequest['headers']): PresignInfo | undefined {
  const params = queryParams(url);
  if (params === undefined) {
    if (!/[?&]X-Amz-(Algorithm|Credential|Signature)=/.test(url)) return undefined;
    throw missingParameters();
  }
  const found = new Map<string, string[]>();
  for (const [name, value] of params) {
    if ((AUTH_PARAMS as readonly string[]).includes(name) || name === 'X-Amz-Security-Token') found.set(name, [...(found.get(name) ?? []), value]);
  }
  if (!found.has('X-Amz-Algorithm') && !found.has('X-Amz-Credential') && !found.has('X-Amz-Signature')) return undefined;
  if (header(headers, 'authorization') !== undefined) {
    throw new PresignError(
      'multiple-auth',
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
    );
  }
  const one = (name: string) => {
    const values = found.get(name);
    return values?.length === 1 ? values[0] : undefined;
  };
  const [algorithm, credential, signature, amzDate, signedHeaders, expires] = AUTH_PARAMS.map(one);
  if (!algorithm || !credential || !signature || !amzDate || !signedHeaders || !expires) throw missingParameters();
  if (algorithm !== ALGORITHM) throw queryError(`X-Amz-Algorithm only supports "${ALGORITHM}"`);
  const scope = credential.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request' || scope.slice(0, 4).some((part) => part === '') || !/^\d{8}$/.test(scope[1]!)) {
    throw queryError(
      'Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
    );
  }
  const [accessKeyId, date, region, service] = scope as [string, string, string, string, string];
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  const signedAt = m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : NaN;
  if (!m || Number.isNaN(signedAt) || iso(signedAt).replace(/[-:]/g, '') !== amzDate) {
    throw queryError('X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd\'T\'HHmmss\'Z\'"');
  }
  if (date !== amzDate.slice(0, 8)) {
    throw queryError(`Invalid credential date "${date}". This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`);
  }
  if (!/^-?\d{1,15}$/.test(expires)) throw queryError('X-Amz-Expires should be a number');
  const expiresIn = Number(expires);
  if (expiresIn < 0) throw queryError('X-Amz-Expires must be non-negative');
  if (expiresIn > MAX_PRESIGNED_EXPIRES) throw queryError(`X-Amz-Expires must be less than a week (in seconds) that is ${MAX_PRESIGNED_EXPIRES}`);
  const sessionToken = found.get('X-Amz-Security-Token');
  if (sessionToken !== undefined && sessionToken.length !== 1) throw queryError('X-Amz-Security-Token must be given once');
  return {
    accessKeyId,
    date,
    region,
    service,
    amzDate,
    signedAt,
    expiresIn,
    expiresAt: signedAt + expiresIn * 1000,
    signedHeaders: signedHeaders.split(';'),
    signature,
    ...(sessionToken ? { sessionToken: sessionToken[0]! } : {}),
  };
}

/**
 * Checks a presigned request at time `now` (ms): not yet valid, expired (S3's "Request has expired"
 * with `X-Amz-Expires`, `Expires` and `ServerTime`), then the signature under `secretAccessKey`.
 * Resolves when it verifies; rejects with `PresignError` otherwise. Does not check that the region,
 * service or access key are ours: that is the caller's.
 */
export async function verifyPresigned(raw: PresignedRequest, info: PresignInfo, secretAccessKey: string, now: number): Promise<void> {
  if (info.signedAt - now > MAX_PRESIGNED_SKEW_MS) throw new PresignError('not-yet-valid', 'Request is not valid yet');
  if (now > info.expiresAt) {
    throw new PresignError('expired', 'Request has expired', {
      'X-Amz-Expires': String(info.expiresIn),
      Expires: iso(info.expiresAt),
      ServerTime: iso(now),
    });
  }
  const params = queryParams(raw.url);
  if (params === undefined) throw signatureMismatch();
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of params) {
    // presign() puts back the five it signs over, with the same values; the signature is not signed.
    if ((AUTH_PARAMS as readonly string[]).includes(name)) continue;
    const prev = query[name];
    query[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  const headers: Record<string, string> = {};
  for (const name of info.signedHeaders) {
    const value = header(raw.headers, name);
    if (value === undefined) throw signatureMismatch();
    headers[name] = value;
  }
  // getPayloadHash reads x-amz-content-sha256 from the headers; when the client did not sign that
  // header, this one supplies UNSIGNED-PAYLOAD without being signed (unsignable) or hoisted.
  if (!info.signedHeaders.includes('x-amz-content-sha256')) headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
  const q = raw.url.indexOf('?');
  const request = new HttpRequest({
    method: raw.method,
    protocol: 'https:',
    hostname: headers.host ?? '',
    path: q < 0 ? raw.url : raw.url.slice(0, q),
    query,
    headers,
  });
  const signer = new SignatureV4({
    credentials: { accessKeyId: info.accessKeyId, secretAccessKey },
    region: info.region,
    service: info.service,
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: info.service !== 's3',
    applyChecksum: false,
  });
  const signed = await signer.presign(request, {
    signingDate: new Date(info.signedAt),
    expiresIn: info.expiresIn,
    signingRegion: info.region,
    signingService: info.service,
    signableHeaders: new Set(info.signedHeaders),
    unsignableHeaders: new Set(['x-amz-content-sha256']),
    unhoistableHeaders: new Set([...info.signedHeaders, 'x-amz-content-sha256']),
  });
  const expected = Buffer.from(String(signed.query?.['X-Amz-Signature'] ?? ''));
  const provided = Buffer.from(info.signature);
  if (expected.length !== provided.length || !timingSafeEqual(expected, provided)) throw signatureMismatch();
}
