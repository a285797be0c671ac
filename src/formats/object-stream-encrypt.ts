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

/** The push side of the encryptor: plaintext in by `write`, stored bytes out through `emit`. */
export interface Sealer {
  /** Encrypts what it can of `chunk`; hands every stored byte produced to `emit`, in order. */
  write(chunk: Buffer): void;
  /** Seals the last segment; after it, exactly `ciphertextLength(bytes written, segmentSize)` bytes were emitted. */
  end(): void;
}

/**
 * The encryptor without stream machinery (`docs/formats.md` §3): `emit` receives the header and
 * then each segment's ciphertext and tag as node:crypto returns them (fresh buffers the caller may
 * keep), in constant memory (one segment held back, to learn whether it is the last).
 *
 * @throws ObjectStreamError `object-stream-invalid-argument` (synchronously) for a bad key,
 *   context, segment size or random source; `object-stream-too-large` from `write` once more than
 *   `min(2^48, 2^32 · segmentSize)` bytes are written.
 */
export function sealer(params: StreamParams, emit: (bytes: Buffer) => void): Sealer {
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

  const out = (bytes: Buffer): void => {
    written += bytes.length;
    emit(bytes);
  };
  const sendHeader = (): void => {
    if (headerSent) return;
    headerSent = true;
    out(header);
  };
  const seal = (length: number, last: boolean): void => {
    sealSegment(key, nonce(index, last), pending.take(length), out);
    index += 1;
  };

  return {
    write(chunk) {
      received += chunk.length;
      // SP 800-38D §8.2.1: the u32 index must not wrap, so refuse input before it could.
      if (received > limit) throw new ObjectStreamError('object-stream-too-large');
      sendHeader();
      pending.push(chunk);
      // A full segment is sealed with flag 0 only once a later byte proves it is not the last.
      while (pending.length > segmentSize) seal(segmentSize, false);
    },
    end() {
      sendHeader();
      seal(pending.length, true);
      /* Postcondition: the encryptor writes exactly ciphertextLength(plaintext length, segment size) bytes. */
      needs(written === ciphertextLength(received, segmentSize), 'formats/object-stream: wrote the wrong number of bytes');
    },
  };
}

/**
 * Encrypts an object: plaintext in, `header ‖ segments` out (`docs/formats.md` §3), as a Transform
 * with the stream's backpressure; see `sealer`.
 *
 * @throws ObjectStreamError `object-stream-invalid-argument` (synchronously) for a bad key,
 *   context, segment size or random source; emits `object-stream-too-large` if more than
 *   `min(2^48, 2^32 · segmentSize)` bytes are written.
 */
export function encryptStream(params: StreamParams): Transform {
  const core = sealer(params, (bytes) => stream.push(bytes));
  const stream = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      try {
        core.write(chunk);
      } catch (error) {
        return callback(error as Error);
      }
      callback();
    },
    flush(callback: TransformCallback) {
      try {
        core.end();
      } catch (error) {
        return callback(error as Error);
      }
      callback();
    },
  });
  return stream;
}
