import { createHash } from 'node:crypto';

interface Entry {
  keyArn: string;
  plaintext: Buffer;
  blob: Buffer;
  expiresAt: number;
}

/**
 * S3 Bucket Keys: a bucket-level key from KMS, one per requesting principal (as S3 keeps one per
 * requester), from which each object's data key is derived, so most PUTs and GETs need no KMS call.
 * An entry is used for at most `ttlMs` and is dropped the moment its KMS key's policy, state or
 * material changes (`forgetKey`), so a revocation stops the next request, not the next TTL.
 */
export interface CachedBucketKey {
  keyArn: string;
  plaintext: Buffer;
  blob: Buffer;
}

export interface BucketKeyCache {
  /** The bucket key for new objects of (bucket, principal, requested KMS key), if cached and fresh. */
  forWrite(bucket: string, principalArn: string, requestedKey: string): CachedBucketKey | undefined;
  /** The plaintext of a stored bucket-key blob, if this principal unwrapped it (Decrypt) recently. */
  forRead(bucket: string, principalArn: string, blob: Buffer): Buffer | undefined;
  /** Bumped by every forgetKey: read it before asking KMS, hand it to remember*. */
  generation(): number;
  /** Caches a bucket key, unless a key change happened since `generation` was read (then the answer may predate a revocation). */
  rememberWrite(bucket: string, principalArn: string, requestedKey: string, key: CachedBucketKey, generation: number): void;
  rememberRead(bucket: string, principalArn: string, key: CachedBucketKey, generation: number): void;
  /**
   * `forWrite`, or else `fetch` (GenerateDataKey as the principal) and `rememberWrite`. Concurrent
   * misses of one entry share one fetch, unless a key change came between them (a request that
   * arrives after a change always asks KMS itself).
   */
  writeKey(bucket: string, principalArn: string, requestedKey: string, fetch: () => Promise<CachedBucketKey>): Promise<CachedBucketKey>;
  /** `forRead`, or else `fetch` (Decrypt of `blob` as the principal) and `rememberRead`; shared like `writeKey`. */
  readKey(bucket: string, principalArn: string, blob: Buffer, fetch: () => Promise<CachedBucketKey>): Promise<Buffer>;
  /** Drops every entry under a KMS key: called when its policy, state or material changes. */
  forgetKey(keyArn: string): void;
  size(): number;
}

// Writes and reads are kept apart: a principal allowed GenerateDataKey but not Decrypt must not read
// objects back through a bucket key it was given for writing.
export function createBucketKeyCache(ttlMs: number, clock: () => number, capacity = 10_000): BucketKeyCache {
  const writes = new Map<string, Entry>();
  const reads = new Map<string, Entry>();
  let generation = 0;
  // The fetches in flight, by entry, with the generation each started in.
  const fetching = new Map<string, { generation: number; answer: Promise<CachedBucketKey> }>();
  const shared = (id: string, fetch: () => Promise<CachedBucketKey>, remember: (key: CachedBucketKey, seen: number) => void) => {
    const running = fetching.get(id);
    if (running && running.generation === generation) return running.answer;
    const seen = generation;
    const answer = fetch().then((key) => {
      remember(key, seen);
      return key;
    });
    const entry = { generation: seen, answer };
    fetching.set(id, entry);
    const done = () => {
      if (fetching.get(id) === entry) fetching.delete(id);
    };
    answer.then(done, done);
    return answer;
  };
  const blobId = (blob: Buffer) => createHash('sha256').update(blob).digest('base64');
  const fresh = (map: Map<string, Entry>, id: string) => {
    const entry = map.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= clock()) {
      map.delete(id);
      return undefined;
    }
    return entry;
  };
  const put = (map: Map<string, Entry>, id: string, key: CachedBucketKey) => {
    if (map.size >= capacity) map.delete(map.keys().next().value!);
    map.set(id, { ...key, expiresAt: clock() + ttlMs });
  };
  const rememberWrite: BucketKeyCache['rememberWrite'] = (bucket, principalArn, requestedKey, key, seen) => {
    if (seen !== generation) return;
    put(writes, `${bucket}\0${principalArn}\0${requestedKey}`, key);
  };
  const rememberRead: BucketKeyCache['rememberRead'] = (bucket, principalArn, key, seen) => {
    if (seen !== generation) return;
    put(reads, `${bucket}\0${principalArn}\0${blobId(key.blob)}`, key);
  };
  return {
    forWrite(bucket, principalArn, requestedKey) {
      const entry = fresh(writes, `${bucket}\0${principalArn}\0${requestedKey}`);
      return entry && { keyArn: entry.keyArn, plaintext: entry.plaintext, blob: entry.blob };
    },
    forRead(bucket, principalArn, blob) {
      return fresh(reads, `${bucket}\0${principalArn}\0${blobId(blob)}`)?.plaintext;
    },
    generation: () => generation,
    rememberWrite,
    rememberRead,
    async writeKey(bucket, principalArn, requestedKey, fetch) {
      const id = `${bucket}\0${principalArn}\0${requestedKey}`;
      const cached = fresh(writes, id);
      if (cached) return { keyArn: cached.keyArn, plaintext: cached.plaintext, blob: cached.blob };
      return shared(`w\0${id}`, fetch, (key, seen) => rememberWrite(bucket, principalArn, requestedKey, key, seen));
    },
    async readKey(bucket, principalArn, blob, fetch) {
      const id = `${bucket}\0${principalArn}\0${blobId(blob)}`;
      const cached = fresh(reads, id);
      if (cached) return cached.plaintext;
      const key = await shared(`r\0${id}`, fetch, (k, seen) => rememberRead(bucket, principalArn, k, seen));
      return key.plaintext;
    },
    forgetKey(keyArn) {
      generation++;
      for (const map of [writes, reads]) {
        for (const [id, entry] of map) if (entry.keyArn === keyArn) map.delete(id);
      }
    },
    size: () => writes.size + reads.size,
  };
}
