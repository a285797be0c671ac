import { ownedBucket } from '../buckets.js';
import type { ObjectContext } from '../context.js';
import { freeBlobs } from './put-object.js';

/** DeleteObject: 204 whether or not the key existed (S3 without versioning). */
export async function deleteObject(ctx: ObjectContext, input: { bucket: string; key: string }): Promise<void> {
  await ownedBucket(ctx, input.bucket);
  const gone = await ctx.deps.meta.deleteObject(input.bucket, input.key);
  if (gone) await freeBlobs(ctx, gone.parts);
}

export interface DeleteResult {
  deleted: string[];
  errors: { key: string; code: string; message: string }[];
}

/** DeleteObjects: up to 1,000 keys, each reported. */
export async function deleteObjects(ctx: ObjectContext, input: { bucket: string; keys: string[] }): Promise<DeleteResult> {
  await ownedBucket(ctx, input.bucket);
  const result: DeleteResult = { deleted: [], errors: [] };
  for (const key of input.keys) {
    try {
      const gone = await ctx.deps.meta.deleteObject(input.bucket, key);
      if (gone) await freeBlobs(ctx, gone.parts);
      result.deleted.push(key);
    } catch {
      result.errors.push({ key, code: 'InternalError', message: 'We encountered an internal error. Please try again.' });
    }
  }
  return result;
}
