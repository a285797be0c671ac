// Per-object data keys derived from an S3 bucket key (docs/formats.md §4), so that one KMS call
// serves many objects. `newObjectDataKey` (PUT) and `openObjectDataKey` (GET) are the two halves
// of one derivation and share this file.
import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import { needs } from '../util/needs.js';
import type { PlaintextDataKey } from './object-stream.js';

/** The 32-byte plaintext bucket key from KMS. Secret: zero it when its cache entry expires. */
export type BucketKey = Buffer;

/** Codes of {@link ObjectKeyError}. */
export type ObjectKeyErrorCode = 'object-key-version' | 'object-key-corrupt' | 'object-key-invalid-argument';

/** Every failure of the object data key derivation; `message` starts with `formats/object-key:`. */
export class ObjectKeyError extends Error {
  override readonly name = 'ObjectKeyError';
  readonly code: ObjectKeyErrorCode;

  constructor(code: ObjectKeyErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** The version byte that starts every version-1 seed. */
export const OBJECT_KEY_SEED_VERSION = 0x01;
/** Bytes in a version-1 seed: version ‖ nonce[32]. */
export const OBJECT_KEY_SEED_LENGTH = 33;

const NONCE_LENGTH = 32;
const LABEL = Buffer.from('opencmk/v1/object-data-key\u0000', 'utf8');

function invalid(what: string): () => ObjectKeyError {
  return () => new ObjectKeyError('object-key-invalid-argument', `formats/object-key: ${what}`);
}

function checkInputs(bucketKey: BucketKey, context: string): void {
  /* Precondition: the bucket key is 32 bytes. */
  needs(Buffer.isBuffer(bucketKey) && bucketKey.length === 32, invalid('bucket key must be 32 bytes'));
  /* Precondition: the object key context is a non-empty, well-formed Unicode string. */
  needs(
    typeof context === 'string' && context.length > 0 && Buffer.from(context, 'utf8').toString('utf8') === context,
    invalid('context must be a non-empty, well-formed Unicode string'),
  );
}

// dataKey = HKDF-SHA256(bucketKey, salt = nonce, info = label ‖ 0x00 ‖ SHA-256(utf8(context)), 32)
function derive(bucketKey: BucketKey, nonce: Buffer, context: string): PlaintextDataKey {
  const info = Buffer.concat([LABEL, createHash('sha256').update(context, 'utf8').digest()]);
  return Buffer.from(hkdfSync('sha256', bucketKey, nonce, info, 32));
}

/**
 * For a new object: draws a fresh 32-byte nonce and derives the object's data key from the bucket
 * key. Store `seed` (33 bytes, not secret) beside the object; use `dataKey` for `encryptStream`
 * and zero it afterwards.
 *
 * @throws ObjectKeyError `object-key-invalid-argument` for a bad bucket key, context or random source.
 */
export function newObjectDataKey(params: {
  bucketKey: BucketKey;
  context: string;
  random?: (n: number) => Buffer;
}): { dataKey: PlaintextDataKey; seed: Buffer } {
  checkInputs(params.bucketKey, params.context);
  const nonce = (params.random ?? randomBytes)(NONCE_LENGTH);
  /* Precondition: the object key random source returns exactly 32 bytes. */
  needs(Buffer.isBuffer(nonce) && nonce.length === NONCE_LENGTH, invalid('random returned the wrong number of bytes'));
  const seed = Buffer.concat([Buffer.of(OBJECT_KEY_SEED_VERSION), nonce]);
  return { dataKey: derive(params.bucketKey, nonce, params.context), seed };
}

/**
 * For a stored object: derives its data key again from the bucket key and the stored seed. A
 * tampered nonce is not detected here; it yields another key and the stream then fails to open.
 *
 * @throws ObjectKeyError `object-key-version` for an unknown seed version, `object-key-corrupt`
 *   for a seed that is not 33 bytes, `object-key-invalid-argument` for a bad bucket key or context.
 */
export function openObjectDataKey(params: { bucketKey: BucketKey; context: string; seed: Buffer }): PlaintextDataKey {
  checkInputs(params.bucketKey, params.context);
  const { seed } = params;
  if (seed.length > 0 && seed[0] !== OBJECT_KEY_SEED_VERSION) {
    throw new ObjectKeyError('object-key-version', 'formats/object-key: unknown version');
  }
  if (seed.length !== OBJECT_KEY_SEED_LENGTH) throw new ObjectKeyError('object-key-corrupt', 'formats/object-key: bad seed');
  return derive(params.bucketKey, seed.subarray(1), params.context);
}
