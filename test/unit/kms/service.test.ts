// The key service core over the memory store, with a fixed clock and fixed randomness (STYLE habit 3):
// the scheduler's rotations and deletions, the audit hook and the key-change hook.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { readBlobHeader } from '../../../src/formats/ciphertext-blob.js';
import { open, seal } from '../../../src/formats/sealed.js';
import type { Principal } from '../../../src/identity/principal.js';
import type { KmsCallRecord, KmsServiceEvent } from '../../../src/kms/audit-record.js';
import type { KmsDeps, KmsRequest } from '../../../src/kms/context.js';
import { KmsError, type KmsErrorCode } from '../../../src/kms/errors.js';
import { createKeyService } from '../../../src/kms/service.js';
import { createMemoryStores } from '../../../src/store/memory/index.js';
import type { KeyStore, RootOfTrust } from '../../../src/store/types.js';
import { KMS_OPERATIONS } from '../../../src/wire/kms-json/operations.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const DAY = 86_400_000;
const ACCOUNT = '111122223333';
const ADMIN: Principal = {
  accountId: ACCOUNT,
  arn: `arn:aws:iam::${ACCOUNT}:user/admin`,
  accessKeyId: 'AKIAUNITTEST00000001',
  userName: 'admin',
  // No identityPolicies: AdministratorAccess (src/identity/principal.ts).
  principalId: 'AIDAUNITTEST000000001',
};

// Each harness gets its own key-id prefix: the policy parse cache in src/kms/authorize.ts is
// process-wide and keyed by key id and revision, so two services must never share a key id.
let harnesses = 0;

/** A RootOfTrust over src/formats/sealed.ts with a fixed key and counter nonces. */
function fixedRoot(rootKey: Buffer): RootOfTrust & { sealed: number } {
  const root = {
    sealed: 0,
    async seal(secret: Buffer, purpose: string) {
      const nonce = Buffer.alloc(12);
      nonce.writeUInt32BE(++root.sealed, 8);
      return seal(rootKey, secret, purpose, nonce);
    },
    async open(sealed: Buffer, purpose: string) {
      return open(rootKey, sealed, purpose);
    },
  };
  return root;
}

interface HarnessOptions {
  audit?: KmsDeps['audit'];
  /** Wraps the memory KeyStore (to interleave calls at a chosen point). */
  wrapKeys?: (keys: KeyStore) => KeyStore;
  seed?: string;
  prefix?: string;
}

