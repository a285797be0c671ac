import type { KeyRecord } from '../store/types.js';
import { kmsError } from './errors.js';

// Key state × operation, from AWS's "Key states of AWS KMS keys" table (research/kms-anchors.md §b).

/** Cryptographic operations: only an Enabled key may be used. */
export function requireEnabled(key: KeyRecord): void {
  switch (key.state) {
    case 'Enabled':
      return;
    case 'Disabled':
      throw kmsError('disabled', `${key.arn} is disabled.`);
    case 'PendingDeletion':
      throw kmsError('invalid-state', `${key.arn} is pending deletion.`);
    case 'PendingImport':
      throw kmsError('invalid-state', `${key.arn} is pending import.`);
    case 'Unavailable':
      throw kmsError('invalid-state', `${key.arn} is unavailable.`);
  }
}

/** Management operations that a key pending deletion refuses. */
export function requireNotPendingDeletion(key: KeyRecord): void {
  if (key.state === 'PendingDeletion') throw kmsError('invalid-state', `${key.arn} is pending deletion.`);
}

/** Rotation settings: symmetric AWS_KMS keys only, not while disabled or pending deletion. */
export function requireRotatable(key: KeyRecord, operation: string): void {
  requireSymmetric(key, operation);
  if (key.state === 'Disabled') throw kmsError('disabled', `${key.arn} is disabled.`);
  requireNotPendingDeletion(key);
}

export function requireSymmetric(key: KeyRecord, operation: string): void {
  if (key.keySpec !== 'SYMMETRIC_DEFAULT') {
    throw kmsError('unsupported-operation', `${key.arn} key usage is ${key.keyUsage} which is not valid for ${operation}.`);
  }
}

/** Symmetric encryption operations need a SYMMETRIC_DEFAULT ENCRYPT_DECRYPT key. */
export function requireSymmetricEncryption(key: KeyRecord, operation: string): void {
  if (key.keySpec !== 'SYMMETRIC_DEFAULT' || key.keyUsage !== 'ENCRYPT_DECRYPT') {
    throw kmsError('invalid-key-usage', `${key.arn} key usage is ${key.keyUsage} which is not valid for ${operation}.`);
  }
}
