import { z } from 'zod';
import { MessageTypeSpec, signingRequest, signMessage, SigningAlgorithmSpec } from '../asymmetric.js';
import { defineOperation } from '../operation.js';
import { Base64Blob, DryRun, GrantTokenList, KeyIdType } from '../shapes.js';

export const Sign = defineOperation({
  name: 'Sign',
  readOnly: true,
  input: z.object({
    KeyId: KeyIdType,
    Message: Base64Blob,
    MessageType: MessageTypeSpec,
    GrantTokens: GrantTokenList,
    SigningAlgorithm: SigningAlgorithmSpec,
    DryRun,
  }),
  async run(ctx, input) {
    ctx.auditParameters = { keyId: input.KeyId, signingAlgorithm: input.SigningAlgorithm, messageType: input.MessageType ?? 'RAW' };
    const { key, algorithm, messageType, message } = await signingRequest(ctx, input, 'kms:Sign', 'Sign');
    try {
      const signature = signMessage(await ctx.material(key), algorithm, messageType, message, ctx.deps.random);
      return { KeyId: key.arn, Signature: signature.toString('base64'), SigningAlgorithm: algorithm };
    } finally {
      message.fill(0);
    }
  },
});
