import type { KmsCallRecord } from '../kms/audit-record.js';
import { KMS_KEY_TYPE, type ApiCall } from './record.js';

/** KMS's eventSource (research §4.1). */
export const KMS_EVENT_SOURCE = 'kms.amazonaws.com';

/**
 * The key service's account of one call as an ApiCall. `errorType` turns a core error code
 * (`access-denied`) into the AWS type the client saw (`AccessDeniedException`); the composition root
 * passes the KMS wire table's, so the trail and the answer always agree (audit/ never imports wire/).
 */
export function apiCallFromKms(call: KmsCallRecord, errorType: (code: string) => string): ApiCall {
  const { request } = call;
  return {
    eventSource: KMS_EVENT_SOURCE,
    eventName: call.eventName,
    eventTime: call.eventTime,
    readOnly: call.readOnly,
    region: request.region,
    requestId: request.requestId,
    principal: {
      accountId: request.principal.accountId,
      arn: request.principal.arn,
      accessKeyId: request.principal.accessKeyId,
      userName: request.principal.userName,
      principalId: request.principal.principalId,
    },
    sourceIp: request.sourceIp,
    userAgent: request.userAgent,
    ...(request.viaService !== undefined ? { viaService: request.viaService } : {}),
    requestParameters: call.requestParameters,
    responseElements: call.responseElements,
    resources: call.resources.map((r) => ({ arn: r.arn, accountId: r.accountId, type: KMS_KEY_TYPE })),
    ...(call.errorCode !== undefined ? { errorCode: errorType(call.errorCode), errorMessage: call.errorMessage ?? '' } : {}),
  };
}
