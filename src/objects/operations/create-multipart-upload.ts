import type { ObjectEncryption, UploadRecord } from '../../store/object-types.js';
import { needs } from '../../util/needs.js';
import { ownedBucket } from '../buckets.js';
import { CHECKSUM_TYPES, parseChecksumAlgorithm, type ChecksumAlgorithm, type ChecksumType } from '../checksums.js';
import type { ObjectContext } from '../context.js';
import { objectError } from '../errors.js';
import { UPLOAD_CHECKSUM_ALGORITHMS } from '../multipart.js';
import { checkObjectKey } from '../object-keys.js';
import { newDataKey, resolveEncryption, type EncryptionRequest } from '../sse.js';

export interface CreateMultipartUploadInput {
  bucket: string;
  key: string;
  contentType?: string;
  headers: Record<string, string>;
  metadata: Record<string, string>;
  encryption: EncryptionRequest;
  /** x-amz-checksum-algorithm, as sent. */
  checksumAlgorithm?: string;
  /** x-amz-checksum-type, as sent. */
  checksumType?: string;
}

export interface CreateMultipartUploadOutput {
  uploadId: string;
  encryption: ObjectEncryption;
  checksum?: { algorithm: ChecksumAlgorithm; type: ChecksumType };
}

/** The declared checksum of a new upload, refused in AWS's words when S3 would refuse it. */
function declaredChecksum(algorithmHeader: string | undefined, typeHeader: string | undefined): { algorithm: ChecksumAlgorithm; type: ChecksumType } | undefined {
  /* Precondition: x-amz-checksum-type comes with x-amz-checksum-algorithm. */
  needs(algorithmHeader !== undefined || typeHeader === undefined, () =>
    objectError('invalid-request', 'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.'),
  );
  if (algorithmHeader === undefined) return undefined;
  const algorithm = parseChecksumAlgorithm(algorithmHeader);
  if (!algorithm || !UPLOAD_CHECKSUM_ALGORITHMS.includes(algorithm)) {
    throw objectError('invalid-request', `Checksum algorithm provided is unsupported. Please try again with any of the valid types: [${UPLOAD_CHECKSUM_ALGORITHMS.join(', ')}]`);
  }
  if (typeHeader === undefined) return { algorithm, type: CHECKSUM_TYPES[algorithm].multipartDefault };
  const type = typeHeader.toUpperCase();
  if (type !== 'COMPOSITE' && type !== 'FULL_OBJECT') throw objectError('invalid-request', 'Value for x-amz-checksum-type header is invalid.');
  if (!(CHECKSUM_TYPES[algorithm].types as readonly string[]).includes(type)) {
    throw objectError('invalid-request', `The ${type} checksum type cannot be used with the ${algorithm.toLowerCase()} checksum algorithm.`);
  }
  return { algorithm, type };
}

/**
 * CreateMultipartUpload: the encryption is settled here, once for every part (request headers over
 * the bucket default, as PutObject), and the upload's data key made now, so a key the caller may not
 * use refuses the upload before any part is sent. Only its wrapped form is kept; each UploadPart
 * unwraps it again as its own caller (why S3 needs kms:Decrypt as well as kms:GenerateDataKey for
 * multipart uploads, research/storage-audit-anchors.md §1.3).
 */
export async function createMultipartUpload(ctx: ObjectContext, input: CreateMultipartUploadInput): Promise<CreateMultipartUploadOutput> {
  const bucket = await ownedBucket(ctx, input.bucket);
  checkObjectKey(input.key);
  const checksum = declaredChecksum(input.checksumAlgorithm, input.checksumType);
  const resolved = resolveEncryption(bucket, input.encryption);
  const { dataKey, encryption } = await newDataKey(ctx, input.bucket, input.key, resolved);
  dataKey.fill(0);
  // Upload ids sort by creation time (ListMultipartUploads lists a key's uploads in that order).
  const uploadId = ctx.deps.clock().toString(16).padStart(12, '0') + ctx.deps.random(16).toString('hex');
  const upload: UploadRecord = {
    uploadId,
    bucket: input.bucket,
    key: input.key,
    initiatedAt: ctx.deps.clock(),
    initiatorArn: ctx.caller.principal.arn,
    ...(input.contentType !== undefined ? { contentType: input.contentType } : {}),
    headers: input.headers,
    metadata: input.metadata,
    encryption,
    segmentSize: ctx.deps.segmentSize,
    ...(checksum ? { checksumAlgorithm: checksum.algorithm, checksumType: checksum.type } : {}),
  };
  await ctx.deps.meta.createUpload(upload);
  return { uploadId, encryption, ...(checksum ? { checksum } : {}) };
}
