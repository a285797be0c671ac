export type { AuthorizationRequest, ContextValue, Decision, Policy, PolicyVersion } from './types.js';
export { PolicyError, type PolicyErrorCode } from './policy-error.js';
export { parsePolicy, MAX_POLICY_BYTES } from './parse-policy.js';
export { evaluateKeyAccess } from './evaluate-key-access.js';
export { defaultKeyPolicy } from './default-key-policy.js';
