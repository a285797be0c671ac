import type { ReencryptJob } from '../store/tenant-types.js';
import type { TenantDeps } from './context.js';
import { tenantError } from './errors.js';
import { newJob } from './reencrypt-job.js';
import { checkMode } from './validate.js';

export interface StartReencryptOutput {
  job: ReencryptJob;
  /** True when a job of the tenant was already running: that one is returned, none is started. */
  alreadyRunning: boolean;
}

/**
 * Starts re-encrypting every object of a tenant under its current key, or returns the job already
 * running (so `opencmk tenant reencrypt` run again re-attaches instead of failing). `launch` hands the
 * stored job to the runner.
 */
export async function startReencrypt(
  deps: TenantDeps,
  input: { name: string; mode?: string },
  launch: (job: ReencryptJob) => void,
): Promise<StartReencryptOutput> {
  const mode = input.mode ?? 'rewrap';
  checkMode(mode);
  const tenant = await deps.store.getTenant(input.name);
  if (!tenant || tenant.status !== 'active') throw tenantError('tenant-not-found', `Tenant ${input.name} does not exist.`);
  const running = (await deps.store.listJobs(tenant.name)).find((j) => j.state === 'running');
  if (running) {
    if (running.mode !== mode) {
      throw tenantError('job-running', `Tenant ${tenant.name} has a ${running.mode} re-encryption running (${running.id}): wait for it to finish.`, { jobId: running.id });
    }
    return { job: running, alreadyRunning: true };
  }
  const job = await newJob(deps, tenant, mode);
  await deps.store.createJob(job);
  deps.log.info({ tenant: tenant.name, jobId: job.id, mode, targetKeyArn: job.targetKeyArn, total: job.total }, 're-encryption started');
  launch(job);
  return { job, alreadyRunning: false };
}
