import type { AuthorizationRequest, ContextValue, EvalState } from './types.js';

export function newEvalState(req: AuthorizationRequest): EvalState {
  return { req, action: req.action.toLowerCase(), context: undefined, lowerContext: undefined, role: undefined };
}

/**
 * The request's value for a condition key. Key names compare without regard to case (IAM User
 * Guide, reference_policies_elements_condition). The exact spelling is tried first so
 * the common case costs one property read; the lower-cased map is built once per request.
 */
export function contextValue(st: EvalState, key: string, lowerKey: string): ContextValue {
  let ctx = st.context;
  if (ctx === undefined) {
    const given = st.req.context;
    st.context = ctx = typeof given === 'function' ? given() : given;
  }
  if (Object.hasOwn(ctx, key)) return ctx[key];
  let lower = st.lowerContext;
  if (lower === undefined) {
    lower = new Map();
    for (const name of Object.keys(ctx)) {
      const l = name.toLowerCase();
      if (!lower.has(l)) lower.set(l, ctx[name]);
    }
    st.lowerContext = lower;
  }
  if (lower.has(lowerKey)) return lower.get(lowerKey);
  // AWS always has these for a signed request; derive them from the principal when the caller
  // did not put them in the context.
  switch (lowerKey) {
    case 'aws:principalarn':
      return st.req.principal.arn;
    case 'aws:principalaccount':
    case 'kms:calleraccount':
      return st.req.principal.accountId;
    default:
      return undefined;
  }
}

const ASSUMED_ROLE = /^arn:[^:]+:sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/;

/** IAM: a role ARN in a Principal element matches that role's sessions (assumed-role ARNs). */
export function assumedRole(st: EvalState): { account: string; name: string } | null {
  if (st.role !== undefined) return st.role;
  const m = ASSUMED_ROLE.exec(st.req.principal.arn);
  st.role = m === null ? null : { account: m[1]!, name: m[2]! };
  return st.role;
}
