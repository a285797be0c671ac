import { z } from 'zod';
import { MacAlgorithmSpec, macMatches, macRequest } from '../asymmetric.js';
import { kmsError } from '../errors.js';
import { defineOperation } from '../operation.js';
import { Base64Blob, DryRun, GrantTokenList, KeyIdType } from '../shapes.js';
import { blob } from '../validate.js';

export const VerifyMac = defineOperation({
  name: 'VerifyMac',
  readOnly: true,
  input: z.object({
    Message: Base64Blob,
    KeyId: KeyIdType,
    MacAlgorithm: MacAlgorithmSpec,
    Mac: Base64Blob,
    GrantTokens: GrantTokenList,
    DryRun,
  }),
  async run(ctx, input) {
    ctx.auditParameters = { keyId: input.KeyId, macAlgorithm: input.MacAlgorithm };
    const mac = blob(input.Mac, 'mac', 1, 6144);
    const { key, algorithm, message } = await macRequest(ctx, input, 'kms:VerifyMac', 'VerifyMac');
    let valid: boolean;
    try {
      valid = macMatches(await ctx.material(key), algorithm, message, mac);
    } finally {
      message.fill(0);
    }
    // AWS answers a wrong MAC with an error, never with MacValid: false.
    if (!valid) throw kmsError('invalid-mac', 'The MAC verification failed.');
    return { KeyId: key.arn, MacValid: true, MacAlgorithm: algorithm };
  },
});
