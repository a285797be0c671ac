// Every way of damaging a stored stream must fail with a named error and must release no plaintext
// of the damaged segment (docs/formats.md §3.4, release rule).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Transform } from 'node:stream';
import {
  HEADER_LENGTH,
  ObjectStreamError,
  TAG_LENGTH,
  ciphertextRangeFor,
  decryptStream,
  encryptStream,
  type ObjectStreamErrorCode,
} from '../../../src/formats/object-stream.js';
import {
  contextDigest,
  deriveSegmentKey,
  encodeHeader,
  importDataKey,
  nonceWriter,
  sealSegment,
} from '../../../src/formats/object-stream-crypto.js';

const S = 16384;
const dataKey = randomBytes(32);
const context = 'bucket-a/v1/reports/q3.pdf';
const L = 3 * S + 100; // segments 0..2 full, segment 3 holds 100 bytes
const plaintext = randomBytes(L);
const seg = (i: number) => HEADER_LENGTH + i * (S + TAG_LENGTH);

function run(stream: Transform, input: Buffer, size = 4096): Promise<{ output: Buffer; error?: Error }> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => out.push(chunk));
    stream.on('end', () => resolve({ output: Buffer.concat(out) }));
    stream.on('error', (error: Error) => resolve({ output: Buffer.concat(out), error }));
    for (let offset = 0; offset < input.length; offset += size) stream.write(input.subarray(offset, offset + size));
    stream.end();
  });
}

async function seal(input: Buffer, key = dataKey, ctx = context): Promise<Buffer> {
  const { output, error } = await run(encryptStream({ dataKey: key, context: ctx, segmentSize: S }), input);
  if (error !== undefined) throw error;
  return output;
}

const stored = await seal(plaintext);

function flip(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at]! ^= 0x01;
  return copy;
}

/**
 * Reads `input` both ways (length unknown, and length known from metadata) and checks the failure:
 * the error code, and that the output is an authentic prefix of the plaintext that ends at or
 * before `releasable` bytes, i.e. holds nothing of the damaged segment.
 */
async function expectFailure(
  input: Buffer,
  expected: { unknown: ObjectStreamErrorCode; known: ObjectStreamErrorCode },
  releasable: { unknown: number; known: number },
  read: { key?: Buffer; ctx?: string; length?: number } = {},
): Promise<void> {
  for (const mode of ['unknown', 'known'] as const) {
    for (const size of [1 + (S >> 1), 65536]) {
      const stream = decryptStream({
        dataKey: read.key ?? dataKey,
        context: read.ctx ?? context,
        ...(mode === 'known' ? { plaintextLength: read.length ?? L } : {}),
      });
      const { output, error } = await run(stream, input, size);
      assert.ok(error instanceof ObjectStreamError, `${mode}: expected an ObjectStreamError, got ${String(error)}`);
      assert.equal(error.code, expected[mode], `${mode}: ${error.message}`);
      assert.ok(error.message.startsWith('formats/object-stream: '));
      assert.ok(output.length <= releasable[mode], `${mode}: released ${output.length} > ${releasable[mode]} bytes`);
      assert.deepEqual(output, plaintext.subarray(0, output.length), `${mode}: released bytes that are not the plaintext`);
    }
  }
}

const both = (code: ObjectStreamErrorCode) => ({ unknown: code, known: code });
const upTo = (n: number) => ({ unknown: n, known: n });

