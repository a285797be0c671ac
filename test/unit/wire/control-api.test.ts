// Drift tests of the control API: the route table, the OpenAPI document and docs/tenants.md agree.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { CONTROL_ERRORS } from '../../../src/wire/control/errors.js';
import { OPENAPI } from '../../../src/wire/control/openapi.js';
import { findRoute, ROUTES } from '../../../src/wire/control/routes.js';

const doc = readFileSync(join(resolve(import.meta.dirname, '../../../..'), 'docs/tenants.md'), 'utf8');

describe('control API drift', () => {
  it('the OpenAPI document describes exactly the routed operations', () => {
    const documented = Object.entries(OPENAPI.paths).flatMap(([path, ops]) =>
      Object.entries(ops as Record<string, { operationId: string }>).map(([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`),
    );
    assert.deepEqual(documented.sort(), ROUTES.map((r) => `${r.method} ${r.path} ${r.operationId}`).sort());
  });

  it('docs/tenants.md lists exactly the routes and the error table', () => {
    const routes = [...doc.matchAll(/^\| `(GET|POST|PUT) (\/v1\/[^`]+)` \| (\w+) \|$/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
    assert.deepEqual(routes.sort(), ROUTES.map((r) => `${r.method} ${r.path} ${r.operationId}`).sort());
    const errors = [...doc.matchAll(/^\| `([a-z-]+)` \| `(\w+)` \| (\d{3}) \|$/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
    assert.deepEqual(errors.sort(), Object.entries(CONTROL_ERRORS).map(([code, e]) => `${code} ${e.type} ${e.status}`).sort());
  });

  it('matches paths and tells a wrong method from an unknown path', () => {
    const hit = findRoute('GET', '/v1/tenants/acme/jobs/j-1');
    assert.ok(hit && hit !== 'method');
    assert.equal(hit.route.operationId, 'GetJob');
    assert.deepEqual(hit.params, { name: 'acme', jobId: 'j-1' });
    assert.equal(findRoute('DELETE', '/v1/tenants/acme'), 'method');
    assert.equal(findRoute('GET', '/v1/nothing'), undefined);
  });
});
