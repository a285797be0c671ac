import { needs } from '../util/needs.js';

/**
 * The key policy AWS KMS gives a key created without one, byte for byte as GetKeyPolicy returns
 * it (KMS Developer Guide, key-policy-default; KMS API Reference, GetKeyPolicy example): one
 * statement letting the owning account's IAM policies allow any KMS action on the key.
 */
export function defaultKeyPolicy(accountId: string): string {
  /* Precondition: defaultKeyPolicy needs a 12-digit account id */
  needs(/^\d{12}$/.test(accountId), 'policy/default-key-policy: account id must be 12 digits');
  return (
    '{\n' +
    '  "Version" : "2012-10-17",\n' +
    '  "Id" : "key-default-1",\n' +
    '  "Statement" : [ {\n' +
    '    "Sid" : "Enable IAM User Permissions",\n' +
    '    "Effect" : "Allow",\n' +
    '    "Principal" : {\n' +
    `      "AWS" : "arn:aws:iam::${accountId}:root"\n` +
    '    },\n' +
    '    "Action" : "kms:*",\n' +
    '    "Resource" : "*"\n' +
    '  } ]\n' +
    '}'
  );
}
