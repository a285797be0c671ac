import { createHmac, hash } from 'node:crypto';
import type { HttpRequest } from '@smithy/protocol-http';
import {
  ALGORITHM_IDENTIFIER,
  AMZ_DATE_HEADER,
  createScope,
  GENERATED_HEADERS,
  getCanonicalHeaders,
  getPayloadHash,
  KEY_TYPE_IDENTIFIER,
  SignatureV4,
} from '@smithy/signature-v4';

/** The parts of a received request that a header-form SigV4 signature covers. */
export interface SignedParts {
  method: string;
  /** The path as sent, still percent-encoded. */
  path: string;
  query: Record<string, string | string[]>;
  /** The headers the client says it signed, by the names its SignedHeaders lists. */
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * SHA-256 for the two values @smithy hashes here (the payload and the canonical request), each
 * given in one piece: node's one-shot `crypto.hash`, without the Hash object, string conversion
 * and promise @smithy/hash-node makes per value. Never keyed: the signing HMACs are ours.
 */
class Sha256 {
  #data: Uint8Array = new Uint8Array(0);
  constructor(secret?: unknown) {
    if (secret !== undefined) throw new Error('sigv4-verifier: Sha256 is never keyed');
  }
  update(data: Uint8Array): void {
    this.#data = this.#data.length === 0 ? data : Buffer.concat([this.#data, data]);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(hash('sha256', this.#data, 'buffer'));
  }
  reset(): void {
    this.#data = new Uint8Array(0);
  }
}

/**
 * @smithy/signature-v4's own canonical request and string to sign (SignatureV4Base), which are
 * protected, so reached through a subclass. Its `sign()` would also clone the request, re-derive
 * the signing key (one HMAC to find it in its cache) and format an Authorization header on every
 * call, none of which a verifier needs.
 */
class Canonicaliser extends SignatureV4 {
  constructor(uriEscapePath: boolean) {
    // Credentials and region are never read: only the canonicalisation methods are called.
    super({ credentials: { accessKeyId: '', secretAccessKey: '' }, region: '', service: '', sha256: Sha256, uriEscapePath, applyChecksum: false });
  }
  // Requests signed in the same second share their dates: formatted once, not per request.
  #datesAt = NaN;
  #dates = { longDate: '', shortDate: '' };
  dates(signingDate: Date): { longDate: string; shortDate: string } {
    if (signingDate.getTime() !== this.#datesAt) {
      this.#dates = this.formatDate(signingDate);
      this.#datesAt = signingDate.getTime();
    }
    return this.#dates;
  }
  canonicalRequest(request: HttpRequest, canonicalHeaders: Record<string, string>, payloadHash: string): string {
    return this.createCanonicalRequest(request, canonicalHeaders, payloadHash);
  }
  stringToSign(longDate: string, scope: string, canonicalRequest: string): Promise<string> {
    return this.createStringToSign(longDate, scope, canonicalRequest, ALGORITHM_IDENTIFIER);
  }
}

// The SDKs sign S3 requests without escaping the path a second time (SignatureV4 `uriEscapePath`).
const escaping = new Canonicaliser(true);
const s3 = new Canonicaliser(false);

// SigV4 signing key = HMAC chain "AWS4"+secret → date → region → service → "aws4_request": the
// same all day for one secret, so derived once per (secret, day, region, service), not per request.
const signingKeys = new Map<string, Buffer>();
const MAX_SIGNING_KEYS = 1024;

/** The SigV4 signing key for a secret on a day (YYYYMMDD), region and service; cached. */
export function signingKey(secretAccessKey: string, shortDate: string, region: string, service: string): Buffer {
  const id = `${shortDate}\0${region}\0${service}\0${secretAccessKey}`;
  let key = signingKeys.get(id);
  if (key === undefined) {
    key = Buffer.from(`AWS4${secretAccessKey}`, 'utf8');
    for (const part of [shortDate, region, service, KEY_TYPE_IDENTIFIER]) key = createHmac('sha256', key).update(part, 'utf8').digest();
    // Oldest first out: yesterday's keys go as today's come in.
    if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.delete(signingKeys.keys().next().value!);
    signingKeys.set(id, key);
  }
  return key;
}

/**
 * The signature (hex) a header-signed request must carry: what `SignatureV4.sign(request,
 * { signingDate, signingRegion, signingService, signableHeaders })` computes for it, given only its
 * signed headers. `parts.headers` is modified as `sign()` modifies its copy.
 */
export async function expectedSignature(
  parts: SignedParts,
  signableHeaders: ReadonlySet<string>,
  secretAccessKey: string,
  signingDate: Date,
  region: string,
  service: string,
): Promise<string> {
  const canonicaliser = service === 's3' ? s3 : escaping;
  const { longDate, shortDate } = canonicaliser.dates(signingDate);
  // As sign() does (prepareRequest, then signRequest): Authorization, X-Amz-Date and Date are
  // dropped, then X-Amz-Date is set to the signing date.
  const { headers } = parts;
  for (const name of Object.keys(headers)) if (GENERATED_HEADERS.includes(name.toLowerCase())) delete headers[name];
  headers[AMZ_DATE_HEADER] = longDate;
  // The @smithy helpers read only method, path, query, headers and body of an HttpRequest.
  const request = parts as unknown as HttpRequest;
  const payloadHash = await getPayloadHash(request, Sha256);
  const canonicalHeaders = getCanonicalHeaders(request, undefined, signableHeaders as Set<string>);
  const canonicalRequest = canonicaliser.canonicalRequest(request, canonicalHeaders, payloadHash);
  const toSign = await canonicaliser.stringToSign(longDate, createScope(shortDate, region, service), canonicalRequest);
  return createHmac('sha256', signingKey(secretAccessKey, shortDate, region, service)).update(toSign, 'utf8').digest('hex');
}
