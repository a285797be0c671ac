import type { KeyRecord } from '../store/types.js';
import { StaleRevisionError } from '../store/types.js';
import type { KmsDeps } from './context.js';
import { newMaterial, type MaterialCache } from './material.js';
import { nextRotation } from './rotation.js';

/**
 * The key service's clockwork: rotates each key whose automatic rotation is due (keeping every
 * earlier version for Decrypt) and erases each key whose deletion window has passed, with all its
 * material and aliases. Safe to run from several nodes: a lost revision race just skips the key.
 */
export async function runDueWork(deps: KmsDeps, materials: MaterialCache): Promise<{ rotated: number; deleted: number }> {
  const now = deps.clock();
  let rotated = 0;
  let deleted = 0;
  for (const key of await deps.keys.listDue(now)) {
    try {
      if (key.state === 'PendingDeletion' && key.deletionAt !== undefined && key.deletionAt <= now) {
        await deps.keys.deleteKey(key.id, key.revision);
        materials.forget(key.id);
        deps.onKeyChange?.(key.arn);
        await deps.auditServiceEvent?.({ eventName: 'DeleteKey', eventTime: now, key });
        deleted++;
      } else if (key.nextRotationAt !== undefined && key.nextRotationAt <= now && key.state === 'Enabled') {
        await rotate(deps, key, now);
        await deps.auditServiceEvent?.({ eventName: 'RotateKey', eventTime: now, key });
        rotated++;
      }
    } catch (e) {
      if (!(e instanceof StaleRevisionError)) throw e;
    }
  }
  return { rotated, deleted };
}

async function rotate(deps: KmsDeps, key: KeyRecord, now: number): Promise<void> {
  const version = key.currentMaterial + 1;
  const material = await newMaterial(deps, key, version, 'AUTOMATIC');
  const updated: KeyRecord = { ...key, currentMaterial: version, revision: key.revision + 1 };
  const next = nextRotation(updated, now);
  if (next === undefined) delete updated.nextRotationAt;
  else updated.nextRotationAt = next;
  await deps.keys.rotate(updated, material);
  deps.onKeyChange?.(key.arn);
}
