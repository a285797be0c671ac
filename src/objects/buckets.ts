import type { BucketRecord } from '../store/object-types.js';
import type { ObjectContext } from './context.js';
import { objectError } from './errors.js';

const RESERVED = new Set(['healthz', 'metrics']);

/** S3's bucket-naming rules (general purpose buckets), and the names our own endpoints use. */
export function checkBucketName(name: string): void {
  const ok =
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes('..') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
    !name.startsWith('xn--') &&
    !name.startsWith('sthree-') &&
    !name.endsWith('-s3alias') &&
    !name.endsWith('--ol-s3') &&
    // Our own paths on the shared port (/healthz, /metrics) are never buckets.
    !RESERVED.has(name);
  if (!ok) throw objectError('invalid-bucket-name', 'The specified bucket is not valid.', { BucketName: name });
}

/**
 * The bucket a request names, if the caller's account owns it. Buckets belong to the account that
 * created them; principals of other accounts get AccessDenied (bucket policies may come later).
 */
export async function ownedBucket(ctx: ObjectContext, name: string): Promise<BucketRecord> {
  const bucket = await ctx.deps.meta.getBucket(name);
  if (!bucket) throw objectError('no-such-bucket', 'The specified bucket does not exist', { BucketName: name });
  if (bucket.accountId !== ctx.caller.principal.accountId) throw objectError('access-denied', 'Access Denied');
  return bucket;
}
