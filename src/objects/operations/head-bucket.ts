import type { BucketRecord } from '../../store/object-types.js';
import { ownedBucket } from '../buckets.js';
import type { ObjectContext } from '../context.js';

/** HeadBucket and GetBucketLocation: the bucket, if the caller's account owns it. */
export async function headBucket(ctx: ObjectContext, input: { bucket: string }): Promise<BucketRecord> {
  return ownedBucket(ctx, input.bucket);
}
