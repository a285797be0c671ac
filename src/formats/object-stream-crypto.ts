// Key derivation, nonces and the sealing and opening of one segment (docs/formats.md §3.2).
import { createCipheriv, createDecipheriv, createHash, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { needs } from '../util/needs.js';
import { invalidArgument } from './object-stream-error.js';
import { HEADER_LENGTH, PREFIX_LENGTH, PREFIX_OFFSET, SALT_LENGTH, SALT_OFFSET, STREAM_VERSION, TAG_LENGTH } from './object-stream-layout.js';

/**
 * A 32-byte AES-256 data key in the clear, fresh for one object. Secret: keep it only as long as
 * needed and zero it (`key.fill(0)`) afterwards; the streams copy what they need when created.
 */
export type PlaintextDataKey = Buffer;

/** The derived AES-256-GCM key of one stream, held inside a KeyObject (never a JS Buffer). */
export type SegmentKey = KeyObject;

const DATA_KEY_LENGTH = 32;
const SEGMENT_KEY_LABEL = Buffer.from('opencmk/v1/object-stream/segment-key\u0000', 'utf8');

/** Throws `object-stream-invalid-argument` unless the data key is a 32-byte Buffer. */
export function checkDataKey(dataKey: PlaintextDataKey): void {
  /* Precondition: the data key is 32 bytes. */
  needs(Buffer.isBuffer(dataKey) && dataKey.length === DATA_KEY_LENGTH, invalidArgument('data key must be 32 bytes'));
}

/** A non-empty string without lone surrogates (which UTF-8 would turn into U+FFFD, so two contexts could collide). */
export function isWellFormedContext(context: unknown): context is string {
  return typeof context === 'string' && context.length > 0 && Buffer.from(context, 'utf8').toString('utf8') === context;
}

/** Throws `object-stream-invalid-argument` unless the context is well formed. */
export function checkContext(context: string): void {
  /* Precondition: the context is a non-empty, well-formed Unicode string. */
  needs(isWellFormedContext(context), invalidArgument('context must be a non-empty, well-formed Unicode string'));
}

/** SHA-256(utf8(context)): HKDF's info is capped at 1024 bytes in Node, an S3 key alone may be 1024. */
export function contextDigest(context: string): Buffer {
  return createHash('sha256').update(context, 'utf8').digest();
}

/** Copies the caller's data key into a KeyObject, so the caller may zero its Buffer at once. */
export function importDataKey(dataKey: PlaintextDataKey): KeyObject {
  return createSecretKey(dataKey);
}

/** header = u8(0x01) ‖ u32(S) ‖ salt[32] ‖ prefix[7], from the 39 fresh random bytes. */
export function encodeHeader(segmentSize: number, fresh: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_LENGTH);
  header[0] = STREAM_VERSION;
  header.writeUInt32BE(segmentSize, 1);
  fresh.copy(header, SALT_OFFSET, 0, SALT_LENGTH + PREFIX_LENGTH);
  return header;
}

/**
 * segmentKey = HKDF-SHA256(dataKey, salt, label ‖ 0x00 ‖ header ‖ SHA-256(context)): every header
 * byte and the context are bound into the key, so the segments need no AAD.
 */
export function deriveSegmentKey(dataKey: KeyObject, header: Buffer, digest: Buffer): SegmentKey {
  const salt = header.subarray(SALT_OFFSET, SALT_OFFSET + SALT_LENGTH);
  const info = Buffer.concat([SEGMENT_KEY_LABEL, header, digest]);
  const raw = Buffer.from(hkdfSync('sha256', dataKey, salt, info, 32));
  try {
    return createSecretKey(raw);
  } finally {
    raw.fill(0);
  }
}

/** nonce(i, last) = prefix[7] ‖ u32(i) ‖ u8(last): one Buffer per stream, rewritten per segment. */
export function nonceWriter(header: Buffer): (index: number, last: boolean) => Buffer {
  const nonce = Buffer.alloc(12);
  header.copy(nonce, 0, PREFIX_OFFSET, PREFIX_OFFSET + PREFIX_LENGTH);
  return (index, last) => {
    nonce.writeUInt32BE(index, PREFIX_LENGTH);
    nonce[11] = last ? 0x01 : 0x00;
    return nonce;
  };
}

/** Seals one segment given as pieces (views of the caller's chunks, never concatenated). */
export function sealSegment(key: SegmentKey, nonce: Buffer, pieces: readonly Buffer[], emit: (bytes: Buffer) => void): void {
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LENGTH });
  for (const piece of pieces) {
    const out = cipher.update(piece);
    if (out.length > 0) emit(out);
  }
  cipher.final();
  emit(cipher.getAuthTag());
}

/**
 * Opens one segment. Returns its plaintext pieces only if the tag verifies; otherwise zeroes what
 * was decrypted and returns undefined. Nothing is released before `final()` succeeds.
 */
export function openSegment(key: SegmentKey, nonce: Buffer, pieces: readonly Buffer[], tag: Buffer): Buffer[] | undefined {
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LENGTH });
  decipher.setAuthTag(tag);
  const out: Buffer[] = [];
  for (const piece of pieces) out.push(decipher.update(piece));
  try {
    decipher.final();
    return out;
  } catch {
    for (const buffer of out) buffer.fill(0);
    return undefined;
  }
}
