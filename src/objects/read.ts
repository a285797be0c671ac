import type { KeyObject } from 'node:crypto';
import { Readable, type Writable } from 'node:stream';
import { HEADER_LENGTH, ObjectStreamError, ciphertextLength, importKey, segmentOpener, type SegmentOpener } from '../formats/object-stream.js';
import type { BlobReader, BlobStore, ObjectPart, ObjectRecord } from '../store/object-types.js';
import type { ObjectContext } from './context.js';
import { blockFiller } from '../util/block-filler.js';
import { needs } from '../util/needs.js';
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

/** Where verified plaintext goes: a Readable's buffer, or straight into a socket. */
interface PlaintextSink {
  /** Takes a piece of verified plaintext; false once the consumer has enough for now. */
  put(bytes: Buffer): boolean;
  /** Resolves when the consumer wants more (or has gone: see `gone`). */
  room(): Promise<void>;
  /** True once nobody wants the rest. */
  gone(): boolean;
}

/**
 * The object's plaintext [start, end] across its parts (docs/formats.md §3.4, segments at known
 * offsets). Each part's blob is read in blocks of whole segments into two buffers reused for the
 * whole read (the next block is read while this one is decrypted), and each segment's plaintext
 * goes to the sink only once its tag verified. Resolves false if the sink went away first.
 */
async function decryptInto(blobs: BlobStore, object: ObjectRecord, key: KeyObject, slices: Slice[], sink: PlaintextSink): Promise<boolean> {
  if (slices.length === 0) return true;
  // Sized for the largest block the slices need (one byte more for the probe): a small object gets small buffers.
  const blockBytes = Math.max(...slices.map((s) => Math.min(BLOCK_SEGMENTS * (object.segmentSize + 16), ciphertextLength(s.part.size, object.segmentSize)))) + 1;
  const buffers = [Buffer.allocUnsafeSlow(blockBytes), Buffer.allocUnsafeSlow(blockBytes)];
  for (const slice of slices) {
    const blob = await blobs.open(slice.part.blobId);
    try {
      if (!(await decryptPart(blob, object, key, slice, buffers, sink))) return false;
    } finally {
      await blob.close();
    }
  }
  return true;
}

async function decryptPart(blob: BlobReader, object: ObjectRecord, key: KeyObject, slice: Slice, buffers: Buffer[], sink: PlaintextSink): Promise<boolean> {
  const { part, range } = slice;
  const header = Buffer.alloc(HEADER_LENGTH);
  const got = await readFully(blob, header, HEADER_LENGTH, 0);
  const opener = segmentOpener(
    { key, context: streamContext(object.bucket, object.key, part.partNumber), plaintextLength: part.size, segmentSize: object.segmentSize },
    header.subarray(0, got),
  );
  const from = range?.start ?? 0;
  const to = range?.end ?? Math.max(part.size - 1, 0);
  const first = Math.floor(from / opener.segmentSize);
  const last = range ? Math.floor(to / opener.segmentSize) : opener.count - 1;

  // A whole-part read asks its last block for one byte more than the stream should have, to see
  // data appended after the last segment.
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

  // A block read ahead may fail while this one waits for the consumer: its failure is taken up when
  // it is awaited, and must not count as unhandled meanwhile (Node would end the process).
  const readAhead = (firstSegment: number, buffer: Buffer): Promise<Block> => {
    const read = readBlock(firstSegment, buffer);
    read.catch(() => undefined);
    return read;
  };
  let next: Promise<Block> | undefined = readAhead(first, buffers[0]!);
  let turn = 0;
  try {
    while (next) {
      const current: Block = await next;
      if (sink.gone()) return false;
      const following: number = current.lastSegment + 1;
      turn ^= 1;
      next = following <= last ? readAhead(following, buffers[turn]!) : undefined;
      if (!openBlock(opener, current, from, to, sink)) await sink.room();
      if (sink.gone()) return false;
    }
    return true;
  } finally {
    // The blob closes after this returns: let a read still in flight finish first.
    await next?.catch(() => undefined);
  }
}

/** Opens the block's segments and puts their plaintext within [from, to]; false once the sink is full. */
function openBlock(opener: SegmentOpener, block: Block, from: number, to: number, sink: PlaintextSink): boolean {
  let more = true;
  let at = 0;
  for (let index = block.firstSegment; index <= block.lastSegment; index++) {
    const stored = opener.storedLengthOf(index);
    const plaintext = opener.open(index, block.buffer.subarray(at, at + stored));
    at += stored;
    const offset = index * opener.segmentSize;
    const start = Math.max(from - offset, 0);
    const end = Math.min(to - offset + 1, plaintext.length);
    if (end > start) more = sink.put(start === 0 && end === plaintext.length ? plaintext : plaintext.subarray(start, end));
  }
  return more;
}

