import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { SERVER_NODE_FLAGS, missingNodeFlags } from '../../../src/cli/node-flags.js';

const ROOT = resolve(import.meta.dirname, '../../../..');

describe('the server node flags', () => {
  it('finds a flag missing, given, or given with underscores or another value', () => {
    assert.deepEqual(missingNodeFlags([]), [...SERVER_NODE_FLAGS]);
    assert.deepEqual(missingNodeFlags(['--max-old-space-size=512', '--trace-gc']), [...SERVER_NODE_FLAGS]);
    assert.deepEqual(missingNodeFlags([...SERVER_NODE_FLAGS]), []);
    assert.deepEqual(missingNodeFlags(['--initial_old_space_size=128']), []);
    // A longer flag that starts the same is not the flag.
    assert.deepEqual(missingNodeFlags(['--initial-old-space-size-x=64']), [...SERVER_NODE_FLAGS]);
  });

  // Drift test: V8 reads the flag only at start-up, so each launcher must pass it itself.
  it('are on the #! line of bin/opencmk.js and in npm start', () => {
    const shebang = readFileSync(resolve(ROOT, 'bin/opencmk.js'), 'utf8').split('\n')[0]!;
    const start = (JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start!;
    for (const flag of SERVER_NODE_FLAGS) {
      assert.ok(shebang.split(' ').includes(flag), `bin/opencmk.js's #! line lacks ${flag}: ${shebang}`);
      const words = start.split(' ');
      assert.ok(words.includes(flag) && words.indexOf(flag) < words.indexOf('bin/opencmk.js'), `npm start does not give node ${flag}: ${start}`);
    }
  });
});
