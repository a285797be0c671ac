import { z } from 'zod';
import { requireNotPendingDeletion } from '../key-states.js';
import { defineOperation } from '../operation.js';
import { nextRotation } from '../rotation.js';
import { KeyIdType } from '../shapes.js';

export const EnableKey = defineOperation({
  name: 'EnableKey',
  readOnly: false,
  input: z.object({ KeyId: KeyIdType }),
  async run(ctx, input) {
    ctx.auditParameters = { keyId: input.KeyId };
    const key = await ctx.key(input.KeyId, { action: 'kms:EnableKey' });
    requireNotPendingDeletion(key);
    if (key.state === 'Enabled') return {};
    const enabled = { ...key, state: 'Enabled' as const };
    // AWS: a key re-enabled after its rotation date passed rotates at once, so the schedule counts
    // from the current material's creation, not from today.
    if (enabled.rotationEnabled) {
      const current = await ctx.deps.keys.getMaterial(key.id, key.currentMaterial);
      enabled.nextRotationAt = nextRotation(enabled, current?.createdAt ?? ctx.deps.clock());
    }
    await ctx.save(enabled);
    return {};
  },
});
