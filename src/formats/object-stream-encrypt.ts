import { randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { needs } from '../util/needs.js';
import { ObjectStreamError, invalidArgument } from './object-stream-error.js';
import { byteQueue } from './object-stream-bytes.js';
import {
  checkContext,
  checkDataKey,
  contextDigest,
  deriveSegmentKey,
  encodeHeader,
  importDataKey,
  nonceWriter,
  sealSegment,
  type PlaintextDataKey,
} from './object-stream-crypto.js';
import {
  DEFAULT_SEGMENT_SIZE,
  PREFIX_LENGTH,
  SALT_LENGTH,
  checkSegmentSize,
  ciphertextLength,
  maxPlaintextLength,
} from './object-stream-layout.js';

/** What both directions of the object stream need. */
export interface StreamParams {
  /** The object's 32-byte data key. Copied when the stream is created; the caller may zero it then. */
  dataKey: PlaintextDataKey;
  /** The object's identity (bucket, version, key); bound into the segment key, never stored. */
  context: string;
  /** Plaintext bytes per segment, 16384–4194304. Default 65536. */
  segmentSize?: number;
  /** Source of the 39 random header bytes (salt ‖ nonce prefix). Default `crypto.randomBytes`. */
  random?: (n: number) => Buffer;
}

/**
 * Encrypts an object: plaintext in, `header ‖ segments` out (`docs/formats.md` §3), in constant
 * memory (one segment held back, to learn whether it is the last) and with the stream's
 * backpressure. The output is exactly `ciphertextLength(bytes written, segmentSize)` bytes.
 *
 * @throws ObjectStreamError `object-stream-invalid-argument` (synchronously) for a bad key,
 *   context, segment size or random source; emits `object-stream-too-large` if more than
 *   `min(2^48, 2^32 · segmentSize)` bytes are written.
 */
export function encryptStream(params: StreamParams): Transform {
  const segmentSize = params.segmentSize ?? DEFAULT_SEGMENT_SIZE;
  checkDataKey(params.dataKey);
  checkContext(params.context);
  checkSegmentSize(segmentSize);
  const random = params.random ?? randomBytes;
  const fresh = random(SALT_LENGTH + PREFIX_LENGTH);
  /* Precondition: random returns exactly the number of bytes asked for. */
  needs(Buffer.isBuffer(fresh) && fresh.length === SALT_LENGTH + PREFIX_LENGTH, invalidArgument('random returned the wrong number of bytes'));

  const header = encodeHeader(segmentSize, fresh);
  const key = deriveSegmentKey(importDataKey(params.dataKey), header, contextDigest(params.context));
  const nonce = nonceWriter(header);
  const limit = maxPlaintextLength(segmentSize);
  const pending = byteQueue();
  let received = 0;
  let written = 0;
  let index = 0;
  let headerSent = false;

  const emit = (bytes: Buffer): void => {
    written += bytes.length;
    stream.push(bytes);
  };
  const sendHeader = (): void => {
    if (headerSent) return;
    headerSent = true;
    emit(header);
  };
  const seal = (length: number, last: boolean): void => {
    sealSegment(key, nonce(index, last), pending.take(length), emit);
    index += 1;
  };

  const stream = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      received += chunk.length;
      // SP 800-38D §8.2.1: the u32 index must not wrap, so refuse input before it could.
      if (received > limit) return callback(new ObjectStreamError('object-stream-too-large'));
      try {
        sendHeader();
        pending.push(chunk);
        // A full segment is sealed with flag 0 only once a later byte proves it is not the last.
        while (pending.length > segmentSize) seal(segmentSize, false);
      } catch (error) {
        return callback(error as Error);
      }
      callback();
    },
    flush(callback: TransformCallback) {
      try {
        sendHeader();
        seal(pending.length, true);
        /* Postcondition: the encryptor writes exactly ciphertextLength(plaintext length, segment size) bytes. */
        needs(written === ciphertextLength(received, segmentSize), 'formats/object-stream: wrote the wrong number of bytes');
      } catch (error) {
        return callback(error as Error);
      }
      callback();
    },
  });
  return stream;
}