describe('object stream: tampering is detected', () => {
  it('the stream is sound before tampering', async () => {
    const { output, error } = await run(decryptStream({ dataKey, context, plaintextLength: L }), stored);
    assert.equal(error, undefined);
    assert.deepEqual(output, plaintext);
  });

  it('a flipped byte in the header (salt, prefix, segment size) fails before any plaintext', async () => {
    for (const at of [5, 20, 36, 37, 40, 43]) await expectFailure(flip(stored, at), both('object-stream-corrupt'), upTo(0));
    // Segment size 16384 → 16385: still valid, so only the tag check can catch it.
    await expectFailure(flip(stored, 4), both('object-stream-corrupt'), upTo(0));
    // Segment size 16384 → 16384 + 2^24: outside 16 KiB–4 MiB.
    await expectFailure(flip(stored, 1), both('object-stream-corrupt'), upTo(0));
  });

  it('a flipped version byte is an unknown version', async () => {
    await expectFailure(flip(stored, 0), both('object-stream-version'), upTo(0));
  });

  it('a flipped byte in a segment fails that segment', async () => {
    await expectFailure(flip(stored, seg(0) + 7), both('object-stream-corrupt'), upTo(0));
    await expectFailure(flip(stored, seg(1) + 100), both('object-stream-corrupt'), upTo(S));
    await expectFailure(flip(stored, seg(3) + 99), both('object-stream-corrupt'), upTo(3 * S));
  });

  it('a flipped byte in a tag fails that segment', async () => {
    await expectFailure(flip(stored, seg(2) - 1), both('object-stream-corrupt'), upTo(S));
    await expectFailure(flip(stored, seg(3) - TAG_LENGTH), both('object-stream-corrupt'), upTo(2 * S));
    await expectFailure(flip(stored, stored.length - 1), both('object-stream-corrupt'), upTo(3 * S));
  });

  it('dropping the last segment is truncation', async () => {
    // Length unknown: segment 2 now ends the input, opens only as an inner segment, and is withheld.
    await expectFailure(stored.subarray(0, seg(3)), both('object-stream-truncated'), { unknown: 2 * S, known: 3 * S });
  });

  it('dropping the last segment of an exact multiple is truncation', async () => {
    const exact = await seal(plaintext.subarray(0, 2 * S));
    await expectFailure(exact.subarray(0, seg(1)), both('object-stream-truncated'), { unknown: 0, known: S }, { length: 2 * S });
  });

  it('dropping inner segments fails', async () => {
    const input = Buffer.concat([stored.subarray(0, seg(1)), stored.subarray(seg(2))]);
    await expectFailure(input, { unknown: 'object-stream-corrupt', known: 'object-stream-corrupt' }, upTo(S));
  });

  it('truncation inside a segment fails', async () => {
    await expectFailure(stored.subarray(0, seg(2) + 5000), { unknown: 'object-stream-corrupt', known: 'object-stream-truncated' }, upTo(2 * S));
    await expectFailure(stored.subarray(0, seg(3) + 10), { unknown: 'object-stream-truncated', known: 'object-stream-truncated' }, upTo(3 * S));
    await expectFailure(stored.subarray(0, stored.length - 1), { unknown: 'object-stream-corrupt', known: 'object-stream-truncated' }, upTo(3 * S));
  });

  it('truncation inside the header, or a header alone, is truncation', async () => {
    for (const end of [1, 20, HEADER_LENGTH]) await expectFailure(stored.subarray(0, end), both('object-stream-truncated'), upTo(0));
  });

  it('swapping two segments fails at the first of them', async () => {
    const input = Buffer.concat([stored.subarray(0, seg(1)), stored.subarray(seg(2), seg(3)), stored.subarray(seg(1), seg(2)), stored.subarray(seg(3))]);
    await expectFailure(input, both('object-stream-corrupt'), upTo(S));
  });

  it('a duplicated segment fails at the copy', async () => {
    const input = Buffer.concat([stored.subarray(0, seg(2)), stored.subarray(seg(1), seg(2)), stored.subarray(seg(2))]);
    await expectFailure(input, { unknown: 'object-stream-corrupt', known: 'object-stream-corrupt' }, upTo(2 * S));
  });

  it('garbage or an extra segment after the last segment fails', async () => {
    const known = 'object-stream-trailing-data';
    await expectFailure(Buffer.concat([stored, Buffer.of(0)]), { unknown: 'object-stream-corrupt', known }, { unknown: 3 * S, known: L });
    await expectFailure(Buffer.concat([stored, randomBytes(3 * S)]), { unknown: 'object-stream-corrupt', known }, { unknown: 3 * S, known: L });
    await expectFailure(Buffer.concat([stored, stored.subarray(seg(1), seg(2))]), { unknown: 'object-stream-corrupt', known }, { unknown: 3 * S, known: L });
  });

  it('an exact multiple followed by any byte fails (its last segment carries the last flag)', async () => {
    const exact = await seal(plaintext.subarray(0, 2 * S));
    await expectFailure(Buffer.concat([exact, Buffer.alloc(TAG_LENGTH)]), { unknown: 'object-stream-corrupt', known: 'object-stream-trailing-data' }, { unknown: S, known: 2 * S }, { length: 2 * S });
  });

  it('a wrong context or a wrong key fails before any plaintext', async () => {
    await expectFailure(stored, both('object-stream-corrupt'), upTo(0), { ctx: 'bucket-a/v1/reports/q4.pdf' });
    await expectFailure(stored, both('object-stream-corrupt'), upTo(0), { key: randomBytes(32) });
  });

  it('a wrong plaintext length from metadata fails', async () => {
    const run1 = await run(decryptStream({ dataKey, context, plaintextLength: L - 1 }), stored);
    assert.ok(run1.error instanceof ObjectStreamError && run1.error.code === 'object-stream-corrupt');
    assert.ok(run1.output.length <= 3 * S);
    // One byte more than stored: the last segment never completes.
    const run2 = await run(decryptStream({ dataKey, context, plaintextLength: L + 1 }), stored);
    assert.ok(run2.error instanceof ObjectStreamError && run2.error.code === 'object-stream-truncated');
    assert.ok(run2.output.length <= 3 * S);
    const run3 = await run(decryptStream({ dataKey, context, plaintextLength: 2 * S }), stored);
    assert.ok(run3.error instanceof ObjectStreamError && run3.error.code === 'object-stream-corrupt');
    assert.ok(run3.output.length <= S);
  });

  it('an empty object: its bare tag flipped, dropped, or followed by data', async () => {
    const empty = await seal(Buffer.alloc(0));
    for (const input of [flip(empty, empty.length - 1), Buffer.concat([empty, Buffer.of(1)])]) {
      const { output, error } = await run(decryptStream({ dataKey, context }), input);
      assert.ok(error instanceof ObjectStreamError && error.code === 'object-stream-corrupt');
      assert.equal(output.length, 0);
    }
    const dropped = await run(decryptStream({ dataKey, context, plaintextLength: 0 }), empty.subarray(0, HEADER_LENGTH));
    assert.ok(dropped.error instanceof ObjectStreamError && dropped.error.code === 'object-stream-truncated');
    const extra = await run(decryptStream({ dataKey, context, plaintextLength: 0 }), Buffer.concat([empty, Buffer.of(1)]));
    assert.ok(extra.error instanceof ObjectStreamError && extra.error.code === 'object-stream-trailing-data');
  });

  it('a correctly sealed empty segment after the first is refused (the writer never makes one)', async () => {
    const header = encodeHeader(S, randomBytes(39));
    const key = deriveSegmentKey(importDataKey(dataKey), header, contextDigest(context));
    const nonce = nonceWriter(header);
    const parts: Buffer[] = [header];
    sealSegment(key, nonce(0, false), [plaintext.subarray(0, S)], (b) => parts.push(Buffer.from(b)));
    sealSegment(key, nonce(1, true), [], (b) => parts.push(Buffer.from(b)));
    const { output, error } = await run(decryptStream({ dataKey, context }), Buffer.concat(parts));
    assert.ok(error instanceof ObjectStreamError && error.code === 'object-stream-corrupt', String(error));
    assert.equal(error.message, 'formats/object-stream: empty segment after the first');
    assert.ok(output.length <= S);
  });

  it('an unknown version fails on its first byte', async () => {
    for (const version of [0x00, 0x02, 0xff]) {
      const { output, error } = await run(decryptStream({ dataKey, context }), Buffer.of(version));
      assert.ok(error instanceof ObjectStreamError && error.code === 'object-stream-version');
      assert.equal(error.message, 'formats/object-stream: unknown version');
      assert.equal(output.length, 0);
    }
  });

  it('a header whose segment size differs from the one the offsets were computed with fails', async () => {
    const { error } = await run(decryptStream({ dataKey, context, segmentSize: 65536 }), stored);
    assert.ok(error instanceof ObjectStreamError && error.code === 'object-stream-corrupt');
    assert.equal(error.message, 'formats/object-stream: bad header');
  });

  it('a plaintext length beyond what the header segment size allows is too large', async () => {
    const { error } = await run(decryptStream({ dataKey, context, plaintextLength: 2 ** 47 }), stored);
    assert.ok(error instanceof ObjectStreamError && error.code === 'object-stream-too-large');
  });
});

