import type { KeyRecord } from '../store/types.js';

const seconds = (ms: number) => ms / 1000;

function algorithms(key: KeyRecord) {
  if (key.keySpec === 'SYMMETRIC_DEFAULT') return { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] };
  if (key.keySpec === 'HMAC_256') return { MacAlgorithms: ['HMAC_SHA_256'] };
  if (key.keySpec.startsWith('RSA_')) {
    return key.keyUsage === 'ENCRYPT_DECRYPT'
      ? { EncryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] }
      : { SigningAlgorithms: ['RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512', 'RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512'] };
  }
  return { SigningAlgorithms: [key.keySpec === 'ECC_NIST_P256' ? 'ECDSA_SHA_256' : 'ECDSA_SHA_384'] };
}

/** AWS's KeyMetadata structure for a key (DescribeKey, CreateKey). Dates are epoch seconds. */
export function keyMetadata(key: KeyRecord, currentMaterialId?: string) {
  return {
    AWSAccountId: key.accountId,
    KeyId: key.id,
    Arn: key.arn,
    CreationDate: seconds(key.createdAt),
    Enabled: key.state === 'Enabled',
    Description: key.description,
    KeyUsage: key.keyUsage,
    KeyState: key.state,
    ...(key.deletionAt !== undefined ? { DeletionDate: seconds(key.deletionAt) } : {}),
    Origin: key.origin,
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: key.keySpec,
    KeySpec: key.keySpec,
    ...algorithms(key),
    MultiRegion: false,
    ...(currentMaterialId && key.keySpec === 'SYMMETRIC_DEFAULT' ? { CurrentKeyMaterialId: currentMaterialId } : {}),
  };
}
