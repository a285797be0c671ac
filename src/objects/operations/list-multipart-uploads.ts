import type { UploadRecord } from '../../store/object-types.js';
import { ownedBucket } from '../buckets.js';
import type { ObjectContext } from '../context.js';
import { integerArgument } from './list-parts.js';

export interface ListMultipartUploadsInput {
  bucket: string;
  prefix: string;
  delimiter?: string;
  keyMarker?: string;
  uploadIdMarker?: string;
  /** max-uploads, as sent (at most 1,000 are listed). */
  maxUploads?: string;
}

export interface ListMultipartUploadsOutput {
  uploads: UploadRecord[];
  commonPrefixes: string[];
  maxUploads: number;
  truncated: boolean;
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
}

/** How many open uploads one listing looks through; the store lists from the start of the prefix. */
const SCAN_LIMIT = 100_000;

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * ListMultipartUploads: open uploads by key (UTF-8 binary order), a key's uploads in the order they
 * were started (upload ids sort that way); paged by key-marker and upload-id-marker, and with a
 * delimiter rolled up into CommonPrefixes as ListObjects does.
 */
export async function listMultipartUploads(ctx: ObjectContext, input: ListMultipartUploadsInput): Promise<ListMultipartUploadsOutput> {
  await ownedBucket(ctx, input.bucket);
  const maxUploads = Math.min(integerArgument('max-uploads', input.maxUploads, 1000), 1000);
  const all = await ctx.deps.meta.listUploads(input.bucket, input.prefix, SCAN_LIMIT);
  // S3: with key-marker alone, uploads of later keys; with upload-id-marker too, also the marker key's later uploads.
  const after = (u: UploadRecord) => {
    if (input.keyMarker === undefined || input.keyMarker === '') return true;
    const c = byteOrder(u.key, input.keyMarker);
    return c > 0 || (c === 0 && input.uploadIdMarker !== undefined && input.uploadIdMarker !== '' && u.uploadId > input.uploadIdMarker);
  };
  const out: ListMultipartUploadsOutput = { uploads: [], commonPrefixes: [], maxUploads, truncated: false };
  // A page that ended on a CommonPrefix continues past every key under it.
  const seen = new Set<string>(input.delimiter && input.keyMarker?.endsWith(input.delimiter) ? [input.keyMarker] : []);
  let last: UploadRecord | string | undefined;
  for (const upload of all.filter(after)) {
    let rolled: string | undefined;
    if (input.delimiter) {
      const i = upload.key.indexOf(input.delimiter, input.prefix.length);
      if (i >= 0) rolled = upload.key.slice(0, i + input.delimiter.length);
    }
    if (rolled !== undefined && seen.has(rolled)) continue;
    if (out.uploads.length + out.commonPrefixes.length === maxUploads) {
      out.truncated = true;
      break;
    }
    if (rolled !== undefined) {
      seen.add(rolled);
      out.commonPrefixes.push(rolled);
      last = rolled;
    } else {
      out.uploads.push(upload);
      last = upload;
    }
  }
  if (out.truncated && last !== undefined) {
    if (typeof last === 'string') out.nextKeyMarker = last;
    else {
      out.nextKeyMarker = last.key;
      out.nextUploadIdMarker = last.uploadId;
    }
  }
  return out;
}
