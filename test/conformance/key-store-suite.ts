// The one conformance suite every store driver runs (STYLE habit 9, after unstorage `testDriver`):
// memory and sqlite today, postgres later. A driver test file only says how to make fresh stores:
//
//   testKeyStore('sqlite', async () => ({ stores: createSqliteStores(path), cleanup: async () => rm(dir) }));
//
// `makeStores` must return empty stores, independent of any other call's. The suite closes the
// stores itself (`stores.close()`), then calls `cleanup()`.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  DuplicateError,
  StaleRevisionError,
  type AliasRecord,
  type CredentialRecord,
  type KeyRecord,
  type KeyStore,
  type MaterialRecord,
  type Page,
  type Stores,
} from '../../src/store/types.js';

export interface StoresUnderTest {
  stores: Stores;
  /** Removes whatever the driver left behind (temp dirs, schemas); called after `stores.close()`. */
  cleanup(): Promise<void>;
}
export type MakeStores = () => Promise<StoresUnderTest>;

/** Stores that can be closed and opened again over the same data (durable drivers). */
export interface ReopenableStores {
  open(): Promise<Stores>;
  cleanup(): Promise<void>;
}

export const ACCOUNT = '111122223333';
export const OTHER_ACCOUNT = '444455556666';
export const REGION = 'us-east-1';
export const OTHER_REGION = 'eu-west-1';
const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;

/** A UUID-shaped key id whose order follows `n` (so paging order is known in advance). */
export function keyId(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

export function keyRecord(n: number, overrides: Partial<KeyRecord> = {}): KeyRecord {
  const id = overrides.id ?? keyId(n);
  const accountId = overrides.accountId ?? ACCOUNT;
  const region = overrides.region ?? REGION;
  return {
    id,
    arn: `arn:aws:kms:${region}:${accountId}:key/${id}`,
    accountId,
    region,
    description: `key ${n} — ünïcode`,
    keySpec: 'SYMMETRIC_DEFAULT',
    keyUsage: 'ENCRYPT_DECRYPT',
    origin: 'AWS_KMS',
    state: 'Enabled',
    createdAt: T0 + n,
    policy: `{"Version":"2012-10-17","Statement":[{"Sid":"k${n}","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::${accountId}:root"},"Action":"kms:*","Resource":"*"}]}`,
    rotationEnabled: false,
    onDemandRotations: 0,
    currentMaterial: 1,
    tags: [{ TagKey: 'n', TagValue: String(n) }],
    revision: 1,
    ...overrides,
  };
}

/** A material record whose `wrapped` bytes are distinct per key and version, and not valid UTF-8. */
export function materialRecord(key: KeyRecord, version: number, overrides: Partial<MaterialRecord> = {}): MaterialRecord {
  const wrapped = Buffer.alloc(61);
  for (let i = 0; i < wrapped.length; i++) wrapped[i] = (i * 37 + version * 11 + key.id.charCodeAt(35)) & 0xff;
  wrapped[0] = 0xff;
  wrapped[1] = 0x00;
  return {
    keyId: key.id,
    version,
    materialId: `${version.toString(16).padStart(2, '0')}${'ab'.repeat(31)}`,
    wrapped,
    createdAt: key.createdAt + version * DAY,
    ...(version > 1 ? { rotationType: version % 2 === 0 ? 'ON_DEMAND' : 'AUTOMATIC' } : {}),
    ...overrides,
  };
}

export function aliasRecord(name: string, target: KeyRecord, overrides: Partial<AliasRecord> = {}): AliasRecord {
  return {
    accountId: target.accountId,
    region: target.region,
    name,
    targetKeyId: target.id,
    createdAt: T0 + 5,
    updatedAt: T0 + 5,
    ...overrides,
  };
}

export function credentialRecord(n: number, overrides: Partial<CredentialRecord> = {}): CredentialRecord {
  return {
    accessKeyId: `AKIATEST${n.toString().padStart(12, '0')}`,
    accountId: ACCOUNT,
    principalArn: `arn:aws:iam::${ACCOUNT}:user/u${n}`,
    wrappedSecret: Buffer.from([0x01, 0x00, 0xff, 0xfe, n & 0xff, ...Buffer.from(`sealed-secret-${n}`)]),
    createdAt: T0 + n,
    ...overrides,
  };
}

/** Follows `next` from the first page to the last; fails on a page larger than asked, or a loop. */
async function allPages<T>(fetch: (after?: string) => Promise<Page<T>>, limit: number): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let after: string | undefined;
  for (let pages = 1; pages <= 100; pages++) {
    const page = await fetch(after);
    assert.ok(page.items.length <= limit, `a page holds ${page.items.length} items, more than the limit ${limit}`);
    items.push(...page.items);
    if (page.next === undefined) return { items, pages };
    assert.ok(page.items.length > 0, 'a page with `next` must hold items');
    assert.equal(typeof page.next, 'string');
    after = page.next;
  }
  assert.fail('paging did not end after 100 pages');
}

