/**
 * Decoding of `Content-Encoding: aws-chunked` request bodies (S3 API Reference, "Signature
 * Calculations for the Authorization Header: Transferring Payload in Multiple Chunks" and "…
 * Including Trailing Headers"). Pure: bytes in, payload bytes out; no HTTP.
 *
 * The three framings, chosen by `x-amz-content-sha256` (see `chunkedModeFor`):
 *
 * ```text
 * signed           (STREAMING-AWS4-HMAC-SHA256-PAYLOAD)
 *   hex(size);chunk-signature=<64 hex>\r\n <size bytes> \r\n   … repeated
 *   0;chunk-signature=<64 hex>\r\n \r\n
 * signed-trailer   (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER)
 *   the same chunks, then after the 0-size chunk line:
 *   x-amz-checksum-crc32:<base64>\r\n x-amz-trailer-signature:<64 hex>\r\n \r\n
 * unsigned-trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER; the SDKs' default over HTTPS)
 *   hex(size)\r\n <size bytes> \r\n   … repeated
 *   0\r\n x-amz-checksum-crc32:<base64>\r\n \r\n
 * ```
 *
 * Chunk signature n = hex(HMAC-SHA256(signingKey, "AWS4-HMAC-SHA256-PAYLOAD\n" + amzDate + "\n" +
 * scope + "\n" + signature n-1 + "\n" + hex(SHA256("")) + "\n" + hex(SHA256(chunk data)))), where
 * signature 0 is the request's own (the seed). The trailer signature is hex(HMAC-SHA256(signingKey,
 * "AWS4-HMAC-SHA256-TRAILER\n" + amzDate + "\n" + scope + "\n" + <0-size chunk's signature> + "\n" +
 * hex(SHA256(canonical trailers)))), the canonical trailers being `name:value\n` for each trailer but
 * the signature, names lower-cased and sorted, values trimmed.
 *
 * @module
 */
