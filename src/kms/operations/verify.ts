import { z } from 'zod';
import { MessageTypeSpec, signingRequest, SigningAlgorithmSpec, verifyMessage } from '../asymmetric.js';
import { kmsError } from '../errors.js';
import { defineOperation } from '../operation.js';
import { Base64Blob, DryRun, GrantTokenList, KeyIdType } from '../shapes.js';
import { blob } from '../validate.js';

export const Verify = defineOperation({
  name: 'Verify',
  readOnly: true,
  input: z.object({
    KeyId: KeyIdType,
    Message: Base64Blob,
    MessageType: MessageTypeSpec,
    Signature: Base64Blob,
    SigningAlgorithm: SigningAlgorithmSpec,
    GrantTokens: GrantTokenList,
    DryRun,
  }),
  async run(ctx, input) {
    ctx.auditParameters = { keyId: input.KeyId, signingAlgorithm: input.SigningAlgorithm, messageType: input.MessageType ?? 'RAW' };
    const signature = blob(input.Signature, 'signature', 1, 6144);
    const { key, algorithm, messageType, message } = await signingRequest(ctx, input, 'kms:Verify', 'Verify');
    let valid: boolean;
    try {
      valid = verifyMessage(await ctx.material(key), algorithm, messageType, message, signature);
    } finally {
      message.fill(0);
    }
    // AWS answers an invalid signature with an error, never with SignatureValid: false.
    if (!valid) throw kmsError('invalid-signature-value', 'The signature verification failed.');
    return { KeyId: key.arn, SignatureValid: true, SigningAlgorithm: algorithm };
  },
});
