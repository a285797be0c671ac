import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Transform } from 'node:stream';
import {
  DEFAULT_SEGMENT_SIZE,
  HEADER_LENGTH,
  MAX_PLAINTEXT_LENGTH,
  ObjectStreamError,
  TAG_LENGTH,
  ciphertextLength,
  ciphertextRangeFor,
  decryptStream,
  encryptStream,
  maxPlaintextLength,
  type PlaintextRange,
} from '../../../src/formats/object-stream.js';

const S = 16384;
const dataKey = randomBytes(32);
const context = 'bucket-a/3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo/photos/2024/cat.jpg';

// Feeds `input` in chunks of the given sizes (cycled) and collects what comes out, up to an error.
function run(stream: Transform, input: Buffer, sizes: readonly number[] = [input.length || 1]): Promise<{ output: Buffer; error?: Error }> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => out.push(chunk));
    stream.on('end', () => resolve({ output: Buffer.concat(out) }));
    stream.on('error', (error: Error) => resolve({ output: Buffer.concat(out), error }));
    for (let offset = 0, i = 0; offset < input.length; i += 1) {
      const size = sizes[i % sizes.length]!;
      stream.write(input.subarray(offset, offset + size));
      offset += size;
    }
    stream.end();
  });
}

async function ok(stream: Transform, input: Buffer, sizes?: readonly number[]): Promise<Buffer> {
  const { output, error } = await run(stream, input, sizes);
  if (error !== undefined) throw error;
  return output;
}

function encrypt(plaintext: Buffer, sizes?: readonly number[], segmentSize = S): Promise<Buffer> {
  return ok(encryptStream({ dataKey, context, segmentSize }), plaintext, sizes);
}

function isCode(code: string) {
  return (error: unknown) => error instanceof ObjectStreamError && error.code === code;
}

describe('object stream: round trips', () => {
  const sizes = [0, 1, S - 1, S, S + 1, 2 * S, 10 * S + 123];
  const chunkings: Record<string, (n: number) => number[] | undefined> = {
    'one write': () => undefined,
    '1000-byte writes': () => [1000],
    'uneven writes': () => [1, 7, 16383, 16384, 16385, 3, 40000],
  };
  for (const size of sizes) {
    for (const [name, chunking] of Object.entries(chunkings)) {
      it(`${size} bytes, ${name}`, async () => {
        const plaintext = randomBytes(size);
        const stored = await encrypt(plaintext, chunking(size));
        assert.equal(stored.length, ciphertextLength(size, S));
        assert.deepEqual(await ok(decryptStream({ dataKey, context }), stored, chunking(stored.length)), plaintext);
        assert.deepEqual(await ok(decryptStream({ dataKey, context, plaintextLength: size }), stored, chunking(stored.length)), plaintext);
      });
    }
  }

  it('the default segment size is 64 KiB', async () => {
    const plaintext = randomBytes(3 * DEFAULT_SEGMENT_SIZE + 5);
    const stored = await ok(encryptStream({ dataKey, context }), plaintext);
    assert.equal(stored.readUInt32BE(1), 65536);
    assert.equal(stored.length, ciphertextLength(plaintext.length));
    assert.deepEqual(await ok(decryptStream({ dataKey, context }), stored), plaintext);
  });

  it('1-byte writes of a small object, and 1-byte reads of its stream', async () => {
    const plaintext = randomBytes(100);
    const stored = await encrypt(plaintext, [1]);
    assert.deepEqual(await ok(decryptStream({ dataKey, context }), stored, [1]), plaintext);
  });

  it('the largest segment size', async () => {
    const plaintext = randomBytes(4194304 + 1);
    const stored = await encrypt(plaintext, [65536], 4194304);
    assert.deepEqual(await ok(decryptStream({ dataKey, context }), stored, [65536]), plaintext);
  });

  it('two encryptions of one object differ (fresh salt and prefix)', async () => {
    const plaintext = randomBytes(10);
    assert.notDeepEqual(await encrypt(plaintext), await encrypt(plaintext));
  });

  it('the stored stream is the documented layout', async () => {
    const stored = await encrypt(Buffer.alloc(0));
    assert.equal(stored.length, HEADER_LENGTH + TAG_LENGTH);
    assert.equal(stored[0], 0x01);
    assert.equal(stored.readUInt32BE(1), S);
  });

  it('the caller may zero its data key right after creating a stream', async () => {
    const key = Buffer.from(dataKey);
    const plaintext = randomBytes(S + 1);
    const encryptor = encryptStream({ dataKey: key, context, segmentSize: S });
    const decryptor = decryptStream({ dataKey: Buffer.from(dataKey), context });
    key.fill(0);
    const stored = await ok(encryptor, plaintext);
    assert.deepEqual(await ok(decryptor, stored), plaintext);
  });

  it('Postcondition: the encryptor writes exactly ciphertextLength(plaintext length, segment size) bytes.', async () => {
    for (const size of [0, 1, S, S + 1, 5 * S - 1]) {
      const stored = await encrypt(randomBytes(size), [777]);
      assert.equal(stored.length, ciphertextLength(size, S));
      assert.equal(stored.length, HEADER_LENGTH + size + TAG_LENGTH * Math.max(1, Math.ceil(size / S)));
    }
  });
});

