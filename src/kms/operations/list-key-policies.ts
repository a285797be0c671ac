import { z } from 'zod';
import { defineOperation } from '../operation.js';
import { KeyIdType, LimitType, MarkerType } from '../shapes.js';

export const ListKeyPolicies = defineOperation({
  name: 'ListKeyPolicies',
  readOnly: true,
  input: z.object({ KeyId: KeyIdType, Limit: LimitType, Marker: MarkerType }),
  async run(ctx, input) {
    ctx.auditParameters = { keyId: input.KeyId };
    await ctx.key(input.KeyId, { action: 'kms:ListKeyPolicies' });
    return { PolicyNames: ['default'], Truncated: false };
  },
});