/** Output blocks of `sendTo`: up to four of 256 KiB (a block of segments may overshoot by a few), each reused once the socket has taken its bytes. */
const SEND_BLOCK_BYTES = 256 * 1024;
const SEND_BLOCKS = 4;

/**
 * An object's plaintext as a Readable, which can also write itself into a Writable directly
 * (`sendTo`). The direct way copies each segment's plaintext out of the fresh buffer node:crypto
 * returns into a few blocks it reuses, so nothing lives long enough for the garbage collector to
 * promote it: at GB/s that is the difference between a full GC every few tens of ms and none.
 */
export class ObjectReader extends Readable {
  private started = false;
  private demand: (() => void) | undefined;
  private readonly key: KeyObject;
  private readonly blobs: BlobStore;
  private readonly object: ObjectRecord;
  private readonly slices: Slice[];

  constructor(blobs: BlobStore, object: ObjectRecord, dataKey: Buffer, slices: Slice[]) {
    super({ highWaterMark: 64 * 1024 });
    this.blobs = blobs;
    this.object = object;
    this.slices = slices;
    this.key = importKey(dataKey);
  }

  override _read(): void {
    const wake = this.demand;
    this.demand = undefined;
    if (wake) wake();
    else if (!this.started) {
      this.started = true;
      const sink: PlaintextSink = {
        put: (bytes) => this.push(bytes),
        room: () => new Promise((resolve) => (this.demand = resolve)),
        gone: () => this.destroyed,
      };
      decryptInto(this.blobs, this.object, this.key, this.slices, sink).then(
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

  /**
   * Writes the plaintext into `out` (not ending it) instead of through this Readable, which must
   * not be read too. Rejects on a segment that fails authentication or a failed read; resolves when
   * all is written or `out` went away. Either way the reader is closed after.
   */
  async sendTo(out: Writable): Promise<void> {
    /* Precondition: a reader is consumed one way only. */
    needs(!this.started, 'objects/read: the reader was already started');
    this.started = true;
    const total = this.slices.reduce((n, s) => n + (s.range ? s.range.end - s.range.start + 1 : s.part.size), 0);
    const blockBytes = Math.max(1, Math.min(SEND_BLOCK_BYTES, total));
    const free: Buffer[] = [];
    let allocated = 0;
    let inSocket = 0;
    let failed: Error | undefined;
    let waiting: (() => void) | undefined;
    const wake = () => {
      const w = waiting;
      waiting = undefined;
      w?.();
    };
    out.on('close', wake);
    // Each filled block goes to `out`, and comes back to be filled again once written.
    const blocks = blockFiller(
      () => free.pop() ?? (allocated++, Buffer.allocUnsafeSlow(blockBytes)),
      (block, length) => {
        inSocket++;
        out.write(block.subarray(0, length), (e) => {
          if (e) failed ??= e;
          inSocket--;
          free.push(block);
          wake();
        });
      },
    );
    const gone = () => failed !== undefined || out.destroyed || this.destroyed;
    // Room: a block to fill next without allocating more than SEND_BLOCKS, and a socket not asking to drain.
    const hasRoom = () => (free.length > 0 || allocated < SEND_BLOCKS) && !out.writableNeedDrain;
    const until = async (ready: () => boolean) => {
      while (!gone() && !ready()) await new Promise<void>((resolve) => (waiting = resolve));
    };
    const sink: PlaintextSink = {
      put(bytes) {
        blocks.write(bytes);
        return hasRoom();
      },
      room: () => until(hasRoom),
      gone,
    };
    try {
      const finished = await decryptInto(this.blobs, this.object, this.key, this.slices, sink);
      if (finished) blocks.flush();
      // A failed write or a closed connection means the client went away: nothing is left to do.
      await until(() => inSocket === 0);
    } finally {
      out.off('close', wake);
      this.destroy();
    }
  }
}

/** A body that can write itself into the response without a Readable in between (see ObjectReader). */
export const sendsDirectly = (body: unknown): body is ObjectReader => body instanceof ObjectReader;

/** The object's plaintext [start, end] (or all), decrypted part by part as it is read. */
export function readObject(ctx: ObjectContext, object: ObjectRecord, dataKey: Buffer, range?: { start: number; end: number }): ObjectReader {
  return new ObjectReader(ctx.deps.blobs, object, dataKey, partSlices(object, range));
}
