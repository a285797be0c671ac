import { z } from 'zod';
import { defineOperation } from '../operation.js';
import { Base64Blob, contextConditions, EncryptionAlgorithmSpec, EncryptionContextType, GrantTokenList, KeyIdType } from '../shapes.js';
import { checkAlgorithm, encryptUnder } from '../symmetric.js';
import { blob } from '../validate.js';

export const Encrypt = defineOperation({
  name: 'Encrypt',
  readOnly: true,
  input: z.object({
    KeyId: KeyIdType,
    Plaintext: Base64Blob,
    EncryptionContext: EncryptionContextType,
    GrantTokens: GrantTokenList,
    EncryptionAlgorithm: EncryptionAlgorithmSpec,
    DryRun: z.boolean().optional(),
  }),
  async run(ctx, input) {
    const algorithm = input.EncryptionAlgorithm ?? 'SYMMETRIC_DEFAULT';
    ctx.auditParameters = { keyId: input.KeyId, encryptionAlgorithm: algorithm, ...(input.EncryptionContext ? { encryptionContext: input.EncryptionContext } : {}) };
    const plaintext = blob(input.Plaintext, 'plaintext', 1, 4096);
    const key = await ctx.key(input.KeyId, {
      action: 'kms:Encrypt',
      acceptAlias: true,
      conditions: { ...contextConditions(input.EncryptionContext), 'kms:EncryptionAlgorithm': algorithm },
    });
    checkAlgorithm(input.EncryptionAlgorithm, key);
    const sealed = await encryptUnder(ctx, key, plaintext, input.EncryptionContext);
    plaintext.fill(0);
    return { CiphertextBlob: sealed.toString('base64'), KeyId: key.arn, EncryptionAlgorithm: algorithm };
  },
});
