// docs/formats.md §2: secrets sealed by the root key, version 1.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SealedError, open, seal } from '../../../src/formats/sealed.js';

const ROOT = Buffer.alloc(32, 0x5a);
const OTHER_ROOT = Buffer.alloc(32, 0xa5);
const NONCE = Buffer.from('f0e0d0c0b0a0908070605040', 'hex');
const ARN = 'arn:aws:kms:us-east-1:111122223333:key/0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0';
const PURPOSE = `opencmk/v1/material/${ARN}/1`;
const SECRET = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex');

const failsAs = (reason: string) => (e: unknown) => e instanceof SealedError && e.message === `formats/sealed: ${reason}`;

describe('formats/sealed', () => {
  it('round-trips secrets of any length', () => {
    for (const size of [0, 1, 32, 40, 1000]) {
      const secret = Buffer.alloc(size, 7);
      const sealed = seal(ROOT, secret, PURPOSE, NONCE);
      assert.equal(sealed.length, 1 + 12 + size + 16);
      assert.deepEqual(open(ROOT, sealed, PURPOSE), secret);
    }
  });

  it('lays out version ‖ nonce ‖ ciphertext ‖ tag, with no secret byte in the clear', () => {
    const sealed = seal(ROOT, SECRET, PURPOSE, NONCE);
    assert.equal(sealed[0], 0x01);
    assert.deepEqual(sealed.subarray(1, 13), NONCE);
    assert.equal(sealed.indexOf(SECRET), -1);
    assert.equal(sealed.indexOf(SECRET.subarray(0, 8)), -1);
  });

  it('fails when any single byte is changed', () => {
    const sealed = seal(ROOT, Buffer.from('short secret'), PURPOSE, NONCE);
    for (let i = 0; i < sealed.length; i++) {
      for (const mask of [0x01, 0x80]) {
        const changed = Buffer.from(sealed);
        changed[i]! ^= mask;
        assert.throws(() => open(ROOT, changed, PURPOSE), failsAs(i === 0 ? 'unknown version' : 'authentication failed'), `byte ${i} ^ ${mask}`);
      }
    }
    assert.equal(open(ROOT, sealed, PURPOSE).toString(), 'short secret');
  });

  it('fails under another purpose: another key, another version, another kind of secret', () => {
    const sealed = seal(ROOT, SECRET, PURPOSE, NONCE);
    for (const purpose of [
      `opencmk/v1/material/${ARN}/2`,
      `opencmk/v1/material/${ARN.replace('us-east-1', 'eu-west-1')}/1`,
      `opencmk/v1/material/${ARN.replace('111122223333', '444455556666')}/1`,
      `opencmk/v1/secret-access-key/AKIAEXAMPLE000000001`,
      `${PURPOSE} `,
      '',
    ]) {
      assert.throws(() => open(ROOT, sealed, purpose), failsAs('authentication failed'), purpose);
    }
  });

  it('fails under another root key', () => {
    assert.throws(() => open(OTHER_ROOT, seal(ROOT, SECRET, PURPOSE, NONCE), PURPOSE), failsAs('authentication failed'));
  });

  it('refuses an unknown version', () => {
    for (const version of [0x00, 0x02, 0xff]) {
      const sealed = seal(ROOT, SECRET, PURPOSE, NONCE);
      sealed[0] = version;
      assert.throws(() => open(ROOT, sealed, PURPOSE), failsAs('unknown version'));
    }
  });

  it('refuses a value too short to hold a version, a nonce and a tag', () => {
    const sealed = seal(ROOT, SECRET, PURPOSE, NONCE);
    for (const length of [0, 1, 13, 28]) assert.throws(() => open(ROOT, sealed.subarray(0, length), PURPOSE), failsAs('too short'), `length ${length}`);
    assert.equal(open(ROOT, seal(ROOT, Buffer.alloc(0), PURPOSE, NONCE), PURPOSE).length, 0);
  });

  it('detects truncation and extension', () => {
    const sealed = seal(ROOT, SECRET, PURPOSE, NONCE);
    assert.throws(() => open(ROOT, sealed.subarray(0, sealed.length - 1), PURPOSE), failsAs('authentication failed'));
    assert.throws(() => open(ROOT, Buffer.concat([sealed, Buffer.from([1])]), PURPOSE), failsAs('authentication failed'));
  });

  it('Precondition: sealed values use a 256-bit root key and a 96-bit nonce.', () => {
    for (const length of [0, 16, 24, 31, 33]) {
      assert.throws(() => seal(Buffer.alloc(length, 1), SECRET, PURPOSE, NONCE), /root key must be 32 bytes and nonce 12/, `root ${length}`);
    }
    for (const length of [0, 8, 11, 13, 16]) {
      assert.throws(() => seal(ROOT, SECRET, PURPOSE, Buffer.alloc(length, 1)), /root key must be 32 bytes and nonce 12/, `nonce ${length}`);
    }
    assert.equal(seal(ROOT, SECRET, PURPOSE, NONCE).length, 61);
  });
});
