import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IdentityRegistry } from '../../identity/registry.js';
import { TenantError } from '../../tenants/errors.js';
import type { TenantService } from '../../tenants/service.js';
import { AuthError, authenticate, type RawRequest } from '../http/sigv4.js';
import { CONTROL_ERRORS, WIRE_ERRORS } from './errors.js';
import { OPENAPI } from './openapi.js';
import { findRoute } from './routes.js';

/** The SigV4 service name of the control API (`aws --endpoint-url … ` has none; sign with `opencmk`). */
export const CONTROL_SERVICE = 'opencmk';

export interface ControlOptions {
  /** Absent when the config names no provider: every tenant route answers NotConfigured. */
  tenants?: TenantService;
  /** Only principals of this account may call the control API. */
  providerAccountId?: string;
  identities: IdentityRegistry;
  maxBodyBytes: number;
}

export interface ControlOutcome {
  operation: string;
  status: number;
  principal?: string;
  errorCode?: string;
  cause?: unknown;
}

class WireRefusal extends Error {
  readonly kind: keyof typeof WIRE_ERRORS;
  constructor(kind: keyof typeof WIRE_ERRORS, message: string) {
    super(message);
    this.kind = kind;
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      req.resume();
      reject(new WireRefusal('too-large', `Request body larger than ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.destroy();
        reject(new WireRefusal('too-large', `Request body larger than ${limit} bytes`));
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, requestId: string, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2) + '\n';
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The control API (`/v1/...`, docs/tenants.md): JSON over HTTP, SigV4-signed as an operator principal
 * of the provider account, described by the OpenAPI document at `/v1/openapi.json`.
 */
export function createControlHandler(options: ControlOptions) {
  return async function handleControl(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<ControlOutcome> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://control');
    let operation = 'unknown';
    let principal: string | undefined;
    try {
      if (method === 'GET' && url.pathname === '/v1/openapi.json') {
        // Public, like any API description: it holds no tenant data.
        req.resume();
        send(res, requestId, 200, OPENAPI);
        return { operation: 'GetOpenApi', status: 200 };
      }
      const found = findRoute(method, url.pathname);
      if (found === undefined) throw new WireRefusal('no-route', `No control API path ${url.pathname}: see /v1/openapi.json.`);
      if (found === 'method') throw new WireRefusal('method-not-allowed', `${method} is not allowed on ${url.pathname}: see /v1/openapi.json.`);
      operation = found.route.operationId;
      const body = await readBody(req, options.maxBodyBytes);
      const raw: RawRequest = { method, url: req.url ?? '/', headers: req.headers, body };
      const { principal: caller, info } = await authenticate(raw, options.identities, Date.now());
      principal = caller.arn;
      if (info.service !== CONTROL_SERVICE) {
        throw new WireRefusal('wrong-service', `Credential should be scoped to correct service: '${CONTROL_SERVICE}'.`);
      }
      if (!options.tenants || !options.providerAccountId) {
        throw new TenantError('not-configured', 'The tenant control plane is off: the config names no provider (provider.accountId, provider.principal).');
      }
      if (caller.accountId !== options.providerAccountId) {
        throw new TenantError(
          'access-denied',
          `User: ${caller.arn} is not authorized to use the opencmk control API: only principals of the provider account ${options.providerAccountId} may.`,
        );
      }
      let input: unknown;
      if (found.route.body) {
        let json: unknown = {};
        if (body.length > 0) {
          try {
            json = JSON.parse(body.toString('utf8'));
          } catch {
            throw new WireRefusal('bad-request', 'The request body is not valid JSON.');
          }
        }
        const parsed = found.route.body.safeParse(json);
        if (!parsed.success) {
          throw new WireRefusal('bad-request', `Invalid request body: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`);
        }
        input = parsed.data;
      }
      const reply = await found.route.run(options.tenants, { params: found.params, query: url.searchParams, body: input });
      send(res, requestId, reply.status, reply.body);
      return { operation, status: reply.status, ...(principal ? { principal } : {}) };
    } catch (e) {
      req.resume();
      let status: number;
      let type: string;
      let message: string;
      let details: Record<string, unknown> = {};
      let cause: unknown;
      if (e instanceof TenantError) {
        ({ status, type } = CONTROL_ERRORS[e.code]);
        message = e.message;
        details = e.details;
        if (status >= 500) cause = e;
      } else if (e instanceof AuthError) {
        ({ status, type } = WIRE_ERRORS[e.code]);
        message = e.message;
      } else if (e instanceof WireRefusal) {
        ({ status, type } = WIRE_ERRORS[e.kind]);
        message = e.message;
      } else {
        status = 500;
        type = 'InternalError';
        message = 'An internal error occurred.';
        cause = e;
      }
      if (!res.headersSent) send(res, requestId, status, { code: type, message, ...(Object.keys(details).length > 0 ? { details } : {}), requestId });
      else res.destroy();
      return { operation, status, errorCode: type, ...(principal ? { principal } : {}), ...(cause ? { cause } : {}) };
    }
  };
}
