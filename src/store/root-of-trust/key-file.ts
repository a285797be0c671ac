import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, openSync, readFileSync, writeSync, closeSync, fsyncSync, statSync } from 'node:fs';
import { open, seal } from '../../formats/sealed.js';
import type { RootOfTrust } from '../types.js';

/**
 * The default root of trust: 32 random bytes in a 0600 file, generated on first start. The one
 * secret an operator must guard and back up (DESIGN.md §1).
 */
export function keyFileRootOfTrust(path: string): RootOfTrust {
  const rootKey = loadOrCreate(path);
  return {
    async seal(secret, purpose) {
      return seal(rootKey, secret, purpose, randomBytes(12));
    },
    async open(sealed, purpose) {
      return open(rootKey, sealed, purpose);
    },
  };
}

function loadOrCreate(path: string): Buffer {
  if (!existsSync(path)) {
    // 'wx' fails if another process created it meanwhile; then we read theirs below.
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, randomBytes(32).toString('base64') + '\n');
      fsyncSync(fd);
      closeSync(fd);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`root-of-trust: ${path} does not hold a 32-byte base64 key`);
  return key;
}
