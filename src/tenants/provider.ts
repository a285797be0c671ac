import type { Principal } from '../identity/principal.js';
import { principalFromArn, type AccountConfig } from '../identity/registry.js';
import { parsePolicy } from '../policy/index.js';

/**
 * The provider principal as the key service sees it when the control plane acts for a tenant: the
 * same identity (and identity policies) as when it signs its own requests with its access key.
 */
export function providerPrincipal(accounts: readonly AccountConfig[], accountId: string, arn: string): Principal | undefined {
  const account = accounts.find((a) => a.id === accountId);
  const config = account?.principals.find((p) => p.arn === arn);
  if (!config) return undefined;
  const policies = config.policies?.map((doc) => parsePolicy(typeof doc === 'string' ? doc : JSON.stringify(doc)));
  return { ...principalFromArn(accountId, arn, policies), accessKeyId: config.accessKeys?.[0]?.accessKeyId ?? 'AKIAOPENCMKCONTROL00' };
}
