import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRandomPool } from '../../../src/kms/random-pool.js';

/** A fill that writes a running counter, so every byte the pool ever produced is distinct and known. */
function countingFill() {
  let next = 0;
  const fill = (b: Buffer) => {
    for (let i = 0; i < b.length; i += 4) b.writeUInt32BE(next++, i);
  };
  return fill;
}

describe('kms/random-pool', () => {
  it('hands out every byte once, across refills', () => {
    const take = createRandomPool(64, countingFill());
    const seen = new Set<number>();
    for (let i = 0; i < 100; i++) {
      // 12 bytes = three counter words; 64 is not a multiple of 12, so refills leave a tail unused.
      const nonce = take(12);
      assert.equal(nonce.length, 12);
      for (let w = 0; w < 12; w += 4) {
        const word = nonce.readUInt32BE(w);
        assert.ok(!seen.has(word), `word ${word} handed out twice`);
        seen.add(word);
      }
    }
  });

  it('never changes a slice handed out earlier: a refill is a new buffer', () => {
    const take = createRandomPool(64, countingFill());
    const first = take(12);
    const copy = Buffer.from(first);
    for (let i = 0; i < 50; i++) take(12);
    assert.deepEqual(first, copy);
  });

  it('gives a request larger than a quarter of the pool its own buffer', () => {
    let fills = 0;
    const take = createRandomPool(64, (b) => {
      fills++;
      b.fill(fills);
    });
    const big = take(17);
    assert.equal(big.length, 17);
    assert.equal(big.byteLength, big.buffer.byteLength, 'not a view into the pool');
    assert.equal(fills, 1);
    take(12);
    assert.equal(fills, 2, 'the pool itself is filled on first use');
  });

  it('over the real generator: 100,000 nonces, all distinct', () => {
    const take = createRandomPool();
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) seen.add(take(12).toString('hex'));
    assert.equal(seen.size, 100_000);
  });
});
