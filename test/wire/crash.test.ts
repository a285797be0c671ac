// kill -9 under load (DESIGN.md §5): what the server acknowledged before it died is there after a
// restart on the same data directory. The long version is test/slow/crash-repeated.test.ts.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { startServerProcess } from '../helpers/server.js';
import { burstAndKill, newLedger, verifyLedger } from '../slow/crash-burst.js';

describe('crash: SIGKILL while CreateKey / RotateKeyOnDemand / Encrypt are in flight', () => {
  it('keeps every acknowledged key, rotation and ciphertext across the restart', { timeout: 60_000 }, async () => {
    const first = await startServerProcess();
    const dataDir = first.dataDir;
    try {
      const ledger = newLedger();
      const result = await burstAndKill(first, { total: 200, concurrency: 16, killAfter: 100 }, ledger);
      assert.equal(first.child.signalCode, 'SIGKILL');
      assert.deepEqual(result.failuresBeforeKill, []);
      assert.equal(result.acknowledged >= 100, true, `only ${result.acknowledged} acknowledged`);
      assert.ok(result.inFlightAtKill > 0, 'the kill must land while requests are in flight');
      assert.ok(ledger.created.size > 10 && ledger.ciphertexts.length > 10, `a real burst: ${ledger.created.size} keys, ${ledger.ciphertexts.length} ciphertexts`);

      const second = await startServerProcess({ dataDir });
      try {
        await verifyLedger(second.url, ledger);
      } finally {
        await second.stop();
      }
    } finally {
      await first.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
