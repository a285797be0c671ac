import { KmsError } from '../../kms/errors.js';
import type { KmsRequest } from '../../kms/context.js';
import type { KeyService } from '../../kms/service.js';
import { KMS_JSON_ERRORS } from './errors.js';
import { KMS_OPERATIONS } from './operations.js';

export interface JsonReply {
  status: number;
  body: string;
  /** For the request log: the operation name, or the error type. */
  operation: string;
  errorType?: string;
  /** Set for an unexpected failure, logged (never sent) under the request id. */
  cause?: unknown;
}

export function jsonError(status: number, type: string, message: string | undefined, operation = 'unknown'): JsonReply {
  return { status, body: JSON.stringify(message === undefined ? { __type: type } : { __type: type, message }), operation, errorType: type };
}

/** One KMS JSON 1.1 call: parse the body, run the operation, map the outcome to AWS's wire form. */
export async function handleKmsJson(service: KeyService, request: KmsRequest, target: string, body: Buffer): Promise<JsonReply> {
  const operation = Object.hasOwn(KMS_OPERATIONS, target) ? KMS_OPERATIONS[target] : undefined;
  if (!operation) return jsonError(400, 'UnknownOperationException', undefined, target);
  let input: unknown;
  try {
    input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch (e) {
    return jsonError(400, 'SerializationException', `The request body is not valid JSON: ${(e as Error).message}`, operation.name);
  }
  try {
    const output = await service.invoke(request, operation, input);
    return { status: 200, body: JSON.stringify(output), operation: operation.name };
  } catch (e) {
    if (e instanceof KmsError) {
      const { type, status } = KMS_JSON_ERRORS[e.code];
      if (status >= 500) return { ...jsonError(status, type, 'An internal error occurred.', operation.name), cause: e };
      return jsonError(status, type, e.message === '' ? undefined : e.message, operation.name);
    }
    return { ...jsonError(500, 'KMSInternalException', 'An internal error occurred.', operation.name), cause: e };
  }
}
