import { z } from 'zod';
import { DuplicateError } from '../../store/types.js';
import { checkAliasName } from '../aliases.js';
import { kmsError } from '../errors.js';
import { aliasArn } from '../key-ref.js';
import { requireNotPendingDeletion } from '../key-states.js';
import { defineOperation } from '../operation.js';
import { AliasNameType, KeyIdType } from '../shapes.js';

export const CreateAlias = defineOperation({
  name: 'CreateAlias',
  readOnly: false,
  input: z.object({ AliasName: AliasNameType, TargetKeyId: KeyIdType }),
  async run(ctx, input) {
    ctx.auditParameters = { aliasName: input.AliasName, targetKeyId: input.TargetKeyId };
    checkAliasName(input.AliasName);
    const key = await ctx.key(input.TargetKeyId, { action: 'kms:CreateAlias', member: 'targetKeyId' });
    requireNotPendingDeletion(key);
    const { accountId } = ctx.request.principal;
    const now = ctx.deps.clock();
    try {
      await ctx.deps.keys.createAlias({ accountId, region: ctx.request.region, name: input.AliasName, targetKeyId: key.id, createdAt: now, updatedAt: now });
    } catch (e) {
      if (e instanceof DuplicateError) {
        throw kmsError('already-exists', `An alias with the name ${aliasArn(ctx.request.region, accountId, input.AliasName)} already exists`);
      }
      throw e;
    }
    return {};
  },
});
