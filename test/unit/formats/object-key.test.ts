// Tests for src/formats/object-key.ts (docs/formats.md §4): per-object data keys from a bucket key.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { ObjectKeyError, OBJECT_KEY_SEED_LENGTH, newObjectDataKey, openObjectDataKey } from '../../../src/formats/object-key.js';
import { ObjectStreamError, decryptStream, encryptStream } from '../../../src/formats/object-stream.js';

const bucketKey = randomBytes(32);
const context = 'bucket-a/v7/invoices/2024-01.pdf';
const invalid = (e: unknown) => e instanceof ObjectKeyError && e.code === 'object-key-invalid-argument';

describe('object data keys from a bucket key', () => {
  it('a new key reopens from its seed, and the seed is version 1', () => {
    const { dataKey, seed } = newObjectDataKey({ bucketKey, context });
    assert.equal(dataKey.length, 32);
    assert.equal(seed.length, OBJECT_KEY_SEED_LENGTH);
    assert.equal(seed[0], 0x01);
    assert.deepEqual(openObjectDataKey({ bucketKey, context, seed }), dataKey);
  });

  it('every object gets its own key', () => {
    const a = newObjectDataKey({ bucketKey, context });
    const b = newObjectDataKey({ bucketKey, context });
    assert.notDeepEqual(a.seed, b.seed);
    assert.notDeepEqual(a.dataKey, b.dataKey);
  });

  it('another context, bucket key or nonce gives another key', () => {
    const { dataKey, seed } = newObjectDataKey({ bucketKey, context });
    assert.notDeepEqual(openObjectDataKey({ bucketKey, context: `${context}x`, seed }), dataKey);
    assert.notDeepEqual(openObjectDataKey({ bucketKey: randomBytes(32), context, seed }), dataKey);
    const nonce = Buffer.from(seed);
    nonce[32]! ^= 1;
    assert.notDeepEqual(openObjectDataKey({ bucketKey, context, seed: nonce }), dataKey);
  });

  it('a derived key drives the object stream, and a moved seed opens nothing', async () => {
    const plaintext = randomBytes(70000);
    const { dataKey, seed } = newObjectDataKey({ bucketKey, context });
    const stored = await buffer(Readable.from([plaintext]).pipe(encryptStream({ dataKey, context })));
    dataKey.fill(0);
    const again = openObjectDataKey({ bucketKey, context, seed });
    assert.deepEqual(await buffer(Readable.from([stored]).pipe(decryptStream({ dataKey: again, context }))), plaintext);
    const other = newObjectDataKey({ bucketKey, context: 'bucket-a/v7/other' });
    const wrong = openObjectDataKey({ bucketKey, context, seed: other.seed });
    await assert.rejects(
      buffer(Readable.from([stored]).pipe(decryptStream({ dataKey: wrong, context }))),
      (e) => e instanceof ObjectStreamError && e.code === 'object-stream-corrupt',
    );
  });

  it('Precondition: the bucket key is 32 bytes.', () => {
    assert.throws(() => newObjectDataKey({ bucketKey: randomBytes(16), context }), invalid);
    const { seed } = newObjectDataKey({ bucketKey, context });
    assert.throws(() => openObjectDataKey({ bucketKey: randomBytes(31), context, seed }), invalid);
  });

  it('Precondition: the object key context is a non-empty, well-formed Unicode string.', () => {
    assert.throws(() => newObjectDataKey({ bucketKey, context: '' }), invalid);
    assert.throws(() => newObjectDataKey({ bucketKey, context: 'a\udc00b' }), invalid);
    assert.doesNotThrow(() => newObjectDataKey({ bucketKey, context: 'bucket/ключ/😀' }));
  });

  it('Precondition: the object key random source returns exactly 32 bytes.', () => {
    assert.throws(() => newObjectDataKey({ bucketKey, context, random: () => randomBytes(31) }), invalid);
    assert.throws(() => newObjectDataKey({ bucketKey, context, random: () => randomBytes(33) }), invalid);
  });

  it('errors name the module', () => {
    try {
      openObjectDataKey({ bucketKey, context, seed: Buffer.of(0x09) });
      assert.fail('expected an error');
    } catch (error) {
      assert.ok(error instanceof ObjectKeyError);
      assert.equal(error.code, 'object-key-version');
      assert.equal(error.message, 'formats/object-key: unknown version');
    }
    assert.throws(() => openObjectDataKey({ bucketKey, context, seed: Buffer.alloc(0) }), (e) => e instanceof ObjectKeyError && e.code === 'object-key-corrupt');
  });
});
