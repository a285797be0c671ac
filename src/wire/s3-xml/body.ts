import type { IncomingMessage } from 'node:http';
import { PassThrough, type Transform } from 'node:stream';
import { objectError } from '../../objects/errors.js';
import type { Authenticated } from '../http/sigv4.js';
import { chunkedModeFor, decodeAwsChunked, signingKeyFor } from './chunked.js';

export interface DecodedBody {
  /** The payload, unframed; never the request stream itself, so a refusal can still drain and answer. */
  stream: Transform;
  /** Trailing headers (aws-chunked), complete once `stream` has ended. */
  trailers(): Record<string, string>;
  /** The payload length the request declared, when it did. */
  declaredLength?: number;
}

/**
 * The request body as its x-amz-content-sha256 describes it: plain (a digest, checked as it is
 * stored, or UNSIGNED-PAYLOAD) or aws-chunked, signed chunk by chunk or with trailing checksums.
 */
export function decodedBody(req: IncomingMessage, auth: Authenticated, presigned: boolean): DecodedBody {
  const sha = presigned ? 'UNSIGNED-PAYLOAD' : String(req.headers['x-amz-content-sha256']);
  const mode = chunkedModeFor(sha);
  const contentLength = req.headers['content-length'] !== undefined ? Number(req.headers['content-length']) : undefined;
  if (!mode) {
    if (sha !== 'UNSIGNED-PAYLOAD' && !/^[0-9a-fA-F]{64}$/.test(sha)) {
      throw objectError('invalid-argument', 'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD(-TRAILER), or a valid sha256 value.', {
        ArgumentName: 'x-amz-content-sha256',
      });
    }
    const stream = new PassThrough();
    req.pipe(stream);
    return { stream, trailers: () => ({}), ...(contentLength !== undefined ? { declaredLength: contentLength } : {}) };
  }
  const decoded = req.headers['x-amz-decoded-content-length'];
  const decodedLength = decoded !== undefined ? Number(decoded) : undefined;
  if (decodedLength !== undefined && (!Number.isSafeInteger(decodedLength) || decodedLength < 0)) {
    throw objectError('invalid-argument', 'x-amz-decoded-content-length is not a valid length.', { ArgumentName: 'x-amz-decoded-content-length' });
  }
  const { info, secretAccessKey } = auth;
  const declaredTrailers = String(req.headers['x-amz-trailer'] ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const decoder = decodeAwsChunked({
    mode,
    ...(decodedLength !== undefined ? { decodedLength } : {}),
    ...(mode !== 'unsigned-trailer'
      ? {
          signing: {
            signingKey: signingKeyFor(secretAccessKey, info.date, info.region, info.service),
            amzDate: info.amzDate,
            scope: `${info.date}/${info.region}/${info.service}/aws4_request`,
            seedSignature: info.signature,
          },
        }
      : {}),
    declaredTrailers,
  });
  req.pipe(decoder);
  return { stream: decoder, trailers: () => ({ ...decoder.trailers }), ...(decodedLength !== undefined ? { declaredLength: decodedLength } : {}) };
}
