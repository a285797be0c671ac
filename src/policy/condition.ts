import { contextValue } from './eval-state.js';
import { isObject } from './json.js';
import { OPERATORS } from './operators.js';
import { malformed } from './policy-error.js';
import type { ConditionEntry, EvalState } from './types.js';

function conditionValues(raw: unknown, path: string): string[] {
  // IAM grammar: <condition_value> = (<string> | <number> | <Boolean>), one or a list.
  const one = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  if (one(raw)) return [String(raw)];
  if (Array.isArray(raw) && raw.length > 0 && raw.every(one)) return raw.map(String);
  throw malformed(`${path}: must be a string, number or boolean, or a non-empty array of them`);
}

const noTest = () => false;

/**
 * The Condition element, flattened to one entry per (operator, key); all entries must hold.
 * IAM: condition key names are case-insensitive (lower-cased here, once), operators are ANDed,
 * keys under one operator are ANDed, and values for one key are ORed.
 */
export function compileCondition(value: unknown, path: string, variables: boolean): ConditionEntry[] {
  if (!isObject(value)) throw malformed(`${path}: must be an object`);
  const entries: ConditionEntry[] = [];
  for (const [operator, block] of Object.entries(value)) {
    let base = operator;
    let set: ConditionEntry['set'] = 'none';
    const colon = operator.indexOf(':');
    if (colon >= 0) {
      const qualifier = operator.slice(0, colon).toLowerCase();
      if (qualifier === 'foranyvalue') set = 'any';
      else if (qualifier === 'forallvalues') set = 'all';
      else throw malformed(`${path}: unknown operator "${operator}"`);
      base = operator.slice(colon + 1);
    }
    let lower = base.toLowerCase();
    let ifExists = false;
    if (lower.endsWith('ifexists')) {
      ifExists = true;
      lower = lower.slice(0, -'ifexists'.length);
    }
    const isNull = lower === 'null';
    const spec = OPERATORS.get(lower);
    if (!isNull && spec === undefined) throw malformed(`${path}: unknown operator "${operator}"`);
    // IAM condition operators, ...IfExists: every operator takes the suffix except Null.
    if (isNull && ifExists) throw malformed(`${path}: "${operator}" is not allowed; Null takes no IfExists`);
    const opPath = `${path}.${operator}`;
    if (!isObject(block)) throw malformed(`${opPath}: must be an object of condition keys`);
    const keys = Object.keys(block);
    if (keys.length === 0) throw malformed(`${opPath}: has no condition keys`);
    for (const key of keys) {
      const keyPath = `${opPath}["${key}"]`;
      if (key === '') throw malformed(`${opPath}: empty condition key`);
      const values = conditionValues(block[key], keyPath);
      const common = { operator, key, lowerKey: key.toLowerCase(), set, ifExists };
      if (isNull) {
        for (const v of values) {
          if (!/^(?:true|false)$/i.test(v)) throw malformed(`${keyPath}: "${v}" is not "true" or "false"`);
        }
        const want = values.map((v) => v.toLowerCase());
        entries.push({
          ...common,
          negated: false,
          nullCheck: { absent: want.includes('true'), present: want.includes('false') },
          test: noTest,
        });
      } else {
        entries.push({ ...common, negated: spec!.negated, nullCheck: undefined, test: spec!.compile(values, keyPath, variables) });
      }
    }
  }
  return entries;
}

function entryHolds(e: ConditionEntry, st: EvalState): boolean {
  const raw = contextValue(st, e.key, e.lowerKey);
  const absent = raw === undefined || (typeof raw !== 'string' && raw.length === 0);
  // IAM: Null "true" means the key is absent, "false" that it is present.
  if (e.nullCheck !== undefined) return absent ? e.nullCheck.absent : e.nullCheck.present;
  if (e.set === 'none') {
    // IAM: a missing key does not match, so the condition is false, but a negated operator on a
    // missing key is true; ...IfExists on a missing key is true.
    if (absent) return e.ifExists || e.negated;
    let hit: boolean;
    if (typeof raw === 'string') {
      hit = e.test(raw, st);
    } else {
      // A multivalued key under a single-valued operator: IAM says not to do this and does not
      // document the outcome; we count it as matching when any of its values matches.
      hit = false;
      for (let i = 0; !hit && i < raw!.length; i++) hit = e.test(raw![i]!, st);
    }
    return hit !== e.negated;
  }
  // IAM set operators: for an empty data set (missing key, empty list, empty string)
  // ForAllValues is true and ForAnyValue is false; ...IfExists makes a missing key true.
  if (absent || raw === '') return e.ifExists || e.set === 'all';
  if (typeof raw === 'string') return e.test(raw, st) !== e.negated;
  if (e.set === 'all') {
    for (const v of raw!) if (e.test(v, st) === e.negated) return false;
    return true;
  }
  for (const v of raw!) if (e.test(v, st) !== e.negated) return true;
  return false;
}

export function conditionsHold(entries: readonly ConditionEntry[], st: EvalState): boolean {
  for (let i = 0; i < entries.length; i++) if (!entryHolds(entries[i]!, st)) return false;
  return true;
}
