import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  HEADER_LENGTH,
  ObjectStreamError,
  TAG_LENGTH,
  ciphertextLength,
  encryptStream,
  importKey,
  sealer,
  segmentOpener,
  type SegmentOpener,
} from '../../../src/formats/object-stream.js';

// The random-access reader (docs/formats.md §3.4, segments at known offsets) must accept exactly
// what the streaming reader accepts: every segment of a genuine stream, and nothing else.
const S = 16384;
const dataKey = randomBytes(32);
const context = 'arn:aws:s3:::bucket-a/photos/cat.jpg#1';

function store(plaintext: Buffer, segmentSize = S): Buffer {
  const out: Buffer[] = [];
  const seal = sealer({ dataKey, context, segmentSize }, (b) => out.push(b));
  seal.write(plaintext);
  seal.end();
  return Buffer.concat(out);
}

const opener = (stored: Buffer, plaintextLength: number, overrides: { context?: string; segmentSize?: number } = {}): SegmentOpener =>
  segmentOpener(
    { key: importKey(dataKey), context: overrides.context ?? context, plaintextLength, segmentSize: overrides.segmentSize ?? S },
    stored.subarray(0, HEADER_LENGTH),
  );

// Every segment, opened from its own slice of the stored bytes, in the order given.
function openAll(o: SegmentOpener, stored: Buffer, order: number[] = [...Array(o.count).keys()]): Buffer[] {
  return order.map((i) => o.open(i, stored.subarray(o.offsetOf(i), o.offsetOf(i) + o.storedLengthOf(i))));
}

const isCode = (code: string) => (error: unknown) => error instanceof ObjectStreamError && error.code === code;

describe('object stream: segments at known offsets', () => {
  for (const size of [0, 1, S - 1, S, S + 1, 3 * S + 5]) {
    it(`opens every segment of a ${size}-byte stream, in any order`, () => {
      const plaintext = randomBytes(size);
      const stored = store(plaintext);
      assert.equal(stored.length, ciphertextLength(size, S));
      const o = opener(stored, size);
      assert.equal(o.offsetOf(o.count - 1) + o.storedLengthOf(o.count - 1), stored.length);
      assert.deepEqual(Buffer.concat(openAll(o, stored)), plaintext);
      const reversed = openAll(o, stored, [...Array(o.count).keys()].reverse()).reverse();
      assert.deepEqual(Buffer.concat(reversed), plaintext);
    });
  }

  it('the sealer writes what encryptStream writes, byte for byte', async () => {
    const plaintext = randomBytes(2 * S + 77);
    const fixed = Buffer.alloc(39, 9);
    const pushed: Buffer[] = [];
    const seal = sealer({ dataKey, context, segmentSize: S, random: () => fixed }, (b) => pushed.push(b));
    for (let at = 0; at < plaintext.length; at += 5000) seal.write(plaintext.subarray(at, at + 5000));
    seal.end();
    const stream = encryptStream({ dataKey, context, segmentSize: S, random: () => fixed });
    const streamed: Buffer[] = [];
    stream.on('data', (b: Buffer) => streamed.push(b));
    stream.end(plaintext);
    await new Promise((resolve) => stream.on('end', resolve));
    assert.deepEqual(Buffer.concat(pushed), Buffer.concat(streamed));
  });

  it('refuses a flipped byte, a segment moved to another index, a wrong context and a wrong length', () => {
    const plaintext = randomBytes(3 * S);
    const stored = store(plaintext);
    const o = opener(stored, plaintext.length);
    const flipped = Buffer.from(stored);
    flipped[o.offsetOf(1) + 100]! ^= 1;
    assert.throws(() => openAll(o, flipped), isCode('object-stream-corrupt'));
    const segment0 = stored.subarray(o.offsetOf(0), o.offsetOf(0) + o.storedLengthOf(0));
    assert.throws(() => o.open(1, segment0), isCode('object-stream-corrupt'), 'segment 0 read as segment 1');
    assert.throws(() => openAll(opener(stored, plaintext.length, { context: 'arn:aws:s3:::bucket-a/other#1' }), stored), isCode('object-stream-corrupt'));
    // Told one segment fewer: the last segment it expects was sealed as an inner one.
    const short = opener(stored, 2 * S);
    assert.throws(() => short.open(1, stored.subarray(short.offsetOf(1), short.offsetOf(1) + short.storedLengthOf(1))), isCode('object-stream-corrupt'));
  });

  it('checks the header: version, length and segment size', () => {
    const stored = store(randomBytes(100));
    const wrongVersion = Buffer.from(stored);
    wrongVersion[0] = 2;
    assert.throws(() => opener(wrongVersion, 100), isCode('object-stream-version'));
    assert.throws(() => segmentOpener({ key: importKey(dataKey), context, plaintextLength: 100, segmentSize: S }, stored.subarray(0, 20)), isCode('object-stream-truncated'));
    assert.throws(() => opener(stored, 100, { segmentSize: 2 * S }), isCode('object-stream-corrupt'));
    const otherSize = Buffer.from(stored);
    otherSize.writeUInt32BE(2 * S, 1);
    assert.throws(() => openAll(opener(otherSize, 100, { segmentSize: 2 * S }), otherSize), isCode('object-stream-corrupt'), 'a changed header changes the key');
  });

  it('Precondition: the caller hands over exactly one stored segment of this stream.', () => {
    const stored = store(randomBytes(S + 10));
    const o = opener(stored, S + 10);
    assert.throws(() => o.open(0, stored.subarray(o.offsetOf(0), o.offsetOf(0) + S)), isCode('object-stream-invalid-argument'));
    assert.throws(() => o.open(2, Buffer.alloc(TAG_LENGTH)), isCode('object-stream-invalid-argument'));
  });

  it('importKey refuses a data key that is not 32 bytes', () => {
    assert.throws(() => importKey(Buffer.alloc(16)), isCode('object-stream-invalid-argument'));
  });
});
