import { KmsError } from '../kms/errors.js';
import { CreateKey } from '../kms/operations/create-key.js';
import { EnableKeyRotation } from '../kms/operations/enable-key-rotation.js';
import { ScheduleKeyDeletion } from '../kms/operations/schedule-key-deletion.js';
import { ObjectError } from '../objects/errors.js';
import { createBucket } from '../objects/operations/create-bucket.js';
import { deleteBucket } from '../objects/operations/delete-bucket.js';
import { putBucketEncryption } from '../objects/operations/put-bucket-encryption.js';
import type { DeploymentType, TenantHealthRecord, TenantRecord } from '../store/tenant-types.js';
import { DuplicateError } from '../store/types.js';
import { providerObjects, providerRequest, type TenantDeps } from './context.js';
import { TenantError, tenantError } from './errors.js';
import { preflightKey, type PreflightReport } from './preflight.js';
import { probeKey, recordHealth } from './probe-key.js';
import { bucketNamesOf, checkCmkAllowed, checkDeployment, checkRegion, checkTenantName, parseKeyArn } from './validate.js';

export interface CreateTenantInput {
  name: string;
  deployment: string;
  region: string;
  /** A customer managed key (dedicated tenants only); absent: the provider creates and manages one. */
  kmsKeyArn?: string;
}

export interface CreateTenantOutput {
  tenant: TenantRecord;
  health: TenantHealthRecord;
  preflight?: PreflightReport;
}

/** Sets each bucket's default encryption: SSE-KMS under the key, with S3 Bucket Keys. */
export async function setBucketDefaults(deps: TenantDeps, tenant: Pick<TenantRecord, 'region' | 'buckets'>, keyArn: string): Promise<void> {
  for (const bucket of tenant.buckets) {
    await putBucketEncryption(providerObjects(deps, tenant.region), { bucket, encryption: { algorithm: 'aws:kms', kmsKeyId: keyArn, bucketKeyEnabled: true } });
  }
}

/**
 * Onboards a tenant: checks the input, proves a customer's key works (preflight) or creates a
 * provider-managed key, creates the tenant's buckets with default SSE-KMS under the key, and probes
 * the key once. Any failure midway undoes what was made: no half-created tenant is left.
 */
