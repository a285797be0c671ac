import {
  DuplicateError,
  StaleRevisionError,
  type AliasRecord,
  type CredentialRecord,
  type KeyRecord,
  type MaterialRecord,
  type Page,
  type Stores,
} from '../types.js';
import { createMemoryObjectStore } from './objects.js';
import { createMemoryTenantStore } from './tenants.js';

/** In-memory stores for unit tests. Same contract as the durable drivers, nothing survives. */
export function createMemoryStores(): Stores {
  const keys = new Map<string, KeyRecord>();
  const materials = new Map<string, MaterialRecord[]>();
  const aliases = new Map<string, AliasRecord>();
  const credentials = new Map<string, CredentialRecord>();
  const aliasKey = (accountId: string, region: string, name: string) => `${accountId}/${region}/${name}`;
  // structuredClone turns a Buffer into a plain Uint8Array, so the records holding one copy it back.
  const clone = <T>(value: T): T => structuredClone(value);
  const cloneMaterial = (m: MaterialRecord): MaterialRecord => ({ ...m, wrapped: Buffer.from(m.wrapped) });
  const cloneCredential = (c: CredentialRecord): CredentialRecord => ({ ...c, wrappedSecret: Buffer.from(c.wrappedSecret) });

  function page<T>(items: T[], position: (item: T) => string, limit: number, after?: string): Page<T> {
    const sorted = items.sort((a, b) => (position(a) < position(b) ? -1 : 1)).filter((i) => after === undefined || position(i) > after);
    const taken = sorted.slice(0, limit);
    return sorted.length > limit ? { items: taken, next: position(taken[taken.length - 1]!) } : { items: taken };
  }

  function checkRevision(key: KeyRecord): void {
    const stored = keys.get(key.id);
    if (!stored || stored.revision !== key.revision - 1) throw new StaleRevisionError(`key ${key.id}`);
  }

  return {
    keys: {
      async createKey(key, material) {
        if (keys.has(key.id)) throw new DuplicateError(`key ${key.id}`);
        keys.set(key.id, clone(key));
        materials.set(key.id, [cloneMaterial(material)]);
      },
      async getKey(region, keyId) {
        const key = keys.get(keyId);
        return key && key.region === region ? clone(key) : undefined;
      },
      async getKeyRevision(region, keyId) {
        const key = keys.get(keyId);
        return key && key.region === region ? key.revision : undefined;
      },
      async listKeys(accountId, region, limit, after) {
        const mine = [...keys.values()].filter((k) => k.accountId === accountId && k.region === region);
        const result = page(mine, (k) => k.id, limit, after);
        return { ...result, items: result.items.map(clone) };
      },
      async updateKey(key) {
        checkRevision(key);
        keys.set(key.id, clone(key));
      },
      async rotate(key, material) {
        checkRevision(key);
        // Both halves or neither: refuse before changing the key, as the SQL drivers' transaction does.
        if (materials.get(key.id)!.some((m) => m.version === material.version)) throw new DuplicateError(`material ${key.id}/${material.version}`);
        keys.set(key.id, clone(key));
        materials.get(key.id)!.push(cloneMaterial(material));
      },
      async getMaterial(keyId, version) {
        const found = materials.get(keyId)?.find((m) => m.version === version);
        return found && cloneMaterial(found);
      },
      async listMaterials(keyId) {
        return (materials.get(keyId) ?? []).map(cloneMaterial);
      },
      async deleteKey(keyId, revision) {
        if (revision !== undefined && keys.get(keyId)?.revision !== revision) throw new StaleRevisionError(`key ${keyId}`);
        keys.delete(keyId);
        materials.delete(keyId);
        for (const [k, alias] of aliases) if (alias.targetKeyId === keyId) aliases.delete(k);
      },
      async listDue(now) {
        return [...keys.values()]
          .filter((k) => (k.deletionAt !== undefined && k.deletionAt <= now) || (k.nextRotationAt !== undefined && k.nextRotationAt <= now))
          .map(clone);
      },
      async createAlias(alias) {
        const k = aliasKey(alias.accountId, alias.region, alias.name);
        if (aliases.has(k)) throw new DuplicateError(`alias ${alias.name}`);
        aliases.set(k, clone(alias));
      },
      async getAlias(accountId, region, name) {
        const found = aliases.get(aliasKey(accountId, region, name));
        return found && clone(found);
      },
      async updateAlias(alias) {
        aliases.set(aliasKey(alias.accountId, alias.region, alias.name), clone(alias));
      },
      async deleteAlias(accountId, region, name) {
        aliases.delete(aliasKey(accountId, region, name));
      },
      async listAliases(accountId, region, keyId, limit, after) {
        const mine = [...aliases.values()].filter(
          (a) => a.accountId === accountId && a.region === region && (keyId === undefined || a.targetKeyId === keyId),
        );
        const result = page(mine, (a) => a.name, limit, after);
        return { ...result, items: result.items.map(clone) };
      },
    },
    credentials: {
      async putCredential(credential) {
        credentials.set(credential.accessKeyId, cloneCredential(credential));
      },
      async getCredential(accessKeyId) {
        const found = credentials.get(accessKeyId);
        return found && cloneCredential(found);
      },
      async listCredentials() {
        return [...credentials.values()].map(cloneCredential);
      },
    },
    objects: createMemoryObjectStore(),
    tenants: createMemoryTenantStore(),
    async close() {},
  };
}
