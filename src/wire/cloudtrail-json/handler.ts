import { AuditError } from '../../audit/errors.js';
import type { AuditTrail } from '../../audit/trail.js';
import type { KmsRequest } from '../../kms/context.js';
import type { JsonReply } from '../kms-json/handler.js';
import { CLOUDTRAIL_JSON_ERRORS } from './errors.js';

/** CloudTrail's JSON 1.1 target prefix (botocore model `targetPrefix`). */
export const CLOUDTRAIL_TARGET_PREFIX = 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.';

type Run = (trail: AuditTrail, call: KmsRequest, input: unknown) => Promise<unknown>;

/** `X-Amz-Target` → operation. Each account reads only its own trail, in the region it signed for. */
export const CLOUDTRAIL_OPERATIONS: Record<string, { name: string; run: Run }> = {
  [`${CLOUDTRAIL_TARGET_PREFIX}LookupEvents`]: {
    name: 'LookupEvents',
    run: (trail, call, input) => trail.lookupEvents({ accountId: call.principal.accountId, region: call.region }, input),
  },
  [`${CLOUDTRAIL_TARGET_PREFIX}ListPublicKeys`]: { name: 'ListPublicKeys', run: (trail) => trail.listPublicKeys() },
};

// CloudTrail's errors carry `Message` with a capital M.
function ctError(status: number, type: string, message: string | undefined, operation: string): JsonReply {
  return { status, body: JSON.stringify(message === undefined ? { __type: type } : { __type: type, Message: message }), operation, errorType: type };
}

/** One CloudTrail JSON 1.1 call: parse, run, map core errors through the one table. */
export async function handleCloudTrailJson(trail: AuditTrail, call: KmsRequest, target: string, body: Buffer): Promise<JsonReply> {
  const operation = Object.hasOwn(CLOUDTRAIL_OPERATIONS, target) ? CLOUDTRAIL_OPERATIONS[target] : undefined;
  if (!operation) return ctError(400, 'UnknownOperationException', undefined, target);
  let input: unknown;
  try {
    input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch (e) {
    return ctError(400, 'SerializationException', `The request body is not valid JSON: ${(e as Error).message}`, operation.name);
  }
  try {
    const output = await operation.run(trail, call, input);
    return { status: 200, body: JSON.stringify(output), operation: operation.name };
  } catch (e) {
    if (e instanceof AuditError) {
      const { type, status } = CLOUDTRAIL_JSON_ERRORS[e.code];
      return ctError(status, type, e.message, operation.name);
    }
    return { ...ctError(500, 'InternalFailure', 'An internal error occurred.', operation.name), cause: e };
  }
}
