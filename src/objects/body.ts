import { createHash } from 'node:crypto';
import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';
import { ciphertextRangeFor, decryptStream, encryptStream, HEADER_LENGTH } from '../formats/object-stream.js';
import { createChecksum, type ChecksumAlgorithm } from './checksums.js';
import type { ObjectContext } from './context.js';
import { objectError } from './errors.js';

/** What the request says its body must be; every check runs on the plaintext before anything is kept. */
export interface BodyChecks {
  /** Content-MD5 (base64). */
  contentMd5?: string;
  /** x-amz-content-sha256 when it is a digest (hex), not UNSIGNED-PAYLOAD or STREAMING-…. */
  contentSha256?: string;
  /** The flexible checksum to compute and keep. */
  checksumAlgorithm?: ChecksumAlgorithm;
  /** Its expected value (base64), from a header or, read at the end of the body, a trailer. */
  expectedChecksum?: () => string | undefined;
  /** The length the request declared (Content-Length or x-amz-decoded-content-length). */
  declaredLength?: number;
  /** Refuse bodies larger than this (S3: 5 GiB for one PUT or part). */
  maxLength?: number;
}

export interface WrittenBody {
  blobId: string;
  /** Plaintext length. */
  size: number;
  /** The computed flexible checksum (base64), when one was asked for. */
  checksum?: string;
}

/** Counts and hashes the plaintext on its way to the cipher, and fails the write if a check fails. */
function checkingTap(checks: BodyChecks, done: (size: number, checksum?: string) => void): Transform {
  const md5 = checks.contentMd5 !== undefined ? createHash('md5') : undefined;
  const sha256 = checks.contentSha256 !== undefined ? createHash('sha256') : undefined;
  const checksum = checks.checksumAlgorithm ? createChecksum(checks.checksumAlgorithm) : undefined;
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, callback: TransformCallback) {
      size += chunk.length;
      if (checks.maxLength !== undefined && size > checks.maxLength) {
        callback(objectError('entity-too-large', 'Your proposed upload exceeds the maximum allowed size', { MaxSizeAllowed: String(checks.maxLength) }));
        return;
      }
      md5?.update(chunk);
      sha256?.update(chunk);
      checksum?.update(chunk);
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      if (checks.declaredLength !== undefined && size !== checks.declaredLength) {
        callback(objectError('incomplete-body', 'You did not provide the number of bytes specified by the Content-Length HTTP header.'));
        return;
      }
      if (md5 && md5.digest('base64') !== checks.contentMd5) {
        callback(objectError('bad-digest', 'The Content-MD5 you specified did not match what we received.'));
        return;
      }
      if (sha256 && sha256.digest('hex') !== checks.contentSha256!.toLowerCase()) {
        callback(objectError('content-sha256-mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed."));
        return;
      }
      const computed = checksum?.digest().toString('base64');
      const expected = checks.expectedChecksum?.();
      if (computed !== undefined && expected !== undefined && computed !== expected) {
        callback(
          objectError('bad-digest', `The ${checks.checksumAlgorithm} you specified did not match the calculated checksum.`),
        );
        return;
      }
      done(size, computed);
      callback();
    },
  });
}

/**
 * Checks, encrypts (docs/formats.md §3) and durably stores one part's plaintext. Resolves only once
 * the bytes are on disk and every check passed; otherwise nothing is left behind.
 */
export async function writeEncrypted(
  ctx: ObjectContext,
  body: Readable,
  dataKey: Buffer,
  streamContext: string,
  checks: BodyChecks,
): Promise<WrittenBody> {
  let result: { size: number; checksum?: string } | undefined;
  const tap = checkingTap(checks, (size, checksum) => (result = { size, ...(checksum !== undefined ? { checksum } : {}) }));
  const cipher = encryptStream({ dataKey, context: streamContext, segmentSize: ctx.deps.segmentSize, random: ctx.deps.random });
  const { blobId } = await ctx.deps.blobs.write(body, [tap, cipher]);
  return { blobId, ...result! };
}

/** A part's plaintext bytes [start, end] (or all), authenticated segment by segment. */
export function readDecrypted(
  ctx: ObjectContext,
  blobId: string,
  dataKey: Buffer,
  streamContext: string,
  plaintextLength: number,
  segmentSize: number,
  range?: { start: number; end: number },
): Readable[] {
  if (!range) {
    return [ctx.deps.blobs.read(blobId), decryptStream({ dataKey, context: streamContext, segmentSize, plaintextLength })];
  }
  return rangeStreams(ctx, blobId, dataKey, streamContext, plaintextLength, segmentSize, range);
}

function rangeStreams(
  ctx: ObjectContext,
  blobId: string,
  dataKey: Buffer,
  streamContext: string,
  plaintextLength: number,
  segmentSize: number,
  range: { start: number; end: number },
): Readable[] {
  const c = ciphertextRangeFor(range, plaintextLength, segmentSize);
  // The decryptor wants the 44-byte header, then the needed segments: one read when they touch.
  const source = new PassThrough();
  const pieces = c.start <= HEADER_LENGTH ? [{ start: 0, end: c.end }] : [{ start: 0, end: HEADER_LENGTH - 1 }, { start: c.start, end: c.end }];
  (async () => {
    for (const piece of pieces) {
      for await (const chunk of ctx.deps.blobs.read(blobId, piece)) {
        if (!source.write(chunk)) await new Promise((r) => source.once('drain', r));
      }
    }
    source.end();
  })().catch((e) => source.destroy(e));
  return [source, decryptStream({ dataKey, context: streamContext, segmentSize, plaintextLength, range })];
}
