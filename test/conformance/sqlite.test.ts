import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createSqliteStores } from '../../src/store/sqlite/index.js';
import { keyRecord, materialRecord, testDurableStores, testKeyStore } from './key-store-suite.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'opencmk-sqlite-'));

testKeyStore('sqlite', async () => {
  const dir = tempDir();
  return { stores: createSqliteStores(join(dir, 'opencmk.db')), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

testDurableStores('sqlite', async () => {
  const dir = tempDir();
  return {
    open: async () => createSqliteStores(join(dir, 'opencmk.db')),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('sqlite driver specifics', () => {
  it('runs in WAL mode with synchronous=FULL, so an acknowledged write survives a crash', async () => {
    const dir = tempDir();
    try {
      const stores = createSqliteStores(join(dir, 'opencmk.db'));
      const key = keyRecord(1);
      await stores.keys.createKey(key, materialRecord(key, 1));
      // A second connection sees the settings the file keeps (journal_mode) and the committed row.
      const db = new Database(join(dir, 'opencmk.db'), { readonly: true });
      try {
        assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
        const row = db.prepare('SELECT count(*) AS n FROM kms_materials WHERE key_id = ?').get(key.id) as { n: number };
        assert.equal(row.n, 1);
      } finally {
        db.close();
      }
      await stores.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens a database another open store is using (two processes, one data dir)', async () => {
    const dir = tempDir();
    try {
      const a = createSqliteStores(join(dir, 'opencmk.db'));
      const b = createSqliteStores(join(dir, 'opencmk.db'));
      const key = keyRecord(1);
      await a.keys.createKey(key, materialRecord(key, 1));
      assert.deepEqual(await b.keys.getKey(key.region, key.id), key);
      await b.keys.updateKey({ ...key, description: 'from b', revision: 2 });
      assert.equal((await a.keys.getKey(key.region, key.id))?.description, 'from b');
      assert.equal(await a.keys.getKeyRevision(key.region, key.id), 2, 'the other connection\'s change moves the revision at once');
      await a.close();
      await b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
