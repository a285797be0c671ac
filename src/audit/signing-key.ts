import { createHash, createPrivateKey, createPublicKey, generateKeyPair, sign, verify, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { AuditStore, RootOfTrust } from '../store/types.js';

/** The purpose the signing key is sealed under (docs/formats.md §2: the purpose binds a sealed value to its owner). */
export const SIGNING_KEY_PURPOSE = 'opencmk/v1/audit-signing-key';
export const SIGNATURE_ALGORITHM = 'SHA256withRSA';

export interface AuditSigner {
  fingerprint: string;
  publicKeyPem: string;
  /** Hex RSA PKCS#1 v1.5 signature over SHA-256 of `data` (CloudTrail's SHA256withRSA). */
  sign(data: string): string;
}

/**
 * The key's name in digests (`digestPublicKeyFingerprint`): hex of the first 16 bytes of SHA-256 over
 * the PKCS#1 DER public key, as long as CloudTrail's. It only names the key; the signature proves.
 */
export function fingerprintOf(publicKey: KeyObject | string): string {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  return createHash('sha256').update(key.export({ type: 'pkcs1', format: 'der' })).digest('hex').slice(0, 32);
}

/** True when `signatureHex` is a valid SHA256withRSA signature of `data` under `publicKeyPem`. */
export function verifySignature(publicKeyPem: string, data: string, signatureHex: string): boolean {
  if (!/^[0-9a-f]+$/i.test(signatureHex)) return false;
  try {
    return verify('sha256', Buffer.from(data, 'utf8'), createPublicKey(publicKeyPem), Buffer.from(signatureHex, 'hex'));
  } catch {
    return false;
  }
}

function signerOf(privateKey: KeyObject): AuditSigner {
  const publicKey = createPublicKey(privateKey);
  return {
    fingerprint: fingerprintOf(publicKey),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign: (data) => sign('sha256', Buffer.from(data, 'utf8'), privateKey).toString('hex'),
  };
}

/**
 * The deployment's digest signing key: RSA 2048, generated on first start, kept in the audit store
 * only sealed by the RootOfTrust (never in plaintext on disk). The newest key signs; older ones stay
 * listed so old digests still validate.
 */
export async function loadSigningKey(store: AuditStore, root: RootOfTrust, clock: () => number): Promise<AuditSigner> {
  const keys = await store.signingKeys();
  const newest = keys[keys.length - 1];
  if (newest) {
    const der = await root.open(newest.sealedPrivateKey, SIGNING_KEY_PURPOSE);
    const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    der.fill(0);
    return signerOf(privateKey);
  }
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  const der = privateKey.export({ type: 'pkcs8', format: 'der' });
  const signer = signerOf(privateKey);
  await store.putSigningKey({
    fingerprint: signer.fingerprint,
    publicKeyPem: signer.publicKeyPem,
    sealedPrivateKey: await root.seal(der, SIGNING_KEY_PURPOSE),
    createdAt: clock(),
  });
  der.fill(0);
  return signer;
}
