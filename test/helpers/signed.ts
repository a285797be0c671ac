import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { TestIdentity } from './accounts.js';

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  json(): any;
}

export interface SignedRequestOptions {
  /** Signs as this identity; omit for an unsigned request. */
  who?: TestIdentity;
  /** Overrides the secret used to sign (a bad signature). */
  secret?: string;
  service?: string;
  region?: string;
  headers?: Record<string, string>;
  method?: string;
  path?: string;
  /** Signs as if at this time (clock skew tests). */
  signingDate?: Date;
}

/** Sends a hand-made request (optionally SigV4-signed with the SDK's own signer) with fetch. */
export async function sendRaw(url: string, body: string | Buffer, options: SignedRequestOptions = {}): Promise<RawResponse> {
  const target = new URL(options.path ?? '/', url);
  let headers: Record<string, string> = { host: target.host, ...options.headers };
  if (options.who) {
    const signer = new SignatureV4({
      credentials: { accessKeyId: options.who.accessKeyId, secretAccessKey: options.secret ?? options.who.secretAccessKey },
      region: options.region ?? 'us-east-1',
      service: options.service ?? 'kms',
      sha256: Hash.bind(null, 'sha256'),
    });
    const signed = await signer.sign(
      new HttpRequest({ method: options.method ?? 'POST', protocol: target.protocol, hostname: target.hostname, port: Number(target.port), path: target.pathname, headers, body }),
      options.signingDate ? { signingDate: options.signingDate } : {},
    );
    headers = signed.headers as Record<string, string>;
  }
  const { host: _host, ...sendHeaders } = headers;
  const res = await fetch(target, { method: options.method ?? 'POST', headers: sendHeaders, body: options.method === 'GET' ? undefined : typeof body === 'string' ? body : new Uint8Array(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

/** A KMS JSON 1.1 call by hand: `X-Amz-Target: TrentService.<op>`. */
export function kmsRaw(url: string, operation: string, body: string | Buffer, options: SignedRequestOptions = {}): Promise<RawResponse> {
  return sendRaw(url, body, {
    ...options,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${operation}`, ...options.headers },
  });
}