export async function createTenant(deps: TenantDeps, input: CreateTenantInput): Promise<CreateTenantOutput> {
  checkTenantName(input.name);
  checkDeployment(input.deployment);
  checkRegion(input.region);
  const deployment: DeploymentType = input.deployment;
  if (input.kmsKeyArn !== undefined) {
    checkCmkAllowed({ name: input.name, deployment });
    parseKeyArn(input.kmsKeyArn);
  }
  if (await deps.store.getTenant(input.name)) throw alreadyExists(input.name);

  const preflight = input.kmsKeyArn !== undefined ? await preflightKey(deps, { name: input.name, region: input.region }, input.kmsKeyArn) : undefined;

  const now = deps.clock();
  let tenant: TenantRecord = {
    name: input.name,
    deployment,
    region: input.region,
    providerAccountId: deps.provider.accountId,
    providerPrincipalArn: deps.provider.principal.arn,
    buckets: [],
    keyMode: input.kmsKeyArn !== undefined ? 'customer-managed' : 'provider-managed',
    keyArn: input.kmsKeyArn ?? '',
    keyHistory: [],
    status: 'creating',
    createdAt: now,
    revision: 1,
  };
  try {
    await deps.store.createTenant(tenant);
  } catch (e) {
    if (e instanceof DuplicateError) throw alreadyExists(input.name);
    throw e;
  }
  // From here on, every step is recorded before the next, so a failure (or a crash: see
  // recoverInterruptedCreates) can undo exactly what was made.
  const save = async (next: TenantRecord) => {
    const saved = { ...next, revision: next.revision + 1 };
    await deps.store.updateTenant(saved);
    tenant = saved;
  };
  try {
    if (tenant.keyMode === 'provider-managed') {
      const made = (await deps.kms.invoke(providerRequest(deps, tenant.region), CreateKey, {
        Description: `opencmk provider-managed key of tenant ${tenant.name}`,
        Tags: [{ TagKey: 'opencmk:tenant', TagValue: tenant.name }],
      })) as { KeyMetadata: { Arn: string } };
      await save({ ...tenant, keyArn: made.KeyMetadata.Arn });
      await deps.kms.invoke(providerRequest(deps, tenant.region), EnableKeyRotation, { KeyId: tenant.keyArn });
    }
    for (const bucket of bucketNamesOf(tenant.name)) {
      try {
        await createBucket(providerObjects(deps, tenant.region), { bucket, ...(tenant.region !== 'us-east-1' ? { locationConstraint: tenant.region } : {}) });
      } catch (e) {
        if (e instanceof ObjectError && (e.code === 'bucket-already-exists' || e.code === 'bucket-already-owned-by-you')) {
          throw tenantError('bucket-conflict', `Bucket ${bucket} already exists, so tenant ${tenant.name} cannot have it: choose another tenant name.`, { bucket });
        }
        throw e;
      }
      await save({ ...tenant, buckets: [...tenant.buckets, bucket] });
    }
    await setBucketDefaults(deps, tenant, tenant.keyArn);
    await save({ ...tenant, status: 'active', keyHistory: [{ keyArn: tenant.keyArn, keyMode: tenant.keyMode, from: deps.clock() }] });
  } catch (e) {
    await undoCreate(deps, tenant);
    if (e instanceof TenantError) throw e;
    if (e instanceof KmsError || e instanceof ObjectError) {
      throw tenantError('internal', `Tenant ${input.name} could not be created (${e.message}); nothing was kept.`);
    }
    throw e;
  }
  const health = await recordHealth(deps, tenant, await probeKey(deps, tenant));
  deps.log.info({ tenant: tenant.name, deployment, region: tenant.region, keyMode: tenant.keyMode, keyArn: tenant.keyArn }, 'tenant created');
  return { tenant, health, ...(preflight ? { preflight } : {}) };
}

const alreadyExists = (name: string) => tenantError('tenant-already-exists', `Tenant ${name} already exists: choose another name, or use opencmk tenant describe ${name}.`);

/** Removes what a create made: its (empty) buckets, its provider-managed key (scheduled for deletion), its record. */
export async function undoCreate(deps: TenantDeps, tenant: TenantRecord): Promise<void> {
  for (const bucket of tenant.buckets) {
    await deleteBucket(providerObjects(deps, tenant.region), { bucket }).catch((e: unknown) =>
      deps.log.error({ tenant: tenant.name, bucket, err: e }, 'undoing a tenant create: could not delete its bucket'),
    );
  }
  if (tenant.keyMode === 'provider-managed' && tenant.keyArn !== '') {
    await deps.kms
      .invoke(providerRequest(deps, tenant.region), ScheduleKeyDeletion, { KeyId: tenant.keyArn, PendingWindowInDays: 7 })
      .catch((e: unknown) => deps.log.error({ tenant: tenant.name, keyArn: tenant.keyArn, err: e }, 'undoing a tenant create: could not schedule its key for deletion'));
  }
  await deps.store.deleteTenant(tenant.name);
  deps.log.warn({ tenant: tenant.name, buckets: tenant.buckets, keyArn: tenant.keyArn || undefined }, 'tenant create undone');
}

/** At start: a tenant left `creating` by a crash is undone, as a failed create would have been. */
export async function recoverInterruptedCreates(deps: TenantDeps): Promise<number> {
  let undone = 0;
  for (const tenant of await deps.store.listTenants()) {
    if (tenant.status !== 'creating') continue;
    await undoCreate(deps, tenant);
    undone++;
  }
  return undone;
}
