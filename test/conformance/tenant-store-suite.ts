// One suite for the tenant store (and the object store's compare-and-swap that re-encryption uses);
// every driver runs it (STYLE habit 9).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ObjectRecord } from '../../src/store/object-types.js';
import type { ReencryptJob, TenantRecord } from '../../src/store/tenant-types.js';
import { DuplicateError, StaleRevisionError, type Stores } from '../../src/store/types.js';

export type MakeStores = () => Promise<{ stores: Stores; cleanup(): Promise<void> }>;

export const tenantRecord = (name: string): TenantRecord => ({
  name,
  deployment: 'dedicated',
  region: 'us-east-1',
  providerAccountId: '272506498303',
  providerPrincipalArn: 'arn:aws:iam::272506498303:user/storage',
  buckets: [`${name}-sessions`, `${name}-snapshots`],
  keyMode: 'customer-managed',
  keyArn: 'arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555',
  keyHistory: [{ keyArn: 'arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555', keyMode: 'customer-managed', from: 1000 }],
  status: 'active',
  createdAt: 1000,
  revision: 1,
});

const job = (id: string, tenant: string, createdAt: number, state: ReencryptJob['state'] = 'running'): ReencryptJob => ({
  id,
  tenant,
  mode: 'rewrap',
  targetKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555',
  state,
  createdAt,
  updatedAt: createdAt,
  cursor: { bucket: 0 },
  total: { objects: 10, bytes: 100 },
  done: { objects: 0, bytes: 0, reencrypted: 0, bytesRewritten: 0, reEncryptCalls: 0, changedMeanwhile: 0, skipped: 0 },
  bucketKeys: {},
});

