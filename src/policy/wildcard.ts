/** A pattern is literal text interleaved with the two IAM wildcards. */
export const ANY = 0;
export const ONE = 1;
export type PatternToken = string | typeof ANY | typeof ONE;
export type Matcher = (s: string) => boolean;

/** IAM: `*` matches any run of characters and `?` any one character. */
export function wildcardTokens(text: string, out: PatternToken[] = []): PatternToken[] {
  let lit = '';
  for (const ch of text) {
    if (ch === '*' || ch === '?') {
      if (lit !== '') out.push(lit);
      lit = '';
      out.push(ch === '*' ? ANY : ONE);
    } else {
      lit += ch;
    }
  }
  if (lit !== '') out.push(lit);
  return out;
}

function merge(tokens: readonly PatternToken[]): PatternToken[] {
  const out: PatternToken[] = [];
  for (const t of tokens) {
    const last = out.length - 1;
    const prev = out[last];
    if (typeof t === 'string' && typeof prev === 'string') out[last] = prev + t;
    else if (t === ANY && prev === ANY) continue;
    else out.push(t);
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/** Compiles a pattern once, picking the cheapest test that is exact. */
export function compileTokens(input: readonly PatternToken[]): Matcher {
  const tokens = merge(input);
  if (tokens.length === 0) return (s) => s === '';
  if (tokens.every((t) => typeof t === 'string')) {
    const exact = tokens.join('');
    return (s) => s === exact;
  }
  const [a, b] = tokens;
  if (tokens.length === 1 && a === ANY) return () => true;
  if (tokens.length === 2 && typeof a === 'string' && b === ANY) return (s) => s.startsWith(a);
  if (tokens.length === 2 && a === ANY && typeof b === 'string') return (s) => s.endsWith(b);
  const source = tokens.map((t) => (t === ANY ? '.*' : t === ONE ? '.' : escapeRegExp(t))).join('');
  // `u`: `?` stands for one character, not one UTF-16 unit; `s`: `*` also spans newlines.
  const re = new RegExp(`^${source}$`, 'su');
  return (s) => re.test(s);
}

export function compileWildcard(text: string): Matcher {
  return compileTokens(wildcardTokens(text));
}

let lastArn = '';
let lastParts: readonly string[] | undefined;

/**
 * Splits an ARN into its six colon-delimited components; the sixth keeps any further colons.
 * One-entry cache: the same resource ARN is split once per request, not once per statement.
 */
export function splitArn(arn: string): readonly string[] | undefined {
  if (arn === lastArn && lastParts !== undefined) return lastParts;
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < 5; i++) {
    const colon = arn.indexOf(':', start);
    if (colon < 0) return undefined;
    parts.push(arn.slice(start, colon));
    start = colon + 1;
  }
  parts.push(arn.slice(start));
  lastArn = arn;
  lastParts = parts;
  return parts;
}

/**
 * IAM ARN operators match each of the six colon-separated ARN components on its own, so a
 * wildcard never spans a colon (IAM User Guide, reference_policies_elements_condition_operators).
 * A pattern with fewer than six components matches nothing.
 */
export function compileArnTokens(tokens: readonly PatternToken[]): Matcher {
  const components: PatternToken[][] = [[]];
  for (const t of tokens) {
    const current = components[components.length - 1]!;
    if (typeof t !== 'string' || components.length === 6) {
      current.push(t);
      continue;
    }
    let rest = t;
    let colon = rest.indexOf(':');
    while (colon >= 0 && components.length < 6) {
      components[components.length - 1]!.push(rest.slice(0, colon));
      components.push([]);
      rest = rest.slice(colon + 1);
      colon = rest.indexOf(':');
    }
    components[components.length - 1]!.push(rest);
  }
  if (components.length < 6) return () => false;
  if (components.every((c) => c.every((t) => typeof t === 'string'))) {
    const exact = tokens.join('');
    return (s) => s === exact;
  }
  const matchers = components.map(compileTokens);
  return (s) => {
    const parts = splitArn(s);
    if (parts === undefined) return false;
    for (let i = 0; i < 6; i++) if (!matchers[i]!(parts[i]!)) return false;
    return true;
  };
}
