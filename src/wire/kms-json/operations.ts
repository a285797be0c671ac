import type { Operation } from '../../kms/operation.js';
import { CancelKeyDeletion } from '../../kms/operations/cancel-key-deletion.js';
import { CreateAlias } from '../../kms/operations/create-alias.js';
import { CreateKey } from '../../kms/operations/create-key.js';
import { Decrypt } from '../../kms/operations/decrypt.js';
import { DeleteAlias } from '../../kms/operations/delete-alias.js';
import { DescribeKey } from '../../kms/operations/describe-key.js';
import { DisableKey } from '../../kms/operations/disable-key.js';
import { DisableKeyRotation } from '../../kms/operations/disable-key-rotation.js';
import { EnableKey } from '../../kms/operations/enable-key.js';
import { EnableKeyRotation } from '../../kms/operations/enable-key-rotation.js';
import { Encrypt } from '../../kms/operations/encrypt.js';
import { GenerateDataKey } from '../../kms/operations/generate-data-key.js';
import { GenerateDataKeyWithoutPlaintext } from '../../kms/operations/generate-data-key-without-plaintext.js';
import { GenerateMac } from '../../kms/operations/generate-mac.js';
import { GenerateRandom } from '../../kms/operations/generate-random.js';
import { GetKeyPolicy } from '../../kms/operations/get-key-policy.js';
import { GetKeyRotationStatus } from '../../kms/operations/get-key-rotation-status.js';
import { GetPublicKey } from '../../kms/operations/get-public-key.js';
import { ListAliases } from '../../kms/operations/list-aliases.js';
import { ListKeyPolicies } from '../../kms/operations/list-key-policies.js';
import { ListKeyRotations } from '../../kms/operations/list-key-rotations.js';
import { ListKeys } from '../../kms/operations/list-keys.js';
import { ListResourceTags } from '../../kms/operations/list-resource-tags.js';
import { PutKeyPolicy } from '../../kms/operations/put-key-policy.js';
import { ReEncrypt } from '../../kms/operations/re-encrypt.js';
import { RotateKeyOnDemand } from '../../kms/operations/rotate-key-on-demand.js';
import { ScheduleKeyDeletion } from '../../kms/operations/schedule-key-deletion.js';
import { Sign } from '../../kms/operations/sign.js';
import { TagResource } from '../../kms/operations/tag-resource.js';
import { UntagResource } from '../../kms/operations/untag-resource.js';
import { UpdateAlias } from '../../kms/operations/update-alias.js';
import { UpdateKeyDescription } from '../../kms/operations/update-key-description.js';
import { Verify } from '../../kms/operations/verify.js';
import { VerifyMac } from '../../kms/operations/verify-mac.js';

/** `X-Amz-Target` → operation. The README's operation list is tested against this table. */
export const KMS_OPERATIONS: Record<string, Operation> = {
  'TrentService.CancelKeyDeletion': CancelKeyDeletion,
  'TrentService.CreateAlias': CreateAlias,
  'TrentService.CreateKey': CreateKey,
  'TrentService.Decrypt': Decrypt,
  'TrentService.DeleteAlias': DeleteAlias,
  'TrentService.DescribeKey': DescribeKey,
  'TrentService.DisableKey': DisableKey,
  'TrentService.DisableKeyRotation': DisableKeyRotation,
  'TrentService.EnableKey': EnableKey,
  'TrentService.EnableKeyRotation': EnableKeyRotation,
  'TrentService.Encrypt': Encrypt,
  'TrentService.GenerateDataKey': GenerateDataKey,
  'TrentService.GenerateDataKeyWithoutPlaintext': GenerateDataKeyWithoutPlaintext,
  'TrentService.GenerateMac': GenerateMac,
  'TrentService.GenerateRandom': GenerateRandom,
  'TrentService.GetKeyPolicy': GetKeyPolicy,
  'TrentService.GetKeyRotationStatus': GetKeyRotationStatus,
  'TrentService.GetPublicKey': GetPublicKey,
  'TrentService.ListAliases': ListAliases,
  'TrentService.ListKeyPolicies': ListKeyPolicies,
  'TrentService.ListKeyRotations': ListKeyRotations,
  'TrentService.ListKeys': ListKeys,
  'TrentService.ListResourceTags': ListResourceTags,
  'TrentService.PutKeyPolicy': PutKeyPolicy,
  'TrentService.ReEncrypt': ReEncrypt,
  'TrentService.RotateKeyOnDemand': RotateKeyOnDemand,
  'TrentService.ScheduleKeyDeletion': ScheduleKeyDeletion,
  'TrentService.Sign': Sign,
  'TrentService.TagResource': TagResource,
  'TrentService.UntagResource': UntagResource,
  'TrentService.UpdateAlias': UpdateAlias,
  'TrentService.UpdateKeyDescription': UpdateKeyDescription,
  'TrentService.Verify': Verify,
  'TrentService.VerifyMac': VerifyMac,
};
