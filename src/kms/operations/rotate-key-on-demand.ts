import { z } from 'zod';
import { kmsError } from '../errors.js';
import { requireRotatable } from '../key-states.js';
import { newMaterial } from '../material.js';
import { defineOperation } from '../operation.js';
import { KeyIdType } from '../shapes.js';

/** AWS's per-key cap on on-demand rotations (botocore model, 2026). */
export const MAX_ON_DEMAND_ROTATIONS = 25;
const CONFLICT_WINDOW_MS = 20 * 60_000;

export const RotateKeyOnDemand = defineOperation({
  name: 'RotateKeyOnDemand',
  readOnly: false,
  input: z.object({ KeyId: KeyIdType }),
  async run(ctx, input) {
    ctx.auditParameters = { keyId: input.KeyId };
    const key = await ctx.key(input.KeyId, { action: 'kms:RotateKeyOnDemand' });
    requireRotatable(key, ctx.operation);
    if (key.onDemandRotations >= MAX_ON_DEMAND_ROTATIONS) {
      throw kmsError('limit-exceeded', `${key.arn} has reached the limit of ${MAX_ON_DEMAND_ROTATIONS} on-demand rotations.`);
    }
    const now = ctx.deps.clock();
    if (key.nextRotationAt !== undefined && key.nextRotationAt - now < CONFLICT_WINDOW_MS) {
      throw kmsError('conflict', `An automatic rotation of ${key.arn} is in progress or scheduled to begin within the next 20 minutes.`);
    }
    const version = key.currentMaterial + 1;
    const material = await newMaterial(ctx.deps, key, version, 'ON_DEMAND');
    // On-demand rotation leaves the automatic schedule as it was (AWS "On-demand key rotation").
    const rotated = { ...key, currentMaterial: version, onDemandRotations: key.onDemandRotations + 1, revision: key.revision + 1 };
    await ctx.deps.keys.rotate(rotated, material);
    ctx.deps.onKeyChange?.(key.arn);
    return { KeyId: key.arn };
  },
});
