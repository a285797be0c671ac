import { z } from 'zod';
import { parsePolicy, PolicyError, type Policy } from '../../policy/index.js';
import { checkLockout } from '../authorize.js';
import { KmsError, kmsError } from '../errors.js';
import { requireNotPendingDeletion } from '../key-states.js';
import { defineOperation } from '../operation.js';
import { KeyIdType, PolicyNameType, PolicyType } from '../shapes.js';

// `aws kms get-key-policy … --output text` prints Policy, a tab, then PolicyName ("default"); a file
// saved that way and sent back is not JSON. AWS only says the document is malformed; we say why.
const TEXT_OUTPUT_TAIL = /\}\s*\tdefault\s*$/;

/** The MalformedPolicyDocumentException for a policy that did not parse, or LimitExceeded when too large. */
export function policyError(e: PolicyError, document: string): KmsError {
  if (e.code === 'policy-too-large') return kmsError('limit-exceeded', e.message);
  if (TEXT_OUTPUT_TAIL.test(document)) {
    return kmsError(
      'malformed-policy',
      'The policy document ends with a tab and "default": it looks like the output of `aws kms get-key-policy --output text`, ' +
        'which prints the policy name after the policy. Save the policy with `--query Policy --output text`, or delete the trailing "default".',
    );
  }
  return kmsError('malformed-policy', e.message);
}

/** Parses a key policy document, answering as KMS does when it is malformed or too large. */
export function parseKeyPolicy(document: string): Policy {
  try {
    return parsePolicy(document);
  } catch (e) {
    if (e instanceof PolicyError) throw policyError(e, document);
    throw e;
  }
}

export const PutKeyPolicy = defineOperation({
  name: 'PutKeyPolicy',
  readOnly: false,
  input: z.object({
    KeyId: KeyIdType,
    PolicyName: PolicyNameType.optional(),
    Policy: PolicyType,
    BypassPolicyLockoutSafetyCheck: z.boolean().optional(),
  }),
  async run(ctx, input) {
    const bypass = input.BypassPolicyLockoutSafetyCheck ?? false;
    ctx.auditParameters = { keyId: input.KeyId, policyName: input.PolicyName ?? 'default', policy: input.Policy, bypassPolicyLockoutSafetyCheck: bypass };
    const key = await ctx.key(input.KeyId, {
      action: 'kms:PutKeyPolicy',
      conditions: { 'kms:BypassPolicyLockoutSafetyCheck': String(bypass) },
    });
    if ((input.PolicyName ?? 'default') !== 'default') throw kmsError('not-found', `No such policy exists: ${input.PolicyName}`);
    requireNotPendingDeletion(key);
    const parsed = parseKeyPolicy(input.Policy);
    if (!bypass) checkLockout(ctx.request, key, parsed);
    await ctx.save({ ...key, policy: input.Policy });
    return {};
  },
});
