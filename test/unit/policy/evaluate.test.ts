import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  defaultKeyPolicy,
  evaluateKeyAccess,
  parsePolicy,
  type AuthorizationRequest,
  type ContextValue,
  type Decision,
} from '../../../src/policy/index.js';

// The AWS pages each case follows.
const IAM = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/';
const KMS = 'https://docs.aws.amazon.com/kms/latest/developerguide/';
const DOC = {
  keyPolicyDefault: `${KMS}key-policy-default.html`,
  keyPolicyOverview: `${KMS}key-policy-overview.html`,
  externalAccounts: `${KMS}key-policy-modifying-external-accounts.html`,
  kmsConditions: `${KMS}conditions-kms.html`,
  encryptionContext: `${KMS}conditions-kms.html#conditions-kms-encryption-context`,
  evaluation: `${IAM}reference_policies_evaluation-logic.html`,
  action: `${IAM}reference_policies_elements_action.html`,
  notAction: `${IAM}reference_policies_elements_notaction.html`,
  resource: `${IAM}reference_policies_elements_resource.html`,
  notResource: `${IAM}reference_policies_elements_notresource.html`,
  principal: `${IAM}reference_policies_elements_principal.html`,
  notPrincipal: `${IAM}reference_policies_elements_notprincipal.html`,
  condition: `${IAM}reference_policies_elements_condition.html`,
  operators: `${IAM}reference_policies_elements_condition_operators.html`,
  logic: `${IAM}reference_policies_condition-logic-multiple-context-keys-or-values.html`,
  multiValued: `${IAM}reference_policies_condition-single-vs-multi-valued-context-keys.html`,
  variables: `${IAM}reference_policies_variables.html`,
  seed: '/work/shared/seed/customer-managed-keys.md (Step 2) with ' + `${KMS}key-policy-modifying-external-accounts.html`,
};

