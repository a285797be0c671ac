import { z } from 'zod';
import { requireNotPendingDeletion } from '../key-states.js';
import { defineOperation } from '../operation.js';
import { KeyIdType } from '../shapes.js';

export const UntagResource = defineOperation({
  name: 'UntagResource',
  readOnly: false,
  input: z.object({ KeyId: KeyIdType, TagKeys: z.array(z.string().min(1).max(128)) }),
  async run(ctx, input) {
    ctx.auditParameters = { keyId: input.KeyId, tagKeys: input.TagKeys };
    const key = await ctx.key(input.KeyId, { action: 'kms:UntagResource', conditions: { 'aws:TagKeys': input.TagKeys } });
    requireNotPendingDeletion(key);
    const remove = new Set(input.TagKeys);
    await ctx.save({ ...key, tags: key.tags.filter((t) => !remove.has(t.TagKey)) });
    return {};
  },
});
