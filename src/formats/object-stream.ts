/**
 * The object stream format, version 1 (`docs/formats.md` §3): a versioned, segmented AES-256-GCM
 * stream for object bytes with random-access range reads. Pure: no HTTP, no disk.
 *
 * @module
 */
export { encryptStream, sealer, type Sealer, type StreamParams } from './object-stream-encrypt.js';
export { importKey, segmentOpener, type OpenerParams, type SegmentOpener } from './object-stream-segments.js';
export { decryptStream, type DecryptParams } from './object-stream-decrypt.js';
export { ObjectStreamError, type ObjectStreamErrorCode } from './object-stream-error.js';
export type { PlaintextDataKey } from './object-stream-crypto.js';
export {
  DEFAULT_SEGMENT_SIZE,
  HEADER_LENGTH,
  MAX_PLAINTEXT_LENGTH,
  MAX_SEGMENTS,
  MAX_SEGMENT_SIZE,
  MIN_SEGMENT_SIZE,
  STREAM_VERSION,
  TAG_LENGTH,
  ciphertextLength,
  ciphertextRangeFor,
  maxPlaintextLength,
  type CiphertextRange,
  type PlaintextRange,
} from './object-stream-layout.js';
