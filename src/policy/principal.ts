import { assumedRole } from './eval-state.js';
import { isObject, stringList } from './json.js';
import { malformed } from './policy-error.js';
import type { EvalState, PrincipalMatcher } from './types.js';

const PRINCIPAL_TYPES = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']);
const ACCOUNT_ID = /^\d{12}$/;
const ROOT_ARN = /^arn:[a-z0-9-]+:iam::(\d{12}):root$/;
const IAM_ARN = /^arn:[a-z0-9-]+:(iam|sts)::(\d{12}):([\w+=,.@/-]+)$/;
// What AWS shows in place of a principal that was deleted (IAM unique IDs such as AIDA…, AROA…).
const UNIQUE_ID = /^A[A-Z0-9]{15,127}$/;

/**
 * Principal and NotPrincipal (IAM User Guide, reference_policies_elements_principal):
 * `"*"`, or an object whose `AWS` entry names accounts (12-digit id or `:root` ARN), IAM users,
 * roles, assumed-role sessions or `"*"`. `Service`, `Federated` and `CanonicalUser` entries are
 * accepted but never match an IAM caller.
 */
export function compilePrincipal(value: unknown, path: string, negated: boolean): PrincipalMatcher {
  let any = false;
  const accounts = new Set<string>();
  const arns = new Set<string>();
  const roles: { account: string; name: string }[] = [];
  if (value === '*') {
    any = true;
  } else if (!isObject(value)) {
    throw malformed(`${path}: must be "*" or an object such as {"AWS": "111122223333"}`);
  } else {
    const types = Object.keys(value);
    if (types.length === 0) throw malformed(`${path}: names no principals`);
    for (const type of types) {
      if (!PRINCIPAL_TYPES.has(type)) throw malformed(`${path}: unknown principal type "${type}"`);
      const list = stringList(value[type], `${path}.${type}`);
      for (const p of list) {
        if (type !== 'AWS') {
          if (p === '') throw malformed(`${path}.${type}: empty principal`);
          continue;
        }
        if (p === '*') {
          any = true;
          continue;
        }
        if (ACCOUNT_ID.test(p)) {
          accounts.add(p);
          continue;
        }
        const root = ROOT_ARN.exec(p);
        if (root !== null) {
          accounts.add(root[1]!);
          continue;
        }
        // IAM Principal element: wildcards may not stand for part of a principal ARN.
        if (/[*?]/.test(p)) throw malformed(`${path}.AWS: wildcards are not allowed in principal "${p}"`);
        const m = IAM_ARN.exec(p);
        if (m !== null) {
          arns.add(p);
          if (m[1] === 'iam' && m[3]!.startsWith('role/')) {
            roles.push({ account: m[2]!, name: m[3]!.slice(m[3]!.lastIndexOf('/') + 1) });
          }
          continue;
        }
        if (UNIQUE_ID.test(p)) continue;
        throw malformed(`${path}.AWS: invalid principal "${p}"`);
      }
    }
  }
  return { negated, any, accounts, arns, roles };
}

export const NO_MATCH = 0;
/** The statement names the caller's account: a grant to the account, which IAM policies delegate. */
export const ACCOUNT = 1;
/** The statement names the caller itself (or everyone). */
export const DIRECT = 2;
export type PrincipalMatch = typeof NO_MATCH | typeof ACCOUNT | typeof DIRECT;

function isAccountRoot(arn: string, accountId: string): boolean {
  return arn.startsWith('arn:') && arn.endsWith(`:iam::${accountId}:root`);
}

function namesRole(m: PrincipalMatcher, st: EvalState): boolean {
  if (m.roles.length === 0) return false;
  const r = assumedRole(st);
  return r !== null && m.roles.some((x) => x.account === r.account && x.name === r.name);
}

/** How a Principal element names the caller. */
export function matchPrincipal(m: PrincipalMatcher, st: EvalState): PrincipalMatch {
  const { arn, accountId } = st.req.principal;
  if (m.any || m.arns.has(arn) || namesRole(m, st)) return DIRECT;
  if (m.accounts.has(accountId)) return isAccountRoot(arn, accountId) ? DIRECT : ACCOUNT;
  return NO_MATCH;
}

/**
 * Whether a NotPrincipal (Deny only) statement applies to the caller. IAM User Guide,
 * reference_policies_elements_notprincipal: AWS checks the account, then the role, then the
 * user or session, so a caller is exempt only when its account is listed together with the
 * caller itself (or, for a session, its role).
 */
export function notPrincipalApplies(m: PrincipalMatcher, st: EvalState): boolean {
  if (m.any) return false;
  const { arn, accountId } = st.req.principal;
  if (!m.accounts.has(accountId)) return true;
  return !(isAccountRoot(arn, accountId) || m.arns.has(arn) || namesRole(m, st));
}
