import type { Readable } from 'node:stream';
import type { ObjectEncryption, ObjectRecord } from '../../store/object-types.js';
import { writeEncrypted, type BodyChecks, type WrittenBody } from '../body.js';
import { ownedBucket } from '../buckets.js';
import type { ObjectContext } from '../context.js';
import { checkObjectKey, newEtag, objectChecksumLabel, sealChecksum, streamContext } from '../object-keys.js';
import { newDataKey, resolveEncryption, type EncryptionRequest } from '../sse.js';
import { objectError } from '../errors.js';

/** S3's largest single PUT. */
export const MAX_PUT_BYTES = 5 * 1024 ** 3;

export interface PutObjectInput {
  bucket: string;
  key: string;
  body: Readable;
  contentType?: string;
  headers: Record<string, string>;
  metadata: Record<string, string>;
  encryption: EncryptionRequest;
  checks: BodyChecks;
  /** Conditional write: If-None-Match `*` (create only) or If-Match `<etag>` (replace only that version). */
  conditions?: { ifMatch?: string; ifNoneMatch?: string };
}

export interface PutObjectOutput {
  etag: string;
  size: number;
  encryption: ObjectEncryption;
  checksum?: { algorithm: string; value: string };
}

/**
 * PutObject: the data key comes first (so a refused key refuses the PUT before a byte is read),
 * then the body is checked, encrypted and made durable, and only then does the object appear.
 */
export async function putObject(ctx: ObjectContext, input: PutObjectInput): Promise<PutObjectOutput> {
  const bucket = await ownedBucket(ctx, input.bucket);
  checkObjectKey(input.key);
  await checkWriteConditions(ctx, input);
  const resolved = resolveEncryption(bucket, input.encryption);
  const { dataKey, encryption } = await newDataKey(ctx, input.bucket, input.key, resolved);
  try {
    const written = await writeEncrypted(ctx, input.body, dataKey, streamContext(input.bucket, input.key, 1), { maxLength: MAX_PUT_BYTES, ...input.checks });
    const algorithm = input.checks.checksumAlgorithm;
    const record = singlePartRecord(ctx, input.bucket, input.key, written, dataKey, encryption, input, algorithm);
    const etag = record.etag;
    // The conditions are checked again just before the object appears, against a write that raced it.
    await checkWriteConditions(ctx, input);
    const replaced = await ctx.deps.meta.putObject(record);
    if (replaced) await freeBlobs(ctx, replaced.parts);
    return {
      etag,
      size: written.size,
      encryption,
      ...(algorithm && written.checksum ? { checksum: { algorithm, value: written.checksum } } : {}),
    };
  } finally {
    dataKey.fill(0);
  }
}

/** The record of an object written as one stream (PutObject, CopyObject), its checksum sealed. */
export function singlePartRecord(
  ctx: ObjectContext,
  bucket: string,
  key: string,
  written: WrittenBody,
  dataKey: Buffer,
  encryption: ObjectEncryption,
  described: { contentType?: string; headers: Record<string, string>; metadata: Record<string, string> },
  algorithm: string | undefined,
): ObjectRecord {
  const now = ctx.deps.clock();
  const etag = newEtag(ctx.deps.random);
  return {
    bucket,
    key,
    size: written.size,
    etag,
    lastModified: now,
    ...(described.contentType !== undefined ? { contentType: described.contentType } : {}),
    headers: described.headers,
    metadata: described.metadata,
    encryption,
    segmentSize: ctx.deps.segmentSize,
    parts: [{ partNumber: 1, blobId: written.blobId, size: written.size, etag, lastModified: now }],
    ...(algorithm && written.checksum !== undefined
      ? { checksum: { algorithm, type: 'FULL_OBJECT' as const, sealed: sealChecksum(dataKey, written.checksum, objectChecksumLabel(bucket, key), ctx.deps.random(12)) } }
      : {}),
  };
}

/** S3 conditional writes (User Guide "Conditional writes"): 412 and nothing written when they fail. */
async function checkWriteConditions(ctx: ObjectContext, input: PutObjectInput): Promise<void> {
  const c = input.conditions;
  if (!c || (c.ifMatch === undefined && c.ifNoneMatch === undefined)) return;
  const existing = await ctx.deps.meta.getObject(input.bucket, input.key);
  if (c.ifNoneMatch !== undefined && c.ifNoneMatch.trim() === '*' && existing) {
    throw objectError('precondition-failed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-None-Match' });
  }
  if (c.ifMatch !== undefined) {
    if (!existing) throw objectError('no-such-key', 'The specified key does not exist.', { Key: input.key });
    const wanted = c.ifMatch.split(',').map((t) => t.trim().replace(/^"|"$/g, ''));
    if (!wanted.includes('*') && !wanted.includes(existing.etag)) {
      throw objectError('precondition-failed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-Match' });
    }
  }
}

/** Deletes blobs no record refers to any more; a failure only leaves an orphan for the start-up sweep. */
export async function freeBlobs(ctx: ObjectContext, parts: readonly { blobId: string }[]): Promise<void> {
  for (const part of parts) await ctx.deps.blobs.delete(part.blobId).catch(() => undefined);
}
