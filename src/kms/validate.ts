import type { z } from 'zod';
import { kmsError } from './errors.js';

/**
 * Checks a request body against an operation's schema and answers as AWS's JSON services do: a value
 * of the wrong JSON type is a SerializationException; a missing or out-of-range value is a
 * ValidationException listing every problem ("1 validation error detected: Value … at 'keyId' …").
 */
export function parseInput<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw kmsError('serialization', 'The request body must be a JSON object.');
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const problems: string[] = [];
  for (const issue of result.error.issues) {
    const value = valueAt(body, issue.path);
    const field = issue.path.map((p, i) => (typeof p === 'number' ? `${p + 1}` : i === 0 ? lowerFirst(String(p)) : String(p))).join('.');
    if (issue.code === 'invalid_type' && value !== undefined && value !== null) {
      throw kmsError('serialization', `Value for '${field}' has the wrong type: expected ${issue.expected}, got ${jsonType(value)}.`);
    }
    problems.push(`Value ${describe(value)}at '${field}' failed to satisfy constraint: ${constraint(issue)}`);
  }
  const n = problems.length;
  throw kmsError('validation', `${n} validation error${n === 1 ? '' : 's'} detected: ${problems.join('; ')}`);
}

function constraint(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return 'Member must not be null';
    case 'too_small':
      return issue.origin === 'string' || issue.origin === 'array'
        ? `Member must have length greater than or equal to ${issue.minimum}`
        : `Member must have value greater than or equal to ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'string' || issue.origin === 'array'
        ? `Member must have length less than or equal to ${issue.maximum}`
        : `Member must have value less than or equal to ${issue.maximum}`;
    case 'invalid_value':
      return `Member must satisfy enum value set: [${issue.values.join(', ')}]`;
    case 'invalid_format':
      return issue.format === 'regex' && 'pattern' in issue
        ? `Member must satisfy regular expression pattern: ${String(issue.pattern).replace(/^\/|\/$/g, '')}`
        : issue.message;
    default:
      return issue.message;
  }
}

function describe(value: unknown): string {
  if (value === undefined || value === null) return 'null ';
  if (typeof value === 'string') return value.length > 64 ? '' : `'${value}' `;
  if (typeof value === 'number' || typeof value === 'boolean') return `'${value}' `;
  return '';
}

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = body;
  for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
const jsonType = (v: unknown) => (Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v);

/** Decodes a base64 blob member and checks its decoded length, as AWS does for blob shapes. */
export function blob(value: string, member: string, min: number, max: number): Buffer {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 === 1) {
    throw kmsError('serialization', `Value for '${member}' is not valid base64.`);
  }
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length < min) {
    throw kmsError('validation', `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must have length greater than or equal to ${min}`);
  }
  if (bytes.length > max) {
    throw kmsError('validation', `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${max}`);
  }
  return bytes;
}
