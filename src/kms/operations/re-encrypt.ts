import { z } from 'zod';
import { defineOperation } from '../operation.js';
import { Base64Blob, contextConditions, EncryptionAlgorithmSpec, EncryptionContextType, GrantTokenList, KeyIdType } from '../shapes.js';
import { checkAlgorithm, decryptBlob, encryptUnder } from '../symmetric.js';
import { blob } from '../validate.js';
import { readBlobHeader } from '../../formats/ciphertext-blob.js';

function sameKey(ciphertext: Buffer, destinationKeyId: string): boolean {
  try {
    return readBlobHeader(ciphertext).keyId === destinationKeyId;
  } catch {
    return false;
  }
}

export const ReEncrypt = defineOperation({
  name: 'ReEncrypt',
  readOnly: true,
  input: z.object({
    CiphertextBlob: Base64Blob,
    SourceEncryptionContext: EncryptionContextType,
    SourceKeyId: KeyIdType.optional(),
    DestinationKeyId: KeyIdType,
    DestinationEncryptionContext: EncryptionContextType,
    SourceEncryptionAlgorithm: EncryptionAlgorithmSpec,
    DestinationEncryptionAlgorithm: EncryptionAlgorithmSpec,
    GrantTokens: GrantTokenList,
    DryRun: z.boolean().optional(),
  }),
  async run(ctx, input) {
    const sourceAlgorithm = input.SourceEncryptionAlgorithm ?? 'SYMMETRIC_DEFAULT';
    const destinationAlgorithm = input.DestinationEncryptionAlgorithm ?? 'SYMMETRIC_DEFAULT';
    ctx.auditParameters = {
      ...(input.SourceKeyId ? { sourceKeyId: input.SourceKeyId } : {}),
      destinationKeyId: input.DestinationKeyId,
      sourceEncryptionAlgorithm: sourceAlgorithm,
      destinationEncryptionAlgorithm: destinationAlgorithm,
      ...(input.SourceEncryptionContext ? { sourceEncryptionContext: input.SourceEncryptionContext } : {}),
      ...(input.DestinationEncryptionContext ? { destinationEncryptionContext: input.DestinationEncryptionContext } : {}),
    };
    const ciphertext = blob(input.CiphertextBlob, 'ciphertextBlob', 1, 6144);
    const destination = await ctx.key(input.DestinationKeyId, {
      action: 'kms:ReEncryptTo',
      acceptAlias: true,
      conditions: { ...contextConditions(input.DestinationEncryptionContext), 'kms:EncryptionAlgorithm': destinationAlgorithm },
      member: 'destinationKeyId',
    });
    const { key: source, plaintext } = await decryptBlob(ctx, ciphertext, input.SourceEncryptionContext, input.SourceKeyId, 'kms:ReEncryptFrom', {
      'kms:EncryptionAlgorithm': sourceAlgorithm,
      'kms:ReEncryptOnSameKey': String(sameKey(ciphertext, destination.id)),
    });
    checkAlgorithm(input.SourceEncryptionAlgorithm, source);
    checkAlgorithm(input.DestinationEncryptionAlgorithm, destination);
    try {
      const sealed = await encryptUnder(ctx, destination, plaintext, input.DestinationEncryptionContext);
      return {
        CiphertextBlob: sealed.toString('base64'),
        SourceKeyId: source.arn,
        KeyId: destination.arn,
        SourceEncryptionAlgorithm: sourceAlgorithm,
        DestinationEncryptionAlgorithm: destinationAlgorithm,
      };
    } finally {
      plaintext.fill(0);
    }
  },
});
