/**
 * Storage interface of the tenant control plane (docs/tenants.md): tenants, their key health and
 * their re-encryption jobs. Small on purpose: every driver runs test/conformance/tenant-store-suite.ts.
 * Nothing here is secret: key ARNs, bucket names, counters, and (in a job) KMS ciphertext blobs.
 */

/** The product page's Enterprise Dedicated (`dedicated`) and Enterprise Cloud (`shared`). */
export type DeploymentType = 'dedicated' | 'shared';
export type KeyMode = 'customer-managed' | 'provider-managed';

/** What the last probe of a tenant's key found, as the provider principal. */
export type KeyHealthState = 'healthy' | 'access-denied' | 'key-disabled' | 'key-pending-deletion' | 'key-not-found' | 'error' | 'unknown';
export const KEY_HEALTH_STATES: readonly KeyHealthState[] = ['healthy', 'access-denied', 'key-disabled', 'key-pending-deletion', 'key-not-found', 'error', 'unknown'];

export interface KeyHistoryEntry {
  keyArn: string;
  keyMode: KeyMode;
  /** Epoch ms: when new writes started to use it. */
  from: number;
  /** Epoch ms: when new writes stopped using it (absent for the current key). */
  until?: number;
}

export interface TenantRecord {
  name: string;
  deployment: DeploymentType;
  region: string;
  providerAccountId: string;
  /** The principal that owns the tenant's buckets and makes every KMS call for it. */
  providerPrincipalArn: string;
  /** `<name>-sessions`, `<name>-snapshots`. */
  buckets: string[];
  keyMode: KeyMode;
  keyArn: string;
  keyHistory: KeyHistoryEntry[];
  /** `creating` until its key and buckets exist; a tenant left `creating` by a crash is undone at start. */
  status: 'creating' | 'active';
  createdAt: number;
  /** Bumped on each update; updateTenant refuses a stale one. */
  revision: number;
}

export interface HealthTransition {
  state: KeyHealthState;
  /** Epoch ms. */
  at: number;
  detail?: string;
}

export interface TenantHealthRecord {
  tenant: string;
  state: KeyHealthState;
  /** When the tenant entered `state` (epoch ms). */
  since: number;
  /** The last probe (epoch ms). */
  checkedAt: number;
  detail?: string;
  /** The key the probe was made against. */
  keyArn: string;
  /** Newest last, bounded (the last 50). */
  transitions: HealthTransition[];
}

export type ReencryptMode = 'rewrap' | 'full';
export type JobState = 'running' | 'succeeded' | 'failed';

export interface JobCounters {
  /** Objects looked at (re-encrypted, already under the target key, or skipped). */
  objects: number;
  /** Their plaintext bytes. */
  bytes: number;
  /** Objects whose encryption was changed by the job. */
  reencrypted: number;
  /** Object bytes written anew (0 for rewrap). */
  bytesRewritten: number;
  /** KMS ReEncrypt calls made (one per wrapped data key, or per distinct bucket key). */
  reEncryptCalls: number;
  /** Objects left as they were because a client changed them meanwhile (they were written anew). */
  changedMeanwhile: number;
  /** Objects not under KMS (SSE-S3) or otherwise left alone. */
  skipped: number;
}

export interface ReencryptJob {
  id: string;
  tenant: string;
  mode: ReencryptMode;
  targetKeyArn: string;
  state: JobState;
  createdAt: number;
  updatedAt: number;
  finishedAt?: number;
  /** Where to go on after a restart: the bucket (index into the tenant's buckets) and the last key done. */
  cursor: { bucket: number; after?: string };
  /** Objects and bytes in the tenant's buckets when the job started. */
  total: { objects: number; bytes: number };
  done: JobCounters;
  /** Old bucket-key blob (sha256, base64) → its re-encrypted blob (base64): each distinct bucket key is re-wrapped once. */
  bucketKeys: Record<string, string>;
  /** The current run (since the job started or last resumed): for its rate and ETA. */
  run?: { startedAt: number; objects: number; bytes: number };
  error?: string;
  /** At the end: objects that still depend on a key other than the target (none: the old key may be disabled). */
  remaining?: { keyArn: string; objects: number; bytes: number }[];
}

export interface TenantStore {
  /** DuplicateError when a tenant of that name exists. */
  createTenant(tenant: TenantRecord): Promise<void>;
  getTenant(name: string): Promise<TenantRecord | undefined>;
  listTenants(): Promise<TenantRecord[]>;
  /** Replaces the tenant when `tenant.revision - 1` is the stored revision; else StaleRevisionError. */
  updateTenant(tenant: TenantRecord): Promise<void>;
  /** Removes the tenant, its health and its jobs. */
  deleteTenant(name: string): Promise<void>;

  getHealth(tenant: string): Promise<TenantHealthRecord | undefined>;
  putHealth(health: TenantHealthRecord): Promise<void>;

  /** DuplicateError when a job of that id exists. */
  createJob(job: ReencryptJob): Promise<void>;
  getJob(id: string): Promise<ReencryptJob | undefined>;
  /** Replaces the job (its one runner is its only writer). */
  updateJob(job: ReencryptJob): Promise<void>;
  /** A tenant's jobs, newest first. */
  listJobs(tenant: string): Promise<ReencryptJob[]>;
  /** Every job in state `running` (resumed at start). */
  runningJobs(): Promise<ReencryptJob[]>;
}
