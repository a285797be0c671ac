import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigSchema } from '../../../src/config.js';
import { CLOUDTRAIL_JSON_ERRORS } from '../../../src/wire/cloudtrail-json/errors.js';
import { CLOUDTRAIL_OPERATIONS } from '../../../src/wire/cloudtrail-json/handler.js';

const ROOT = resolve(import.meta.dirname, '../../../..');
const doc = readFileSync(join(ROOT, 'docs/audit.md'), 'utf8');

// Drift tests (STYLE "Smaller conventions"): docs/audit.md and the code say the same thing.
describe('docs/audit.md matches the code', () => {
  it('lists exactly the CloudTrail error table', () => {
    const section = doc.split('## 6. LookupEvents')[1]!.split('\n## ')[0]!;
    const rows = [...section.matchAll(/^\| ([a-z-]+) \| (\w+) \| (\d{3}) \|$/gm)].map((m) => [m[1], m[2], Number(m[3])]);
    const code = Object.entries(CLOUDTRAIL_JSON_ERRORS).map(([c, { type, status }]) => [c, type, status]);
    assert.deepEqual(rows.sort(), code.sort());
  });

  it('documents every audit config field, and no other', () => {
    const section = doc.split('## 9. Configuration')[1]!.split('\n## ')[0]!;
    const documented = [...section.matchAll(/^\| `audit\.(\w+)` \|/gm)].map((m) => m[1]).sort();
    const audit = ConfigSchema.shape.audit.unwrap();
    assert.deepEqual(documented, Object.keys(audit.shape).sort());
  });

  it('names every CloudTrail operation served', () => {
    for (const { name } of Object.values(CLOUDTRAIL_OPERATIONS)) assert.match(doc, new RegExp(`\`${name}\``), name);
  });
});
