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
    // A disabled key is not rotated, but keeps its schedule: the scheduler skips keys that are not
    // Enabled, and a key re-enabled after its date rotates at once (AWS "Rotating AWS KMS keys").
    await ctx.save({ ...key, state: 'Disabled' });
    return {};
  },
});
