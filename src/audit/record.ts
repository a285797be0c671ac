import type { AuditEventInput } from '../store/types.js';
import { isoSeconds } from './files.js';
import { dropSecretFields } from './redact.js';

/** CloudTrail's record version for the fields we write (research §4.1: 1.08 is current). */
export const EVENT_VERSION = '1.08';

/** The resource type CloudTrail gives KMS keys. */
export const KMS_KEY_TYPE = 'AWS::KMS::Key';

/**
 * One API call as the audit trail sees it, for any service: KMS today; the object store's bucket
 * management (eventSource `s3.amazonaws.com`) later. Error fields carry wire names
 * (`AccessDeniedException`), never core codes.
 */
export interface ApiCall {
  eventSource: string;
  eventName: string;
  /** When the request arrived, epoch ms. */
  eventTime: number;
  readOnly: boolean;
  region: string;
  requestId: string;
  principal: { accountId: string; arn: string; accessKeyId: string; userName: string; principalId: string };
  sourceIp: string;
  userAgent: string;
  /** Set when another service calls on the principal's behalf, e.g. `s3.us-east-1.amazonaws.com`. */
  viaService?: string;
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  /** Resources the call named or used, each with its owner account (who gets a copy). */
  resources: { arn: string; accountId: string; type: string }[];
  errorCode?: string;
  errorMessage?: string;
  /** `Management` (default) or `Data` (object reads and writes, later). */
  eventCategory?: 'Management' | 'Data';
}

// CloudTrail's field limits (research §4.1): userAgent, errorCode and errorMessage ≤ 1 KB.
const LIMIT = 1024;
const cap = (s: string) => (s.length > LIMIT ? s.slice(0, LIMIT) : s);

/** `2026-01-01T00:00:00Z`: CloudTrail's eventTime has second precision. */
export const eventTimeIso = isoSeconds;

// kms:ViaService names a regional endpoint (s3.us-east-1.amazonaws.com); CloudTrail's invokedBy
// names the service (s3.amazonaws.com).
function invokedBy(viaService: string): string {
  return viaService.replace(/^([a-z0-9-]+)\.[a-z]{2}(-[a-z]+)+-\d\.amazonaws\.com$/, '$1.amazonaws.com');
}

/**
 * The CloudTrail record of something a service did on its own (eventType `AwsServiceEvent`), e.g.
 * KMS rotating a key on schedule or erasing a key whose deletion window passed: no caller, the
 * service as `invokedBy`, delivered to the resource owner's trail only.
 */
export function buildServiceEventRecord(
  event: { eventSource: string; eventName: string; eventTime: number; region: string; resource: { arn: string; accountId: string; type: string }; additionalEventData?: Record<string, unknown> },
  uuid: () => string,
): AuditEventInput {
  const eventId = uuid();
  const { resource } = event;
  const record = {
    eventVersion: EVENT_VERSION,
    userIdentity: { accountId: resource.accountId, invokedBy: event.eventSource },
    eventTime: eventTimeIso(event.eventTime),
    eventSource: event.eventSource,
    eventName: event.eventName,
    awsRegion: event.region,
    sourceIPAddress: event.eventSource,
    userAgent: event.eventSource,
    requestParameters: null,
    responseElements: null,
    ...(event.additionalEventData ? { additionalEventData: event.additionalEventData } : {}),
    eventID: eventId,
    readOnly: false,
    resources: [{ accountId: resource.accountId, type: resource.type, ARN: resource.arn }],
    eventType: 'AwsServiceEvent',
    managementEvent: true,
    recipientAccountId: resource.accountId,
    eventCategory: 'Management',
  };
  return {
    accountId: resource.accountId,
    region: event.region,
    eventId,
    eventTime: Math.floor(event.eventTime / 1000),
    eventName: event.eventName,
    eventSource: event.eventSource,
    readOnly: false,
    resources: [{ type: resource.type, name: resource.arn }],
    record: JSON.stringify(record),
  };
}

/**
 * The CloudTrail records of one call: one copy per account that must see it, the caller's first,
 * then each resource owner's (research §4.2). Copies share a `sharedEventID` when there are several;
 * each has its own `eventID` and `recipientAccountId`. Denied calls are delivered the same way.
 */
export function buildRecords(call: ApiCall, uuid: () => string): AuditEventInput[] {
  const recipients = [...new Set([call.principal.accountId, ...call.resources.map((r) => r.accountId)])];
  const sharedEventId = recipients.length > 1 ? uuid() : undefined;
  const p = call.principal;
  const via = call.viaService === undefined ? undefined : invokedBy(call.viaService);
  const userIdentity = {
    type: p.arn.includes(':role/') ? 'Role' : 'IAMUser',
    principalId: p.principalId,
    arn: p.arn,
    accountId: p.accountId,
    accessKeyId: p.accessKeyId,
    userName: p.userName,
    ...(via !== undefined ? { invokedBy: via } : {}),
  };
  const category = call.eventCategory ?? 'Management';
  const eventTime = Math.floor(call.eventTime / 1000);
  const resources = call.resources.map((r) => ({ accountId: r.accountId, type: r.type, ARN: r.arn }));
  return recipients.map((recipient) => {
    const eventId = uuid();
    // Member order follows CloudTrail's records (research §4.1).
    const record = {
      eventVersion: EVENT_VERSION,
      userIdentity,
      eventTime: eventTimeIso(call.eventTime),
      eventSource: call.eventSource,
      eventName: call.eventName,
      awsRegion: call.region,
      sourceIPAddress: via ?? call.sourceIp,
      userAgent: via ?? cap(call.userAgent),
      ...(call.errorCode !== undefined ? { errorCode: cap(call.errorCode), errorMessage: cap(call.errorMessage ?? '') } : {}),
      requestParameters: call.requestParameters === null ? null : dropSecretFields(call.requestParameters),
      responseElements: call.responseElements === null ? null : dropSecretFields(call.responseElements),
      requestID: call.requestId,
      eventID: eventId,
      readOnly: call.readOnly,
      resources,
      eventType: 'AwsApiCall',
      managementEvent: category === 'Management',
      recipientAccountId: recipient,
      ...(sharedEventId !== undefined ? { sharedEventID: sharedEventId } : {}),
      eventCategory: category,
    };
    return {
      accountId: recipient,
      region: call.region,
      eventId,
      eventTime,
      eventName: call.eventName,
      eventSource: call.eventSource,
      readOnly: call.readOnly,
      username: p.userName,
      accessKeyId: p.accessKeyId,
      resources: call.resources.map((r) => ({ type: r.type, name: r.arn })),
      record: JSON.stringify(record),
    };
  });
}
