import { z } from 'zod';
import { checkAliasName } from '../aliases.js';
import { kmsError } from '../errors.js';
import { aliasArn } from '../key-ref.js';
import { defineOperation } from '../operation.js';
import { AliasNameType, KeyIdType } from '../shapes.js';

export const UpdateAlias = defineOperation({
  name: 'UpdateAlias',
  readOnly: false,
  input: z.object({ AliasName: AliasNameType, TargetKeyId: KeyIdType }),
  async run(ctx, input) {
    ctx.auditParameters = { aliasName: input.AliasName, targetKeyId: input.TargetKeyId };
    checkAliasName(input.AliasName);
    const { region } = ctx.request;
    const { accountId } = ctx.request.principal;
    const alias = await ctx.deps.keys.getAlias(accountId, region, input.AliasName);
    if (!alias) throw kmsError('not-found', `Alias ${aliasArn(region, accountId, input.AliasName)} is not found.`);
    const target = await ctx.key(input.TargetKeyId, { action: 'kms:UpdateAlias', member: 'targetKeyId' });
    const current = await ctx.deps.keys.getKey(region, alias.targetKeyId);
    if (current) await ctx.key(current.id, { action: 'kms:UpdateAlias' });
    // AWS: the new target may not be pending deletion; the old one may.
    if (target.state === 'PendingDeletion') throw kmsError('invalid-state', `${target.arn} is pending deletion.`);
    if (current && (current.keySpec !== target.keySpec || current.keyUsage !== target.keyUsage)) {
      throw kmsError('validation', `Alias ${input.AliasName} must point to a key of the same key spec and key usage.`);
    }
    await ctx.deps.keys.updateAlias({ ...alias, targetKeyId: target.id, updatedAt: ctx.deps.clock() });
    return {};
  },
});
