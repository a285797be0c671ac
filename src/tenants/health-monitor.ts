import type { TenantDeps } from './context.js';
import { probeKey, recordHealth } from './probe-key.js';

export interface HealthMonitor {
  /** Probes every tenant at once, then every `probeIntervalMs`. */
  start(): void;
  stop(): Promise<void>;
  /** One round over every active tenant (what each tick runs). */
  probeAll(): Promise<void>;
}

/**
 * Probes each tenant's key as the provider principal on a fixed interval. A tenant whose key is
 * revoked, disabled or scheduled for deletion changes state at the next probe, and returns to
 * `healthy` by itself once access is restored: nothing is latched.
 */
export function createHealthMonitor(deps: TenantDeps): HealthMonitor {
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;
  let round: Promise<void> = Promise.resolve();

  async function probeAll(): Promise<void> {
    for (const tenant of await deps.store.listTenants()) {
      if (stopped && timer !== undefined) return;
      if (tenant.status !== 'active') continue;
      try {
        await recordHealth(deps, tenant, await probeKey(deps, tenant));
      } catch (e) {
        deps.log.error({ tenant: tenant.name, err: e }, 'tenant key probe failed');
      }
    }
  }

  const tick = () => {
    round = probeAll()
      .catch((e: unknown) => deps.log.error({ err: e }, 'tenant key probes failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, deps.probeIntervalMs);
      });
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      tick();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await round;
    },
    probeAll,
  };
}
