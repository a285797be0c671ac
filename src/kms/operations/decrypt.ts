import { z } from 'zod';
import { defineOperation } from '../operation.js';
import { Base64Blob, EncryptionAlgorithmSpec, EncryptionContextType, GrantTokenList, KeyIdType } from '../shapes.js';
import { checkAlgorithm, decryptBlob } from '../symmetric.js';
import { blob } from '../validate.js';

export const Decrypt = defineOperation({
  name: 'Decrypt',
  readOnly: true,
  input: z.object({
    CiphertextBlob: Base64Blob,
    EncryptionContext: EncryptionContextType,
    GrantTokens: GrantTokenList,
    KeyId: KeyIdType.optional(),
    EncryptionAlgorithm: EncryptionAlgorithmSpec,
    Recipient: z.unknown().optional(),
    DryRun: z.boolean().optional(),
  }),
  async run(ctx, input) {
    const algorithm = input.EncryptionAlgorithm ?? 'SYMMETRIC_DEFAULT';
    ctx.auditParameters = {
      ...(input.KeyId ? { keyId: input.KeyId } : {}),
      encryptionAlgorithm: algorithm,
      ...(input.EncryptionContext ? { encryptionContext: input.EncryptionContext } : {}),
    };
    const ciphertext = blob(input.CiphertextBlob, 'ciphertextBlob', 1, 6144);
    const { key, plaintext } = await decryptBlob(ctx, ciphertext, input.EncryptionContext, input.KeyId, 'kms:Decrypt', {
      'kms:EncryptionAlgorithm': algorithm,
    });
    checkAlgorithm(input.EncryptionAlgorithm, key);
    const out = plaintext.toString('base64');
    plaintext.fill(0);
    return { KeyId: key.arn, Plaintext: out, EncryptionAlgorithm: algorithm };
  },
});
