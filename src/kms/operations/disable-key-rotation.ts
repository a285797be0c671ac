import { z } from 'zod';
import { requireRotatable } from '../key-states.js';
import { defineOperation } from '../operation.js';
import { KeyIdType } from '../shapes.js';

export const DisableKeyRotation = defineOperation({
  name: 'DisableKeyRotation',
  readOnly: false,
  input: z.object({ KeyId: KeyIdType }),
  async run(ctx, input) {
    ctx.auditParameters = { keyId: input.KeyId };
    const key = await ctx.key(input.KeyId, { action: 'kms:DisableKeyRotation' });
    requireRotatable(key, ctx.operation);
    const { nextRotationAt: _, ...rest } = key;
    await ctx.save({ ...rest, rotationEnabled: false });
    return {};
  },
});