describe('object stream: ranges', () => {
  const cases: Array<[string, number]> = [
    ['3 segments and a partial one', 3 * S + 100],
    ['an exact multiple of the segment size', 2 * S],
    ['a single partial segment', 500],
  ];
  for (const [name, length] of cases) {
    it(`every interesting range of ${name} equals the plaintext slice`, async () => {
      const plaintext = randomBytes(length);
      const stored = await encrypt(plaintext);
      const points = [0, 1, S - 1, S, S + 1, 2 * S - 1, 2 * S, 2 * S + 1, 3 * S - 1, 3 * S, length - 2, length - 1].filter(
        (p, i, all) => p >= 0 && p < length && all.indexOf(p) === i,
      );
      for (const start of points) {
        for (const end of points.filter((p) => p >= start)) {
          const range = { start, end };
          const needed = ciphertextRangeFor(range, length, S);
          const input = Buffer.concat([stored.subarray(0, needed.headerLength), stored.subarray(needed.start, needed.end + 1)]);
          const output = await ok(decryptStream({ dataKey, context, plaintextLength: length, range, segmentSize: S }), input, [5000]);
          assert.deepEqual(output, plaintext.subarray(start, end + 1), `range ${start}-${end}`);
        }
      }
    });
  }

  it('a range in the first segment is one contiguous read from byte 0', async () => {
    const plaintext = randomBytes(3 * S);
    const stored = await encrypt(plaintext);
    const range = { start: 10, end: S + 20 };
    const needed = ciphertextRangeFor(range, plaintext.length, S);
    assert.equal(needed.start, needed.headerLength);
    const output = await ok(decryptStream({ dataKey, context, plaintextLength: plaintext.length, range, segmentSize: S }), stored.subarray(0, needed.end + 1));
    assert.deepEqual(output, plaintext.subarray(10, S + 21));
  });

  it('ciphertextRangeFor names exactly the segments holding the range', () => {
    const L = 3 * S + 100;
    const seg = (i: number) => HEADER_LENGTH + i * (S + TAG_LENGTH);
    assert.deepEqual(ciphertextRangeFor({ start: 0, end: 0 }, L, S), { headerLength: 44, start: seg(0), end: seg(1) - 1 });
    assert.deepEqual(ciphertextRangeFor({ start: S - 1, end: S }, L, S), { headerLength: 44, start: seg(0), end: seg(2) - 1 });
    assert.deepEqual(ciphertextRangeFor({ start: S, end: 2 * S - 1 }, L, S), { headerLength: 44, start: seg(1), end: seg(2) - 1 });
    assert.deepEqual(ciphertextRangeFor({ start: L - 1, end: L - 1 }, L, S), {
      headerLength: 44,
      start: seg(3),
      end: ciphertextLength(L, S) - 1,
    });
  });

  it('ciphertextLength follows 44 + L + 16·n', () => {
    assert.equal(ciphertextLength(0), 60);
    assert.equal(ciphertextLength(65536), 44 + 65536 + 16);
    assert.equal(ciphertextLength(65537), 44 + 65537 + 32);
    assert.equal(ciphertextLength(MAX_PLAINTEXT_LENGTH), 44 + 2 ** 48 + 16 * 2 ** 32);
    assert.equal(maxPlaintextLength(16384), 2 ** 46);
    assert.equal(maxPlaintextLength(65536), 2 ** 48);
    assert.equal(maxPlaintextLength(4194304), 2 ** 48);
  });
});

