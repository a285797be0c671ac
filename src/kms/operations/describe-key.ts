import { z } from 'zod';
import { keyMetadata } from '../metadata.js';
import { defineOperation } from '../operation.js';
import { GrantTokenList, KeyIdType } from '../shapes.js';

export const DescribeKey = defineOperation({
  name: 'DescribeKey',
  readOnly: true,
  input: z.object({ KeyId: KeyIdType, GrantTokens: GrantTokenList }),
  async run(ctx, input) {
    ctx.auditParameters = { keyId: input.KeyId };
    const key = await ctx.key(input.KeyId, { action: 'kms:DescribeKey', acceptAlias: true });
    const materials = await ctx.deps.keys.getMaterial(key.id, key.currentMaterial);
    return { KeyMetadata: keyMetadata(key, materials?.materialId) };
  },
});
