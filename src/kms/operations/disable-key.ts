import { z } from 'zod';
import { requireNotPendingDeletion } from '../key-states.js';
import { defineOperation } from '../operation.js';
import { KeyIdType } from '../shapes.js';

export const DisableKey = defineOperation({
  name: 'DisableKey',
  readOnly: false,
  input: z.object({ KeyId: KeyIdType }),
  async run(ctx, input) {
    ctx.auditParameters = { keyId: input.KeyId };
    const key = await ctx.key(input.KeyId, { action: 'kms:DisableKey' });
    requireNotPendingDeletion(key);
    if (key.state === 'Disabled') return {};
    // A disabled key is not rotated (AWS "Rotating AWS KMS keys").
    const { nextRotationAt: _, ...rest } = key;
    await ctx.save({ ...rest, state: 'Disabled' });
    return {};
  },
});