const object = (bucket: string, key: string, etag: string): ObjectRecord => ({
  bucket,
  key,
  size: 3,
  etag,
  lastModified: 1000,
  headers: {},
  metadata: {},
  encryption: { algorithm: 'aws:kms', kmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/a', bucketKeyEnabled: true, wrappedKey: Buffer.from([1, 2, 3]), seed: Buffer.from([4]) },
  segmentSize: 65536,
  parts: [{ partNumber: 1, blobId: `blob-${etag}`, size: 3, etag, lastModified: 1000 }],
});

async function withStores(make: MakeStores, run: (stores: Stores) => Promise<void>): Promise<void> {
  const { stores, cleanup } = await make();
  try {
    await run(stores);
  } finally {
    await stores.close();
    await cleanup();
  }
}

export function testTenantStore(driver: string, make: MakeStores): void {
  describe(`TenantStore conformance: ${driver}`, () => {
    it('creates, reads, lists by name and refuses a duplicate', () =>
      withStores(make, async ({ tenants }) => {
        await tenants.createTenant(tenantRecord('zeta'));
        await tenants.createTenant(tenantRecord('acme'));
        assert.deepEqual(await tenants.getTenant('acme'), tenantRecord('acme'));
        assert.equal(await tenants.getTenant('nobody'), undefined);
        assert.deepEqual((await tenants.listTenants()).map((t) => t.name), ['acme', 'zeta']);
        await assert.rejects(tenants.createTenant(tenantRecord('acme')), DuplicateError);
      }));

    it('updates only from the stored revision', () =>
      withStores(make, async ({ tenants }) => {
        await tenants.createTenant(tenantRecord('acme'));
        await tenants.updateTenant({ ...tenantRecord('acme'), keyMode: 'provider-managed', revision: 2 });
        assert.equal((await tenants.getTenant('acme'))!.keyMode, 'provider-managed');
        await assert.rejects(tenants.updateTenant({ ...tenantRecord('acme'), revision: 2 }), StaleRevisionError);
        await assert.rejects(tenants.updateTenant({ ...tenantRecord('nobody'), revision: 2 }), StaleRevisionError);
      }));

    it('keeps health per tenant and jobs newest first; deleting a tenant removes both', () =>
      withStores(make, async ({ tenants }) => {
        await tenants.createTenant(tenantRecord('acme'));
        const health = { tenant: 'acme', state: 'healthy' as const, since: 1, checkedAt: 2, keyArn: 'k', transitions: [{ state: 'healthy' as const, at: 1 }] };
        await tenants.putHealth(health);
        await tenants.putHealth({ ...health, checkedAt: 3 });
        assert.deepEqual(await tenants.getHealth('acme'), { ...health, checkedAt: 3 });
        await tenants.createJob(job('j1', 'acme', 10, 'succeeded'));
        await tenants.createJob(job('j2', 'acme', 20));
        await tenants.createJob(job('j3', 'other', 15));
        await assert.rejects(tenants.createJob(job('j1', 'acme', 30)), DuplicateError);
        assert.deepEqual((await tenants.listJobs('acme')).map((j) => j.id), ['j2', 'j1']);
        assert.deepEqual((await tenants.runningJobs()).map((j) => j.id), ['j3', 'j2']);
        await tenants.updateJob({ ...job('j2', 'acme', 20), state: 'succeeded', cursor: { bucket: 1, after: 'x' } });
        assert.deepEqual((await tenants.getJob('j2'))!.cursor, { bucket: 1, after: 'x' });
        assert.deepEqual((await tenants.runningJobs()).map((j) => j.id), ['j3']);
        await tenants.deleteTenant('acme');
        assert.equal(await tenants.getTenant('acme'), undefined);
        assert.equal(await tenants.getHealth('acme'), undefined);
        assert.deepEqual(await tenants.listJobs('acme'), []);
        assert.deepEqual((await tenants.listJobs('other')).map((j) => j.id), ['j3']);
      }));
  });

  describe(`ObjectMetaStore compare-and-swap conformance: ${driver}`, () => {
    it('replaces an object only while it still has the ETag it was read with', () =>
      withStores(make, async ({ objects }) => {
        await objects.createBucket({ name: 'acme-sessions', accountId: '272506498303', region: 'us-east-1', createdAt: 1 });
        await objects.putObject(object('acme-sessions', 'a', 'e1'));
        const rewrapped = { ...object('acme-sessions', 'a', 'e1'), encryption: { ...object('acme-sessions', 'a', 'e1').encryption, wrappedKey: Buffer.from([9, 9]) } };
        assert.equal(await objects.replaceObjectIf('acme-sessions', 'a', 'e1', rewrapped), true);
        assert.deepEqual((await objects.getObject('acme-sessions', 'a'))!.encryption.wrappedKey, Buffer.from([9, 9]));
        // A client's PUT since the read: the swap changes nothing.
        await objects.putObject(object('acme-sessions', 'a', 'e2'));
        assert.equal(await objects.replaceObjectIf('acme-sessions', 'a', 'e1', rewrapped), false);
        assert.equal((await objects.getObject('acme-sessions', 'a'))!.etag, 'e2');
        // A deleted object is not brought back.
        await objects.deleteObject('acme-sessions', 'a');
        assert.equal(await objects.replaceObjectIf('acme-sessions', 'a', 'e2', object('acme-sessions', 'a', 'e2')), false);
        assert.equal(await objects.getObject('acme-sessions', 'a'), undefined);
      }));

    it('swaps a batch in one call, each change judged on its own', () =>
      withStores(make, async ({ objects }) => {
        await objects.createBucket({ name: 'acme-sessions', accountId: '272506498303', region: 'us-east-1', createdAt: 1 });
        await objects.putObject(object('acme-sessions', 'a', 'e1'));
        await objects.putObject(object('acme-sessions', 'b', 'e1'));
        const results = await objects.replaceObjectsIf([
          { expectedEtag: 'e1', record: { ...object('acme-sessions', 'a', 'e1'), size: 30 } },
          { expectedEtag: 'stale', record: { ...object('acme-sessions', 'b', 'e1'), size: 30 } },
          { expectedEtag: 'e1', record: { ...object('acme-sessions', 'missing', 'e1'), size: 30 } },
        ]);
        assert.deepEqual(results, [true, false, false]);
        assert.equal((await objects.getObject('acme-sessions', 'a'))!.size, 30);
        assert.equal((await objects.getObject('acme-sessions', 'b'))!.size, 3);
        assert.equal(await objects.getObject('acme-sessions', 'missing'), undefined);
      }));
  });
}
