import { compileActions } from './action.js';
import { compileCondition } from './condition.js';
import { isObject } from './json.js';
import { compilePrincipal } from './principal.js';
import { malformed, PolicyError } from './policy-error.js';
import { compileResources } from './resource.js';
import type { CompiledStatement, Policy, PolicyVersion } from './types.js';

/** KMS Developer Guide, resource-limits: a key policy document is at most 32 KB (32,768 bytes). */
export const MAX_POLICY_BYTES = 32_768;

const TOP_LEVEL = new Set(['Version', 'Id', 'Statement']);
const STATEMENT = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);

function statement(raw: unknown, path: string, index: number, variables: boolean): CompiledStatement | undefined {
  if (!isObject(raw)) throw malformed(`${path}: must be an object`);
  for (const field of Object.keys(raw)) {
    if (!STATEMENT.has(field)) throw malformed(`${path}: unknown field "${field}"`);
  }
  for (const [a, b] of [
    ['Action', 'NotAction'],
    ['Resource', 'NotResource'],
    ['Principal', 'NotPrincipal'],
  ] as const) {
    if (a in raw && b in raw) throw malformed(`${path}: has both ${a} and ${b}`);
  }
  const { Sid: sid, Effect: effect } = raw;
  if (sid !== undefined && typeof sid !== 'string') throw malformed(`${path}.Sid: must be a string`);
  if (effect === undefined) throw malformed(`${path}.Effect: is required`);
  if (effect !== 'Allow' && effect !== 'Deny') throw malformed(`${path}.Effect: must be "Allow" or "Deny"`);
  // IAM User Guide, reference_policies_elements_notprincipal: NotPrincipal is supported only in
  // Deny statements.
  if ('NotPrincipal' in raw && effect === 'Allow') {
    throw malformed(`${path}.NotPrincipal: is only supported with "Effect": "Deny"`);
  }
  const principal =
    'Principal' in raw
      ? compilePrincipal(raw['Principal'], `${path}.Principal`, false)
      : 'NotPrincipal' in raw
        ? compilePrincipal(raw['NotPrincipal'], `${path}.NotPrincipal`, true)
        : undefined;
  const actionField = 'Action' in raw ? 'Action' : 'NotAction' in raw ? 'NotAction' : undefined;
  const action = actionField && compileActions(raw[actionField], `${path}.${actionField}`, actionField === 'NotAction');
  const resourceField = 'Resource' in raw ? 'Resource' : 'NotResource' in raw ? 'NotResource' : undefined;
  const resource =
    resourceField &&
    compileResources(raw[resourceField], `${path}.${resourceField}`, resourceField === 'NotResource', variables);
  const conditions = 'Condition' in raw ? compileCondition(raw['Condition'], `${path}.Condition`, variables) : [];
  // KMS CreateKey/PutKeyPolicy: a statement without Action or Resource is accepted but has no
  // effect (KMS API Reference, CreateKey, Policy parameter).
  if (action === undefined || resource === undefined) return undefined;
  return { index, sid, principal, action, resource, conditions };
}

/**
 * Parses and validates a key policy or IAM policy document and compiles it for
 * `evaluateKeyAccess`. Throws `PolicyError` with code `policy-too-large` for a document over
 * 32,768 bytes and `malformed-policy`, naming the offending field, for anything else wrong.
 */
export function parsePolicy(document: string): Policy {
  if (typeof document !== 'string') throw malformed('policy must be a string');
  const bytes = Buffer.byteLength(document, 'utf8');
  if (bytes > MAX_POLICY_BYTES) {
    throw new PolicyError('policy-too-large', `policy is ${bytes} bytes; the limit is ${MAX_POLICY_BYTES}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(document);
  } catch (e) {
    throw malformed(`policy is not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(json)) throw malformed('policy must be a JSON object');
  for (const field of Object.keys(json)) {
    if (!TOP_LEVEL.has(field)) throw malformed(`unknown top-level field "${field}"`);
  }
  const { Version: version, Id: id, Statement: statements } = json;
  if (version !== undefined && version !== '2012-10-17' && version !== '2008-10-17') {
    throw malformed('Version: must be "2012-10-17" or "2008-10-17"');
  }
  if (id !== undefined && typeof id !== 'string') throw malformed('Id: must be a string');
  if (statements === undefined) throw malformed('Statement: is required');
  // IAM User Guide, reference_policies_variables: variables exist only in version 2012-10-17;
  // in older or unversioned policies `${...}` is literal text.
  const variables = version === '2012-10-17';
  let list: { raw: unknown; path: string }[];
  if (isObject(statements)) list = [{ raw: statements, path: 'Statement' }];
  else if (Array.isArray(statements) && statements.length > 0) {
    list = statements.map((raw, i) => ({ raw, path: `Statement[${i}]` }));
  } else throw malformed('Statement: must be an object or a non-empty array of objects');
  const denies: CompiledStatement[] = [];
  const allows: CompiledStatement[] = [];
  list.forEach(({ raw, path }, i) => {
    const s = statement(raw, path, i, variables);
    if (s === undefined) return;
    ((raw as { Effect: string }).Effect === 'Deny' ? denies : allows).push(s);
  });
  return {
    version: version as PolicyVersion | undefined,
    id: id as string | undefined,
    statementCount: list.length,
    denies,
    allows,
  };
}
