import { dataKeyInput, generateDataKey } from '../data-keys.js';
import { defineOperation } from '../operation.js';

export const GenerateDataKey = defineOperation({
  name: 'GenerateDataKey',
  readOnly: true,
  input: dataKeyInput,
  async run(ctx, input) {
    const { key, plaintext, sealed } = await generateDataKey(ctx, input, 'kms:GenerateDataKey');
    const out = plaintext.toString('base64');
    plaintext.fill(0);
    return { CiphertextBlob: sealed.toString('base64'), Plaintext: out, KeyId: key.arn };
  },
});
