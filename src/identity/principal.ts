import type { Policy } from '../policy/index.js';

/** The authenticated caller of a request, as SigV4 verification established it. */
export interface Principal {
  accountId: string;
  /** e.g. arn:aws:iam::111122223333:user/admin */
  arn: string;
  accessKeyId: string;
  /** The last path segment of the ARN, e.g. `admin`. */
  userName: string;
  /** AWS's unique id shape for an IAM user (AIDA…), stable per principal ARN. */
  principalId: string;
  /** Identity policies from the config; undefined means AdministratorAccess (README, "Key policies"). */
  identityPolicies?: readonly Policy[];
}

export function accountRootArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:root`;
}
