import { Readable } from 'node:stream';
import type { ObjectRecord } from '../store/object-types.js';
import { readDecrypted } from './body.js';
import type { ObjectContext } from './context.js';
import { streamContext } from './object-keys.js';

/** The object's plaintext [start, end] across its parts, decrypted part by part as it is read. */
export function readObject(ctx: ObjectContext, object: ObjectRecord, dataKey: Buffer, range?: { start: number; end: number }): Readable {
  const start = range?.start ?? 0;
  const end = range?.end ?? object.size - 1;
  async function* bytes(): AsyncGenerator<Buffer> {
    let offset = 0;
    for (const part of object.parts) {
      const partStart = offset;
      const partEnd = offset + part.size - 1;
      offset += part.size;
      if (part.size === 0 && object.size > 0) continue;
      if (partEnd < start || partStart > end) {
        if (!(object.size === 0 && part.size === 0)) continue;
      }
      const local =
        range && part.size > 0 ? { start: Math.max(start, partStart) - partStart, end: Math.min(end, partEnd) - partStart } : undefined;
      const whole = local && local.start === 0 && local.end === part.size - 1 ? undefined : local;
      const [source, decrypt] = readDecrypted(ctx, part.blobId, dataKey, streamContext(object.bucket, object.key, part.partNumber), part.size, object.segmentSize, whole) as [Readable, Readable & NodeJS.WritableStream];
      source.on('error', (e) => decrypt.destroy(e));
      source.pipe(decrypt);
      for await (const chunk of decrypt) yield chunk as Buffer;
    }
  }
  return Readable.from(bytes(), { objectMode: false });
}
