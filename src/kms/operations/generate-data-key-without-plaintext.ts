import { dataKeyInput, generateDataKey } from '../data-keys.js';
import { defineOperation } from '../operation.js';

export const GenerateDataKeyWithoutPlaintext = defineOperation({
  name: 'GenerateDataKeyWithoutPlaintext',
  readOnly: true,
  input: dataKeyInput.omit({ Recipient: true }),
  async run(ctx, input) {
    const { key, plaintext, sealed } = await generateDataKey(ctx, input, 'kms:GenerateDataKeyWithoutPlaintext');
    plaintext.fill(0);
    return { CiphertextBlob: sealed.toString('base64'), KeyId: key.arn };
  },
});
