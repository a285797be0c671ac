import type { KeyHealthState, ReencryptJob } from '../store/tenant-types.js';
import type { TenantDeps } from './context.js';
import { createTenant, recoverInterruptedCreates, type CreateTenantInput, type CreateTenantOutput } from './create-tenant.js';
import { describeTenant, getJob, listTenants, tenantStatus, type TenantDescription, type TenantStatus, type TenantSummary } from './describe-tenant.js';
import { createHealthMonitor } from './health-monitor.js';
import { jobView, type JobView } from './job-view.js';
import { preflightKey, type PreflightReport } from './preflight.js';
import { probeTenantKey } from './probe-key.js';
import { runReencryptJob, type JobHandle } from './reencrypt-job.js';
import { setKey, type SetKeyInput, type SetKeyOutput } from './set-key.js';
import { startReencrypt } from './start-reencrypt.js';
import { tenantError } from './errors.js';

/** The tenant control plane: what the control API (and through it the CLI) calls. */
export interface TenantService {
  create(input: CreateTenantInput): Promise<CreateTenantOutput>;
  list(): Promise<TenantSummary[]>;
  describe(name: string): Promise<TenantDescription>;
  status(name: string, options?: { probe?: boolean }): Promise<TenantStatus>;
  setKey(input: SetKeyInput): Promise<Omit<SetKeyOutput, 'job'> & { job?: JobView }>;
  /** Validates a key for a tenant (or a would-be tenant in `region`) without changing anything. */
  preflight(input: { name: string; region?: string; kmsKeyArn: string }): Promise<PreflightReport>;
  startReencrypt(input: { name: string; mode?: string }): Promise<{ job: JobView; alreadyRunning: boolean }>;
  job(name: string, id?: string): Promise<JobView>;
  /** Every tenant's key health (for /metrics). */
  healthStates(): Promise<{ tenant: string; state: KeyHealthState }[]>;
  /** Undoes interrupted creates, resumes running jobs, starts the health monitor. */
  start(): Promise<void>;
  /** Stops the monitor and the jobs at their next batch boundary (they resume at the next start). */
  stop(): Promise<void>;
  /** Resolves when no job is running in this process (tests, bench). */
  idle(): Promise<void>;
}

export function createTenantService(deps: TenantDeps): TenantService {
  const running = new Map<string, JobHandle>();
  const monitor = createHealthMonitor(deps);

  function launch(job: ReencryptJob): void {
    if (running.has(job.id)) return;
    const handle = runReencryptJob(deps, job);
    running.set(job.id, handle);
    handle.done
      .catch((e: unknown) => deps.log.error({ jobId: job.id, err: e }, 're-encryption job crashed'))
      .finally(() => running.delete(job.id));
  }
  const start = async (name: string, mode: 'rewrap' | 'full') => (await startReencrypt(deps, { name, mode }, launch)).job;

  return {
    create: (input) => createTenant(deps, input),
    list: () => listTenants(deps),
    describe: (name) => describeTenant(deps, name),
    async status(name, options = {}) {
      if (options.probe) await probeTenantKey(deps, name);
      return tenantStatus(deps, name);
    },
    async setKey(input) {
      const { job, ...out } = await setKey(deps, input, start);
      return { ...out, ...(job ? { job: jobView(job, deps.clock()) } : {}) };
    },
    async preflight(input) {
      const tenant = await deps.store.getTenant(input.name);
      const region = tenant?.region ?? input.region;
      if (!region) throw tenantError('tenant-not-found', `Tenant ${input.name} does not exist: give --region to check a key for a new tenant.`);
      return preflightKey(deps, { name: input.name, region }, input.kmsKeyArn);
    },
    async startReencrypt(input) {
      const out = await startReencrypt(deps, input, launch);
      return { job: jobView(out.job, deps.clock()), alreadyRunning: out.alreadyRunning };
    },
    job: (name, id) => getJob(deps, name, id),
    async healthStates() {
      const out: { tenant: string; state: KeyHealthState }[] = [];
      for (const t of await deps.store.listTenants()) {
        if (t.status !== 'active') continue;
        out.push({ tenant: t.name, state: (await deps.store.getHealth(t.name))?.state ?? 'unknown' });
      }
      return out;
    },
    async start() {
      const undone = await recoverInterruptedCreates(deps);
      if (undone > 0) deps.log.warn({ undone }, 'undid tenant creates a crash interrupted');
      for (const job of await deps.store.runningJobs()) {
        deps.log.info({ tenant: job.tenant, jobId: job.id, cursor: job.cursor, done: job.done.objects }, 'resuming re-encryption');
        launch(job);
      }
      monitor.start();
    },
    async stop() {
      await monitor.stop();
      const handles = [...running.values()];
      for (const h of handles) h.stop();
      await Promise.all(handles.map((h) => h.done.catch(() => undefined)));
    },
    async idle() {
      while (running.size > 0) await Promise.all([...running.values()].map((h) => h.done.catch(() => undefined)));
    },
  };
}
