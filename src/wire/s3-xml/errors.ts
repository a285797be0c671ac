import type { ObjectErrorCode } from '../../objects/errors.js';

/**
 * Core code → S3 `<Code>` and HTTP status (Amazon S3 API Reference, "Error responses"). `kms`
 * becomes `KMS.<type>` (400), as S3 answers a refused KMS key. docs/errors.md lists the same table.
 */
export const S3_ERRORS = {
  'access-denied': { code: 'AccessDenied', status: 403 },
  'bad-digest': { code: 'BadDigest', status: 400 },
  'bucket-already-exists': { code: 'BucketAlreadyExists', status: 409 },
  'bucket-already-owned-by-you': { code: 'BucketAlreadyOwnedByYou', status: 409 },
  'bucket-not-empty': { code: 'BucketNotEmpty', status: 409 },
  'content-sha256-mismatch': { code: 'XAmzContentSHA256Mismatch', status: 400 },
  'entity-too-large': { code: 'EntityTooLarge', status: 400 },
  'entity-too-small': { code: 'EntityTooSmall', status: 400 },
  'illegal-location-constraint': { code: 'IllegalLocationConstraintException', status: 400 },
  'incomplete-body': { code: 'IncompleteBody', status: 400 },
  internal: { code: 'InternalError', status: 500 },
  'invalid-argument': { code: 'InvalidArgument', status: 400 },
  'invalid-bucket-name': { code: 'InvalidBucketName', status: 400 },
  'invalid-digest': { code: 'InvalidDigest', status: 400 },
  'invalid-location-constraint': { code: 'InvalidLocationConstraint', status: 400 },
  'invalid-part': { code: 'InvalidPart', status: 400 },
  'invalid-part-order': { code: 'InvalidPartOrder', status: 400 },
  'invalid-range': { code: 'InvalidRange', status: 416 },
  'invalid-request': { code: 'InvalidRequest', status: 400 },
  'key-too-long': { code: 'KeyTooLongError', status: 400 },
  kms: { code: 'KMS', status: 400 },
  'malformed-xml': { code: 'MalformedXML', status: 400 },
  'metadata-too-large': { code: 'MetadataTooLarge', status: 400 },
  'no-such-bucket': { code: 'NoSuchBucket', status: 404 },
  'no-such-key': { code: 'NoSuchKey', status: 404 },
  'no-such-upload': { code: 'NoSuchUpload', status: 404 },
  'not-implemented': { code: 'NotImplemented', status: 501 },
  'not-modified': { code: 'NotModified', status: 304 },
  'precondition-failed': { code: 'PreconditionFailed', status: 412 },
} as const satisfies Record<ObjectErrorCode, { code: string; status: number }>;
