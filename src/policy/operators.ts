import { cidrContains, parseCidr, parseIp } from './ip-address.js';
import { malformed } from './policy-error.js';
import { dynamicMatcher, parseTemplate, templateText, templateTokens, variableValues, type Template } from './template.js';
import type { EvalState } from './types.js';
import { compileArnTokens, compileTokens, type Matcher, type PatternToken } from './wildcard.js';

/** Whether a request value matches at least one of the policy's values for the key. */
export type ValueTest = (value: string, st: EvalState) => boolean;
type Compile = (values: readonly string[], path: string, variables: boolean) => ValueTest;

export interface OperatorSpec {
  readonly name: string;
  /** A negated operator is the negation of its positive twin, so several values AND (IAM condition logic). */
  readonly negated: boolean;
  readonly compile: Compile;
}

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export function parseNumber(s: string): number | undefined {
  return NUMBER.test(s) ? Number(s) : undefined;
}

const EPOCH = /^\d+(?:\.\d+)?$/;
// W3C NOTE-datetime (the ISO 8601 profile IAM names): YYYY-MM[-DD[Thh:mm[:ss[.s]][TZD]]].
const W3C_DATE = /^(\d{4})-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?)?)?$/;

/**
 * IAM date operators take W3C-profile ISO 8601 dates or epoch seconds (IAM User Guide,
 * condition operators). Returns milliseconds since the epoch. A time without a zone is read as UTC.
 */
export function parseDate(s: string): number | undefined {
  if (EPOCH.test(s)) return Number(s) * 1000;
  const m = W3C_DATE.exec(s);
  if (m === null) return undefined;
  const [, y, mo, d = '01', h = '00', mi = '00', sec = '00', frac = '', zone = 'Z'] = m;
  const fields = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec)] as const;
  const date = new Date(Date.UTC(...fields));
  const valid =
    date.getUTCFullYear() === fields[0] &&
    date.getUTCMonth() === fields[1] &&
    date.getUTCDate() === fields[2] &&
    date.getUTCHours() === fields[3] &&
    date.getUTCMinutes() === fields[4] &&
    date.getUTCSeconds() === fields[5];
  if (!valid) return undefined;
  let offset = 0;
  if (zone !== 'Z') {
    const digits = zone.replace(':', '');
    const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5));
    offset = (zone[0] === '-' ? -1 : 1) * minutes * 60_000;
  }
  const ms = frac === '' ? 0 : Number(`0.${frac}`) * 1000;
  return date.getTime() + ms - offset;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function templates(values: readonly string[], variables: boolean): { statics: Template[]; dynamics: Template[] } {
  const all = values.map((v) => parseTemplate(v, variables));
  return { statics: all.filter((t) => !t.dynamic), dynamics: all.filter((t) => t.dynamic) };
}

/** StringEquals / StringEqualsIgnoreCase; policy variables allowed. */
function stringEquals(ignoreCase: boolean): Compile {
  const fold = ignoreCase ? (s: string) => s.toLowerCase() : (s: string) => s;
  return (values, _path, variables) => {
    const { statics, dynamics } = templates(values, variables);
    const set = new Set(statics.map((t) => fold(templateText(t))));
    if (dynamics.length === 0 && set.size === 1) {
      const [only] = set;
      return (v) => fold(v) === only;
    }
    if (dynamics.length === 0) return (v) => set.has(fold(v));
    return (v, st) => {
      const f = fold(v);
      if (set.has(f)) return true;
      for (const t of dynamics) {
        const vars = variableValues(t, st);
        if (vars !== undefined && fold(templateText(t, vars)) === f) return true;
      }
      return false;
    };
  };
}

/** StringLike and the ARN operators: wildcard patterns, policy variables allowed. */
function patterns(compile: (tokens: PatternToken[]) => Matcher): Compile {
  return (values, _path, variables) => {
    const { statics, dynamics } = templates(values, variables);
    const fixed = statics.map((t) => compile(templateTokens(t)));
    const resolved = dynamics.map((t) => dynamicMatcher(t, compile));
    return (v, st) => {
      for (const m of fixed) if (m(v)) return true;
      for (const r of resolved) {
        const m = r(st);
        if (m !== undefined && m(v)) return true;
      }
      return false;
    };
  };
}

function ordered(
  parse: (s: string) => number | undefined,
  what: string,
  cmp: (request: number, policy: number) => boolean,
): Compile {
  return (values, path) => {
    const policy = values.map((v) => {
      const n = parse(v);
      if (n === undefined) throw malformed(`${path}: "${v}" is not ${what}`);
      return n;
    });
    return (v) => {
      const n = parse(v);
      if (n === undefined) return false;
      for (const p of policy) if (cmp(n, p)) return true;
      return false;
    };
  };
}

