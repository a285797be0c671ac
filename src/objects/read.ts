import { Readable, type Transform } from 'node:stream';
import type { ObjectRecord } from '../store/object-types.js';
import { readDecrypted } from './body.js';
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

/** The object's plaintext [start, end] across its parts, decrypted part by part as it is read. */
export function readObject(ctx: ObjectContext, object: ObjectRecord, dataKey: Buffer, range?: { start: number; end: number }): Readable {
  async function* bytes(): AsyncGenerator<Buffer> {
    for (const slice of partSlices(object, range)) {
      const { part } = slice;
      const context = streamContext(object.bucket, object.key, part.partNumber);
      const [source, decrypt] = readDecrypted(ctx, part.blobId, dataKey, context, part.size, object.segmentSize, slice.range) as [Readable, Transform];
      source.on('error', (e) => decrypt.destroy(e));
      source.pipe(decrypt);
      for await (const chunk of decrypt) yield chunk as Buffer;
    }
  }
  return Readable.from(bytes(), { objectMode: false });
}
