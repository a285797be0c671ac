import { z } from 'zod';
import { defaultKeyPolicy } from '../../policy/index.js';
import type { KeyRecord, KeySpec, KeyUsage } from '../../store/types.js';
import { checkLockout } from '../authorize.js';
import { kmsError } from '../errors.js';
import { keyArn } from '../key-ref.js';
import { newMaterial } from '../material.js';
import { keyMetadata } from '../metadata.js';
import { defineOperation } from '../operation.js';
import { DescriptionType, PolicyType, TagList } from '../shapes.js';
import { parseKeyPolicy } from './put-key-policy.js';
import { checkTags } from './tag-resource.js';

const SPECS = ['SYMMETRIC_DEFAULT', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_NIST_P256', 'ECC_NIST_P384', 'HMAC_256'] as const;
const ALL_SPECS = [...SPECS, 'ECC_NIST_P521', 'ECC_SECG_P256K1', 'ECC_NIST_EDWARDS25519', 'HMAC_224', 'HMAC_384', 'HMAC_512', 'SM2', 'ML_DSA_44', 'ML_DSA_65', 'ML_DSA_87'] as const;

// Which usages each spec allows (AWS "Key spec reference").
const USAGES: Record<(typeof SPECS)[number], KeyUsage[]> = {
  SYMMETRIC_DEFAULT: ['ENCRYPT_DECRYPT'],
  RSA_2048: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
  RSA_3072: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
  RSA_4096: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
  ECC_NIST_P256: ['SIGN_VERIFY'],
  ECC_NIST_P384: ['SIGN_VERIFY'],
  HMAC_256: ['GENERATE_VERIFY_MAC'],
};

export const CreateKey = defineOperation({
  name: 'CreateKey',
  readOnly: false,
  input: z.object({
    Policy: PolicyType.optional(),
    Description: DescriptionType.optional(),
    KeyUsage: z.enum(['SIGN_VERIFY', 'ENCRYPT_DECRYPT', 'GENERATE_VERIFY_MAC', 'KEY_AGREEMENT']).optional(),
    CustomerMasterKeySpec: z.enum(ALL_SPECS).optional(),
    KeySpec: z.enum(ALL_SPECS).optional(),
    Origin: z.enum(['AWS_KMS', 'EXTERNAL', 'AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE']).optional(),
    CustomKeyStoreId: z.string().min(1).max(64).optional(),
    BypassPolicyLockoutSafetyCheck: z.boolean().optional(),
    Tags: TagList.optional(),
    MultiRegion: z.boolean().optional(),
    XksKeyId: z.string().min(1).max(128).optional(),
  }),
  async run(ctx, input) {
    const { deps, request } = ctx;
    if (input.KeySpec && input.CustomerMasterKeySpec) {
      throw kmsError('validation', 'You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.');
    }
    const spec = input.KeySpec ?? input.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT';
    const usage = input.KeyUsage ?? (spec === 'HMAC_256' ? 'GENERATE_VERIFY_MAC' : 'ENCRYPT_DECRYPT');
    if (!(spec in USAGES)) throw kmsError('unsupported-operation', `KeySpec ${spec} is not supported by this key service.`);
    if (!USAGES[spec as keyof typeof USAGES].includes(usage as KeyUsage)) {
      throw kmsError('validation', `KeyUsage ${usage} is not compatible with KeySpec ${spec}`);
    }
    if ((input.Origin ?? 'AWS_KMS') !== 'AWS_KMS' || input.CustomKeyStoreId || input.XksKeyId) {
      throw kmsError('unsupported-operation', `Origin ${input.Origin ?? 'AWS_KMS'} and custom key stores are not supported by this key service.`);
    }
    if (input.MultiRegion) throw kmsError('unsupported-operation', 'Multi-Region keys are not supported by this key service.');
    checkTags(input.Tags ?? []);
    ctx.authorizeAccount('kms:CreateKey', {
      'kms:KeySpec': spec,
      'kms:KeyUsage': usage,
      'kms:KeyOrigin': 'AWS_KMS',
      'kms:BypassPolicyLockoutSafetyCheck': String(input.BypassPolicyLockoutSafetyCheck ?? false),
      ...(input.Tags?.length ? { 'aws:TagKeys': input.Tags.map((t) => t.TagKey) } : {}),
    });
    ctx.auditParameters = {
      keySpec: spec,
      keyUsage: usage,
      origin: 'AWS_KMS',
      ...(input.Description !== undefined ? { description: input.Description } : {}),
      bypassPolicyLockoutSafetyCheck: input.BypassPolicyLockoutSafetyCheck ?? false,
      ...(input.Tags ? { tags: input.Tags } : {}),
    };

    const id = deps.uuid();
    const arn = keyArn(request.region, request.principal.accountId, id);
    const now = deps.clock();
    const key: KeyRecord = {
      id,
      arn,
      accountId: request.principal.accountId,
      region: request.region,
      description: input.Description ?? '',
      keySpec: spec as KeySpec,
      keyUsage: usage as KeyUsage,
      origin: 'AWS_KMS',
      state: 'Enabled',
      createdAt: now,
      policy: input.Policy ?? defaultKeyPolicy(request.principal.accountId),
      rotationEnabled: false,
      onDemandRotations: 0,
      currentMaterial: 1,
      tags: input.Tags ?? [],
      revision: 1,
    };
    if (input.Policy !== undefined) {
      const parsed = parseKeyPolicy(input.Policy);
      if (!input.BypassPolicyLockoutSafetyCheck) checkLockout(request, key, parsed);
    }
    const material = await newMaterial(deps, key, 1);
    await deps.keys.createKey(key, material);
    ctx.auditResponse = { keyMetadata: { keyId: id, arn, keyState: 'Enabled' } };
    return { KeyMetadata: keyMetadata(key, material.materialId) };
  },
});