function harness(options: HarnessOptions = {}) {
  const stores = createMemoryStores();
  const audits: KmsCallRecord[] = [];
  const serviceEvents: KmsServiceEvent[] = [];
  const changes: string[] = [];
  const seed = options.seed ?? 'seed';
  const prefix = options.prefix ?? (++harnesses).toString(16).padStart(8, '0');
  let counter = 0;
  let uuids = 0;
  const clock = { now: T0 };
  const deps: KmsDeps = {
    keys: options.wrapKeys ? options.wrapKeys(stores.keys) : stores.keys,
    root: fixedRoot(Buffer.alloc(32, 0x42)),
    clock: () => clock.now,
    // A fresh buffer per call (callers zero what they get): SHA-256(seed ‖ counter) blocks.
    random: (n) => {
      const out = Buffer.alloc(n);
      for (let off = 0; off < n; ) off += createHash('sha256').update(`${seed}/${counter++}`).digest().copy(out, off);
      return out;
    },
    uuid: () => `${prefix}-0000-4000-8000-${(++uuids).toString(16).padStart(12, '0')}`,
    audit:
      options.audit ??
      (async (record) => {
        audits.push(record);
      }),
    auditServiceEvent: async (event) => {
      serviceEvents.push(event);
    },
    onKeyChange: (arn) => changes.push(arn),
  };
  const service = createKeyService(deps);
  let requests = 0;
  const request = (): KmsRequest => ({
    principal: ADMIN,
    region: 'us-east-1',
    requestId: `req-${++requests}`,
    sourceIp: '192.0.2.10',
    userAgent: 'unit-test',
    secureTransport: true,
    time: clock.now,
  });
  const call = (operation: string, body: unknown): Promise<any> => {
    const op = KMS_OPERATIONS[`TrentService.${operation}`];
    assert.ok(op, `no operation ${operation}`);
    return service.invoke(request(), op, body);
  };
  return {
    stores,
    deps,
    service,
    clock,
    audits,
    serviceEvents,
    changes,
    call,
    async createKey(body: Record<string, unknown> = {}): Promise<{ KeyId: string; Arn: string }> {
      return (await call('CreateKey', body)).KeyMetadata;
    },
    async encrypt(keyId: string, text: string, context?: Record<string, string>): Promise<string> {
      const out = await call('Encrypt', { KeyId: keyId, Plaintext: Buffer.from(text).toString('base64'), ...(context ? { EncryptionContext: context } : {}) });
      return out.CiphertextBlob;
    },
    async decrypt(blob: string, context?: Record<string, string>): Promise<string> {
      const out = await call('Decrypt', { CiphertextBlob: blob, ...(context ? { EncryptionContext: context } : {}) });
      return Buffer.from(out.Plaintext, 'base64').toString();
    },
    async rotations(keyId: string): Promise<{ RotationType: string; RotationDate: number; KeyMaterialId: string; KeyMaterialState: string }[]> {
      return (await call('ListKeyRotations', { KeyId: keyId })).Rotations;
    },
    async state(keyId: string): Promise<string> {
      return (await call('DescribeKey', { KeyId: keyId })).KeyMetadata.KeyState;
    },
    async nextRotation(keyId: string): Promise<number | undefined> {
      return (await call('GetKeyRotationStatus', { KeyId: keyId })).NextRotationDate;
    },
  };
}

const kmsCode = (code: KmsErrorCode) => (e: unknown) => e instanceof KmsError && e.code === code;
const materialOf = (blob: string) => readBlobHeader(Buffer.from(blob, 'base64')).material;

