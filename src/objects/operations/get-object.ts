import type { Readable } from 'node:stream';
import type { ObjectRecord } from '../../store/object-types.js';
import { ownedBucket } from '../buckets.js';
import type { ObjectContext } from '../context.js';
import { objectError } from '../errors.js';
import { openChecksum } from '../object-keys.js';
import { readObject } from '../read.js';
import { openDataKey } from '../sse.js';

export interface Conditions {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: number;
  ifUnmodifiedSince?: number;
}

export interface GetObjectInput {
  bucket: string;
  key: string;
  /** The Range header as sent (`bytes=…`). */
  range?: string;
  conditions: Conditions;
  checksumMode?: boolean;
  /** HeadObject: metadata only. */
  headOnly?: boolean;
}

export interface GetObjectOutput {
  object: ObjectRecord;
  range?: { start: number; end: number };
  body?: Readable;
  checksum?: { algorithm: string; value: string; type: string };
}

const unquote = (etag: string) => etag.trim().replace(/^W\//, '').replace(/^"|"$/g, '');

/** RFC 9110 §13.2.2 order, as S3 applies it: If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since. */
export function checkConditions(object: ObjectRecord, c: Conditions): void {
  const matches = (list: string) => list.split(',').some((t) => t.trim() === '*' || unquote(t) === object.etag);
  const modified = Math.floor(object.lastModified / 1000) * 1000;
  if (c.ifMatch !== undefined && !matches(c.ifMatch)) throw objectError('precondition-failed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-Match' });
  if (c.ifMatch === undefined && c.ifUnmodifiedSince !== undefined && modified > c.ifUnmodifiedSince) {
    throw objectError('precondition-failed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-Unmodified-Since' });
  }
  if (c.ifNoneMatch !== undefined && matches(c.ifNoneMatch)) throw objectError('not-modified', 'Not Modified');
  if (c.ifNoneMatch === undefined && c.ifModifiedSince !== undefined && modified <= c.ifModifiedSince) throw objectError('not-modified', 'Not Modified');
}

/** Parses `bytes=a-b`, `bytes=a-`, `bytes=-n`; undefined for a header S3 ignores; InvalidRange when unsatisfiable. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) throw invalidRange(size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return undefined;
  }
  if (start >= size || size === 0) throw invalidRange(size);
  return { start, end };
}

const invalidRange = (size: number) =>
  objectError('invalid-range', 'The requested range is not satisfiable', { ActualObjectSize: String(size), RangeRequested: '' });

/** GetObject and HeadObject. The data key is unwrapped as the caller before any byte is sent. */
export async function getObject(ctx: ObjectContext, input: GetObjectInput): Promise<GetObjectOutput> {
  await ownedBucket(ctx, input.bucket);
  const object = await ctx.deps.meta.getObject(input.bucket, input.key);
  if (!object) throw objectError('no-such-key', 'The specified key does not exist.', { Key: input.key });
  checkConditions(object, input.conditions);
  const range = parseRange(input.range, object.size);
  const wantChecksum = input.checksumMode === true && object.checksum !== undefined && range === undefined;
  if (input.headOnly && !wantChecksum) return { object, ...(range ? { range } : {}) };
  const dataKey = await openDataKey(ctx, input.bucket, input.key, object.encryption);
  const checksum = wantChecksum
    ? { algorithm: object.checksum!.algorithm, type: object.checksum!.type, value: openChecksum(dataKey, object.checksum!.sealed, `${input.bucket}/${input.key}`) }
    : undefined;
  if (input.headOnly) {
    dataKey.fill(0);
    return { object, ...(checksum ? { checksum } : {}) };
  }
  const body = readObject(ctx, object, dataKey, range);
  body.once('close', () => dataKey.fill(0));
  return { object, ...(range ? { range } : {}), body, ...(checksum ? { checksum } : {}) };
}
