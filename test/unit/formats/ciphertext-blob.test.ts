// docs/formats.md §1: the KMS ciphertext blob, version 1.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CiphertextBlobError,
  HEADER_LENGTH,
  encodeContext,
  openBlob,
  readBlobHeader,
  sealBlob,
  type EncryptionContext,
} from '../../../src/formats/ciphertext-blob.js';

const KEY = Buffer.alloc(32, 0x11);
const OTHER_KEY = Buffer.alloc(32, 0x22);
const NONCE = Buffer.from('000102030405060708090a0b', 'hex');
const KEY_ID = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0';
const HEADER = { keyId: KEY_ID, material: 3 };
const CONTEXT: EncryptionContext = { tenant: 'acme', bucket: 'data', 'ключ': 'значение' };

const failsAs = (reason: string) => (e: unknown) =>
  e instanceof CiphertextBlobError && e.message === `formats/ciphertext-blob: ${reason}`;

function small(): Buffer {
  return sealBlob(HEADER, KEY, Buffer.from('tiny!'), CONTEXT, NONCE);
}

describe('formats/ciphertext-blob', () => {
  it('round-trips plaintext of every size KMS allows, with and without a context', () => {
    for (const size of [0, 1, 15, 16, 17, 100, 4096]) {
      const plaintext = Buffer.alloc(size, size & 0xff);
      for (const context of [undefined, {}, CONTEXT]) {
        const blob = sealBlob(HEADER, KEY, plaintext, context, NONCE);
        assert.equal(blob.length, HEADER_LENGTH + size + 16);
        assert.deepEqual(openBlob(blob, KEY, context), plaintext);
      }
    }
    assert.equal(HEADER_LENGTH, 33);
  });

  it('lays out the header as version ‖ key id ‖ u32 material ‖ nonce', () => {
    const blob = sealBlob({ keyId: KEY_ID, material: 0x01020304 }, KEY, Buffer.from('x'), undefined, NONCE);
    assert.equal(blob[0], 0x01);
    assert.equal(blob.subarray(1, 17).toString('hex'), KEY_ID.replace(/-/g, ''));
    assert.equal(blob.subarray(17, 21).toString('hex'), '01020304');
    assert.deepEqual(blob.subarray(21, 33), NONCE);
    assert.deepEqual(readBlobHeader(blob), { keyId: KEY_ID, material: 0x01020304 });
  });

  it('does not depend on the order the context pairs are given in', () => {
    const reordered: EncryptionContext = { 'ключ': 'значение', bucket: 'data', tenant: 'acme' };
    assert.deepEqual(encodeContext(reordered), encodeContext(CONTEXT));
    const blob = small();
    assert.deepEqual(sealBlob(HEADER, KEY, Buffer.from('tiny!'), reordered, NONCE), blob);
    assert.deepEqual(openBlob(blob, KEY, reordered).toString(), 'tiny!');
  });

  it('treats no context and an empty context alike', () => {
    assert.deepEqual(encodeContext(undefined), encodeContext({}));
    const blob = sealBlob(HEADER, KEY, Buffer.from('p'), undefined, NONCE);
    assert.equal(openBlob(blob, KEY, {}).toString(), 'p');
  });

  it('encodes a context as u16(n) ‖ len16(k) ‖ len16(v) …, sorted by the UTF-8 bytes of k', () => {
    assert.equal(encodeContext({ b: 'xy', a: '' }).toString('hex'), '0002' + '000161' + '0000' + '000162' + '00027879');
    // 'é' (c3 a9) < '｡' (ef bd a1) < '😀' (f0 9f 98 80) bytewise; UTF-16 would put '😀' (d83d) before '｡' (ff61).
    const encoded = encodeContext({ '😀': '1', '｡': '2', 'é': '3' });
    assert.equal(encoded.toString('hex'), '0003' + '0002c3a9' + '000133' + '0003efbda1' + '000132' + '0004f09f9880' + '000131');
  });

  it('fails when any single byte of a blob is changed', () => {
    const blob = small();
    assert.equal(blob.length, 33 + 5 + 16);
    for (let i = 0; i < blob.length; i++) {
      for (const mask of [0x01, 0x80]) {
        const changed = Buffer.from(blob);
        changed[i]! ^= mask;
        assert.throws(() => openBlob(changed, KEY, CONTEXT), failsAs(i === 0 ? 'unknown version' : 'authentication failed'), `byte ${i} ^ ${mask}`);
      }
    }
    assert.equal(openBlob(blob, KEY, CONTEXT).toString(), 'tiny!', 'the untouched blob still opens');
  });

  it('fails with a wrong, partial, extra or differently cased context', () => {
    const blob = small();
    const wrong: (EncryptionContext | undefined)[] = [
      undefined,
      {},
      { tenant: 'acme', bucket: 'data' },
      { ...CONTEXT, extra: '' },
      { ...CONTEXT, tenant: 'Acme' },
      { ...CONTEXT, tenant: 'acme ' },
      { Tenant: 'acme', bucket: 'data', 'ключ': 'значение' },
      // Moving bytes between a key and its value must not collide (the lengths are authenticated).
      { tenanta: 'cme', bucket: 'data', 'ключ': 'значение' },
    ];
    for (const context of wrong) assert.throws(() => openBlob(blob, KEY, context), failsAs('authentication failed'), JSON.stringify(context));
  });

  it('fails with another material key', () => {
    assert.throws(() => openBlob(small(), OTHER_KEY, CONTEXT), failsAs('authentication failed'));
  });

  it('fails when the header names another key id or material version (the header is authenticated)', () => {
    const blob = small();
    const otherKey = Buffer.from(blob);
    Buffer.from('ffffffff000040008000000000000001', 'hex').copy(otherKey, 1);
    assert.throws(() => openBlob(otherKey, KEY, CONTEXT), failsAs('authentication failed'));
    const otherVersion = Buffer.from(blob);
    otherVersion.writeUInt32BE(2, 17);
    assert.equal(readBlobHeader(otherVersion).material, 2);
    assert.throws(() => openBlob(otherVersion, KEY, CONTEXT), failsAs('authentication failed'));
  });

  it('refuses an unknown version before reading anything else', () => {
    for (const version of [0x00, 0x02, 0xff]) {
      const blob = Buffer.from(small());
      blob[0] = version;
      assert.throws(() => readBlobHeader(blob), failsAs('unknown version'));
      assert.throws(() => openBlob(blob, KEY, CONTEXT), failsAs('unknown version'));
    }
  });

  it('refuses a blob too short to hold a header and a tag', () => {
    const blob = small();
    for (const length of [0, 1, 32, 33, 48]) {
      assert.throws(() => readBlobHeader(blob.subarray(0, length)), failsAs('too short'), `length ${length}`);
      assert.throws(() => openBlob(blob.subarray(0, length), KEY, CONTEXT), failsAs('too short'), `length ${length}`);
    }
    const empty = sealBlob(HEADER, KEY, Buffer.alloc(0), undefined, NONCE);
    assert.equal(empty.length, 49);
    assert.equal(openBlob(empty, KEY, undefined).length, 0);
  });

  it('detects truncation and extension', () => {
    const blob = small();
    assert.throws(() => openBlob(blob.subarray(0, blob.length - 1), KEY, CONTEXT), failsAs('authentication failed'));
    assert.throws(() => openBlob(Buffer.concat([blob, Buffer.from([0])]), KEY, CONTEXT), failsAs('authentication failed'));
  });

  it('makes different blobs from different nonces', () => {
    const a = sealBlob(HEADER, KEY, Buffer.from('same'), CONTEXT, NONCE);
    const b = sealBlob(HEADER, KEY, Buffer.from('same'), CONTEXT, Buffer.alloc(12, 0xee));
    assert.notDeepEqual(a.subarray(33), b.subarray(33));
  });

  it('Precondition: a blob names its key by a UUID key id.', () => {
    for (const keyId of ['', 'not-a-uuid', 'alias/acme', '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f', '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0a', 'zf1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0']) {
      assert.throws(() => sealBlob({ keyId, material: 1 }, KEY, Buffer.from('x'), undefined, NONCE), /key id must be a UUID/, keyId);
    }
    assert.ok(sealBlob({ keyId: KEY_ID, material: 1 }, KEY, Buffer.from('x'), undefined, NONCE).length > 0);
  });

  it('Precondition: blobs are sealed with 256-bit material and a fresh 96-bit nonce.', () => {
    for (const length of [0, 16, 24, 31, 33, 64]) {
      assert.throws(() => sealBlob(HEADER, Buffer.alloc(length, 1), Buffer.from('x'), undefined, NONCE), /material must be 32 bytes and nonce 12/, `key ${length}`);
    }
    for (const length of [0, 8, 11, 13, 16]) {
      assert.throws(() => sealBlob(HEADER, KEY, Buffer.from('x'), undefined, Buffer.alloc(length, 1)), /material must be 32 bytes and nonce 12/, `nonce ${length}`);
    }
    // Freshness is the caller's part: the key service draws 12 random bytes per blob (src/kms/symmetric.ts).
    assert.ok(sealBlob(HEADER, KEY, Buffer.from('x'), undefined, NONCE).length > 0);
  });
});
