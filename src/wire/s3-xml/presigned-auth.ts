import type { IdentityRegistry } from '../../identity/registry.js';
import { AuthError, type Authenticated, type RawRequest } from '../http/sigv4.js';
import { parsePresigned, verifyPresigned } from './presign.js';

/**
 * Query-string SigV4 (a presigned URL): the caller is whoever signed the URL. Undefined when the
 * request carries no presigned parameters (header auth applies then).
 */
export async function presignedAuth(raw: RawRequest, identities: IdentityRegistry, now: number): Promise<Authenticated | undefined> {
  const info = parsePresigned(raw.url, raw.headers);
  if (!info) return undefined;
  const identity = await identities.lookup(info.accessKeyId);
  if (!identity) throw new AuthError('unknown-access-key', 'The AWS Access Key Id you provided does not exist in our records.');
  await verifyPresigned(raw, info, identity.secretAccessKey, now);
  return {
    principal: { ...identity.principal, accessKeyId: info.accessKeyId },
    info: {
      accessKeyId: info.accessKeyId,
      date: info.date,
      region: info.region,
      service: info.service,
      signedHeaders: info.signedHeaders,
      signature: info.signature,
      amzDate: info.amzDate,
    },
    secretAccessKey: identity.secretAccessKey,
  };
}
