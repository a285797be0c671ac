import type { BucketEncryption } from '../../store/object-types.js';
import { ownedBucket } from '../buckets.js';
import type { ObjectContext } from '../context.js';
import { objectError } from '../errors.js';

export async function putBucketEncryption(ctx: ObjectContext, input: { bucket: string; encryption: BucketEncryption }): Promise<void> {
  const bucket = await ownedBucket(ctx, input.bucket);
  const { algorithm, kmsKeyId } = input.encryption;
  if (kmsKeyId !== undefined && algorithm !== 'aws:kms') {
    throw objectError('invalid-argument', 'a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse', {
      ArgumentName: 'ApplyServerSideEncryptionByDefault',
    });
  }
  await ctx.deps.meta.updateBucket({ ...bucket, encryption: input.encryption });
}
