import { z } from 'zod';
import { requireRotatable } from '../key-states.js';
import { defineOperation } from '../operation.js';
import { DEFAULT_ROTATION_PERIOD_DAYS, nextRotation } from '../rotation.js';
import { KeyIdType } from '../shapes.js';

export const EnableKeyRotation = defineOperation({
  name: 'EnableKeyRotation',
  readOnly: false,
  input: z.object({ KeyId: KeyIdType, RotationPeriodInDays: z.number().int().min(90).max(2560).optional() }),
  async run(ctx, input) {
    const period = input.RotationPeriodInDays ?? DEFAULT_ROTATION_PERIOD_DAYS;
    ctx.auditParameters = { keyId: input.KeyId, rotationPeriodInDays: period };
    const key = await ctx.key(input.KeyId, { action: 'kms:EnableKeyRotation', conditions: { 'kms:RotationPeriodInDays': String(period) } });
    requireRotatable(key, ctx.operation);
    const enabled = { ...key, rotationEnabled: true, rotationPeriodInDays: period };
    // The first automatic rotation is one period after rotation is enabled (AWS "Automatic key rotation").
    enabled.nextRotationAt = nextRotation(enabled, ctx.deps.clock());
    await ctx.save(enabled);
    return {};
  },
});
