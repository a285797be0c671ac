import type { ObjectEncryption, ObjectRecord, UploadPartRecord } from '../../store/object-types.js';
import { needs } from '../../util/needs.js';
import { ownedBucket } from '../buckets.js';
import { checksumHeaderName, combineCrc, compositeChecksum, fromBase64, toBase64, type ChecksumAlgorithm, type ChecksumType, type CrcAlgorithm } from '../checksums.js';
import type { ObjectContext } from '../context.js';
import { objectError } from '../errors.js';
import { MIN_PART_BYTES, objectChecksumLabel, openUpload, partChecksumLabel, partNumberOf, serialized, uploadChecksum } from '../multipart.js';
import { newEtag, openChecksum, sealChecksum } from '../object-keys.js';
import { openDataKey } from '../sse.js';
import { freeBlobs } from './put-object.js';

/** One `<Part>` of the request: as sent, checked here. */
export interface CompletedPart {
  partNumber: string;
  etag: string;
  /** `<ChecksumCRC32>` etc., by algorithm. */
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

export interface CompleteMultipartUploadInput {
  bucket: string;
  key: string;
  uploadId: string;
  parts: CompletedPart[];
  /** x-amz-checksum-type, as sent. */
  checksumType?: string;
  /** x-amz-checksum-<algorithm>: the client's value for the whole object. */
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
  /** x-amz-mp-object-size, as sent. */
  objectSize?: string;
}

export interface CompleteMultipartUploadOutput {
  etag: string;
  size: number;
  encryption: ObjectEncryption;
  checksum: { algorithm: ChecksumAlgorithm; type: ChecksumType; value: string };
}

const unquote = (etag: string) => etag.trim().replace(/^"|"$/g, '');

const invalidPart = (uploadId: string, partNumber: number, etag: string) =>
  objectError('invalid-part', "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.", {
    UploadId: uploadId,
    PartNumber: String(partNumber),
    ETag: unquote(etag),
  });

/**
 * Which stored parts the request names, in its order, each checked as S3 checks it: ascending
 * numbers, every part uploaded with the ETag given, the part checksums the upload needs present and
 * equal to what was received, and every part but the last at least 5 MiB.
 */
export function selectParts(
  uploadId: string,
  requested: readonly CompletedPart[],
  stored: readonly UploadPartRecord[],
  checksum: { algorithm: ChecksumAlgorithm; type: ChecksumType; declared: boolean },
  partChecksum: (part: UploadPartRecord) => string,
): UploadPartRecord[] {
  /* Precondition: CompleteMultipartUpload lists at least one part. */
  needs(requested.length > 0, () => objectError('malformed-xml', 'The XML you provided was not well-formed or did not validate against our published schema'));
  const byNumber = new Map(stored.map((p) => [p.partNumber, p]));
  const selected: UploadPartRecord[] = [];
  let previous = 0;
  for (const wanted of requested) {
    const n = partNumberOf(wanted.partNumber);
    /* Precondition: the listed parts are in ascending part-number order. */
    needs(n > previous, () => objectError('invalid-part-order', 'The list of parts was not in ascending order. The parts list must be specified in order by part number.', { UploadId: uploadId }));
    previous = n;
    const part = byNumber.get(n);
    /* Precondition: every listed part exists with the listed ETag. */
    needs(part !== undefined && unquote(wanted.etag) === part.etag, () => invalidPart(uploadId, n, wanted.etag));
    const given = Object.entries(wanted.checksums) as [ChecksumAlgorithm, string][];
    if (given.length > 1 || given.some(([algorithm, value]) => !fromBase64(algorithm, value))) {
      throw objectError('invalid-argument', 'Invalid Base64 or multiple checksums present in request', {
        ArgumentName: 'Checksum',
        ArgumentValue: given.map(([algorithm, value]) => `${algorithm}:${value};`).join(''),
      });
    }
    const [sent] = given;
    if (sent && sent[0] === checksum.algorithm) {
      if (sent[1] !== partChecksum(part)) throw invalidPart(uploadId, n, wanted.etag);
    } else if (sent && checksum.declared) {
      throw objectError('bad-digest', `The ${sent[0].toLowerCase()} you specified for part ${n} did not match what we received.`);
    } else if (!sent && checksum.declared && checksum.type === 'COMPOSITE') {
      // A composite checksum is made of the part checksums the client lists, so each must be listed.
      throw objectError(
        'invalid-request',
        `The upload was created using a ${checksum.algorithm.toLowerCase()} checksum. The complete request must include the checksum for each part. It was missing for part ${n} in the request.`,
      );
    }
    selected.push(part);
  }
  selected.forEach((part, i) => {
    /* Precondition: every listed part but the last is at least 5 MiB. */
    needs(i === selected.length - 1 || part.size >= MIN_PART_BYTES, () =>
      objectError('entity-too-small', 'Your proposed upload is smaller than the minimum allowed size', {
        ProposedSize: String(part.size),
        MinSizeAllowed: String(MIN_PART_BYTES),
        PartNumber: String(part.partNumber),
        ETag: part.etag,
      }),
    );
  });
  return selected;
}

/** The object's checksum from its parts' (S3 User Guide, "Checking object integrity", multipart uploads). */
export function objectChecksumOf(algorithm: ChecksumAlgorithm, type: ChecksumType, parts: readonly { checksum: string; size: number }[]): string {
  const raw = parts.map((p) => Buffer.from(p.checksum, 'base64'));
  if (type === 'COMPOSITE') return compositeChecksum(algorithm, raw);
  return toBase64(combineCrc(algorithm as CrcAlgorithm, raw.map((checksum, i) => ({ checksum, length: parts[i]!.size }))));
}

/**
 * CompleteMultipartUpload: the listed parts become the object, each staying the stream it was
 * written as (nothing is re-read or re-encrypted), committed in one store transaction; parts not
 * listed are freed after it. The data key is unwrapped as the caller to open the parts' sealed
 * checksums and seal the object's.
 */
export async function completeMultipartUpload(ctx: ObjectContext, input: CompleteMultipartUploadInput): Promise<CompleteMultipartUploadOutput> {
  await ownedBucket(ctx, input.bucket);
  const upload = await openUpload(ctx, input.bucket, input.key, input.uploadId);
  const checksum = uploadChecksum(upload);
  if (input.checksumType !== undefined && input.checksumType.toUpperCase() !== checksum.type) {
    throw objectError('invalid-request', `The upload was created using the ${checksum.type} checksum mode. The complete request must use the same checksum mode.`);
  }
  const whole = input.checksum;
  if (whole && whole.algorithm !== checksum.algorithm && checksum.declared) {
    throw objectError('invalid-request', `Checksum Type mismatch occurred, expected checksum Type: ${checksum.algorithm.toLowerCase()}, actual checksum Type: ${whole.algorithm.toLowerCase()}`);
  }
  // S3 takes a composite value with or without its "-<part count>" suffix.
  const wholeValue = whole && whole.algorithm === checksum.algorithm ? (checksum.type === 'COMPOSITE' ? whole.value.replace(/-(\d+)$/, '') : whole.value) : undefined;
  const wholeParts = whole && wholeValue !== whole.value ? Number(whole.value.slice(wholeValue!.length + 1)) : undefined;
  if (whole && wholeValue !== undefined && !fromBase64(whole.algorithm, wholeValue)) {
    throw objectError('invalid-request', `Value for ${checksumHeaderName(whole.algorithm)} header is invalid.`);
  }

  const dataKey = await openDataKey(ctx, input.bucket, input.key, upload.encryption);
  try {
    return await serialized(ctx, upload.uploadId, async () => {
      // Read again under the lock: a concurrent completion or abort may have ended the upload.
      await openUpload(ctx, input.bucket, input.key, input.uploadId);
      const stored = await ctx.deps.meta.listParts(upload.uploadId);
      const partChecksum = (part: UploadPartRecord) => openChecksum(dataKey, part.checksum!.sealed, partChecksumLabel(input.bucket, input.key, part.partNumber));
      const selected = selectParts(upload.uploadId, input.parts, stored, checksum, partChecksum);
      const size = selected.reduce((sum, p) => sum + p.size, 0);
      if (input.objectSize !== undefined && input.objectSize !== String(size)) {
        throw objectError('invalid-request', `The provided 'x-amz-mp-object-size' header value ${input.objectSize} does not match what was computed: ${size}`);
      }
      const value = objectChecksumOf(
        checksum.algorithm,
        checksum.type,
        selected.map((p) => ({ checksum: partChecksum(p), size: p.size })),
      );
      const computed = value.replace(/-\d+$/, '');
      if (wholeValue !== undefined && (wholeValue !== computed || (wholeParts !== undefined && wholeParts !== selected.length))) {
        throw objectError('bad-digest', `The ${checksum.algorithm.toLowerCase()} you specified did not match the calculated checksum.`);
      }
      const etag = newEtag(ctx.deps.random, selected.length);
      const object: ObjectRecord = {
        bucket: input.bucket,
        key: input.key,
        size,
        etag,
        lastModified: ctx.deps.clock(),
        ...(upload.contentType !== undefined ? { contentType: upload.contentType } : {}),
        headers: upload.headers,
        metadata: upload.metadata,
        encryption: upload.encryption,
        segmentSize: upload.segmentSize,
        parts: selected.map((p) => ({ partNumber: p.partNumber, blobId: p.blobId, size: p.size, etag: p.etag, lastModified: p.lastModified })),
        checksum: {
          algorithm: checksum.algorithm,
          type: checksum.type,
          sealed: sealChecksum(dataKey, value, objectChecksumLabel(input.bucket, input.key), ctx.deps.random(12)),
        },
      };
      const { replaced, unused } = await ctx.deps.meta.completeUpload(upload.uploadId, object);
      const kept = new Set(object.parts.map((p) => p.blobId));
      if (replaced) await freeBlobs(ctx, replaced.parts.filter((p) => !kept.has(p.blobId)));
      await freeBlobs(ctx, unused);
      return { etag, size, encryption: upload.encryption, checksum: { algorithm: checksum.algorithm, type: checksum.type, value } };
    });
  } finally {
    dataKey.fill(0);
  }
}
