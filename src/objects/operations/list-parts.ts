import type { UploadRecord } from '../../store/object-types.js';
import { ownedBucket } from '../buckets.js';
import type { ChecksumAlgorithm } from '../checksums.js';
import type { ObjectContext } from '../context.js';
import { objectError } from '../errors.js';
import { openUpload, partChecksumLabel, uploadChecksum } from '../multipart.js';
import { openChecksum } from '../object-keys.js';
import { openDataKey } from '../sse.js';

export interface ListPartsInput {
  bucket: string;
  key: string;
  uploadId: string;
  /** part-number-marker, as sent: list parts after this number. */
  partNumberMarker?: string;
  /** max-parts, as sent (at most 1,000 are listed). */
  maxParts?: string;
}

export interface ListedPart {
  partNumber: number;
  etag: string;
  size: number;
  lastModified: number;
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
}

export interface ListPartsOutput {
  upload: UploadRecord;
  parts: ListedPart[];
  partNumberMarker: number;
  maxParts: number;
  truncated: boolean;
  nextPartNumberMarker?: number;
}

/** A non-negative integer query argument, refused in S3's words. */
export function integerArgument(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > 2147483647) {
    throw objectError('invalid-argument', `Argument ${name} must be an integer between 0 and 2147483647`, { ArgumentName: name, ArgumentValue: raw });
  }
  return n;
}

/**
 * ListParts. The parts' checksums are sealed under the upload's data key, which is unwrapped as the
 * caller to show them: as in S3, listing the parts of an SSE-KMS upload needs kms:Decrypt.
 */
export async function listParts(ctx: ObjectContext, input: ListPartsInput): Promise<ListPartsOutput> {
  await ownedBucket(ctx, input.bucket);
  const upload = await openUpload(ctx, input.bucket, input.key, input.uploadId);
  const marker = integerArgument('part-number-marker', input.partNumberMarker, 0);
  const maxParts = Math.min(integerArgument('max-parts', input.maxParts, 1000), 1000);
  const after = (await ctx.deps.meta.listParts(upload.uploadId)).filter((p) => p.partNumber > marker);
  const page = after.slice(0, maxParts);
  const truncated = after.length > page.length;
  const algorithm = uploadChecksum(upload).algorithm;
  let parts: ListedPart[] = page.map((p) => ({ partNumber: p.partNumber, etag: p.etag, size: p.size, lastModified: p.lastModified }));
  if (page.some((p) => p.checksum)) {
    const dataKey = await openDataKey(ctx, input.bucket, input.key, upload.encryption);
    try {
      parts = page.map((p, i) => ({
        ...parts[i]!,
        ...(p.checksum ? { checksum: { algorithm, value: openChecksum(dataKey, p.checksum.sealed, partChecksumLabel(input.bucket, input.key, p.partNumber)) } } : {}),
      }));
    } finally {
      dataKey.fill(0);
    }
  }
  return {
    upload,
    parts,
    partNumberMarker: marker,
    maxParts,
    truncated,
    ...(page.length > 0 ? { nextPartNumberMarker: page[page.length - 1]!.partNumber } : {}),
  };
}
