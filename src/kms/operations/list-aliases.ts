import { z } from 'zod';
import { aliasArn } from '../key-ref.js';
import { defineOperation } from '../operation.js';
import { decodeMarker, encodeMarker, KeyIdType, LimitType, MarkerType } from '../shapes.js';

export const ListAliases = defineOperation({
  name: 'ListAliases',
  readOnly: true,
  input: z.object({ KeyId: KeyIdType.optional(), Limit: LimitType, Marker: MarkerType }),
  async run(ctx, input) {
    const { region } = ctx.request;
    const { accountId } = ctx.request.principal;
    let keyId: string | undefined;
    if (input.KeyId !== undefined) {
      ctx.auditParameters = { keyId: input.KeyId };
      keyId = (await ctx.key(input.KeyId, { action: 'kms:ListAliases' })).id;
    } else {
      ctx.authorizeAccount('kms:ListAliases');
    }
    const page = await ctx.deps.keys.listAliases(accountId, region, keyId, input.Limit ?? 100, decodeMarker(input.Marker));
    return {
      Aliases: page.items.map((a) => ({
        AliasName: a.name,
        AliasArn: aliasArn(region, accountId, a.name),
        TargetKeyId: a.targetKeyId,
        CreationDate: a.createdAt / 1000,
        LastUpdatedDate: a.updatedAt / 1000,
      })),
      Truncated: page.next !== undefined,
      ...(page.next !== undefined ? { NextMarker: encodeMarker(page.next) } : {}),
    };
  },
});
