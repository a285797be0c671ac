/** Protocol-neutral error codes of the object store; the S3 adapter maps each to AWS's code and status. */
export type ObjectErrorCode =
  | 'access-denied'
  | 'bad-digest'
  | 'bucket-already-exists'
  | 'bucket-already-owned-by-you'
  | 'bucket-not-empty'
  | 'content-sha256-mismatch'
  | 'entity-too-large'
  | 'entity-too-small'
  | 'illegal-location-constraint'
  | 'incomplete-body'
  | 'internal'
  | 'invalid-argument'
  | 'invalid-bucket-name'
  | 'invalid-digest'
  | 'invalid-location-constraint'
  | 'invalid-part'
  | 'invalid-part-order'
  | 'invalid-range'
  | 'invalid-request'
  | 'key-too-long'
  | 'kms'
  | 'malformed-xml'
  | 'metadata-too-large'
  | 'no-such-bucket'
  | 'no-such-key'
  | 'no-such-upload'
  | 'not-implemented'
  | 'not-modified'
  | 'precondition-failed';

export class ObjectError extends Error {
  readonly code: ObjectErrorCode;
  /** For code 'kms': the KMS error type behind it (S3 answers `KMS.<type>`). */
  readonly kmsType?: string;
  /** Extra elements S3 puts in its XML error (e.g. BucketName, Key, ArgumentName). */
  readonly details: Record<string, string>;
  constructor(code: ObjectErrorCode, message: string, details: Record<string, string> = {}, kmsType?: string) {
    super(message);
    this.name = 'ObjectError';
    this.code = code;
    this.details = details;
    if (kmsType !== undefined) this.kmsType = kmsType;
  }
}

export function objectError(code: ObjectErrorCode, message: string, details: Record<string, string> = {}): ObjectError {
  return new ObjectError(code, message, details);
}
