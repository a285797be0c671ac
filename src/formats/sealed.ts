import { createCipheriv, createDecipheriv } from 'node:crypto';
import { needs } from '../util/needs.js';

// docs/formats.md §2: u8(0x01) ‖ nonce[12] ‖ AES-256-GCM(rootKey, nonce, secret, aad = purpose) ‖ tag[16]
const VERSION = 0x01;
const NONCE = 12;
const TAG = 16;

export class SealedError extends Error {
  constructor(message: string) {
    super(`formats/sealed: ${message}`);
    this.name = 'SealedError';
  }
}

/** Seals `secret` under `rootKey`, bound to `purpose` (which names the secret's owner). */
export function seal(rootKey: Buffer, secret: Buffer, purpose: string, nonce: Buffer): Buffer {
  /* Precondition: sealed values use a 256-bit root key and a 96-bit nonce. */
  needs(rootKey.length === 32 && nonce.length === NONCE, 'formats/sealed: root key must be 32 bytes and nonce 12');
  const cipher = createCipheriv('aes-256-gcm', rootKey, nonce);
  cipher.setAAD(Buffer.from(purpose, 'utf8'));
  return Buffer.concat([Buffer.from([VERSION]), nonce, cipher.update(secret), cipher.final(), cipher.getAuthTag()]);
}

/** Opens a sealed value; any change to it, or another purpose, fails as `authentication failed`. */
export function open(rootKey: Buffer, sealed: Buffer, purpose: string): Buffer {
  if (sealed.length < 1 + NONCE + TAG) throw new SealedError('too short');
  if (sealed[0] !== VERSION) throw new SealedError('unknown version');
  const decipher = createDecipheriv('aes-256-gcm', rootKey, sealed.subarray(1, 1 + NONCE));
  decipher.setAAD(Buffer.from(purpose, 'utf8'));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(1 + NONCE, sealed.length - TAG)), decipher.final()]);
  } catch {
    throw new SealedError('authentication failed');
  }
}
