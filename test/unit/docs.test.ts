import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { KMS_JSON_ERRORS } from '../../src/wire/kms-json/errors.js';
import { KMS_OPERATIONS } from '../../src/wire/kms-json/operations.js';
import { S3_ERRORS } from '../../src/wire/s3-xml/errors.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

// Drift tests (STYLE "Smaller conventions"): documentation and code must say the same thing.
describe('docs match the code', () => {
  it('docs/errors.md lists exactly the KMS error table', () => {
    const section = read('docs/errors.md').split('## KMS')[1]!.split('\n## ')[0]!;
    const rows = [...section.matchAll(/^\| ([a-z0-9-]+) \| (\w+) \| (\d{3}) \|$/gm)].map((m) => [m[1], m[2], Number(m[3])]);
    const code = Object.entries(KMS_JSON_ERRORS).map(([c, { type, status }]) => [c, type, status]);
    assert.deepEqual(rows.sort(), code.sort());
  });

  it('docs/errors.md lists exactly the S3 error table', () => {
    const section = read('docs/errors.md').split('## S3')[1]!.split('\n## ')[0]!;
    const rows = [...section.matchAll(/^\| ([a-z0-9-]+) \| ([\w.<> ]+) \| (\d{3}) \|$/gm)].map((m) => [m[1], m[2] === 'KMS.<KMS error type>' ? 'KMS' : m[2], Number(m[3])]);
    const code = Object.entries(S3_ERRORS).map(([c, { code: wire, status }]) => [c, wire, status]);
    assert.deepEqual(rows.sort(), code.sort());
  });

  it('the README lists exactly the KMS operations the server dispatches', () => {
    const section = read('README.md').split('### Operations')[1]!.split('Plus STS')[0]!;
    const listed = [...section.matchAll(/`(\w+)`/g)].map((m) => m[1]).sort();
    const served = Object.keys(KMS_OPERATIONS).map((t) => t.replace('TrentService.', '')).sort();
    assert.deepEqual(listed, served);
  });
});

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

// DESIGN.md rule 1: the core never imports the wire, node:http or a store driver.
describe('import boundaries', () => {
  const core = ['kms', 'objects', 'tenants', 'audit', 'policy', 'formats'];
  const forbidden = [/from '(\.\.\/)+wire\//, /from 'node:https?'/, /from 'https?'/, /from '(\.\.\/)+store\/(sqlite|postgres|fs|s3|memory)\//, /from 'better-sqlite3'/, /from 'pg'/];
  for (const folder of core) {
    it(`src/${folder} imports no wire adapter, HTTP module or store driver`, () => {
      let dir: string;
      try {
        dir = join(ROOT, 'src', folder);
        statSync(dir);
      } catch {
        return;
      }
      const offenders: string[] = [];
      for (const file of sources(dir)) {
        const text = readFileSync(file, 'utf8');
        for (const rule of forbidden) if (rule.test(text)) offenders.push(`${relative(ROOT, file)}: ${rule}`);
      }
      assert.deepEqual(offenders, []);
    });
  }
  it('the boundary rules catch a forbidden import (the check itself works)', () => {
    assert.ok(forbidden.some((r) => r.test("import x from '../../wire/http/server.js';")));
    assert.ok(forbidden.some((r) => r.test("import Database from 'better-sqlite3';")));
  });
});