const OWNER = '111122223333';
const PROVIDER = '272506498303';
const PROVIDER2 = '063509147090';
const OUTSIDER = '444455556666';
const KEY = `arn:aws:kms:us-east-1:${OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const OTHER_KEY = `arn:aws:kms:us-east-1:${OWNER}:key/0987dcba-09ba-87dc-65fe-ba0987654321`;
const ALICE = `arn:aws:iam::${OWNER}:user/alice`;
const BOB = `arn:aws:iam::${OWNER}:user/bob`;
const STORAGE = `arn:aws:iam::${PROVIDER}:user/storage`;

type Json = Record<string, unknown>;
interface Case {
  name: string;
  /** The AWS documentation page the expected decision follows. */
  doc: string;
  /** The key policy: a document or a list of statements (wrapped in Version 2012-10-17). */
  policy: Json | Json[] | string;
  /** Identity policies of the caller; omitted = AdministratorAccess. Statement lists are wrapped. */
  identity?: (Json | Json[])[];
  request: {
    principal?: string;
    action?: string;
    resource?: string;
    context?: Record<string, ContextValue>;
  };
  expect: Decision;
}

function doc(p: Json | Json[] | string): string {
  if (typeof p === 'string') return p;
  return JSON.stringify(Array.isArray(p) ? { Version: '2012-10-17', Statement: p } : p);
}

function request(r: Case['request']): AuthorizationRequest {
  const arn = r.principal ?? ALICE;
  return {
    principal: { arn, accountId: arn.split(':')[4]! },
    action: r.action ?? 'kms:Decrypt',
    resource: r.resource ?? KEY,
    resourceAccountId: OWNER,
    context: r.context ?? {},
  };
}

const allowTo = (principal: unknown, extra: Json = {}): Json => ({
  Effect: 'Allow',
  Principal: principal,
  Action: 'kms:*',
  Resource: '*',
  ...extra,
});
const denyTo = (principal: unknown, extra: Json = {}): Json => ({ ...allowTo(principal, extra), Effect: 'Deny' });
const aliceMay = (extra: Json = {}): Json[] => [allowTo({ AWS: ALICE }, extra)];
const iamAllow = (extra: Json = {}): Json[] => [{ Effect: 'Allow', Action: 'kms:*', Resource: '*', ...extra }];
const cond = (condition: Json): Json[] => aliceMay({ Condition: condition });
const DEFAULT = defaultKeyPolicy(OWNER);

/** The statement of the product page (seed Step 2), added to the default key policy. */
const productPolicy = {
  Version: '2012-10-17',
  Statement: [
    JSON.parse(DEFAULT).Statement[0],
    {
      Effect: 'Allow',
      Principal: { AWS: [`arn:aws:iam::${PROVIDER}:root`, `arn:aws:iam::${PROVIDER2}:root`] },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
      Resource: '*',
    },
  ],
};
const PRODUCT_ALLOWED = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:GenerateDataKeyPair',
  'kms:DescribeKey',
];
const PRODUCT_DENIED = ['kms:PutKeyPolicy', 'kms:DisableKey', 'kms:ScheduleKeyDeletion'];

const NOW = '2025-06-01T12:00:00Z';

const cases: Case[] = [
  // --- The default key policy and delegation to IAM -------------------------------------------
  { name: 'default policy: same-account user with AdministratorAccess is allowed', doc: DOC.keyPolicyDefault, policy: DEFAULT, request: {}, expect: 'allow' },
  { name: 'default policy: same-account user without identity policies is denied', doc: DOC.keyPolicyDefault, policy: DEFAULT, identity: [], request: {}, expect: 'implicit-deny' },
  { name: 'default policy: identity policy allowing Decrypt on the key allows Decrypt', doc: DOC.keyPolicyDefault, policy: DEFAULT, identity: [iamAllow({ Action: 'kms:Decrypt', Resource: KEY })], request: {}, expect: 'allow' },
  { name: 'default policy: identity policy allowing only Encrypt does not allow Decrypt', doc: DOC.keyPolicyDefault, policy: DEFAULT, identity: [iamAllow({ Action: 'kms:Encrypt' })], request: {}, expect: 'implicit-deny' },
  { name: 'default policy: the account root user needs no identity policy', doc: DOC.keyPolicyDefault, policy: DEFAULT, identity: [], request: { principal: `arn:aws:iam::${OWNER}:root` }, expect: 'allow' },
  { name: 'default policy: another account is not allowed even as administrator', doc: DOC.externalAccounts, policy: DEFAULT, request: { principal: STORAGE }, expect: 'implicit-deny' },
  { name: 'bare account id principal delegates to IAM: no identity policy, no access', doc: DOC.principal, policy: [allowTo({ AWS: OWNER })], identity: [], request: {}, expect: 'implicit-deny' },
  { name: 'bare account id principal delegates to IAM: administrator is allowed', doc: DOC.principal, policy: [allowTo({ AWS: OWNER })], request: {}, expect: 'allow' },
  { name: 'key policy without a statement for the caller: identity allow is not enough', doc: DOC.keyPolicyOverview, policy: aliceMay(), identity: [iamAllow()], request: { principal: BOB }, expect: 'implicit-deny' },

  // --- Principals ---------------------------------------------------------------------------------
  { name: 'user ARN principal allows that user with no identity policy', doc: DOC.keyPolicyOverview, policy: aliceMay(), identity: [], request: {}, expect: 'allow' },
  { name: 'user ARN principal does not allow another user of the account', doc: DOC.principal, policy: aliceMay(), identity: [], request: { principal: BOB }, expect: 'implicit-deny' },
  { name: 'Principal "*" allows a same-account caller directly', doc: DOC.keyPolicyOverview, policy: [allowTo('*')], identity: [], request: {}, expect: 'allow' },
  { name: '{"AWS": "*"} from another account still needs its identity policy', doc: DOC.externalAccounts, policy: [allowTo({ AWS: '*' })], identity: [], request: { principal: STORAGE }, expect: 'implicit-deny' },
  { name: '{"AWS": "*"} from another account with an identity allow is allowed', doc: DOC.externalAccounts, policy: [allowTo({ AWS: ['*'] })], identity: [iamAllow()], request: { principal: STORAGE }, expect: 'allow' },
  { name: 'role ARN principal allows that role\'s assumed-role sessions', doc: DOC.principal, policy: [allowTo({ AWS: `arn:aws:iam::${OWNER}:role/app/EncryptionApp` })], identity: [], request: { principal: `arn:aws:sts::${OWNER}:assumed-role/EncryptionApp/session-1` }, expect: 'allow' },
  { name: 'role ARN principal does not allow another role\'s sessions', doc: DOC.principal, policy: [allowTo({ AWS: `arn:aws:iam::${OWNER}:role/EncryptionApp` })], identity: [], request: { principal: `arn:aws:sts::${OWNER}:assumed-role/Other/session-1` }, expect: 'implicit-deny' },
  { name: 'Service principal never matches an IAM caller', doc: DOC.principal, policy: [allowTo({ Service: 's3.amazonaws.com', Federated: 'cognito-identity.amazonaws.com' })], request: {}, expect: 'implicit-deny' },
  { name: 'key-policy statement without Principal grants nothing', doc: DOC.keyPolicyOverview, policy: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }], request: {}, expect: 'implicit-deny' },
  { name: 'NotPrincipal Deny exempts the listed user and its account', doc: DOC.notPrincipal, policy: [allowTo('*'), denyTo(undefined, { Principal: undefined, NotPrincipal: { AWS: [ALICE, `arn:aws:iam::${OWNER}:root`] } })], request: {}, expect: 'allow' },
  { name: 'NotPrincipal Deny applies to a principal not listed', doc: DOC.notPrincipal, policy: [allowTo('*'), denyTo(undefined, { Principal: undefined, NotPrincipal: { AWS: [ALICE, `arn:aws:iam::${OWNER}:root`] } })], request: { principal: BOB }, expect: 'explicit-deny' },
  { name: 'NotPrincipal Deny listing the user but not its account still denies it', doc: DOC.notPrincipal, policy: [allowTo('*'), denyTo(undefined, { Principal: undefined, NotPrincipal: { AWS: ALICE } })], request: {}, expect: 'explicit-deny' },

  // --- Cross-account --------------------------------------------------------------------------
  { name: 'cross-account: key policy names the account and its IAM policy allows', doc: DOC.externalAccounts, policy: [allowTo({ AWS: `arn:aws:iam::${PROVIDER}:root` })], identity: [iamAllow({ Resource: KEY })], request: { principal: STORAGE }, expect: 'allow' },
  { name: 'cross-account: key policy names the account but no IAM policy allows', doc: DOC.externalAccounts, policy: [allowTo({ AWS: `arn:aws:iam::${PROVIDER}:root` })], identity: [], request: { principal: STORAGE }, expect: 'implicit-deny' },
  { name: 'cross-account: key policy names the external user; it still needs its IAM allow', doc: DOC.externalAccounts, policy: [allowTo({ AWS: STORAGE })], identity: [], request: { principal: STORAGE }, expect: 'implicit-deny' },
  { name: 'cross-account: key policy names the external user and its IAM policy allows', doc: DOC.externalAccounts, policy: [allowTo({ AWS: STORAGE })], identity: [iamAllow()], request: { principal: STORAGE }, expect: 'allow' },
  { name: 'cross-account: IAM allow without a key-policy grant is denied', doc: DOC.externalAccounts, policy: DEFAULT, identity: [iamAllow()], request: { principal: STORAGE }, expect: 'implicit-deny' },
  { name: 'cross-account: IAM allow for a different key does not count', doc: DOC.externalAccounts, policy: [allowTo({ AWS: PROVIDER })], identity: [iamAllow({ Resource: OTHER_KEY })], request: { principal: STORAGE }, expect: 'implicit-deny' },
  { name: 'cross-account: IAM Resource wildcard over the owner\'s keys allows', doc: DOC.resource, policy: [allowTo({ AWS: PROVIDER })], identity: [iamAllow({ Resource: `arn:aws:kms:*:${OWNER}:key/*` })], request: { principal: STORAGE }, expect: 'allow' },

  // --- Explicit deny ---------------------------------------------------------------------------
  { name: 'key-policy Deny for the user overrides its Allow', doc: DOC.evaluation, policy: [...aliceMay(), denyTo({ AWS: ALICE }, { Action: 'kms:Decrypt' })], request: {}, expect: 'explicit-deny' },
  { name: 'key-policy Deny naming the account denies its users', doc: DOC.evaluation, policy: [...aliceMay(), denyTo({ AWS: `arn:aws:iam::${OWNER}:root` })], request: {}, expect: 'explicit-deny' },
  { name: 'identity-policy Deny overrides a direct key-policy Allow', doc: DOC.evaluation, policy: aliceMay(), identity: [[{ Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*' }]], request: {}, expect: 'explicit-deny' },
  { name: 'identity-policy Deny for another action does not apply', doc: DOC.evaluation, policy: aliceMay(), identity: [[{ Effect: 'Deny', Action: 'kms:ScheduleKeyDeletion', Resource: '*' }]], request: {}, expect: 'allow' },
  { name: 'key-policy Deny whose condition is false does not apply', doc: DOC.evaluation, policy: [...aliceMay(), denyTo('*', { Condition: { Bool: { 'aws:SecureTransport': 'false' } } })], request: { context: { 'aws:SecureTransport': 'true' } }, expect: 'allow' },
  { name: 'key-policy Deny whose condition is true applies', doc: DOC.evaluation, policy: [...aliceMay(), denyTo('*', { Condition: { Bool: { 'aws:SecureTransport': 'false' } } })], request: { context: { 'aws:SecureTransport': 'false' } }, expect: 'explicit-deny' },

  // --- Action and NotAction --------------------------------------------------------------------
  { name: 'kms:GenerateDataKey* matches GenerateDataKeyWithoutPlaintext', doc: DOC.action, policy: aliceMay({ Action: 'kms:GenerateDataKey*' }), request: { action: 'kms:GenerateDataKeyWithoutPlaintext' }, expect: 'allow' },
  { name: 'kms:GenerateDataKey* matches GenerateDataKeyPairWithoutPlaintext', doc: DOC.action, policy: aliceMay({ Action: 'kms:GenerateDataKey*' }), request: { action: 'kms:GenerateDataKeyPairWithoutPlaintext' }, expect: 'allow' },
  { name: 'kms:GenerateDataKey* does not match Decrypt', doc: DOC.action, policy: aliceMay({ Action: 'kms:GenerateDataKey*' }), request: { action: 'kms:Decrypt' }, expect: 'implicit-deny' },
  { name: 'kms:ReEncrypt* matches ReEncryptFrom', doc: DOC.action, policy: aliceMay({ Action: 'kms:ReEncrypt*' }), request: { action: 'kms:ReEncryptFrom' }, expect: 'allow' },
  { name: 'kms:ReEncrypt* matches ReEncryptTo', doc: DOC.action, policy: aliceMay({ Action: 'kms:ReEncrypt*' }), request: { action: 'kms:ReEncryptTo' }, expect: 'allow' },
  { name: 'kms:* matches ScheduleKeyDeletion', doc: DOC.action, policy: aliceMay({ Action: 'kms:*' }), request: { action: 'kms:ScheduleKeyDeletion' }, expect: 'allow' },
  { name: 'Action "*" matches every action', doc: DOC.action, policy: aliceMay({ Action: '*' }), request: { action: 'kms:PutKeyPolicy' }, expect: 'allow' },
  { name: '? matches exactly one character (kms:?ncrypt matches Encrypt)', doc: DOC.action, policy: aliceMay({ Action: 'kms:?ncrypt' }), request: { action: 'kms:Encrypt' }, expect: 'allow' },
  { name: '? matches exactly one character (kms:?ncrypt does not match Decrypt)', doc: DOC.action, policy: aliceMay({ Action: 'kms:?ncrypt' }), request: { action: 'kms:Decrypt' }, expect: 'implicit-deny' },
  { name: '? matches one character, not two (kms:?EncryptFrom does not match ReEncryptFrom)', doc: DOC.action, policy: aliceMay({ Action: 'kms:?EncryptFrom' }), request: { action: 'kms:ReEncryptFrom' }, expect: 'implicit-deny' },
  { name: 'action names match case-insensitively', doc: DOC.action, policy: aliceMay({ Action: 'KMS:decrypt' }), request: { action: 'kms:Decrypt' }, expect: 'allow' },
  { name: 'an action list without the action does not allow it', doc: DOC.action, policy: aliceMay({ Action: ['kms:Encrypt', 'kms:DescribeKey'] }), request: { action: 'kms:Decrypt' }, expect: 'implicit-deny' },
  { name: 'Allow with NotAction allows an action not listed', doc: DOC.notAction, policy: [{ Effect: 'Allow', Principal: { AWS: ALICE }, NotAction: 'kms:ScheduleKeyDeletion', Resource: '*' }], request: { action: 'kms:Decrypt' }, expect: 'allow' },
  { name: 'Allow with NotAction does not allow the listed action', doc: DOC.notAction, policy: [{ Effect: 'Allow', Principal: { AWS: ALICE }, NotAction: 'kms:ScheduleKeyDeletion', Resource: '*' }], request: { action: 'kms:ScheduleKeyDeletion' }, expect: 'implicit-deny' },
  { name: 'Deny with NotAction denies everything not listed', doc: DOC.notAction, policy: [...aliceMay(), { Effect: 'Deny', Principal: '*', NotAction: ['kms:Decrypt', 'kms:Encrypt'], Resource: '*' }], request: { action: 'kms:DisableKey' }, expect: 'explicit-deny' },
  { name: 'Deny with NotAction leaves the listed actions alone', doc: DOC.notAction, policy: [...aliceMay(), { Effect: 'Deny', Principal: '*', NotAction: ['kms:Decrypt', 'kms:Encrypt'], Resource: '*' }], request: { action: 'kms:Decrypt' }, expect: 'allow' },

  // --- Resource and NotResource ----------------------------------------------------------------
  { name: 'Resource naming the key ARN allows', doc: DOC.resource, policy: aliceMay({ Resource: KEY }), request: {}, expect: 'allow' },
  { name: 'Resource naming another key does not allow', doc: DOC.resource, policy: aliceMay({ Resource: OTHER_KEY }), request: {}, expect: 'implicit-deny' },
  { name: 'Resource matching is case-sensitive', doc: DOC.resource, policy: aliceMay({ Resource: KEY.toUpperCase().replace('ARN:AWS:KMS', 'arn:aws:kms') }), request: {}, expect: 'implicit-deny' },
  { name: 'Resource wildcards within components (us-* region, key/*)', doc: DOC.resource, policy: aliceMay({ Resource: `arn:aws:kms:us-*:${OWNER}:key/*` }), request: {}, expect: 'allow' },
  { name: 'Resource wildcard for another account does not match', doc: DOC.resource, policy: aliceMay({ Resource: `arn:aws:kms:*:${OUTSIDER}:key/*` }), request: {}, expect: 'implicit-deny' },
  { name: 'NotResource naming another key allows this key', doc: DOC.notResource, policy: [{ Effect: 'Allow', Principal: { AWS: ALICE }, Action: 'kms:*', NotResource: OTHER_KEY }], request: {}, expect: 'allow' },
  { name: 'NotResource naming this key does not allow it', doc: DOC.notResource, policy: [{ Effect: 'Allow', Principal: { AWS: ALICE }, Action: 'kms:*', NotResource: KEY }], request: {}, expect: 'implicit-deny' },

  // --- String operators and the case rules -----------------------------------------------------
  { name: 'StringEquals on kms:CallerAccount matches', doc: DOC.operators, policy: cond({ StringEquals: { 'kms:CallerAccount': OWNER } }), request: { context: { 'kms:CallerAccount': OWNER } }, expect: 'allow' },
  { name: 'kms:CallerAccount defaults to the caller\'s account when the context omits it', doc: DOC.kmsConditions, policy: [allowTo('*', { Condition: { StringEquals: { 'kms:CallerAccount': OWNER } } })], identity: [], request: {}, expect: 'allow' },
  { name: 'StringEquals with a different value does not match', doc: DOC.operators, policy: cond({ StringEquals: { 'kms:CallerAccount': OUTSIDER } }), request: { context: { 'kms:CallerAccount': OWNER } }, expect: 'implicit-deny' },
  { name: 'StringEquals on a missing key is false', doc: DOC.operators, policy: cond({ StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } }), request: {}, expect: 'implicit-deny' },
  { name: 'condition key names are case-insensitive', doc: DOC.condition, policy: cond({ StringEquals: { 'KMS:viaSERVICE': 's3.us-east-1.amazonaws.com' } }), request: { context: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } }, expect: 'allow' },
  { name: 'StringEquals values are case-sensitive', doc: DOC.condition, policy: cond({ StringEquals: { 'kms:EncryptionContext:tenant': 'Acme' } }), request: { context: { 'kms:EncryptionContext:tenant': 'acme' } }, expect: 'implicit-deny' },
  { name: 'StringEqualsIgnoreCase ignores the value\'s case', doc: DOC.operators, policy: cond({ StringEqualsIgnoreCase: { 'kms:EncryptionContext:tenant': 'Acme' } }), request: { context: { 'kms:EncryptionContext:tenant': 'ACME' } }, expect: 'allow' },
  { name: 'StringNotEquals: a value not listed matches', doc: DOC.operators, policy: cond({ StringNotEquals: { 'kms:CallerAccount': [OUTSIDER, PROVIDER] } }), request: { context: { 'kms:CallerAccount': OWNER } }, expect: 'allow' },
  { name: 'StringNotEquals with several values: equal to any one of them fails (negated = AND)', doc: DOC.logic, policy: cond({ StringNotEquals: { 'kms:CallerAccount': [OUTSIDER, OWNER] } }), request: { context: { 'kms:CallerAccount': OWNER } }, expect: 'implicit-deny' },
  { name: 'StringNotEquals on a missing key is true', doc: DOC.operators, policy: cond({ StringNotEquals: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } }), request: {}, expect: 'allow' },
  { name: 'StringNotEqualsIgnoreCase: same value in another case fails', doc: DOC.operators, policy: cond({ StringNotEqualsIgnoreCase: { 'kms:EncryptionContext:tenant': 'ACME' } }), request: { context: { 'kms:EncryptionContext:tenant': 'acme' } }, expect: 'implicit-deny' },
  { name: 'StringLike with a wildcard matches', doc: DOC.operators, policy: cond({ StringLike: { 'kms:ViaService': 's3.*.amazonaws.com' } }), request: { context: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } }, expect: 'allow' },
  { name: 'StringLike without a wildcard needs the whole string', doc: DOC.operators, policy: cond({ StringLike: { 'kms:ViaService': 's3' } }), request: { context: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } }, expect: 'implicit-deny' },
  { name: 'StringNotLike: a matching value fails', doc: DOC.operators, policy: cond({ StringNotLike: { 'kms:ViaService': 'ec2.*' } }), request: { context: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } }, expect: 'implicit-deny' },
  { name: 'StringEqualsIfExists on a missing key is true', doc: DOC.operators, policy: cond({ StringEqualsIfExists: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } }), request: {}, expect: 'allow' },
  { name: 'StringEqualsIfExists on a present, different value is false', doc: DOC.operators, policy: cond({ StringEqualsIfExists: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } }), request: { context: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } }, expect: 'implicit-deny' },
  { name: 'Deny with StringNotEqualsIfExists still denies when the key is missing', doc: DOC.operators, policy: [...aliceMay(), denyTo('*', { Condition: { StringNotEqualsIfExists: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } } })], request: {}, expect: 'explicit-deny' },
  { name: 'StringLikeIfExists / StringNotLikeIfExists / IgnoreCase forms on a missing key are true', doc: DOC.operators, policy: cond({ StringLikeIfExists: { 'kms:RequestAlias': 'alias/app-*' }, StringNotLikeIfExists: { 'kms:RequestAlias': 'alias/x*' }, StringEqualsIgnoreCaseIfExists: { 'kms:RequestAlias': 'a' }, StringNotEqualsIgnoreCaseIfExists: { 'kms:RequestAlias': 'b' } }), request: {}, expect: 'allow' },
  { name: 'several keys under one operator are ANDed', doc: DOC.logic, policy: cond({ StringEquals: { 'kms:CallerAccount': OWNER, 'kms:ViaService': 's3.us-east-1.amazonaws.com' } }), request: { context: { 'kms:CallerAccount': OWNER } }, expect: 'implicit-deny' },
  { name: 'several operators are ANDed (all true)', doc: DOC.logic, policy: cond({ StringEquals: { 'kms:CallerAccount': OWNER }, Bool: { 'aws:SecureTransport': 'true' } }), request: { context: { 'kms:CallerAccount': OWNER, 'aws:SecureTransport': 'true' } }, expect: 'allow' },
  { name: 'several values for one key are ORed', doc: DOC.logic, policy: cond({ StringEquals: { 'kms:EncryptionAlgorithm': ['RSAES_OAEP_SHA_256', 'SYMMETRIC_DEFAULT'] } }), request: { context: { 'kms:EncryptionAlgorithm': 'SYMMETRIC_DEFAULT' } }, expect: 'allow' },

  // --- Numeric operators -----------------------------------------------------------------------
  { name: 'NumericLessThan matches a smaller number', doc: DOC.operators, policy: cond({ NumericLessThan: { 'kms:ScheduleKeyDeletionPendingWindowInDays': '30' } }), request: { context: { 'kms:ScheduleKeyDeletionPendingWindowInDays': '7' } }, expect: 'allow' },
  { name: 'NumericLessThan fails on the boundary', doc: DOC.operators, policy: cond({ NumericLessThan: { 'kms:ScheduleKeyDeletionPendingWindowInDays': 7 } }), request: { context: { 'kms:ScheduleKeyDeletionPendingWindowInDays': '7' } }, expect: 'implicit-deny' },
  { name: 'NumericLessThanEquals matches the boundary', doc: DOC.operators, policy: cond({ NumericLessThanEquals: { 'kms:ScheduleKeyDeletionPendingWindowInDays': '7' } }), request: { context: { 'kms:ScheduleKeyDeletionPendingWindowInDays': '7.0' } }, expect: 'allow' },
  { name: 'NumericGreaterThan fails on a smaller number', doc: DOC.operators, policy: cond({ NumericGreaterThan: { 'kms:RotationPeriodInDays': '90' } }), request: { context: { 'kms:RotationPeriodInDays': '90' } }, expect: 'implicit-deny' },
  { name: 'NumericGreaterThanEquals matches the boundary', doc: DOC.operators, policy: cond({ NumericGreaterThanEquals: { 'kms:RotationPeriodInDays': '90' } }), request: { context: { 'kms:RotationPeriodInDays': '90' } }, expect: 'allow' },
  { name: 'NumericEquals compares numbers, not strings', doc: DOC.operators, policy: cond({ NumericEquals: { 'kms:RotationPeriodInDays': '365' } }), request: { context: { 'kms:RotationPeriodInDays': '365.0' } }, expect: 'allow' },
  { name: 'NumericNotEquals fails on an equal number', doc: DOC.operators, policy: cond({ NumericNotEquals: { 'kms:RotationPeriodInDays': ['180', '365'] } }), request: { context: { 'kms:RotationPeriodInDays': '365' } }, expect: 'implicit-deny' },
  { name: 'Numeric...IfExists forms on a missing key are true', doc: DOC.operators, policy: cond({ NumericEqualsIfExists: { 'kms:RotationPeriodInDays': '1' }, NumericNotEqualsIfExists: { 'kms:RotationPeriodInDays': '1' }, NumericLessThanIfExists: { 'kms:RotationPeriodInDays': '1' }, NumericLessThanEqualsIfExists: { 'kms:RotationPeriodInDays': '1' }, NumericGreaterThanIfExists: { 'kms:RotationPeriodInDays': '1' }, NumericGreaterThanEqualsIfExists: { 'kms:RotationPeriodInDays': '1' } }), request: {}, expect: 'allow' },
  { name: 'NumericLessThan on a missing key is false', doc: DOC.operators, policy: cond({ NumericLessThan: { 'kms:RotationPeriodInDays': '1000' } }), request: {}, expect: 'implicit-deny' },

  // --- Date operators --------------------------------------------------------------------------
  { name: 'DateLessThan on aws:CurrentTime before the date', doc: DOC.operators, policy: cond({ DateLessThan: { 'aws:CurrentTime': '2025-12-31T23:59:59Z' } }), request: { context: { 'aws:CurrentTime': NOW } }, expect: 'allow' },
  { name: 'DateGreaterThan with epoch seconds in the policy', doc: DOC.operators, policy: cond({ DateGreaterThan: { 'aws:CurrentTime': '1767225600' } }), request: { context: { 'aws:CurrentTime': NOW } }, expect: 'implicit-deny' },
  { name: 'DateEquals compares instants across time zones', doc: DOC.operators, policy: cond({ DateEquals: { 'aws:CurrentTime': '2025-06-01T14:00:00+02:00' } }), request: { context: { 'aws:CurrentTime': NOW } }, expect: 'allow' },
  { name: 'DateNotEquals fails on the same instant', doc: DOC.operators, policy: cond({ DateNotEquals: { 'aws:CurrentTime': NOW } }), request: { context: { 'aws:CurrentTime': NOW } }, expect: 'implicit-deny' },
  { name: 'DateLessThanEquals and DateGreaterThanEquals match the boundary', doc: DOC.operators, policy: cond({ DateLessThanEquals: { 'aws:CurrentTime': NOW }, DateGreaterThanEquals: { 'aws:CurrentTime': '2025-06-01' } }), request: { context: { 'aws:CurrentTime': NOW } }, expect: 'allow' },
  { name: 'Date...IfExists forms on a missing key are true', doc: DOC.operators, policy: cond({ DateEqualsIfExists: { 'aws:TokenIssueTime': NOW }, DateNotEqualsIfExists: { 'aws:TokenIssueTime': NOW }, DateLessThanIfExists: { 'aws:TokenIssueTime': NOW }, DateLessThanEqualsIfExists: { 'aws:TokenIssueTime': NOW }, DateGreaterThanIfExists: { 'aws:TokenIssueTime': NOW }, DateGreaterThanEqualsIfExists: { 'aws:TokenIssueTime': NOW } }), request: {}, expect: 'allow' },
  { name: 'DateGreaterThan on a missing key is false', doc: DOC.operators, policy: cond({ DateGreaterThan: { 'aws:TokenIssueTime': '2020-01-01T00:00:01Z' } }), request: {}, expect: 'implicit-deny' },

  // --- Bool and Binary -------------------------------------------------------------------------
  { name: 'Bool matches "true"', doc: DOC.operators, policy: cond({ Bool: { 'aws:SecureTransport': 'true' } }), request: { context: { 'aws:SecureTransport': 'true' } }, expect: 'allow' },
  { name: 'Bool accepts a JSON boolean in the policy', doc: `${KMS}determining-access-key-policy.html`, policy: cond({ Bool: { 'kms:GrantIsForAWSResource': true } }), request: { context: { 'kms:GrantIsForAWSResource': 'true' } }, expect: 'allow' },
  { name: 'Bool on a missing key is false', doc: DOC.operators, policy: cond({ Bool: { 'aws:SecureTransport': 'true' } }), request: {}, expect: 'implicit-deny' },
  { name: 'BoolIfExists on a missing key is true', doc: DOC.operators, policy: cond({ BoolIfExists: { 'aws:SecureTransport': 'true' } }), request: {}, expect: 'allow' },
  { name: 'BoolIfExists on a present "false" is false', doc: DOC.operators, policy: cond({ BoolIfExists: { 'aws:SecureTransport': 'true' } }), request: { context: { 'aws:SecureTransport': 'false' } }, expect: 'implicit-deny' },
  { name: 'BinaryEquals compares the base64-decoded bytes', doc: DOC.operators, policy: cond({ BinaryEquals: { 'kms:RecipientAttestation:ImageSha384': 'QmluYXJ5VmFsdWVJbkJhc2U2NA==' } }), request: { context: { 'kms:RecipientAttestation:ImageSha384': 'QmluYXJ5VmFsdWVJbkJhc2U2NA==' } }, expect: 'allow' },
  { name: 'BinaryEquals with other bytes does not match', doc: DOC.operators, policy: cond({ BinaryEquals: { 'kms:X': 'AAAA' } }), request: { context: { 'kms:X': 'AAAB' } }, expect: 'implicit-deny' },
  { name: 'BinaryEqualsIfExists on a missing key is true', doc: DOC.operators, policy: cond({ BinaryEqualsIfExists: { 'kms:X': 'AAAA' } }), request: {}, expect: 'allow' },

  // --- IP address operators --------------------------------------------------------------------
  { name: 'IpAddress: an IPv4 address inside the CIDR block', doc: DOC.operators, policy: cond({ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }), request: { context: { 'aws:SourceIp': '203.0.113.77' } }, expect: 'allow' },
  { name: 'IpAddress: an IPv4 address outside the CIDR block', doc: DOC.operators, policy: cond({ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }), request: { context: { 'aws:SourceIp': '203.0.114.1' } }, expect: 'implicit-deny' },
  { name: 'IpAddress: an address without prefix means /32', doc: DOC.operators, policy: cond({ IpAddress: { 'aws:SourceIp': '203.0.113.5' } }), request: { context: { 'aws:SourceIp': '203.0.113.6' } }, expect: 'implicit-deny' },
  { name: 'IpAddress: IPv6 CIDR block with mixed IPv4/IPv6 list', doc: DOC.operators, policy: cond({ IpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '2001:DB8:1234:5678::/64'] } }), request: { context: { 'aws:SourceIp': '2001:db8:1234:5678:abcd::1' } }, expect: 'allow' },
  { name: 'IpAddress: an IPv4-mapped IPv6 source address matches an IPv4 block', doc: DOC.operators, policy: cond({ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }), request: { context: { 'aws:SourceIp': '::ffff:203.0.113.9' } }, expect: 'allow' },
  { name: 'NotIpAddress in a Deny blocks an address outside the range', doc: DOC.operators, policy: [...aliceMay(), denyTo('*', { Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } })], request: { context: { 'aws:SourceIp': '192.0.2.1' } }, expect: 'explicit-deny' },
  { name: 'NotIpAddress in a Deny lets an address inside the range through', doc: DOC.operators, policy: [...aliceMay(), denyTo('*', { Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } })], request: { context: { 'aws:SourceIp': '10.1.2.3' } }, expect: 'allow' },
  { name: 'IpAddressIfExists / NotIpAddressIfExists on a missing key are true', doc: DOC.operators, policy: cond({ IpAddressIfExists: { 'aws:SourceIp': '10.0.0.0/8' }, NotIpAddressIfExists: { 'aws:SourceIp': '10.0.0.0/8' } }), request: {}, expect: 'allow' },

  // --- ARN operators ---------------------------------------------------------------------------
  { name: 'ArnLike on aws:PrincipalArn with a wildcard', doc: DOC.operators, policy: [allowTo('*', { Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${OWNER}:user/*` } } })], identity: [], request: { context: { 'aws:PrincipalArn': ALICE } }, expect: 'allow' },
  { name: 'ArnEquals behaves like ArnLike', doc: DOC.operators, policy: [allowTo('*', { Condition: { ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${OWNER}:user/ali?e` } } })], identity: [], request: { context: { 'aws:PrincipalArn': ALICE } }, expect: 'allow' },
  { name: 'ArnLike wildcards do not cross colons (StringLike would match)', doc: DOC.operators, policy: cond({ ArnLike: { 'aws:SourceArn': `arn:aws:someservice:*:${OWNER}:finance/*` } }), request: { context: { 'aws:SourceArn': `arn:aws:someservice:us-east-2:999999999999:store/abc:${OWNER}:finance/document.txt` } }, expect: 'implicit-deny' },
  { name: 'StringLike on the same ARN matches across colons', doc: DOC.operators, policy: cond({ StringLike: { 'aws:SourceArn': `arn:aws:someservice:*:${OWNER}:finance/*` } }), request: { context: { 'aws:SourceArn': `arn:aws:someservice:us-east-2:999999999999:store/abc:${OWNER}:finance/document.txt` } }, expect: 'allow' },
  { name: 'ArnNotEquals / ArnNotLike fail on a matching ARN', doc: DOC.operators, policy: cond({ ArnNotLike: { 'aws:PrincipalArn': `arn:aws:iam::${OWNER}:user/*` } }), request: { context: { 'aws:PrincipalArn': ALICE } }, expect: 'implicit-deny' },
  { name: 'ArnLike with a pattern of fewer than six components matches nothing', doc: DOC.operators, policy: cond({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*' } }), request: { context: { 'aws:PrincipalArn': ALICE } }, expect: 'implicit-deny' },
  { name: 'ArnNotEquals on a different ARN is true', doc: DOC.operators, policy: cond({ ArnNotEquals: { 'aws:PrincipalArn': BOB } }), request: { context: { 'aws:PrincipalArn': ALICE } }, expect: 'allow' },
  { name: 'Arn...IfExists forms on a missing key are true', doc: DOC.operators, policy: cond({ ArnLikeIfExists: { 'aws:SourceArn': 'arn:aws:s3:::b' }, ArnEqualsIfExists: { 'aws:SourceArn': 'arn:aws:s3:::b' }, ArnNotLikeIfExists: { 'aws:SourceArn': 'arn:aws:s3:::b' }, ArnNotEqualsIfExists: { 'aws:SourceArn': 'arn:aws:s3:::b' } }), request: {}, expect: 'allow' },

  // --- Null ------------------------------------------------------------------------------------
  { name: 'Null "true" holds when the key is absent', doc: DOC.operators, policy: cond({ Null: { 'aws:TokenIssueTime': 'true' } }), request: {}, expect: 'allow' },
  { name: 'Null "true" fails when the key is present', doc: DOC.operators, policy: cond({ Null: { 'aws:TokenIssueTime': 'true' } }), request: { context: { 'aws:TokenIssueTime': NOW } }, expect: 'implicit-deny' },
  { name: 'Null "false" holds when the key is present', doc: DOC.operators, policy: cond({ Null: { 'kms:EncryptionContextKeys': false } }), request: { context: { 'kms:EncryptionContextKeys': ['tenant'] } }, expect: 'allow' },
  { name: 'Null "false" fails on an empty set', doc: DOC.multiValued, policy: cond({ Null: { 'kms:EncryptionContextKeys': 'false' } }), request: { context: { 'kms:EncryptionContextKeys': [] } }, expect: 'implicit-deny' },

  // --- Set operators ---------------------------------------------------------------------------
  { name: 'ForAnyValue:StringEquals: one of the request values is listed', doc: DOC.multiValued, policy: cond({ 'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': ['tenant', 'project'] } }), request: { context: { 'kms:EncryptionContextKeys': ['bucket', 'tenant'] } }, expect: 'allow' },
  { name: 'ForAnyValue:StringEquals: none listed', doc: DOC.multiValued, policy: cond({ 'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': 'tenant' } }), request: { context: { 'kms:EncryptionContextKeys': ['bucket'] } }, expect: 'implicit-deny' },
  { name: 'ForAnyValue on a missing key is false', doc: DOC.multiValued, policy: cond({ 'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': 'tenant' } }), request: {}, expect: 'implicit-deny' },
  { name: 'ForAnyValue on an empty set is false', doc: DOC.multiValued, policy: cond({ 'ForAnyValue:StringLike': { 'kms:EncryptionContextKeys': '*' } }), request: { context: { 'kms:EncryptionContextKeys': [] } }, expect: 'implicit-deny' },
  { name: 'ForAllValues:StringEquals: every request value is listed', doc: DOC.multiValued, policy: cond({ 'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['tenant', 'bucket', 'object'] } }), request: { context: { 'kms:EncryptionContextKeys': ['bucket', 'tenant'] } }, expect: 'allow' },
  { name: 'ForAllValues:StringEquals: one request value is not listed', doc: DOC.multiValued, policy: cond({ 'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['tenant'] } }), request: { context: { 'kms:EncryptionContextKeys': ['tenant', 'extra'] } }, expect: 'implicit-deny' },
  { name: 'ForAllValues on a missing key is true', doc: DOC.multiValued, policy: cond({ 'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': 'tenant' } }), request: {}, expect: 'allow' },
  { name: 'ForAllValues on an empty set is true', doc: DOC.multiValued, policy: cond({ 'ForAllValues:StringLike': { 'kms:EncryptionContextKeys': 'tenant*' } }), request: { context: { 'kms:EncryptionContextKeys': [] } }, expect: 'allow' },
  { name: 'ForAllValues:StringLike with wildcards', doc: DOC.multiValued, policy: cond({ 'ForAllValues:StringLike': { 'kms:EncryptionContextKeys': 'aws:*' } }), request: { context: { 'kms:EncryptionContextKeys': ['aws:s3:arn', 'aws:ebs:id'] } }, expect: 'allow' },
  { name: 'Deny ForAnyValue:StringEquals blocks a forbidden key among several', doc: DOC.multiValued, policy: [...aliceMay(), denyTo('*', { Condition: { 'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': 'secret' } } })], request: { context: { 'kms:EncryptionContextKeys': ['tenant', 'secret'] } }, expect: 'explicit-deny' },
  { name: 'ForAllValues:StringNotEquals: no request value is listed', doc: DOC.multiValued, policy: cond({ 'ForAllValues:StringNotEquals': { 'kms:EncryptionContextKeys': ['secret', 'internal'] } }), request: { context: { 'kms:EncryptionContextKeys': ['tenant', 'bucket'] } }, expect: 'allow' },
  { name: 'ForAnyValue:StringNotEquals: fails when every value is listed', doc: DOC.multiValued, policy: cond({ 'ForAnyValue:StringNotEquals': { 'kms:EncryptionContextKeys': ['tenant', 'bucket'] } }), request: { context: { 'kms:EncryptionContextKeys': ['bucket', 'tenant'] } }, expect: 'implicit-deny' },
  { name: 'ForAllValues:StringNotEquals on a single-valued request value that is listed fails', doc: DOC.multiValued, policy: cond({ 'ForAllValues:StringNotEquals': { 'kms:EncryptionContextKeys': 'secret' } }), request: { context: { 'kms:EncryptionContextKeys': 'secret' } }, expect: 'implicit-deny' },
  { name: 'ForAnyValue on an empty string is false (empty data set)', doc: `${IAM}reference_policies_multi-value-conditions.html`, policy: cond({ 'ForAnyValue:StringLike': { 'kms:EncryptionContextKeys': '*' } }), request: { context: { 'kms:EncryptionContextKeys': '' } }, expect: 'implicit-deny' },
  { name: 'ForAnyValue:StringEqualsIfExists on a missing key is true', doc: DOC.operators, policy: cond({ 'ForAnyValue:StringEqualsIfExists': { 'kms:EncryptionContextKeys': 'tenant' } }), request: {}, expect: 'allow' },

  // --- Encryption context ----------------------------------------------------------------------
  { name: 'kms:EncryptionContext:tenant = acme allows a request with it', doc: DOC.encryptionContext, policy: cond({ StringEquals: { 'kms:EncryptionContext:tenant': 'acme' } }), request: { context: { 'kms:EncryptionContext:tenant': 'acme', 'kms:EncryptionContextKeys': ['tenant'] } }, expect: 'allow' },
  { name: 'kms:EncryptionContext:tenant = acme denies a request without it', doc: DOC.encryptionContext, policy: cond({ StringEquals: { 'kms:EncryptionContext:tenant': 'acme' } }), request: { context: { 'kms:EncryptionContext:bucket': 'acme' } }, expect: 'implicit-deny' },
  { name: 'kms:EncryptionContext:tenant = acme denies another tenant', doc: DOC.encryptionContext, policy: cond({ StringEquals: { 'kms:EncryptionContext:tenant': 'acme' } }), request: { context: { 'kms:EncryptionContext:tenant': 'globex' } }, expect: 'implicit-deny' },
  { name: 'the encryption context key in the condition key name is case-insensitive', doc: DOC.encryptionContext, policy: cond({ StringEquals: { 'kms:EncryptionContext:Tenant': 'acme' } }), request: { context: { 'kms:encryptioncontext:tenant': 'acme' } }, expect: 'allow' },

  // --- Policy variables ------------------------------------------------------------------------
  { name: 'policy variable ${aws:PrincipalAccount} in a condition value', doc: DOC.variables, policy: [allowTo('*', { Condition: { StringEquals: { 'kms:CallerAccount': '${aws:PrincipalAccount}' } } })], identity: [], request: { context: { 'kms:CallerAccount': OWNER, 'aws:PrincipalAccount': OWNER } }, expect: 'allow' },
  { name: 'policy variables are literal text in a 2008-10-17 policy', doc: DOC.variables, policy: { Version: '2008-10-17', Statement: [allowTo('*', { Condition: { StringEquals: { 'kms:CallerAccount': '${aws:PrincipalAccount}' } } })] }, identity: [], request: { context: { 'kms:CallerAccount': OWNER, 'aws:PrincipalAccount': OWNER } }, expect: 'implicit-deny' },
  { name: 'policy variable default value when the key is missing', doc: DOC.variables, policy: cond({ StringEquals: { 'kms:EncryptionContext:tenant': "${kms:EncryptionContext:owner, 'acme'}" } }), request: { context: { 'kms:EncryptionContext:tenant': 'acme' } }, expect: 'allow' },
  { name: 'policy variable in Resource', doc: DOC.variables, policy: aliceMay({ Resource: 'arn:aws:kms:*:${aws:PrincipalAccount}:key/*' }), request: {}, expect: 'allow' },
  { name: 'policy variable value is literal in StringLike (its * is no wildcard)', doc: DOC.variables, policy: cond({ StringLike: { 'kms:EncryptionContext:path': 'home/${aws:username}/*' } }), request: { context: { 'aws:username': '*', 'kms:EncryptionContext:path': 'home/bob/file' } }, expect: 'implicit-deny' },
];

// The product page statement (seed Step 2): exactly the use actions, for both provider accounts.
for (const action of PRODUCT_ALLOWED) {
  cases.push({ name: `product policy: provider account may ${action}`, doc: DOC.seed, policy: productPolicy, request: { principal: STORAGE, action }, expect: 'allow' });
}
cases.push({ name: 'product policy: second provider account may Decrypt', doc: DOC.seed, policy: productPolicy, request: { principal: `arn:aws:sts::${PROVIDER2}:assumed-role/tenant-storage/i-0abc`, action: 'kms:Decrypt' }, expect: 'allow' });
cases.push({ name: 'product policy: provider Decrypt needs the provider\'s IAM allow', doc: DOC.seed, policy: productPolicy, identity: [], request: { principal: STORAGE, action: 'kms:Decrypt' }, expect: 'implicit-deny' });
for (const action of PRODUCT_DENIED) {
  cases.push({ name: `product policy: provider account may not ${action}`, doc: DOC.seed, policy: productPolicy, request: { principal: STORAGE, action }, expect: 'implicit-deny' });
}
cases.push({ name: 'product policy: an outsider account may not Decrypt', doc: DOC.seed, policy: productPolicy, request: { principal: `arn:aws:iam::${OUTSIDER}:user/mallory`, action: 'kms:Decrypt' }, expect: 'implicit-deny' });
cases.push({ name: 'product policy: the owner still administers the key through IAM', doc: DOC.seed, policy: productPolicy, request: { action: 'kms:PutKeyPolicy' }, expect: 'allow' });
cases.push({ name: 'product policy removed (revocation): provider Decrypt is denied', doc: DOC.seed, policy: DEFAULT, request: { principal: STORAGE, action: 'kms:Decrypt' }, expect: 'implicit-deny' });

describe('evaluateKeyAccess', () => {
  it('has at least 70 table cases, each citing a page', () => {
    assert.ok(cases.length >= 70, `${cases.length} cases`);
    for (const c of cases) assert.match(c.doc, /docs\.aws\.amazon\.com|seed/, c.name);
    assert.equal(new Set(cases.map((c) => c.name)).size, cases.length, 'case names are unique');
  });

  for (const c of cases) {
    it(c.name, () => {
      const keyPolicy = parsePolicy(doc(c.policy));
      const identity = c.identity?.map((p) => parsePolicy(doc(p)));
      assert.equal(evaluateKeyAccess(request(c.request), keyPolicy, identity), c.expect, `per ${c.doc}`);
    });
  }

  it('decides every table case alike when the context is given as a function, which it calls at most once', () => {
    for (const c of cases) {
      const keyPolicy = parsePolicy(doc(c.policy));
      const identity = c.identity?.map((p) => parsePolicy(doc(p)));
      const { context, ...rest } = request(c.request);
      let built = 0;
      const lazy = () => {
        built++;
        return context as Record<string, ContextValue>;
      };
      assert.equal(evaluateKeyAccess({ ...rest, context: lazy }, keyPolicy, identity), c.expect, c.name);
      assert.ok(built <= 1, `${c.name}: context built ${built} times`);
    }
  });

  it('never builds a context the policy does not read (the default key policy)', () => {
    const context = () => assert.fail('the default key policy has no condition and no variable');
    assert.equal(evaluateKeyAccess({ ...request({}), context }, parsePolicy(DEFAULT)), 'allow');
  });

  it('a parsed policy can be evaluated many times with different requests', () => {
    const p = parsePolicy(doc(cond({ StringEquals: { 'kms:EncryptionContext:tenant': '${aws:username}' } })));
    const r = (user: string, tenant: string) =>
      evaluateKeyAccess(request({ context: { 'aws:username': user, 'kms:EncryptionContext:tenant': tenant } }), p);
    assert.equal(r('acme', 'acme'), 'allow');
    assert.equal(r('globex', 'acme'), 'implicit-deny');
    assert.equal(r('globex', 'globex'), 'allow');
  });
});
