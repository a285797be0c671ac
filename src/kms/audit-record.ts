import type { KmsRequest } from './context.js';

/**
 * What the key service tells the audit trail about one call, successful or refused. The audit module
 * turns it into CloudTrail records (one per account that must see it). Never holds plaintext,
 * ciphertext, key material or secrets: operations put only safe fields in `requestParameters`.
 */
/**
 * Something the key service did on its own, not at a caller's request: a scheduled rotation
 * (`RotateKey`) or the erasure of a key whose deletion window passed (`DeleteKey`). CloudTrail
 * records these as `AwsServiceEvent`s in the key owner's trail.
 */
export interface KmsServiceEvent {
  eventName: 'RotateKey' | 'DeleteKey';
  eventTime: number;
  key: { arn: string; accountId: string; region: string };
}

export interface KmsCallRecord {
  eventName: string;
  eventTime: number;
  readOnly: boolean;
  request: KmsRequest;
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  /** The keys the call named or used, with their owner accounts. */
  resources: { arn: string; accountId: string }[];
  errorCode?: string;
  errorMessage?: string;
}
