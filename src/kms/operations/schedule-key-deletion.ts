import { z } from 'zod';
import { kmsError } from '../errors.js';
import { defineOperation } from '../operation.js';
import { DAY_MS } from '../rotation.js';
import { KeyIdType } from '../shapes.js';

export const ScheduleKeyDeletion = defineOperation({
  name: 'ScheduleKeyDeletion',
  readOnly: false,
  input: z.object({ KeyId: KeyIdType, PendingWindowInDays: z.number().int().min(1).max(365).optional() }),
  async run(ctx, input) {
    const days = input.PendingWindowInDays ?? 30;
    ctx.auditParameters = { keyId: input.KeyId, pendingWindowInDays: days };
    if (days < 7 || days > 30) {
      throw kmsError('validation', 'PendingWindowInDays must be between 7 and 30');
    }
    const key = await ctx.key(input.KeyId, {
      action: 'kms:ScheduleKeyDeletion',
      conditions: { 'kms:ScheduleKeyDeletionPendingWindowInDays': String(days) },
    });
    if (key.state === 'PendingDeletion') throw kmsError('invalid-state', `${key.arn} is pending deletion.`);
    const deletionAt = ctx.deps.clock() + days * DAY_MS;
    // The rotation schedule stays (not acted on while pending): cancelling restores it, as AWS does.
    await ctx.save({ ...key, state: 'PendingDeletion', deletionAt, pendingWindowInDays: days });
    ctx.auditResponse = { keyId: key.arn, keyState: 'PendingDeletion', deletionDate: new Date(deletionAt).toISOString(), pendingWindowInDays: days };
    return { KeyId: key.arn, DeletionDate: deletionAt / 1000, KeyState: 'PendingDeletion', PendingWindowInDays: days };
  },
});
