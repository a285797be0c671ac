import type { ObjectEncryption } from '../../store/object-types.js';
import { ownedBucket } from '../buckets.js';
import type { ChecksumAlgorithm } from '../checksums.js';
import type { ObjectContext } from '../context.js';
import { objectError } from '../errors.js';
import { copySourceObject, MAX_COPY_BYTES, openUpload, partNumberOf, readSource, uploadChecksum, type CopySource } from '../multipart.js';
import type { Conditions } from './get-object.js';
import { storePart } from './upload-part.js';

export interface UploadPartCopyInput {
  bucket: string;
  key: string;
  uploadId: string;
  partNumber: string;
  source: CopySource;
  /** x-amz-copy-source-range as sent: `bytes=first-last`. */
  range?: string;
  /** x-amz-copy-source-if-*. */
  conditions: Conditions;
}

export interface UploadPartCopyOutput {
  etag: string;
  lastModified: number;
  encryption: ObjectEncryption;
  checksum: { algorithm: ChecksumAlgorithm; value: string };
}

/** `bytes=first-last`, both inside an object of `size` bytes (S3 takes no open-ended or suffix form here). */
export function copyRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d+)-(\d+)$/.exec(header.trim());
  const details = { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: header };
  if (!m || Number(m[1]) > Number(m[2])) {
    throw objectError(
      'invalid-argument',
      'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy',
      details,
    );
  }
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (end >= size) throw objectError('invalid-argument', `Range specified is not valid for source object of size: ${size}`, details);
  return { start, end };
}

/**
 * UploadPartCopy: a range of an existing object becomes a part. The source is decrypted as the
 * caller (its bucket must be the caller's account's) and re-encrypted under the upload's data key,
 * also unwrapped as the caller: a copy is a read and a write, each with its own KMS permission.
 */
export async function uploadPartCopy(ctx: ObjectContext, input: UploadPartCopyInput): Promise<UploadPartCopyOutput> {
  await ownedBucket(ctx, input.bucket);
  const partNumber = partNumberOf(input.partNumber);
  const upload = await openUpload(ctx, input.bucket, input.key, input.uploadId);
  const source = await copySourceObject(ctx, input.source, input.conditions);
  const range = copyRange(input.range, source.size);
  const length = range ? range.end - range.start + 1 : source.size;
  if (length > MAX_COPY_BYTES) {
    throw objectError('invalid-request', `The specified copy source is larger than the maximum allowable size for a copy source: ${MAX_COPY_BYTES}`);
  }
  const body = await readSource(ctx, source, range);
  try {
    const { part, checksums } = await storePart(ctx, upload, partNumber, body, { declaredLength: length });
    return { etag: part.etag, lastModified: part.lastModified, encryption: upload.encryption, checksum: checksums.find((c) => c.algorithm === uploadChecksum(upload).algorithm)! };
  } finally {
    body.destroy();
  }
}
