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
});
