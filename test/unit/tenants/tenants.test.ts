import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DisableKey } from '../../../src/kms/operations/disable-key.js';
import { EnableKey } from '../../../src/kms/operations/enable-key.js';
import { DescribeKey } from '../../../src/kms/operations/describe-key.js';
import { CancelKeyDeletion } from '../../../src/kms/operations/cancel-key-deletion.js';
import { CreateKey } from '../../../src/kms/operations/create-key.js';
import { ScheduleKeyDeletion } from '../../../src/kms/operations/schedule-key-deletion.js';
import { createBucket } from '../../../src/objects/operations/create-bucket.js';
import type { ObjectRecord } from '../../../src/store/object-types.js';
import { createTenant, recoverInterruptedCreates } from '../../../src/tenants/create-tenant.js';
import { describeTenant } from '../../../src/tenants/describe-tenant.js';
import { createHealthMonitor } from '../../../src/tenants/health-monitor.js';
import { preflightKey } from '../../../src/tenants/preflight.js';
import { probeTenantKey } from '../../../src/tenants/probe-key.js';
import { runReencryptJob } from '../../../src/tenants/reencrypt-job.js';
import { createTenantService } from '../../../src/tenants/service.js';
import { setKey } from '../../../src/tenants/set-key.js';
import { startReencrypt } from '../../../src/tenants/start-reencrypt.js';
import { CUSTOMER, harness, PROVIDER, PROVIDER_ACCOUNT, rejects, type Harness } from './harness.js';

const harnesses: Harness[] = [];
const make = (...args: Parameters<typeof harness>) => {
  const h = harness(...args);
  harnesses.push(h);
  return h;
};
after(() => harnesses.forEach((h) => h.close()));

const noJob = async () => assert.fail('no job expected');
const tenantOf = (h: Harness, name: string) => h.stores.tenants.getTenant(name).then((t) => t!);

