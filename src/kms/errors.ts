/** Protocol-neutral error codes of the key service. Each wire adapter maps every code (compiler-checked). */
export type KmsErrorCode =
  | 'access-denied'
  | 'already-exists'
  | 'conflict'
  | 'disabled'
  | 'incorrect-key'
  | 'internal'
  | 'invalid-alias-name'
  | 'invalid-arn'
  | 'invalid-ciphertext'
  | 'invalid-grant-token'
  | 'invalid-key-usage'
  | 'invalid-marker'
  | 'invalid-signature-value'
  | 'invalid-mac'
  | 'invalid-state'
  | 'limit-exceeded'
  | 'malformed-policy'
  | 'not-authorized'
  | 'not-found'
  | 'serialization'
  | 'tag'
  | 'unsupported-operation'
  | 'validation';

/** A refusal the client may see in full: `message` is AWS's text for the case. */
export class KmsError extends Error {
  readonly code: KmsErrorCode;
  constructor(code: KmsErrorCode, message: string) {
    super(message);
    this.name = 'KmsError';
    this.code = code;
  }
}

export function kmsError(code: KmsErrorCode, message: string): KmsError {
  return new KmsError(code, message);
}
