import { stringList } from './json.js';
import { malformed } from './policy-error.js';
import type { ActionMatcher } from './types.js';
import { compileWildcard } from './wildcard.js';

// IAM grammar: an action is `service-prefix:action-name` (wildcards allowed) or `*`.
const ACTION = /^(?:\*|[A-Za-z0-9*?-]+:[A-Za-z0-9*?]+)$/;

/** Action and NotAction. IAM: action names are not case-sensitive, so everything is lower-cased here. */
export function compileActions(value: unknown, path: string, negated: boolean): ActionMatcher {
  const list = stringList(value, path);
  let any = false;
  const exact = new Set<string>();
  const patterns: ((action: string) => boolean)[] = [];
  for (const a of list) {
    if (!ACTION.test(a)) throw malformed(`${path}: invalid action "${a}"`);
    const lower = a.toLowerCase();
    if (lower === '*') any = true;
    else if (/[*?]/.test(lower)) patterns.push(compileWildcard(lower));
    else exact.add(lower);
  }
  return { negated, any, exact, patterns };
}

/** Whether the statement covers the (lower-cased) action. */
export function actionApplies(m: ActionMatcher, action: string): boolean {
  let hit = m.any || m.exact.has(action);
  for (let i = 0; !hit && i < m.patterns.length; i++) hit = m.patterns[i]!(action);
  return hit !== m.negated;
}
