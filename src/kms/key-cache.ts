import type { KeyRecord, KeyStore } from '../store/types.js';

export interface KeyRecordCache {
  /** The key as the store holds it now, or undefined when it holds no such key in `region`. */
  get(region: string, keyId: string): Promise<KeyRecord | undefined>;
}

/**
 * Parsed key records, so that a hot key's document (policy included, up to 32 KB) is not read and
 * `JSON.parse`d on every request. Every call still asks the store for the key's revision, which
 * every change bumps, and uses a kept record only while it is at that revision: a change made by
 * another request, node or process is seen by the very next request. Only the parse is reused;
 * authorization is still decided per request. Bounded, least recently used first out.
 *
 * Records handed out are frozen, being shared between requests: an operation that changes a key
 * builds a new record (`{ ...key, … }`), as they all do.
 */
export function createKeyRecordCache(keys: KeyStore, capacity = 10_000): KeyRecordCache {
  const cache = new Map<string, KeyRecord>();
  return {
    async get(region, keyId) {
      const revision = await keys.getKeyRevision(region, keyId);
      if (revision === undefined) return undefined;
      const hit = cache.get(keyId);
      if (hit !== undefined && hit.revision === revision && hit.region === region) {
        cache.delete(keyId);
        cache.set(keyId, hit);
        return hit;
      }
      // The key may have changed again since its revision was read: keep whatever revision comes.
      const key = await keys.getKey(region, keyId);
      if (key === undefined) return undefined;
      deepFreeze(key);
      cache.delete(keyId);
      if (cache.size >= capacity) cache.delete(cache.keys().next().value!);
      cache.set(keyId, key);
      return key;
    },
  };
}

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
}