import { createHash, createHmac, timingSafeEqual, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { needs } from '../../util/needs.js';

/** Which aws-chunked framing a body uses. */
export type ChunkedMode = 'signed' | 'signed-trailer' | 'unsigned-trailer';

/**
 * Why a body was refused. Suggested S3 errors: `incomplete-body` → IncompleteBody (400),
 * `signature-mismatch` → SignatureDoesNotMatch (403), `malformed` → InvalidRequest (400),
 * `malformed-trailer` → MalformedTrailerError (400), `length-mismatch` → IncompleteBody (400) when
 * short, InvalidRequest otherwise (see `ChunkedError.details`).
 */
export type ChunkedErrorCode = 'incomplete-body' | 'signature-mismatch' | 'malformed' | 'malformed-trailer' | 'length-mismatch';

export class ChunkedError extends Error {
  override readonly name = 'ChunkedError';
  readonly code: ChunkedErrorCode;
  /** For `length-mismatch`: the declared and the received (so far) decoded lengths. */
  readonly details: { declared?: number; received?: number };
  constructor(code: ChunkedErrorCode, message: string, details: { declared?: number; received?: number } = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

/** What chunk and trailer signatures are checked with: the seed request's SigV4 parameters. */
export interface ChunkSigning {
  /** `signingKeyFor(secret, date, region, service)`. */
  signingKey: Buffer;
  /** The request's `x-amz-date`, e.g. `20130524T000000Z`. */
  amzDate: string;
  /** `date/region/service/aws4_request`. */
  scope: string;
  /** The `Signature=` of the request's Authorization header, already verified. */
  seedSignature: string;
}

export interface DecodeAwsChunkedOptions {
  mode: ChunkedMode;
  /** `x-amz-decoded-content-length`: the payload must be exactly this long. */
  decodedLength?: number;
  /** Required for the signed modes. */
  signing?: ChunkSigning;
  /** `x-amz-trailer`, split on commas: every trailer sent must be declared, and every declared one sent. */
  declaredTrailers?: readonly string[];
  /**
   * Largest chunk accepted in the signed modes, whose chunks are held until their signature
   * checks. Default 16 MiB (the SDKs send 64 KiB–1 MiB). Unsigned chunks are streamed, not held.
   */
  maxChunkSize?: number;
}

/** The decoding stream. `trailers` is complete once `end` has been emitted. */
export interface AwsChunkedDecoder extends Transform {
  /** Trailers by lower-case name, without `x-amz-trailer-signature`; values trimmed. */
  readonly trailers: Readonly<Record<string, string>>;
  /** Payload bytes decoded so far (at `end`, the payload length). */
  readonly decodedBytes: number;
}

const MODES = {
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD': 'signed',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER': 'signed-trailer',
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER': 'unsigned-trailer',
} as const satisfies Record<string, ChunkedMode>;

/**
 * The framing named by an `x-amz-content-sha256` value, or undefined for a plain body (a hex
 * SHA-256, `UNSIGNED-PAYLOAD`) and for the SigV4a variants (`STREAMING-AWS4-ECDSA-P256-SHA256-…`),
 * which we do not support.
 */
export function chunkedModeFor(contentSha256: string | undefined): ChunkedMode | undefined {
  return contentSha256 !== undefined && Object.hasOwn(MODES, contentSha256) ? MODES[contentSha256 as keyof typeof MODES] : undefined;
}

/** The SigV4 signing key: HMAC chain "AWS4"+secret → date (YYYYMMDD) → region → service → "aws4_request". */
export function signingKeyFor(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  let key: Buffer = Buffer.from(`AWS4${secretAccessKey}`, 'utf8');
  for (const part of [date, region, service, 'aws4_request']) key = createHmac('sha256', key).update(part, 'utf8').digest();
  return key;
}

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const SIGNED_SIZE_LINE = /^([0-9a-fA-F]{1,16});chunk-signature=([0-9a-f]{64})$/;
const UNSIGNED_SIZE_LINE = /^([0-9a-fA-F]{1,16})$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
const SIGNATURE = /^[0-9a-f]{64}$/;
/** A size line is at most ~100 bytes; a trailer line holds one checksum. Anything longer is junk. */
const MAX_LINE = 4096;
const MAX_TRAILERS = 16;
const DEFAULT_MAX_CHUNK = 16 * 1024 * 1024;

type State = 'size' | 'data' | 'data-crlf' | 'final-crlf' | 'trailer' | 'done';

const fail = (code: ChunkedErrorCode, what: string, details?: ChunkedError['details']): never => {
  throw new ChunkedError(code, `wire/s3-chunked: ${what}`, details);
};

/**
 * A Transform from an aws-chunked body to its payload, in constant memory: unsigned chunks are
 * streamed as they arrive; a signed chunk is held (up to `maxChunkSize`) and released only once its
 * signature checks, so every byte emitted in a signed mode is authenticated. Chunk boundaries may
 * fall anywhere in the input. Failures are emitted as `ChunkedError`; the payload is only complete
 * and valid when `end` is emitted (a trailing checksum is for the caller to compare, see `trailers`).
 */
export function decodeAwsChunked(options: DecodeAwsChunkedOptions): AwsChunkedDecoder {
  const { mode, decodedLength, signing } = options;
  const signed = mode !== 'unsigned-trailer';
  /* Precondition: a signed mode needs the seed request's signing parameters. */
  needs(
    !signed || (signing !== undefined && SIGNATURE.test(signing.seedSignature) && signing.signingKey.length === 32),
    () => new TypeError('wire/s3-chunked: a signed mode needs signing parameters with a 64-hex seed signature'),
  );
  /* Precondition: decodedLength is a non-negative safe integer. */
  needs(
    decodedLength === undefined || (Number.isSafeInteger(decodedLength) && decodedLength >= 0),
    () => new TypeError('wire/s3-chunked: decodedLength must be a non-negative safe integer'),
  );
  const maxChunkSize = options.maxChunkSize ?? DEFAULT_MAX_CHUNK;
  const declared = options.declaredTrailers?.map((name) => name.trim().toLowerCase()).filter((name) => name !== '');

  let state: State = 'size';
  let lineParts: Buffer[] = [];
  let lineLength = 0;
  let remaining = 0;
  let crlfSeen = 0;
  let chunkSignature = '';
  let chunkHash: Hash | undefined;
  let held: Buffer[] = [];
  let previous = signing?.seedSignature ?? '';
  let total = 0;
  let skippedBlank = false;
  const trailerLines: string[] = [];
  const trailers: Record<string, string> = {};

  const hmac = (stringToSign: string) => createHmac('sha256', signing!.signingKey).update(stringToSign, 'utf8').digest();
  const sameSignature = (expected: Buffer, provided: string) => timingSafeEqual(expected, Buffer.from(provided, 'hex'));

  /** The next CRLF-terminated line at `offset`, or undefined when it continues past this buffer. */
  const readLine = (buf: Buffer, offset: number): { text: string; next: number } | undefined => {
    const lf = buf.indexOf(0x0a, offset);
    const end = lf < 0 ? buf.length : lf;
    lineLength += end - offset;
    if (lineLength > MAX_LINE) fail(state === 'trailer' ? 'malformed-trailer' : 'malformed', 'line too long');
    lineParts.push(buf.subarray(offset, end));
    if (lf < 0) return undefined;
    const line = lineParts.length === 1 ? lineParts[0]! : Buffer.concat(lineParts);
    lineParts = [];
    lineLength = 0;
    if (line.length === 0 || line[line.length - 1] !== 0x0d) fail(state === 'trailer' ? 'malformed-trailer' : 'malformed', 'line not ended by CRLF');
    return { text: line.toString('latin1', 0, line.length - 1), next: lf + 1 };
  };

  const verifyChunk = (signature: string, dataSha256: string) => {
    const expected = hmac(['AWS4-HMAC-SHA256-PAYLOAD', signing!.amzDate, signing!.scope, previous, EMPTY_SHA256, dataSha256].join('\n'));
    if (!sameSignature(expected, signature)) fail('signature-mismatch', 'chunk signature does not match');
    previous = signature;
  };

  const onSizeLine = (text: string) => {
    const match = (signed ? SIGNED_SIZE_LINE : UNSIGNED_SIZE_LINE).exec(text);
    if (match === null) return fail('malformed', 'bad chunk size line');
    const size = Number.parseInt(match[1]!, 16);
    if (!Number.isSafeInteger(size) || (signed && size > maxChunkSize)) fail('malformed', 'chunk too large');
    if (decodedLength !== undefined && total + size > decodedLength) {
      fail('length-mismatch', 'body longer than x-amz-decoded-content-length', { declared: decodedLength, received: total + size });
    }
    if (size === 0) {
      if (signed) verifyChunk(match[2]!, EMPTY_SHA256);
      state = mode === 'signed' ? 'final-crlf' : 'trailer';
      crlfSeen = 0;
      return;
    }
    state = 'data';
    remaining = size;
    if (signed) {
      chunkSignature = match[2]!;
      chunkHash = createHash('sha256');
      held = [];
    }
  };

  const finishTrailers = () => {
    // Parsed aside, and published in `trailers` only once everything below has checked.
    const parsed: Record<string, string> = {};
    let trailerSignature: string | undefined;
    for (const text of trailerLines) {
      const colon = text.indexOf(':');
      const name = text.slice(0, Math.max(colon, 0)).trim().toLowerCase();
      if (colon <= 0 || !TOKEN.test(name)) fail('malformed-trailer', 'bad trailer line');
      const value = text.slice(colon + 1).trim();
      if (name === 'x-amz-trailer-signature') {
        if (trailerSignature !== undefined) fail('malformed-trailer', 'repeated trailer signature');
        trailerSignature = value;
      } else {
        if (Object.hasOwn(parsed, name)) fail('malformed-trailer', `repeated trailer ${name}`);
        parsed[name] = value;
      }
    }
    if (declared !== undefined) {
      for (const name of Object.keys(parsed)) {
        if (!declared.includes(name)) fail('malformed-trailer', `trailer ${name} not declared in x-amz-trailer`);
      }
      for (const name of declared) {
        if (!Object.hasOwn(parsed, name)) fail('malformed-trailer', `trailer ${name} declared but not sent`);
      }
    }
    if (mode === 'signed-trailer') {
      if (trailerSignature === undefined || !SIGNATURE.test(trailerSignature)) return fail('signature-mismatch', 'trailer signature missing');
      const canonical = Object.keys(parsed)
        .sort()
        .map((name) => `${name}:${parsed[name]}\n`)
        .join('');
      const digest = createHash('sha256').update(canonical, 'latin1').digest('hex');
      const expected = hmac(['AWS4-HMAC-SHA256-TRAILER', signing!.amzDate, signing!.scope, previous, digest].join('\n'));
      if (!sameSignature(expected, trailerSignature)) fail('signature-mismatch', 'trailer signature does not match');
    } else if (trailerSignature !== undefined) {
      fail('malformed-trailer', 'trailer signature in an unsigned body');
    }
    Object.freeze(Object.assign(trailers, parsed));
    state = 'done';
  };

  /** Whether the trailer lines so far include everything due: the signature, or each declared trailer. */
  const trailersArrived = () => {
    const names = trailerLines.map((text) => text.slice(0, Math.max(text.indexOf(':'), 0)).trim().toLowerCase());
    return mode === 'signed-trailer' ? names.includes('x-amz-trailer-signature') : (declared ?? []).every((name) => names.includes(name));
  };

  const consume = (buf: Buffer) => {
    let offset = 0;
    while (offset < buf.length) {
      switch (state) {
        case 'size':
        case 'trailer': {
          const line = readLine(buf, offset);
          if (line === undefined) return;
          offset = line.next;
          if (state === 'size') {
            onSizeLine(line.text);
          } else if (line.text !== '') {
            trailerLines.push(line.text);
            if (trailerLines.length > MAX_TRAILERS) fail('malformed-trailer', 'too many trailers');
          } else if (trailerLines.length === 0 && mode === 'signed-trailer' && !skippedBlank) {
            // The S3 API Reference's signed-trailer example puts an empty line between the 0-size
            // chunk and the trailers; the SDKs do not. Accept one there, where a signature is due.
            skippedBlank = true;
          } else {
            finishTrailers();
          }
          break;
        }
        case 'data': {
          const n = Math.min(remaining, buf.length - offset);
          const piece = buf.subarray(offset, offset + n);
          offset += n;
          remaining -= n;
          total += n;
          if (signed) {
            chunkHash!.update(piece);
            held.push(piece);
          } else {
            stream.push(piece);
          }
          if (remaining === 0) {
            state = 'data-crlf';
            crlfSeen = 0;
          }
          break;
        }
        case 'data-crlf':
        case 'final-crlf': {
          if (buf[offset] !== (crlfSeen === 0 ? 0x0d : 0x0a)) fail('malformed', 'chunk data not followed by CRLF');
          offset++;
          if (++crlfSeen < 2) break;
          if (state === 'final-crlf') {
            state = 'done';
          } else {
            if (signed) {
              verifyChunk(chunkSignature, chunkHash!.digest('hex'));
              for (const piece of held) stream.push(piece);
              held = [];
            }
            state = 'size';
          }
          break;
        }
        case 'done':
          return fail('malformed', 'data after the end of the body');
      }
    }
  };

  const stream = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      try {
        consume(chunk);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        if (state === 'final-crlf' && crlfSeen === 0) {
          // The last chunk's signature has checked; only the closing (unsigned) CRLF is missing.
          state = 'done';
        } else if (state === 'trailer' && lineLength === 0 && trailersArrived()) {
          // Every trailer (and its signature) arrived whole; only the closing empty line is missing.
          finishTrailers();
        }
        if (state !== 'done') fail('incomplete-body', 'body ended before its last chunk');
        if (decodedLength !== undefined && total !== decodedLength) {
          fail('length-mismatch', 'body shorter than x-amz-decoded-content-length', { declared: decodedLength, received: total });
        }
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  }) as AwsChunkedDecoder;
  Object.defineProperty(stream, 'trailers', { get: () => trailers, enumerable: true });
  Object.defineProperty(stream, 'decodedBytes', { get: () => total, enumerable: true });
  return stream;
}
