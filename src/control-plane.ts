import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ConfigError, type Config } from './config.js';
import type { AccountConfig } from './identity/registry.js';
import type { KeyService } from './kms/service.js';
import type { ObjectDeps } from './objects/context.js';
import type { TenantStore } from './store/tenant-types.js';
import { providerPrincipal } from './tenants/provider.js';
import { createTenantService, type TenantService } from './tenants/service.js';

/**
 * The tenant control plane as the composition root builds it (src/server.ts): undefined when the
 * config names no provider. The provider principal must be one the config declares, in its account.
 */
export function buildTenantService(config: Config, accounts: readonly AccountConfig[], store: TenantStore, kms: KeyService, objects: ObjectDeps, log: Logger): TenantService | undefined {
  if (!config.provider) return undefined;
  const { accountId, principal: arn } = config.provider;
  if (arn.split(':')[4] !== accountId) throw new ConfigError(`config: provider.principal ${arn} is not in provider.accountId ${accountId}`);
  const principal = providerPrincipal(accounts, accountId, arn);
  if (!principal) throw new ConfigError(`config: provider.principal ${arn} is not a principal of account ${accountId} in accounts`);
  return createTenantService({
    store,
    objects,
    kms,
    provider: { accountId, principal },
    clock: Date.now,
    uuid: randomUUID,
    log: log.child({ component: 'tenants' }),
    probeIntervalMs: config.tenants.probeIntervalSeconds * 1000,
    reencrypt: {
      batchSize: config.tenants.reencryptBatchSize,
      maxObjectsPerSecond: config.tenants.reencryptMaxObjectsPerSecond,
      concurrency: config.tenants.reencryptConcurrency,
      freeDelayMs: 30_000,
    },
  });
}
