#!/usr/bin/env node
// Every `/* Precondition: X */` or `/* Postcondition: X */` in src/ must have a test whose title is
// exactly "Precondition: X" (or "Postcondition: X") somewhere in test/ (habit 6, from aws-esdk).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}
const pattern = /\/\*\s*((?:Pre|Post)condition:[^*]*?)\s*\*\//g;
const conditions = new Map();
for (const file of files('src')) {
  for (const m of readFileSync(file, 'utf8').matchAll(pattern)) {
    conditions.set(m[1].replace(/\s+/g, ' '), file);
  }
}
const tests = files('test').map((f) => readFileSync(f, 'utf8').replace(/\s+/g, ' ')).join('\n');
const missing = [...conditions].filter(([c]) => !tests.includes(`'${c}'`) && !tests.includes(`"${c}"`) && !tests.includes('`' + c + '`'));
for (const [c, file] of missing) console.error(`check-conditions: no test titled '${c}' (${file})`);
if (missing.length > 0) process.exit(1);
console.log(`check-conditions: ${conditions.size} conditions, each with a test`);