describe('object stream: preconditions', () => {
  const invalid = isCode('object-stream-invalid-argument');

  it('Precondition: the data key is 32 bytes.', () => {
    assert.throws(() => encryptStream({ dataKey: randomBytes(16), context }), invalid);
    assert.throws(() => decryptStream({ dataKey: randomBytes(33), context }), invalid);
    assert.doesNotThrow(() => encryptStream({ dataKey, context }));
  });

  it('Precondition: the context is a non-empty, well-formed Unicode string.', () => {
    assert.throws(() => encryptStream({ dataKey, context: '' }), invalid);
    assert.throws(() => encryptStream({ dataKey, context: 'bucket/\ud800/key' }), invalid);
    assert.throws(() => decryptStream({ dataKey, context: '' }), invalid);
    assert.doesNotThrow(() => encryptStream({ dataKey, context: 'bucket/😀/ключ' }));
  });

  it('Precondition: the segment size is an integer from 16 KiB to 4 MiB.', () => {
    for (const segmentSize of [0, 16383, 4194305, 65536.5, Number.NaN]) {
      assert.throws(() => encryptStream({ dataKey, context, segmentSize }), invalid);
      assert.throws(() => ciphertextLength(10, segmentSize), invalid);
    }
    assert.doesNotThrow(() => encryptStream({ dataKey, context, segmentSize: 16384 }));
    assert.doesNotThrow(() => encryptStream({ dataKey, context, segmentSize: 4194304 }));
  });

  it('Precondition: random returns exactly the number of bytes asked for.', () => {
    assert.throws(() => encryptStream({ dataKey, context, random: (n) => Buffer.alloc(n - 1) }), invalid);
    assert.throws(() => encryptStream({ dataKey, context, random: (n) => Buffer.alloc(n + 1) }), invalid);
    assert.doesNotThrow(() => encryptStream({ dataKey, context, random: (n) => Buffer.alloc(n) }));
  });

  it('Precondition: the plaintext length is an integer from 0 to the maximum for its segment size.', () => {
    for (const length of [-1, 1.5, 2 ** 48 + 1, Number.NaN]) {
      assert.throws(() => ciphertextLength(length), invalid);
      assert.throws(() => decryptStream({ dataKey, context, plaintextLength: length }), invalid);
    }
    assert.throws(() => ciphertextLength(2 ** 46 + 1, 16384), invalid);
    assert.doesNotThrow(() => ciphertextLength(2 ** 46, 16384));
  });

  it('Precondition: a range lies inside the plaintext, 0 <= start <= end < plaintext length.', () => {
    const bad: PlaintextRange[] = [
      { start: -1, end: 3 },
      { start: 4, end: 3 },
      { start: 0, end: 100 },
      { start: 0.5, end: 3 },
    ];
    for (const range of bad) {
      assert.throws(() => ciphertextRangeFor(range, 100, S), invalid);
      assert.throws(() => decryptStream({ dataKey, context, plaintextLength: 100, range }), invalid);
    }
    assert.throws(() => ciphertextRangeFor({ start: 0, end: 0 }, 0, S), invalid, 'an empty object has no range');
    assert.doesNotThrow(() => ciphertextRangeFor({ start: 99, end: 99 }, 100, S));
  });

  it('Precondition: a range read knows the plaintext length.', () => {
    assert.throws(() => decryptStream({ dataKey, context, range: { start: 0, end: 1 } }), invalid);
  });
});
