import { hkdfSync } from 'node:crypto';
import { open, seal } from '../formats/sealed.js';
import { objectError } from './errors.js';

/** The context that binds one part's stream to its object (docs/formats.md §3: `context`). */
export const streamContext = (bucket: string, key: string, partNumber: number) => `arn:aws:s3:::${bucket}/${key}#${partNumber}`;

/** S3 object keys are 1–1024 bytes of UTF-8. */
export function checkObjectKey(key: string): void {
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes === 0) throw objectError('invalid-argument', 'The object key must not be empty.');
  if (bytes > 1024) throw objectError('key-too-long', 'Your key is too long', { MaxSizeAllowed: '1024', Size: String(bytes) });
}

// AWS keeps an SSE-KMS object's checksums encrypted too; we seal them under a key derived from the
// object's data key (HKDF-SHA256, RFC 5869), so reading them needs the same KMS permission as the data.
function checksumKey(dataKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'opencmk/v1/object-checksum', 32));
}

export function sealChecksum(dataKey: Buffer, value: string, where: string, nonce: Buffer): Buffer {
  const key = checksumKey(dataKey);
  try {
    return seal(key, Buffer.from(value, 'utf8'), `opencmk/v1/checksum/${where}`, nonce);
  } finally {
    key.fill(0);
  }
}

export function openChecksum(dataKey: Buffer, sealed: Buffer, where: string): string {
  const key = checksumKey(dataKey);
  try {
    return open(key, sealed, `opencmk/v1/checksum/${where}`).toString('utf8');
  } finally {
    key.fill(0);
  }
}

/** What an object's sealed checksum is bound to (its bucket and key). */
export const objectChecksumLabel = (bucket: string, key: string) => `${bucket}/${key}`;

/** A fresh ETag: random, not the MD5 of the plaintext (S3 does the same for SSE-KMS; an MD5 would reveal the data to whoever guesses it). */
export const newEtag = (random: (n: number) => Buffer, parts?: number) => random(16).toString('hex') + (parts !== undefined ? `-${parts}` : '');
