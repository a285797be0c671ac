import { Transform, type TransformCallback } from 'node:stream';
import type { KeyObject } from 'node:crypto';
import { needs } from '../util/needs.js';
import { ObjectStreamError, invalidArgument, type ObjectStreamErrorCode } from './object-stream-error.js';
import { byteQueue } from './object-stream-bytes.js';
import {
  checkContext,
  checkDataKey,
  contextDigest,
  deriveSegmentKey,
  importDataKey,
  nonceWriter,
  openSegment,
  type SegmentKey,
} from './object-stream-crypto.js';
import {
  DEFAULT_SEGMENT_SIZE,
  HEADER_LENGTH,
  STREAM_VERSION,
  TAG_LENGTH,
  checkPlaintextLength,
  checkRange,
  checkSegmentSize,
  isValidSegmentSize,
  maxPlaintextLength,
  segmentCount,
  segmentIndexOf,
  segmentPlaintextLength,
  type PlaintextRange,
} from './object-stream-layout.js';
import type { StreamParams } from './object-stream-encrypt.js';

/** What `decryptStream` needs: the writer's key and context, and optionally what the reader knows. */
export interface DecryptParams extends Omit<StreamParams, 'random'> {
  /**
   * The segment size the caller expects. Checked against the header when given, and for a range
   * read (default 65536 there), since the caller computed its offsets with it.
   */
  segmentSize?: number;
  /**
   * The object's plaintext length, from its metadata. When given, the input must be exactly the
   * stored stream (or exactly the bytes of `ciphertextRangeFor`): shorter input is
   * `object-stream-truncated`, longer is `object-stream-trailing-data`. Required with `range`.
   */
  plaintextLength?: number;
  /** Plaintext bytes to return, inclusive. The input is then the header ‖ the needed segments. */
  range?: PlaintextRange;
}

// What the reader knows once the header is in.
interface Opened {
  key: SegmentKey;
  nonce: (index: number, last: boolean) => Buffer;
  segmentSize: number;
  /** min(2^48, 2^32 · S): no writer produces more. */
  limit: number;
  /** Total segments, or undefined when the plaintext length is unknown. */
  count: number | undefined;
  /** Next segment to open. */
  next: number;
  /** Last segment to open (known length only). */
  lastWanted: number;
  /** Plaintext bytes to release, inclusive offsets. */
  from: number;
  to: number;
}

function fail(code: ObjectStreamErrorCode, message?: string): never {
  throw new ObjectStreamError(code, message);
}

/**
 * Decrypts an object (`docs/formats.md` §3.4): stored bytes in, plaintext out, in constant memory
 * and with backpressure. Each segment's plaintext is released only after its tag verifies.
 *
 * - Without `range`: the input is the whole stored stream.
 * - With `range` (and `plaintextLength`): the input is the header followed by the segments named by
 *   `ciphertextRangeFor(range, plaintextLength, segmentSize)`; the output is exactly the range.
 *
 * Errors are emitted on the stream as `ObjectStreamError` (`object-stream-version`, `-corrupt`,
 * `-truncated`, `-trailing-data`); a failed stream must be treated as failed as a whole, since
 * segments before the failure were already released.
 *
 * @throws ObjectStreamError `object-stream-invalid-argument` (synchronously) for a bad key,
 *   context, segment size, length or range.
 */
