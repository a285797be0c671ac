/**
 * Codes of {@link ObjectStreamError}, one per failure a caller may need to tell apart
 * (`docs/formats.md` §3.5).
 */
export type ObjectStreamErrorCode =
  | 'object-stream-version'
  | 'object-stream-corrupt'
  | 'object-stream-truncated'
  | 'object-stream-trailing-data'
  | 'object-stream-too-large'
  | 'object-stream-invalid-argument';

const defaultMessages = {
  'object-stream-version': 'formats/object-stream: unknown version',
  'object-stream-corrupt': 'formats/object-stream: authentication failed',
  'object-stream-truncated': 'formats/object-stream: truncated',
  'object-stream-trailing-data': 'formats/object-stream: data after the last segment',
  'object-stream-too-large': 'formats/object-stream: too large',
  'object-stream-invalid-argument': 'formats/object-stream: invalid argument',
} as const satisfies Record<ObjectStreamErrorCode, string>;

/**
 * Every failure of the object stream format. `code` is stable; `message` starts with
 * `formats/object-stream:` and never contains key material or plaintext.
 */
export class ObjectStreamError extends Error {
  override readonly name = 'ObjectStreamError';
  readonly code: ObjectStreamErrorCode;

  constructor(code: ObjectStreamErrorCode, message: string = defaultMessages[code]) {
    super(message);
    this.code = code;
  }
}

/** A thunk for `needs`: a caller error with the given message. */
export function invalidArgument(what: string): () => ObjectStreamError {
  return () => new ObjectStreamError('object-stream-invalid-argument', `formats/object-stream: ${what}`);
}
