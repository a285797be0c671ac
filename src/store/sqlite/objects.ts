import type Database from 'better-sqlite3';
import type { BucketRecord, ObjectMetaStore, ObjectRecord, UploadPartRecord, UploadRecord } from '../object-types.js';
import { DuplicateError } from '../types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS s3_buckets (
  name TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS s3_buckets_owner ON s3_buckets (account_id, name);
CREATE TABLE IF NOT EXISTS s3_objects (
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  doc TEXT NOT NULL,
  PRIMARY KEY (bucket, key)
);
CREATE TABLE IF NOT EXISTS s3_uploads (
  upload_id TEXT PRIMARY KEY,
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS s3_uploads_bucket ON s3_uploads (bucket, key);
CREATE TABLE IF NOT EXISTS s3_parts (
  upload_id TEXT NOT NULL,
  part_number INTEGER NOT NULL,
  doc TEXT NOT NULL,
  PRIMARY KEY (upload_id, part_number)
);
`;

// Records hold Buffers (wrapped keys, seeds, sealed checksums): JSON keeps them as base64 strings.
const BUFFER_TAG = '$b64';
function toJson(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, _key, v: unknown) {
    if (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      return { [BUFFER_TAG]: Buffer.from((v as { data: number[] }).data).toString('base64') };
    }
    return v;
  });
}
function fromJson<T>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) =>
    v && typeof v === 'object' && BUFFER_TAG in (v as object) ? Buffer.from((v as Record<string, string>)[BUFFER_TAG]!, 'base64') : v,
  ) as T;
}

/** Object metadata in the same SQLite database as the keys (one fsync'd transaction per change). */
export function createSqliteObjectStore(db: Database.Database): ObjectMetaStore {
  db.exec(SCHEMA);
  const q = {
    insertBucket: db.prepare('INSERT INTO s3_buckets (name, account_id, doc) VALUES (?, ?, ?)'),
    updateBucket: db.prepare('UPDATE s3_buckets SET doc = ? WHERE name = ?'),
    getBucket: db.prepare<[string], { doc: string }>('SELECT doc FROM s3_buckets WHERE name = ?'),
    listBuckets: db.prepare<[string], { doc: string }>('SELECT doc FROM s3_buckets WHERE account_id = ? ORDER BY name'),
    deleteBucket: db.prepare('DELETE FROM s3_buckets WHERE name = ?'),
    bucketHasObjects: db.prepare<[string], { n: number }>('SELECT 1 AS n FROM s3_objects WHERE bucket = ? LIMIT 1'),
    bucketHasUploads: db.prepare<[string], { n: number }>('SELECT 1 AS n FROM s3_uploads WHERE bucket = ? LIMIT 1'),
    getObject: db.prepare<[string, string], { doc: string }>('SELECT doc FROM s3_objects WHERE bucket = ? AND key = ?'),
    putObject: db.prepare('INSERT OR REPLACE INTO s3_objects (bucket, key, doc) VALUES (?, ?, ?)'),
    deleteObject: db.prepare('DELETE FROM s3_objects WHERE bucket = ? AND key = ?'),
    listObjects: db.prepare<[string, string, string, string, string, number], { doc: string }>(
      // Keys compared as BLOBs: S3 lists in UTF-8 binary order.
      'SELECT doc FROM s3_objects WHERE bucket = ? AND CAST(key AS BLOB) >= CAST(? AS BLOB) AND CAST(key AS BLOB) > CAST(? AS BLOB) AND substr(key, 1, length(?)) = ? ORDER BY CAST(key AS BLOB) LIMIT ?',
    ),
    insertUpload: db.prepare('INSERT INTO s3_uploads (upload_id, bucket, key, doc) VALUES (?, ?, ?, ?)'),
    getUpload: db.prepare<[string], { doc: string }>('SELECT doc FROM s3_uploads WHERE upload_id = ?'),
    listUploads: db.prepare<[string, string, string, number], { doc: string }>(
      'SELECT doc FROM s3_uploads WHERE bucket = ? AND substr(key, 1, length(?)) = ? ORDER BY CAST(key AS BLOB), upload_id LIMIT ?',
    ),
    deleteUpload: db.prepare('DELETE FROM s3_uploads WHERE upload_id = ?'),
    getPart: db.prepare<[string, number], { doc: string }>('SELECT doc FROM s3_parts WHERE upload_id = ? AND part_number = ?'),
    putPart: db.prepare('INSERT OR REPLACE INTO s3_parts (upload_id, part_number, doc) VALUES (?, ?, ?)'),
    listParts: db.prepare<[string], { doc: string }>('SELECT doc FROM s3_parts WHERE upload_id = ? ORDER BY part_number'),
    deleteParts: db.prepare('DELETE FROM s3_parts WHERE upload_id = ?'),
    allObjectDocs: db.prepare<[], { doc: string }>('SELECT doc FROM s3_objects'),
    allPartDocs: db.prepare<[], { doc: string }>('SELECT doc FROM s3_parts'),
  };

  const putObject = db.transaction((o: ObjectRecord) => {
    const old = q.getObject.get(o.bucket, o.key);
    q.putObject.run(o.bucket, o.key, toJson(o));
    return old ? fromJson<ObjectRecord>(old.doc) : undefined;
  });
  const deleteObject = db.transaction((bucket: string, key: string) => {
    const old = q.getObject.get(bucket, key);
    q.deleteObject.run(bucket, key);
    return old ? fromJson<ObjectRecord>(old.doc) : undefined;
  });
  const deleteBucket = db.transaction((name: string) => {
    if (q.bucketHasObjects.get(name) || q.bucketHasUploads.get(name)) return false;
    q.deleteBucket.run(name);
    return true;
  });
  const putPart = db.transaction((p: UploadPartRecord) => {
    const old = q.getPart.get(p.uploadId, p.partNumber);
    q.putPart.run(p.uploadId, p.partNumber, toJson(p));
    return old ? fromJson<UploadPartRecord>(old.doc) : undefined;
  });
  const deleteUpload = db.transaction((uploadId: string) => {
    const parts = q.listParts.all(uploadId).map((r) => fromJson<UploadPartRecord>(r.doc));
    q.deleteParts.run(uploadId);
    q.deleteUpload.run(uploadId);
    return parts;
  });
  const completeUpload = db.transaction((uploadId: string, o: ObjectRecord) => {
    const used = new Set(o.parts.map((p) => p.blobId));
    const parts = deleteUpload(uploadId);
    const replaced = putObject(o);
    return { ...(replaced ? { replaced } : {}), unused: parts.filter((p) => !used.has(p.blobId)) };
  });

  const replaceObjectsIf = db.transaction((changes: readonly { expectedEtag: string; record: ObjectRecord }[]) =>
    changes.map(({ expectedEtag, record }) => {
      const row = q.getObject.get(record.bucket, record.key);
      if (!row || fromJson<ObjectRecord>(row.doc).etag !== expectedEtag) return false;
      q.putObject.run(record.bucket, record.key, toJson(record));
      return true;
    }),
  );

  return {
    async createBucket(b) {
      try {
        q.insertBucket.run(b.name, b.accountId, toJson(b));
      } catch (e) {
        if ((e as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) throw new DuplicateError(`bucket ${b.name}`);
        throw e;
      }
    },
    async getBucket(name) {
      const row = q.getBucket.get(name);
      return row && fromJson<BucketRecord>(row.doc);
    },
    async listBuckets(accountId) {
      return q.listBuckets.all(accountId).map((r) => fromJson<BucketRecord>(r.doc));
    },
    async updateBucket(b) {
      q.updateBucket.run(toJson(b), b.name);
    },
    async deleteBucket(name) {
      return deleteBucket(name);
    },
    async getObject(bucket, key) {
      const row = q.getObject.get(bucket, key);
      return row && fromJson<ObjectRecord>(row.doc);
    },
    async putObject(o) {
      return putObject(o);
    },
    async deleteObject(bucket, key) {
      return deleteObject(bucket, key);
    },
    async listObjects(bucket, prefix, after, limit) {
      const rows = q.listObjects.all(bucket, prefix, after ?? '', prefix, prefix, limit + 1);
      const items = rows.slice(0, limit).map((r) => fromJson<ObjectRecord>(r.doc));
      return rows.length > limit ? { items, next: items[items.length - 1]!.key } : { items };
    },
    async createUpload(u) {
      q.insertUpload.run(u.uploadId, u.bucket, u.key, toJson(u));
    },
    async getUpload(uploadId) {
      const row = q.getUpload.get(uploadId);
      return row && fromJson<UploadRecord>(row.doc);
    },
    async listUploads(bucket, prefix, limit) {
      return q.listUploads.all(bucket, prefix, prefix, limit).map((r) => fromJson<UploadRecord>(r.doc));
    },
    async putPart(p) {
      return putPart(p);
    },
    async listParts(uploadId) {
      return q.listParts.all(uploadId).map((r) => fromJson<UploadPartRecord>(r.doc));
    },
    async deleteUpload(uploadId) {
      return deleteUpload(uploadId);
    },
    async completeUpload(uploadId, o) {
      return completeUpload(uploadId, o);
    },
    async replaceObjectIf(bucket, key, expectedEtag, record) {
      return replaceObjectsIf([{ expectedEtag, record: { ...record, bucket, key } }])[0]!;
    },
    async replaceObjectsIf(changes) {
      return replaceObjectsIf(changes);
    },
    async referencedBlobs() {
      const ids = new Set<string>();
      for (const r of q.allObjectDocs.all()) for (const p of fromJson<ObjectRecord>(r.doc).parts) ids.add(p.blobId);
      for (const r of q.allPartDocs.all()) ids.add(fromJson<UploadPartRecord>(r.doc).blobId);
      return ids;
    },
  };
}

