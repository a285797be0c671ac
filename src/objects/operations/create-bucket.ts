import { DuplicateError } from '../../store/types.js';
import { checkBucketName } from '../buckets.js';
import type { ObjectContext } from '../context.js';
import { objectError } from '../errors.js';

export interface CreateBucketInput {
  bucket: string;
  /** CreateBucketConfiguration/LocationConstraint, when given. */
  locationConstraint?: string;
}

export async function createBucket(ctx: ObjectContext, input: CreateBucketInput): Promise<{ location: string }> {
  checkBucketName(input.bucket);
  const region = ctx.caller.region;
  // S3: the location constraint must name the region the request was sent to; us-east-1 takes none,
  // and naming it explicitly is refused.
  if (input.locationConstraint === 'us-east-1') {
    throw objectError('invalid-location-constraint', 'The specified location-constraint is not valid', { LocationConstraint: 'us-east-1' });
  }
  const constraint = input.locationConstraint || 'us-east-1';
  if (constraint !== region) {
    throw objectError(
      'illegal-location-constraint',
      `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`,
    );
  }
  const existing = await ctx.deps.meta.getBucket(input.bucket);
  if (existing) {
    throw existing.accountId === ctx.caller.principal.accountId
      ? objectError('bucket-already-owned-by-you', 'Your previous request to create the named bucket succeeded and you already own it.', { BucketName: input.bucket })
      : objectError('bucket-already-exists', 'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.', { BucketName: input.bucket });
  }
  try {
    await ctx.deps.meta.createBucket({ name: input.bucket, accountId: ctx.caller.principal.accountId, region, createdAt: ctx.deps.clock() });
  } catch (e) {
    if (e instanceof DuplicateError) throw objectError('bucket-already-exists', 'The requested bucket name is not available.', { BucketName: input.bucket });
    throw e;
  }
  return { location: `/${input.bucket}` };
}
