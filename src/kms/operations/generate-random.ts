import { z } from 'zod';
import { kmsError } from '../errors.js';
import { defineOperation } from '../operation.js';

export const GenerateRandom = defineOperation({
  name: 'GenerateRandom',
  readOnly: true,
  input: z.object({
    NumberOfBytes: z.number().int().min(1).max(1024).optional(),
    CustomKeyStoreId: z.string().min(1).max(64).optional(),
    Recipient: z.unknown().optional(),
  }),
  async run(ctx, input) {
    ctx.auditParameters = { numberOfBytes: input.NumberOfBytes ?? null };
    if (input.CustomKeyStoreId) throw kmsError('unsupported-operation', 'Custom key stores are not supported by this key service.');
    if (input.NumberOfBytes === undefined) {
      throw kmsError('validation', '1 validation error detected: Value null at \'numberOfBytes\' failed to satisfy constraint: Member must not be null');
    }
    ctx.authorizeAccount('kms:GenerateRandom');
    return { Plaintext: ctx.deps.random(input.NumberOfBytes).toString('base64') };
  },
});
