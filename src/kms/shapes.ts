import { kmsError } from './errors.js';
import { z } from 'zod';

// Member shapes shared by several operations, with AWS's constraints (botocore kms service model).
export const KeyIdType = z.string().min(1).max(2048);
export const Base64Blob = z.string();
// AWS KMS bounds an encryption context at 8,192 bytes (keys and values, UTF-8); it must also fit
// the u16 lengths of docs/formats.md §1.
export const MAX_ENCRYPTION_CONTEXT_BYTES = 8192;
export const EncryptionContextType = z
  .record(z.string(), z.string())
  .refine((c) => Object.entries(c).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0) <= MAX_ENCRYPTION_CONTEXT_BYTES, {
    message: `Member must have a total size of at most ${MAX_ENCRYPTION_CONTEXT_BYTES} bytes`,
  })
  .optional();
export const GrantTokenList = z.array(z.string().min(1).max(8192)).max(10).optional();
export const EncryptionAlgorithmSpec = z.enum(['SYMMETRIC_DEFAULT', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2PKE']).optional();
export const DataKeySpec = z.enum(['AES_256', 'AES_128']).optional();
export const NumberOfBytes = z.number().int().min(1).max(1024).optional();
export const LimitType = z.number().int().min(1).max(1000).optional();
export const MarkerType = z.string().min(1).max(1024).optional();
export const DescriptionType = z.string().min(0).max(8192);
export const PolicyNameType = z.string().min(1).max(128).regex(/^[\w]+$/);
export const PolicyType = z.string().min(1).max(131072);
export const TagList = z.array(z.object({ TagKey: z.string().min(1).max(128), TagValue: z.string().min(0).max(256) }));
export const AliasNameType = z.string().min(1).max(256).regex(/^[a-zA-Z0-9:/_-]+$/);
export const DryRun = z.boolean().optional();

/** The encryption-context condition keys of a call (kms:EncryptionContext:<k>, kms:EncryptionContextKeys). */
export function contextConditions(context: Record<string, string> | undefined): Record<string, string | string[]> {
  const conditions: Record<string, string | string[]> = {};
  const keys = Object.keys(context ?? {});
  if (keys.length > 0) conditions['kms:EncryptionContextKeys'] = keys;
  for (const [k, v] of Object.entries(context ?? {})) conditions[`kms:EncryptionContext:${k}`] = v;
  return conditions;
}

/** Encodes a marker for list operations (opaque to clients). */
export const encodeMarker = (position: string) => Buffer.from(`m1:${position}`, 'utf8').toString('base64url');
/** The position a marker names; throws InvalidMarkerException for one we did not make. */
export function decodeMarker(marker: string | undefined): string | undefined {
  if (marker === undefined) return undefined;
  const text = Buffer.from(marker, 'base64url').toString('utf8');
  if (!text.startsWith('m1:')) throw kmsError('invalid-marker', 'Invalid marker');
  return text.slice(3);
}
