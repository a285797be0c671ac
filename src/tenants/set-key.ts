import type { KeyMode, ReencryptJob, TenantRecord } from '../store/tenant-types.js';
import type { TenantDeps } from './context.js';
import { setBucketDefaults } from './create-tenant.js';
import { tenantError } from './errors.js';
import { preflightKey, type PreflightReport } from './preflight.js';
import { probeKey, recordHealth } from './probe-key.js';
import { checkCmkAllowed, parseKeyArn } from './validate.js';

export interface SetKeyInput {
  name: string;
  kmsKeyArn: string;
  /** Allows a provider-managed tenant to move to a customer key, and re-encrypts its data under it. */
  migrate?: boolean;
}

export interface SetKeyOutput {
  tenant: TenantRecord;
  preflight: PreflightReport;
  /** The re-encryption started by `migrate`. */
  job?: ReencryptJob;
}

/** Starts a re-encryption job; passed in so set-key and start-reencrypt share one job runner. */
export type StartJob = (name: string, mode: 'rewrap' | 'full') => Promise<ReencryptJob>;

/**
 * Changes a tenant's key (product page FAQ "Can I change my KMS key after initial setup?"): the new
 * key is preflighted, the tenant's buckets default to it so every new write uses it, and existing
 * objects stay under the old key until `reencrypt` moves them.
 */
export async function setKey(deps: TenantDeps, input: SetKeyInput, startJob: StartJob): Promise<SetKeyOutput> {
  const tenant = await deps.store.getTenant(input.name);
  if (!tenant || tenant.status !== 'active') throw tenantError('tenant-not-found', `Tenant ${input.name} does not exist.`);
  checkCmkAllowed(tenant);
  parseKeyArn(input.kmsKeyArn);
  if (tenant.keyMode === 'provider-managed' && !input.migrate) {
    throw tenantError(
      'cmk-initial-setup-only',
      `Tenant ${tenant.name} was set up with a provider-managed key: CMK must be configured during initial deployment setup. ` +
        'To move this tenant to a customer managed key anyway, repeat with --migrate: its data is then re-encrypted under the new key.',
    );
  }
  if (input.kmsKeyArn === tenant.keyArn) throw tenantError('invalid-input', `Tenant ${tenant.name} already uses key ${tenant.keyArn}.`);
  const running = (await deps.store.listJobs(tenant.name)).find((j) => j.state === 'running');
  if (running) {
    throw tenantError('job-running', `Tenant ${tenant.name} has a re-encryption job running (${running.id}): wait for it to finish before changing the key again.`, { jobId: running.id });
  }
  const preflight = await preflightKey(deps, tenant, input.kmsKeyArn);

  await setBucketDefaults(deps, tenant, input.kmsKeyArn);
  const now = deps.clock();
  const keyMode: KeyMode = 'customer-managed';
  const updated: TenantRecord = {
    ...tenant,
    keyMode,
    keyArn: input.kmsKeyArn,
    keyHistory: [...tenant.keyHistory.map((h) => (h.until === undefined ? { ...h, until: now } : h)), { keyArn: input.kmsKeyArn, keyMode, from: now }],
    revision: tenant.revision + 1,
  };
  await deps.store.updateTenant(updated);
  deps.log.info({ tenant: tenant.name, from: tenant.keyArn, to: input.kmsKeyArn, migrate: input.migrate === true }, 'tenant key changed');
  await recordHealth(deps, updated, await probeKey(deps, updated));
  const job = input.migrate ? await startJob(tenant.name, 'rewrap') : undefined;
  return { tenant: updated, preflight, ...(job ? { job } : {}) };
}
