import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createSqliteAuditStore } from '../../src/store/sqlite/audit.js';
import { A, auditEvent, REGION, testAuditStore } from './audit-store-suite.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'opencmk-audit-sqlite-'));

for (const writerThread of [true, false]) {
  testAuditStore(`sqlite (writer ${writerThread ? 'thread' : 'inline'})`, async () => {
    const dir = tempDir();
    return { store: createSqliteAuditStore(join(dir, 'audit.db'), { writerThread }), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  });
}

describe('sqlite audit driver specifics', () => {
  it('commits with WAL and synchronous=FULL, and what append resolved is there after reopening', async () => {
    const dir = tempDir();
    try {
      const path = join(dir, 'audit.db');
      const store = createSqliteAuditStore(path);
      await Promise.all(Array.from({ length: 50 }, (_, i) => store.append([auditEvent(i + 1)])));
      // Another connection sees every committed row before the store is closed.
      const db = new Database(path, { readonly: true });
      try {
        assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
        assert.equal((db.prepare('SELECT count(*) AS n FROM audit_events').get() as { n: number }).n, 50);
      } finally {
        db.close();
      }
      await store.close();
      const again = createSqliteAuditStore(path, { mustExist: true });
      const [head] = await again.heads();
      assert.equal(head!.sequence, 50);
      const events = await again.range(A, REGION, 0, 100);
      assert.deepEqual(events.map((e) => e.sequence), Array.from({ length: 50 }, (_, i) => i + 1));
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to create a database when told it must exist (the CLI)', () => {
    const dir = tempDir();
    try {
      assert.throws(() => createSqliteAuditStore(join(dir, 'audit.db'), { mustExist: true }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the writer thread usable after a failed batch', async () => {
    const dir = tempDir();
    try {
      const store = createSqliteAuditStore(join(dir, 'audit.db'));
      await store.append([auditEvent(1)]);
      await assert.rejects(store.append([auditEvent(1)]), { name: 'DuplicateError' });
      await store.append([auditEvent(2)]);
      assert.deepEqual((await store.range(A, REGION, 0, 10)).map((e) => e.sequence), [1, 2]);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
