import { z } from 'zod';
import { defineOperation } from '../operation.js';
import { decodeMarker, encodeMarker, LimitType, MarkerType } from '../shapes.js';

export const ListKeys = defineOperation({
  name: 'ListKeys',
  readOnly: true,
  input: z.object({ Limit: LimitType, Marker: MarkerType }),
  async run(ctx, input) {
    ctx.authorizeAccount('kms:ListKeys');
    const after = decodeMarker(input.Marker);
    const page = await ctx.deps.keys.listKeys(ctx.request.principal.accountId, ctx.request.region, input.Limit ?? 100, after);
    return {
      Keys: page.items.map((k) => ({ KeyId: k.id, KeyArn: k.arn })),
      Truncated: page.next !== undefined,
      ...(page.next !== undefined ? { NextMarker: encodeMarker(page.next) } : {}),
    };
  },
});
