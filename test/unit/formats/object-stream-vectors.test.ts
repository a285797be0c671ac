// Replays the frozen version-1 vectors against two implementations: ours (streams, chunked) and a
// whole-buffer reference written from docs/formats.md §3–4 with node:crypto alone (STYLE habit 8).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, createHash, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Transform } from 'node:stream';
import { ObjectStreamError, decryptStream, encryptStream } from '../../../src/formats/object-stream.js';
import { ObjectKeyError, newObjectDataKey, openObjectDataKey } from '../../../src/formats/object-key.js';

interface StreamVector {
  name: string;
  dataKey: string;
  context: string;
  segmentSize: number;
  random: string;
  plaintext: string;
  stream: string;
}
interface InvalidVector {
  name: string;
  dataKey: string;
  context: string;
  plaintextLength: number;
  stream: string;
  error: string;
}
interface ObjectKeyVector {
  bucketKey: string;
  context: string;
  seed: string;
  dataKey: string;
}
const vectors = JSON.parse(readFileSync(new URL('../../../../test/vectors/object-stream-v1.json', import.meta.url), 'utf8')) as {
  source: string;
  streams: StreamVector[];
  invalid: InvalidVector[];
  objectDataKeys: ObjectKeyVector[];
};
const hex = (s: string) => Buffer.from(s, 'hex');

// --- The reference: §3.2 and §4 transcribed, one buffer at a time. ---

function referenceSegmentKey(dataKey: Buffer, header: Buffer, context: string): Buffer {
  const info = Buffer.concat([
    Buffer.from('opencmk/v1/object-stream/segment-key', 'utf8'),
    Buffer.of(0),
    header,
    createHash('sha256').update(Buffer.from(context, 'utf8')).digest(),
  ]);
  return Buffer.from(hkdfSync('sha256', dataKey, header.subarray(5, 37), info, 32));
}

function referenceNonce(header: Buffer, index: number, last: boolean): Buffer {
  const counter = Buffer.alloc(5);
  counter.writeUInt32BE(index, 0);
  counter[4] = last ? 1 : 0;
  return Buffer.concat([header.subarray(37, 44), counter]);
}

function referenceSeal(dataKey: Buffer, context: string, segmentSize: number, random: Buffer, plaintext: Buffer): Buffer {
  const header = Buffer.alloc(44);
  header[0] = 0x01;
  header.writeUInt32BE(segmentSize, 1);
  random.copy(header, 5);
  const key = referenceSegmentKey(dataKey, header, context);
  const n = plaintext.length === 0 ? 1 : Math.ceil(plaintext.length / segmentSize);
  const out = [header];
  for (let i = 0; i < n; i += 1) {
    const cipher = createCipheriv('aes-256-gcm', key, referenceNonce(header, i, i === n - 1));
    out.push(cipher.update(plaintext.subarray(i * segmentSize, (i + 1) * segmentSize)), cipher.final(), cipher.getAuthTag());
  }
  return Buffer.concat(out);
}

function referenceOpen(dataKey: Buffer, context: string, stored: Buffer): Buffer {
  if (stored[0] !== 0x01) throw new Error('unknown version');
  if (stored.length < 44 + 16) throw new Error('truncated');
  const header = stored.subarray(0, 44);
  const segmentSize = header.readUInt32BE(1);
  if (segmentSize < 16384 || segmentSize > 4194304) throw new Error('bad header');
  const key = referenceSegmentKey(dataKey, header, context);
  const out: Buffer[] = [];
  for (let i = 0, offset = 44; offset < stored.length; i += 1) {
    const end = Math.min(offset + segmentSize + 16, stored.length);
    const last = end === stored.length;
    const decipher = createDecipheriv('aes-256-gcm', key, referenceNonce(header, i, last));
    decipher.setAuthTag(stored.subarray(end - 16, end));
    const plaintext = Buffer.concat([decipher.update(stored.subarray(offset, end - 16)), decipher.final()]);
    if (last && plaintext.length === 0 && i > 0) throw new Error('empty segment after the first');
    out.push(plaintext);
    offset = end;
  }
  return Buffer.concat(out);
}

function referenceObjectDataKey(bucketKey: Buffer, seed: Buffer, context: string): Buffer {
  if (seed[0] !== 0x01 || seed.length !== 33) throw new Error('bad seed');
  const info = Buffer.concat([
    Buffer.from('opencmk/v1/object-data-key', 'utf8'),
    Buffer.of(0),
    createHash('sha256').update(Buffer.from(context, 'utf8')).digest(),
  ]);
  return Buffer.from(hkdfSync('sha256', bucketKey, seed.subarray(1), info, 32));
}

// --- Our implementation, driven as a stream in uneven chunks. ---

