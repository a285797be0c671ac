import { z } from 'zod';
import { requireNotPendingDeletion } from '../key-states.js';
import { defineOperation } from '../operation.js';
import { DescriptionType, KeyIdType } from '../shapes.js';

export const UpdateKeyDescription = defineOperation({
  name: 'UpdateKeyDescription',
  readOnly: false,
  input: z.object({ KeyId: KeyIdType, Description: DescriptionType }),
  async run(ctx, input) {
    ctx.auditParameters = { keyId: input.KeyId, description: input.Description };
    const key = await ctx.key(input.KeyId, { action: 'kms:UpdateKeyDescription' });
    requireNotPendingDeletion(key);
    await ctx.save({ ...key, description: input.Description });
    return {};
  },
});
