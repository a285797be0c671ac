import type { ObjectRecord } from '../../store/object-types.js';
import { ownedBucket } from '../buckets.js';
import type { ObjectContext } from '../context.js';

export interface ListObjectsInput {
  bucket: string;
  prefix: string;
  delimiter?: string;
  /** List after this key (StartAfter, ContinuationToken or Marker, decoded). */
  after?: string;
  maxKeys: number;
}

export interface ListObjectsOutput {
  contents: ObjectRecord[];
  commonPrefixes: string[];
  truncated: boolean;
  /** The last key or common prefix returned, from which the next page continues. */
  next?: string;
}

/**
 * ListObjects(V2): keys in UTF-8 binary order; with a delimiter, keys sharing the part of their
 * name up to the first delimiter after the prefix roll up into one CommonPrefix.
 */
export async function listObjects(ctx: ObjectContext, input: ListObjectsInput): Promise<ListObjectsOutput> {
  await ownedBucket(ctx, input.bucket);
  const out: ListObjectsOutput = { contents: [], commonPrefixes: [], truncated: false };
  if (input.maxKeys === 0) return out;
  let after = input.after;
  // A page that ended on a CommonPrefix continues past every key under it.
  const seenPrefixes = new Set<string>(input.delimiter && after?.endsWith(input.delimiter) ? [after] : []);
  for (;;) {
    const page = await ctx.deps.meta.listObjects(input.bucket, input.prefix, after, 1000);
    for (const object of page.items) {
      after = object.key;
      let entry: string | undefined;
      if (input.delimiter) {
        const i = object.key.indexOf(input.delimiter, input.prefix.length);
        if (i >= 0) entry = object.key.slice(0, i + input.delimiter.length);
      }
      if (entry !== undefined && seenPrefixes.has(entry)) continue;
      if (out.contents.length + out.commonPrefixes.length === input.maxKeys) {
        out.truncated = true;
        return out;
      }
      if (entry !== undefined) {
        seenPrefixes.add(entry);
        out.commonPrefixes.push(entry);
        out.next = entry;
      } else {
        out.contents.push(object);
        out.next = object.key;
      }
    }
    if (page.next === undefined) return out;
  }
}
