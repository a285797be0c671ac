import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { ObjectContext } from '../../objects/context.js';
import { objectError } from '../../objects/errors.js';
import { createBucket } from '../../objects/operations/create-bucket.js';
import { deleteBucketEncryption } from '../../objects/operations/delete-bucket-encryption.js';
import { deleteBucket } from '../../objects/operations/delete-bucket.js';
import { deleteObject, deleteObjects } from '../../objects/operations/delete-object.js';
import { getBucketEncryption } from '../../objects/operations/get-bucket-encryption.js';
import { getObject } from '../../objects/operations/get-object.js';
import { headBucket } from '../../objects/operations/head-bucket.js';
import { listBuckets } from '../../objects/operations/list-buckets.js';
import { listObjects } from '../../objects/operations/list-objects.js';
import { putBucketEncryption } from '../../objects/operations/put-bucket-encryption.js';
import { putObject } from '../../objects/operations/put-object.js';
import type { ObjectEncryption, ObjectRecord } from '../../store/object-types.js';
import { checksumHeaderName, type ChecksumAlgorithm } from '../../objects/checksums.js';
import type { DecodedBody } from './body.js';
import { MULTIPART_OPERATIONS } from './multipart.js';
import { bodyChecks, conditions, encryptionRequest, refuseEncryptionHeaders, storedHeaders, userMetadata, writeConditions, type Target } from './request.js';
import { httpDate, isoDate, many, parseXml, xmlDocument, type XmlNode } from './xml.js';

export interface S3Call {
  req: IncomingMessage;
  target: Target;
  ctx: ObjectContext;
  body: DecodedBody;
  maxXmlBytes: number;
}

export interface S3Reply {
  status: number;
  headers: Record<string, string>;
  body?: string | Readable;
}

export type S3Operation = (call: S3Call) => Promise<S3Reply>;

/** Which S3 operation a method, path and subresource name (path-style addressing). */
export function operationOf(method: string, target: Target): string {
  const q = target.query;
  if (!target.bucket) return method === 'GET' ? 'ListBuckets' : 'unknown';
  if (target.key === undefined) {
    if (q.has('encryption')) return { PUT: 'PutBucketEncryption', GET: 'GetBucketEncryption', DELETE: 'DeleteBucketEncryption' }[method] ?? 'unknown';
    if (q.has('location') && method === 'GET') return 'GetBucketLocation';
    if (q.has('uploads') && method === 'GET') return 'ListMultipartUploads';
    if (q.has('delete') && method === 'POST') return 'DeleteObjects';
    for (const sub of ['acl', 'policy', 'versioning', 'tagging', 'lifecycle', 'cors', 'website', 'logging', 'notification', 'replication', 'object-lock', 'ownershipControls', 'publicAccessBlock']) {
      if (q.has(sub)) return `Unsupported:${sub}`;
    }
    if (method === 'GET') return q.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
    return { PUT: 'CreateBucket', HEAD: 'HeadBucket', DELETE: 'DeleteBucket' }[method] ?? 'unknown';
  }
  if (q.has('uploads') && method === 'POST') return 'CreateMultipartUpload';
  if (q.has('uploadId')) {
    if (method === 'PUT') return 'UploadPart';
    return { POST: 'CompleteMultipartUpload', DELETE: 'AbortMultipartUpload', GET: 'ListParts' }[method] ?? 'unknown';
  }
  for (const sub of ['acl', 'tagging', 'retention', 'legal-hold', 'torrent', 'attributes', 'restore']) {
    if (q.has(sub)) return `Unsupported:${sub}`;
  }
  return { PUT: 'PutObject', GET: 'GetObject', HEAD: 'HeadObject', DELETE: 'DeleteObject' }[method] ?? 'unknown';
}

/** Reads a small XML body (configurations, DeleteObjects, CompleteMultipartUpload) with a size cap. */
export async function readXml(call: S3Call): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of call.body.stream) {
    size += (chunk as Buffer).length;
    if (size > call.maxXmlBytes) throw objectError('malformed-xml', 'The XML you provided was larger than the maximum allowed size.');
    chunks.push(chunk as Buffer);
  }
  return parseXml(Buffer.concat(chunks));
}

