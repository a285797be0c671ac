import { createHash } from 'node:crypto';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ciphertextLength, sealer, type StreamParams } from '../formats/object-stream.js';
import type { BlobWriter } from '../store/object-types.js';
import { blockFiller } from '../util/block-filler.js';
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

/** Counts and hashes the plaintext on its way to the cipher; `finish` fails the write if a check fails. */
function bodyChecker(checks: BodyChecks) {
  const md5 = checks.contentMd5 !== undefined ? createHash('md5') : undefined;
  const sha256 = checks.contentSha256 !== undefined ? createHash('sha256') : undefined;
  const checksum = checks.checksumAlgorithm ? createChecksum(checks.checksumAlgorithm) : undefined;
  let size = 0;
  return {
    update(chunk: Buffer): void {
      size += chunk.length;
      if (checks.maxLength !== undefined && size > checks.maxLength) {
        throw objectError('entity-too-large', 'Your proposed upload exceeds the maximum allowed size', { MaxSizeAllowed: String(checks.maxLength) });
      }
      md5?.update(chunk);
      sha256?.update(chunk);
      checksum?.update(chunk);
    },
    finish(): { size: number; checksum?: string } {
      if (checks.declaredLength !== undefined && size !== checks.declaredLength) {
        throw objectError('incomplete-body', 'You did not provide the number of bytes specified by the Content-Length HTTP header.');
      }
      if (md5 && md5.digest('base64') !== checks.contentMd5) {
        throw objectError('bad-digest', 'The Content-MD5 you specified did not match what we received.');
      }
      if (sha256 && sha256.digest('hex') !== checks.contentSha256!.toLowerCase()) {
        throw objectError('content-sha256-mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
      }
      const computed = checksum?.digest().toString('base64');
      const expected = checks.expectedChecksum?.();
      if (computed !== undefined && expected !== undefined && computed !== expected) {
        throw objectError('bad-digest', `The ${checks.checksumAlgorithm} you specified did not match the calculated checksum.`);
      }
      return { size, ...(computed !== undefined ? { checksum: computed } : {}) };
    },
  };
}

/** Stored bytes go to the blob store in blocks of this size, WRITES_IN_FLIGHT + 1 at most in use per upload. */
const BLOCK_BYTES = 1024 * 1024;
const WRITES_IN_FLIGHT = 3;

/**
 * A Writable that checks and encrypts the plaintext written to it and appends the stored bytes to
 * `writer` in blocks it reuses: what node:crypto returns is copied out at once and dies young, so a
 * multi-GB upload makes the garbage collector do next to nothing. A few blocks are written while the
 * next fills; `done` gets the checks' result at the end.
 */
function encryptingSink(writer: BlobWriter, params: StreamParams, check: ReturnType<typeof bodyChecker>, blockBytes: number, done: (r: { size: number; checksum?: string }) => void): Writable {
  const free: Buffer[] = [];
  const full: { block: Buffer; length: number }[] = [];
  const writing = new Set<Promise<void>>();
  let failed: unknown;

  const blocks = blockFiller(
    () => free.pop() ?? Buffer.allocUnsafeSlow(blockBytes),
    (block, length) => full.push({ block, length }),
  );
  const seal = sealer(params, blocks.write);

  // Starts writing the full blocks in order, WRITES_IN_FLIGHT at a time (the file's page cache
  // takes them in parallel); resolves once there is room for one more.
  async function writeFull(): Promise<void> {
    while (full.length > 0) {
      while (writing.size >= WRITES_IN_FLIGHT) await Promise.race(writing);
      if (failed !== undefined) throw failed;
      const next = full.shift()!;
      const write: Promise<void> = writer.append([next.block.subarray(0, next.length)]).then(
        () => {
          free.push(next.block);
          writing.delete(write);
        },
        (e: unknown) => {
          failed = e;
          writing.delete(write);
        },
      );
      writing.add(write);
    }
  }

  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      try {
        check.update(chunk);
        seal.write(chunk);
      } catch (e) {
        return callback(e as Error);
      }
      writeFull().then(() => callback(), callback);
    },
    final(callback) {
      (async () => {
        seal.end();
        const result = check.finish();
        blocks.flush();
        await writeFull();
        await Promise.all(writing);
        if (failed !== undefined) throw failed;
        done(result);
      })().then(() => callback(), callback);
    },
  });
}

/**
 * Checks, encrypts (docs/formats.md §3) and durably stores one part's plaintext, in segments of
 * `segmentSize` (new objects: the configured size; a re-encrypted part keeps its object's). Resolves
 * only once the bytes are on disk and every check passed; otherwise nothing is left behind.
 */
export async function writeEncrypted(
  ctx: ObjectContext,
  body: Readable,
  dataKey: Buffer,
  streamContext: string,
  checks: BodyChecks,
  segmentSize = ctx.deps.segmentSize,
): Promise<WrittenBody> {
  const params = { dataKey, context: streamContext, segmentSize, random: ctx.deps.random };
  // A small object needs only a small block (its declared length is capped: it may be a lie).
  const declared = checks.declaredLength;
  const blockBytes = declared !== undefined && Number.isSafeInteger(declared) && declared >= 0 && declared < BLOCK_BYTES ? ciphertextLength(declared, params.segmentSize) : BLOCK_BYTES;
  let result: { size: number; checksum?: string } | undefined;
  const writer = await ctx.deps.blobs.create();
  try {
    await pipeline(body, encryptingSink(writer, params, bodyChecker(checks), blockBytes, (r) => (result = r)));
    const { blobId } = await writer.commit();
    return { blobId, ...result! };
  } catch (e) {
    await writer.abort();
    throw e;
  }
}
