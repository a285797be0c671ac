import type { KmsRequest } from '../kms/context.js';
import type { BlobStore, ObjectMetaStore } from '../store/object-types.js';
import type { RootOfTrust } from '../store/types.js';
import type { BucketKeyCache } from './bucket-keys.js';
import type { ObjectKms } from './kms-calls.js';

/** What the object store is built from (DESIGN.md rule 1: passed in, no HTTP, no driver). */
export interface ObjectDeps {
  meta: ObjectMetaStore;
  blobs: BlobStore;
  kms: ObjectKms;
  root: RootOfTrust;
  bucketKeys: BucketKeyCache;
  clock: () => number;
  random: (bytes: number) => Buffer;
  /** Plaintext bytes per authenticated segment of new objects. */
  segmentSize: number;
}

/** The caller of an S3 request: the same shape the key service takes, so KMS calls carry it as is. */
export type ObjectCaller = KmsRequest;

export interface ObjectContext {
  deps: ObjectDeps;
  caller: ObjectCaller;
}
