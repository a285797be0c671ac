import type { TenantHealthRecord, TenantRecord } from '../store/tenant-types.js';
import type { TenantDeps } from './context.js';
import { tenantError } from './errors.js';
import { jobView, type JobView } from './job-view.js';
import { usageOf, type BucketUsage, type KeyUsage } from './usage.js';

export interface TenantDescription {
  tenant: Omit<TenantRecord, 'revision' | 'status'>;
  health?: TenantHealthRecord;
  usage: { byKey: KeyUsage[]; buckets: BucketUsage[] };
  /** The running or last re-encryption job. */
  job?: JobView;
}

async function activeTenant(deps: TenantDeps, name: string): Promise<TenantRecord> {
  const tenant = await deps.store.getTenant(name);
  if (!tenant || tenant.status !== 'active') throw tenantError('tenant-not-found', `Tenant ${name} does not exist.`);
  return tenant;
}

const publicTenant = ({ revision: _r, status: _s, ...rest }: TenantRecord) => rest;

/** Everything about one tenant: region, key and key history, key health, buckets, objects and bytes per key, the last job. */
export async function describeTenant(deps: TenantDeps, name: string): Promise<TenantDescription> {
  const tenant = await activeTenant(deps, name);
  const [health, usage, jobs] = await Promise.all([deps.store.getHealth(name), usageOf(deps.objects.meta, tenant.buckets), deps.store.listJobs(name)]);
  return {
    tenant: publicTenant(tenant),
    ...(health ? { health } : {}),
    usage,
    ...(jobs[0] ? { job: jobView(jobs[0], deps.clock()) } : {}),
  };
}

export interface TenantSummary {
  name: string;
  deployment: TenantRecord['deployment'];
  region: string;
  keyMode: TenantRecord['keyMode'];
  keyArn: string;
  health: TenantHealthRecord['state'];
  healthSince?: number;
}

/** Every tenant, by name, with its key and key health. */
export async function listTenants(deps: TenantDeps): Promise<TenantSummary[]> {
  const out: TenantSummary[] = [];
  for (const t of await deps.store.listTenants()) {
    if (t.status !== 'active') continue;
    const health = await deps.store.getHealth(t.name);
    out.push({
      name: t.name,
      deployment: t.deployment,
      region: t.region,
      keyMode: t.keyMode,
      keyArn: t.keyArn,
      health: health?.state ?? 'unknown',
      ...(health ? { healthSince: health.since } : {}),
    });
  }
  return out;
}

export interface TenantStatus {
  name: string;
  keyArn: string;
  keyMode: TenantRecord['keyMode'];
  health?: TenantHealthRecord;
  job?: JobView;
}

/** A tenant's key health and the running or last job (cheap: no object scan). */
export async function tenantStatus(deps: TenantDeps, name: string): Promise<TenantStatus> {
  const tenant = await activeTenant(deps, name);
  const [health, jobs] = await Promise.all([deps.store.getHealth(name), deps.store.listJobs(name)]);
  return {
    name: tenant.name,
    keyArn: tenant.keyArn,
    keyMode: tenant.keyMode,
    ...(health ? { health } : {}),
    ...(jobs[0] ? { job: jobView(jobs[0], deps.clock()) } : {}),
  };
}

/** One job of a tenant (default: the running or last one). */
export async function getJob(deps: TenantDeps, name: string, id?: string): Promise<JobView> {
  await activeTenant(deps, name);
  const job = id ? await deps.store.getJob(id) : (await deps.store.listJobs(name))[0];
  if (!job || job.tenant !== name) throw tenantError('job-not-found', id ? `Tenant ${name} has no job ${id}.` : `Tenant ${name} has no re-encryption job: start one with opencmk tenant reencrypt ${name}.`);
  return jobView(job, deps.clock());
}
