import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { IdentityRegistry } from '../../identity/registry.js';
import type { KmsRequest } from '../../kms/context.js';
import { jsonError, type JsonReply } from '../kms-json/handler.js';
import { handleSts, stsError, type XmlReply } from '../sts/handler.js';
import { AuthError, authenticate, type RawRequest } from './sigv4.js';
import type { S3Outcome } from '../s3-xml/handler.js';
import type { ControlOutcome } from '../control/handler.js';
import type { RequestEvent } from '../metrics.js';

export interface HttpServerOptions {
  host: string;
  port: number;
  tls?: { cert: string; key: string };
  maxBodyBytes: number;
  /** JSON 1.1 services by `X-Amz-Target` prefix (`TrentService.` for KMS, CloudTrail's later). */
  jsonServices: JsonService[];
  /** The S3 REST API: every request that is neither JSON (X-Amz-Target) nor STS. */
  s3?: (req: http.IncomingMessage, res: http.ServerResponse, base: Omit<CallContext, 'principal' | 'region'>) => Promise<S3Outcome>;
  /** True for an S3 request that names its bucket in the Host header: its path is an object key, never one of our own paths. */
  virtualHosted?: (req: http.IncomingMessage) => boolean;
  identities: IdentityRegistry;
  /** The audit digest signing key (PEM), served at GET /v1/audit/public-key. */
  auditPublicKey?: string;
  /** The control API: every other /v1/... path, routed before S3 (docs/tenants.md). */
  control?: (req: http.IncomingMessage, res: http.ServerResponse, requestId: string) => Promise<ControlOutcome>;
  /** GET /metrics: the Prometheus text exposition. */
  metrics?: () => Promise<string>;
  /** Told of every request answered, where its log line is written (metrics). */
  onRequest?: (event: RequestEvent) => void;
  log: Logger;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Who is calling and how: what every JSON service receives with the call. */
export type CallContext = KmsRequest;

export interface JsonService {
  targetPrefix: string;
  handle(call: CallContext, target: string, body: Buffer): Promise<JsonReply>;
}

type Protocol = 'json' | 'sts-query' | 'unknown';

class BodyTooLarge extends Error {}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.destroy();
        reject(new BodyTooLarge());
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function protocolOf(req: http.IncomingMessage): Protocol {
  if (typeof req.headers['x-amz-target'] === 'string') return 'json';
  const type = req.headers['content-type'] ?? '';
  if (req.method === 'POST' && type.startsWith('application/x-www-form-urlencoded')) return 'sts-query';
  return 'unknown';
}

// The metrics label of a request: X-Amz-Target's service (TrentService is KMS), or STS.
function apiOf(req: http.IncomingMessage, protocol: Protocol): string {
  if (protocol !== 'json') return protocol === 'sts-query' ? 'sts' : 'unknown';
  const target = String(req.headers['x-amz-target']);
  if (target.startsWith('TrentService.')) return 'kms';
  // com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents → cloudtrail
  const service = target.split('.').slice(-2, -1)[0] ?? target;
  return service.replace(/_\d+$/, '').toLowerCase();
}

const AUTH_ERRORS: Record<AuthError['code'], { json: string; query: string; queryStatus: number }> = {
  'missing-auth': { json: 'MissingAuthenticationTokenException', query: 'MissingAuthenticationToken', queryStatus: 403 },
  'incomplete-signature': { json: 'IncompleteSignatureException', query: 'IncompleteSignature', queryStatus: 400 },
  'unknown-access-key': { json: 'UnrecognizedClientException', query: 'InvalidClientTokenId', queryStatus: 403 },
  'signature-mismatch': { json: 'InvalidSignatureException', query: 'SignatureDoesNotMatch', queryStatus: 403 },
  'signature-expired': { json: 'InvalidSignatureException', query: 'SignatureDoesNotMatch', queryStatus: 403 },
};

/**
 * The one port every protocol shares. Per request: request id → our own paths (/healthz) → body
 * (bounded) → SigV4 → the protocol adapter → one log line. Nothing here knows about keys.
 */
export function startHttpServer(options: HttpServerOptions): Promise<RunningServer> {
  const { log } = options;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const requestId = randomUUID();
    let principalArn: string | undefined;
    let reply: (JsonReply | XmlReply) & { cause?: unknown };
    let contentType = 'application/x-amz-json-1.1';
    // A virtual-hosted S3 request's path is an object key ("/healthz" included): it skips our own paths.
    const path = options.virtualHosted?.(req) ? undefined : (req.url ?? '/').split('?')[0];

    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    // Public, so unauthenticated. Our own paths start with /v1/: "v1" is too short to be a bucket name (S3 needs 3–63 characters).
    if (req.method === 'GET' && path === '/v1/audit/public-key' && options.auditPublicKey) {
      res.writeHead(200, { 'content-type': 'application/x-pem-file', 'x-amzn-requestid': requestId }).end(options.auditPublicKey);
      return;
    }
    if (req.method === 'GET' && path === '/metrics' && options.metrics) {
      const text = await options.metrics();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text);
      return;
    }
    if (path !== undefined && (path === '/v1' || path.startsWith('/v1/')) && options.control) {
      const outcome = await options.control(req, res, requestId);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      options.onRequest?.({ api: 'control', operation: outcome.operation, status: outcome.status, seconds: ms / 1000 });
      const line = { reqId: requestId, principal: outcome.principal, operation: outcome.operation, status: outcome.status, ms: Math.round(ms * 100) / 100, ...(outcome.errorCode ? { error: outcome.errorCode } : {}) };
      if (outcome.cause) log.error({ ...line, err: outcome.cause }, 'request failed');
      else log.info(line, 'request');
      return;
    }
    const protocol = protocolOf(req);
    if (protocol === 'unknown' && options.s3) {
      // S3 streams its bodies (objects may be many GiB), so it reads the request itself.
      const outcome = await options.s3(req, res, {
        requestId,
        sourceIp: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
        userAgent: String(req.headers['user-agent'] ?? ''),
        secureTransport: 'encrypted' in req.socket && Boolean((req.socket as { encrypted?: boolean }).encrypted),
        time: Date.now(),
      });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      options.onRequest?.({ api: 's3', operation: outcome.operation, status: outcome.status, seconds: ms / 1000 });
      const line = { reqId: requestId, principal: outcome.principal, operation: outcome.operation, status: outcome.status, ms: Math.round(ms * 100) / 100, ...(outcome.errorCode ? { error: outcome.errorCode } : {}) };
      if (outcome.cause) log.error({ ...line, err: outcome.cause }, 'request failed');
      else log.info(line, 'request');
      return;
    }
    try {
      const body = await readBody(req, options.maxBodyBytes);
      const raw: RawRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body };
      if (protocol === 'unknown') {
        reply = jsonError(400, 'UnknownOperationException', 'No service handles this request: send an X-Amz-Target header (KMS JSON) or a form-encoded Action (STS).');
      } else {
        const { principal, info } = await authenticate(raw, options.identities, Date.now());
        const region = info.region;
        principalArn = principal.arn;
        const secure = 'encrypted' in req.socket && Boolean((req.socket as { encrypted?: boolean }).encrypted);
        if (protocol === 'json') {
          const target = String(req.headers['x-amz-target']);
          const service = options.jsonServices.find((s) => target.startsWith(s.targetPrefix));
          const call: CallContext = {
            principal,
            region,
            requestId,
            sourceIp: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
            userAgent: String(req.headers['user-agent'] ?? ''),
            secureTransport: secure,
            time: Date.now(),
          };
          reply = service ? await service.handle(call, target, body) : jsonError(400, 'UnknownOperationException', undefined, target);
        } else {
          contentType = 'text/xml';
          reply = handleSts(principal, body, requestId);
        }
      }
    } catch (e) {
      if (e instanceof BodyTooLarge) {
        reply = protocol === 'sts-query'
          ? stsError(413, 'RequestEntityTooLarge', `Request body larger than ${options.maxBodyBytes} bytes`, requestId)
          : jsonError(413, 'RequestEntityTooLargeException', `Request body larger than ${options.maxBodyBytes} bytes`);
      } else if (e instanceof AuthError) {
        const mapped = AUTH_ERRORS[e.code];
        if (protocol === 'sts-query') {
          contentType = 'text/xml';
          reply = stsError(mapped.queryStatus, mapped.query, e.message, requestId);
        } else reply = jsonError(400, mapped.json, e.message);
      } else {
        reply = { ...jsonError(500, 'InternalFailure', 'An internal error occurred.'), cause: e };
      }
    }
    res.writeHead(reply.status, {
      'content-type': contentType,
      'x-amzn-requestid': requestId,
      'content-length': Buffer.byteLength(reply.body),
    });
    res.end(reply.body);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    options.onRequest?.({ api: apiOf(req, protocol), operation: reply.operation ?? 'unknown', status: reply.status, seconds: ms / 1000 });
    const line = { reqId: requestId, principal: principalArn, operation: reply.operation, status: reply.status, ms: Math.round(ms * 100) / 100, ...(reply.errorType ? { error: reply.errorType } : {}) };
    if (reply.cause) log.error({ ...line, err: reply.cause }, 'request failed');
    else log.info(line, 'request');
  }

  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res).catch((e) => {
      log.error({ err: e }, 'unhandled request failure');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"__type":"InternalFailure","message":"An internal error occurred."}');
    });
  };
  const server = options.tls
    ? https.createServer({ cert: readFileSync(options.tls.cert), key: readFileSync(options.tls.key) }, listener)
    : http.createServer(listener);
  server.keepAliveTimeout = 65_000;

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      const { port } = server.address() as AddressInfo;
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      resolve({
        url: `${options.tls ? 'https' : 'http'}://${host}:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}
