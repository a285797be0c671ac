/** Protocol-neutral error codes of the audit trail's API. The CloudTrail wire table maps each (compiler-checked). */
export type AuditErrorCode =
  | 'invalid-lookup-attributes'
  | 'invalid-time-range'
  | 'invalid-max-results'
  | 'invalid-next-token'
  | 'invalid-event-category'
  | 'serialization';

/** A refusal the client may see in full. */
export class AuditError extends Error {
  readonly code: AuditErrorCode;
  constructor(code: AuditErrorCode, message: string) {
    super(message);
    this.name = 'AuditError';
    this.code = code;
  }
}

export function auditError(code: AuditErrorCode, message: string): AuditError {
  return new AuditError(code, message);
}