const ids = (keys: KeyRecord[]) => keys.map((k) => k.id);
const sortedIds = (keys: KeyRecord[]) => ids(keys).sort();

function assertMaterial(actual: MaterialRecord | undefined, expected: MaterialRecord): void {
  assert.ok(actual, `material ${expected.keyId}/${expected.version} is missing`);
  assert.ok(Buffer.isBuffer(actual.wrapped), 'wrapped must come back as a Buffer');
  assert.deepEqual(actual, expected);
}

/**
 * The KeyStore and CredentialStore contract: every method, its edge cases, and the shape of what
 * comes back (Buffers stay Buffers, absent optional fields stay absent).
 */
export function testKeyStore(name: string, makeStores: MakeStores): void {
  describe(`KeyStore conformance: ${name}`, () => {
    let under: StoresUnderTest;
    let keys: KeyStore;
    beforeEach(async () => {
      under = await makeStores();
      keys = under.stores.keys;
    });
    afterEach(async () => {
      await under.stores.close();
      await under.cleanup();
    });

    describe('createKey / getKey', () => {
      it('stores a key with its first material and gives both back unchanged', async () => {
        const key = keyRecord(1);
        const material = materialRecord(key, 1);
        await keys.createKey(key, material);
        assert.deepEqual(await keys.getKey(REGION, key.id), key);
        assertMaterial(await keys.getMaterial(key.id, 1), material);
      });

      it('keeps every optional field, and leaves absent ones absent', async () => {
        const full = keyRecord(2, {
          state: 'PendingDeletion',
          deletionAt: T0 + 7 * DAY,
          pendingWindowInDays: 7,
          rotationEnabled: true,
          rotationPeriodInDays: 90,
          nextRotationAt: T0 + 90 * DAY,
          onDemandRotations: 3,
          currentMaterial: 4,
          keySpec: 'HMAC_256',
          keyUsage: 'GENERATE_VERIFY_MAC',
          tags: [],
        });
        const bare = keyRecord(3);
        await keys.createKey(full, materialRecord(full, 1));
        await keys.createKey(bare, materialRecord(bare, 1));
        assert.deepEqual(await keys.getKey(REGION, full.id), full);
        const got = await keys.getKey(REGION, bare.id);
        assert.deepEqual(got, bare);
        for (const field of ['deletionAt', 'pendingWindowInDays', 'rotationPeriodInDays', 'nextRotationAt'] as const) {
          assert.equal(Object.hasOwn(got!, field), false, `${field} must stay absent`);
        }
      });

      it('finds a key only in its own region', async () => {
        const key = keyRecord(1);
        await keys.createKey(key, materialRecord(key, 1));
        assert.equal(await keys.getKey(OTHER_REGION, key.id), undefined);
        assert.ok(await keys.getKey(REGION, key.id));
      });

      it('answers undefined for a key that does not exist', async () => {
        assert.equal(await keys.getKey(REGION, keyId(99)), undefined);
      });

      it('refuses a second key with the same id (DuplicateError) and keeps the first', async () => {
        const key = keyRecord(1);
        await keys.createKey(key, materialRecord(key, 1));
        const again = keyRecord(1, { description: 'impostor' });
        await assert.rejects(keys.createKey(again, materialRecord(again, 1, { materialId: 'ff'.repeat(32) })), DuplicateError);
        assert.deepEqual(await keys.getKey(REGION, key.id), key);
        assert.deepEqual(await keys.listMaterials(key.id), [materialRecord(key, 1)]);
      });

      it('hands out copies: changing a record given or received does not change the store', async () => {
        const key = keyRecord(1);
        const material = materialRecord(key, 1);
        await keys.createKey(key, material);
        key.description = 'changed after create';
        key.tags.push({ TagKey: 'x', TagValue: 'y' });
        material.wrapped[5] ^= 0xff;
        const got = (await keys.getKey(REGION, key.id))!;
        assert.deepEqual(got, keyRecord(1));
        got.tags.length = 0;
        const m = (await keys.getMaterial(key.id, 1))!;
        assert.deepEqual(m, materialRecord(keyRecord(1), 1));
        m.wrapped.fill(0);
        assert.deepEqual(await keys.getKey(REGION, key.id), keyRecord(1));
        assert.deepEqual(await keys.getMaterial(key.id, 1), materialRecord(keyRecord(1), 1));
      });
    });

    describe('getKeyRevision', () => {
      it('answers the stored revision of a key, in its own region only', async () => {
        const key = keyRecord(1, { revision: 4 });
        await keys.createKey(key, materialRecord(key, 1));
        assert.equal(await keys.getKeyRevision(REGION, key.id), 4);
        assert.equal(await keys.getKeyRevision(OTHER_REGION, key.id), undefined);
        assert.equal(await keys.getKeyRevision(REGION, keyId(99)), undefined);
      });

      it('follows every change: updateKey and rotate bump it, deleteKey ends it', async () => {
        const key = keyRecord(1);
        await keys.createKey(key, materialRecord(key, 1));
        const updated = { ...key, description: 'new', revision: 2 };
        await keys.updateKey(updated);
        assert.equal(await keys.getKeyRevision(REGION, key.id), 2);
        const rotated = { ...updated, currentMaterial: 2, revision: 3 };
        await keys.rotate(rotated, materialRecord(rotated, 2));
        assert.equal(await keys.getKeyRevision(REGION, key.id), 3);
        assert.equal((await keys.getKey(REGION, key.id))?.revision, 3, 'the revision read agrees with the record');
        await keys.deleteKey(key.id);
        assert.equal(await keys.getKeyRevision(REGION, key.id), undefined);
      });

      it('keeps a refused change from moving it', async () => {
        const key = keyRecord(1);
        await keys.createKey(key, materialRecord(key, 1));
        await assert.rejects(keys.updateKey({ ...key, revision: 3 }), StaleRevisionError);
        assert.equal(await keys.getKeyRevision(REGION, key.id), 1);
      });
    });

    describe('listKeys', () => {
      async function seed(): Promise<KeyRecord[]> {
        // Created out of order, so that an insertion-ordered driver shows itself.
        const mine = [5, 1, 4, 2, 3].map((n) => keyRecord(n));
        const others = [keyRecord(6, { accountId: OTHER_ACCOUNT }), keyRecord(7, { region: OTHER_REGION }), keyRecord(0, { accountId: OTHER_ACCOUNT, region: OTHER_REGION })];
        for (const k of [...mine, ...others]) await keys.createKey(k, materialRecord(k, 1));
        return mine.sort((a, b) => (a.id < b.id ? -1 : 1));
      }

      it('lists only the account and region asked for, in key id order', async () => {
        const mine = await seed();
        const page = await keys.listKeys(ACCOUNT, REGION, 100);
        assert.deepEqual(page.items, mine);
        assert.equal(page.next, undefined);
        assert.deepEqual(ids((await keys.listKeys(OTHER_ACCOUNT, REGION, 100)).items), [keyId(6)]);
        assert.deepEqual(ids((await keys.listKeys(ACCOUNT, OTHER_REGION, 100)).items), [keyId(7)]);
        assert.deepEqual((await keys.listKeys('999999999999', REGION, 100)).items, []);
      });

      it('pages with limit and next, without gaps or repeats', async () => {
        const mine = await seed();
        for (const limit of [1, 2, 3, 4]) {
          const { items, pages } = await allPages((after) => keys.listKeys(ACCOUNT, REGION, limit, after), limit);
          assert.deepEqual(ids(items), ids(mine), `limit ${limit}`);
          assert.equal(pages, Math.ceil(mine.length / limit), `pages at limit ${limit}`);
        }
      });

      it('gives no next when the page holds exactly the last items', async () => {
        await seed();
        const exact = await keys.listKeys(ACCOUNT, REGION, 5);
        assert.equal(exact.items.length, 5);
        assert.equal(exact.next, undefined);
        const first = await keys.listKeys(ACCOUNT, REGION, 2);
        assert.deepEqual(ids(first.items), [keyId(1), keyId(2)]);
        assert.notEqual(first.next, undefined);
        const second = await keys.listKeys(ACCOUNT, REGION, 3, first.next);
        assert.deepEqual(ids(second.items), [keyId(3), keyId(4), keyId(5)]);
        assert.equal(second.next, undefined);
      });

      it('continues correctly when keys are added or deleted between pages', async () => {
        await seed();
        const first = await keys.listKeys(ACCOUNT, REGION, 2);
        await keys.deleteKey(keyId(3));
        const late = keyRecord(8);
        await keys.createKey(late, materialRecord(late, 1));
        const rest = await allPages((after) => keys.listKeys(ACCOUNT, REGION, 2, after ?? first.next), 2);
        assert.deepEqual(ids(rest.items), [keyId(4), keyId(5), keyId(8)]);
      });
    });

    describe('updateKey', () => {
      it('replaces the key when its revision is one past the stored one', async () => {
        const key = keyRecord(1);
        await keys.createKey(key, materialRecord(key, 1));
        const updated = { ...key, description: 'second', state: 'Disabled' as const, revision: 2 };
        await keys.updateKey(updated);
        assert.deepEqual(await keys.getKey(REGION, key.id), updated);
        const third = { ...updated, description: 'third', revision: 3 };
        await keys.updateKey(third);
        assert.deepEqual(await keys.getKey(REGION, key.id), third);
      });

      it('refuses a stale or skipped revision with StaleRevisionError and changes nothing', async () => {
        const key = keyRecord(1);
        await keys.createKey(key, materialRecord(key, 1));
        await keys.updateKey({ ...key, description: 'won', revision: 2 });
        await assert.rejects(keys.updateKey({ ...key, description: 'stale', revision: 2 }), StaleRevisionError);
        await assert.rejects(keys.updateKey({ ...key, description: 'same', revision: 1 }), StaleRevisionError);
        await assert.rejects(keys.updateKey({ ...key, description: 'skipped', revision: 4 }), StaleRevisionError);
        const got = await keys.getKey(REGION, key.id);
        assert.equal(got?.description, 'won');
        assert.equal(got?.revision, 2);
      });

      it('refuses to update a key that does not exist (StaleRevisionError), creating nothing', async () => {
        const ghost = keyRecord(9, { revision: 2 });
        await assert.rejects(keys.updateKey(ghost), StaleRevisionError);
        assert.equal(await keys.getKey(REGION, ghost.id), undefined);
      });

      it('lets exactly one of two writers with the same revision win', async () => {
        const key = keyRecord(1);
        await keys.createKey(key, materialRecord(key, 1));
        const results = await Promise.allSettled([
          keys.updateKey({ ...key, description: 'a', revision: 2 }),
          keys.updateKey({ ...key, description: 'b', revision: 2 }),
        ]);
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        assert.ok(loser.reason instanceof StaleRevisionError, String(loser.reason));
        const winner = results[0]!.status === 'fulfilled' ? 'a' : 'b';
        assert.equal((await keys.getKey(REGION, key.id))?.description, winner);
      });

      it('drops optional fields the new record leaves out', async () => {
        const key = keyRecord(1, { rotationEnabled: true, rotationPeriodInDays: 90, nextRotationAt: T0 + DAY });
        await keys.createKey(key, materialRecord(key, 1));
        const { nextRotationAt: _, ...rest } = key;
        await keys.updateKey({ ...rest, state: 'Disabled', revision: 2 });
        const got = await keys.getKey(REGION, key.id);
        assert.equal(Object.hasOwn(got!, 'nextRotationAt'), false);
        assert.deepEqual(await keys.listDue(T0 + 400 * DAY), [], 'a key without nextRotationAt is not due');
      });
    });

    describe('rotate / getMaterial / listMaterials', () => {
      it('adds material and moves currentMaterial in one step', async () => {
        const key = keyRecord(1);
        await keys.createKey(key, materialRecord(key, 1));
        const v2 = { ...key, currentMaterial: 2, onDemandRotations: 1, revision: 2 };
        await keys.rotate(v2, materialRecord(key, 2));
        const v3 = { ...v2, currentMaterial: 3, revision: 3 };
        await keys.rotate(v3, materialRecord(key, 3));
        assert.deepEqual(await keys.getKey(REGION, key.id), v3);
        for (const version of [1, 2, 3]) assertMaterial(await keys.getMaterial(key.id, version), materialRecord(key, version));
      });

      it('lists materials in version order, with rotationType only where set', async () => {
        const key = keyRecord(1);
        await keys.createKey(key, materialRecord(key, 1));
        let current = key;
        for (const version of [2, 3, 4, 5]) {
          current = { ...current, currentMaterial: version, revision: current.revision + 1 };
          await keys.rotate(current, materialRecord(key, version));
        }
        const listed = await keys.listMaterials(key.id);
        assert.deepEqual(listed.map((m) => m.version), [1, 2, 3, 4, 5]);
        listed.forEach((m, i) => assertMaterial(m, materialRecord(key, i + 1)));
        assert.equal(Object.hasOwn(listed[0]!, 'rotationType'), false);
        assert.equal(listed[1]!.rotationType, 'ON_DEMAND');
        assert.equal(listed[2]!.rotationType, 'AUTOMATIC');
      });

      it('keeps each key’s materials apart', async () => {
        const a = keyRecord(1);
        const b = keyRecord(2);
        await keys.createKey(a, materialRecord(a, 1));
        await keys.createKey(b, materialRecord(b, 1));
        await keys.rotate({ ...b, currentMaterial: 2, revision: 2 }, materialRecord(b, 2));
        assert.deepEqual(await keys.listMaterials(a.id), [materialRecord(a, 1)]);
        assert.deepEqual(await keys.listMaterials(b.id), [materialRecord(b, 1), materialRecord(b, 2)]);
        assert.equal(await keys.getMaterial(a.id, 2), undefined);
      });

      it('answers undefined / [] for material that does not exist', async () => {
        const key = keyRecord(1);
        await keys.createKey(key, materialRecord(key, 1));
        assert.equal(await keys.getMaterial(key.id, 2), undefined);
        assert.equal(await keys.getMaterial(key.id, 0), undefined);
        assert.equal(await keys.getMaterial(keyId(42), 1), undefined);
        assert.deepEqual(await keys.listMaterials(keyId(42)), []);
      });

      it('refuses a stale revision (StaleRevisionError) and then adds no material', async () => {
        const key = keyRecord(1);
        await keys.createKey(key, materialRecord(key, 1));
        await keys.updateKey({ ...key, description: 'moved on', revision: 2 });
        await assert.rejects(keys.rotate({ ...key, currentMaterial: 2, revision: 2 }, materialRecord(key, 2)), StaleRevisionError);
        assert.equal(await keys.getMaterial(key.id, 2), undefined);
        assert.deepEqual(await keys.listMaterials(key.id), [materialRecord(key, 1)]);
        const got = await keys.getKey(REGION, key.id);
        assert.equal(got?.currentMaterial, 1);
        assert.equal(got?.description, 'moved on');
      });

      it('changes nothing when the material cannot be added (a version that exists)', async () => {
        const key = keyRecord(1);
        await keys.createKey(key, materialRecord(key, 1));
        const bad = { ...key, currentMaterial: 2, description: 'half-rotated', revision: 2 };
        await assert.rejects(keys.rotate(bad, materialRecord(key, 1, { materialId: 'ee'.repeat(32) })), DuplicateError);
        assert.deepEqual(await keys.getKey(REGION, key.id), key, 'the key must not move when its material was not added');
        assert.deepEqual(await keys.listMaterials(key.id), [materialRecord(key, 1)]);
      });

      it('lets exactly one of two concurrent rotations from the same revision win', async () => {
        const key = keyRecord(1);
        await keys.createKey(key, materialRecord(key, 1));
        const next = { ...key, currentMaterial: 2, revision: 2 };
        const results = await Promise.allSettled([
          keys.rotate(next, materialRecord(key, 2)),
          keys.rotate({ ...next, description: 'other node' }, materialRecord(key, 2, { materialId: 'dd'.repeat(32) })),
        ]);
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        assert.deepEqual((await keys.listMaterials(key.id)).map((m) => m.version), [1, 2]);
      });
    });

    describe('deleteKey', () => {
      it('erases the key, every material version and the aliases that point to it', async () => {
        const key = keyRecord(1);
        const keep = keyRecord(2);
        await keys.createKey(key, materialRecord(key, 1));
        await keys.rotate({ ...key, currentMaterial: 2, revision: 2 }, materialRecord(key, 2));
        await keys.createKey(keep, materialRecord(keep, 1));
        await keys.createAlias(aliasRecord('alias/one', key));
        await keys.createAlias(aliasRecord('alias/two', key));
        await keys.createAlias(aliasRecord('alias/kept', keep));

        await keys.deleteKey(key.id);
        assert.equal(await keys.getKey(REGION, key.id), undefined);
        assert.equal(await keys.getMaterial(key.id, 1), undefined);
        assert.equal(await keys.getMaterial(key.id, 2), undefined);
        assert.deepEqual(await keys.listMaterials(key.id), []);
        assert.equal(await keys.getAlias(ACCOUNT, REGION, 'alias/one'), undefined);
        assert.equal(await keys.getAlias(ACCOUNT, REGION, 'alias/two'), undefined);
        assert.deepEqual((await keys.listAliases(ACCOUNT, REGION, key.id, 100)).items, []);
        assert.deepEqual(ids((await keys.listKeys(ACCOUNT, REGION, 100)).items), [keep.id]);

        assert.deepEqual(await keys.getKey(REGION, keep.id), keep);
        assert.deepEqual(await keys.listMaterials(keep.id), [materialRecord(keep, 1)]);
        assert.deepEqual(await keys.getAlias(ACCOUNT, REGION, 'alias/kept'), aliasRecord('alias/kept', keep));
      });

      it('takes a deleted key out of listDue', async () => {
        const key = keyRecord(1, { state: 'PendingDeletion', deletionAt: T0 + DAY, pendingWindowInDays: 7 });
        await keys.createKey(key, materialRecord(key, 1));
        assert.deepEqual(ids(await keys.listDue(T0 + DAY)), [key.id]);
        await keys.deleteKey(key.id);
        assert.deepEqual(await keys.listDue(T0 + DAY), []);
      });

      it('lets the id be used again after deletion', async () => {
        const key = keyRecord(1);
        await keys.createKey(key, materialRecord(key, 1));
        await keys.deleteKey(key.id);
        const reborn = keyRecord(1, { description: 'reborn' });
        await keys.createKey(reborn, materialRecord(reborn, 1, { materialId: 'cc'.repeat(32) }));
        assert.deepEqual(await keys.getKey(REGION, key.id), reborn);
        assert.deepEqual(await keys.listMaterials(key.id), [materialRecord(reborn, 1, { materialId: 'cc'.repeat(32) })]);
      });

      it('is a no-op for a key that does not exist', async () => {
        const key = keyRecord(1);
        await keys.createKey(key, materialRecord(key, 1));
        await keys.deleteKey(keyId(77));
        assert.deepEqual(await keys.getKey(REGION, key.id), key);
      });
    });

    describe('listDue', () => {
      it('returns keys whose deletion or rotation is due at or before now, across accounts and regions', async () => {
        const now = T0 + 100 * DAY;
        const records = [
          keyRecord(1, { state: 'PendingDeletion', deletionAt: now - 1, pendingWindowInDays: 7 }),
          keyRecord(2, { state: 'PendingDeletion', deletionAt: now, pendingWindowInDays: 7, accountId: OTHER_ACCOUNT }),
          keyRecord(3, { state: 'PendingDeletion', deletionAt: now + 1, pendingWindowInDays: 7 }),
          keyRecord(4, { rotationEnabled: true, rotationPeriodInDays: 90, nextRotationAt: now - DAY }),
          keyRecord(5, { rotationEnabled: true, rotationPeriodInDays: 90, nextRotationAt: now, region: OTHER_REGION }),
          keyRecord(6, { rotationEnabled: true, rotationPeriodInDays: 90, nextRotationAt: now + 1 }),
          keyRecord(7),
          keyRecord(8, { state: 'Disabled', rotationEnabled: true }),
        ];
        for (const k of records) await keys.createKey(k, materialRecord(k, 1));
        const due = await keys.listDue(now);
        assert.deepEqual(sortedIds(due), [keyId(1), keyId(2), keyId(4), keyId(5)]);
        assert.deepEqual(due.find((k) => k.id === keyId(5)), records[4], 'listDue returns whole records');
        assert.deepEqual(sortedIds(await keys.listDue(now + 1)), [keyId(1), keyId(2), keyId(3), keyId(4), keyId(5), keyId(6)]);
        assert.deepEqual(await keys.listDue(now - DAY - 1), []);
      });

      it('lists a key that is due for both reasons once', async () => {
        const key = keyRecord(1, { state: 'PendingDeletion', deletionAt: T0, pendingWindowInDays: 7, nextRotationAt: T0, rotationEnabled: true });
        await keys.createKey(key, materialRecord(key, 1));
        assert.deepEqual(ids(await keys.listDue(T0)), [key.id]);
      });

      it('follows updates: a moved or cleared date moves the key in or out', async () => {
        const key = keyRecord(1, { rotationEnabled: true, rotationPeriodInDays: 90, nextRotationAt: T0 + 90 * DAY });
        await keys.createKey(key, materialRecord(key, 1));
        assert.deepEqual(await keys.listDue(T0 + 10 * DAY), []);
        const sooner = { ...key, nextRotationAt: T0 + 10 * DAY, revision: 2 };
        await keys.updateKey(sooner);
        assert.deepEqual(ids(await keys.listDue(T0 + 10 * DAY)), [key.id]);
        const rotated = { ...sooner, currentMaterial: 2, nextRotationAt: T0 + 100 * DAY, revision: 3 };
        await keys.rotate(rotated, materialRecord(key, 2));
        assert.deepEqual(await keys.listDue(T0 + 10 * DAY), []);
        const { nextRotationAt: _, ...cleared } = rotated;
        await keys.updateKey({ ...cleared, state: 'PendingDeletion', deletionAt: T0 + 20 * DAY, pendingWindowInDays: 7, revision: 4 });
        assert.deepEqual(await keys.listDue(T0 + 19 * DAY), []);
        assert.deepEqual(ids(await keys.listDue(T0 + 20 * DAY)), [key.id]);
      });
    });

    describe('aliases', () => {
      let a: KeyRecord;
      let b: KeyRecord;
      beforeEach(async () => {
        a = keyRecord(1);
        b = keyRecord(2);
        await keys.createKey(a, materialRecord(a, 1));
        await keys.createKey(b, materialRecord(b, 1));
      });

      it('creates and gets an alias by account, region and name', async () => {
        const alias = aliasRecord('alias/app/prod', a);
        await keys.createAlias(alias);
        assert.deepEqual(await keys.getAlias(ACCOUNT, REGION, 'alias/app/prod'), alias);
        assert.equal(await keys.getAlias(ACCOUNT, OTHER_REGION, 'alias/app/prod'), undefined);
        assert.equal(await keys.getAlias(OTHER_ACCOUNT, REGION, 'alias/app/prod'), undefined);
        assert.equal(await keys.getAlias(ACCOUNT, REGION, 'alias/app'), undefined);
      });

      it('refuses a second alias of the same name in the same account and region (DuplicateError)', async () => {
        await keys.createAlias(aliasRecord('alias/x', a));
        await assert.rejects(keys.createAlias(aliasRecord('alias/x', b)), DuplicateError);
        assert.equal((await keys.getAlias(ACCOUNT, REGION, 'alias/x'))?.targetKeyId, a.id);
      });

      it('allows the same name in another account or region', async () => {
        await keys.createAlias(aliasRecord('alias/x', a));
        const elsewhere = keyRecord(3, { region: OTHER_REGION });
        const otherAccount = keyRecord(4, { accountId: OTHER_ACCOUNT });
        await keys.createKey(elsewhere, materialRecord(elsewhere, 1));
        await keys.createKey(otherAccount, materialRecord(otherAccount, 1));
        await keys.createAlias(aliasRecord('alias/x', elsewhere));
        await keys.createAlias(aliasRecord('alias/x', otherAccount));
        assert.equal((await keys.getAlias(ACCOUNT, OTHER_REGION, 'alias/x'))?.targetKeyId, elsewhere.id);
        assert.equal((await keys.getAlias(OTHER_ACCOUNT, REGION, 'alias/x'))?.targetKeyId, otherAccount.id);
        assert.equal((await keys.getAlias(ACCOUNT, REGION, 'alias/x'))?.targetKeyId, a.id);
      });

      it('updates the target and updatedAt, keeping createdAt', async () => {
        const alias = aliasRecord('alias/x', a);
        await keys.createAlias(alias);
        const moved = { ...alias, targetKeyId: b.id, updatedAt: alias.updatedAt + 1000 };
        await keys.updateAlias(moved);
        assert.deepEqual(await keys.getAlias(ACCOUNT, REGION, 'alias/x'), moved);
        assert.deepEqual((await keys.listAliases(ACCOUNT, REGION, a.id, 100)).items, []);
        assert.deepEqual((await keys.listAliases(ACCOUNT, REGION, b.id, 100)).items, [moved]);
      });

      it('deletes one alias, leaving the others', async () => {
        await keys.createAlias(aliasRecord('alias/x', a));
        await keys.createAlias(aliasRecord('alias/y', a));
        await keys.deleteAlias(ACCOUNT, REGION, 'alias/x');
        assert.equal(await keys.getAlias(ACCOUNT, REGION, 'alias/x'), undefined);
        assert.ok(await keys.getAlias(ACCOUNT, REGION, 'alias/y'));
        await keys.deleteAlias(ACCOUNT, REGION, 'alias/never-was');
        await keys.createAlias(aliasRecord('alias/x', b));
        assert.equal((await keys.getAlias(ACCOUNT, REGION, 'alias/x'))?.targetKeyId, b.id, 'a deleted name can be created again');
        assert.deepEqual(await keys.getKey(REGION, a.id), a, 'deleting an alias leaves its key');
      });

      it('lists by account and region in name order, with or without a key id', async () => {
        const names = ['alias/zeta', 'alias/Alpha', 'alias/alpha', 'alias/a/b', 'alias/a-b', 'alias/a_b', 'alias/m'];
        for (const [i, n] of names.entries()) await keys.createAlias(aliasRecord(n, i % 2 === 0 ? a : b));
        const elsewhere = keyRecord(3, { region: OTHER_REGION });
        await keys.createKey(elsewhere, materialRecord(elsewhere, 1));
        await keys.createAlias(aliasRecord('alias/elsewhere', elsewhere));
        const expected = [...names].sort();
        const all = await keys.listAliases(ACCOUNT, REGION, undefined, 100);
        assert.deepEqual(all.items.map((x) => x.name), expected);
        assert.equal(all.next, undefined);
        const ofA = await keys.listAliases(ACCOUNT, REGION, a.id, 100);
        assert.deepEqual(ofA.items.map((x) => x.name), names.filter((_, i) => i % 2 === 0).sort());
        assert.ok(ofA.items.every((x) => x.targetKeyId === a.id));
        assert.deepEqual((await keys.listAliases(ACCOUNT, OTHER_REGION, undefined, 100)).items.map((x) => x.name), ['alias/elsewhere']);
        assert.deepEqual((await keys.listAliases(OTHER_ACCOUNT, REGION, undefined, 100)).items, []);
        assert.deepEqual((await keys.listAliases(ACCOUNT, REGION, keyId(99), 100)).items, []);
      });

      it('pages with limit and next, with and without a key id', async () => {
        const names = Array.from({ length: 7 }, (_, i) => `alias/n${i}`);
        for (const [i, n] of names.entries()) await keys.createAlias(aliasRecord(n, i < 5 ? a : b));
        for (const limit of [1, 2, 3, 7]) {
          const all = await allPages((after) => keys.listAliases(ACCOUNT, REGION, undefined, limit, after), limit);
          assert.deepEqual(all.items.map((x) => x.name), names, `limit ${limit}`);
          assert.equal(all.pages, Math.ceil(names.length / limit));
          const ofA = await allPages((after) => keys.listAliases(ACCOUNT, REGION, a.id, limit, after), limit);
          assert.deepEqual(ofA.items.map((x) => x.name), names.slice(0, 5), `limit ${limit}, key a`);
          assert.equal(ofA.pages, Math.ceil(5 / limit));
        }
      });
    });
  });

  testCredentialStore(name, makeStores);
}

