import { z } from 'zod';
import { kmsError } from '../errors.js';
import { aliasArn } from '../key-ref.js';
import { defineOperation } from '../operation.js';
import { AliasNameType } from '../shapes.js';

export const DeleteAlias = defineOperation({
  name: 'DeleteAlias',
  readOnly: false,
  input: z.object({ AliasName: AliasNameType }),
  async run(ctx, input) {
    ctx.auditParameters = { aliasName: input.AliasName };
    const { region } = ctx.request;
    const { accountId } = ctx.request.principal;
    const alias = await ctx.deps.keys.getAlias(accountId, region, input.AliasName);
    if (!alias) throw kmsError('not-found', `Alias ${aliasArn(region, accountId, input.AliasName)} is not found.`);
    await ctx.key(alias.targetKeyId, { action: 'kms:DeleteAlias' });
    await ctx.deps.keys.deleteAlias(accountId, region, input.AliasName);
    return {};
  },
});
