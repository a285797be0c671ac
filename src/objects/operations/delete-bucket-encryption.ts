import { ownedBucket } from '../buckets.js';
import type { ObjectContext } from '../context.js';

/** Back to the baseline, SSE-S3: every object is still encrypted. */
export async function deleteBucketEncryption(ctx: ObjectContext, input: { bucket: string }): Promise<void> {
  const { encryption: _, ...bucket } = await ownedBucket(ctx, input.bucket);
  await ctx.deps.meta.updateBucket(bucket);
}
