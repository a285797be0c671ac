import type { ObjectEncryption } from '../../store/object-types.js';
import { needs } from '../../util/needs.js';
import { writeEncrypted } from '../body.js';
import { ownedBucket } from '../buckets.js';
import { parseChecksumAlgorithm, type ChecksumAlgorithm } from '../checksums.js';
import type { ObjectContext } from '../context.js';
import { objectError } from '../errors.js';
import { copySourceObject, MAX_COPY_BYTES, objectChecksumLabel, UPLOAD_CHECKSUM_ALGORITHMS, type CopySource } from '../multipart.js';
import { checkObjectKey, openChecksum, streamContext } from '../object-keys.js';
import { readObject } from '../read.js';
import { newDataKey, openDataKey, resolveEncryption, type EncryptionRequest } from '../sse.js';
import type { Conditions } from './get-object.js';
import { freeBlobs, singlePartRecord } from './put-object.js';

export interface CopyObjectInput {
  bucket: string;
  key: string;
  source: CopySource;
  /** x-amz-metadata-directive as sent: COPY (the default) or REPLACE. */
  metadataDirective?: string;
  /** The request's own content type, standard headers and user metadata (used with REPLACE). */
  contentType?: string;
  headers: Record<string, string>;
  metadata: Record<string, string>;
  /** The target's encryption, as for PutObject: not the source's. */
  encryption: EncryptionRequest;
  /** x-amz-checksum-algorithm as sent: the target's checksum, if not the source's algorithm. */
  checksumAlgorithm?: string;
  /** x-amz-storage-class and x-amz-website-redirect-location: not kept here, but each is a change an in-place copy may make. */
  storageClass?: string;
  websiteRedirectLocation?: string;
  /** x-amz-copy-source-if-*. */
  conditions: Conditions;
}

export interface CopyObjectOutput {
  etag: string;
  lastModified: number;
  size: number;
  encryption: ObjectEncryption;
  checksum?: { algorithm: ChecksumAlgorithm; type: 'FULL_OBJECT'; value: string };
}

/** S3 refuses a copy onto its own source that would change nothing. */
export function checkInPlaceCopy(input: CopyObjectInput): void {
  const inPlace = input.source.bucket === input.bucket && input.source.key === input.key;
  const changes =
    input.metadataDirective?.toUpperCase() === 'REPLACE' ||
    Object.keys(input.encryption).length > 0 ||
    input.checksumAlgorithm !== undefined ||
    input.storageClass !== undefined ||
    input.websiteRedirectLocation !== undefined;
  /* Precondition: an in-place copy changes something. */
  needs(!inPlace || changes, () =>
    objectError(
      'invalid-request',
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    ),
  );
}

/**
 * CopyObject: the source is decrypted as the caller and re-encrypted under a fresh data key with the
 * target's encryption (request headers, else the target bucket's default — never the source's), so
 * an in-place copy with new SSE headers moves an object to a new KMS key. The checksum goes along:
 * recomputed over the plaintext and, where the source kept a whole-object value of the same
 * algorithm, required to equal it.
 */
export async function copyObject(ctx: ObjectContext, input: CopyObjectInput): Promise<CopyObjectOutput> {
  const bucket = await ownedBucket(ctx, input.bucket);
  checkObjectKey(input.key);
  const directive = (input.metadataDirective ?? 'COPY').toUpperCase();
  if (directive !== 'COPY' && directive !== 'REPLACE') {
    throw objectError('invalid-argument', 'Unknown metadata directive.', { ArgumentName: 'x-amz-metadata-directive', ArgumentValue: input.metadataDirective! });
  }
  let requested: ChecksumAlgorithm | undefined;
  if (input.checksumAlgorithm !== undefined) {
    requested = parseChecksumAlgorithm(input.checksumAlgorithm);
    if (!requested || !UPLOAD_CHECKSUM_ALGORITHMS.includes(requested)) {
      throw objectError('invalid-request', `Checksum algorithm provided is unsupported. Please try again with any of the valid types: [${UPLOAD_CHECKSUM_ALGORITHMS.join(', ')}]`);
    }
  }
  const source = await copySourceObject(ctx, input.source, input.conditions);
  if (source.size > MAX_COPY_BYTES) {
    throw objectError('invalid-request', `The specified copy source is larger than the maximum allowable size for a copy source: ${MAX_COPY_BYTES}`);
  }
  checkInPlaceCopy(input);
  const resolved = resolveEncryption(bucket, input.encryption);
  const algorithm = requested ?? (source.checksum?.algorithm as ChecksumAlgorithm | undefined);

  const sourceKey = await openDataKey(ctx, source.bucket, source.key, source.encryption);
  let expected: string | undefined;
  try {
    if (source.checksum && source.checksum.type === 'FULL_OBJECT' && source.checksum.algorithm === algorithm) {
      expected = openChecksum(sourceKey, source.checksum.sealed, objectChecksumLabel(source.bucket, source.key));
    }
  } catch (e) {
    sourceKey.fill(0);
    throw e;
  }
  const body = readObject(ctx, source, sourceKey);
  body.once('close', () => sourceKey.fill(0));
  let target: Awaited<ReturnType<typeof newDataKey>>;
  try {
    target = await newDataKey(ctx, input.bucket, input.key, resolved);
  } catch (e) {
    body.destroy();
    throw e;
  }
  const { dataKey, encryption } = target;
  try {
    const written = await writeEncrypted(ctx, body, dataKey, streamContext(input.bucket, input.key, 1), {
      declaredLength: source.size,
      maxLength: MAX_COPY_BYTES,
      ...(algorithm ? { checksumAlgorithm: algorithm } : {}),
    });
    let committed = false;
    try {
      // Segment authentication already guards the bytes; a differing checksum would be our own bug.
      if (expected !== undefined && written.checksum !== expected) {
        throw objectError('internal', 'We encountered an internal error. Please try again.');
      }
      const kept = directive === 'REPLACE' ? input : source;
      const record = singlePartRecord(ctx, input.bucket, input.key, written, dataKey, encryption, kept, algorithm);
      const { etag, lastModified: now } = record;
      const replaced = await ctx.deps.meta.putObject(record);
      committed = true;
      if (replaced) await freeBlobs(ctx, replaced.parts.filter((p) => p.blobId !== written.blobId));
      return {
        etag,
        lastModified: now,
        size: written.size,
        encryption,
        ...(algorithm && written.checksum !== undefined ? { checksum: { algorithm, type: 'FULL_OBJECT' as const, value: written.checksum } } : {}),
      };
    } finally {
      if (!committed) await freeBlobs(ctx, [written]);
    }
  } finally {
    dataKey.fill(0);
    body.destroy();
  }
}
