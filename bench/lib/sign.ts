import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** A request ready to put on the wire: SigV4 headers plus the exact body they sign. */
export interface SignedRequest {
  headers: Record<string, string>;
  body: string;
  /** Defaults to POST (the JSON protocols); S3 PutObject sends PUT. */
  method?: string;
  /** Defaults to `/`; S3 names the object in the path (`/bucket/key`). */
  path?: string;
}

export type KmsSigner = (target: string, body: string) => Promise<SignedRequest>;

/**
 * Signs KMS JSON requests (POST /, `X-Amz-Target: TrentService.<Op>`) the way an SDK does: a fresh
 * SigV4 signature per call, over the body hash and the current time (SigV4, service `kms`).
 */
export function kmsSigner(url: string, credentials: Credentials, region = 'us-east-1'): KmsSigner {
  const { hostname, port, host } = new URL(url);
  const signer = new SignatureV4({ service: 'kms', region, credentials, sha256: Hash.bind(null, 'sha256') });
  return async (target, body) => {
    const request = new HttpRequest({
      method: 'POST',
      protocol: 'http:',
      hostname,
      port: Number(port),
      path: '/',
      headers: {
        host,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `TrentService.${target}`,
        'content-length': String(Buffer.byteLength(body)),
      },
      body,
    });
    const signed = await signer.sign(request);
    return { headers: signed.headers, body };
  };
}
