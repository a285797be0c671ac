// The arithmetic of docs/formats.md §3.2–3.3: sizes and offsets from (plaintext length, segment
// size) alone, so a range read knows which bytes to fetch before fetching any.
import { needs } from '../util/needs.js';
import { invalidArgument } from './object-stream-error.js';

/** The version byte that starts every version-1 stream. */
export const STREAM_VERSION = 0x01;
/** Bytes in a version-1 header: version, u32 segment size, 32-byte salt, 7-byte nonce prefix. */
export const HEADER_LENGTH = 44;
/** Bytes of the AES-GCM tag that ends every segment. */
export const TAG_LENGTH = 16;
/** Plaintext bytes per segment unless the caller chooses otherwise (64 KiB). */
export const DEFAULT_SEGMENT_SIZE = 65536;
/** Smallest valid segment size (16 KiB). */
export const MIN_SEGMENT_SIZE = 16384;
/** Largest valid segment size (4 MiB). */
export const MAX_SEGMENT_SIZE = 4194304;
/** At most 2^32 segments: the index is a u32 in the nonce (SP 800-38D §8.2.1). */
export const MAX_SEGMENTS = 2 ** 32;
/** At most 2^48 plaintext bytes per stream, whatever the segment size (§3.3). */
export const MAX_PLAINTEXT_LENGTH = 2 ** 48;

/** Where the 32-byte salt and the 7-byte nonce prefix sit in the header. */
export const SALT_OFFSET = 5;
export const SALT_LENGTH = 32;
export const PREFIX_OFFSET = 37;
export const PREFIX_LENGTH = 7;

/** An inclusive range of plaintext byte offsets, as in an HTTP `Range: bytes=start-end`. */
export interface PlaintextRange {
  start: number;
  end: number;
}

/**
 * The stored bytes a range read needs: the header, `[0, headerLength)`, followed by the segments
 * holding the range, `[start, end]` (inclusive). Feed their concatenation to `decryptStream`;
 * when `start === headerLength` the two are one contiguous read of `[0, end]`.
 */
export interface CiphertextRange {
  headerLength: number;
  start: number;
  end: number;
}

/** True for an integer segment size from 16 KiB to 4 MiB. */
export function isValidSegmentSize(segmentSize: number): boolean {
  return Number.isInteger(segmentSize) && segmentSize >= MIN_SEGMENT_SIZE && segmentSize <= MAX_SEGMENT_SIZE;
}

/** Throws `object-stream-invalid-argument` unless the segment size is valid. */
export function checkSegmentSize(segmentSize: number): void {
  /* Precondition: the segment size is an integer from 16 KiB to 4 MiB. */
  needs(isValidSegmentSize(segmentSize), invalidArgument('segment size must be an integer from 16384 to 4194304'));
}

/** The most plaintext one stream may carry with this segment size: min(2^48, 2^32 · S). */
export function maxPlaintextLength(segmentSize: number): number {
  return Math.min(MAX_PLAINTEXT_LENGTH, MAX_SEGMENTS * segmentSize);
}

/** Throws `object-stream-invalid-argument` unless 0 ≤ L ≤ maxPlaintextLength(S). */
export function checkPlaintextLength(plaintextLength: number, segmentSize: number): void {
  /* Precondition: the plaintext length is an integer from 0 to the maximum for its segment size. */
  needs(
    Number.isSafeInteger(plaintextLength) && plaintextLength >= 0 && plaintextLength <= maxPlaintextLength(segmentSize),
    invalidArgument('plaintext length must be an integer from 0 to min(2^48, 2^32 * segment size)'),
  );
}

/** Throws `object-stream-invalid-argument` unless the range lies inside the plaintext. */
export function checkRange(range: PlaintextRange, plaintextLength: number): void {
  /* Precondition: a range lies inside the plaintext, 0 <= start <= end < plaintext length. */
  needs(
    Number.isSafeInteger(range.start) &&
      Number.isSafeInteger(range.end) &&
      range.start >= 0 &&
      range.start <= range.end &&
      range.end < plaintextLength,
    invalidArgument('range must satisfy 0 <= start <= end < plaintext length'),
  );
}

/**
 * ⌊offset / S⌋ without floating-point rounding: offset ≤ 2^48 and S ≤ 2^22 are exact doubles, and
 * so are offset % S and the exact quotient (offset − offset % S) / S.
 */
export function segmentIndexOf(offset: number, segmentSize: number): number {
  return (offset - (offset % segmentSize)) / segmentSize;
}

/** n = 1 if L = 0, else ⌈L / S⌉: an empty object still has one (empty) final segment. */
export function segmentCount(plaintextLength: number, segmentSize: number): number {
  if (plaintextLength === 0) return 1;
  return segmentIndexOf(plaintextLength - 1, segmentSize) + 1;
}

/** Plaintext bytes in segment `index`: S for all but the last, which has the rest. */
export function segmentPlaintextLength(index: number, plaintextLength: number, segmentSize: number): number {
  const last = segmentCount(plaintextLength, segmentSize) - 1;
  return index < last ? segmentSize : plaintextLength - last * segmentSize;
}

/** Byte offset of segment `index` in the stored stream. */
export function segmentOffset(index: number, segmentSize: number): number {
  return HEADER_LENGTH + index * (segmentSize + TAG_LENGTH);
}

/**
 * The stored size of an object of `plaintextLength` bytes: 44 + L + 16 · n, where n is the number
 * of segments (at least 1).
 *
 * @throws ObjectStreamError `object-stream-invalid-argument` for a bad length or segment size.
 */
export function ciphertextLength(plaintextLength: number, segmentSize: number = DEFAULT_SEGMENT_SIZE): number {
  checkSegmentSize(segmentSize);
  checkPlaintextLength(plaintextLength, segmentSize);
  return HEADER_LENGTH + plaintextLength + TAG_LENGTH * segmentCount(plaintextLength, segmentSize);
}

/**
 * Which stored bytes a read of plaintext bytes `range.start..range.end` (inclusive) needs, computed
 * from the object's plaintext length and segment size without reading anything.
 *
 * @throws ObjectStreamError `object-stream-invalid-argument` for a range outside the plaintext
 *   (an empty object has no satisfiable range), a bad length or a bad segment size.
 */
export function ciphertextRangeFor(range: PlaintextRange, plaintextLength: number, segmentSize: number): CiphertextRange {
  checkSegmentSize(segmentSize);
  checkPlaintextLength(plaintextLength, segmentSize);
  checkRange(range, plaintextLength);
  const first = segmentIndexOf(range.start, segmentSize);
  const last = segmentIndexOf(range.end, segmentSize);
  return {
    headerLength: HEADER_LENGTH,
    start: segmentOffset(first, segmentSize),
    end: segmentOffset(last, segmentSize) + segmentPlaintextLength(last, plaintextLength, segmentSize) + TAG_LENGTH - 1,
  };
}
