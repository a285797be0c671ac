import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { CHECKSUM_ALGORITHMS, checksumAlgorithmOfHeader, checksumHeaderName, type ChecksumAlgorithm } from '../../objects/checksums.js';
import { objectError } from '../../objects/errors.js';
import { parseCopySource } from '../../objects/multipart.js';
import { abortMultipartUpload } from '../../objects/operations/abort-multipart-upload.js';
import { completeMultipartUpload, type CompletedPart } from '../../objects/operations/complete-multipart-upload.js';
import { copyObject } from '../../objects/operations/copy-object.js';
import { createMultipartUpload } from '../../objects/operations/create-multipart-upload.js';
import type { Conditions } from '../../objects/operations/get-object.js';
import { listMultipartUploads } from '../../objects/operations/list-multipart-uploads.js';
import { listParts } from '../../objects/operations/list-parts.js';
import { uploadPartCopy } from '../../objects/operations/upload-part-copy.js';
import { uploadPart } from '../../objects/operations/upload-part.js';
import { encryptionHeaders, readXml, type S3Call, type S3Operation } from './operations.js';
import { bodyChecks, encryptionRequest, storedHeaders, userMetadata } from './request.js';
import { isoDate, many, xmlDocument, type XmlNode } from './xml.js';

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};

const quoted = (etag: string) => `"${etag}"`;
const bucketOf = (call: S3Call) => call.target.bucket!;
const keyOf = (call: S3Call) => call.target.key!;
const checksumElement = (algorithm: ChecksumAlgorithm) => `Checksum${algorithm}`;
const malformed = () => objectError('malformed-xml', 'The XML you provided was not well-formed or did not validate against our published schema');

/** x-amz-copy-source-if-*: the source's conditions, as GetObject's are the object's. */
function copySourceConditions(req: IncomingMessage): Conditions {
  const date = (name: string) => {
    const v = header(req, name);
    const t = v === undefined ? Number.NaN : Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  };
  const ifMatch = header(req, 'x-amz-copy-source-if-match');
  const ifNoneMatch = header(req, 'x-amz-copy-source-if-none-match');
  const ifModifiedSince = date('x-amz-copy-source-if-modified-since');
  const ifUnmodifiedSince = date('x-amz-copy-source-if-unmodified-since');
  return {
    ...(ifMatch !== undefined ? { ifMatch } : {}),
    ...(ifNoneMatch !== undefined ? { ifNoneMatch } : {}),
    ...(ifModifiedSince !== undefined ? { ifModifiedSince } : {}),
    ...(ifUnmodifiedSince !== undefined ? { ifUnmodifiedSince } : {}),
  };
}

/** An initiator or owner element: S3 gives the principal's ARN as the initiator's ID for IAM users. */
function principalNode(name: string, arn: string): XmlNode {
  return [name, [['ID', arn], ['DisplayName', arn.slice(arn.lastIndexOf('/') + 1)]]];
}

function ownerNode(accountId: string): XmlNode {
  return ['Owner', [['ID', accountId], ['DisplayName', accountId]]];
}

/** The part list of a CompleteMultipartUpload body. */
function completedParts(doc: Record<string, unknown>): CompletedPart[] {
  const root = doc.CompleteMultipartUpload;
  if (root === undefined || root === null) throw malformed();
  if (root === '') return [];
  if (typeof root !== 'object') throw malformed();
  return many((root as Record<string, unknown>).Part as unknown).map((raw) => {
    if (!raw || typeof raw !== 'object') throw malformed();
    const part = raw as Record<string, unknown>;
    if (typeof part.PartNumber !== 'string' || typeof part.ETag !== 'string') throw malformed();
    const checksums: CompletedPart['checksums'] = {};
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      const value = part[checksumElement(algorithm)];
      if (typeof value === 'string') checksums[algorithm] = value;
    }
    return { partNumber: part.PartNumber, etag: part.ETag, checksums };
  });
}

/** The whole-object x-amz-checksum-<algorithm> header of a CompleteMultipartUpload, if any. */
function wholeObjectChecksum(req: IncomingMessage): { algorithm: ChecksumAlgorithm; value: string } | undefined {
  for (const name of Object.keys(req.headers)) {
    const algorithm = checksumAlgorithmOfHeader(name);
    if (algorithm) return { algorithm, value: header(req, name)! };
  }
  return undefined;
}

function location(call: S3Call): string {
  const secure = (call.req.socket as Partial<TLSSocket>).encrypted === true;
  const host = header(call.req, 'host') ?? 'localhost';
  const path = `/${encodeURIComponent(bucketOf(call))}/${encodeURIComponent(keyOf(call)).replace(/%2F/g, '/')}`;
  return `${secure ? 'https' : 'http'}://${host}${path}`;
}

