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
    // AWS UpdateAlias: same type (symmetric, asymmetric or HMAC) and same key usage; the spec may differ.
    const type = (spec: string) => (spec === 'SYMMETRIC_DEFAULT' ? 'symmetric' : spec.startsWith('HMAC_') ? 'HMAC' : 'asymmetric');
    if (current && (type(current.keySpec) !== type(target.keySpec) || current.keyUsage !== target.keyUsage)) {
      throw kmsError('validation', `Alias ${input.AliasName} must point to a key of the same type (symmetric, asymmetric or HMAC) and key usage.`);
    }
    await ctx.deps.keys.updateAlias({ ...alias, targetKeyId: target.id, updatedAt: ctx.deps.clock() });
    return {};
  },
});
