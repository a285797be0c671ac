import type { AuditEventInput, AuditStore } from '../store/types.js';

export interface AuditWriter {
  /** Resolves once `events` are durable; rejects (and the call must fail) if they cannot be kept. */
  write(events: AuditEventInput[]): Promise<void>;
  /** Resolves when nothing is waiting or being written. */
  drain(): Promise<void>;
  /** How many store appends (transactions) and events so far: for tests and the bench. */
  stats(): { batches: number; events: number };
}

interface Waiting {
  events: AuditEventInput[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit. At most one `store.append` is in flight; every record that arrives meanwhile waits
 * and goes into the next one, so N concurrent calls cost one transaction (one fsync) instead of N,
 * while each call still waits for its own record to be durable before it is answered.
 */
export function createAuditWriter(store: AuditStore, schedule: (run: () => void) => void = setImmediate): AuditWriter {
  let waiting: Waiting[] = [];
  let writing = false;
  let idle: (() => void)[] = [];
  let batches = 0;
  let count = 0;

  async function flush(): Promise<void> {
    while (waiting.length > 0) {
      const batch = waiting;
      waiting = [];
      const events = batch.flatMap((w) => w.events);
      try {
        await store.append(events);
        batches++;
        count += events.length;
        for (const w of batch) w.resolve();
      } catch (e) {
        for (const w of batch) w.reject(e);
      }
    }
    writing = false;
    const done = idle;
    idle = [];
    for (const d of done) d();
  }

  return {
    write(events) {
      if (events.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        waiting.push({ events, resolve, reject });
        if (!writing) {
          writing = true;
          // One turn of the event loop first, so records produced in the same turn share the first batch too.
          schedule(() => void flush());
        }
      });
    },
    drain() {
      if (!writing && waiting.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idle.push(resolve));
    },
    stats: () => ({ batches, events: count }),
  };
}
