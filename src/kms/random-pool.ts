import { randomFillSync } from 'node:crypto';

/**
 * Random bytes for values that must be unique but need not stay secret (GCM nonces), handed out
 * from a buffer filled POOL_BYTES at a time: one call into OpenSSL (~3 µs whatever the size) per
 * few hundred nonces instead of one per nonce. Every byte is handed out once: each refill is a
 * new buffer, so a slice handed out earlier never changes. Data keys and key material do not come
 * from here (KmsDeps.random), so no secret waits in memory for a later request.
 */
export function createRandomPool(poolBytes = 4096, fill: (buffer: Buffer) => void = randomFillSync): (bytes: number) => Buffer {
  let pool = Buffer.alloc(0);
  let offset = 0;
  return (bytes) => {
    if (bytes > poolBytes / 4) {
      const own = Buffer.allocUnsafeSlow(bytes);
      fill(own);
      return own;
    }
    if (offset + bytes > pool.length) {
      pool = Buffer.allocUnsafeSlow(poolBytes);
      fill(pool);
      offset = 0;
    }
    const slice = pool.subarray(offset, offset + bytes);
    offset += bytes;
    return slice;
  };
}
