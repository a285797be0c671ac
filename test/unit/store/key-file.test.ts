// The default RootOfTrust: 32 random bytes, base64, in a 0600 file (DESIGN.md §3, docs/formats.md §2).
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { open } from '../../../src/formats/sealed.js';
import { keyFileRootOfTrust } from '../../../src/store/root-of-trust/key-file.js';

describe('store/root-of-trust/key-file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'opencmk-root-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a 0600 file holding 32 random bytes in base64 on first use', () => {
    const path = join(dir, 'root.key');
    keyFileRootOfTrust(path);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    assert.equal(key.length, 32);
    keyFileRootOfTrust(join(dir, 'other.key'));
    assert.notEqual(readFileSync(join(dir, 'other.key'), 'utf8'), readFileSync(path, 'utf8'), 'each file gets its own key');
  });

  it('seals with the key in the file, so a later process opens what an earlier one sealed', async () => {
    const path = join(dir, 'root.key');
    const sealed = await keyFileRootOfTrust(path).seal(Buffer.from('material'), 'opencmk/v1/material/x/1');
    assert.equal((await keyFileRootOfTrust(path).open(sealed, 'opencmk/v1/material/x/1')).toString(), 'material');
    const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    assert.equal(open(key, sealed, 'opencmk/v1/material/x/1').toString(), 'material', 'format §2 with the file’s key');
    await assert.rejects(keyFileRootOfTrust(path).open(sealed, 'opencmk/v1/material/x/2'), /authentication failed/);
  });

  it('uses a fresh nonce for every seal', async () => {
    const root = keyFileRootOfTrust(join(dir, 'root.key'));
    const a = await root.seal(Buffer.from('same'), 'p');
    const b = await root.seal(Buffer.from('same'), 'p');
    assert.notDeepEqual(a.subarray(1, 13), b.subarray(1, 13));
  });

  it('tightens a key file readable by others to 0600', () => {
    const path = join(dir, 'root.key');
    writeFileSync(path, Buffer.alloc(32, 3).toString('base64') + '\n', { mode: 0o644 });
    chmodSync(path, 0o644);
    keyFileRootOfTrust(path);
    assert.equal(statSync(path).mode & 0o777, 0o600);
  });

  it('refuses a file that does not hold a 32-byte key', () => {
    const path = join(dir, 'root.key');
    writeFileSync(path, Buffer.alloc(16, 3).toString('base64'), { mode: 0o600 });
    assert.throws(() => keyFileRootOfTrust(path), /does not hold a 32-byte base64 key/);
  });
});
