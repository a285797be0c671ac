import { z } from 'zod';
import type { Tag } from '../../store/types.js';
import { kmsError } from '../errors.js';
import { requireNotPendingDeletion } from '../key-states.js';
import { defineOperation } from '../operation.js';
import { KeyIdType, TagList } from '../shapes.js';

const MAX_TAGS = 50;

/** AWS tag rules: no `aws:` prefix, at most 50 tags per key. */
export function checkTags(tags: readonly Tag[]): void {
  for (const t of tags) {
    if (t.TagKey.toLowerCase().startsWith('aws:')) throw kmsError('tag', `Tag key ${t.TagKey} uses the reserved prefix aws:`);
  }
  if (tags.length > MAX_TAGS) throw kmsError('tag', `A key can have at most ${MAX_TAGS} tags.`);
}

export const TagResource = defineOperation({
  name: 'TagResource',
  readOnly: false,
  input: z.object({ KeyId: KeyIdType, Tags: TagList }),
  async run(ctx, input) {
    ctx.auditParameters = { keyId: input.KeyId, tags: input.Tags };
    const key = await ctx.key(input.KeyId, { action: 'kms:TagResource', conditions: { 'aws:TagKeys': input.Tags.map((t) => t.TagKey) } });
    requireNotPendingDeletion(key);
    const merged = new Map(key.tags.map((t) => [t.TagKey, t.TagValue]));
    for (const t of input.Tags) merged.set(t.TagKey, t.TagValue);
    const tags = [...merged].map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
    checkTags(tags);
    await ctx.save({ ...key, tags });
    return {};
  },
});
