import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { CreateKeyCommand, EncryptCommand } from '@aws-sdk/client-kms';
import { CUSTOMER } from '../helpers/accounts.js';
import { awsCli, kmsClient } from '../helpers/clients.js';
import { startServerProcess } from '../helpers/server.js';

const BIN = resolve(import.meta.dirname, '../../../bin/opencmk.js');
const LOAD_MS = 1500;
const CONCURRENCY = 24;

describe('audit records survive a crash', () => {
  it('has the record of every request the client saw answered, after kill -9 under load and a restart', async () => {
    const first = await startServerProcess();
    const { dataDir } = first;
    try {
      const client = kmsClient(first.url, CUSTOMER);
      const { KeyMetadata } = await client.send(new CreateKeyCommand({}));
      const answered: string[] = [];
      let stop = false;
      const loop = async (n: number) => {
        for (let i = 0; !stop; i++) {
          try {
            const out = await client.send(new EncryptCommand({ KeyId: KeyMetadata!.KeyId, Plaintext: Buffer.from(`loop ${n} call ${i}`) }));
            answered.push(out.$metadata.requestId!);
          } catch {
            // After the kill: connection refused or reset. Those requests were never answered.
            if (stop) return;
          }
        }
      };
      const loops = Array.from({ length: CONCURRENCY }, (_, n) => loop(n));
      await new Promise((r) => setTimeout(r, LOAD_MS));
      await first.kill();
      stop = true;
      await Promise.all(loops);
      client.destroy();
      assert.ok(answered.length > 100, `only ${answered.length} answered requests: not much of a load`);

      const second = await startServerProcess({ dataDir });
      try {
        const r = await awsCli(second.url, CUSTOMER, ['cloudtrail', 'lookup-events', '--lookup-attributes', 'AttributeKey=EventName,AttributeValue=Encrypt', '--query', 'Events[].CloudTrailEvent']);
        assert.equal(r.code, 0, r.stderr);
        const recorded = new Set((JSON.parse(r.stdout) as string[]).map((e) => JSON.parse(e).requestID as string));
        const lost = answered.filter((id) => !recorded.has(id));
        assert.deepEqual(lost, [], `${lost.length} of ${answered.length} answered requests have no record`);
        // Records of requests that were cut off may exist too (written, then the answer was lost): never fewer.
        assert.ok(recorded.size >= answered.length);
      } finally {
        await second.stop({ keepData: true });
      }
      // The chain went on unbroken across the crash: the delivered trail validates.
      const validated = await new Promise<{ code: number; out: string }>((done) =>
        execFile(process.execPath, [BIN, 'audit', 'validate', '--start-time', new Date(Date.now() - 3_600_000).toISOString(), '--data-dir', dataDir], (e, stdout, stderr) =>
          done({ code: e ? Number(e.code) : 0, out: stdout + stderr }),
        ),
      );
      assert.equal(validated.code, 0, validated.out);
      assert.match(validated.out, /Result: valid/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
