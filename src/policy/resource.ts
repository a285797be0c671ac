import { stringList } from './json.js';
import { malformed } from './policy-error.js';
import { dynamicMatcher, parseTemplate, templateTokens } from './template.js';
import type { EvalState } from './types.js';
import { compileArnTokens, type Matcher } from './wildcard.js';

// An ARN has six colon-delimited components: arn:partition:service:region:account:resource.
const ARN = /^arn:(?:[^:]*:){4}/;

/**
 * Resource and NotResource, matched against the key ARN. In a key policy `"*"` means "this key"
 * (KMS Developer Guide, key-policy-overview); elsewhere an ARN is matched component by component
 * with `*`/`?` wildcards, case-sensitively, as the IAM ARN operators do.
 */
export function compileResources(
  value: unknown,
  path: string,
  negated: boolean,
  variables: boolean,
): (st: EvalState) => boolean {
  const list = stringList(value, path);
  let any = false;
  const statics: Matcher[] = [];
  const dynamics: ((st: EvalState) => Matcher | undefined)[] = [];
  for (const r of list) {
    if (r === '*') {
      any = true;
      continue;
    }
    if (!ARN.test(r)) throw malformed(`${path}: "${r}" is not "*" or an ARN`);
    const t = parseTemplate(r, variables);
    if (t.dynamic) dynamics.push(dynamicMatcher(t, compileArnTokens));
    else statics.push(compileArnTokens(templateTokens(t)));
  }
  if (any) return () => !negated;
  return (st) => {
    const arn = st.req.resource;
    let hit = false;
    for (let i = 0; !hit && i < statics.length; i++) hit = statics[i]!(arn);
    for (let i = 0; !hit && i < dynamics.length; i++) {
      const m = dynamics[i]!(st);
      hit = m !== undefined && m(arn);
    }
    return hit !== negated;
  };
}
