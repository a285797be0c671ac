// Constant memory (docs/formats.md §3): what the encryptor and decryptor keep of their input is one
// segment, not every chunk they were ever given. A queue that kept consumed chunks referenced
// until it compacted held up to 64 MiB per stream; this checks what is still reachable after a GC.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { decryptStream, sealer } from '../../../src/formats/object-stream.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const CHUNK = 65536;
const CHUNKS = 1000; // 62.5 MiB through each stream
const dataKey = randomBytes(32);
const context = 'arn:aws:s3:::bucket/memory#1';

/** ArrayBuffer bytes still reachable after a full collection (V8 may finish freeing them a moment later: one turn). */
async function reachable(): Promise<number> {
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  return process.memoryUsage().arrayBuffers;
}

/** The middle of the samples: one sample caught mid-sweep must not decide. */
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// Each chunk a fresh Buffer, one byte off the segment size, so the queue is never empty.
const chunk = () => randomBytes(CHUNK - 1);

describe('object stream: memory', () => {
  it('the encryptor keeps no chunk it has sealed', async () => {
    const before = await reachable();
    const seal = sealer({ dataKey, context }, () => undefined);
    const samples: number[] = [];
    for (let i = 0; i < CHUNKS; i++) {
      seal.write(chunk());
      if (i % 100 === 99) samples.push((await reachable()) - before);
    }
    seal.end();
    assert.ok(median(samples) < 4 * 2 ** 20, `${(median(samples) / 2 ** 20).toFixed(1)} MiB still reachable while streaming`);
  });

  it('the decryptor keeps no chunk it has opened', async () => {
    const stored: Buffer[] = [];
    const seal = sealer({ dataKey, context }, (b) => stored.push(b));
    for (let i = 0; i < 400; i++) seal.write(chunk());
    seal.end();
    const input = Buffer.concat(stored);
    stored.length = 0;
    const before = await reachable();
    const stream = decryptStream({ dataKey, context });
    stream.on('data', () => undefined);
    const samples: number[] = [];
    for (let at = 0, i = 0; at < input.length; at += CHUNK - 1, i++) {
      // Copies, so that each chunk is its own allocation, as a socket's are.
      if (!stream.write(Buffer.from(input.subarray(at, at + CHUNK - 1)))) await new Promise((resolve) => stream.once('drain', resolve));
      if (i % 20 === 19) samples.push((await reachable()) - before);
    }
    stream.end();
    await new Promise((resolve) => stream.on('end', resolve));
    assert.ok(median(samples) < 4 * 2 ** 20, `${(median(samples) / 2 ** 20).toFixed(1)} MiB still reachable while streaming`);
  });
});
