import { generateKeyPairSync } from 'node:crypto';
import type { KeyRecord, KeySpec, MaterialRecord, RotationType } from '../store/types.js';
import type { KmsDeps } from './context.js';
import { kmsError } from './errors.js';

/** docs/formats.md §2: what binds sealed material to its key and version. */
export function materialPurpose(keyArn: string, version: number): string {
  return `opencmk/v1/material/${keyArn}/${version}`;
}

/**
 * Fresh key material for a key spec: 32 random bytes for AES-256-GCM and HMAC_256, a PKCS#8 DER
 * private key for the asymmetric specs (the public key is derived from it when asked).
 */
export function generateMaterial(spec: KeySpec, random: (n: number) => Buffer): Buffer {
  switch (spec) {
    case 'SYMMETRIC_DEFAULT':
    case 'HMAC_256':
      return random(32);
    case 'RSA_2048':
    case 'RSA_3072':
    case 'RSA_4096':
      return generateKeyPairSync('rsa', { modulusLength: Number(spec.slice(4)) }).privateKey.export({ format: 'der', type: 'pkcs8' });
    case 'ECC_NIST_P256':
    case 'ECC_NIST_P384':
      return generateKeyPairSync('ec', { namedCurve: spec === 'ECC_NIST_P256' ? 'prime256v1' : 'secp384r1' }).privateKey.export({
        format: 'der',
        type: 'pkcs8',
      });
  }
}

/** Makes and seals a new material version for `key`. The plaintext is zeroed once sealed. */
export async function newMaterial(deps: KmsDeps, key: KeyRecord, version: number, rotationType?: RotationType): Promise<MaterialRecord> {
  const plain = generateMaterial(key.keySpec, deps.random);
  try {
    return {
      keyId: key.id,
      version,
      materialId: deps.random(32).toString('hex'),
      wrapped: await deps.root.seal(plain, materialPurpose(key.arn, version)),
      createdAt: deps.clock(),
      ...(rotationType ? { rotationType } : {}),
    };
  } finally {
    plain.fill(0);
  }
}

export interface MaterialCache {
  get(key: KeyRecord, version: number): Promise<Buffer>;
  /** Forgets (and zeroes) every cached version of a key, when it is erased. */
  forget(keyId: string): void;
}

/**
 * Unwrapped material by key and version, so that a hot key is unsealed once, not per request.
 * Kept in memory only; bounded, least recently used first out.
 */
export function createMaterialCache(deps: KmsDeps, capacity = 10_000): MaterialCache {
  const cache = new Map<string, Buffer>();
  return {
    async get(key, version) {
      const id = `${key.id}:${version}`;
      const hit = cache.get(id);
      if (hit) {
        cache.delete(id);
        cache.set(id, hit);
        return hit;
      }
      const stored = await deps.keys.getMaterial(key.id, version);
      if (!stored) throw kmsError('internal', `kms: material ${version} of ${key.arn} is missing`);
      const plain = await deps.root.open(stored.wrapped, materialPurpose(key.arn, version));
      if (cache.size >= capacity) cache.delete(cache.keys().next().value!);
      cache.set(id, plain);
      return plain;
    },
    forget(keyId) {
      for (const [id, buf] of cache) {
        if (id.startsWith(`${keyId}:`)) {
          buf.fill(0);
          cache.delete(id);
        }
      }
    },
  };
}
