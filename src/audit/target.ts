/**
 * Where log files and digests are delivered: a local directory today (local-dir-target.ts), a bucket
 * of our own object store later (the seam: implement these two interfaces over it; object metadata
 * then holds the digest signature, as CloudTrail's `x-amz-meta-signature`).
 */
export interface DeliveryTarget {
  /** The bucket name written into digests and signed with them. */
  bucket: string;
  /** Stores an object durably (replacing one with the same key) before resolving. */
  put(key: string, body: Buffer, metadata?: Record<string, string>): Promise<void>;
}

export interface DeliveredObject {
  body: Buffer;
  /** User metadata without the `x-amz-meta-` prefix, e.g. `signature`, `signature-algorithm`. */
  metadata: Record<string, string>;
}

/** Read access to delivered files, for the validator. */
export interface DeliveryReader {
  /** Where a key lives, for messages (a path, or s3://bucket/key). */
  locate(key: string): string;
  get(key: string): Promise<DeliveredObject | undefined>;
  /** Every key under `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
}
