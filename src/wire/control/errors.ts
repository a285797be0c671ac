import type { TenantErrorCode } from '../../tenants/errors.js';

/**
 * Control API errors: every core code, with its error type and HTTP status (compiler-checked: a new
 * code without a row fails `tsc`). docs/tenants.md lists the same table (tested).
 */
export const CONTROL_ERRORS = {
  'access-denied': { type: 'AccessDenied', status: 403 },
  'bucket-conflict': { type: 'BucketConflict', status: 409 },
  'cmk-initial-setup-only': { type: 'CmkInitialSetupOnly', status: 409 },
  'cmk-not-available': { type: 'CmkNotAvailable', status: 400 },
  internal: { type: 'InternalError', status: 500 },
  'invalid-input': { type: 'InvalidInput', status: 400 },
  'invalid-key-arn': { type: 'InvalidKeyArn', status: 400 },
  'job-not-found': { type: 'JobNotFound', status: 404 },
  'job-running': { type: 'JobRunning', status: 409 },
  'key-access-denied': { type: 'KeyAccessDenied', status: 422 },
  'key-not-enabled': { type: 'KeyNotEnabled', status: 422 },
  'key-not-found': { type: 'KeyNotFound', status: 422 },
  'key-permissions-missing': { type: 'KeyPermissionsMissing', status: 422 },
  'key-region-mismatch': { type: 'KeyRegionMismatch', status: 400 },
  'key-unsuitable': { type: 'KeyUnsuitable', status: 422 },
  'not-configured': { type: 'NotConfigured', status: 503 },
  'tenant-already-exists': { type: 'TenantAlreadyExists', status: 409 },
  'tenant-not-found': { type: 'TenantNotFound', status: 404 },
} as const satisfies Record<TenantErrorCode, { type: string; status: number }>;

/** Refusals of the API itself, before the core is reached. */
export const WIRE_ERRORS = {
  'missing-auth': { type: 'MissingAuthenticationToken', status: 403 },
  'incomplete-signature': { type: 'IncompleteSignature', status: 400 },
  'unknown-access-key': { type: 'UnrecognizedClient', status: 403 },
  'signature-mismatch': { type: 'InvalidSignature', status: 403 },
  'signature-expired': { type: 'InvalidSignature', status: 403 },
  'wrong-service': { type: 'InvalidSignature', status: 403 },
  'bad-request': { type: 'BadRequest', status: 400 },
  'no-route': { type: 'NotFound', status: 404 },
  'method-not-allowed': { type: 'MethodNotAllowed', status: 405 },
  'too-large': { type: 'RequestEntityTooLarge', status: 413 },
} as const;
