import { objectError } from '../../objects/errors.js';
import type { S3Operation } from './operations.js';

const notYet: S3Operation = async () => {
  throw objectError('not-implemented', 'A header or query you provided implies functionality that is not implemented.');
};

/** Multipart uploads and copies (CopyObject, UploadPartCopy): wired in by their own module. */
export const MULTIPART_OPERATIONS: Record<string, S3Operation> = {
  CopyObject: notYet,
  CreateMultipartUpload: notYet,
  UploadPart: notYet,
  CompleteMultipartUpload: notYet,
  AbortMultipartUpload: notYet,
  ListParts: notYet,
  ListMultipartUploads: notYet,
};