/** The CredentialStore contract (sealed secret access keys). */
export function testCredentialStore(name: string, makeStores: MakeStores): void {
  describe(`CredentialStore conformance: ${name}`, () => {
    let under: StoresUnderTest;
    beforeEach(async () => {
      under = await makeStores();
    });
    afterEach(async () => {
      await under.stores.close();
      await under.cleanup();
    });

    it('puts and gets a credential, its sealed secret a Buffer with the same bytes', async () => {
      const c = credentialRecord(1);
      await under.stores.credentials.putCredential(c);
      const got = await under.stores.credentials.getCredential(c.accessKeyId);
      assert.ok(got);
      assert.ok(Buffer.isBuffer(got.wrappedSecret), 'wrappedSecret must come back as a Buffer');
      assert.deepEqual(got, c);
    });

    it('answers undefined for an unknown access key id', async () => {
      await under.stores.credentials.putCredential(credentialRecord(1));
      assert.equal(await under.stores.credentials.getCredential('AKIANOSUCHKEY0000000'), undefined);
    });

    it('lists every credential', async () => {
      const all = [3, 1, 2].map((n) => credentialRecord(n, { accountId: n === 2 ? OTHER_ACCOUNT : ACCOUNT }));
      assert.deepEqual(await under.stores.credentials.listCredentials(), []);
      for (const c of all) await under.stores.credentials.putCredential(c);
      const listed = await under.stores.credentials.listCredentials();
      const byId = (x: CredentialRecord, y: CredentialRecord) => (x.accessKeyId < y.accessKeyId ? -1 : 1);
      assert.deepEqual([...listed].sort(byId), [...all].sort(byId));
      assert.ok(listed.every((c) => Buffer.isBuffer(c.wrappedSecret)));
    });

    it('replaces a credential put again under the same access key id', async () => {
      const c = credentialRecord(1);
      await under.stores.credentials.putCredential(c);
      const replaced = { ...c, principalArn: `arn:aws:iam::${ACCOUNT}:user/other`, wrappedSecret: Buffer.from([9, 9, 9]) };
      await under.stores.credentials.putCredential(replaced);
      assert.deepEqual(await under.stores.credentials.getCredential(c.accessKeyId), replaced);
      assert.equal((await under.stores.credentials.listCredentials()).length, 1);
    });

    it('hands out copies of the sealed secret', async () => {
      const c = credentialRecord(1);
      await under.stores.credentials.putCredential(c);
      c.wrappedSecret.fill(0);
      const got = (await under.stores.credentials.getCredential(credentialRecord(1).accessKeyId))!;
      assert.deepEqual(got, credentialRecord(1));
      got.wrappedSecret.fill(0);
      assert.deepEqual(await under.stores.credentials.getCredential(got.accessKeyId), credentialRecord(1));
    });
  });
}