describe('tenants: onboarding', () => {
  it('creates a dedicated tenant under a customer key: two buckets with SSE-KMS and bucket keys, history, health', async () => {
    const h = make();
    const key = await h.customerKey();
    const out = await createTenant(h.deps, { name: 'acme', deployment: 'dedicated', region: 'us-east-1', kmsKeyArn: key });
    assert.deepEqual(out.tenant.buckets, ['acme-sessions', 'acme-snapshots']);
    assert.equal(out.tenant.keyMode, 'customer-managed');
    assert.equal(out.tenant.providerPrincipalArn, PROVIDER.arn);
    assert.equal(out.tenant.keyHistory.length, 1);
    assert.equal(out.health.state, 'healthy');
    for (const b of out.tenant.buckets) {
      const bucket = await h.objects.meta.getBucket(b);
      assert.equal(bucket!.accountId, PROVIDER_ACCOUNT);
      assert.deepEqual(bucket!.encryption, { algorithm: 'aws:kms', kmsKeyId: key, bucketKeyEnabled: true });
    }
    // The Step 2 statement does not grant GetKeyRotationStatus: a warning, not a failure.
    assert.match(out.preflight!.warnings.join('\n'), /rotation status of .* could not be checked/);
    assert.ok(out.preflight!.checks.every((c) => c.ok));
  });

  it('creates a provider-managed key in the provider account when no key is given, with rotation on', async () => {
    const h = make();
    const out = await createTenant(h.deps, { name: 'cloudco', deployment: 'shared', region: 'us-east-1' });
    assert.equal(out.tenant.keyMode, 'provider-managed');
    assert.match(out.tenant.keyArn, new RegExp(`^arn:aws:kms:us-east-1:${PROVIDER_ACCOUNT}:key/`));
    const key = await h.stores.keys.getKey('us-east-1', out.tenant.keyArn.split('/')[1]!);
    assert.equal(key!.rotationEnabled, true);
    assert.equal(out.health.state, 'healthy');
  });

  it('refuses bad input before anything is made', async () => {
    const h = make();
    const key = await h.customerKey();
    await rejects(createTenant(h.deps, { name: 'Acme!', deployment: 'dedicated', region: 'us-east-1' }), 'invalid-input');
    await rejects(createTenant(h.deps, { name: 'acme', deployment: 'cloud', region: 'us-east-1' }), 'invalid-input');
    await rejects(createTenant(h.deps, { name: 'acme', deployment: 'dedicated', region: 'mars-1' }), 'invalid-input', /not an AWS region/);
    await rejects(createTenant(h.deps, { name: 'acme', deployment: 'dedicated', region: 'us-east-1', kmsKeyArn: 'alias/acme' }), 'invalid-key-arn');
    await rejects(createTenant(h.deps, { name: 'acme', deployment: 'shared', region: 'us-east-1', kmsKeyArn: key }), 'cmk-not-available', /only for Enterprise Dedicated/);
    await rejects(createTenant(h.deps, { name: 'acme', deployment: 'dedicated', region: 'eu-west-1', kmsKeyArn: key }), 'key-region-mismatch', /us-east-1.*eu-west-1/);
    assert.deepEqual(await h.stores.tenants.listTenants(), []);
    assert.deepEqual(await h.objects.meta.listBuckets(PROVIDER_ACCOUNT), []);
    await createTenant(h.deps, { name: 'acme', deployment: 'dedicated', region: 'us-east-1', kmsKeyArn: key });
    await rejects(createTenant(h.deps, { name: 'acme', deployment: 'dedicated', region: 'us-east-1' }), 'tenant-already-exists');
  });

  it('undoes a create that fails midway: the provider key is scheduled for deletion and no bucket or record is left', async () => {
    const h = make();
    // Someone already owns acme-snapshots: the second bucket fails after the key and first bucket exist.
    await createBucket({ deps: h.objects, caller: { ...h.asProvider().caller, principal: CUSTOMER } }, { bucket: 'acme-snapshots' });
    await rejects(createTenant(h.deps, { name: 'acme', deployment: 'shared', region: 'us-east-1' }), 'bucket-conflict', /acme-snapshots already exists/);
    assert.equal(await h.stores.tenants.getTenant('acme'), undefined);
    assert.equal(await h.objects.meta.getBucket('acme-sessions'), undefined);
    const keys = await h.stores.keys.listKeys(PROVIDER_ACCOUNT, 'us-east-1', 10);
    assert.equal(keys.items.length, 1);
    assert.equal(keys.items[0]!.state, 'PendingDeletion');
  });

  it('undoes at start a create that a crash interrupted', async () => {
    const h = make();
    const out = await createTenant(h.deps, { name: 'acme', deployment: 'shared', region: 'us-east-1' });
    await h.stores.tenants.updateTenant({ ...out.tenant, status: 'creating', revision: out.tenant.revision + 1 });
    assert.equal(await recoverInterruptedCreates(h.deps), 1);
    assert.equal(await h.stores.tenants.getTenant('acme'), undefined);
    assert.deepEqual(await h.objects.meta.listBuckets(PROVIDER_ACCOUNT), []);
  });
});

