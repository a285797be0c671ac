import { contextValue } from './eval-state.js';
import type { EvalState } from './types.js';
import { wildcardTokens, type PatternToken } from './wildcard.js';

/**
 * A policy string that may hold policy variables. IAM User Guide, reference_policies_variables:
 * `${key}` is replaced by the request's value for `key`, `${key, 'default'}` falls back to the
 * default, and `${*}`, `${?}`, `${$}` stand for the literal characters. Variables exist only in
 * policies with `"Version": "2012-10-17"`; elsewhere the text is literal.
 */
export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'char'; readonly text: string }
  | { readonly kind: 'var'; readonly key: string; readonly lowerKey: string; readonly fallback: string | undefined };

export interface Template {
  readonly source: string;
  readonly parts: readonly TemplatePart[];
  readonly dynamic: boolean;
}

const VARIABLE = /^\s*([^\s,'{}]+)\s*(?:,\s*'([^']*)'\s*)?$/;

export function parseTemplate(source: string, variables: boolean): Template {
  if (!variables || !source.includes('${')) {
    return { source, parts: [{ kind: 'text', text: source }], dynamic: false };
  }
  const parts: TemplatePart[] = [];
  let text = '';
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('${', i);
    const close = open < 0 ? -1 : source.indexOf('}', open + 2);
    if (open < 0 || close < 0) {
      text += source.slice(i);
      break;
    }
    text += source.slice(i, open);
    const inner = source.slice(open + 2, close);
    const m = VARIABLE.exec(inner);
    if (inner === '*' || inner === '?' || inner === '$') {
      if (text !== '') parts.push({ kind: 'text', text });
      text = '';
      parts.push({ kind: 'char', text: inner });
    } else if (m !== null) {
      if (text !== '') parts.push({ kind: 'text', text });
      text = '';
      parts.push({ kind: 'var', key: m[1]!, lowerKey: m[1]!.toLowerCase(), fallback: m[2] });
    } else {
      text += source.slice(open, close + 1);
    }
    i = close + 1;
  }
  if (text !== '') parts.push({ kind: 'text', text });
  return { source, parts, dynamic: parts.some((p) => p.kind === 'var') };
}

/** The variables' values, or undefined when one cannot be resolved (the value then matches nothing). */
export function variableValues(t: Template, st: EvalState): string[] | undefined {
  const values: string[] = [];
  for (const p of t.parts) {
    if (p.kind !== 'var') continue;
    const v = contextValue(st, p.key, p.lowerKey);
    // IAM: multivalued keys cannot be used as policy variables.
    const resolved = typeof v === 'string' ? v : p.fallback;
    if (resolved === undefined) return undefined;
    values.push(resolved);
  }
  return values;
}

/** The template as plain text (wildcards are literal); `values` from `variableValues`. */
export function templateText(t: Template, values: readonly string[] = []): string {
  let out = '';
  let v = 0;
  for (const p of t.parts) out += p.kind === 'var' ? values[v++] : p.text;
  return out;
}

/** The template as a wildcard pattern: only `*` and `?` written in the policy text are wildcards. */
export function templateTokens(t: Template, values: readonly string[] = []): PatternToken[] {
  const out: PatternToken[] = [];
  let v = 0;
  for (const p of t.parts) {
    if (p.kind === 'text') wildcardTokens(p.text, out);
    else out.push(p.kind === 'var' ? values[v++]! : p.text);
  }
  return out;
}

const CACHE_LIMIT = 256;

/**
 * A matcher for a template with variables, compiled per distinct set of variable values and
 * cached, so a steady stream of requests does not compile a RegExp each time.
 */
export function dynamicMatcher<M>(
  t: Template,
  compile: (tokens: PatternToken[]) => M,
): (st: EvalState) => M | undefined {
  const cache = new Map<string, M>();
  return (st) => {
    const values = variableValues(t, st);
    if (values === undefined) return undefined;
    const key = values.length === 1 ? values[0]! : JSON.stringify(values);
    let m = cache.get(key);
    if (m === undefined) {
      if (cache.size >= CACHE_LIMIT) cache.clear();
      m = compile(templateTokens(t, values));
      cache.set(key, m);
    }
    return m;
  };
}
