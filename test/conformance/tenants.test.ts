import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryStores } from '../../src/store/memory/index.js';
import { createSqliteStores } from '../../src/store/sqlite/index.js';
import { testTenantStore } from './tenant-store-suite.js';

testTenantStore('memory', async () => ({ stores: createMemoryStores(), cleanup: async () => {} }));

testTenantStore('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'opencmk-sqlite-tenants-'));
  return { stores: createSqliteStores(join(dir, 'opencmk.db')), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});
