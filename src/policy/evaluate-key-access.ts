import { actionApplies } from './action.js';
import { conditionsHold } from './condition.js';
import { newEvalState } from './eval-state.js';
import { DIRECT, matchPrincipal, NO_MATCH, notPrincipalApplies, type PrincipalMatch } from './principal.js';
import type { AuthorizationRequest, CompiledStatement, Decision, EvalState, Policy } from './types.js';

/** Action, resource and conditions, cheapest first; the principal is checked by the caller. */
function applies(s: CompiledStatement, st: EvalState): boolean {
  return actionApplies(s.action, st.action) && s.resource(st) && conditionsHold(s.conditions, st);
}

/**
 * How a key-policy statement names the caller. A key-policy statement without a principal
 * names nobody (KMS requires one in every key-policy statement).
 */
function keyPrincipal(s: CompiledStatement, st: EvalState): PrincipalMatch {
  const p = s.principal;
  if (p === undefined) return NO_MATCH;
  if (p.negated) return notPrincipalApplies(p, st) ? DIRECT : NO_MATCH;
  return matchPrincipal(p, st);
}

function keyPolicyDenies(policy: Policy, st: EvalState): boolean {
  for (const s of policy.denies) {
    // A Deny naming the caller's account covers every principal in it.
    if (keyPrincipal(s, st) !== NO_MATCH && applies(s, st)) return true;
  }
  return false;
}

/** The strongest grant the key policy makes to the caller: DIRECT, ACCOUNT or NO_MATCH. */
function keyPolicyGrant(policy: Policy, st: EvalState): PrincipalMatch {
  let best: PrincipalMatch = NO_MATCH;
  for (const s of policy.allows) {
    const m = keyPrincipal(s, st);
    if (m > best && applies(s, st)) {
      best = m;
      if (best === DIRECT) break;
    }
  }
  return best;
}

// Identity policies belong to the caller: their statements have no Principal to check (IAM
// rejects one there), so a Principal element in a policy passed as an identity policy is ignored.
function identityMatches(policies: readonly Policy[], st: EvalState, effect: 'denies' | 'allows'): boolean {
  for (const p of policies) for (const s of p[effect]) if (applies(s, st)) return true;
  return false;
}

/**
 * Decides one KMS request the way AWS KMS does (KMS Developer Guide, key-policy-overview,
 * key-policy-default, key-policy-modifying-external-accounts; IAM policy evaluation logic):
 *
 * - an applicable Deny in the key policy or in an identity policy wins: `explicit-deny`;
 * - otherwise the key policy must allow: a statement naming the caller (or `*`) allows a caller
 *   of the key's account by itself; a statement naming the caller's account (`:root` ARN or
 *   account id) only delegates to that account's identity policies, which must also allow;
 * - a caller from another account always needs both the key policy and its identity policies;
 * - anything else is `implicit-deny`.
 *
 * `identityPolicies` undefined means the caller holds AdministratorAccess (Allow `*` on `*`).
 */
export function evaluateKeyAccess(
  req: AuthorizationRequest,
  keyPolicy: Policy,
  identityPolicies?: readonly Policy[],
): Decision {
  const st = newEvalState(req);
  if (keyPolicyDenies(keyPolicy, st)) return 'explicit-deny';
  if (identityPolicies !== undefined && identityMatches(identityPolicies, st, 'denies')) return 'explicit-deny';
  const grant = keyPolicyGrant(keyPolicy, st);
  if (grant === NO_MATCH) return 'implicit-deny';
  const sameAccount = req.principal.accountId === req.resourceAccountId;
  if (grant === DIRECT && sameAccount) return 'allow';
  // The grant is to the caller's account (delegation to IAM), or the caller is in another account.
  if (identityPolicies === undefined || identityMatches(identityPolicies, st, 'allows')) return 'allow';
  return 'implicit-deny';
}