export function decryptStream(params: DecryptParams): Transform {
  checkDataKey(params.dataKey);
  checkContext(params.context);
  const { range, plaintextLength } = params;
  const expectedSegmentSize = range !== undefined ? (params.segmentSize ?? DEFAULT_SEGMENT_SIZE) : params.segmentSize;
  if (expectedSegmentSize !== undefined) checkSegmentSize(expectedSegmentSize);
  /* Precondition: a range read knows the plaintext length. */
  needs(range === undefined || plaintextLength !== undefined, invalidArgument('a range read needs the plaintext length'));
  if (plaintextLength !== undefined) checkPlaintextLength(plaintextLength, expectedSegmentSize ?? DEFAULT_SEGMENT_SIZE);
  if (range !== undefined && plaintextLength !== undefined) checkRange(range, plaintextLength);

  let dataKey: KeyObject | undefined = importDataKey(params.dataKey);
  const digest = contextDigest(params.context);
  const input = byteQueue();
  let state: Opened | undefined;

  // Returns false until the whole header has arrived; fails on the first byte if it is not 0x01.
  function readHeader(): boolean {
    if (input.length > 0 && input.peek() !== STREAM_VERSION) fail('object-stream-version');
    if (input.length < HEADER_LENGTH) return false;
    const header = input.takeContiguous(HEADER_LENGTH);
    const segmentSize = header.readUInt32BE(1);
    if (!isValidSegmentSize(segmentSize) || (expectedSegmentSize !== undefined && segmentSize !== expectedSegmentSize)) {
      fail('object-stream-corrupt', 'formats/object-stream: bad header');
    }
    const key = deriveSegmentKey(dataKey!, header, digest);
    dataKey = undefined;
    const limit = maxPlaintextLength(segmentSize);
    const opened: Opened = { key, nonce: nonceWriter(header), segmentSize, limit, count: undefined, next: 0, lastWanted: 0, from: 0, to: 0 };
    if (plaintextLength !== undefined) {
      if (plaintextLength > limit) fail('object-stream-too-large');
      opened.count = segmentCount(plaintextLength, segmentSize);
      opened.from = range?.start ?? 0;
      opened.to = range?.end ?? plaintextLength - 1;
      opened.next = segmentIndexOf(opened.from, segmentSize);
      opened.lastWanted = range === undefined ? opened.count - 1 : segmentIndexOf(opened.to, segmentSize);
    } else {
      opened.to = limit;
    }
    state = opened;
    return true;
  }

  // Releases the part of segment `index` that lies in [from, to].
  function release(s: Opened, index: number, pieces: Buffer[]): void {
    let offset = index * s.segmentSize;
    for (const piece of pieces) {
      const start = Math.max(s.from - offset, 0);
      const end = Math.min(s.to - offset + 1, piece.length);
      if (end > start) stream.push(start === 0 && end === piece.length ? piece : piece.subarray(start, end));
      offset += piece.length;
    }
  }

  function open(s: Opened, length: number, last: boolean): void {
    const index = s.next;
    const pieces = input.take(length);
    const tag = input.takeContiguous(TAG_LENGTH);
    const plaintext = openSegment(s.key, s.nonce(index, last), pieces, tag);
    if (plaintext === undefined) {
      // A full segment at the end that opens only as an inner segment: the rest was cut off.
      if (last && s.count === undefined && length === s.segmentSize) {
        const inner = openSegment(s.key, s.nonce(index, false), pieces, tag);
        if (inner !== undefined) {
          for (const buffer of inner) buffer.fill(0);
          fail('object-stream-truncated');
        }
      }
      fail('object-stream-corrupt');
    }
    release(s, index, plaintext);
    s.next = index + 1;
  }

  function pumpKnown(s: Opened, count: number, eof: boolean): void {
    while (s.next <= s.lastWanted) {
      const length = segmentPlaintextLength(s.next, plaintextLength!, s.segmentSize);
      if (input.length < length + TAG_LENGTH) break;
      open(s, length, s.next === count - 1);
    }
    if (s.next > s.lastWanted && input.length > 0) fail('object-stream-trailing-data');
    if (eof && s.next <= s.lastWanted) fail('object-stream-truncated');
  }

  function pumpUnknown(s: Opened, eof: boolean): void {
    const full = s.segmentSize + TAG_LENGTH;
    // A full segment is opened as an inner one only once a later byte proves it is not the last.
    while (input.length > full) {
      // An inner segment i implies at least (i + 1)·S + 1 plaintext bytes and a u32 index after it.
      if ((s.next + 1) * s.segmentSize >= s.limit) fail('object-stream-too-large');
      open(s, s.segmentSize, false);
    }
    if (!eof) return;
    if (input.length < TAG_LENGTH) fail('object-stream-truncated');
    const length = input.length - TAG_LENGTH;
    // The writer leaves the last segment empty only when the whole object is empty (§3.2).
    if (length === 0 && s.next > 0) fail('object-stream-corrupt', 'formats/object-stream: empty segment after the first');
    open(s, length, true);
  }

  function pump(eof: boolean): void {
    if (state === undefined && !readHeader()) {
      if (eof) fail('object-stream-truncated');
      return;
    }
    if (state!.count === undefined) pumpUnknown(state!, eof);
    else pumpKnown(state!, state!.count, eof);
  }

  const stream = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      input.push(chunk);
      try {
        pump(false);
      } catch (error) {
        return callback(error as Error);
      }
      callback();
    },
    flush(callback: TransformCallback) {
      try {
        pump(true);
      } catch (error) {
        return callback(error as Error);
      }
      callback();
    },
  });
  return stream;
}
