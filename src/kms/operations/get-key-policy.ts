import { z } from 'zod';
import { kmsError } from '../errors.js';
import { defineOperation } from '../operation.js';
import { KeyIdType, PolicyNameType } from '../shapes.js';

export const GetKeyPolicy = defineOperation({
  name: 'GetKeyPolicy',
  readOnly: true,
  input: z.object({ KeyId: KeyIdType, PolicyName: PolicyNameType.optional() }),
  async run(ctx, input) {
    const policyName = input.PolicyName ?? 'default';
    ctx.auditParameters = { keyId: input.KeyId, policyName };
    const key = await ctx.key(input.KeyId, { action: 'kms:GetKeyPolicy' });
    if (policyName !== 'default') throw kmsError('not-found', `No such policy exists: ${policyName}`);
    return { Policy: key.policy, PolicyName: 'default' };
  },
});
