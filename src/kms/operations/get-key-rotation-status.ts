import { z } from 'zod';
import { requireSymmetric } from '../key-states.js';
import { defineOperation } from '../operation.js';
import { KeyIdType } from '../shapes.js';

export const GetKeyRotationStatus = defineOperation({
  name: 'GetKeyRotationStatus',
  readOnly: true,
  input: z.object({ KeyId: KeyIdType }),
  async run(ctx, input) {
    ctx.auditParameters = { keyId: input.KeyId };
    const key = await ctx.key(input.KeyId, { action: 'kms:GetKeyRotationStatus' });
    requireSymmetric(key, ctx.operation);
    // AWS: a key pending deletion reports false; cancelling the deletion restores the setting.
    const enabled = key.rotationEnabled && key.state !== 'PendingDeletion';
    return {
      KeyRotationEnabled: enabled,
      KeyId: key.arn,
      ...(key.rotationEnabled ? { RotationPeriodInDays: key.rotationPeriodInDays } : {}),
      ...(enabled && key.nextRotationAt !== undefined ? { NextRotationDate: key.nextRotationAt / 1000 } : {}),
    };
  },
});
