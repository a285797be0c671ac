import { timingSafeEqual } from 'node:crypto';
import type { Principal } from '../../identity/principal.js';
import type { IdentityRegistry } from '../../identity/registry.js';
import { expectedSignature } from './sigv4-verifier.js';

/** Why a request failed authentication; each wire adapter turns the code into its own error. */
export type AuthErrorCode = 'missing-auth' | 'incomplete-signature' | 'unknown-access-key' | 'signature-mismatch' | 'signature-expired';

export class AuthError extends Error {
  readonly code: AuthErrorCode;
  constructor(code: AuthErrorCode, message: string) {
    super(message);
    this.name = 'AuthError';
    this.code = code;
  }
}

/** The parsed `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` header. */
export interface SignedRequestInfo {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  /** X-Amz-Date, e.g. 20240101T000000Z */
  amzDate: string;
}

export interface RawRequest {
  method: string;
  /** The request target as sent: path and query, still percent-encoded. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** AWS refuses a signature more than 15 minutes from its own clock. */
export const MAX_SKEW_MS = 15 * 60_000;

const header = (raw: RawRequest, name: string): string | undefined => {
  const v = raw.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};

/** Reads the SigV4 header (no verification yet); throws AuthError when absent or malformed. */
export function parseAuthorization(raw: RawRequest): SignedRequestInfo {
  const auth = header(raw, 'authorization');
  if (!auth) throw new AuthError('missing-auth', 'Request is missing Authentication Token');
  if (!auth.startsWith(`${ALGORITHM} `)) {
    throw new AuthError('incomplete-signature', `Unsupported authorization type: only ${ALGORITHM} is accepted.`);
  }
  const fields = new Map<string, string>();
  for (const part of auth.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((f) => !fields.get(f));
  if (missing.length > 0) {
    throw new AuthError('incomplete-signature', missing.map((f) => `Authorization header requires '${f}' parameter.`).join(' '));
  }
  const scope = fields.get('Credential')!.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request') {
    throw new AuthError(
      'incomplete-signature',
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${fields.get('Credential')}'`,
    );
  }
  const amzDate = header(raw, 'x-amz-date');
  if (!amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate)) {
    throw new AuthError('incomplete-signature', "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  const [accessKeyId, date, region, service] = scope as [string, string, string, string, string];
  return {
    accessKeyId,
    date,
    region,
    service,
    signedHeaders: fields.get('SignedHeaders')!.split(';'),
    signature: fields.get('Signature')!,
    amzDate,
  };
}

function toDate(amzDate: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate)!;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

const compact = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

function parseQuery(search: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(search)) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return query;
}

/**
 * Verifies a header-signed SigV4 request against the caller's secret. Canonicalisation is
 * @smithy/signature-v4's (the AWS SDK's own), fed only the headers the client says it signed
 * (sigv4-verifier.ts). `s3` requests are signed without double path escaping, as the SDKs do.
 */
export async function verifySignature(raw: RawRequest, info: SignedRequestInfo, secretAccessKey: string, now: number): Promise<void> {
  const signedAt = toDate(info.amzDate);
  const skew = now - signedAt.getTime();
  if (skew > MAX_SKEW_MS) {
    throw new AuthError(
      'signature-expired',
      `Signature expired: ${info.amzDate} is now earlier than ${compact(new Date(now - MAX_SKEW_MS))} (${compact(new Date(now))} - 15 min.)`,
    );
  }
  if (-skew > MAX_SKEW_MS) {
    throw new AuthError(
      'signature-expired',
      `Signature not yet current: ${info.amzDate} is still later than ${compact(new Date(now + MAX_SKEW_MS))} (${compact(new Date(now))} + 15 min.)`,
    );
  }
  const q = raw.url.indexOf('?');
  const headers: Record<string, string> = {};
  for (const name of info.signedHeaders) {
    const value = header(raw, name);
    if (value === undefined) throw new AuthError('signature-mismatch', signatureMismatch);
    headers[name] = value;
  }
  const parts = { method: raw.method, path: q < 0 ? raw.url : raw.url.slice(0, q), query: q < 0 ? {} : parseQuery(raw.url.slice(q + 1)), headers, body: raw.body };
  const expected = await expectedSignature(parts, new Set(info.signedHeaders), secretAccessKey, signedAt, info.region, info.service);
  const a = Buffer.from(expected);
  const b = Buffer.from(info.signature);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new AuthError('signature-mismatch', signatureMismatch);
}

const signatureMismatch =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

export interface Authenticated {
  principal: Principal;
  info: SignedRequestInfo;
  secretAccessKey: string;
}

/** Header-form SigV4: who signed the request, checked against the secret we hold for the key id. */
export async function authenticate(raw: RawRequest, identities: IdentityRegistry, now: number): Promise<Authenticated> {
  const info = parseAuthorization(raw);
  const identity = await identities.lookup(info.accessKeyId);
  if (!identity) throw new AuthError('unknown-access-key', 'The security token included in the request is invalid.');
  await verifySignature(raw, info, identity.secretAccessKey, now);
  return { principal: { ...identity.principal, accessKeyId: info.accessKeyId }, info, secretAccessKey: identity.secretAccessKey };
}
