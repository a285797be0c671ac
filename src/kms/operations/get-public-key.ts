import { z } from 'zod';
import { publicKeyOf } from '../asymmetric.js';
import { kmsError } from '../errors.js';
import { requireEnabled } from '../key-states.js';
import { keyMetadata } from '../metadata.js';
import { defineOperation } from '../operation.js';
import { GrantTokenList, KeyIdType } from '../shapes.js';

export const GetPublicKey = defineOperation({
  name: 'GetPublicKey',
  readOnly: true,
  input: z.object({
    KeyId: KeyIdType,
    GrantTokens: GrantTokenList,
  }),
  async run(ctx, input) {
    ctx.auditParameters = { keyId: input.KeyId };
    const key = await ctx.key(input.KeyId, { action: 'kms:GetPublicKey', acceptAlias: true });
    requireEnabled(key);
    if (key.keySpec === 'SYMMETRIC_DEFAULT' || key.keySpec === 'HMAC_256') {
      throw kmsError('unsupported-operation', `${key.arn} key spec is ${key.keySpec} which is not valid for GetPublicKey.`);
    }
    const { EncryptionAlgorithms, SigningAlgorithms } = keyMetadata(key);
    return {
      KeyId: key.arn,
      PublicKey: publicKeyOf(await ctx.material(key)).toString('base64'),
      CustomerMasterKeySpec: key.keySpec,
      KeySpec: key.keySpec,
      KeyUsage: key.keyUsage,
      ...(EncryptionAlgorithms ? { EncryptionAlgorithms } : {}),
      ...(SigningAlgorithms ? { SigningAlgorithms } : {}),
    };
  },
});
