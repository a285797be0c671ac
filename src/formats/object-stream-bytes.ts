// A FIFO of received chunks that hands out exact byte counts as views, so segments are assembled
// without copying (one copy only for the 44-byte header and a 16-byte tag split across chunks).

/** The bytes received but not yet consumed, as a queue of chunks. */
export interface ByteQueue {
  readonly length: number;
  push(chunk: Buffer): void;
  /** Removes the next `n` bytes (n ≤ length) and returns them as views, in order. */
  take(n: number): Buffer[];
  /** Removes the next `n` bytes (n ≤ length) as one Buffer; copies only when they span chunks. */
  takeContiguous(n: number): Buffer;
  /** The next byte, without removing it (length > 0). */
  peek(): number;
}

const EMPTY = Buffer.alloc(0);

/** An empty queue. */
export function byteQueue(): ByteQueue {
  let chunks: Buffer[] = [];
  let head = 0;
  let length = 0;

  function take(n: number): Buffer[] {
    const out: Buffer[] = [];
    let wanted = n;
    while (wanted > 0) {
      const chunk = chunks[head]!;
      if (chunk.length <= wanted) {
        out.push(chunk);
        wanted -= chunk.length;
        // Drop the queue's reference at once: a consumed chunk must not outlive its segment (kept
        // until the array is compacted, up to 1024 chunks of 64 KiB were held for nothing).
        chunks[head] = EMPTY;
        head += 1;
      } else {
        out.push(chunk.subarray(0, wanted));
        chunks[head] = chunk.subarray(wanted);
        wanted = 0;
      }
    }
    length -= n;
    if (head > 1024 || head === chunks.length) {
      chunks = chunks.slice(head);
      head = 0;
    }
    return out;
  }

  return {
    get length() {
      return length;
    },
    push(chunk) {
      if (chunk.length === 0) return;
      chunks.push(chunk);
      length += chunk.length;
    },
    take,
    takeContiguous(n) {
      const pieces = take(n);
      return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, n);
    },
    peek() {
      return chunks[head]![0]!;
    },
  };
}
