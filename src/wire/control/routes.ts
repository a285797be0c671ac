import { z } from 'zod';
import type { TenantService } from '../../tenants/service.js';

export interface RouteCall {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
}

export interface RouteReply {
  status: number;
  body: unknown;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT';
  /** OpenAPI path template, e.g. `/v1/tenants/{name}`; the same string is a key of the OpenAPI `paths`. */
  path: string;
  operationId: string;
  /** Validates the JSON body (absent: the route takes none). */
  body?: z.ZodType;
  run(tenants: TenantService, call: RouteCall): Promise<RouteReply>;
}

const CreateTenantBody = z
  .object({
    name: z.string(),
    deployment: z.string(),
    region: z.string(),
    kmsKeyArn: z.string().optional(),
  })
  .strict();
const SetKeyBody = z.object({ kmsKeyArn: z.string(), migrate: z.boolean().optional() }).strict();
const PreflightBody = z.object({ kmsKeyArn: z.string(), region: z.string().optional() }).strict();
const ReencryptBody = z.object({ mode: z.string().optional() }).strict();

const ok = (body: unknown, status = 200): RouteReply => ({ status, body });

/** Every path of the control API: one literal table (STYLE.md habit 2), matched in order. */
export const ROUTES: Route[] = [
  { method: 'GET', path: '/v1/tenants', operationId: 'ListTenants', run: async (t) => ok({ tenants: await t.list() }) },
  {
    method: 'POST',
    path: '/v1/tenants',
    operationId: 'CreateTenant',
    body: CreateTenantBody,
    run: async (t, c) => ok(await t.create(c.body as z.output<typeof CreateTenantBody>), 201),
  },
  { method: 'GET', path: '/v1/tenants/{name}', operationId: 'DescribeTenant', run: async (t, c) => ok(await t.describe(c.params.name!)) },
  {
    method: 'GET',
    path: '/v1/tenants/{name}/status',
    operationId: 'GetTenantStatus',
    run: async (t, c) => ok(await t.status(c.params.name!, { probe: c.query.get('probe') === 'true' })),
  },
  { method: 'POST', path: '/v1/tenants/{name}/probe', operationId: 'ProbeTenantKey', run: async (t, c) => ok(await t.status(c.params.name!, { probe: true })) },
  {
    method: 'PUT',
    path: '/v1/tenants/{name}/key',
    operationId: 'SetTenantKey',
    body: SetKeyBody,
    run: async (t, c) => ok(await t.setKey({ name: c.params.name!, ...(c.body as z.output<typeof SetKeyBody>) })),
  },
  {
    method: 'POST',
    path: '/v1/tenants/{name}/preflight',
    operationId: 'PreflightKey',
    body: PreflightBody,
    run: async (t, c) => ok(await t.preflight({ name: c.params.name!, ...(c.body as z.output<typeof PreflightBody>) })),
  },
  {
    method: 'POST',
    path: '/v1/tenants/{name}/reencrypt',
    operationId: 'StartReencrypt',
    body: ReencryptBody,
    run: async (t, c) => {
      const out = await t.startReencrypt({ name: c.params.name!, ...(c.body as z.output<typeof ReencryptBody>) });
      return ok(out, out.alreadyRunning ? 200 : 202);
    },
  },
  { method: 'GET', path: '/v1/tenants/{name}/reencrypt', operationId: 'GetReencryptJob', run: async (t, c) => ok(await t.job(c.params.name!)) },
  { method: 'GET', path: '/v1/tenants/{name}/jobs/{jobId}', operationId: 'GetJob', run: async (t, c) => ok(await t.job(c.params.name!, c.params.jobId!)) },
];

const compiled = ROUTES.map((route) => ({
  route,
  names: [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!),
  pattern: new RegExp('^' + route.path.replace(/\{\w+\}/g, '([^/]+)') + '$'),
}));

/** The route for a path: `match` when method and path fit, `method` when only the path does. */
export function findRoute(method: string, path: string): { route: Route; params: Record<string, string> } | 'method' | undefined {
  let pathMatched = false;
  for (const { route, names, pattern } of compiled) {
    const m = pattern.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (route.method !== method) continue;
    const params: Record<string, string> = {};
    names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1]!)));
    return { route, params };
  }
  return pathMatched ? 'method' : undefined;
}
