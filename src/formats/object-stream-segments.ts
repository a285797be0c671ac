// Random access to a stream's segments (docs/formats.md §3.4, "Segments at known offsets"): the
// caller reads the header and then whole segments from wherever they are stored, in blocks of its
// choosing, and opens each one here. No stream machinery, so nothing is buffered or copied twice.
import { createDecipheriv, type KeyObject } from 'node:crypto';
import { needs } from '../util/needs.js';
import { ObjectStreamError, invalidArgument } from './object-stream-error.js';
import { checkContext, checkDataKey, contextDigest, deriveSegmentKey, importDataKey, nonceWriter, type PlaintextDataKey } from './object-stream-crypto.js';
import {
  HEADER_LENGTH,
  STREAM_VERSION,
  TAG_LENGTH,
  checkPlaintextLength,
  checkSegmentSize,
  isValidSegmentSize,
  segmentCount,
  segmentOffset,
  segmentPlaintextLength,
} from './object-stream-layout.js';

/** Opens the segments of one stream whose header has been read. */
export interface SegmentOpener {
  readonly segmentSize: number;
  /** Segments in the stream (at least 1). */
  readonly count: number;
  /** Where segment `index` starts in the stored stream. */
  offsetOf(index: number): number;
  /** Stored bytes of segment `index`: its plaintext length + 16. */
  storedLengthOf(index: number): number;
  /**
   * The plaintext of segment `index`, given exactly its stored bytes (which may be a view into a
   * buffer the caller reuses: they are not kept). Nothing is returned unless the tag verifies.
   *
   * @throws ObjectStreamError `object-stream-corrupt` when it does not.
   */
  open(index: number, stored: Buffer): Buffer;
}

/** What opening a stored stream needs besides its header. */
export interface OpenerParams {
  /** The data key, already imported (`importKey`), so that one import serves every part of an object. */
  key: KeyObject;
  context: string;
  /** The stream's plaintext length, from the object's metadata. */
  plaintextLength: number;
  /** The segment size the caller computed its offsets with; the header must say the same. */
  segmentSize: number;
}

/** Copies a data key into a KeyObject (the caller may zero its Buffer at once). */
export function importKey(dataKey: PlaintextDataKey): KeyObject {
  checkDataKey(dataKey);
  return importDataKey(dataKey);
}

/**
 * Checks a stream's 44-byte header (fewer bytes: truncated) against what the caller expects and
 * derives its segment key.
 *
 * @throws ObjectStreamError `object-stream-truncated`, `object-stream-version`,
 *   `object-stream-corrupt` (bad header); `object-stream-invalid-argument` for bad parameters.
 */
export function segmentOpener(params: OpenerParams, header: Buffer): SegmentOpener {
  const { segmentSize, plaintextLength } = params;
  checkContext(params.context);
  checkSegmentSize(segmentSize);
  checkPlaintextLength(plaintextLength, segmentSize);
  if (header.length > 0 && header[0] !== STREAM_VERSION) throw new ObjectStreamError('object-stream-version');
  if (header.length < HEADER_LENGTH) throw new ObjectStreamError('object-stream-truncated');
  const stated = header.readUInt32BE(1);
  if (!isValidSegmentSize(stated) || stated !== segmentSize) throw new ObjectStreamError('object-stream-corrupt', 'formats/object-stream: bad header');
  const key = deriveSegmentKey(params.key, header.subarray(0, HEADER_LENGTH), contextDigest(params.context));
  const nonce = nonceWriter(header);
  const count = segmentCount(plaintextLength, segmentSize);
  return {
    segmentSize,
    count,
    offsetOf: (index) => segmentOffset(index, segmentSize),
    storedLengthOf: (index) => segmentPlaintextLength(index, plaintextLength, segmentSize) + TAG_LENGTH,
    open(index, stored) {
      const length = segmentPlaintextLength(index, plaintextLength, segmentSize);
      /* Precondition: the caller hands over exactly one stored segment of this stream. */
      needs(index >= 0 && index < count && stored.length === length + TAG_LENGTH, invalidArgument('not one whole segment of this stream'));
      const decipher = createDecipheriv('aes-256-gcm', key, nonce(index, index === count - 1), { authTagLength: TAG_LENGTH });
      decipher.setAuthTag(stored.subarray(length));
      const plaintext = decipher.update(stored.subarray(0, length));
      try {
        decipher.final();
      } catch {
        plaintext.fill(0);
        throw new ObjectStreamError('object-stream-corrupt');
      }
      return plaintext;
    },
  };
}
