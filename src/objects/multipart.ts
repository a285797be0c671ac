/**
 * What the multipart operations and the copies share: S3's part limits, finding an upload, the
 * checksum an upload's parts carry, and reading a copy source as the caller.
 *
 * @module
 */
import type { Readable } from 'node:stream';
import { Transform, pipeline, type TransformCallback } from 'node:stream';
import type { ObjectMetaStore, ObjectRecord, UploadRecord } from '../store/object-types.js';
import { needs } from '../util/needs.js';
import { ownedBucket } from './buckets.js';
import { CHECKSUM_TYPES, createChecksum, parseChecksumAlgorithm, type ChecksumAlgorithm, type ChecksumType } from './checksums.js';
import type { ObjectContext } from './context.js';
import { ObjectError, objectError } from './errors.js';
import { checkConditions, type Conditions } from './operations/get-object.js';
import { readObject } from './read.js';
import { openDataKey } from './sse.js';

/** S3 User Guide, "Amazon S3 multipart upload limits": parts 5 MiB to 5 GiB (the last may be smaller), numbered 1 to 10,000. */
export const MIN_PART_BYTES = 5 * 1024 ** 2;
export const MAX_PART_BYTES = 5 * 1024 ** 3;
export const MAX_PARTS = 10_000;
/** The largest object CopyObject (and one UploadPartCopy range) copies; beyond it, UploadPartCopy in ranges. */
export const MAX_COPY_BYTES = 5 * 1024 ** 3;

/** The algorithms CreateMultipartUpload accepts in x-amz-checksum-algorithm, in AWS's error text order. */
export const UPLOAD_CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];

/** A part number as sent (`partNumber=…`), checked: an integer from 1 to 10,000. */
export function partNumberOf(raw: string | number | undefined): number {
  const text = String(raw ?? '');
  const n = Number(text);
  /* Precondition: a part number is an integer from 1 to 10,000. */
  needs(/^\d+$/.test(text) && n >= 1 && n <= MAX_PARTS, () =>
    objectError('invalid-argument', 'Part number must be an integer between 1 and 10000, inclusive', { ArgumentName: 'partNumber', ArgumentValue: text }),
  );
  return n;
}

/** The upload `uploadId` of `bucket`/`key`, if it is still open; NoSuchUpload otherwise (also for another key's id). */
export async function openUpload(ctx: ObjectContext, bucket: string, key: string, uploadId: string): Promise<UploadRecord> {
  const upload = uploadId === '' ? undefined : await ctx.deps.meta.getUpload(uploadId);
  if (!upload || upload.bucket !== bucket || upload.key !== key) throw noSuchUpload(uploadId);
  return upload;
}

export const noSuchUpload = (uploadId: string) =>
  objectError('no-such-upload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', {
    UploadId: uploadId,
  });

// One chain of pending steps per upload, per store: one server process owns its store.
const uploadLocks = new WeakMap<ObjectMetaStore, Map<string, Promise<unknown>>>();

/**
 * Runs `step` when no other step of the same upload runs: recording a part, completing and
 * aborting each read the upload's parts and then change them, and must not interleave (a part
 * replaced while a completion commits would free bytes the new object names).
 */
export async function serialized<T>(ctx: ObjectContext, uploadId: string, step: () => Promise<T>): Promise<T> {
  let locks = uploadLocks.get(ctx.deps.meta);
  if (!locks) uploadLocks.set(ctx.deps.meta, (locks = new Map()));
  const before = locks.get(uploadId) ?? Promise.resolve();
  const run = before.then(step, step);
  const tail = run.catch(() => undefined);
  locks.set(uploadId, tail);
  try {
    return await run;
  } finally {
    if (locks.get(uploadId) === tail) locks.delete(uploadId);
  }
}

/**
 * The checksum every part of an upload carries, and how the object's is made from them: what
 * CreateMultipartUpload declared, or — when it declared none — S3's default, a full-object
 * CRC64NVME (S3 API Reference, `ChecksumCRC64NVME`: "if the object was uploaded without a checksum
 * (and Amazon S3 added the default checksum, CRC64NVME …)"). S3 computes the parts' checksums
 * itself, so every part has one whatever the client sent.
 */