describe('kms/service: automatic rotation (runScheduledWork with a fixed clock)', () => {
  it('rotates exactly when rotation is due, not a millisecond before, and then every period', async () => {
    const h = harness();
    const { KeyId } = await h.createKey();
    await h.call('EnableKeyRotation', { KeyId, RotationPeriodInDays: 90 });
    assert.equal(await h.nextRotation(KeyId), (T0 + 90 * DAY) / 1000);

    h.clock.now = T0 + 90 * DAY - 1;
    assert.deepEqual(await h.service.runScheduledWork(), { rotated: 0, deleted: 0 });
    assert.deepEqual(await h.rotations(KeyId), []);

    h.clock.now = T0 + 90 * DAY;
    assert.deepEqual(await h.service.runScheduledWork(), { rotated: 1, deleted: 0 });
    const [first, ...none] = await h.rotations(KeyId);
    assert.deepEqual(none, []);
    assert.equal(first!.RotationType, 'AUTOMATIC');
    assert.equal(first!.RotationDate, (T0 + 90 * DAY) / 1000);
    assert.equal(first!.KeyMaterialState, 'CURRENT');
    assert.deepEqual(await h.service.runScheduledWork(), { rotated: 0, deleted: 0 }, 'a rotation is done once');
    assert.equal(await h.nextRotation(KeyId), (T0 + 180 * DAY) / 1000);

    h.clock.now = T0 + 180 * DAY - 1;
    assert.deepEqual(await h.service.runScheduledWork(), { rotated: 0, deleted: 0 });
    h.clock.now = T0 + 180 * DAY;
    assert.deepEqual(await h.service.runScheduledWork(), { rotated: 1, deleted: 0 });
    const all = await h.rotations(KeyId);
    assert.deepEqual(all.map((r) => [r.RotationType, r.KeyMaterialState]), [['AUTOMATIC', 'NON_CURRENT'], ['AUTOMATIC', 'CURRENT']]);
  });

  it('keeps every earlier version decryptable and encrypts under the newest', async () => {
    const h = harness();
    const { KeyId } = await h.createKey();
    await h.call('EnableKeyRotation', { KeyId, RotationPeriodInDays: 90 });
    const blobs = [await h.encrypt(KeyId, 'v1 secret', { tenant: 'acme' })];
    const before = (await h.call('DescribeKey', { KeyId })).KeyMetadata.CurrentKeyMaterialId;
    for (const day of [90, 180]) {
      h.clock.now = T0 + day * DAY;
      assert.equal((await h.service.runScheduledWork()).rotated, 1);
      blobs.push(await h.encrypt(KeyId, `after day ${day}`, { tenant: 'acme' }));
    }
    assert.deepEqual(blobs.map(materialOf), [1, 2, 3]);
    assert.notEqual((await h.call('DescribeKey', { KeyId })).KeyMetadata.CurrentKeyMaterialId, before);
    assert.equal(await h.decrypt(blobs[0]!, { tenant: 'acme' }), 'v1 secret');
    assert.equal(await h.decrypt(blobs[1]!, { tenant: 'acme' }), 'after day 90');
    assert.equal(await h.decrypt(blobs[2]!, { tenant: 'acme' }), 'after day 180');
    assert.equal((await h.stores.keys.listMaterials(KeyId.split('/').pop()!)).length, 3);
  });

  it('does not rotate a disabled key, however overdue', async () => {
    const h = harness();
    const { KeyId } = await h.createKey();
    await h.call('EnableKeyRotation', { KeyId, RotationPeriodInDays: 90 });
    h.clock.now = T0 + DAY;
    await h.call('DisableKey', { KeyId });
    for (const day of [90, 91, 400, 1000]) {
      h.clock.now = T0 + day * DAY;
      assert.deepEqual(await h.service.runScheduledWork(), { rotated: 0, deleted: 0 }, `day ${day}`);
    }
    assert.deepEqual(await h.rotations(KeyId), []);
    assert.equal((await h.call('GetKeyRotationStatus', { KeyId })).KeyRotationEnabled, true, 'disabling the key keeps the setting');
  });

  it('rotates a re-enabled key whose rotation date passed on the next run (not at EnableKey)', async () => {
    const h = harness();
    const { KeyId } = await h.createKey();
    await h.call('EnableKeyRotation', { KeyId, RotationPeriodInDays: 90 });
    const blob = await h.encrypt(KeyId, 'before');
    h.clock.now = T0 + DAY;
    await h.call('DisableKey', { KeyId });
    h.clock.now = T0 + 120 * DAY;
    assert.equal((await h.service.runScheduledWork()).rotated, 0);
    await h.call('EnableKey', { KeyId });
    assert.deepEqual(await h.rotations(KeyId), [], 'EnableKey itself does not rotate');
    assert.equal(materialOf(await h.encrypt(KeyId, 'between')), 1);

    assert.deepEqual(await h.service.runScheduledWork(), { rotated: 1, deleted: 0 });
    const [rotation] = await h.rotations(KeyId);
    assert.equal(rotation!.RotationType, 'AUTOMATIC');
    assert.equal(rotation!.RotationDate, (T0 + 120 * DAY) / 1000);
    assert.equal(materialOf(await h.encrypt(KeyId, 'after')), 2);
    assert.equal(await h.decrypt(blob), 'before');
    assert.equal(await h.nextRotation(KeyId), (T0 + 210 * DAY) / 1000, 'the schedule counts on from the rotation');
  });

  it('resumes the original schedule for a key re-enabled before its rotation date', async () => {
    const h = harness();
    const { KeyId } = await h.createKey();
    await h.call('EnableKeyRotation', { KeyId, RotationPeriodInDays: 90 });
    h.clock.now = T0 + 10 * DAY;
    await h.call('DisableKey', { KeyId });
    h.clock.now = T0 + 20 * DAY;
    await h.call('EnableKey', { KeyId });
    assert.equal(await h.nextRotation(KeyId), (T0 + 90 * DAY) / 1000);
    h.clock.now = T0 + 90 * DAY - 1;
    assert.equal((await h.service.runScheduledWork()).rotated, 0);
    h.clock.now = T0 + 90 * DAY;
    assert.equal((await h.service.runScheduledWork()).rotated, 1);
  });

  it(
    'resumes the original schedule when rotation was enabled after the key was created',
    async () => {
      // AWS "Rotating AWS KMS keys": material younger than the period → "resumes the original key rotation schedule".
      const h = harness();
      const { KeyId } = await h.createKey();
      h.clock.now = T0 + 50 * DAY;
      await h.call('EnableKeyRotation', { KeyId, RotationPeriodInDays: 90 });
      assert.equal(await h.nextRotation(KeyId), (T0 + 140 * DAY) / 1000);
      h.clock.now = T0 + 51 * DAY;
      await h.call('DisableKey', { KeyId });
      h.clock.now = T0 + 52 * DAY;
      await h.call('EnableKey', { KeyId });
      assert.equal(await h.nextRotation(KeyId), (T0 + 140 * DAY) / 1000);
      h.clock.now = T0 + 90 * DAY;
      assert.equal((await h.service.runScheduledWork()).rotated, 0, 'not 50 days early');
    },
  );

  it('leaves the automatic schedule as it was after an on-demand rotation', async () => {
    const h = harness();
    const { KeyId } = await h.createKey();
    await h.call('EnableKeyRotation', { KeyId, RotationPeriodInDays: 90 });
    h.clock.now = T0 + 10 * DAY;
    await h.call('RotateKeyOnDemand', { KeyId });
    assert.equal(await h.nextRotation(KeyId), (T0 + 90 * DAY) / 1000);
    h.clock.now = T0 + 90 * DAY;
    assert.equal((await h.service.runScheduledWork()).rotated, 1);
    assert.deepEqual((await h.rotations(KeyId)).map((r) => r.RotationType), ['ON_DEMAND', 'AUTOMATIC']);
  });

  it('does not rotate a key pending deletion', async () => {
    const h = harness();
    const { KeyId } = await h.createKey();
    await h.call('EnableKeyRotation', { KeyId, RotationPeriodInDays: 90 });
    h.clock.now = T0 + 85 * DAY;
    await h.call('ScheduleKeyDeletion', { KeyId, PendingWindowInDays: 30 });
    h.clock.now = T0 + 100 * DAY;
    assert.deepEqual(await h.service.runScheduledWork(), { rotated: 0, deleted: 0 });
    assert.deepEqual(await h.rotations(KeyId), []);
  });
});

