import { KmsError } from '../kms/errors.js';
import { Decrypt } from '../kms/operations/decrypt.js';
import { DescribeKey } from '../kms/operations/describe-key.js';
import { GenerateDataKey } from '../kms/operations/generate-data-key.js';
import type { Operation } from '../kms/operation.js';
import type { KeyHealthState, TenantHealthRecord, TenantRecord } from '../store/tenant-types.js';
import { providerRequest, type TenantDeps } from './context.js';
import { tenantError } from './errors.js';

export interface ProbeResult {
  state: KeyHealthState;
  detail?: string;
}

const MAX_TRANSITIONS = 50;

function fromError(e: unknown): ProbeResult {
  if (!(e instanceof KmsError)) return { state: 'error', detail: (e as Error).message ?? String(e) };
  switch (e.code) {
    case 'access-denied':
      return { state: 'access-denied', detail: e.message };
    case 'not-found':
      return { state: 'key-not-found', detail: e.message };
    case 'disabled':
      return { state: 'key-disabled', detail: e.message };
    case 'invalid-state':
      return /pending deletion/i.test(e.message) ? { state: 'key-pending-deletion', detail: e.message } : { state: 'error', detail: e.message };
    default:
      return { state: 'error', detail: e.message };
  }
}

/**
 * One probe of a tenant's key, as the provider principal, through the same entry point as every
 * client: DescribeKey (exists? visible? state?), then a GenerateDataKey and a Decrypt of it, so a
 * policy that still allows DescribeKey but no longer the data calls is found too.
 */
export async function probeKey(deps: TenantDeps, tenant: Pick<TenantRecord, 'name' | 'region' | 'keyArn'>): Promise<ProbeResult> {
  const call = (op: Operation, body: unknown) => deps.kms.invoke(providerRequest(deps, tenant.region), op, body);
  try {
    const { KeyMetadata } = (await call(DescribeKey, { KeyId: tenant.keyArn })) as { KeyMetadata: { KeyState: string } };
    if (KeyMetadata.KeyState === 'Disabled') return { state: 'key-disabled', detail: `${tenant.keyArn} is disabled.` };
    if (KeyMetadata.KeyState === 'PendingDeletion') return { state: 'key-pending-deletion', detail: `${tenant.keyArn} is pending deletion.` };
    if (KeyMetadata.KeyState !== 'Enabled') return { state: 'error', detail: `${tenant.keyArn} is ${KeyMetadata.KeyState}.` };
    const context = { 'opencmk:tenant': tenant.name, 'opencmk:purpose': 'health-probe' };
    const made = (await call(GenerateDataKey, { KeyId: tenant.keyArn, NumberOfBytes: 16, EncryptionContext: context })) as { Plaintext: string; CiphertextBlob: string };
    await call(Decrypt, { CiphertextBlob: made.CiphertextBlob, EncryptionContext: context, KeyId: tenant.keyArn });
    return { state: 'healthy' };
  } catch (e) {
    return fromError(e);
  }
}

/** Stores a probe's result; a change of state is a timestamped transition, logged. */
export async function recordHealth(deps: TenantDeps, tenant: Pick<TenantRecord, 'name' | 'keyArn'>, result: ProbeResult): Promise<TenantHealthRecord> {
  const now = deps.clock();
  const previous = await deps.store.getHealth(tenant.name);
  const changed = !previous || previous.state !== result.state;
  const health: TenantHealthRecord = {
    tenant: tenant.name,
    state: result.state,
    since: changed ? now : previous.since,
    checkedAt: now,
    keyArn: tenant.keyArn,
    ...(result.detail !== undefined ? { detail: result.detail } : {}),
    transitions: changed
      ? [...(previous?.transitions ?? []), { state: result.state, at: now, ...(result.detail !== undefined ? { detail: result.detail } : {}) }].slice(-MAX_TRANSITIONS)
      : previous.transitions,
  };
  await deps.store.putHealth(health);
  if (changed) {
    const fields = { tenant: tenant.name, keyArn: tenant.keyArn, from: previous?.state ?? 'unknown', to: result.state, ...(result.detail ? { detail: result.detail } : {}) };
    if (result.state === 'healthy') deps.log.info(fields, 'tenant key health changed');
    else deps.log.warn(fields, 'tenant key health changed');
  }
  return health;
}

/** Probes one tenant's key now (`opencmk tenant status NAME --probe`) and records the result. */
export async function probeTenantKey(deps: TenantDeps, name: string): Promise<TenantHealthRecord> {
  const tenant = await deps.store.getTenant(name);
  if (!tenant || tenant.status !== 'active') throw tenantError('tenant-not-found', `Tenant ${name} does not exist.`);
  return recordHealth(deps, tenant, await probeKey(deps, tenant));
}