/** The x-amz-server-side-encryption* response headers of an object. */
export function encryptionHeaders(e: ObjectEncryption, withContext = false): Record<string, string> {
  const h: Record<string, string> = { 'x-amz-server-side-encryption': e.algorithm };
  if (e.algorithm === 'aws:kms') {
    h['x-amz-server-side-encryption-aws-kms-key-id'] = e.kmsKeyArn!;
    if (e.bucketKeyEnabled) h['x-amz-server-side-encryption-bucket-key-enabled'] = 'true';
    if (withContext && e.context) h['x-amz-server-side-encryption-context'] = Buffer.from(JSON.stringify(e.context)).toString('base64');
  }
  return h;
}

const quoted = (etag: string) => `"${etag}"`;

function objectHeaders(o: ObjectRecord): Record<string, string> {
  const h: Record<string, string> = {
    etag: quoted(o.etag),
    'last-modified': httpDate(o.lastModified),
    'accept-ranges': 'bytes',
    'content-type': o.contentType ?? 'binary/octet-stream',
    ...o.headers,
    ...encryptionHeaders(o.encryption),
  };
  for (const [k, v] of Object.entries(o.metadata)) h[`x-amz-meta-${k}`] = v;
  if (o.parts.length > 1 || o.etag.includes('-')) h['x-amz-mp-parts-count'] = String(o.parts.length);
  return h;
}

const RESPONSE_OVERRIDES = [
  ['response-content-type', 'content-type'],
  ['response-content-language', 'content-language'],
  ['response-expires', 'expires'],
  ['response-cache-control', 'cache-control'],
  ['response-content-disposition', 'content-disposition'],
  ['response-content-encoding', 'content-encoding'],
] as const;

/** GetObject and HeadObject: the same checks and headers; HEAD has no body. */
async function readObjectReply(call: S3Call, headOnly: boolean): Promise<S3Reply> {
  refuseEncryptionHeaders(call.req);
  const out = await getObject(call.ctx, {
    bucket: call.target.bucket!,
    key: call.target.key!,
    ...(call.req.headers.range ? { range: call.req.headers.range } : {}),
    conditions: conditions(call.req),
    checksumMode: String(call.req.headers['x-amz-checksum-mode'] ?? '').toUpperCase() === 'ENABLED',
    headOnly,
  });
  const headers = objectHeaders(out.object);
  // GetObject's response-* query parameters override the stored headers (S3 API Reference, GetObject).
  for (const [param, name] of RESPONSE_OVERRIDES) {
    const value = call.target.query.get(param);
    if (value !== null) headers[name] = value;
  }
  headers['content-length'] = String(out.range ? out.range.end - out.range.start + 1 : out.object.size);
  if (out.range) headers['content-range'] = `bytes ${out.range.start}-${out.range.end}/${out.object.size}`;
  if (out.checksum) {
    headers[checksumHeaderName(out.checksum.algorithm as ChecksumAlgorithm)] = out.checksum.value;
    headers['x-amz-checksum-type'] = out.checksum.type;
  }
  return { status: out.range ? 206 : 200, headers, ...(out.body ? { body: out.body } : {}) };
}

const bucketOf = (call: S3Call) => call.target.bucket!;
const keyOf = (call: S3Call) => call.target.key!;

function encryptionFromXml(doc: Record<string, unknown>): { algorithm: 'AES256' | 'aws:kms'; kmsKeyId?: string; bucketKeyEnabled: boolean } {
  const config = doc.ServerSideEncryptionConfiguration as Record<string, unknown> | undefined;
  const rule = many(config?.Rule as Record<string, unknown> | Record<string, unknown>[] | undefined)[0];
  const apply = rule?.ApplyServerSideEncryptionByDefault as Record<string, string> | undefined;
  const algorithm = apply?.SSEAlgorithm;
  if (!rule || !apply || (algorithm !== 'AES256' && algorithm !== 'aws:kms')) {
    throw objectError('malformed-xml', 'The XML you provided was not well-formed or did not validate against our published schema');
  }
  return {
    algorithm,
    ...(apply.KMSMasterKeyID ? { kmsKeyId: apply.KMSMasterKeyID } : {}),
    bucketKeyEnabled: String(rule.BucketKeyEnabled ?? 'false').toLowerCase() === 'true',
  };
}