describe('tenants: preflight of a customer key', () => {
  const tenant = { name: 'acme', region: 'us-east-1' };

  it('Precondition: preflight tells a key that does not exist from one the provider may not see.', async () => {
    const h = make();
    const key = await h.customerKey({ statement: false });
    const denied = await rejects(preflightKey(h.deps, tenant, key), 'key-access-denied', /Add this statement to the key policy/);
    assert.deepEqual((denied.details.statement as { Principal: unknown }).Principal, { AWS: [`arn:aws:iam::${PROVIDER_ACCOUNT}:root`] });
    assert.match(denied.message, /"kms:ReEncrypt\*"/);
    const missing = key.replace(/.{4}$/, '0000');
    await rejects(preflightKey(h.deps, tenant, missing), 'key-not-found', /does not exist in region us-east-1 of account 111122223333/);
  });

  it('Precondition: preflight refuses a key that is not a symmetric encryption key.', async () => {
    const h = make();
    const made = await h.kmsAs<{ KeyMetadata: { Arn: string } }>(CreateKey, { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    await h.setProviderStatement(made.KeyMetadata.Arn, ['kms:*']);
    await rejects(preflightKey(h.deps, tenant, made.KeyMetadata.Arn), 'key-unsuitable', /HMAC_256 key for GENERATE_VERIFY_MAC.*SYMMETRIC_DEFAULT/);
  });

  it('Precondition: preflight refuses a key that is not Enabled.', async () => {
    const h = make();
    const key = await h.customerKey();
    await h.kmsAs(DisableKey, { KeyId: key });
    await rejects(preflightKey(h.deps, tenant, key), 'key-not-enabled', /is Disabled: enable it/);
    await h.kmsAs(ScheduleKeyDeletion, { KeyId: key, PendingWindowInDays: 7 });
    await rejects(preflightKey(h.deps, tenant, key), 'key-not-enabled', /is PendingDeletion: cancel the deletion/);
    await h.kmsAs(CancelKeyDeletion, { KeyId: key });
    await h.kmsAs(EnableKey, { KeyId: key });
    await preflightKey(h.deps, tenant, key);
  });

  it('Precondition: preflight names every action the key policy does not allow the provider.', async () => {
    const h = make();
    const key = await h.customerKey({ actions: ['kms:DescribeKey', 'kms:GenerateDataKey*', 'kms:ReEncryptFrom'] });
    const e = await rejects(preflightKey(h.deps, tenant, key), 'key-permissions-missing');
    assert.deepEqual(new Set(e.details.missingActions as string[]), new Set(['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptTo']));
    assert.match(e.message, /does not allow the provider \(arn:aws:iam::272506498303:user\/storage\) kms:Encrypt, kms:Decrypt, kms:ReEncryptTo/);
    // Nothing to decrypt at all: the data actions are reported as not proven, not silently passed.
    const bare = await h.customerKey({ actions: ['kms:DescribeKey'] });
    const e2 = await rejects(preflightKey(h.deps, tenant, bare), 'key-permissions-missing');
    assert.deepEqual(new Set(e2.details.missingActions as string[]), new Set(['kms:GenerateDataKey', 'kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo']));
  });

  it('warns (does not fail) when automatic rotation is off and the provider may read it', async () => {
    const h = make();
    const key = await h.customerKey({ extraActions: ['kms:GetKeyRotationStatus'] });
    const report = await preflightKey(h.deps, tenant, key);
    assert.match(report.warnings.join('\n'), /Automatic rotation of .* is off/);
  });
});

describe('tenants: key change', () => {
  it('refuses to move a provider-managed tenant to a customer key without --migrate, with the product page reason', async () => {
    const h = make();
    await createTenant(h.deps, { name: 'acme', deployment: 'dedicated', region: 'us-east-1' });
    const key = await h.customerKey();
    await rejects(setKey(h.deps, { name: 'acme', kmsKeyArn: key }, noJob), 'cmk-initial-setup-only', /CMK must be configured during initial deployment setup/);
    let started = '';
    const out = await setKey(h.deps, { name: 'acme', kmsKeyArn: key, migrate: true }, async (name, mode) => {
      started = `${name}/${mode}`;
      return { id: 'j' } as never;
    });
    assert.equal(started, 'acme/rewrap');
    assert.equal(out.tenant.keyMode, 'customer-managed');
  });

  it('refuses a customer key for a shared tenant, and an unknown tenant', async () => {
    const h = make();
    await createTenant(h.deps, { name: 'cloudco', deployment: 'shared', region: 'us-east-1' });
    const key = await h.customerKey();
    await rejects(setKey(h.deps, { name: 'cloudco', kmsKeyArn: key, migrate: true }, noJob), 'cmk-not-available');
    await rejects(setKey(h.deps, { name: 'nobody', kmsKeyArn: key }, noJob), 'tenant-not-found');
  });

  it('points the buckets at the new key; new writes use it, old objects stay until re-encrypted', async () => {
    const h = make();
    const k1 = await h.customerKey();
    const k2 = await h.customerKey();
    await createTenant(h.deps, { name: 'acme', deployment: 'dedicated', region: 'us-east-1', kmsKeyArn: k1 });
    await h.put('acme-sessions', 'old', Buffer.from('old'));
    const out = await setKey(h.deps, { name: 'acme', kmsKeyArn: k2 }, noJob);
    assert.equal(out.tenant.keyHistory.length, 2);
    assert.ok(out.tenant.keyHistory[0]!.until !== undefined && out.tenant.keyHistory[1]!.until === undefined);
    await h.put('acme-sessions', 'new', Buffer.from('new'));
    const d = await describeTenant(h.deps, 'acme');
    assert.deepEqual(
      d.usage.byKey.map((u) => [u.keyArn, u.objects]).sort(),
      [[k1, 1], [k2, 1]].sort(),
    );
  });
});

async function seed(h: Harness, count: number, options: { bucketKeys?: boolean } = {}): Promise<Map<string, Buffer>> {
  const data = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const bucket = i % 2 === 0 ? 'acme-sessions' : 'acme-snapshots';
    const key = `obj-${String(i).padStart(4, '0')}`;
    const body = Buffer.from(`object ${i} `.repeat(1 + (i % 7) * 300));
    await h.put(bucket, key, body, {
      ...(options.bucketKeys === false || i % 3 === 0 ? { bucketKeyEnabled: false } : {}),
      ...(i % 5 === 0 ? { context: { session: `s${i}` } } : {}),
    });
    data.set(`${bucket}/${key}`, body);
  }
  return data;
}

async function allObjects(h: Harness): Promise<ObjectRecord[]> {
  const out: ObjectRecord[] = [];
  for (const b of ['acme-sessions', 'acme-snapshots']) out.push(...(await h.objects.meta.listObjects(b, '', undefined, 10_000)).items);
  return out;
}

async function changeKey(h: Harness): Promise<{ k1: string; k2: string }> {
  const k1 = await h.customerKey();
  const k2 = await h.customerKey();
  await createTenant(h.deps, { name: 'acme', deployment: 'dedicated', region: 'us-east-1', kmsKeyArn: k1 });
  return { k1, k2 };
}

describe('tenants: re-encryption', () => {
  it('rewrap: every data key re-wrapped under the new key, each bucket key once, no object byte rewritten', async () => {
    const h = make();
    const { k1, k2 } = await changeKey(h);
    const data = await seed(h, 30);
    await setKey(h.deps, { name: 'acme', kmsKeyArn: k2 }, noJob);
    const before = await allObjects(h);
    const service = createTenantService(h.deps);
    const { job } = await service.startReencrypt({ name: 'acme' });
    await service.idle();
    const done = await service.job('acme', job.id);
    assert.equal(done.state, 'succeeded', done.error);
    assert.equal(done.done.objects, 30);
    assert.equal(done.done.reencrypted, 30);
    assert.equal(done.done.bytesRewritten, 0);
    const distinctBucketKeys = new Set(before.filter((o) => o.encryption.bucketKeyEnabled).map((o) => o.encryption.wrappedKey.toString('base64'))).size;
    const direct = before.filter((o) => !o.encryption.bucketKeyEnabled).length;
    assert.equal(done.done.reEncryptCalls, distinctBucketKeys + direct);
    assert.deepEqual(done.remaining, []);
    assert.equal(done.oldKeysNoLongerNeeded, true);
    const after = await allObjects(h);
    for (const o of after) {
      assert.equal(o.encryption.kmsKeyArn, k2);
      const old = before.find((b) => b.bucket === o.bucket && b.key === o.key)!;
      assert.deepEqual(o.parts.map((p) => p.blobId), old.parts.map((p) => p.blobId), 'the same blobs');
      assert.equal(o.etag, old.etag);
    }
    // The old key may now be disabled: every object still reads back.
    await h.kmsAs(DisableKey, { KeyId: k1 });
    for (const [path, body] of data) {
      const [bucket, key] = path.split('/') as [string, string];
      assert.deepEqual(await h.get(bucket, key), body);
    }
  });

  it('full: fresh data keys and new blobs, old blobs freed, bytes and checksums intact', async () => {
    const h = make();
    const { k1, k2 } = await changeKey(h);
    const data = await seed(h, 12);
    await setKey(h.deps, { name: 'acme', kmsKeyArn: k2 }, noJob);
    const before = await allObjects(h);
    const service = createTenantService(h.deps);
    await service.startReencrypt({ name: 'acme', mode: 'full' });
    await service.idle();
    const done = await service.job('acme');
    assert.equal(done.state, 'succeeded', done.error);
    assert.equal(done.done.reencrypted, 12);
    assert.equal(done.done.bytesRewritten, [...data.values()].reduce((n, b) => n + b.length, 0));
    const after = await allObjects(h);
    for (const o of after) {
      const old = before.find((b) => b.bucket === o.bucket && b.key === o.key)!;
      assert.notEqual(o.parts[0]!.blobId, old.parts[0]!.blobId);
      assert.notDeepEqual(o.encryption.wrappedKey, old.encryption.wrappedKey);
      assert.equal(o.encryption.kmsKeyArn, k2);
    }
    await new Promise((r) => setTimeout(r, 20));
    const referenced = await h.objects.meta.referencedBlobs();
    assert.equal(await h.objects.blobs.sweep(referenced), 0, 'the old blobs were freed by the job');
    await h.kmsAs(DisableKey, { KeyId: k1 });
    for (const [path, body] of data) {
      const [bucket, key] = path.split('/') as [string, string];
      assert.deepEqual(await h.get(bucket, key), body);
    }
  });

  it('never undoes a concurrent write: the object a client changed mid-batch keeps the client version', async () => {
    const h = make();
    const { k2 } = await changeKey(h);
    await seed(h, 6, { bucketKeys: false });
    await setKey(h.deps, { name: 'acme', kmsKeyArn: k2 }, noJob);
    const meta = h.objects.meta;
    const original = meta.replaceObjectsIf.bind(meta);
    let raced = false;
    meta.replaceObjectsIf = async (changes) => {
      if (!raced) {
        raced = true;
        // Between the job's read and its swap, the application overwrites one object.
        await h.put('acme-sessions', 'obj-0000', Buffer.from('written by the client'));
      }
      return original(changes);
    };
    const service = createTenantService(h.deps);
    await service.startReencrypt({ name: 'acme', mode: 'full' });
    await service.idle();
    const job = await service.job('acme');
    assert.equal(job.state, 'succeeded', job.error);
    assert.equal(job.done.changedMeanwhile, 1);
    assert.equal(job.done.reencrypted, 5);
    assert.deepEqual(await h.get('acme-sessions', 'obj-0000'), Buffer.from('written by the client'));
    assert.equal(await h.objects.blobs.sweep(await meta.referencedBlobs()), 0, 'the job freed the blobs it wrote for the lost swap');
  });

  it('resumes from its saved cursor after a stop, and finishes with every object done once', async () => {
    const h = make({ reencrypt: { batchSize: 3, maxObjectsPerSecond: 0, concurrency: 2, freeDelayMs: 0 } });
    const { k2 } = await changeKey(h);
    await seed(h, 20, { bucketKeys: false });
    await setKey(h.deps, { name: 'acme', kmsKeyArn: k2 }, noJob);
    let launched: Parameters<typeof runReencryptJob>[1] | undefined;
    const { job } = await startReencrypt(h.deps, { name: 'acme' }, (j) => (launched = j));
    // The first run is stopped after its first batch (as a shutdown would).
    const store = h.stores.tenants;
    const updateJob = store.updateJob.bind(store);
    let first: ReturnType<typeof runReencryptJob> | undefined;
    store.updateJob = async (j) => {
      await updateJob(j);
      if (j.done.objects > 0) first?.stop();
    };
    first = runReencryptJob(h.deps, launched!);
    await first.done;
    store.updateJob = updateJob;
    const saved = await h.stores.tenants.getJob(job.id);
    assert.equal(saved!.state, 'running');
    assert.ok(saved!.done.objects > 0 && saved!.done.objects < 20, `stopped midway (${saved!.done.objects})`);
    assert.deepEqual(saved!.cursor.bucket, 0);
    // A restart: the service resumes every running job.
    const service = createTenantService(h.deps);
    await service.start();
    await service.idle();
    await service.stop();
    const done = await h.stores.tenants.getJob(job.id);
    assert.equal(done!.state, 'succeeded', done!.error);
    assert.equal(done!.done.objects, 20);
    assert.equal(done!.done.reencrypted, 20);
    assert.deepEqual(done!.remaining, []);
  });

  it('reports the objects that still depend on an old key when a client wrote under it meanwhile', async () => {
    const h = make();
    const { k1, k2 } = await changeKey(h);
    await seed(h, 4);
    await setKey(h.deps, { name: 'acme', kmsKeyArn: k2 }, noJob);
    const service = createTenantService(h.deps);
    await service.startReencrypt({ name: 'acme' });
    await service.idle();
    // A client names the old key explicitly on a PUT after the job: describe shows the dependency.
    const { putObject } = await import('../../../src/objects/operations/put-object.js');
    const { Readable } = await import('node:stream');
    await putObject(h.asProvider(), { bucket: 'acme-sessions', key: 'late', body: Readable.from([Buffer.from('x')]), headers: {}, metadata: {}, encryption: { algorithm: 'aws:kms', kmsKeyId: k1 }, checks: {} });
    await service.startReencrypt({ name: 'acme' });
    await service.idle();
    assert.equal((await service.job('acme')).oldKeysNoLongerNeeded, true);
    const d = await describeTenant(h.deps, 'acme');
    assert.deepEqual(d.usage.byKey.map((u) => u.keyArn), [k2]);
  });

  it('fails (and says why) when the key is revoked mid-job, and a new job finishes the rest', async () => {
    const h = make();
    const { k2 } = await changeKey(h);
    await seed(h, 4, { bucketKeys: false });
    await setKey(h.deps, { name: 'acme', kmsKeyArn: k2 }, noJob);
    await h.setProviderStatement(k2, undefined);
    const service = createTenantService(h.deps);
    await service.startReencrypt({ name: 'acme' });
    await service.idle();
    const failed = await service.job('acme');
    assert.equal(failed.state, 'failed');
    assert.match(failed.error!, /Access Denied/);
    await h.setProviderStatement(k2, ['kms:*']);
    await service.startReencrypt({ name: 'acme' });
    await service.idle();
    assert.equal((await service.job('acme')).state, 'succeeded');
  });
});

describe('tenants: key health', () => {
  it('follows revocation, disabling, scheduled deletion and restoration, each a timestamped transition', async () => {
    const h = make();
    const key = await h.customerKey();
    await createTenant(h.deps, { name: 'acme', deployment: 'dedicated', region: 'us-east-1', kmsKeyArn: key });
    const monitor = createHealthMonitor(h.deps);
    const state = async () => {
      await monitor.probeAll();
      return (await h.stores.tenants.getHealth('acme'))!.state;
    };
    assert.equal(await state(), 'healthy');
    await h.setProviderStatement(key, undefined);
    assert.equal(await state(), 'access-denied');
    // Only the data calls revoked: DescribeKey alone is not health.
    await h.setProviderStatement(key, ['kms:DescribeKey']);
    assert.equal(await state(), 'access-denied');
    await h.setProviderStatement(key, ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey']);
    assert.equal(await state(), 'healthy');
    await h.kmsAs(DisableKey, { KeyId: key });
    assert.equal(await state(), 'key-disabled');
    await h.kmsAs(EnableKey, { KeyId: key });
    await h.kmsAs(ScheduleKeyDeletion, { KeyId: key, PendingWindowInDays: 7 });
    assert.equal(await state(), 'key-pending-deletion');
    await h.kmsAs(CancelKeyDeletion, { KeyId: key });
    await h.kmsAs(EnableKey, { KeyId: key });
    assert.equal(await state(), 'healthy');
    const health = (await h.stores.tenants.getHealth('acme'))!;
    assert.deepEqual(
      health.transitions.map((t) => t.state),
      ['healthy', 'access-denied', 'healthy', 'key-disabled', 'key-pending-deletion', 'healthy'],
    );
    assert.ok(health.transitions.every((t, i) => i === 0 || t.at >= health.transitions[i - 1]!.at));
    assert.ok(h.logs.some((l) => l.level === 'warn' && l.message === 'tenant key health changed' && (l.fields as { to: string }).to === 'access-denied'));
  });

  it('reports key-not-found once the key is gone, and probes on demand', async () => {
    const h = make();
    const key = await h.customerKey();
    await createTenant(h.deps, { name: 'acme', deployment: 'dedicated', region: 'us-east-1', kmsKeyArn: key });
    await h.stores.keys.deleteKey(key.split('/')[1]!);
    assert.equal((await probeTenantKey(h.deps, 'acme')).state, 'key-not-found');
    await rejects(probeTenantKey(h.deps, 'nobody'), 'tenant-not-found');
    // The provider's own keys are described like any other.
    await h.kmsAs(DescribeKey, { KeyId: key }).catch(() => undefined);
  });
});
