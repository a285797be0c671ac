import type { BucketRecord } from '../../store/object-types.js';
import type { ObjectContext } from '../context.js';

export async function listBuckets(ctx: ObjectContext): Promise<BucketRecord[]> {
  return ctx.deps.meta.listBuckets(ctx.caller.principal.accountId);
}
