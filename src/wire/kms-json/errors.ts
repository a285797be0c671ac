import type { KmsErrorCode } from '../../kms/errors.js';

/**
 * Core code → AWS `__type` and HTTP status. Statuses are what AWS KMS sends on the wire: 400 for
 * every client error (although the service model lists 404/409 for some), 500/503 for its own
 * faults. docs/errors.md lists the same table; a test keeps the two equal.
 */
export const KMS_JSON_ERRORS = {
  'access-denied': { type: 'AccessDeniedException', status: 400 },
  'already-exists': { type: 'AlreadyExistsException', status: 400 },
  conflict: { type: 'ConflictException', status: 400 },
  disabled: { type: 'DisabledException', status: 400 },
  'incorrect-key': { type: 'IncorrectKeyException', status: 400 },
  internal: { type: 'KMSInternalException', status: 500 },
  'invalid-alias-name': { type: 'InvalidAliasNameException', status: 400 },
  'invalid-arn': { type: 'InvalidArnException', status: 400 },
  'invalid-ciphertext': { type: 'InvalidCiphertextException', status: 400 },
  'invalid-grant-token': { type: 'InvalidGrantTokenException', status: 400 },
  'invalid-key-usage': { type: 'InvalidKeyUsageException', status: 400 },
  'invalid-marker': { type: 'InvalidMarkerException', status: 400 },
  'invalid-signature-value': { type: 'KMSInvalidSignatureException', status: 400 },
  'invalid-mac': { type: 'KMSInvalidMacException', status: 400 },
  'invalid-state': { type: 'KMSInvalidStateException', status: 400 },
  'limit-exceeded': { type: 'LimitExceededException', status: 400 },
  'malformed-policy': { type: 'MalformedPolicyDocumentException', status: 400 },
  'not-authorized': { type: 'NotAuthorizedException', status: 400 },
  'not-found': { type: 'NotFoundException', status: 400 },
  serialization: { type: 'SerializationException', status: 400 },
  tag: { type: 'TagException', status: 400 },
  'unsupported-operation': { type: 'UnsupportedOperationException', status: 400 },
  validation: { type: 'ValidationException', status: 400 },
} as const satisfies Record<KmsErrorCode, { type: string; status: number }>;
