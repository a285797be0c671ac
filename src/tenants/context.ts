import type { Principal } from '../identity/principal.js';
import type { KmsRequest } from '../kms/context.js';
import type { KeyService } from '../kms/service.js';
import type { ObjectContext, ObjectDeps } from '../objects/context.js';
import type { TenantStore } from '../store/tenant-types.js';

/** The few log calls the control plane makes (pino's shape), so the core needs no logger package. */
export interface TenantLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** What the tenant control plane is built from (DESIGN.md rule 1: passed in, no HTTP, no driver). */
export interface TenantDeps {
  store: TenantStore;
  /** The object store core: buckets and objects are created and changed through it, as the provider. */
  objects: ObjectDeps;
  /** The key service: every KMS call goes through `invoke`, as the provider principal, like a client's. */
  kms: KeyService;
  /** The provider account and the principal that acts for tenants (owns buckets, probes keys). */
  provider: { accountId: string; principal: Principal };
  clock: () => number;
  uuid: () => string;
  log: TenantLog;
  /** How often the health monitor probes every tenant's key. */
  probeIntervalMs: number;
  reencrypt: {
    /** Objects read and swapped per transaction (and per cursor save). */
    batchSize: number;
    /** Throttle for KMS and disk load; 0 = as fast as possible. */
    maxObjectsPerSecond: number;
    /** KMS calls (rewrap) or objects (full) in flight at once. */
    concurrency: number;
    /** How long old blobs of a fully re-encrypted object are kept for reads already under way. */
    freeDelayMs: number;
  };
}

/** A KMS request as the provider principal makes it from the control plane, in the tenant's region. */
export function providerRequest(deps: TenantDeps, region: string): KmsRequest {
  return {
    principal: deps.provider.principal,
    region,
    requestId: deps.uuid(),
    sourceIp: '127.0.0.1',
    userAgent: 'opencmk-control-plane',
    secureTransport: true,
    time: deps.clock(),
  };
}

/** The object store, called as the provider principal (it owns the tenant's buckets). */
export function providerObjects(deps: TenantDeps, region: string): ObjectContext {
  return { deps: deps.objects, caller: providerRequest(deps, region) };
}
