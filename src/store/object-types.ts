/**
 * Storage interfaces of the object store: metadata (buckets, objects, multipart uploads) and blobs
 * (the encrypted bytes). Like src/store/types.ts, small on purpose: every driver runs one
 * conformance suite. Nothing here is plaintext: blobs hold docs/formats.md §3 streams, and the data
 * keys in `ObjectEncryption` are KMS ciphertext blobs (or sealed by the root key for SSE-S3).
 */
import type { Page } from './types.js';

export type SseAlgorithm = 'AES256' | 'aws:kms';

/** A bucket's default encryption (PutBucketEncryption). */
export interface BucketEncryption {
  algorithm: SseAlgorithm;
  /** As the caller gave it (id, ARN or alias); resolved on each PUT as AWS does. */
  kmsKeyId?: string;
  bucketKeyEnabled: boolean;
}

export interface BucketRecord {
  name: string;
  accountId: string;
  region: string;
  createdAt: number;
  encryption?: BucketEncryption;
}

/** How one object's data key is protected, and how to get it back. */
export interface ObjectEncryption {
  algorithm: SseAlgorithm;
  /** The KMS key (full ARN) for aws:kms. */
  kmsKeyArn?: string;
  bucketKeyEnabled: boolean;
  /** The caller's encryption context (x-amz-server-side-encryption-context), without aws:s3:arn. */
  context?: Record<string, string>;
  /**
   * aws:kms: the KMS CiphertextBlob of the data key, or of the bucket key when bucketKeyEnabled.
   * AES256: the data key sealed by the root of trust.
   */
  wrappedKey: Buffer;
  /** Bucket-key mode: the per-object seed that derives the data key (docs/formats.md §4). */
  seed?: Buffer;
}

/** One independently encrypted stream of an object: a single PUT has one, a multipart upload one per part. */
export interface ObjectPart {
  partNumber: number;
  blobId: string;
  /** Plaintext bytes in this part. */
  size: number;
  etag: string;
  lastModified: number;
}

export interface ObjectRecord {
  bucket: string;
  key: string;
  /** Plaintext length. */
  size: number;
  etag: string;
  lastModified: number;
  contentType?: string;
  /** Standard headers kept and returned: Cache-Control, Content-Disposition, Content-Encoding, Content-Language, Expires. */
  headers: Record<string, string>;
  /** x-amz-meta-* without the prefix. */
  metadata: Record<string, string>;
  encryption: ObjectEncryption;
  /** Plaintext bytes per segment of every part's stream (docs/formats.md §3). */
  segmentSize: number;
  parts: ObjectPart[];
  /** The checksum algorithm and its type, with the value sealed under the object key (AWS stores it encrypted too). */
  checksum?: { algorithm: string; type: 'FULL_OBJECT' | 'COMPOSITE'; sealed: Buffer };
}

export interface UploadRecord {
  uploadId: string;
  bucket: string;
  key: string;
  initiatedAt: number;
  initiatorArn: string;
  contentType?: string;
  headers: Record<string, string>;
  metadata: Record<string, string>;
  encryption: ObjectEncryption;
  segmentSize: number;
  checksumAlgorithm?: string;
  checksumType?: 'FULL_OBJECT' | 'COMPOSITE';
}

export interface UploadPartRecord extends ObjectPart {
  uploadId: string;
  /** The part's own checksum, sealed like an object's. */
  checksum?: { algorithm: string; sealed: Buffer };
}

export interface ListedObjects extends Page<ObjectRecord> {}

export interface ObjectMetaStore {
  createBucket(bucket: BucketRecord): Promise<void>;
  getBucket(name: string): Promise<BucketRecord | undefined>;
  listBuckets(accountId: string): Promise<BucketRecord[]>;
  /** Replaces the bucket's mutable settings (encryption). */
  updateBucket(bucket: BucketRecord): Promise<void>;
  /** Deletes an empty bucket; false (and nothing changed) when it still holds objects or uploads. */
  deleteBucket(name: string): Promise<boolean>;

  getObject(bucket: string, key: string): Promise<ObjectRecord | undefined>;
  /** Stores the object, replacing any of the same key; returns the one replaced, whose blobs the caller frees. */
  putObject(object: ObjectRecord): Promise<ObjectRecord | undefined>;
  deleteObject(bucket: string, key: string): Promise<ObjectRecord | undefined>;
  /** Objects whose key starts with `prefix`, after `after`, in key order. */
  listObjects(bucket: string, prefix: string, after: string | undefined, limit: number): Promise<ListedObjects>;

  createUpload(upload: UploadRecord): Promise<void>;
  getUpload(uploadId: string): Promise<UploadRecord | undefined>;
  listUploads(bucket: string, prefix: string, limit: number): Promise<UploadRecord[]>;
  /** Stores a part, replacing any of the same number; returns the replaced one. */
  putPart(part: UploadPartRecord): Promise<UploadPartRecord | undefined>;
  listParts(uploadId: string): Promise<UploadPartRecord[]>;
  /** Removes the upload and its part records (the caller frees their blobs). */
  deleteUpload(uploadId: string): Promise<UploadPartRecord[]>;
  /**
   * Completes an upload in one transaction: the object replaces any of the same key, the upload and
   * its part records go. Returns the replaced object and the parts that were not used.
   */
  completeUpload(uploadId: string, object: ObjectRecord): Promise<{ replaced?: ObjectRecord; unused: UploadPartRecord[] }>;

  /**
   * Compare-and-swap: replaces the object `record` names only if the stored one still has
   * `expectedEtag` (a client's PUT, upload or DELETE since it was read makes this false and changes
   * nothing). Used by re-encryption, which must never undo a concurrent write.
   */
  replaceObjectIf(bucket: string, key: string, expectedEtag: string, record: ObjectRecord): Promise<boolean>;
  /** replaceObjectIf for many objects in one transaction; one result per change, in order. */
  replaceObjectsIf(changes: readonly { expectedEtag: string; record: ObjectRecord }[]): Promise<boolean[]>;

  /** Every blob id any object or part refers to (the orphan sweep keeps exactly these). */
  referencedBlobs(): Promise<Set<string>>;
}

/** A blob being written: appended to in order, then committed (durable) or aborted (gone). */
export interface BlobWriter {
  /**
   * Appends the buffers after everything appended before, even while earlier appends are still in
   * flight; they must not change until the promise settles, and `commit` only after all settled.
   */
  append(buffers: readonly Buffer[]): Promise<void>;
  /** Makes the blob durable (fsync, rename) and resolves with its id and stored length. */
  commit(): Promise<{ blobId: string; size: number }>;
  /** Removes whatever was written; safe to call after a failed append or commit, and twice. */
  abort(): Promise<void>;
}

/** A stored blob opened for reads at any offset. */
export interface BlobReader {
  /** Reads up to `length` bytes at `position` into `buffer[offset..]`; fewer only at the end of the blob. */
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  close(): Promise<void>;
}

/** Where encrypted object bytes live: local files today, an S3-compatible service later. */
export interface BlobStore {
  /** Starts a new blob; nothing is visible until `commit`, and a crash before it leaves only what `sweep` removes. */
  create(): Promise<BlobWriter>;
  /** Opens a blob for positional reads (rejects with ENOENT when there is none). */
  open(blobId: string): Promise<BlobReader>;
  delete(blobId: string): Promise<void>;
  /** Deletes every blob not in `keep`, and any half-written temporary; returns how many went. */
  sweep(keep: Set<string>): Promise<number>;
}