describe('kms/service: scheduled deletion', () => {
  it('erases a key pending deletion when its window passes, not before; its ciphertexts are then refused', async () => {
    const h = harness();
    const { KeyId, Arn } = await h.createKey();
    await h.call('CreateAlias', { AliasName: 'alias/doomed', TargetKeyId: KeyId });
    const v1 = await h.encrypt(KeyId, 'one', { k: 'v' });
    await h.call('RotateKeyOnDemand', { KeyId });
    const v2 = await h.encrypt('alias/doomed', 'two');

    const t1 = T0 + DAY;
    h.clock.now = t1;
    const scheduled = await h.call('ScheduleKeyDeletion', { KeyId, PendingWindowInDays: 7 });
    assert.equal(scheduled.DeletionDate, (t1 + 7 * DAY) / 1000);
    assert.equal(await h.state(KeyId), 'PendingDeletion');
    await assert.rejects(h.decrypt(v1, { k: 'v' }), kmsCode('invalid-state'), 'pending deletion: refused, but the key is there');

    h.clock.now = t1 + 7 * DAY - 1;
    assert.deepEqual(await h.service.runScheduledWork(), { rotated: 0, deleted: 0 });
    assert.equal(await h.state(KeyId), 'PendingDeletion');
    assert.equal((await h.stores.keys.listMaterials(KeyId)).length, 2);

    h.clock.now = t1 + 7 * DAY;
    assert.deepEqual(await h.service.runScheduledWork(), { rotated: 0, deleted: 1 });
    assert.equal(await h.stores.keys.getKey('us-east-1', KeyId), undefined);
    assert.deepEqual(await h.stores.keys.listMaterials(KeyId), []);
    assert.equal(await h.stores.keys.getAlias(ACCOUNT, 'us-east-1', 'alias/doomed'), undefined);
    await assert.rejects(h.call('DescribeKey', { KeyId }), kmsCode('not-found'));
    for (const [blob, context] of [[v1, { k: 'v' }], [v2, undefined]] as const) {
      await assert.rejects(h.decrypt(blob, context), (e: unknown) => {
        assert.ok(e instanceof KmsError);
        assert.equal(e.code, 'access-denied');
        assert.match(e.message, /refers to a customer master key that does not exist/);
        return true;
      });
    }
    assert.ok(h.changes.includes(Arn));
    assert.deepEqual(await h.service.runScheduledWork(), { rotated: 0, deleted: 0 }, 'erased once');
  });

  it(
    'does not erase a key whose deletion was cancelled after the scheduler listed it',
    async () => {
      let interleave: (() => Promise<void>) | undefined;
      const h = harness({
        wrapKeys: (keys) => ({
          ...keys,
          async deleteKey(keyId, revision) {
            const run = interleave;
            interleave = undefined;
            await run?.();
            return keys.deleteKey(keyId, revision);
          },
        }),
      });
      const a = (await h.createKey()).KeyId;
      const b = (await h.createKey()).KeyId;
      await h.call('ScheduleKeyDeletion', { KeyId: a, PendingWindowInDays: 7 });
      await h.call('ScheduleKeyDeletion', { KeyId: b, PendingWindowInDays: 7 });
      h.clock.now = T0 + 7 * DAY;
      // While the scheduler erases the first key it listed, a CancelKeyDeletion of the other succeeds
      // (another request on this node, or another node sharing the database).
      let cancelled: string | undefined;
      interleave = async () => {
        const [first] = await h.stores.keys.listDue(h.clock.now);
        cancelled = first!.id === a ? b : a;
        await h.call('CancelKeyDeletion', { KeyId: cancelled });
      };
      await h.service.runScheduledWork();
      assert.ok(cancelled);
      assert.equal(await h.state(cancelled), 'Disabled', 'an acknowledged CancelKeyDeletion must hold');
    },
  );

  it('CancelKeyDeletion leaves the key Disabled; it is not erased later and can be enabled again', async () => {
    const h = harness();
    const { KeyId } = await h.createKey();
    await h.call('EnableKeyRotation', { KeyId, RotationPeriodInDays: 90 });
    const blob = await h.encrypt(KeyId, 'kept');
    await h.call('ScheduleKeyDeletion', { KeyId, PendingWindowInDays: 7 });
    assert.equal((await h.call('GetKeyRotationStatus', { KeyId })).KeyRotationEnabled, false, 'pending deletion reports false');
    h.clock.now = T0 + 3 * DAY;
    await h.call('CancelKeyDeletion', { KeyId });
    const meta = (await h.call('DescribeKey', { KeyId })).KeyMetadata;
    assert.equal(meta.KeyState, 'Disabled');
    assert.equal(meta.DeletionDate, undefined);
    assert.equal(meta.PendingDeletionWindowInDays, undefined);
    assert.equal((await h.call('GetKeyRotationStatus', { KeyId })).KeyRotationEnabled, true, 'cancelling restores the setting');
    await assert.rejects(h.decrypt(blob), kmsCode('disabled'));

    h.clock.now = T0 + 60 * DAY;
    assert.deepEqual(await h.service.runScheduledWork(), { rotated: 0, deleted: 0 });
    assert.equal(await h.state(KeyId), 'Disabled');
    await h.call('EnableKey', { KeyId });
    assert.equal(await h.decrypt(blob), 'kept');
  });
});

