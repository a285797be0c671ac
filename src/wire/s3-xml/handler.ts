import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IdentityRegistry } from '../../identity/registry.js';
import type { ObjectCaller, ObjectContext, ObjectDeps } from '../../objects/context.js';
import { ObjectError, objectError } from '../../objects/errors.js';
import { sendsDirectly } from '../../objects/read.js';
import { AuthError, authenticate, type Authenticated, type RawRequest } from '../http/sigv4.js';
import { S3_ERRORS } from './errors.js';
import { S3_OPERATIONS, operationOf, type S3Call, type S3Reply } from './operations.js';
import { bucketOfHost, parseTarget, refuseCustomerKeys } from './request.js';
import { errorDocument } from './xml.js';
import { decodedBody } from './body.js';
import { presignedAuth } from './presigned-auth.js';
import { PresignError } from './presign.js';
import { ChunkedError } from './chunked.js';

// Refusals raised by the wire's own decoders (presigned URLs, aws-chunked bodies), in S3's words.
function wireError(e: unknown): { status: number; code: string; message: string; details: Record<string, string> } | undefined {
  if (e instanceof PresignError) {
    const map = {
      'query-parameters': { status: 400, code: 'AuthorizationQueryParametersError' },
      'multiple-auth': { status: 400, code: 'InvalidArgument' },
      expired: { status: 403, code: 'AccessDenied' },
      'not-yet-valid': { status: 403, code: 'AccessDenied' },
      'signature-mismatch': { status: 403, code: 'SignatureDoesNotMatch' },
    } as const;
    return { ...map[e.code], message: e.message, details: { ...e.details } };
  }
  if (e instanceof ChunkedError) {
    const map = {
      'incomplete-body': { status: 400, code: 'IncompleteBody' },
      'signature-mismatch': { status: 403, code: 'SignatureDoesNotMatch' },
      malformed: { status: 400, code: 'InvalidRequest' },
      'malformed-trailer': { status: 400, code: 'MalformedTrailerError' },
      'length-mismatch': { status: 400, code: 'IncompleteBody' },
    } as const;
    return { ...map[e.code], message: e.message.replace(/^wire\/s3-chunked: /, ''), details: {} };
  }
  return undefined;
}

export interface S3HandlerOptions {
  deps: ObjectDeps;
  identities: IdentityRegistry;
  /** Largest XML request body (DeleteObjects, CompleteMultipartUpload, configurations). */
  maxXmlBytes: number;
  /** Domains under which `<bucket>.<domain>` names a bucket (virtual-hosted-style); path-style always works. */
  virtualHostDomains: readonly string[];
}

export interface S3Outcome {
  operation: string;
  status: number;
  principal?: string;
  errorCode?: string;
  cause?: unknown;
}

const AUTH_ERRORS: Record<AuthError['code'], { code: string; status: number; message?: string }> = {
  'missing-auth': { code: 'AccessDenied', status: 403, message: 'Access Denied' },
  'incomplete-signature': { code: 'AuthorizationHeaderMalformed', status: 400 },
  'unknown-access-key': { code: 'InvalidAccessKeyId', status: 403, message: 'The AWS Access Key Id you provided does not exist in our records.' },
  'signature-mismatch': {
    code: 'SignatureDoesNotMatch',
    status: 403,
    message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  },
  'signature-expired': { code: 'RequestTimeTooSkewed', status: 403, message: 'The difference between the request time and the current time is too large.' },
};

function sendError(res: ServerResponse, method: string, requestId: string, status: number, code: string, message: string, details: Record<string, string> = {}): void {
  if (res.headersSent) {
    // Bytes already went out: the only honest signal left is to cut the response short.
    res.destroy();
    return;
  }
  const body = method === 'HEAD' || status === 304 ? '' : errorDocument(code, message, details, requestId);
  res.writeHead(status, {
    'content-type': 'application/xml',
    'x-amz-request-id': requestId,
    'x-amz-id-2': requestId,
    ...(body ? { 'content-length': Buffer.byteLength(body) } : {}),
  });
  res.end(body);
}