function run(stream: Transform, input: Buffer): Promise<{ output: Buffer; error?: Error }> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => out.push(chunk));
    stream.on('end', () => resolve({ output: Buffer.concat(out) }));
    stream.on('error', (error: Error) => resolve({ output: Buffer.concat(out), error }));
    const sizes = [3, 1000, 16400, 7];
    for (let offset = 0, i = 0; offset < input.length; i += 1) {
      const size = sizes[i % sizes.length]!;
      stream.write(input.subarray(offset, offset + size));
      offset += size;
    }
    stream.end();
  });
}

const implementations = {
  'opencmk streams': {
    async seal(v: StreamVector): Promise<Buffer> {
      const random = (n: number) => {
        assert.equal(n, 39);
        return hex(v.random);
      };
      const { output, error } = await run(encryptStream({ dataKey: hex(v.dataKey), context: v.context, segmentSize: v.segmentSize, random }), hex(v.plaintext));
      if (error !== undefined) throw error;
      return output;
    },
    async open(dataKey: Buffer, context: string, stored: Buffer, plaintextLength?: number): Promise<Buffer> {
      const { output, error } = await run(decryptStream({ dataKey, context, ...(plaintextLength === undefined ? {} : { plaintextLength }) }), stored);
      if (error !== undefined) throw error;
      return output;
    },
  },
  'node:crypto reference': {
    async seal(v: StreamVector): Promise<Buffer> {
      return referenceSeal(hex(v.dataKey), v.context, v.segmentSize, hex(v.random), hex(v.plaintext));
    },
    async open(dataKey: Buffer, context: string, stored: Buffer): Promise<Buffer> {
      return referenceOpen(dataKey, context, stored);
    },
  },
};

describe('object stream v1 vectors', () => {
  it('state their source', () => {
    assert.match(vectors.source, /frozen at object stream format version 1/);
    assert.ok(vectors.streams.length >= 5 && vectors.invalid.length >= 5 && vectors.objectDataKeys.length >= 2);
  });

  for (const [name, impl] of Object.entries(implementations)) {
    describe(name, () => {
      for (const v of vectors.streams) {
        it(`seals "${v.name}" to the frozen bytes`, async () => {
          assert.equal((await impl.seal(v)).toString('hex'), v.stream);
        });
        it(`opens "${v.name}"`, async () => {
          const plaintext = await impl.open(hex(v.dataKey), v.context, hex(v.stream));
          assert.equal(plaintext.toString('hex'), v.plaintext);
        });
      }
      for (const v of vectors.invalid) {
        it(`refuses "${v.name}"`, async () => {
          await assert.rejects(impl.open(hex(v.dataKey), v.context, hex(v.stream)));
        });
      }
    });
  }

  describe('opencmk streams: error codes', () => {
    for (const v of vectors.invalid) {
      it(`"${v.name}" is ${v.error}, with and without the plaintext length`, async () => {
        for (const plaintextLength of [undefined, v.plaintextLength]) {
          const { output, error } = await run(
            decryptStream({ dataKey: hex(v.dataKey), context: v.context, ...(plaintextLength === undefined ? {} : { plaintextLength }) }),
            hex(v.stream),
          );
          assert.ok(error instanceof ObjectStreamError, String(error));
          assert.equal(error.code, v.error);
          assert.ok(output.length < Math.max(1, v.plaintextLength), 'released the damaged part');
        }
      });
    }
  });

  describe('object data keys (§4)', () => {
    for (const [i, v] of vectors.objectDataKeys.entries()) {
      it(`vector ${i}: derivation matches, both ways`, () => {
        const bucketKey = hex(v.bucketKey);
        assert.equal(openObjectDataKey({ bucketKey, context: v.context, seed: hex(v.seed) }).toString('hex'), v.dataKey);
        assert.equal(referenceObjectDataKey(bucketKey, hex(v.seed), v.context).toString('hex'), v.dataKey);
        const fresh = newObjectDataKey({ bucketKey, context: v.context, random: () => hex(v.seed).subarray(1) });
        assert.equal(fresh.seed.toString('hex'), v.seed);
        assert.equal(fresh.dataKey.toString('hex'), v.dataKey);
      });
    }
    it('an unknown seed version, or a short seed, is refused', () => {
      const v = vectors.objectDataKeys[0]!;
      const seed = hex(v.seed);
      const version = Buffer.from(seed);
      version[0] = 0x02;
      assert.throws(() => openObjectDataKey({ bucketKey: hex(v.bucketKey), context: v.context, seed: version }), (e) => e instanceof ObjectKeyError && e.code === 'object-key-version');
      assert.throws(
        () => openObjectDataKey({ bucketKey: hex(v.bucketKey), context: v.context, seed: seed.subarray(0, 32) }),
        (e) => e instanceof ObjectKeyError && e.code === 'object-key-corrupt',
      );
    });
  });
});
