/**
 * Protocol-neutral error codes of the tenant control plane. The control API maps every code to an
 * HTTP status and error type (src/wire/control/errors.ts, compiler-checked); the CLI to an exit code.
 */
export type TenantErrorCode =
  | 'access-denied'
  | 'bucket-conflict'
  | 'cmk-initial-setup-only'
  | 'cmk-not-available'
  | 'internal'
  | 'invalid-input'
  | 'invalid-key-arn'
  | 'job-not-found'
  | 'job-running'
  | 'key-access-denied'
  | 'key-not-enabled'
  | 'key-not-found'
  | 'key-permissions-missing'
  | 'key-region-mismatch'
  | 'key-unsuitable'
  | 'not-configured'
  | 'tenant-already-exists'
  | 'tenant-not-found';

/** A refusal the operator (and through them the customer) can act on: `message` says what to do. */
export class TenantError extends Error {
  readonly code: TenantErrorCode;
  /** Machine-readable facts behind the message (the statement to add, the missing actions, the checks). */
  readonly details: Record<string, unknown>;
  constructor(code: TenantErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'TenantError';
    this.code = code;
    this.details = details;
  }
}

export function tenantError(code: TenantErrorCode, message: string, details: Record<string, unknown> = {}): TenantError {
  return new TenantError(code, message, details);
}
