import { defaultKeyPolicy, evaluateKeyAccess, parsePolicy, type ContextValue, type Decision, type Policy } from '../policy/index.js';
import type { KeyRecord } from '../store/types.js';
import type { KmsRequest } from './context.js';
import { kmsError } from './errors.js';

// AWS KMS: only these actions work on a key of another account ("Allowing users in other accounts
// to use a KMS key"); everything else is refused across accounts whatever the key policy says.
const CROSS_ACCOUNT_ACTIONS = new Set([
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:GenerateDataKeyPair',
  'kms:GenerateDataKeyPairWithoutPlaintext',
  'kms:GenerateMac',
  'kms:VerifyMac',
  'kms:GetPublicKey',
  'kms:Sign',
  'kms:Verify',
  'kms:DescribeKey',
  'kms:GetKeyRotationStatus',
  'kms:CreateGrant',
  'kms:ListGrants',
  'kms:RetireGrant',
  'kms:RevokeGrant',
  'kms:DeriveSharedSecret',
]);

// Parsed policies by key revision: a change to the policy bumps the revision, so a cached parse is
// never used past the policy it came from (authorization itself is evaluated on every request).
const parsed = new Map<string, Policy>();
const MAX_PARSED = 10_000;

function keyPolicy(key: KeyRecord): Policy {
  const id = `${key.id}:${key.revision}`;
  let policy = parsed.get(id);
  if (!policy) {
    policy = parsePolicy(key.policy);
    if (parsed.size >= MAX_PARSED) parsed.delete(parsed.keys().next().value!);
    parsed.set(id, policy);
  }
  return policy;
}

const accountPolicies = new Map<string, Policy>();
function accountPolicy(accountId: string): Policy {
  let policy = accountPolicies.get(accountId);
  if (!policy) accountPolicies.set(accountId, (policy = parsePolicy(defaultKeyPolicy(accountId))));
  return policy;
}

/** The global and KMS condition keys every request carries (AWS "AWS KMS condition keys"). */
export function requestConditions(request: KmsRequest, key: KeyRecord | undefined, extra?: Record<string, ContextValue>) {
  const conditions: Record<string, ContextValue> = {
    'aws:PrincipalArn': request.principal.arn,
    'aws:PrincipalAccount': request.principal.accountId,
    'aws:PrincipalType': 'User',
    'aws:username': request.principal.userName,
    'aws:userid': request.principal.principalId,
    'aws:SourceIp': request.sourceIp,
    'aws:CurrentTime': new Date(request.time).toISOString(),
    'aws:EpochTime': String(Math.floor(request.time / 1000)),
    'aws:SecureTransport': String(request.secureTransport),
    'aws:RequestedRegion': request.region,
    'kms:CallerAccount': request.principal.accountId,
    'kms:ViaService': request.viaService,
    ...extra,
  };
  if (key) {
    conditions['kms:KeySpec'] = key.keySpec;
    conditions['kms:KeyUsage'] = key.keyUsage;
    conditions['kms:KeyOrigin'] = key.origin;
    conditions['kms:CustomerMasterKeySpec'] = key.keySpec;
    conditions['kms:CustomerMasterKeyUsage'] = key.keyUsage;
    conditions['kms:MultiRegion'] = 'false';
  }
  return conditions;
}

function denied(request: KmsRequest, action: string, resource: string, decision: Decision, why: string): never {
  const reason =
    decision === 'explicit-deny' ? `with an explicit deny in a ${why} policy` : `because no ${why} policy allows the ${action} action`;
  throw kmsError('access-denied', `User: ${request.principal.arn} is not authorized to perform: ${action} on resource: ${resource} ${reason}`);
}

/** Allows `action` on `key` for the request's principal, or throws AccessDeniedException. */
export function authorizeKey(request: KmsRequest, action: string, key: KeyRecord, extra?: Record<string, ContextValue>): void {
  const crossAccount = key.accountId !== request.principal.accountId;
  if (crossAccount && !CROSS_ACCOUNT_ACTIONS.has(action)) denied(request, action, key.arn, 'implicit-deny', 'resource-based');
  const decision = evaluateKeyAccess(
    {
      principal: { arn: request.principal.arn, accountId: request.principal.accountId },
      action,
      resource: key.arn,
      resourceAccountId: key.accountId,
      context: () => requestConditions(request, key, extra),
    },
    keyPolicy(key),
    request.principal.identityPolicies,
  );
  if (decision !== 'allow') denied(request, action, key.arn, decision, 'resource-based');
}

/** Account-level actions (CreateKey, ListKeys, …) depend on the caller's identity policy alone. */
export function authorizeAccount(request: KmsRequest, action: string, extra?: Record<string, ContextValue>): void {
  const accountId = request.principal.accountId;
  const resource = `arn:aws:kms:${request.region}:${accountId}:*`;
  const decision = evaluateKeyAccess(
    {
      principal: { arn: request.principal.arn, accountId },
      action,
      resource,
      resourceAccountId: accountId,
      context: () => requestConditions(request, undefined, extra),
    },
    accountPolicy(accountId),
    request.principal.identityPolicies,
  );
  if (decision !== 'allow') denied(request, action, resource, decision, 'identity-based');
}

/**
 * The lockout safety check: a new policy must still let the caller call PutKeyPolicy, unless the
 * caller bypasses the check (AWS CreateKey/PutKeyPolicy `BypassPolicyLockoutSafetyCheck`).
 */
export function checkLockout(request: KmsRequest, key: KeyRecord, policy: Policy): void {
  const decision = evaluateKeyAccess(
    {
      principal: { arn: request.principal.arn, accountId: request.principal.accountId },
      action: 'kms:PutKeyPolicy',
      resource: key.arn,
      resourceAccountId: key.accountId,
      context: () => requestConditions(request, key),
    },
    policy,
    request.principal.identityPolicies,
  );
  if (decision !== 'allow') {
    throw kmsError(
      'malformed-policy',
      'The new key policy will not allow you to update the key policy in the future.',
    );
  }
}
