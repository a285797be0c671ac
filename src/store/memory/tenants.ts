import type { ReencryptJob, TenantHealthRecord, TenantRecord, TenantStore } from '../tenant-types.js';
import { DuplicateError, StaleRevisionError } from '../types.js';

/** In-memory tenant store for unit tests; same contract as the SQLite driver. */
export function createMemoryTenantStore(): TenantStore {
  const tenants = new Map<string, TenantRecord>();
  const health = new Map<string, TenantHealthRecord>();
  const jobs = new Map<string, { seq: number; job: ReencryptJob }>();
  let seq = 0;
  const clone = <T>(v: T): T => structuredClone(v);
  const newestFirst = (a: { seq: number; job: ReencryptJob }, b: { seq: number; job: ReencryptJob }) =>
    b.job.createdAt - a.job.createdAt || b.seq - a.seq;

  return {
    async createTenant(t) {
      if (tenants.has(t.name)) throw new DuplicateError(`tenant ${t.name}`);
      tenants.set(t.name, clone(t));
    },
    async getTenant(name) {
      const t = tenants.get(name);
      return t && clone(t);
    },
    async listTenants() {
      return [...tenants.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map(clone);
    },
    async updateTenant(t) {
      const stored = tenants.get(t.name);
      if (!stored || stored.revision !== t.revision - 1) throw new StaleRevisionError(`tenant ${t.name}`);
      tenants.set(t.name, clone(t));
    },
    async deleteTenant(name) {
      tenants.delete(name);
      health.delete(name);
      for (const [id, j] of jobs) if (j.job.tenant === name) jobs.delete(id);
    },
    async getHealth(tenant) {
      const h = health.get(tenant);
      return h && clone(h);
    },
    async putHealth(h) {
      health.set(h.tenant, clone(h));
    },
    async createJob(job) {
      if (jobs.has(job.id)) throw new DuplicateError(`job ${job.id}`);
      jobs.set(job.id, { seq: seq++, job: clone(job) });
    },
    async getJob(id) {
      const j = jobs.get(id);
      return j && clone(j.job);
    },
    async updateJob(job) {
      const j = jobs.get(job.id);
      if (j) j.job = clone(job);
    },
    async listJobs(tenant) {
      return [...jobs.values()].filter((j) => j.job.tenant === tenant).sort(newestFirst).map((j) => clone(j.job));
    },
    async runningJobs() {
      return [...jobs.values()].filter((j) => j.job.state === 'running').sort((a, b) => -newestFirst(a, b)).map((j) => clone(j.job));
    },
  };
}