const continuation = {
  encode: (key: string) => Buffer.from(`c1:${key}`, 'utf8').toString('base64'),
  decode(token: string): string {
    const text = Buffer.from(token, 'base64').toString('utf8');
    if (!text.startsWith('c1:')) throw objectError('invalid-argument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token' });
    return text.slice(3);
  },
};

function maxKeys(q: URLSearchParams): number {
  const raw = q.get('max-keys');
  if (raw === null) return 1000;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 0) throw objectError('invalid-argument', 'Provided max-keys not an integer or within integer range', { ArgumentName: 'max-keys', ArgumentValue: raw });
  return Math.min(n, 1000);
}

async function list(call: S3Call, v2: boolean): Promise<S3Reply> {
  const q = call.target.query;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') || undefined;
  const limit = maxKeys(q);
  const token = q.get('continuation-token');
  const after = v2 ? (token !== null ? continuation.decode(token) : (q.get('start-after') ?? undefined)) : (q.get('marker') ?? undefined);
  const out = await listObjects(call.ctx, { bucket: bucketOf(call), prefix, ...(delimiter ? { delimiter } : {}), ...(after ? { after } : {}), maxKeys: limit });
  const encode = q.get('encoding-type') === 'url';
  const enc = (s: string) => (encode ? encodeURIComponent(s).replace(/%2F/g, '/') : s);
  const contents: XmlNode[] = out.contents.map((o) => [
    'Contents',
    [
      ['Key', enc(o.key)],
      ['LastModified', isoDate(o.lastModified)],
      ['ETag', quoted(o.etag)],
      ['Size', o.size],
      ['StorageClass', 'STANDARD'],
      ...(o.checksum ? ([['ChecksumAlgorithm', o.checksum.algorithm], ['ChecksumType', o.checksum.type]] as XmlNode[]) : []),
    ],
  ]);
  const prefixes: XmlNode[] = out.commonPrefixes.map((p) => ['CommonPrefixes', [['Prefix', enc(p)]]]);
  const children: XmlNode[] = [
    ['Name', bucketOf(call)],
    ['Prefix', enc(prefix)],
    ...(delimiter ? ([['Delimiter', enc(delimiter)]] as XmlNode[]) : []),
    ['MaxKeys', limit],
    ...(encode ? ([['EncodingType', 'url']] as XmlNode[]) : []),
    ['IsTruncated', out.truncated],
  ];
  if (v2) {
    children.push(['KeyCount', out.contents.length + out.commonPrefixes.length]);
    if (token !== null) children.push(['ContinuationToken', token]);
    if (q.get('start-after')) children.push(['StartAfter', enc(q.get('start-after')!)]);
    if (out.truncated && out.next) children.push(['NextContinuationToken', continuation.encode(out.next)]);
  } else {
    children.push(['Marker', enc(after ?? '')]);
    if (out.truncated && out.next && delimiter) children.push(['NextMarker', enc(out.next)]);
  }
  return { status: 200, headers: {}, body: xmlDocument('ListBucketResult', [...children, ...contents, ...prefixes]) };
}

