import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultKeyPolicy, MAX_POLICY_BYTES, parsePolicy, PolicyError } from '../../../src/policy/index.js';

const KMS = 'https://docs.aws.amazon.com/kms/latest/developerguide/';
const IAM = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/';
const GRAMMAR = `${IAM}reference_policies_grammar.html`;
const OPERATORS = `${IAM}reference_policies_elements_condition_operators.html`;

type Json = Record<string, unknown>;
const ok: Json = { Effect: 'Allow', Principal: { AWS: '111122223333' }, Action: 'kms:*', Resource: '*' };
const policy = (...statements: Json[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const withCondition = (condition: unknown) => policy({ ...ok, Condition: condition });

/** [name, page followed, document, expected message fragment] */
const malformedCases: [string, string, string, string][] = [
  ['not JSON', GRAMMAR, '{"Version": "2012-10-17",', 'policy is not valid JSON'],
  ['empty document', GRAMMAR, '', 'policy is not valid JSON'],
  ['top level is an array', GRAMMAR, '[]', 'policy must be a JSON object'],
  ['unknown top-level field', GRAMMAR, JSON.stringify({ Statement: [ok], Statements: [] }), 'unknown top-level field "Statements"'],
  ['bad Version', `${IAM}reference_policies_elements_version.html`, JSON.stringify({ Version: '2012-10-18', Statement: [ok] }), 'Version: must be "2012-10-17" or "2008-10-17"'],
  ['Id not a string', `${IAM}reference_policies_elements_id.html`, JSON.stringify({ Id: 7, Statement: [ok] }), 'Id: must be a string'],
  ['missing Statement', GRAMMAR, JSON.stringify({ Version: '2012-10-17' }), 'Statement: is required'],
  ['empty Statement array', GRAMMAR, JSON.stringify({ Statement: [] }), 'Statement: must be an object or a non-empty array'],
  ['Statement is a string', GRAMMAR, JSON.stringify({ Statement: 'x' }), 'Statement: must be an object or a non-empty array'],
  ['statement not an object', GRAMMAR, JSON.stringify({ Statement: [ok, 'x'] }), 'Statement[1]: must be an object'],
  ['unknown statement field', GRAMMAR, policy({ ...ok, Actions: 'kms:Decrypt' }), 'Statement[0]: unknown field "Actions"'],
  ['Sid not a string', `${IAM}reference_policies_elements_sid.html`, policy({ ...ok, Sid: 1 }), 'Statement[0].Sid: must be a string'],
  ['missing Effect', `${IAM}reference_policies_elements_effect.html`, policy({ ...ok, Effect: undefined }), 'Statement[0].Effect: is required'],
  ['Effect not Allow/Deny', `${IAM}reference_policies_elements_effect.html`, policy(ok, { ...ok, Effect: 'allow' }), 'Statement[1].Effect: must be "Allow" or "Deny"'],
  ['both Action and NotAction', `${IAM}reference_policies_elements_notaction.html`, policy({ ...ok, NotAction: 'kms:Decrypt' }), 'Statement[0]: has both Action and NotAction'],
  ['both Resource and NotResource', `${IAM}reference_policies_elements_notresource.html`, policy({ ...ok, NotResource: '*' }), 'Statement[0]: has both Resource and NotResource'],
  ['both Principal and NotPrincipal', `${IAM}reference_policies_elements_notprincipal.html`, policy({ ...ok, Effect: 'Deny', NotPrincipal: '*' }), 'Statement[0]: has both Principal and NotPrincipal'],
  ['NotPrincipal with Allow', `${IAM}reference_policies_elements_notprincipal.html`, policy({ ...ok, Principal: undefined, NotPrincipal: { AWS: '111122223333' } }), 'Statement[0].NotPrincipal: is only supported with "Effect": "Deny"'],
  ['Action a number', `${IAM}reference_policies_elements_action.html`, policy({ ...ok, Action: 5 }), 'Statement[0].Action: must be a string or a non-empty array of strings'],
  ['Action an empty array', `${IAM}reference_policies_elements_action.html`, policy({ ...ok, Action: [] }), 'Statement[0].Action: must be a string or a non-empty array of strings'],
  ['Action array with a non-string', `${IAM}reference_policies_elements_action.html`, policy({ ...ok, Action: ['kms:Decrypt', null] }), 'Statement[0].Action: must be a string'],
  ['Action without a service prefix', `${IAM}reference_policies_elements_action.html`, policy({ ...ok, Action: 'Decrypt' }), 'Statement[0].Action: invalid action "Decrypt"'],
  ['Resource not an ARN', `${IAM}reference_policies_elements_resource.html`, policy({ ...ok, Resource: 'my-key' }), 'Statement[0].Resource: "my-key" is not "*" or an ARN'],
  ['Principal string other than *', `${IAM}reference_policies_elements_principal.html`, policy({ ...ok, Principal: '111122223333' }), 'Statement[0].Principal: must be "*" or an object'],
  ['Principal empty object', `${IAM}reference_policies_elements_principal.html`, policy({ ...ok, Principal: {} }), 'Statement[0].Principal: names no principals'],
  ['unknown principal type', `${IAM}reference_policies_elements_principal.html`, policy({ ...ok, Principal: { IAM: '111122223333' } }), 'Statement[0].Principal: unknown principal type "IAM"'],
  ['invalid AWS principal', `${IAM}reference_policies_elements_principal.html`, policy({ ...ok, Principal: { AWS: 'bob' } }), 'Statement[0].Principal.AWS: invalid principal "bob"'],
  ['short account id', `${IAM}reference_policies_elements_principal.html`, policy({ ...ok, Principal: { AWS: '11112222333' } }), 'Statement[0].Principal.AWS: invalid principal "11112222333"'],
  ['wildcard in a principal ARN', `${IAM}reference_policies_elements_principal.html`, policy({ ...ok, Principal: { AWS: 'arn:aws:iam::111122223333:user/*' } }), 'wildcards are not allowed in principal "arn:aws:iam::111122223333:user/*"'],
  ['principal value not a string', `${IAM}reference_policies_elements_principal.html`, policy({ ...ok, Principal: { AWS: [1] } }), 'Statement[0].Principal.AWS: must be a string or a non-empty array of strings'],
  ['Condition not an object', `${IAM}reference_policies_elements_condition.html`, withCondition('x'), 'Statement[0].Condition: must be an object'],
  ['unknown condition operator', OPERATORS, policy(ok, { ...ok, Condition: { StringEqualz: { 'kms:CallerAccount': '1' } } }), 'Statement[1].Condition: unknown operator "StringEqualz"'],
  ['unknown set qualifier', `${IAM}reference_policies_condition-single-vs-multi-valued-context-keys.html`, withCondition({ 'ForSomeValues:StringEquals': { 'kms:EncryptionContextKeys': 'a' } }), 'unknown operator "ForSomeValues:StringEquals"'],
  ['NullIfExists', OPERATORS, withCondition({ NullIfExists: { 'aws:TokenIssueTime': 'true' } }), '"NullIfExists" is not allowed'],
  ['operator block not an object', OPERATORS, withCondition({ StringEquals: 'x' }), 'Statement[0].Condition.StringEquals: must be an object of condition keys'],
  ['operator block empty', OPERATORS, withCondition({ StringEquals: {} }), 'Statement[0].Condition.StringEquals: has no condition keys'],
  ['condition value an object', OPERATORS, withCondition({ StringEquals: { 'kms:CallerAccount': { a: 1 } } }), 'Statement[0].Condition.StringEquals["kms:CallerAccount"]: must be a string, number or boolean'],
  ['condition value null', OPERATORS, withCondition({ StringEquals: { 'kms:CallerAccount': null } }), 'Condition.StringEquals["kms:CallerAccount"]: must be a string'],
  ['condition value an empty array', OPERATORS, withCondition({ StringEquals: { 'kms:CallerAccount': [] } }), 'must be a string, number or boolean, or a non-empty array'],
  ['Numeric value not a number', OPERATORS, withCondition({ NumericLessThan: { 'kms:RotationPeriodInDays': 'ten' } }), 'Condition.NumericLessThan["kms:RotationPeriodInDays"]: "ten" is not a number'],
  ['Date value not a date', OPERATORS, withCondition({ DateGreaterThan: { 'aws:CurrentTime': '2025-02-30T00:00:00Z' } }), '"2025-02-30T00:00:00Z" is not an ISO 8601 date or epoch seconds'],
  ['Bool value not true/false', OPERATORS, withCondition({ Bool: { 'aws:SecureTransport': 'yes' } }), 'Condition.Bool["aws:SecureTransport"]: "yes" is not "true" or "false"'],
  ['Null value not true/false', OPERATORS, withCondition({ Null: { 'aws:TokenIssueTime': 'maybe' } }), 'Condition.Null["aws:TokenIssueTime"]: "maybe" is not "true" or "false"'],
  ['BinaryEquals value not base64', OPERATORS, withCondition({ BinaryEquals: { 'kms:X': 'not base64!' } }), '"not base64!" is not base64'],
  ['IpAddress value not an address', OPERATORS, withCondition({ IpAddress: { 'aws:SourceIp': '203.0.113.0/33' } }), '"203.0.113.0/33" is not an IPv4 or IPv6 address or CIDR block'],
  ['IPv6 with two ::', OPERATORS, withCondition({ NotIpAddress: { 'aws:SourceIp': '2001::db8::1' } }), '"2001::db8::1" is not an IPv4 or IPv6 address'],
  ['single statement object with an error', GRAMMAR, JSON.stringify({ Statement: { ...ok, Effect: 'Permit' } }), 'Statement.Effect: must be "Allow" or "Deny"'],
];

describe('parsePolicy: malformed documents', () => {
  for (const [name, page, document, fragment] of malformedCases) {
    it(`${name} (${page})`, () => {
      assert.throws(
        () => parsePolicy(document),
        (e: unknown) => {
          assert.ok(e instanceof PolicyError, 'a PolicyError');
          assert.equal(e.code, 'malformed-policy');
          assert.ok(e.message.includes(fragment), `message ${JSON.stringify(e.message)} should include ${JSON.stringify(fragment)}`);
          return true;
        },
      );
    });
  }
});

describe('parsePolicy: valid documents', () => {
  it('a statement without Action is valid and ignored (KMS CreateKey Policy parameter)', () => {
    const p = parsePolicy(policy({ ...ok, Action: undefined }, ok));
    assert.equal(p.statementCount, 2);
    assert.equal(p.allows.length, 1);
  });

  it('a statement without Resource is valid and ignored', () => {
    const p = parsePolicy(policy({ ...ok, Resource: undefined }));
    assert.equal(p.statementCount, 1);
    assert.equal(p.allows.length + p.denies.length, 0);
  });

  it('Statement may be a single object; Version and Id are optional', () => {
    const p = parsePolicy(JSON.stringify({ Statement: ok }));
    assert.equal(p.version, undefined);
    assert.equal(p.id, undefined);
    assert.equal(p.allows.length, 1);
  });

  it('keeps Version and Id, and sorts statements into denies and allows', () => {
    const p = parsePolicy(JSON.stringify({ Version: '2008-10-17', Id: 'key-consolepolicy-3', Statement: [ok, { ...ok, Effect: 'Deny' }] }));
    assert.equal(p.version, '2008-10-17');
    assert.equal(p.id, 'key-consolepolicy-3');
    assert.deepEqual([p.denies.map((s) => s.index), p.allows.map((s) => s.index)], [[1], [0]]);
  });

  it('accepts every documented condition operator with IfExists and set qualifiers', () => {
    const operators = [
      'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike',
      'NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals',
      'DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals',
      'Bool', 'BinaryEquals', 'IpAddress', 'NotIpAddress', 'ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike',
    ];
    const value = (op: string) =>
      op.startsWith('Numeric') ? '1' : op.startsWith('Date') ? '2020-01-01T00:00:00Z' : op === 'Bool' ? 'true'
        : op === 'BinaryEquals' ? 'AAAA' : op.includes('IpAddress') ? '10.0.0.0/8' : 'x';
    const condition: Json = { Null: { 'aws:TokenIssueTime': 'false' } };
    for (const op of operators) {
      for (const name of [op, `${op}IfExists`, `ForAnyValue:${op}`, `ForAllValues:${op}IfExists`]) {
        condition[name] = { 'kms:K': value(op) };
      }
    }
    const p = parsePolicy(withCondition(condition));
    assert.equal(p.allows[0]!.conditions.length, operators.length * 4 + 1);
  });

  it('condition values may be JSON numbers and booleans (IAM grammar <condition_value>)', () => {
    const p = parsePolicy(withCondition({ NumericLessThan: { 'kms:K': 10 }, Bool: { 'kms:GrantIsForAWSResource': true } }));
    assert.equal(p.allows[0]!.conditions.length, 2);
  });

  it('principal forms: *, account id, root ARN, user, role, session, service, deleted-principal id', () => {
    const p = parsePolicy(policy({
      ...ok,
      Principal: {
        AWS: ['*', '111122223333', 'arn:aws:iam::111122223333:root', 'arn:aws:iam::111122223333:user/a/b', 'arn:aws:iam::111122223333:role/r',
          'arn:aws:sts::111122223333:assumed-role/r/s', 'arn:aws-us-gov:iam::111122223333:root', 'AIDAJQABLZS4A3QDU576Q'],
        Service: 's3.amazonaws.com',
        Federated: 'cognito-identity.amazonaws.com',
        CanonicalUser: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be',
      },
    }));
    assert.equal(p.allows[0]!.principal!.any, true);
    assert.deepEqual([...p.allows[0]!.principal!.accounts], ['111122223333']);
  });

  it('condition key names are lower-cased once at parse time', () => {
    const p = parsePolicy(withCondition({ StringEquals: { 'KMS:EncryptionContext:Tenant': 'acme' } }));
    assert.equal(p.allows[0]!.conditions[0]!.lowerKey, 'kms:encryptioncontext:tenant');
  });
});

describe('parsePolicy: size limit', () => {
  const padded = (bytes: number) => {
    const base = policy(ok);
    return base.slice(0, -1) + ' '.repeat(bytes - Buffer.byteLength(base)) + '}';
  };

  it(`accepts a document of exactly ${MAX_POLICY_BYTES} bytes (${KMS}resource-limits.html)`, () => {
    assert.equal(Buffer.byteLength(padded(MAX_POLICY_BYTES)), 32_768);
    assert.equal(parsePolicy(padded(MAX_POLICY_BYTES)).allows.length, 1);
  });

  it('refuses a document of 32,769 bytes with policy-too-large', () => {
    assert.throws(() => parsePolicy(padded(MAX_POLICY_BYTES + 1)), (e: unknown) => {
      assert.ok(e instanceof PolicyError);
      assert.equal(e.code, 'policy-too-large');
      assert.match(e.message, /32769 bytes; the limit is 32768/);
      return true;
    });
  });

  it('counts UTF-8 bytes, not characters', () => {
    const sid = 'é'.repeat(16_400); // 16,400 characters, 32,800 bytes
    assert.throws(() => parsePolicy(policy({ ...ok, Sid: sid })), { code: 'policy-too-large' });
  });

  it('checks the size before parsing, so an oversized non-JSON document is too large, not malformed', () => {
    assert.throws(() => parsePolicy('x'.repeat(40_000)), { code: 'policy-too-large' });
  });
});

describe('defaultKeyPolicy', () => {
  // KMS Developer Guide key-policy-default, and the GetKeyPolicy example output of the KMS API
  // Reference / AWS CLI: this exact text, two-space indent, " : " separators, no final newline.
  const expected =
    '{\n  "Version" : "2012-10-17",\n  "Id" : "key-default-1",\n  "Statement" : [ {\n' +
    '    "Sid" : "Enable IAM User Permissions",\n    "Effect" : "Allow",\n    "Principal" : {\n' +
    '      "AWS" : "arn:aws:iam::111122223333:root"\n    },\n    "Action" : "kms:*",\n    "Resource" : "*"\n  } ]\n}';

  it(`is AWS's default key policy byte for byte (${KMS}key-policy-default.html)`, () => {
    assert.equal(defaultKeyPolicy('111122223333'), expected);
  });

  it('parses to one Allow for the account', () => {
    const p = parsePolicy(defaultKeyPolicy('272506498303'));
    assert.equal(p.id, 'key-default-1');
    assert.equal(p.allows[0]!.sid, 'Enable IAM User Permissions');
    assert.deepEqual([...p.allows[0]!.principal!.accounts], ['272506498303']);
  });

  it('Precondition: defaultKeyPolicy needs a 12-digit account id', () => {
    assert.throws(() => defaultKeyPolicy('1111-2222-3333'), /account id must be 12 digits/);
    assert.throws(() => defaultKeyPolicy('"}'), /account id must be 12 digits/);
  });
});
