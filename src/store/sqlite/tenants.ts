import type Database from 'better-sqlite3';
import type { ReencryptJob, TenantHealthRecord, TenantRecord, TenantStore } from '../tenant-types.js';
import { DuplicateError, StaleRevisionError } from '../types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tenants (
  name TEXT PRIMARY KEY,
  revision INTEGER NOT NULL,
  doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tenant_health (
  tenant TEXT PRIMARY KEY,
  doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tenant_jobs (
  id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  state TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tenant_jobs_tenant ON tenant_jobs (tenant, created_at);
CREATE INDEX IF NOT EXISTS tenant_jobs_state ON tenant_jobs (state);
`;

const isUnique = (e: unknown) => (e as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT') === true;

/** Tenants, their key health and re-encryption jobs, in the same SQLite database as keys and objects. */
export function createSqliteTenantStore(db: Database.Database): TenantStore {
  db.exec(SCHEMA);
  const q = {
    insert: db.prepare('INSERT INTO tenants (name, revision, doc) VALUES (?, ?, ?)'),
    update: db.prepare('UPDATE tenants SET revision = ?, doc = ? WHERE name = ? AND revision = ?'),
    get: db.prepare<[string], { doc: string }>('SELECT doc FROM tenants WHERE name = ?'),
    list: db.prepare<[], { doc: string }>('SELECT doc FROM tenants ORDER BY name'),
    delete: db.prepare('DELETE FROM tenants WHERE name = ?'),
    getHealth: db.prepare<[string], { doc: string }>('SELECT doc FROM tenant_health WHERE tenant = ?'),
    putHealth: db.prepare('INSERT OR REPLACE INTO tenant_health (tenant, doc) VALUES (?, ?)'),
    deleteHealth: db.prepare('DELETE FROM tenant_health WHERE tenant = ?'),
    insertJob: db.prepare('INSERT INTO tenant_jobs (id, tenant, state, created_at, doc) VALUES (?, ?, ?, ?, ?)'),
    updateJob: db.prepare('UPDATE tenant_jobs SET state = ?, doc = ? WHERE id = ?'),
    getJob: db.prepare<[string], { doc: string }>('SELECT doc FROM tenant_jobs WHERE id = ?'),
    listJobs: db.prepare<[string], { doc: string }>('SELECT doc FROM tenant_jobs WHERE tenant = ? ORDER BY created_at DESC, rowid DESC'),
    runningJobs: db.prepare<[], { doc: string }>("SELECT doc FROM tenant_jobs WHERE state = 'running' ORDER BY created_at"),
    deleteJobs: db.prepare('DELETE FROM tenant_jobs WHERE tenant = ?'),
  };
  const parse = <T>(row: { doc: string } | undefined): T | undefined => (row ? (JSON.parse(row.doc) as T) : undefined);
  const deleteTenant = db.transaction((name: string) => {
    q.delete.run(name);
    q.deleteHealth.run(name);
    q.deleteJobs.run(name);
  });

  return {
    async createTenant(t) {
      try {
        q.insert.run(t.name, t.revision, JSON.stringify(t));
      } catch (e) {
        if (isUnique(e)) throw new DuplicateError(`tenant ${t.name}`);
        throw e;
      }
    },
    async getTenant(name) {
      return parse<TenantRecord>(q.get.get(name));
    },
    async listTenants() {
      return q.list.all().map((r) => JSON.parse(r.doc) as TenantRecord);
    },
    async updateTenant(t) {
      const { changes } = q.update.run(t.revision, JSON.stringify(t), t.name, t.revision - 1);
      if (changes !== 1) throw new StaleRevisionError(`tenant ${t.name}`);
    },
    async deleteTenant(name) {
      deleteTenant(name);
    },
    async getHealth(tenant) {
      return parse<TenantHealthRecord>(q.getHealth.get(tenant));
    },
    async putHealth(h) {
      q.putHealth.run(h.tenant, JSON.stringify(h));
    },
    async createJob(job) {
      try {
        q.insertJob.run(job.id, job.tenant, job.state, job.createdAt, JSON.stringify(job));
      } catch (e) {
        if (isUnique(e)) throw new DuplicateError(`job ${job.id}`);
        throw e;
      }
    },
    async getJob(id) {
      return parse<ReencryptJob>(q.getJob.get(id));
    },
    async updateJob(job) {
      q.updateJob.run(job.state, JSON.stringify(job), job.id);
    },
    async listJobs(tenant) {
      return q.listJobs.all(tenant).map((r) => JSON.parse(r.doc) as ReencryptJob);
    },
    async runningJobs() {
      return q.runningJobs.all().map((r) => JSON.parse(r.doc) as ReencryptJob);
    },
  };
}
