// The long crash test (npm run test:slow): several kill -9 / restart cycles on one data directory,
// each under a larger burst, with the ledger of acknowledged writes checked after every restart.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { startServerProcess } from '../helpers/server.js';
import { burstAndKill, newLedger, verifyLedger } from './crash-burst.js';

const CYCLES = 4;

describe('crash, repeated: kill -9 under load, restart, repeat', () => {
  it(`keeps every acknowledged write through ${CYCLES} crashes`, { timeout: 300_000 }, async () => {
    let server = await startServerProcess();
    const dataDir = server.dataDir;
    const ledger = newLedger();
    try {
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        const killAfter = 200 + cycle * 150;
        const result = await burstAndKill(server, { total: killAfter * 2, concurrency: 32, killAfter, rotationsPerKey: 5 }, ledger);
        assert.deepEqual(result.failuresBeforeKill, [], `cycle ${cycle}`);
        assert.ok(result.acknowledged >= killAfter && result.inFlightAtKill > 0, `cycle ${cycle}: ${JSON.stringify(result)}`);
        server = await startServerProcess({ dataDir });
        await verifyLedger(server.url, ledger);
      }
    } finally {
      await server.stop({ keepData: true });
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
