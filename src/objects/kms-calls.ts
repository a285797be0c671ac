import { KmsError, type KmsErrorCode } from '../kms/errors.js';
import type { KmsRequest } from '../kms/context.js';
import { Decrypt } from '../kms/operations/decrypt.js';
import { GenerateDataKey } from '../kms/operations/generate-data-key.js';
import { ReEncrypt } from '../kms/operations/re-encrypt.js';
import type { KeyService } from '../kms/service.js';
import { ObjectError } from './errors.js';

// S3 answers a KMS refusal as `KMS.<KMS error type>` (400), except a permission refusal, which is a
// plain 403 AccessDenied that does not mention KMS (research/storage-audit-anchors.md §1.5).
const KMS_TYPES: Partial<Record<KmsErrorCode, string>> = {
  disabled: 'DisabledException',
  'invalid-state': 'KMSInvalidStateException',
  'not-found': 'NotFoundException',
  'invalid-key-usage': 'InvalidKeyUsageException',
  'invalid-ciphertext': 'InvalidCiphertextException',
  'incorrect-key': 'IncorrectKeyException',
  validation: 'ValidationException',
  'invalid-arn': 'InvalidArnException',
};

function asObjectError(e: unknown): unknown {
  if (!(e instanceof KmsError)) return e;
  if (e.code === 'access-denied') return new ObjectError('access-denied', 'Access Denied');
  const type = KMS_TYPES[e.code];
  if (type) return new ObjectError('kms', e.message, {}, type);
  return new ObjectError('internal', 'We encountered an internal error. Please try again.');
}

/**
 * The object store's calls to the key service: made as the requesting principal, through the same
 * entry point as any client (authorization, key state, audit), with kms:ViaService set to S3.
 */
export interface ObjectKms {
  generateDataKey(caller: KmsRequest, keyId: string, context: Record<string, string>): Promise<{ plaintext: Buffer; blob: Buffer; keyArn: string }>;
  decrypt(caller: KmsRequest, blob: Buffer, context: Record<string, string>, keyId?: string): Promise<{ plaintext: Buffer; keyArn: string }>;
  reEncrypt(caller: KmsRequest, blob: Buffer, context: Record<string, string>, destinationKeyId: string, destinationContext: Record<string, string>): Promise<{ blob: Buffer; keyArn: string }>;
}

export function viaS3(caller: KmsRequest): KmsRequest {
  return { ...caller, viaService: `s3.${caller.region}.amazonaws.com` };
}

export function createObjectKms(kms: KeyService): ObjectKms {
  return {
    async generateDataKey(caller, keyId, context) {
      try {
        const out = (await kms.invoke(viaS3(caller), GenerateDataKey, { KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: context })) as {
          Plaintext: string;
          CiphertextBlob: string;
          KeyId: string;
        };
        return { plaintext: Buffer.from(out.Plaintext, 'base64'), blob: Buffer.from(out.CiphertextBlob, 'base64'), keyArn: out.KeyId };
      } catch (e) {
        throw asObjectError(e);
      }
    },
    async decrypt(caller, blob, context, keyId) {
      try {
        const out = (await kms.invoke(viaS3(caller), Decrypt, {
          CiphertextBlob: blob.toString('base64'),
          EncryptionContext: context,
          ...(keyId ? { KeyId: keyId } : {}),
        })) as { Plaintext: string; KeyId: string };
        return { plaintext: Buffer.from(out.Plaintext, 'base64'), keyArn: out.KeyId };
      } catch (e) {
        throw asObjectError(e);
      }
    },
    async reEncrypt(caller, blob, context, destinationKeyId, destinationContext) {
      try {
        const out = (await kms.invoke(viaS3(caller), ReEncrypt, {
          CiphertextBlob: blob.toString('base64'),
          SourceEncryptionContext: context,
          DestinationKeyId: destinationKeyId,
          DestinationEncryptionContext: destinationContext,
        })) as { CiphertextBlob: string; KeyId: string };
        return { blob: Buffer.from(out.CiphertextBlob, 'base64'), keyArn: out.KeyId };
      } catch (e) {
        throw asObjectError(e);
      }
    },
  };
}
