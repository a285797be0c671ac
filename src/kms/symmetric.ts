import { CiphertextBlobError, openBlob, readBlobHeader, sealBlob, type EncryptionContext } from '../formats/ciphertext-blob.js';
import type { KeyRecord } from '../store/types.js';
import { kmsError } from './errors.js';
import { requireEnabled, requireSymmetricEncryption } from './key-states.js';
import type { OperationContext } from './operation.js';
import { contextConditions } from './shapes.js';

// AWS answers every tampered, truncated or wrong-context ciphertext alike, and with no message at
// all (STYLE habit 5): `{"__type":"InvalidCiphertextException"}`.
const INVALID_CIPHERTEXT = '';
const UNKNOWN_KEY = 'The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.';

/** Seals plaintext under the key's current material (after the key state and usage checks). */
export async function encryptUnder(ctx: OperationContext, key: KeyRecord, plaintext: Buffer, context: EncryptionContext | undefined): Promise<Buffer> {
  requireEnabled(key);
  requireSymmetricEncryption(key, ctx.operation);
  const material = await ctx.material(key);
  const nonce = ctx.deps.nonce ? ctx.deps.nonce(12) : ctx.deps.random(12);
  return sealBlob({ keyId: key.id, material: key.currentMaterial }, material, plaintext, context, nonce);
}

export function checkAlgorithm(algorithm: string | undefined, key: KeyRecord): void {
  if (algorithm !== undefined && algorithm !== 'SYMMETRIC_DEFAULT' && key.keySpec === 'SYMMETRIC_DEFAULT') {
    throw kmsError('invalid-key-usage', `The encryption algorithm ${algorithm} is not compatible with the type of key material in ${key.arn}.`);
  }
}

/**
 * Opens a ciphertext blob: finds the key it names (or checks it against `keyRef` when the caller
 * names one), authorizes `action` there, checks state, and decrypts with the version it names.
 */
export async function decryptBlob(
  ctx: OperationContext,
  blob: Buffer,
  context: EncryptionContext | undefined,
  keyRef: string | undefined,
  action: string,
  extraConditions: Record<string, string> = {},
): Promise<{ key: KeyRecord; plaintext: Buffer }> {
  let header;
  try {
    header = readBlobHeader(blob);
  } catch (e) {
    if (e instanceof CiphertextBlobError) throw kmsError('invalid-ciphertext', INVALID_CIPHERTEXT);
    throw e;
  }
  const conditions = { ...contextConditions(context), ...extraConditions };
  let key: KeyRecord | undefined;
  if (keyRef !== undefined) {
    key = await ctx.key(keyRef, { action, acceptAlias: true, conditions });
    if (key.id !== header.keyId) {
      throw kmsError('incorrect-key', 'The key ID in the request does not identify a KMS key that can perform this operation.');
    }
  } else {
    key = await ctx.keyById(header.keyId, { action, conditions });
    if (!key) throw kmsError('access-denied', UNKNOWN_KEY);
  }
  requireEnabled(key);
  requireSymmetricEncryption(key, ctx.operation);
  if (header.material < 1 || header.material > key.currentMaterial) throw kmsError('invalid-ciphertext', INVALID_CIPHERTEXT);
  const material = await ctx.material(key, header.material);
  try {
    return { key, plaintext: openBlob(blob, material, context) };
  } catch (e) {
    if (e instanceof CiphertextBlobError) throw kmsError('invalid-ciphertext', INVALID_CIPHERTEXT);
    throw e;
  }
}
