import type { Readable } from 'node:stream';
import type { ObjectEncryption, UploadPartRecord, UploadRecord } from '../../store/object-types.js';
import { needs } from '../../util/needs.js';
import { writeEncrypted, type BodyChecks } from '../body.js';
import { ownedBucket } from '../buckets.js';
import type { ChecksumAlgorithm } from '../checksums.js';
import type { ObjectContext } from '../context.js';
import { objectError } from '../errors.js';
import { checksummed, MAX_PART_BYTES, noSuchUpload, openUpload, partChecksumLabel, partNumberOf, serialized, uploadChecksum } from '../multipart.js';
import { newEtag, sealChecksum, streamContext } from '../object-keys.js';
import { openDataKey } from '../sse.js';
import { freeBlobs } from './put-object.js';

export interface UploadPartInput {
  bucket: string;
  key: string;
  uploadId: string;
  /** `partNumber=` as sent. */
  partNumber: string;
  body: Readable;
  checks: BodyChecks;
}

export interface UploadPartOutput {
  etag: string;
  encryption: ObjectEncryption;
  /** The checksum the client sent, checked and echoed in x-amz-checksum-* (none when it sent none). */
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
}

/** The upload's part checksum must be the one the client computes, when the upload declared one (S3 refuses others). */
export function checkPartAlgorithm(upload: UploadRecord, sent: ChecksumAlgorithm | undefined): void {
  const expected = uploadChecksum(upload);
  /* Precondition: a part of an upload that declared a checksum algorithm carries a checksum of that algorithm. */
  needs(!expected.declared || sent === expected.algorithm, () =>
    objectError(
      'invalid-request',
      `Checksum Type mismatch occurred, expected checksum Type: ${expected.algorithm.toLowerCase()}, actual checksum Type: ${sent?.toLowerCase() ?? 'null'}`,
    ),
  );
}

/**
 * Writes one part's plaintext (from a request body or a copy source) under the upload's data key,
 * bound to its part number, with the upload's checksum; then records it, replacing any part of the
 * same number. Nothing is left behind if anything fails: no record, no blob.
 */
export async function storePart(
  ctx: ObjectContext,
  upload: UploadRecord,
  partNumber: number,
  body: Readable,
  checks: BodyChecks,
): Promise<{ part: UploadPartRecord; checksums: { algorithm: ChecksumAlgorithm; value: string }[] }> {
  const { bucket, key } = upload;
  const dataKey = await openDataKey(ctx, bucket, key, upload.encryption);
  try {
    const wanted = uploadChecksum(upload).algorithm;
    // The client's own checksum is checked by writeEncrypted; the upload's, when another, computed alongside.
    const extra = checks.checksumAlgorithm !== wanted ? checksummed(body, wanted) : undefined;
    // Every part of an upload has the segment size the upload started with.
    const partCtx: ObjectContext = { ...ctx, deps: { ...ctx.deps, segmentSize: upload.segmentSize } };
    const written = await writeEncrypted(partCtx, extra?.stream ?? body, dataKey, streamContext(bucket, key, partNumber), { ...checks, maxLength: MAX_PART_BYTES });
    const value = extra ? extra.digest() : written.checksum!;
    const part: UploadPartRecord = {
      uploadId: upload.uploadId,
      partNumber,
      blobId: written.blobId,
      size: written.size,
      etag: newEtag(ctx.deps.random),
      lastModified: ctx.deps.clock(),
      checksum: { algorithm: wanted, sealed: sealChecksum(dataKey, value, partChecksumLabel(bucket, key, partNumber), ctx.deps.random(12)) },
    };
    let recorded = false;
    try {
      await serialized(ctx, upload.uploadId, async () => {
        // The upload may have been completed or aborted while the bytes came in.
        if (!(await ctx.deps.meta.getUpload(upload.uploadId))) throw noSuchUpload(upload.uploadId);
        const replaced = await ctx.deps.meta.putPart(part);
        recorded = true;
        if (replaced && replaced.blobId !== part.blobId) await freeBlobs(ctx, [replaced]);
      });
    } finally {
      if (!recorded) await freeBlobs(ctx, [part]);
    }
    const checksums = [{ algorithm: wanted, value }];
    if (written.checksum !== undefined && checks.checksumAlgorithm && checks.checksumAlgorithm !== wanted) {
      checksums.unshift({ algorithm: checks.checksumAlgorithm, value: written.checksum });
    }
    return { part, checksums };
  } finally {
    dataKey.fill(0);
  }
}

/**
 * UploadPart: the upload's data key is unwrapped as this request's caller before a byte is read,
 * so a key disabled (or a grant revoked) since CreateMultipartUpload stops the next part.
 */
export async function uploadPart(ctx: ObjectContext, input: UploadPartInput): Promise<UploadPartOutput> {
  await ownedBucket(ctx, input.bucket);
  const partNumber = partNumberOf(input.partNumber);
  const upload = await openUpload(ctx, input.bucket, input.key, input.uploadId);
  checkPartAlgorithm(upload, input.checks.checksumAlgorithm);
  if (input.checks.declaredLength !== undefined && input.checks.declaredLength > MAX_PART_BYTES) {
    throw objectError('entity-too-large', 'Your proposed upload exceeds the maximum allowed size', {
      ProposedSize: String(input.checks.declaredLength),
      MaxSizeAllowed: String(MAX_PART_BYTES),
    });
  }
  const { part, checksums } = await storePart(ctx, upload, partNumber, input.body, input.checks);
  // Echo the checksum the client sent, as S3 does.
  const echoed = input.checks.checksumAlgorithm ? checksums.find((c) => c.algorithm === input.checks.checksumAlgorithm) : undefined;
  return { etag: part.etag, encryption: upload.encryption, ...(echoed ? { checksum: echoed } : {}) };
}
