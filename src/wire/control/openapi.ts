import { CONTROL_ERRORS, WIRE_ERRORS } from './errors.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const name = { name: 'name', in: 'path', required: true, description: 'The tenant name.', schema: { type: 'string' } };
const errors = {
  '4XX': { description: 'Refused: `code` names the reason (see components.schemas.Error), `message` says what to do.', ...json(ref('Error')) },
  '5XX': { description: 'Internal error.', ...json(ref('Error')) },
};

/**
 * The control API's OpenAPI 3 document, served at GET /v1/openapi.json. Every route of routes.ts is
 * here and nothing else (test/unit/wire/control-openapi.test.ts).
 */
export const OPENAPI = {
  openapi: '3.0.3',
  info: {
    title: 'opencmk control API',
    version: '1',
    description:
      'Tenants of a SaaS provider and their Customer Managed Keys: onboarding, key changes, re-encryption, key health. ' +
      "Every call is SigV4-signed (service name `opencmk`, any region) by a principal of the provider's account.",
  },
  servers: [{ url: 'http://127.0.0.1:4600' }],
  security: [{ sigv4: [] }],
  paths: {
    '/v1/tenants': {
      get: { operationId: 'ListTenants', summary: 'Every tenant with its key and key health.', responses: { 200: { description: 'The tenants.', ...json({ type: 'object', properties: { tenants: { type: 'array', items: ref('TenantSummary') } } }) }, ...errors } },
      post: {
        operationId: 'CreateTenant',
        summary: 'Onboard a tenant: preflight its customer key or create a provider-managed one, create its buckets.',
        requestBody: { required: true, ...json(ref('CreateTenantRequest')) },
        responses: { 201: { description: 'Created.', ...json(ref('CreateTenantResult')) }, ...errors },
      },
    },
    '/v1/tenants/{name}': {
      get: { operationId: 'DescribeTenant', summary: 'Region, key, key history, key health, buckets, objects and bytes per key, last job.', parameters: [name], responses: { 200: { description: 'The tenant.', ...json(ref('TenantDescription')) }, ...errors } },
    },
    '/v1/tenants/{name}/status': {
      get: {
        operationId: 'GetTenantStatus',
        summary: 'Key health and the running or last job.',
        parameters: [name, { name: 'probe', in: 'query', required: false, description: 'true: probe the key now first.', schema: { type: 'boolean' } }],
        responses: { 200: { description: 'The status.', ...json(ref('TenantStatus')) }, ...errors },
      },
    },
    '/v1/tenants/{name}/probe': {
      post: { operationId: 'ProbeTenantKey', summary: 'Probe the key now, as the provider principal.', parameters: [name], responses: { 200: { description: 'The status after the probe.', ...json(ref('TenantStatus')) }, ...errors } },
    },
    '/v1/tenants/{name}/key': {
      put: {
        operationId: 'SetTenantKey',
        summary: "Change the tenant's key: preflight it, point the buckets' default encryption at it. Existing objects stay under the old key until re-encrypted.",
        parameters: [name],
        requestBody: { required: true, ...json(ref('SetKeyRequest')) },
        responses: { 200: { description: 'Changed.', ...json(ref('SetKeyResult')) }, ...errors },
      },
    },
    '/v1/tenants/{name}/preflight': {
      post: {
        operationId: 'PreflightKey',
        summary: 'Check a key for a tenant (or, with region, for a tenant not created yet) without changing anything.',
        parameters: [name],
        requestBody: { required: true, ...json({ type: 'object', required: ['kmsKeyArn'], properties: { kmsKeyArn: { type: 'string' }, region: { type: 'string' } }, additionalProperties: false }) },
        responses: { 200: { description: 'Every check passed.', ...json(ref('PreflightReport')) }, ...errors },
      },
    },
    '/v1/tenants/{name}/reencrypt': {
      post: {
        operationId: 'StartReencrypt',
        summary: "Re-encrypt every object of the tenant under its current key, in the background (resumed after a restart).",
        parameters: [name],
        requestBody: { required: false, ...json({ type: 'object', properties: { mode: { type: 'string', enum: ['rewrap', 'full'], default: 'rewrap' } }, additionalProperties: false }) },
        responses: {
          202: { description: 'Started.', ...json({ type: 'object', properties: { job: ref('Job'), alreadyRunning: { type: 'boolean' } } }) },
          200: { description: 'A job of the same mode was already running: that one.', ...json({ type: 'object', properties: { job: ref('Job'), alreadyRunning: { type: 'boolean' } } }) },
          ...errors,
        },
      },
      get: { operationId: 'GetReencryptJob', summary: 'The running or last re-encryption job, with progress.', parameters: [name], responses: { 200: { description: 'The job.', ...json(ref('Job')) }, ...errors } },
    },
    '/v1/tenants/{name}/jobs/{jobId}': {
      get: {
        operationId: 'GetJob',
        summary: 'One re-encryption job.',
        parameters: [name, { name: 'jobId', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { 200: { description: 'The job.', ...json(ref('Job')) }, ...errors },
      },
    },
  },
  components: {
    securitySchemes: {
      sigv4: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'AWS Signature Version 4, service `opencmk`.' },
    },
    schemas: {
      Error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { type: 'string', enum: [...new Set([...Object.values(CONTROL_ERRORS).map((e) => e.type), ...Object.values(WIRE_ERRORS).map((e) => e.type)])] },
          message: { type: 'string' },
          details: { type: 'object', description: 'e.g. statement (the key policy statement to add), missingActions, checks.' },
          requestId: { type: 'string' },
        },
      },
      CreateTenantRequest: {
        type: 'object',
        required: ['name', 'deployment', 'region'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', pattern: '^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$' },
          deployment: { type: 'string', enum: ['dedicated', 'shared'] },
          region: { type: 'string', example: 'us-east-1' },
          kmsKeyArn: { type: 'string', description: 'A customer managed key (dedicated only). Absent: a provider-managed key is created.' },
        },
      },
      SetKeyRequest: {
        type: 'object',
        required: ['kmsKeyArn'],
        additionalProperties: false,
        properties: { kmsKeyArn: { type: 'string' }, migrate: { type: 'boolean', description: 'Allow a provider-managed tenant to move to a customer key; re-encrypts.' } },
      },
      KeyHistoryEntry: { type: 'object', properties: { keyArn: { type: 'string' }, keyMode: { type: 'string', enum: ['customer-managed', 'provider-managed'] }, from: { type: 'integer' }, until: { type: 'integer' } } },
      Tenant: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          deployment: { type: 'string', enum: ['dedicated', 'shared'] },
          region: { type: 'string' },
          providerAccountId: { type: 'string' },
          providerPrincipalArn: { type: 'string' },
          buckets: { type: 'array', items: { type: 'string' } },
          keyMode: { type: 'string', enum: ['customer-managed', 'provider-managed'] },
          keyArn: { type: 'string' },
          keyHistory: { type: 'array', items: ref('KeyHistoryEntry') },
          createdAt: { type: 'integer', description: 'Epoch milliseconds.' },
        },
      },
      Health: {
        type: 'object',
        properties: {
          tenant: { type: 'string' },
          state: { type: 'string', enum: ['healthy', 'access-denied', 'key-disabled', 'key-pending-deletion', 'key-not-found', 'error', 'unknown'] },
          since: { type: 'integer' },
          checkedAt: { type: 'integer' },
          detail: { type: 'string' },
          keyArn: { type: 'string' },
          transitions: { type: 'array', items: { type: 'object', properties: { state: { type: 'string' }, at: { type: 'integer' }, detail: { type: 'string' } } } },
        },
      },
      TenantSummary: {
        type: 'object',
        properties: { name: { type: 'string' }, deployment: { type: 'string' }, region: { type: 'string' }, keyMode: { type: 'string' }, keyArn: { type: 'string' }, health: { type: 'string' }, healthSince: { type: 'integer' } },
      },
      KeyUsage: { type: 'object', properties: { keyArn: { type: 'string' }, objects: { type: 'integer' }, bytes: { type: 'integer' } } },
      TenantDescription: {
        type: 'object',
        properties: {
          tenant: ref('Tenant'),
          health: ref('Health'),
          usage: {
            type: 'object',
            properties: {
              byKey: { type: 'array', items: ref('KeyUsage') },
              buckets: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, objects: { type: 'integer' }, bytes: { type: 'integer' }, byKey: { type: 'array', items: ref('KeyUsage') } } } },
            },
          },
          job: ref('Job'),
        },
      },
      TenantStatus: { type: 'object', properties: { name: { type: 'string' }, keyArn: { type: 'string' }, keyMode: { type: 'string' }, health: ref('Health'), job: ref('Job') } },
      PreflightReport: {
        type: 'object',
        properties: {
          keyArn: { type: 'string' },
          checks: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, ok: { type: 'boolean' }, detail: { type: 'string' } } } },
          warnings: { type: 'array', items: { type: 'string' } },
        },
      },
      CreateTenantResult: { type: 'object', properties: { tenant: ref('Tenant'), health: ref('Health'), preflight: ref('PreflightReport') } },
      SetKeyResult: { type: 'object', properties: { tenant: ref('Tenant'), preflight: ref('PreflightReport'), job: ref('Job') } },
      Job: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          tenant: { type: 'string' },
          mode: { type: 'string', enum: ['rewrap', 'full'] },
          targetKeyArn: { type: 'string' },
          state: { type: 'string', enum: ['running', 'succeeded', 'failed'] },
          createdAt: { type: 'integer' },
          updatedAt: { type: 'integer' },
          finishedAt: { type: 'integer' },
          cursor: { type: 'object', properties: { bucket: { type: 'integer' }, after: { type: 'string' } } },
          total: { type: 'object', properties: { objects: { type: 'integer' }, bytes: { type: 'integer' } } },
          done: {
            type: 'object',
            properties: {
              objects: { type: 'integer' },
              bytes: { type: 'integer' },
              reencrypted: { type: 'integer' },
              bytesRewritten: { type: 'integer' },
              reEncryptCalls: { type: 'integer' },
              changedMeanwhile: { type: 'integer' },
              skipped: { type: 'integer' },
            },
          },
          progress: { type: 'object', properties: { percent: { type: 'number' }, objectsPerSecond: { type: 'number' }, bytesPerSecond: { type: 'number' }, etaSeconds: { type: 'integer' } } },
          error: { type: 'string' },
          remaining: { type: 'array', description: 'Once finished: objects still under another key.', items: ref('KeyUsage') },
          oldKeysNoLongerNeeded: { type: 'boolean', description: 'Once finished: true when no object depends on an old key, so it may be disabled.' },
        },
      },
    },
  },
} as const;
