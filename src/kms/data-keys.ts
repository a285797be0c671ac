import { z } from 'zod';
import { kmsError } from './errors.js';
import type { OperationContext } from './operation.js';
import { contextConditions, DataKeySpec, EncryptionContextType, GrantTokenList, KeyIdType, NumberOfBytes } from './shapes.js';
import { encryptUnder } from './symmetric.js';

export const dataKeyInput = z.object({
  KeyId: KeyIdType,
  EncryptionContext: EncryptionContextType,
  NumberOfBytes,
  KeySpec: DataKeySpec,
  GrantTokens: GrantTokenList,
  Recipient: z.unknown().optional(),
  DryRun: z.boolean().optional(),
});

/** GenerateDataKey and its WithoutPlaintext twin: a fresh random key and its blob under `KeyId`. */
export async function generateDataKey(ctx: OperationContext, input: z.output<typeof dataKeyInput>, action: string) {
  ctx.auditParameters = {
    keyId: input.KeyId,
    ...(input.KeySpec ? { keySpec: input.KeySpec } : {}),
    ...(input.NumberOfBytes ? { numberOfBytes: input.NumberOfBytes } : {}),
    ...(input.EncryptionContext ? { encryptionContext: input.EncryptionContext } : {}),
  };
  if (input.KeySpec !== undefined && input.NumberOfBytes !== undefined) {
    throw kmsError('validation', 'Please specify either number of bytes or key spec, not both.');
  }
  if (input.KeySpec === undefined && input.NumberOfBytes === undefined) {
    throw kmsError('validation', 'Please specify either number of bytes or key spec.');
  }
  const key = await ctx.key(input.KeyId, { action, acceptAlias: true, conditions: contextConditions(input.EncryptionContext) });
  const bytes = input.NumberOfBytes ?? (input.KeySpec === 'AES_128' ? 16 : 32);
  const plaintext = ctx.deps.random(bytes);
  const sealed = await encryptUnder(ctx, key, plaintext, input.EncryptionContext);
  return { key, plaintext, sealed };
}
