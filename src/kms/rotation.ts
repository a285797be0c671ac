import type { KeyRecord } from '../store/types.js';

export const DAY_MS = 86_400_000;
export const DEFAULT_ROTATION_PERIOD_DAYS = 365;

/** When automatic rotation is next due, counted from `from` (epoch ms). */
export function nextRotation(key: KeyRecord, from: number): number | undefined {
  if (!key.rotationEnabled || key.state !== 'Enabled') return undefined;
  return from + (key.rotationPeriodInDays ?? DEFAULT_ROTATION_PERIOD_DAYS) * DAY_MS;
}
