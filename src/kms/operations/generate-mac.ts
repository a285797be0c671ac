import { z } from 'zod';
import { computeMac, MacAlgorithmSpec, macRequest } from '../asymmetric.js';
import { defineOperation } from '../operation.js';
import { Base64Blob, DryRun, GrantTokenList, KeyIdType } from '../shapes.js';

export const GenerateMac = defineOperation({
  name: 'GenerateMac',
  readOnly: true,
  input: z.object({
    Message: Base64Blob,
    KeyId: KeyIdType,
    MacAlgorithm: MacAlgorithmSpec,
    GrantTokens: GrantTokenList,
    DryRun,
  }),
  async run(ctx, input) {
    ctx.auditParameters = { keyId: input.KeyId, macAlgorithm: input.MacAlgorithm };
    const { key, algorithm, message } = await macRequest(ctx, input, 'kms:GenerateMac', 'GenerateMac');
    try {
      const mac = computeMac(await ctx.material(key), algorithm, message);
      return { Mac: mac.toString('base64'), MacAlgorithm: algorithm, KeyId: key.arn };
    } finally {
      message.fill(0);
    }
  },
});
