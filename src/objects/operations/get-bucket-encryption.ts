import type { BucketEncryption } from '../../store/object-types.js';
import { ownedBucket } from '../buckets.js';
import type { ObjectContext } from '../context.js';

/** Since January 2023 every S3 bucket has SSE-S3 as its baseline, and GetBucketEncryption says so. */
export async function getBucketEncryption(ctx: ObjectContext, input: { bucket: string }): Promise<BucketEncryption> {
  const bucket = await ownedBucket(ctx, input.bucket);
  return bucket.encryption ?? { algorithm: 'AES256', bucketKeyEnabled: false };
}
