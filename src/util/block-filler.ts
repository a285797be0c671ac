/**
 * Copies bytes into fixed-size blocks and hands each one on as it fills: how the object paths turn
 * node:crypto's fresh per-segment Buffers into a few long-lived ones (the fresh ones die at once).
 * `take` gives the next block to fill (a reused one, or a new one); `full` receives a block and how
 * much of it holds bytes, and owns it from then on.
 */
export function blockFiller(take: () => Buffer, full: (block: Buffer, length: number) => void) {
  let block: Buffer | undefined;
  let used = 0;
  const handOn = () => {
    full(block!, used);
    block = undefined;
    used = 0;
  };
  return {
    write(bytes: Buffer): void {
      for (let from = 0; from < bytes.length; ) {
        block ??= take();
        const n = bytes.copy(block, used, from);
        used += n;
        from += n;
        if (used === block.length) handOn();
      }
    },
    /** Hands on the partly filled block, if there is one. */
    flush(): void {
      if (used > 0) handOn();
    },
  };
}
