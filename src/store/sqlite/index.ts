import Database from 'better-sqlite3';
import {
  DuplicateError,
  StaleRevisionError,
  type AliasRecord,
  type CredentialRecord,
  type KeyRecord,
  type MaterialRecord,
  type Page,
  type Stores,
} from '../types.js';
import { createSqliteObjectStore } from './objects.js';
import { createSqliteTenantStore } from './tenants.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kms_keys (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  revision INTEGER NOT NULL,
  deletion_at INTEGER,
  next_rotation_at INTEGER,
  doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS kms_keys_owner ON kms_keys (account_id, region, id);
CREATE INDEX IF NOT EXISTS kms_keys_deletion ON kms_keys (deletion_at) WHERE deletion_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS kms_keys_rotation ON kms_keys (next_rotation_at) WHERE next_rotation_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS kms_materials (
  key_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  material_id TEXT NOT NULL,
  wrapped BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  rotation_type TEXT,
  PRIMARY KEY (key_id, version)
);
CREATE TABLE IF NOT EXISTS kms_aliases (
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  name TEXT NOT NULL,
  target_key_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, region, name)
);
CREATE INDEX IF NOT EXISTS kms_aliases_target ON kms_aliases (target_key_id);
CREATE TABLE IF NOT EXISTS credentials (
  access_key_id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  principal_arn TEXT NOT NULL,
  wrapped_secret BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
`;

interface KeyRow {
  doc: string;
}
interface MaterialRow {
  key_id: string;
  version: number;
  material_id: string;
  wrapped: Buffer;
  created_at: number;
  rotation_type: string | null;
}
interface AliasRow {
  account_id: string;
  region: string;
  name: string;
  target_key_id: string;
  created_at: number;
  updated_at: number;
}
interface CredentialRow {
  access_key_id: string;
  account_id: string;
  principal_arn: string;
  wrapped_secret: Buffer;
  created_at: number;
}

const toMaterial = (r: MaterialRow): MaterialRecord => ({
  keyId: r.key_id,
  version: r.version,
  materialId: r.material_id,
  wrapped: r.wrapped,
  createdAt: r.created_at,
  ...(r.rotation_type ? { rotationType: r.rotation_type as MaterialRecord['rotationType'] & string } : {}),
});
const toAlias = (r: AliasRow): AliasRecord => ({
  accountId: r.account_id,
  region: r.region,
  name: r.name,
  targetKeyId: r.target_key_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
const toCredential = (r: CredentialRow): CredentialRecord => ({
  accessKeyId: r.access_key_id,
  accountId: r.account_id,
  principalArn: r.principal_arn,
  wrappedSecret: r.wrapped_secret,
  createdAt: r.created_at,
});

/**
 * SQLite stores (better-sqlite3). WAL with synchronous=FULL: a transaction that returned is on disk,
 * so a key CreateKey acknowledged survives kill -9 and power loss alike.
 */
export function createSqliteStores(path: string): Stores {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);

  const q = {
    insertKey: db.prepare(
      'INSERT INTO kms_keys (id, account_id, region, revision, deletion_at, next_rotation_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    updateKey: db.prepare(
      'UPDATE kms_keys SET revision = ?, deletion_at = ?, next_rotation_at = ?, doc = ? WHERE id = ? AND revision = ?',
    ),
    getKey: db.prepare<[string, string], KeyRow>('SELECT doc FROM kms_keys WHERE id = ? AND region = ?'),
    // pluck(): the column's value itself, with no row object to build.
    getKeyRevision: db.prepare<[string, string], number>('SELECT revision FROM kms_keys WHERE id = ? AND region = ?').pluck(),
    listKeys: db.prepare<[string, string, string, number], KeyRow>(
      'SELECT doc FROM kms_keys WHERE account_id = ? AND region = ? AND id > ? ORDER BY id LIMIT ?',
    ),
    listDue: db.prepare<[number, number], KeyRow>(
      'SELECT doc FROM kms_keys WHERE deletion_at <= ? UNION SELECT doc FROM kms_keys WHERE next_rotation_at <= ?',
    ),
    deleteKey: db.prepare('DELETE FROM kms_keys WHERE id = ?'),
    getRevision: db.prepare<[string], { revision: number }>('SELECT revision FROM kms_keys WHERE id = ?'),
    insertMaterial: db.prepare(
      'INSERT INTO kms_materials (key_id, version, material_id, wrapped, created_at, rotation_type) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    getMaterial: db.prepare<[string, number], MaterialRow>('SELECT * FROM kms_materials WHERE key_id = ? AND version = ?'),
    listMaterials: db.prepare<[string], MaterialRow>('SELECT * FROM kms_materials WHERE key_id = ? ORDER BY version'),
    deleteMaterials: db.prepare('DELETE FROM kms_materials WHERE key_id = ?'),
    insertAlias: db.prepare(
      'INSERT INTO kms_aliases (account_id, region, name, target_key_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    updateAlias: db.prepare(
      'UPDATE kms_aliases SET target_key_id = ?, updated_at = ? WHERE account_id = ? AND region = ? AND name = ?',
    ),
    getAlias: db.prepare<[string, string, string], AliasRow>(
      'SELECT * FROM kms_aliases WHERE account_id = ? AND region = ? AND name = ?',
    ),
    deleteAlias: db.prepare('DELETE FROM kms_aliases WHERE account_id = ? AND region = ? AND name = ?'),
    deleteAliasesOf: db.prepare('DELETE FROM kms_aliases WHERE target_key_id = ?'),
    listAliases: db.prepare<[string, string, string, number], AliasRow>(
      'SELECT * FROM kms_aliases WHERE account_id = ? AND region = ? AND name > ? ORDER BY name LIMIT ?',
    ),
    listAliasesOf: db.prepare<[string, string, string, string, number], AliasRow>(
      'SELECT * FROM kms_aliases WHERE account_id = ? AND region = ? AND target_key_id = ? AND name > ? ORDER BY name LIMIT ?',
    ),
    putCredential: db.prepare(
      'INSERT OR REPLACE INTO credentials (access_key_id, account_id, principal_arn, wrapped_secret, created_at) VALUES (?, ?, ?, ?, ?)',
    ),
    getCredential: db.prepare<[string], CredentialRow>('SELECT * FROM credentials WHERE access_key_id = ?'),
    listCredentials: db.prepare<[], CredentialRow>('SELECT * FROM credentials ORDER BY access_key_id'),
  };

  const keyParams = (k: KeyRecord) => [k.deletionAt ?? null, k.nextRotationAt ?? null, JSON.stringify(k)] as const;
  const insertMaterial = (m: MaterialRecord) =>
    q.insertMaterial.run(m.keyId, m.version, m.materialId, m.wrapped, m.createdAt, m.rotationType ?? null);
  const updateKey = (k: KeyRecord) => {
    const { changes } = q.updateKey.run(k.revision, ...keyParams(k), k.id, k.revision - 1);
    if (changes !== 1) throw new StaleRevisionError(`key ${k.id}`);
  };

  const createKey = db.transaction((k: KeyRecord, m: MaterialRecord) => {
    q.insertKey.run(k.id, k.accountId, k.region, k.revision, ...keyParams(k));
    insertMaterial(m);
  });
  const rotate = db.transaction((k: KeyRecord, m: MaterialRecord) => {
    updateKey(k);
    insertMaterial(m);
  });
  const deleteKey = db.transaction((keyId: string, revision?: number) => {
    if (revision !== undefined) {
      const row = q.getRevision.get(keyId);
      if (!row || row.revision !== revision) throw new StaleRevisionError(`key ${keyId}`);
    }
    q.deleteAliasesOf.run(keyId);
    q.deleteMaterials.run(keyId);
    q.deleteKey.run(keyId);
  });

  function page<R, T>(rows: R[], map: (r: R) => T, position: (t: T) => string, limit: number): Page<T> {
    const items = rows.slice(0, limit).map(map);
    return rows.length > limit ? { items, next: position(items[items.length - 1]!) } : { items };
  }
  const parseKey = (r: KeyRow) => JSON.parse(r.doc) as KeyRecord;
  const isUnique = (e: unknown) => (e as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT') === true;

  return {
    keys: {
      async createKey(key, material) {
        try {
          createKey(key, material);
        } catch (e) {
          if (isUnique(e)) throw new DuplicateError(`key ${key.id}`);
          throw e;
        }
      },
      async getKey(region, keyId) {
        const row = q.getKey.get(keyId, region);
        return row && parseKey(row);
      },
      async getKeyRevision(region, keyId) {
        return q.getKeyRevision.get(keyId, region);
      },
      async listKeys(accountId, region, limit, after) {
        return page(q.listKeys.all(accountId, region, after ?? '', limit + 1), parseKey, (k) => k.id, limit);
      },
      async updateKey(key) {
        updateKey(key);
      },
      async rotate(key, material) {
        try {
          rotate(key, material);
        } catch (e) {
          if (isUnique(e)) throw new DuplicateError(`material ${key.id}/${material.version}`);
          throw e;
        }
      },
      async getMaterial(keyId, version) {
        const row = q.getMaterial.get(keyId, version);
        return row && toMaterial(row);
      },
      async listMaterials(keyId) {
        return q.listMaterials.all(keyId).map(toMaterial);
      },
      async deleteKey(keyId, revision) {
        deleteKey(keyId, revision);
      },
      async listDue(now) {
        return q.listDue.all(now, now).map(parseKey);
      },
      async createAlias(a) {
        try {
          q.insertAlias.run(a.accountId, a.region, a.name, a.targetKeyId, a.createdAt, a.updatedAt);
        } catch (e) {
          if (isUnique(e)) throw new DuplicateError(`alias ${a.name}`);
          throw e;
        }
      },
      async getAlias(accountId, region, name) {
        const row = q.getAlias.get(accountId, region, name);
        return row && toAlias(row);
      },
      async updateAlias(a) {
        q.updateAlias.run(a.targetKeyId, a.updatedAt, a.accountId, a.region, a.name);
      },
      async deleteAlias(accountId, region, name) {
        q.deleteAlias.run(accountId, region, name);
      },
      async listAliases(accountId, region, keyId, limit, after) {
        const rows =
          keyId === undefined
            ? q.listAliases.all(accountId, region, after ?? '', limit + 1)
            : q.listAliasesOf.all(accountId, region, keyId, after ?? '', limit + 1);
        return page(rows, toAlias, (a) => a.name, limit);
      },
    },
    credentials: {
      async putCredential(c) {
        q.putCredential.run(c.accessKeyId, c.accountId, c.principalArn, c.wrappedSecret, c.createdAt);
      },
      async getCredential(accessKeyId) {
        const row = q.getCredential.get(accessKeyId);
        return row && toCredential(row);
      },
      async listCredentials() {
        return q.listCredentials.all().map(toCredential);
      },
    },
    objects: createSqliteObjectStore(db),
    tenants: createSqliteTenantStore(db),
    async close() {
      db.close();
    },
  };
}