async function uploadPartCopyOperation(call: S3Call): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const range = header(call.req, 'x-amz-copy-source-range');
  const out = await uploadPartCopy(call.ctx, {
    bucket: bucketOf(call),
    key: keyOf(call),
    uploadId: call.target.query.get('uploadId') ?? '',
    partNumber: call.target.query.get('partNumber') ?? '',
    source: parseCopySource(header(call.req, 'x-amz-copy-source')!),
    ...(range !== undefined ? { range } : {}),
    conditions: copySourceConditions(call.req),
  });
  return {
    status: 200,
    headers: encryptionHeaders(out.encryption),
    body: xmlDocument('CopyPartResult', [
      ['ETag', quoted(out.etag)],
      ['LastModified', isoDate(out.lastModified)],
      [checksumElement(out.checksum.algorithm), out.checksum.value],
    ]),
  };
}

/** Multipart uploads and copies (CopyObject, UploadPartCopy). */
export const MULTIPART_OPERATIONS: Record<string, S3Operation> = {
  async CopyObject(call) {
    const directive = header(call.req, 'x-amz-metadata-directive');
    const checksumAlgorithm = header(call.req, 'x-amz-checksum-algorithm');
    const storageClass = header(call.req, 'x-amz-storage-class');
    const websiteRedirectLocation = header(call.req, 'x-amz-website-redirect-location');
    const contentType = header(call.req, 'content-type');
    const out = await copyObject(call.ctx, {
      bucket: bucketOf(call),
      key: keyOf(call),
      source: parseCopySource(header(call.req, 'x-amz-copy-source')!),
      ...(directive !== undefined ? { metadataDirective: directive } : {}),
      ...(contentType !== undefined ? { contentType } : {}),
      headers: storedHeaders(call.req),
      metadata: userMetadata(call.req),
      encryption: encryptionRequest(call.req),
      ...(checksumAlgorithm !== undefined ? { checksumAlgorithm } : {}),
      ...(storageClass !== undefined ? { storageClass } : {}),
      ...(websiteRedirectLocation !== undefined ? { websiteRedirectLocation } : {}),
      conditions: copySourceConditions(call.req),
    });
    return {
      status: 200,
      headers: encryptionHeaders(out.encryption, true),
      body: xmlDocument('CopyObjectResult', [
        ['ETag', quoted(out.etag)],
        ['LastModified', isoDate(out.lastModified)],
        ...(out.checksum ? ([[checksumElement(out.checksum.algorithm), out.checksum.value], ['ChecksumType', out.checksum.type]] as XmlNode[]) : []),
      ]),
    };
  },

  async CreateMultipartUpload(call) {
    const contentType = header(call.req, 'content-type');
    const checksumAlgorithm = header(call.req, 'x-amz-checksum-algorithm');
    const checksumType = header(call.req, 'x-amz-checksum-type');
    const out = await createMultipartUpload(call.ctx, {
      bucket: bucketOf(call),
      key: keyOf(call),
      ...(contentType !== undefined ? { contentType } : {}),
      headers: storedHeaders(call.req),
      metadata: userMetadata(call.req),
      encryption: encryptionRequest(call.req),
      ...(checksumAlgorithm !== undefined ? { checksumAlgorithm } : {}),
      ...(checksumType !== undefined ? { checksumType } : {}),
    });
    return {
      status: 200,
      headers: {
        ...encryptionHeaders(out.encryption, true),
        ...(out.checksum ? { 'x-amz-checksum-algorithm': out.checksum.algorithm, 'x-amz-checksum-type': out.checksum.type } : {}),
      },
      body: xmlDocument('InitiateMultipartUploadResult', [
        ['Bucket', bucketOf(call)],
        ['Key', keyOf(call)],
        ['UploadId', out.uploadId],
      ]),
    };
  },

  async UploadPart(call) {
    if (call.req.headers['x-amz-copy-source'] !== undefined) return uploadPartCopyOperation(call);
    const out = await uploadPart(call.ctx, {
      bucket: bucketOf(call),
      key: keyOf(call),
      uploadId: call.target.query.get('uploadId') ?? '',
      partNumber: call.target.query.get('partNumber') ?? '',
      body: call.body.stream,
      checks: { ...bodyChecks(call.req, call.body.trailers), ...(call.body.declaredLength !== undefined ? { declaredLength: call.body.declaredLength } : {}) },
    });
    return {
      status: 200,
      headers: {
        etag: quoted(out.etag),
        ...encryptionHeaders(out.encryption),
        ...(out.checksum ? { [checksumHeaderName(out.checksum.algorithm)]: out.checksum.value } : {}),
      },
    };
  },

  async CompleteMultipartUpload(call) {
    const parts = completedParts(await readXml(call));
    const checksumType = header(call.req, 'x-amz-checksum-type');
    const checksum = wholeObjectChecksum(call.req);
    const objectSize = header(call.req, 'x-amz-mp-object-size');
    const out = await completeMultipartUpload(call.ctx, {
      bucket: bucketOf(call),
      key: keyOf(call),
      uploadId: call.target.query.get('uploadId') ?? '',
      parts,
      ...(checksumType !== undefined ? { checksumType } : {}),
      ...(checksum ? { checksum } : {}),
      ...(objectSize !== undefined ? { objectSize } : {}),
    });
    return {
      status: 200,
      headers: encryptionHeaders(out.encryption),
      body: xmlDocument('CompleteMultipartUploadResult', [
        ['Location', location(call)],
        ['Bucket', bucketOf(call)],
        ['Key', keyOf(call)],
        ['ETag', quoted(out.etag)],
        [checksumElement(out.checksum.algorithm), out.checksum.value],
        ['ChecksumType', out.checksum.type],
      ]),
    };
  },

  async AbortMultipartUpload(call) {
    await abortMultipartUpload(call.ctx, { bucket: bucketOf(call), key: keyOf(call), uploadId: call.target.query.get('uploadId') ?? '' });
    return { status: 204, headers: {} };
  },

  async ListParts(call) {
    const q = call.target.query;
    const marker = q.get('part-number-marker');
    const maxParts = q.get('max-parts');
    const out = await listParts(call.ctx, {
      bucket: bucketOf(call),
      key: keyOf(call),
      uploadId: q.get('uploadId') ?? '',
      ...(marker !== null ? { partNumberMarker: marker } : {}),
      ...(maxParts !== null ? { maxParts } : {}),
    });
    const declared = out.upload.checksumAlgorithm;
    return {
      status: 200,
      headers: {},
      body: xmlDocument('ListPartsResult', [
        ['Bucket', bucketOf(call)],
        ['Key', keyOf(call)],
        ['UploadId', out.upload.uploadId],
        principalNode('Initiator', out.upload.initiatorArn),
        ownerNode(call.ctx.caller.principal.accountId),
        ['StorageClass', 'STANDARD'],
        ['PartNumberMarker', out.partNumberMarker],
        ['NextPartNumberMarker', out.nextPartNumberMarker],
        ['MaxParts', out.maxParts],
        ['IsTruncated', out.truncated],
        ...(declared ? ([['ChecksumAlgorithm', declared], ['ChecksumType', out.upload.checksumType]] as XmlNode[]) : []),
        ...out.parts.map(
          (p): XmlNode => [
            'Part',
            [
              ['PartNumber', p.partNumber],
              ['LastModified', isoDate(p.lastModified)],
              ['ETag', quoted(p.etag)],
              ['Size', p.size],
              ...(p.checksum ? ([[checksumElement(p.checksum.algorithm), p.checksum.value]] as XmlNode[]) : []),
            ],
          ],
        ),
      ]),
    };
  },

  async ListMultipartUploads(call) {
    const q = call.target.query;
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') || undefined;
    const keyMarker = q.get('key-marker') ?? undefined;
    const uploadIdMarker = q.get('upload-id-marker') ?? undefined;
    const maxUploads = q.get('max-uploads') ?? undefined;
    const out = await listMultipartUploads(call.ctx, {
      bucket: bucketOf(call),
      prefix,
      ...(delimiter ? { delimiter } : {}),
      ...(keyMarker !== undefined ? { keyMarker } : {}),
      ...(uploadIdMarker !== undefined ? { uploadIdMarker } : {}),
      ...(maxUploads !== undefined ? { maxUploads } : {}),
    });
    const encode = q.get('encoding-type') === 'url';
    const enc = (s: string) => (encode ? encodeURIComponent(s).replace(/%2F/g, '/') : s);
    const owner = ownerNode(call.ctx.caller.principal.accountId);
    return {
      status: 200,
      headers: {},
      body: xmlDocument('ListMultipartUploadsResult', [
        ['Bucket', bucketOf(call)],
        ['KeyMarker', enc(keyMarker ?? '')],
        ['UploadIdMarker', uploadIdMarker ?? ''],
        ...(out.nextKeyMarker !== undefined ? ([['NextKeyMarker', enc(out.nextKeyMarker)]] as XmlNode[]) : []),
        ...(out.nextUploadIdMarker !== undefined ? ([['NextUploadIdMarker', out.nextUploadIdMarker]] as XmlNode[]) : []),
        ['Prefix', enc(prefix)],
        ...(delimiter ? ([['Delimiter', enc(delimiter)]] as XmlNode[]) : []),
        ['MaxUploads', out.maxUploads],
        ...(encode ? ([['EncodingType', 'url']] as XmlNode[]) : []),
        ['IsTruncated', out.truncated],
        ...out.uploads.map(
          (u): XmlNode => [
            'Upload',
            [
              ['Key', enc(u.key)],
              ['UploadId', u.uploadId],
              principalNode('Initiator', u.initiatorArn),
              owner,
              ['StorageClass', 'STANDARD'],
              ['Initiated', isoDate(u.initiatedAt)],
              ...(u.checksumAlgorithm ? ([['ChecksumAlgorithm', u.checksumAlgorithm], ['ChecksumType', u.checksumType]] as XmlNode[]) : []),
            ],
          ],
        ),
        ...out.commonPrefixes.map((p): XmlNode => ['CommonPrefixes', [['Prefix', enc(p)]]]),
      ]),
    };
  },
};

