/** Why a policy document was refused; stable codes for the wire adapters' error tables. */
export type PolicyErrorCode = 'malformed-policy' | 'policy-too-large';

/**
 * Thrown by `parsePolicy`. The message names the field that is wrong
 * (`Statement[1].Condition: unknown operator "StringEqualz"`) and is safe to show the caller:
 * it only repeats parts of the caller's own document.
 */
export class PolicyError extends Error {
  readonly code: PolicyErrorCode;

  constructor(code: PolicyErrorCode, message: string) {
    super(message);
    this.name = 'PolicyError';
    this.code = code;
  }
}

export function malformed(message: string): PolicyError {
  return new PolicyError('malformed-policy', message);
}