describe('kms/service: the audit hook', () => {
  it('is called once per call, successful or failed, with the outcome and without secrets', async () => {
    const h = harness();
    const { KeyId } = await h.createKey({ Description: 'audited' });
    const blob = await h.encrypt(KeyId, 'top secret plaintext');
    const dk = await h.call('GenerateDataKey', { KeyId, KeySpec: 'AES_256' });
    await assert.rejects(h.call('Decrypt', { CiphertextBlob: Buffer.alloc(60, 7).toString('base64') }), kmsCode('invalid-ciphertext'));
    await assert.rejects(h.call('DescribeKey', { KeyId: '00000000-0000-4000-8000-00000000dead' }), kmsCode('not-found'));
    await assert.rejects(h.call('Encrypt', { KeyId }), kmsCode('validation'), 'a body the schema refuses is audited too');
    await assert.rejects(h.call('Encrypt', 'not an object'), kmsCode('serialization'));
    assert.equal(await h.decrypt(blob), 'top secret plaintext');

    assert.deepEqual(h.audits.map((a) => [a.eventName, a.errorCode ?? 'ok']), [
      ['CreateKey', 'ok'],
      ['Encrypt', 'ok'],
      ['GenerateDataKey', 'ok'],
      ['Decrypt', 'invalid-ciphertext'],
      ['DescribeKey', 'not-found'],
      ['Encrypt', 'validation'],
      ['Encrypt', 'serialization'],
      ['Decrypt', 'ok'],
    ]);
    for (const a of h.audits) {
      if (a.errorCode) assert.equal(a.responseElements, null, `${a.eventName}: no response elements for a failure`);
      assert.equal(a.request.principal.arn, ADMIN.arn);
    }
    assert.deepEqual(new Set(h.audits.map((a) => a.request.requestId)).size, h.audits.length, 'one record per request');
    const text = JSON.stringify(h.audits);
    for (const secret of [Buffer.from('top secret plaintext').toString('base64'), 'top secret plaintext', dk.Plaintext, blob, dk.CiphertextBlob]) {
      assert.equal(text.includes(secret), false, 'audit records hold no plaintext, data key or ciphertext');
    }
  });

  it('answers only after the audit record is kept, for successes and failures alike', async () => {
    let release!: () => void;
    let pending = 0;
    const h = harness({
      audit: () => {
        pending++;
        return new Promise<void>((resolve) => (release = resolve));
      },
    });
    for (const body of [{}, { KeySpec: 'NOT_A_SPEC' }]) {
      let settled = false;
      const answer = h.call('CreateKey', body).then(
        () => (settled = true),
        () => (settled = true),
      );
      for (let i = 0; i < 20 && pending === 0; i++) await new Promise((r) => setImmediate(r));
      assert.equal(pending, 1, 'the audit hook was called');
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      assert.equal(settled, false, 'no answer while the record is not kept');
      release();
      await answer;
      assert.equal(settled, true);
      pending = 0;
    }
  });

  it('fails closed: when the record cannot be kept the call fails, and the answer is not given', async () => {
    let fail = false;
    const h = harness({
      audit: async () => {
        if (fail) throw new Error('audit store down');
      },
    });
    const { KeyId } = await h.createKey();
    const blob = await h.encrypt(KeyId, 'x');
    fail = true;
    await assert.rejects(h.call('Encrypt', { KeyId, Plaintext: Buffer.from('y').toString('base64') }), /audit store down/);
    await assert.rejects(h.call('Decrypt', { CiphertextBlob: blob }), /audit store down/);
    await assert.rejects(h.call('GenerateDataKey', { KeyId, NumberOfBytes: 32 }), /audit store down/);
    await assert.rejects(h.call('DescribeKey', { KeyId: '00000000-0000-4000-8000-00000000dead' }), /audit store down/);
    fail = false;
    assert.equal(await h.decrypt(blob), 'x');
  });
});

