import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBucketKeyCache } from '../../../src/objects/bucket-keys.js';

const KEY = { keyArn: 'arn:aws:kms:us-east-1:111122223333:key/k', plaintext: Buffer.alloc(32, 1), blob: Buffer.from('blob') };

// The revocation race: a bucket key fetched by a request in flight while the KMS key changed must
// not be cached, or it would serve the provider for a whole TTL after the grant was removed.
describe('objects/bucket-keys', () => {
  it('does not cache a bucket key fetched across a key change', () => {
    const cache = createBucketKeyCache(60_000, () => 0);
    const seen = cache.generation();
    cache.forgetKey(KEY.keyArn); // the policy changed while GenerateDataKey/Decrypt was in flight
    cache.rememberWrite('b', 'p', 'k', KEY, seen);
    cache.rememberRead('b', 'p', KEY, seen);
    assert.equal(cache.forWrite('b', 'p', 'k'), undefined);
    assert.equal(cache.forRead('b', 'p', KEY.blob), undefined);
  });

  it('caches a bucket key fetched with no change in between, until its key changes or the TTL passes', () => {
    let now = 0;
    const cache = createBucketKeyCache(60_000, () => now);
    cache.rememberWrite('b', 'p', 'k', KEY, cache.generation());
    cache.rememberRead('b', 'p', KEY, cache.generation());
    assert.deepEqual(cache.forWrite('b', 'p', 'k')?.keyArn, KEY.keyArn);
    assert.ok(cache.forRead('b', 'p', KEY.blob));
    assert.equal(cache.forWrite('b', 'other-principal', 'k'), undefined, 'one per requesting principal');
    now = 60_000;
    assert.equal(cache.forWrite('b', 'p', 'k'), undefined, 'expired at the TTL');
    now = 0;
    cache.rememberWrite('b', 'p', 'k', KEY, cache.generation());
    cache.forgetKey(KEY.keyArn);
    assert.equal(cache.forWrite('b', 'p', 'k'), undefined, 'dropped when its key changes');
  });

  it('shares one KMS call among concurrent misses of the same entry (a cold start costs one call, not one per request)', async () => {
    const cache = createBucketKeyCache(60_000, () => 0);
    let calls = 0;
    let answer!: (key: typeof KEY) => void;
    const fetch = () => {
      calls++;
      return new Promise<typeof KEY>((resolve) => (answer = resolve));
    };
    const waiting = Array.from({ length: 16 }, () => cache.writeKey('b', 'p', 'k', fetch));
    answer(KEY);
    const keys = await Promise.all(waiting);
    assert.equal(calls, 1);
    assert.ok(keys.every((k) => k.blob.equals(KEY.blob)));
    await cache.writeKey('b', 'p', 'k', fetch);
    assert.equal(calls, 1, 'then served from the cache');
    const reads = await Promise.all(Array.from({ length: 4 }, () => cache.readKey('b', 'p', KEY.blob, async () => (calls++, KEY))));
    assert.equal(calls, 2, 'reads share one Decrypt the same way');
    assert.ok(reads.every((r) => r.equals(KEY.plaintext)));
    assert.equal(await Promise.all([cache.writeKey('b', 'other', 'k', async () => (calls++, KEY))]).then(() => calls), 3, 'another principal asks for its own');
  });

  it('does not let a request that arrives after a key change join a call started before it', async () => {
    const cache = createBucketKeyCache(60_000, () => 0);
    const answers: ((key: typeof KEY) => void)[] = [];
    const fetch = () => new Promise<typeof KEY>((resolve) => answers.push(resolve));
    const before = cache.writeKey('b', 'p', 'k', fetch);
    cache.forgetKey(KEY.keyArn); // the customer revoked the provider while GenerateDataKey was in flight
    const after = cache.writeKey('b', 'p', 'k', fetch);
    assert.equal(answers.length, 2, 'the later request asked KMS itself (where it would be refused)');
    answers[0]!(KEY);
    await before;
    answers[1]!(KEY);
    await after;
    assert.ok(cache.forWrite('b', 'p', 'k'), 'the answer fetched after the change is cached');
    const again = createBucketKeyCache(60_000, () => 0);
    let release!: (key: typeof KEY) => void;
    const racing = again.writeKey('b', 'p', 'k', () => new Promise((resolve) => (release = resolve)));
    again.forgetKey(KEY.keyArn);
    release(KEY);
    await racing;
    assert.equal(again.forWrite('b', 'p', 'k'), undefined, 'the answer fetched across the change is not cached');
  });

  it('hands a refusal to every request that shared the call, and asks again next time', async () => {
    const cache = createBucketKeyCache(60_000, () => 0);
    let calls = 0;
    const denied = async (): Promise<typeof KEY> => {
      calls++;
      throw new Error('AccessDenied');
    };
    const results = await Promise.allSettled([cache.writeKey('b', 'p', 'k', denied), cache.writeKey('b', 'p', 'k', denied)]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.equal(calls, 1);
    await assert.rejects(cache.writeKey('b', 'p', 'k', denied), /AccessDenied/);
    assert.equal(calls, 2);
  });
});
