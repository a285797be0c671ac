import { z } from 'zod';
import { requireNotPendingDeletion } from '../key-states.js';
import { defineOperation } from '../operation.js';
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
    // The rotation schedule was kept while disabled: a date that passed meanwhile makes the next
    // scheduler run rotate the key at once, as AWS does.
    await ctx.save({ ...key, state: 'Enabled' });
    return {};
  },
});