describe('kms/service: onKeyChange', () => {
  it('fires on policy, state and material changes, and not on reads or cryptographic use', async () => {
    const h = harness();
    const { KeyId, Arn } = await h.createKey();
    const seen = () => h.changes.splice(0).length;
    seen();

    const blob = await h.encrypt(KeyId, 'p');
    await h.decrypt(blob);
    await h.call('GenerateDataKey', { KeyId, NumberOfBytes: 16 });
    await h.call('DescribeKey', { KeyId });
    const policy = (await h.call('GetKeyPolicy', { KeyId, PolicyName: 'default' })).Policy;
    await h.call('ListKeys', {});
    await h.call('GetKeyRotationStatus', { KeyId });
    assert.equal(seen(), 0, 'reads and crypto change nothing');

    const changes: [string, unknown][] = [
      ['PutKeyPolicy', { KeyId, PolicyName: 'default', Policy: policy.replace('key-default-1', 'key-custom') }],
      ['DisableKey', { KeyId }],
      ['EnableKey', { KeyId }],
      ['EnableKeyRotation', { KeyId, RotationPeriodInDays: 90 }],
      ['RotateKeyOnDemand', { KeyId }],
      ['DisableKeyRotation', { KeyId }],
      ['ScheduleKeyDeletion', { KeyId, PendingWindowInDays: 7 }],
      ['CancelKeyDeletion', { KeyId }],
    ];
    for (const [operation, body] of changes) {
      await h.call(operation, body);
      assert.deepEqual(h.changes.splice(0), [Arn], operation);
    }

    await assert.rejects(h.call('CancelKeyDeletion', { KeyId }), kmsCode('invalid-state'));
    assert.equal(seen(), 0, 'a refused change tells nobody');

    await h.call('EnableKey', { KeyId });
    await h.call('EnableKeyRotation', { KeyId, RotationPeriodInDays: 90 });
    seen();
    h.clock.now = T0 + 90 * DAY;
    assert.equal((await h.service.runScheduledWork()).rotated, 1);
    assert.deepEqual(h.changes.splice(0), [Arn], 'scheduled rotation');
    await h.call('ScheduleKeyDeletion', { KeyId, PendingWindowInDays: 7 });
    seen();
    h.clock.now = T0 + 97 * DAY;
    assert.equal((await h.service.runScheduledWork()).deleted, 1);
    assert.deepEqual(h.changes.splice(0), [Arn], 'scheduled deletion');
  });
});

