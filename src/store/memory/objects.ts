import type { BucketRecord, ObjectMetaStore, ObjectRecord, UploadPartRecord, UploadRecord } from '../object-types.js';
import { DuplicateError } from '../types.js';

// Deep copies that keep Buffers as Buffers (structuredClone would turn them into Uint8Arrays).
function copy<T>(value: T): T {
  if (Buffer.isBuffer(value)) return Buffer.from(value) as T;
  if (Array.isArray(value)) return value.map(copy) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copy(v)])) as T;
  }
  return value;
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** In-memory object metadata for unit tests; same contract as the SQLite driver. */
export function createMemoryObjectStore(): ObjectMetaStore {
  const buckets = new Map<string, BucketRecord>();
  const objects = new Map<string, ObjectRecord>();
  const uploads = new Map<string, UploadRecord>();
  const parts = new Map<string, Map<number, UploadPartRecord>>();
  const id = (bucket: string, key: string) => `${bucket}\0${key}`;

  const store: ObjectMetaStore = {
    async createBucket(b) {
      if (buckets.has(b.name)) throw new DuplicateError(`bucket ${b.name}`);
      buckets.set(b.name, copy(b));
    },
    async getBucket(name) {
      return copy(buckets.get(name));
    },
    async listBuckets(accountId) {
      return [...buckets.values()].filter((b) => b.accountId === accountId).sort((a, b) => byteOrder(a.name, b.name)).map(copy);
    },
    async updateBucket(b) {
      if (buckets.has(b.name)) buckets.set(b.name, copy(b));
    },
    async deleteBucket(name) {
      const busy = [...objects.values()].some((o) => o.bucket === name) || [...uploads.values()].some((u) => u.bucket === name);
      if (busy) return false;
      buckets.delete(name);
      return true;
    },
    async getObject(bucket, key) {
      return copy(objects.get(id(bucket, key)));
    },
    async putObject(o) {
      const old = objects.get(id(o.bucket, o.key));
      objects.set(id(o.bucket, o.key), copy(o));
      return old;
    },
    async deleteObject(bucket, key) {
      const old = objects.get(id(bucket, key));
      objects.delete(id(bucket, key));
      return old;
    },
    async listObjects(bucket, prefix, after, limit) {
      const all = [...objects.values()]
        .filter((o) => o.bucket === bucket && o.key.startsWith(prefix) && (after === undefined || byteOrder(o.key, after) > 0))
        .sort((a, b) => byteOrder(a.key, b.key));
      const items = all.slice(0, limit).map(copy);
      return all.length > limit ? { items, next: items[items.length - 1]!.key } : { items };
    },
    async createUpload(u) {
      uploads.set(u.uploadId, copy(u));
      parts.set(u.uploadId, new Map());
    },
    async getUpload(uploadId) {
      return copy(uploads.get(uploadId));
    },
    async listUploads(bucket, prefix, limit) {
      return [...uploads.values()]
        .filter((u) => u.bucket === bucket && u.key.startsWith(prefix))
        .sort((a, b) => byteOrder(a.key, b.key) || (a.uploadId < b.uploadId ? -1 : 1))
        .slice(0, limit)
        .map(copy);
    },
    async putPart(p) {
      const of = parts.get(p.uploadId) ?? new Map<number, UploadPartRecord>();
      parts.set(p.uploadId, of);
      const old = of.get(p.partNumber);
      of.set(p.partNumber, copy(p));
      return old;
    },
    async listParts(uploadId) {
      return [...(parts.get(uploadId)?.values() ?? [])].sort((a, b) => a.partNumber - b.partNumber).map(copy);
    },
    async deleteUpload(uploadId) {
      const gone = [...(parts.get(uploadId)?.values() ?? [])];
      parts.delete(uploadId);
      uploads.delete(uploadId);
      return gone;
    },
    async completeUpload(uploadId, o) {
      const used = new Set(o.parts.map((p) => p.blobId));
      const gone = await store.deleteUpload(uploadId);
      const replaced = await store.putObject(o);
      return { ...(replaced ? { replaced } : {}), unused: gone.filter((p) => !used.has(p.blobId)) };
    },
    async replaceObjectIf(bucket, key, expectedEtag, record) {
      return (await store.replaceObjectsIf([{ expectedEtag, record: { ...record, bucket, key } }]))[0]!;
    },
    async replaceObjectsIf(changes) {
      return changes.map(({ expectedEtag, record }) => {
        const stored = objects.get(id(record.bucket, record.key));
        if (!stored || stored.etag !== expectedEtag) return false;
        objects.set(id(record.bucket, record.key), copy(record));
        return true;
      });
    },
    async referencedBlobs() {
      const ids = new Set<string>();
      for (const o of objects.values()) for (const p of o.parts) ids.add(p.blobId);
      for (const of of parts.values()) for (const p of of.values()) ids.add(p.blobId);
      return ids;
    },
  };
  return store;
}