const number = (cmp: (a: number, b: number) => boolean) => ordered(parseNumber, 'a number', cmp);
const date = (cmp: (a: number, b: number) => boolean) =>
  ordered(parseDate, 'an ISO 8601 date or epoch seconds', cmp);
const eq = (a: number, b: number) => a === b;
const lt = (a: number, b: number) => a < b;
const le = (a: number, b: number) => a <= b;
const gt = (a: number, b: number) => a > b;
const ge = (a: number, b: number) => a >= b;

const bool: Compile = (values, path, variables) => {
  const { statics, dynamics } = templates(values, variables);
  for (const t of statics) {
    if (!/^(?:true|false)$/i.test(t.source)) throw malformed(`${path}: "${t.source}" is not "true" or "false"`);
  }
  const set = new Set(statics.map((t) => t.source.toLowerCase()));
  return (v, st) => {
    const l = v.toLowerCase();
    if (set.has(l)) return true;
    for (const t of dynamics) {
      const vars = variableValues(t, st);
      if (vars !== undefined && templateText(t, vars).toLowerCase() === l) return true;
    }
    return false;
  };
};

/** IAM condition operators, binary: the policy holds base64 text; the decoded bytes are compared. */
const binary: Compile = (values, path) => {
  const policy = values.map((v) => {
    if (!BASE64.test(v)) throw malformed(`${path}: "${v}" is not base64`);
    return Buffer.from(v, 'base64');
  });
  return (v) => {
    if (!BASE64.test(v)) return false;
    const bytes = Buffer.from(v, 'base64');
    return policy.some((p) => p.equals(bytes));
  };
};

const ipAddress: Compile = (values, path) => {
  const blocks = values.map((v) => {
    const c = parseCidr(v);
    if (c === undefined) throw malformed(`${path}: "${v}" is not an IPv4 or IPv6 address or CIDR block`);
    return c;
  });
  return (v) => {
    const ip = parseIp(v);
    return ip !== undefined && blocks.some((c) => cidrContains(c, ip));
  };
};

const stringLike = patterns(compileTokens);
const arnLike = patterns(compileArnTokens);

const SPECS: readonly OperatorSpec[] = [
  { name: 'StringEquals', negated: false, compile: stringEquals(false) },
  { name: 'StringNotEquals', negated: true, compile: stringEquals(false) },
  { name: 'StringEqualsIgnoreCase', negated: false, compile: stringEquals(true) },
  { name: 'StringNotEqualsIgnoreCase', negated: true, compile: stringEquals(true) },
  { name: 'StringLike', negated: false, compile: stringLike },
  { name: 'StringNotLike', negated: true, compile: stringLike },
  { name: 'NumericEquals', negated: false, compile: number(eq) },
  { name: 'NumericNotEquals', negated: true, compile: number(eq) },
  { name: 'NumericLessThan', negated: false, compile: number(lt) },
  { name: 'NumericLessThanEquals', negated: false, compile: number(le) },
  { name: 'NumericGreaterThan', negated: false, compile: number(gt) },
  { name: 'NumericGreaterThanEquals', negated: false, compile: number(ge) },
  { name: 'DateEquals', negated: false, compile: date(eq) },
  { name: 'DateNotEquals', negated: true, compile: date(eq) },
  { name: 'DateLessThan', negated: false, compile: date(lt) },
  { name: 'DateLessThanEquals', negated: false, compile: date(le) },
  { name: 'DateGreaterThan', negated: false, compile: date(gt) },
  { name: 'DateGreaterThanEquals', negated: false, compile: date(ge) },
  { name: 'Bool', negated: false, compile: bool },
  { name: 'BinaryEquals', negated: false, compile: binary },
  { name: 'IpAddress', negated: false, compile: ipAddress },
  { name: 'NotIpAddress', negated: true, compile: ipAddress },
  // IAM condition operators, ARN: ArnEquals and ArnLike are the same operator (as are their negations).
  { name: 'ArnEquals', negated: false, compile: arnLike },
  { name: 'ArnLike', negated: false, compile: arnLike },
  { name: 'ArnNotEquals', negated: true, compile: arnLike },
  { name: 'ArnNotLike', negated: true, compile: arnLike },
];

/** Operators by lower-cased name, without `IfExists` and set prefixes; `Null` is handled apart. */
export const OPERATORS: ReadonlyMap<string, OperatorSpec> = new Map(SPECS.map((s) => [s.name.toLowerCase(), s]));
