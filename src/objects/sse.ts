import { newObjectDataKey, openObjectDataKey } from '../formats/object-key.js';
import type { BucketRecord, ObjectEncryption, SseAlgorithm } from '../store/object-types.js';
import type { ObjectContext } from './context.js';
import { objectError } from './errors.js';

/** What a request asks for (x-amz-server-side-encryption* headers), before the bucket default applies. */
export interface EncryptionRequest {
  algorithm?: SseAlgorithm;
  kmsKeyId?: string;
  context?: Record<string, string>;
  bucketKeyEnabled?: boolean;
}

export interface ResolvedEncryption {
  algorithm: SseAlgorithm;
  kmsKeyId?: string;
  bucketKeyEnabled: boolean;
  context?: Record<string, string>;
}

export const bucketArn = (bucket: string) => `arn:aws:s3:::${bucket}`;
export const objectArn = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;

/**
 * AWS's precedence: the request's headers win over the bucket's default encryption; a request
 * without them gets the bucket default; a bucket without one gets SSE-S3 (AES256). Every object is
 * encrypted: there is no "none".
 */
export function resolveEncryption(bucket: BucketRecord, request: EncryptionRequest): ResolvedEncryption {
  if ((request.kmsKeyId !== undefined || request.context !== undefined) && request.algorithm !== 'aws:kms') {
    throw objectError(
      'invalid-argument',
      'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms',
      { ArgumentName: 'x-amz-server-side-encryption' },
    );
  }
  const fallback = bucket.encryption ?? { algorithm: 'AES256' as const, bucketKeyEnabled: false };
  const algorithm = request.algorithm ?? fallback.algorithm;
  let kmsKeyId = request.kmsKeyId;
  if (algorithm === 'aws:kms' && kmsKeyId === undefined) {
    // AWS would use its managed key aws/s3 here; opencmk has none, so the bucket's default KMS key
    // is the only other choice (README, "Known differences").
    kmsKeyId = fallback.algorithm === 'aws:kms' ? fallback.kmsKeyId : undefined;
    if (kmsKeyId === undefined) {
      throw objectError('invalid-argument', 'x-amz-server-side-encryption-aws-kms-key-id is required: opencmk has no AWS managed aws/s3 key.', {
        ArgumentName: 'x-amz-server-side-encryption-aws-kms-key-id',
      });
    }
  }
  const bucketKeyEnabled = algorithm === 'aws:kms' && (request.bucketKeyEnabled ?? (fallback.algorithm === 'aws:kms' && fallback.bucketKeyEnabled));
  return {
    algorithm,
    ...(kmsKeyId !== undefined ? { kmsKeyId } : {}),
    bucketKeyEnabled,
    ...(request.context ? { context: request.context } : {}),
  };
}

const sseS3Purpose = (bucket: string, key: string) => `opencmk/v1/sse-s3/${bucket}/${key}`;

/** A fresh data key for a new object, and how it is kept (wrapped by KMS, or sealed for SSE-S3). */
export async function newDataKey(
  ctx: ObjectContext,
  bucket: string,
  key: string,
  enc: ResolvedEncryption,
): Promise<{ dataKey: Buffer; encryption: ObjectEncryption }> {
  const { deps, caller } = ctx;
  if (enc.algorithm === 'AES256') {
    const dataKey = deps.random(32);
    return { dataKey, encryption: { algorithm: 'AES256', bucketKeyEnabled: false, wrappedKey: await deps.root.seal(dataKey, sseS3Purpose(bucket, key)) } };
  }
  const kmsKeyId = enc.kmsKeyId!;
  const userContext = enc.context ?? {};
  if (!enc.bucketKeyEnabled) {
    const { plaintext, blob, keyArn } = await deps.kms.generateDataKey(caller, kmsKeyId, { ...userContext, 'aws:s3:arn': objectArn(bucket, key) });
    return { dataKey: plaintext, encryption: { algorithm: 'aws:kms', kmsKeyArn: keyArn, bucketKeyEnabled: false, ...(enc.context ? { context: enc.context } : {}), wrappedKey: blob } };
  }
  // One bucket key per (bucket, requester, KMS key, context), as S3 keeps one per requester.
  const requested = enc.context ? `${kmsKeyId}\0${JSON.stringify(enc.context)}` : kmsKeyId;
  // A key change while the call is in flight leaves its answer uncached (the revocation race).
  const bucketKey = await deps.bucketKeys.writeKey(bucket, caller.principal.arn, requested, async () => {
    const made = await deps.kms.generateDataKey(caller, kmsKeyId, { ...userContext, 'aws:s3:arn': bucketArn(bucket) });
    return { keyArn: made.keyArn, plaintext: made.plaintext, blob: made.blob };
  });
  const { dataKey, seed } = newObjectDataKey({ bucketKey: bucketKey.plaintext, context: objectArn(bucket, key), random: deps.random });
  return {
    dataKey,
    encryption: {
      algorithm: 'aws:kms',
      kmsKeyArn: bucketKey.keyArn,
      bucketKeyEnabled: true,
      ...(enc.context ? { context: enc.context } : {}),
      wrappedKey: bucketKey.blob,
      seed,
    },
  };
}

/** The data key of a stored object, unwrapped as the caller (so the key policy decides). */
export async function openDataKey(ctx: ObjectContext, bucket: string, key: string, encryption: ObjectEncryption): Promise<Buffer> {
  const { deps, caller } = ctx;
  if (encryption.algorithm === 'AES256') return deps.root.open(encryption.wrappedKey, sseS3Purpose(bucket, key));
  const userContext = encryption.context ?? {};
  if (!encryption.bucketKeyEnabled) {
    const { plaintext } = await deps.kms.decrypt(caller, encryption.wrappedKey, { ...userContext, 'aws:s3:arn': objectArn(bucket, key) });
    return plaintext;
  }
  const bucketKey = await deps.bucketKeys.readKey(bucket, caller.principal.arn, encryption.wrappedKey, async () => {
    const { plaintext, keyArn } = await deps.kms.decrypt(caller, encryption.wrappedKey, { ...userContext, 'aws:s3:arn': bucketArn(bucket) });
    return { keyArn, plaintext, blob: encryption.wrappedKey };
  });
  return openObjectDataKey({ bucketKey, context: objectArn(bucket, key), seed: encryption.seed! });
}
