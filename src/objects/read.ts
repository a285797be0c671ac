import type { KeyObject } from 'node:crypto';
import { Readable } from 'node:stream';
import { HEADER_LENGTH, ObjectStreamError, importKey, segmentOpener, type SegmentOpener } from '../formats/object-stream.js';
import type { BlobReader, BlobStore, ObjectPart, ObjectRecord } from '../store/object-types.js';
import type { ObjectContext } from './context.js';
import { streamContext } from './object-keys.js';

/** Which bytes of each part a read of [start, end] needs (`range` undefined: the whole part). */
export function partSlices(object: ObjectRecord, range?: { start: number; end: number }) {
  // An empty object still has its one (empty) stream read, so its authentication is checked.
  if (object.size === 0) return object.parts.map((part) => ({ part, range: undefined }));
  const start = range?.start ?? 0;
  const end = range?.end ?? object.size - 1;
  const slices = [];
  let offset = 0;
  for (const part of object.parts) {
    const first = offset;
    const last = offset + part.size - 1;
    offset += part.size;
    if (part.size === 0 || last < start || first > end) continue;
    const local = { start: Math.max(start, first) - first, end: Math.min(end, last) - first };
    slices.push({ part, range: local.start === 0 && local.end === part.size - 1 ? undefined : local });
  }
  return slices;
}

/** Segments read from disk per block: 16 × 64 KiB, so one read call per MiB. */
const BLOCK_SEGMENTS = 16;

/** Reads `length` bytes at `position`, fewer only where the blob ends. */
async function readFully(blob: BlobReader, buffer: Buffer, length: number, position: number): Promise<number> {
  let got = 0;
  while (got < length) {
    const n = await blob.read(buffer, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/** Segments `firstSegment..lastSegment` of a part, stored back to back at the start of `buffer`. */
interface Block {
  firstSegment: number;
  lastSegment: number;
  buffer: Buffer;
}

/** One part to read: its plaintext bytes `from..to` (inclusive), or all of it. */
interface Slice {
  part: ObjectPart;
  range: { start: number; end: number } | undefined;
}

/**
 * The object's plaintext [start, end] across its parts (docs/formats.md §3.4, segments at known
 * offsets). Each part's blob is read in blocks of whole segments into two buffers reused for the
 * whole read (the next block is read while this one is decrypted), and each segment's plaintext is
 * pushed only once its tag verified. The reader stops reading while the consumer is behind.
 */
class ObjectReader extends Readable {
  private running = false;
  private demand: (() => void) | undefined;
  private readonly key: KeyObject;
  private readonly blobs: BlobStore;
  private readonly object: ObjectRecord;
  private readonly slices: Slice[];

  constructor(blobs: BlobStore, object: ObjectRecord, dataKey: Buffer, slices: Slice[]) {
    super({ highWaterMark: 1024 * 1024 });
    this.blobs = blobs;
    this.object = object;
    this.slices = slices;
    this.key = importKey(dataKey);
  }

  override _read(): void {
    const wake = this.demand;
    this.demand = undefined;
    if (wake) wake();
    else if (!this.running) {
      this.running = true;
      this.readAll().then(
        (finished) => finished && this.push(null),
        (e: unknown) => this.destroy(e as Error),
      );
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Lets a reader waiting for demand run on, see `destroyed` and close its blob.
    this.demand?.();
    callback(error);
  }

  private waitForDemand(): Promise<void> {
    return new Promise((resolve) => (this.demand = resolve));
  }

  /** False when the stream was destroyed before the end. */
  private async readAll(): Promise<boolean> {
    const segmentSize = this.object.segmentSize;
    const buffers = [Buffer.allocUnsafeSlow(BLOCK_SEGMENTS * (segmentSize + 16) + 1), Buffer.allocUnsafeSlow(BLOCK_SEGMENTS * (segmentSize + 16) + 1)];
    for (const slice of this.slices) {
      const blob = await this.blobs.open(slice.part.blobId);
      try {
        if (!(await this.readPart(blob, slice, buffers))) return false;
      } finally {
        await blob.close();
      }
    }
    return true;
  }

  private async readPart(blob: BlobReader, slice: Slice, buffers: Buffer[]): Promise<boolean> {
    const { part, range } = slice;
    const header = Buffer.alloc(HEADER_LENGTH);
    const got = await readFully(blob, header, HEADER_LENGTH, 0);
    const opener = segmentOpener(
      { key: this.key, context: streamContext(this.object.bucket, this.object.key, part.partNumber), plaintextLength: part.size, segmentSize: this.object.segmentSize },
      header.subarray(0, got),
    );
    const from = range?.start ?? 0;
    const to = range?.end ?? Math.max(part.size - 1, 0);
    const first = Math.floor(from / opener.segmentSize);
    const last = range ? Math.floor(to / opener.segmentSize) : opener.count - 1;

    // Block k holds segments first + k·BLOCK_SEGMENTS …; a whole-part read asks its last block for
    // one byte more than the stream should have, to see data appended after the last segment.
    const readBlock = async (firstSegment: number, buffer: Buffer): Promise<Block> => {
      const lastSegment = Math.min(firstSegment + BLOCK_SEGMENTS - 1, last);
      const start = opener.offsetOf(firstSegment);
      const length = opener.offsetOf(lastSegment) + opener.storedLengthOf(lastSegment) - start;
      const probe = lastSegment === opener.count - 1 && !range ? 1 : 0;
      const n = await readFully(blob, buffer, length + probe, start);
      if (n < length) throw new ObjectStreamError('object-stream-truncated');
      if (n > length) throw new ObjectStreamError('object-stream-trailing-data');
      return { firstSegment, lastSegment, buffer };
    };

    let next: Promise<Block> | undefined = readBlock(first, buffers[0]!);
    let turn = 0;
    try {
      while (next) {
        const current: Block = await next;
        if (this.destroyed) return false;
        const following: number = current.lastSegment + 1;
        turn ^= 1;
        next = following <= last ? readBlock(following, buffers[turn]!) : undefined;
        if (!this.pushBlock(opener, current, from, to)) await this.waitForDemand();
        if (this.destroyed) return false;
      }
      return true;
    } finally {
      // The blob closes after this returns: let a read still in flight finish first.
      await next?.catch(() => undefined);
    }
  }

  /** Opens the block's segments and pushes their plaintext within [from, to]; false once the consumer is full. */
  private pushBlock(opener: SegmentOpener, block: Block, from: number, to: number): boolean {
    let more = true;
    let at = 0;
    for (let index = block.firstSegment; index <= block.lastSegment; index++) {
      const stored = opener.storedLengthOf(index);
      const plaintext = opener.open(index, block.buffer.subarray(at, at + stored));
      at += stored;
      const offset = index * opener.segmentSize;
      const start = Math.max(from - offset, 0);
      const end = Math.min(to - offset + 1, plaintext.length);
      if (end > start) more = this.push(start === 0 && end === plaintext.length ? plaintext : plaintext.subarray(start, end));
    }
    return more;
  }
}

/** The object's plaintext [start, end] (or all), decrypted part by part as it is read. */
export function readObject(ctx: ObjectContext, object: ObjectRecord, dataKey: Buffer, range?: { start: number; end: number }): Readable {
  return new ObjectReader(ctx.deps.blobs, object, dataKey, partSlices(object, range));
}