export const S3_OPERATIONS: Record<string, S3Operation> = {
  async ListBuckets(call) {
    const buckets = await listBuckets(call.ctx);
    const owner: XmlNode = ['Owner', [['ID', call.ctx.caller.principal.accountId], ['DisplayName', call.ctx.caller.principal.accountId]]];
    return {
      status: 200,
      headers: {},
      body: xmlDocument('ListAllMyBucketsResult', [
        owner,
        ['Buckets', buckets.map((b): XmlNode => ['Bucket', [['Name', b.name], ['CreationDate', isoDate(b.createdAt)], ['BucketRegion', b.region]]])],
      ]),
    };
  },
  async CreateBucket(call) {
    let locationConstraint: string | undefined;
    const hasBody = Number(call.req.headers['content-length'] ?? 0) > 0 || call.req.headers['transfer-encoding'] !== undefined;
    if (hasBody) {
      const doc = await readXml(call);
      const config = doc.CreateBucketConfiguration as Record<string, string> | undefined;
      if (!config) throw objectError('malformed-xml', 'The XML you provided was not well-formed or did not validate against our published schema');
      locationConstraint = config.LocationConstraint || undefined;
    }
    const { location } = await createBucket(call.ctx, { bucket: bucketOf(call), ...(locationConstraint ? { locationConstraint } : {}) });
    return { status: 200, headers: { location } };
  },
  async HeadBucket(call) {
    const bucket = await headBucket(call.ctx, { bucket: bucketOf(call) });
    return { status: 200, headers: { 'x-amz-bucket-region': bucket.region } };
  },
  async GetBucketLocation(call) {
    const bucket = await headBucket(call.ctx, { bucket: bucketOf(call) });
    // us-east-1 is the empty LocationConstraint, as S3 answers it.
    const region = bucket.region === 'us-east-1' ? '' : bucket.region;
    return { status: 200, headers: {}, body: `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${region}</LocationConstraint>` };
  },
  async DeleteBucket(call) {
    await deleteBucket(call.ctx, { bucket: bucketOf(call) });
    return { status: 204, headers: {} };
  },
  async PutBucketEncryption(call) {
    const encryption = encryptionFromXml(await readXml(call));
    await putBucketEncryption(call.ctx, { bucket: bucketOf(call), encryption });
    return { status: 200, headers: {} };
  },
  async GetBucketEncryption(call) {
    const e = await getBucketEncryption(call.ctx, { bucket: bucketOf(call) });
    return {
      status: 200,
      headers: {},
      body: xmlDocument('ServerSideEncryptionConfiguration', [
        [
          'Rule',
          [
            ['ApplyServerSideEncryptionByDefault', [['SSEAlgorithm', e.algorithm], ['KMSMasterKeyID', e.kmsKeyId]]],
            ['BucketKeyEnabled', e.bucketKeyEnabled],
          ],
        ],
      ]),
    };
  },
  async DeleteBucketEncryption(call) {
    await deleteBucketEncryption(call.ctx, { bucket: bucketOf(call) });
    return { status: 204, headers: {} };
  },
  ListObjectsV2: (call) => list(call, true),
  ListObjects: (call) => list(call, false),
  async PutObject(call) {
    if (call.req.headers['x-amz-copy-source'] !== undefined) return MULTIPART_OPERATIONS.CopyObject!(call);
    const out = await putObject(call.ctx, {
      bucket: bucketOf(call),
      key: keyOf(call),
      body: call.body.stream,
      ...(call.req.headers['content-type'] ? { contentType: call.req.headers['content-type'] } : {}),
      headers: storedHeaders(call.req),
      metadata: userMetadata(call.req),
      encryption: encryptionRequest(call.req),
      conditions: writeConditions(call.req),
      checks: { ...bodyChecks(call.req, call.body.trailers), ...(call.body.declaredLength !== undefined ? { declaredLength: call.body.declaredLength } : {}) },
    });
    return {
      status: 200,
      headers: {
        etag: quoted(out.etag),
        ...encryptionHeaders(out.encryption, true),
        ...(out.checksum ? { [checksumHeaderName(out.checksum.algorithm as ChecksumAlgorithm)]: out.checksum.value, 'x-amz-checksum-type': 'FULL_OBJECT' } : {}),
      },
    };
  },
  GetObject: (call) => readObjectReply(call, false),
  HeadObject: (call) => readObjectReply(call, true),
  async DeleteObject(call) {
    await deleteObject(call.ctx, { bucket: bucketOf(call), key: keyOf(call) });
    return { status: 204, headers: {} };
  },
  async DeleteObjects(call) {
    const doc = await readXml(call);
    const del = doc.Delete as Record<string, unknown> | undefined;
    if (!del) throw objectError('malformed-xml', 'The XML you provided was not well-formed or did not validate against our published schema');
    const keys = many(del.Object as Record<string, string> | Record<string, string>[] | undefined).map((o) => String(o.Key ?? ''));
    if (keys.length === 0 || keys.length > 1000 || keys.some((k) => k === '')) {
      throw objectError('malformed-xml', 'The XML you provided was not well-formed or did not validate against our published schema');
    }
    const quiet = String(del.Quiet ?? 'false').toLowerCase() === 'true';
    const result = await deleteObjects(call.ctx, { bucket: bucketOf(call), keys });
    return {
      status: 200,
      headers: {},
      body: xmlDocument('DeleteResult', [
        ...(quiet ? [] : result.deleted.map((k): XmlNode => ['Deleted', [['Key', k]]])),
        ...result.errors.map((e): XmlNode => ['Error', [['Key', e.key], ['Code', e.code], ['Message', e.message]]]),
      ]),
    };
  },
  ...MULTIPART_OPERATIONS,
};