export function uploadChecksum(upload: UploadRecord): { algorithm: ChecksumAlgorithm; type: ChecksumType; declared: boolean } {
  const declared = upload.checksumAlgorithm !== undefined ? parseChecksumAlgorithm(upload.checksumAlgorithm) : undefined;
  if (!declared) return { algorithm: 'CRC64NVME', type: 'FULL_OBJECT', declared: false };
  return { algorithm: declared, type: upload.checksumType ?? CHECKSUM_TYPES[declared].multipartDefault, declared: true };
}

/** Where a part's sealed checksum is bound (object-keys.ts `sealChecksum`): never the object's own label. */
export const partChecksumLabel = (bucket: string, key: string, partNumber: number) => `${bucket}/${key}#part${partNumber}`;
/** The label of a whole object's sealed checksum, as PutObject and GetObject use it. */
export { objectChecksumLabel } from './object-keys.js';

/**
 * Passes the bytes through unchanged and computes `algorithm` over them; `digest()` is the base64
 * value once the stream has ended. Errors of `source` end the returned stream with the same error.
 */
export function checksummed(source: Readable, algorithm: ChecksumAlgorithm): { stream: Readable; digest: () => string } {
  const checksum = createChecksum(algorithm);
  const tap = new Transform({
    transform(chunk: Buffer, _enc, callback: TransformCallback) {
      checksum.update(chunk);
      callback(null, chunk);
    },
  });
  const stream = pipeline(source, tap, () => undefined);
  return { stream, digest: () => checksum.digest().toString('base64') };
}

/** `x-amz-copy-source`, decoded: `[/]bucket/key[?versionId=…]`, URL-encoded. */
export interface CopySource {
  bucket: string;
  key: string;
  versionId?: string;
}

export function parseCopySource(header: string): CopySource {
  const invalid = () => objectError('invalid-argument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', { ArgumentName: 'x-amz-copy-source', ArgumentValue: header });
  const q = header.indexOf('?');
  const path = (q < 0 ? header : header.slice(0, q)).replace(/^\//, '');
  const query = new URLSearchParams(q < 0 ? '' : header.slice(q + 1));
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw invalid();
  }
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) throw invalid();
  const versionId = query.get('versionId') ?? undefined;
  // No versioning here: every object's only version is "null", as S3 names it in an unversioned bucket.
  if (versionId !== undefined && versionId !== 'null') {
    throw objectError('invalid-argument', 'Invalid version id specified', { ArgumentName: 'versionId', ArgumentValue: versionId });
  }
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1), ...(versionId !== undefined ? { versionId } : {}) };
}

/**
 * The copy source's object, if the caller's account owns its bucket and the
 * x-amz-copy-source-if-* conditions hold. A failed condition is 412 for a copy, also where a GET
 * would answer 304 (S3 API Reference, CopyObject, "x-amz-copy-source-if-none-match").
 */
export async function copySourceObject(ctx: ObjectContext, source: CopySource, conditions: Conditions): Promise<ObjectRecord> {
  await ownedBucket(ctx, source.bucket);
  const object = await ctx.deps.meta.getObject(source.bucket, source.key);
  if (!object) throw objectError('no-such-key', 'The specified key does not exist.', { Key: source.key });
  try {
    checkConditions(object, conditions);
  } catch (e) {
    if (e instanceof ObjectError && (e.code === 'not-modified' || e.code === 'precondition-failed')) {
      throw objectError('precondition-failed', 'At least one of the pre-conditions you specified did not hold', {
        Condition: copyCondition(conditions, e),
      });
    }
    throw e;
  }
  return object;
}

function copyCondition(c: Conditions, e: ObjectError): string {
  if (e.code === 'precondition-failed') return e.details.Condition === 'If-Match' ? 'x-amz-copy-source-If-Match' : 'x-amz-copy-source-If-Unmodified-Since';
  return c.ifNoneMatch !== undefined ? 'x-amz-copy-source-If-None-Match' : 'x-amz-copy-source-If-Modified-Since';
}

/** The source's plaintext [start, end] (or all), its data key unwrapped as the caller, zeroed once read. */
export async function readSource(ctx: ObjectContext, object: ObjectRecord, range?: { start: number; end: number }): Promise<Readable> {
  const dataKey = await openDataKey(ctx, object.bucket, object.key, object.encryption);
  const body = readObject(ctx, object, dataKey, range);
  body.once('close', () => dataKey.fill(0));
  return body;
}