describe('object stream: tampering under range reads', () => {
  const range = { start: S + 10, end: 2 * S + 10 }; // segments 1 and 2
  const needed = ciphertextRangeFor(range, L, S);
  const header = stored.subarray(0, HEADER_LENGTH);
  const body = stored.subarray(needed.start, needed.end + 1);
  const read = (input: Buffer) => run(decryptStream({ dataKey, context, plaintextLength: L, range, segmentSize: S }), input, 5000);
  const released = (output: Buffer) => assert.deepEqual(output, plaintext.subarray(range.start, range.start + output.length));

  it('the untampered range reads back', async () => {
    const { output, error } = await read(Buffer.concat([header, body]));
    assert.equal(error, undefined);
    assert.deepEqual(output, plaintext.subarray(range.start, range.end + 1));
  });

  it('the wrong segments (reordered, shifted) fail', async () => {
    for (const wrong of [stored.subarray(seg(0), seg(2)), stored.subarray(seg(2), seg(4))]) {
      const { output, error } = await read(Buffer.concat([header, wrong]));
      assert.ok(error instanceof ObjectStreamError && error.code === 'object-stream-corrupt');
      assert.equal(output.length, 0);
    }
  });

  it('a flipped byte in the second segment releases only the first', async () => {
    const { output, error } = await read(Buffer.concat([header, flip(body, S + TAG_LENGTH + 3)]));
    assert.ok(error instanceof ObjectStreamError && error.code === 'object-stream-corrupt');
    assert.ok(output.length <= S - 10);
    released(output);
  });

  it('a flipped header byte fails the range', async () => {
    const { output, error } = await read(Buffer.concat([flip(header, 30), body]));
    assert.ok(error instanceof ObjectStreamError && error.code === 'object-stream-corrupt');
    assert.equal(output.length, 0);
  });

  it('a short or long range input fails', async () => {
    const short = await read(Buffer.concat([header, body.subarray(0, body.length - 1)]));
    assert.ok(short.error instanceof ObjectStreamError && short.error.code === 'object-stream-truncated');
    released(short.output);
    const long = await read(Buffer.concat([header, body, Buffer.of(0)]));
    assert.ok(long.error instanceof ObjectStreamError && long.error.code === 'object-stream-trailing-data');
  });

  it('the last segment of a range that ends the object must carry the last flag', async () => {
    // Metadata says the object ends after segment 2, so segment 2 must open with flag 1; the stored
    // segment 2 was sealed with flag 0, so it fails and nothing is released.
    const { output, error } = await run(
      decryptStream({ dataKey, context, plaintextLength: 3 * S, range: { start: 2 * S, end: 3 * S - 1 }, segmentSize: S }),
      Buffer.concat([header, stored.subarray(seg(2), seg(3))]),
    );
    assert.ok(error instanceof ObjectStreamError && error.code === 'object-stream-corrupt');
    assert.equal(output.length, 0);
  });
});
