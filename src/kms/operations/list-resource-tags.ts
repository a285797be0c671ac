import { z } from 'zod';
import { defineOperation } from '../operation.js';
import { decodeMarker, encodeMarker, KeyIdType, MarkerType } from '../shapes.js';

export const ListResourceTags = defineOperation({
  name: 'ListResourceTags',
  readOnly: true,
  input: z.object({ KeyId: KeyIdType, Limit: z.number().int().min(1).max(50).optional(), Marker: MarkerType }),
  async run(ctx, input) {
    ctx.auditParameters = { keyId: input.KeyId };
    const key = await ctx.key(input.KeyId, { action: 'kms:ListResourceTags' });
    const sorted = [...key.tags].sort((a, b) => (a.TagKey < b.TagKey ? -1 : 1));
    const after = decodeMarker(input.Marker);
    const rest = after === undefined ? sorted : sorted.filter((t) => t.TagKey > after);
    const limit = input.Limit ?? 50;
    const page = rest.slice(0, limit);
    const truncated = rest.length > limit;
    return { Tags: page, Truncated: truncated, ...(truncated ? { NextMarker: encodeMarker(page[page.length - 1]!.TagKey) } : {}) };
  },
});
