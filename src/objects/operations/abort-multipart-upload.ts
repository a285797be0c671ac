import { ownedBucket } from '../buckets.js';
import type { ObjectContext } from '../context.js';
import { openUpload, serialized } from '../multipart.js';
import { freeBlobs } from './put-object.js';

export interface AbortMultipartUploadInput {
  bucket: string;
  key: string;
  uploadId: string;
}

/** AbortMultipartUpload: the upload and its part records go, then their bytes. NoSuchUpload once it is gone. */
export async function abortMultipartUpload(ctx: ObjectContext, input: AbortMultipartUploadInput): Promise<void> {
  await ownedBucket(ctx, input.bucket);
  await openUpload(ctx, input.bucket, input.key, input.uploadId);
  const parts = await serialized(ctx, input.uploadId, async () => {
    await openUpload(ctx, input.bucket, input.key, input.uploadId);
    return ctx.deps.meta.deleteUpload(input.uploadId);
  });
  await freeBlobs(ctx, parts);
}