/**
 * For durable drivers: everything written is there after close and reopen, and a reopened store
 * keeps enforcing the contract (revisions, duplicates).
 */
export function testDurableStores(name: string, makeReopenable: () => Promise<ReopenableStores>): void {
  describe(`durable stores: ${name}`, () => {
    it('keeps keys, materials, aliases and credentials across close and reopen', async () => {
      const r = await makeReopenable();
      try {
        const first = await r.open();
        const key = keyRecord(1, { rotationEnabled: true, rotationPeriodInDays: 90, nextRotationAt: T0 + 90 * DAY });
        const pending = keyRecord(2, { state: 'PendingDeletion', deletionAt: T0 + 7 * DAY, pendingWindowInDays: 7 });
        await first.keys.createKey(key, materialRecord(key, 1));
        await first.keys.createKey(pending, materialRecord(pending, 1));
        const rotated = { ...key, currentMaterial: 2, onDemandRotations: 1, revision: 2 };
        await first.keys.rotate(rotated, materialRecord(key, 2));
        await first.keys.createAlias(aliasRecord('alias/durable', key));
        await first.credentials.putCredential(credentialRecord(1));
        await first.close();

        const second = await r.open();
        try {
          assert.deepEqual(await second.keys.getKey(REGION, key.id), rotated);
          assert.deepEqual(await second.keys.getKey(REGION, pending.id), pending);
          assert.deepEqual(await second.keys.listMaterials(key.id), [materialRecord(key, 1), materialRecord(key, 2)]);
          assertMaterial(await second.keys.getMaterial(key.id, 2), materialRecord(key, 2));
          assert.deepEqual(await second.keys.getAlias(ACCOUNT, REGION, 'alias/durable'), aliasRecord('alias/durable', key));
          assert.deepEqual(await second.credentials.getCredential(credentialRecord(1).accessKeyId), credentialRecord(1));
          assert.deepEqual(sortedIds(await second.keys.listDue(T0 + 90 * DAY)), [key.id, pending.id]);
          assert.deepEqual(ids((await second.keys.listKeys(ACCOUNT, REGION, 10)).items), [key.id, pending.id]);
          await assert.rejects(second.keys.updateKey({ ...rotated, revision: 2 }), StaleRevisionError);
          await assert.rejects(second.keys.createKey(key, materialRecord(key, 1)), DuplicateError);
          await assert.rejects(second.keys.createAlias(aliasRecord('alias/durable', pending)), DuplicateError);
        } finally {
          await second.close();
        }
      } finally {
        await r.cleanup();
      }
    });
  });
}
