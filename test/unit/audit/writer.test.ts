import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAuditWriter } from '../../../src/audit/writer.js';
import { createMemoryAuditStore } from '../../../src/store/memory/audit.js';
import type { AuditEventInput, AuditStore } from '../../../src/store/types.js';

function event(n: number, accountId = '111122223333'): AuditEventInput {
  return {
    accountId,
    region: 'us-east-1',
    eventId: `e-${n}`,
    eventTime: 1_700_000_000 + n,
    eventName: 'Encrypt',
    eventSource: 'kms.amazonaws.com',
    readOnly: true,
    resources: [],
    record: JSON.stringify({ n }),
  };
}

/** A store whose appends wait until the test releases them. */
function gatedStore() {
  const inner = createMemoryAuditStore();
  const calls: { events: AuditEventInput[]; release: (error?: Error) => void }[] = [];
  const store: AuditStore = {
    ...inner,
    append(events) {
      return new Promise<void>((resolve, reject) => {
        calls.push({
          events,
          release: (error) => (error ? reject(error) : inner.append(events).then(resolve, reject)),
        });
      });
    },
  };
  return { store, inner, calls };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('group commit', () => {
  it('batches the records that arrive while a write is in flight into the next transaction', async () => {
    const { store, inner, calls } = gatedStore();
    const writer = createAuditWriter(store);
    const settled: number[] = [];
    const first = writer.write([event(1)]).then(() => settled.push(1));
    await tick();
    assert.equal(calls.length, 1, 'the first record is written at once');
    const rest = [2, 3, 4].map((n) => writer.write([event(n)]).then(() => settled.push(n)));
    await tick();
    assert.equal(calls.length, 1, 'nothing else is written while the first write is in flight');
    assert.deepEqual(settled, [], 'no call is answered before its record is durable');
    calls[0]!.release();
    await first;
    await tick();
    assert.equal(calls.length, 2);
    assert.deepEqual(calls[1]!.events.map((e) => e.eventId), ['e-2', 'e-3', 'e-4'], 'the waiting records form one batch');
    assert.deepEqual(settled, [1]);
    calls[1]!.release();
    await Promise.all(rest);
    assert.deepEqual(settled, [1, 2, 3, 4]);
    assert.deepEqual(writer.stats(), { batches: 2, events: 4 });
    assert.deepEqual((await inner.heads()).map((h) => h.sequence), [4]);
  });

  it('records written in the same turn of the event loop share the first batch', async () => {
    const { store, calls } = gatedStore();
    const writer = createAuditWriter(store);
    const all = [1, 2, 3].map((n) => writer.write([event(n)]));
    await tick();
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.events.length, 3);
    calls[0]!.release();
    await Promise.all(all);
  });

  it('fails every call of a batch that could not be kept, and keeps going with the next batch', async () => {
    const { store, inner, calls } = gatedStore();
    const writer = createAuditWriter(store);
    const a = writer.write([event(1)]);
    await tick();
    const b = writer.write([event(2)]);
    calls[0]!.release(new Error('disk full'));
    await assert.rejects(a, /disk full/);
    await tick();
    calls[1]!.release();
    await b;
    assert.deepEqual((await inner.heads()).map((h) => h.sequence), [1], 'the failed record is not in the chain');
    await writer.drain();
  });

  it('drain() waits for everything queued', async () => {
    const writer = createAuditWriter(createMemoryAuditStore());
    let done = false;
    void writer.write([event(1)]).then(() => (done = true));
    await writer.drain();
    assert.equal(done, true);
  });
});
