import { ownedBucket } from '../buckets.js';
import type { ObjectContext } from '../context.js';
import { objectError } from '../errors.js';

export async function deleteBucket(ctx: ObjectContext, input: { bucket: string }): Promise<void> {
  await ownedBucket(ctx, input.bucket);
  if (!(await ctx.deps.meta.deleteBucket(input.bucket))) {
    throw objectError('bucket-not-empty', 'The bucket you tried to delete is not empty', { BucketName: input.bucket });
  }
}
