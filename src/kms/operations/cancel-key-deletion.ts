import { z } from 'zod';
import { kmsError } from '../errors.js';
import { defineOperation } from '../operation.js';
import { KeyIdType } from '../shapes.js';

export const CancelKeyDeletion = defineOperation({
  name: 'CancelKeyDeletion',
  readOnly: false,
  input: z.object({ KeyId: KeyIdType }),
  async run(ctx, input) {
    ctx.auditParameters = { keyId: input.KeyId };
    const key = await ctx.key(input.KeyId, { action: 'kms:CancelKeyDeletion' });
    if (key.state !== 'PendingDeletion') throw kmsError('invalid-state', `${key.arn} is not pending deletion.`);
    // AWS: a key whose deletion is cancelled is Disabled, whatever it was before.
    const { deletionAt: _d, pendingWindowInDays: _p, ...rest } = key;
    await ctx.save({ ...rest, state: 'Disabled' });
    ctx.auditResponse = { keyId: key.arn };
    return { KeyId: key.arn };
  },
});
