import { z } from 'zod';
import { requireSymmetric } from '../key-states.js';
import { defineOperation } from '../operation.js';
import { decodeMarker, encodeMarker, KeyIdType, LimitType, MarkerType } from '../shapes.js';

export const ListKeyRotations = defineOperation({
  name: 'ListKeyRotations',
  readOnly: true,
  input: z.object({
    KeyId: KeyIdType,
    IncludeKeyMaterial: z.enum(['ALL_KEY_MATERIAL', 'ROTATIONS_ONLY']).optional(),
    Limit: LimitType,
    Marker: MarkerType,
  }),
  async run(ctx, input) {
    ctx.auditParameters = { keyId: input.KeyId };
    const key = await ctx.key(input.KeyId, { action: 'kms:ListKeyRotations' });
    requireSymmetric(key, ctx.operation);
    const all = await ctx.deps.keys.listMaterials(key.id);
    const shown = input.IncludeKeyMaterial === 'ALL_KEY_MATERIAL' ? all : all.filter((m) => m.version > 1);
    const after = Number(decodeMarker(input.Marker) ?? 0);
    const rest = shown.filter((m) => m.version > after);
    const limit = input.Limit ?? 100;
    const page = rest.slice(0, limit);
    const truncated = rest.length > limit;
    return {
      Rotations: page.map((m) => ({
        KeyId: key.arn,
        KeyMaterialId: m.materialId,
        KeyMaterialState: m.version === key.currentMaterial ? 'CURRENT' : 'NON_CURRENT',
        ...(m.rotationType ? { RotationDate: m.createdAt / 1000, RotationType: m.rotationType } : {}),
      })),
      Truncated: truncated,
      ...(truncated ? { NextMarker: encodeMarker(String(page[page.length - 1]!.version)) } : {}),
    };
  },
});