describe('kms/service: parsed key records are reused only at the stored revision', () => {
  /** A second node over the same store: its own service, and so its own caches. */
  function otherNode(h: ReturnType<typeof harness>) {
    const service = createKeyService(h.deps);
    return (operation: string, body: unknown) =>
      service.invoke(
        { principal: ADMIN, region: 'us-east-1', requestId: 'other-node', sourceIp: '192.0.2.11', userAgent: 'unit-test', secureTransport: true, time: h.clock.now },
        KMS_OPERATIONS[`TrentService.${operation}`]!,
        body,
      );
  }

  it('sees a change made by another node on the very next request: state and key policy', async () => {
    const h = harness();
    const other = otherNode(h);
    const { KeyId } = await h.createKey();
    const blob = await h.encrypt(KeyId, 'before');

    await other('DisableKey', { KeyId });
    await assert.rejects(h.encrypt(KeyId, 'disabled'), kmsCode('disabled'));
    await assert.rejects(h.decrypt(blob), kmsCode('disabled'));
    await other('EnableKey', { KeyId });
    assert.equal(await h.decrypt(await h.encrypt(KeyId, 'again')), 'again');

    // Revocation: a Deny for Encrypt put by the other node holds here at once.
    const policy = JSON.parse((await h.call('GetKeyPolicy', { KeyId, PolicyName: 'default' })).Policy);
    policy.Statement.push({ Sid: 'NoEncrypt', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:Encrypt', Resource: '*' });
    await other('PutKeyPolicy', { KeyId, PolicyName: 'default', Policy: JSON.stringify(policy) });
    await assert.rejects(h.encrypt(KeyId, 'revoked'), kmsCode('access-denied'));
    assert.equal(await h.decrypt(blob), 'before', 'Decrypt is still allowed');
  });

  it('sees rotation by another node: new blobs use the new material', async () => {
    const h = harness();
    const other = otherNode(h);
    const { KeyId } = await h.createKey();
    const first = await h.encrypt(KeyId, 'v1');
    await other('RotateKeyOnDemand', { KeyId });
    const second = await h.encrypt(KeyId, 'v2');
    assert.deepEqual([materialOf(first), materialOf(second)], [1, 2]);
    assert.equal(await h.decrypt(first), 'v1');
  });

  it('reads the key document once per revision, and its revision on every request', async () => {
    let documents = 0;
    let revisions = 0;
    const h = harness({
      wrapKeys: (keys) => ({
        ...keys,
        async getKey(region, keyId) {
          documents++;
          return keys.getKey(region, keyId);
        },
        async getKeyRevision(region, keyId) {
          revisions++;
          return keys.getKeyRevision(region, keyId);
        },
      }),
    });
    const { KeyId } = await h.createKey();
    const blob = await h.encrypt(KeyId, 'x');
    [documents, revisions] = [0, 0];
    for (let i = 0; i < 5; i++) {
      await h.encrypt(KeyId, 'x');
      await h.decrypt(blob);
    }
    assert.deepEqual([documents, revisions], [0, 10]);
    await h.call('UpdateKeyDescription', { KeyId, Description: 'changed' });
    [documents, revisions] = [0, 0];
    assert.equal((await h.call('DescribeKey', { KeyId })).KeyMetadata.Description, 'changed');
    await h.encrypt(KeyId, 'x');
    assert.deepEqual([documents, revisions], [1, 2], 'one document read after the change, then the kept one');
  });

  it('answers NotFound for a key erased by another node, though its record was kept', async () => {
    const h = harness();
    const { KeyId } = await h.createKey();
    await h.encrypt(KeyId, 'x');
    await h.stores.keys.deleteKey(KeyId);
    await assert.rejects(h.encrypt(KeyId, 'x'), kmsCode('not-found'));
  });
});

describe('kms/service: limits', () => {
  it(
    'answers an encryption context too large to encode with a KMS error, not an internal one',
    async () => {
      const h = harness();
      const { KeyId } = await h.createKey();
      await assert.rejects(
        h.call('Encrypt', { KeyId, Plaintext: 'AA==', EncryptionContext: { ['k'.repeat(70_000)]: 'v' } }),
        (e: unknown) => e instanceof KmsError && e.code !== 'internal',
      );
    },
  );
});

describe('kms/service: fixed dependencies', () => {
  it('gives byte-identical answers for the same calls over the same clock, randomness and ids', async () => {
    const run = async () => {
      const h = harness({ seed: 'same', prefix: 'abcdef01' });
      const { KeyId } = await h.createKey();
      const blob = await h.encrypt(KeyId, 'deterministic', { a: 'b' });
      const dk = await h.call('GenerateDataKey', { KeyId, NumberOfBytes: 32 });
      return { KeyId, blob, dk };
    };
    const first = await run();
    const second = await run();
    assert.deepEqual(second, first);
    assert.equal(first.KeyId, 'abcdef01-0000-4000-8000-000000000001');
  });
});

describe('kms/service: what the service does on its own is audited', () => {
  it('a scheduled rotation and a scheduled erasure each produce one service event for the key owner', async () => {
    const h = harness();
    const { KeyId, Arn } = await h.createKey();
    await h.call('EnableKeyRotation', { KeyId, RotationPeriodInDays: 90 });
    h.clock.now = T0 + 90 * DAY;
    assert.equal((await h.service.runScheduledWork()).rotated, 1);
    assert.deepEqual(h.serviceEvents, [{ eventName: 'RotateKey', eventTime: T0 + 90 * DAY, key: h.serviceEvents[0]!.key }]);
    assert.equal(h.serviceEvents[0]!.key.arn, Arn);
    assert.equal(h.serviceEvents[0]!.key.accountId, ACCOUNT);
    await h.call('ScheduleKeyDeletion', { KeyId, PendingWindowInDays: 7 });
    h.clock.now = T0 + 97 * DAY;
    assert.equal((await h.service.runScheduledWork()).deleted, 1);
    assert.deepEqual(h.serviceEvents.map((e) => e.eventName), ['RotateKey', 'DeleteKey']);
    assert.equal(h.serviceEvents[1]!.key.arn, Arn);
  });
});