function sendReply(res: ServerResponse, method: string, requestId: string, reply: S3Reply): Promise<void> {
  const headers: Record<string, string | number> = { 'x-amz-request-id': requestId, 'x-amz-id-2': requestId, ...reply.headers };
  if (typeof reply.body === 'string') {
    headers['content-type'] ??= 'application/xml';
    headers['content-length'] = Buffer.byteLength(reply.body);
    res.writeHead(reply.status, headers);
    res.end(method === 'HEAD' ? undefined : reply.body);
    return Promise.resolve();
  }
  if (!reply.body) {
    if (reply.status !== 204 && reply.status !== 304 && headers['content-length'] === undefined) headers['content-length'] = 0;
    res.writeHead(reply.status, headers);
    res.end();
    return Promise.resolve();
  }
  const body = reply.body;
  res.writeHead(reply.status, headers);
  if (sendsDirectly(body)) {
    // A failed segment (or disk) after the status went out: cut the connection, so the client
    // cannot take a short body for the whole object.
    return body.sendTo(res).then(
      () => void res.end(),
      (e: unknown) => {
        res.destroy();
        throw e;
      },
    );
  }
  return new Promise((resolve, reject) => {
    body.on('error', (e: unknown) => {
      // A segment failed authentication (or the disk failed) after the status went out: cut the
      // connection so the client cannot take a short body for the whole object.
      res.destroy();
      reject(e);
    });
    res.on('close', () => {
      body.destroy();
      resolve();
    });
    body.pipe(res);
  });
}

/**
 * Every S3 request: authenticate (SigV4 header or presigned query), decode the body (aws-chunked,
 * checksums), run the operation, answer in S3's XML. Errors are S3's codes and statuses.
 */
export function createS3Handler(options: S3HandlerOptions) {
  return async function handleS3(req: IncomingMessage, res: ServerResponse, base: Omit<ObjectCaller, 'principal' | 'region'>): Promise<S3Outcome> {
    const requestId = base.requestId;
    const method = req.method ?? 'GET';
    let operation = 'unknown';
    let principal: string | undefined;
    try {
      const target = parseTarget(req.url ?? '/', bucketOfHost(req.headers.host, options.virtualHostDomains));
      operation = operationOf(method, target);
      const raw: RawRequest = { method, url: req.url ?? '/', headers: req.headers, body: Buffer.alloc(0) };
      let auth: Authenticated;
      const presigned = await presignedAuth(raw, options.identities, Date.now());
      if (presigned) auth = presigned;
      else {
        if (req.headers.authorization && req.headers['x-amz-content-sha256'] === undefined) {
          throw objectError('invalid-request', 'Missing required header for this request: x-amz-content-sha256');
        }
        auth = await authenticate(raw, options.identities, Date.now());
      }
      principal = auth.principal.arn;
      const caller: ObjectCaller = { ...base, principal: auth.principal, region: auth.info.region };
      const ctx: ObjectContext = { deps: options.deps, caller };
      refuseCustomerKeys(req);
      const run = S3_OPERATIONS[operation];
      if (!run) throw objectError('not-implemented', 'A header or query you provided implies functionality that is not implemented.');
      const body = decodedBody(req, auth, presigned !== undefined);
      const call: S3Call = { req, target, ctx, body, maxXmlBytes: options.maxXmlBytes };
      let reply: S3Reply;
      try {
        reply = await run(call);
      } catch (e) {
        // Whatever of the request body was not read is drained, so the error can still be answered.
        req.unpipe(body.stream);
        req.resume();
        throw e;
      }
      await sendReply(res, method, requestId, reply);
      return { operation, status: reply.status, principal };
    } catch (e) {
      if (e instanceof AuthError) {
        const mapped = AUTH_ERRORS[e.code];
        req.resume();
        sendError(res, method, requestId, mapped.status, mapped.code, mapped.message ?? e.message);
        return { operation, status: mapped.status, errorCode: mapped.code, ...(principal ? { principal } : {}) };
      }
      const wire = wireError(e);
      if (wire) {
        req.resume();
        sendError(res, method, requestId, wire.status, wire.code, wire.message, wire.details);
        return { operation, status: wire.status, errorCode: wire.code, ...(principal ? { principal } : {}) };
      }
      if (e instanceof ObjectError) {
        const mapped = S3_ERRORS[e.code];
        const code = e.code === 'kms' ? `KMS.${e.kmsType}` : mapped.code;
        sendError(res, method, requestId, mapped.status, code, e.message, e.details);
        return { operation, status: mapped.status, errorCode: code, ...(principal ? { principal } : {}), ...(mapped.status >= 500 ? { cause: e } : {}) };
      }
      sendError(res, method, requestId, 500, 'InternalError', 'We encountered an internal error. Please try again.');
      return { operation, status: 500, errorCode: 'InternalError', cause: e, ...(principal ? { principal } : {}) };
    }
  };
}
