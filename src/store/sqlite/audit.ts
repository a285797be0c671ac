import Database from 'better-sqlite3';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { chainRecord, GENESIS_HASH } from '../../audit/chain.js';
import {
  DuplicateError,
  type AuditChainHead,
  type AuditDigest,
  type AuditEvent,
  type AuditEventInput,
  type AuditFilterField,
  type AuditLogFile,
  type AuditSigningKey,
  type AuditStore,
} from '../types.js';

// The audit trail lives in its own file, <dataDir>/audit.db (docs/audit.md §5): its writer commits
// in batches from its own thread and would otherwise contend with the key store for SQLite's one
// write lock; it grows by millions of rows and is pruned on its own schedule; and it can be backed
// up and shipped apart from the key store. Nothing needs one transaction across the two: the key
// service writes a call's record after the call ran (src/kms/service.ts).
const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_chains (
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  hash TEXT NOT NULL,
  delivered_sequence INTEGER NOT NULL,
  delivered_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, region)
);
CREATE TABLE IF NOT EXISTS audit_events (
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  event_id TEXT NOT NULL UNIQUE,
  event_time INTEGER NOT NULL,
  event_name TEXT NOT NULL,
  event_source TEXT NOT NULL,
  read_only INTEGER NOT NULL,
  username TEXT,
  access_key_id TEXT,
  resources TEXT NOT NULL,
  hash TEXT NOT NULL,
  text TEXT NOT NULL,
  PRIMARY KEY (account_id, region, sequence)
);
CREATE INDEX IF NOT EXISTS audit_events_time ON audit_events (account_id, region, event_time, sequence);
CREATE TABLE IF NOT EXISTS audit_resources (
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  event_time INTEGER NOT NULL,
  PRIMARY KEY (account_id, region, sequence, name)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS audit_resources_name ON audit_resources (account_id, region, name, event_time, sequence);
CREATE TABLE IF NOT EXISTS audit_log_files (
  key TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  hash_value TEXT NOT NULL,
  first_sequence INTEGER NOT NULL,
  last_sequence INTEGER NOT NULL,
  previous_hash TEXT NOT NULL,
  last_hash TEXT NOT NULL,
  oldest_event_time INTEGER NOT NULL,
  newest_event_time INTEGER NOT NULL,
  delivered_at INTEGER NOT NULL,
  digest_key TEXT
);
CREATE INDEX IF NOT EXISTS audit_log_files_pending ON audit_log_files (account_id, region, first_sequence) WHERE digest_key IS NULL;
CREATE TABLE IF NOT EXISTS audit_digests (
  key TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  start_time INTEGER NOT NULL,
  end_time INTEGER NOT NULL,
  hash_value TEXT NOT NULL,
  signature TEXT NOT NULL,
  chain_sequence INTEGER NOT NULL,
  chain_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_digests_chain ON audit_digests (account_id, region, end_time);
CREATE TABLE IF NOT EXISTS audit_signing_keys (
  fingerprint TEXT PRIMARY KEY,
  public_key_pem TEXT NOT NULL,
  sealed_private_key BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
`;

interface ChainRow {
  account_id: string;
  region: string;
  sequence: number;
  hash: string;
  delivered_sequence: number;
  delivered_hash: string;
  created_at: number;
}
interface EventRow {
  account_id: string;
  region: string;
  sequence: number;
  event_id: string;
  event_time: number;
  event_name: string;
  event_source: string;
  read_only: number;
  username: string | null;
  access_key_id: string | null;
  resources: string;
  hash: string;
  text: string;
}
interface FileRow {
  key: string;
  account_id: string;
  region: string;
  hash_value: string;
  first_sequence: number;
  last_sequence: number;
  previous_hash: string;
  last_hash: string;
  oldest_event_time: number;
  newest_event_time: number;
  delivered_at: number;
}
interface DigestRow {
  key: string;
  account_id: string;
  region: string;
  start_time: number;
  end_time: number;
  hash_value: string;
  signature: string;
  chain_sequence: number;
  chain_hash: string;
}
interface KeyRow {
  fingerprint: string;
  public_key_pem: string;
  sealed_private_key: Buffer;
  created_at: number;
}

const toHead = (r: ChainRow): AuditChainHead => ({
  accountId: r.account_id,
  region: r.region,
  sequence: r.sequence,
  hash: r.hash,
  deliveredSequence: r.delivered_sequence,
  deliveredHash: r.delivered_hash,
  createdAt: r.created_at,
});
const toEvent = (r: EventRow): AuditEvent => ({
  accountId: r.account_id,
  region: r.region,
  sequence: r.sequence,
  eventId: r.event_id,
  eventTime: r.event_time,
  eventName: r.event_name,
  eventSource: r.event_source,
  readOnly: r.read_only === 1,
  ...(r.username !== null ? { username: r.username } : {}),
  ...(r.access_key_id !== null ? { accessKeyId: r.access_key_id } : {}),
  resources: JSON.parse(r.resources) as AuditEvent['resources'],
  hash: r.hash,
  text: r.text,
});
const toFile = (r: FileRow): AuditLogFile => ({
  accountId: r.account_id,
  region: r.region,
  key: r.key,
  hashValue: r.hash_value,
  firstSequence: r.first_sequence,
  lastSequence: r.last_sequence,
  previousHash: r.previous_hash,
  lastHash: r.last_hash,
  oldestEventTime: r.oldest_event_time,
  newestEventTime: r.newest_event_time,
  deliveredAt: r.delivered_at,
});
const toDigest = (r: DigestRow): AuditDigest => ({
  accountId: r.account_id,
  region: r.region,
  key: r.key,
  startTime: r.start_time,
  endTime: r.end_time,
  hashValue: r.hash_value,
  signature: r.signature,
  chainSequence: r.chain_sequence,
  chainHash: r.chain_hash,
});

function open(path: string, mustExist: boolean): Database.Database {
  const db = new Database(path, { fileMustExist: mustExist });
  db.pragma('journal_mode = WAL');
  // FULL: a batch that committed is on disk, so a record whose call was answered survives kill -9 and power loss.
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  return db;
}

const isUnique = (e: unknown) => (e as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT') === true;

/** Every statement that changes audit.db. Runs in the writer thread (or inline); synchronous. */
function writeSide(db: Database.Database) {
  const q = {
    head: db.prepare<[string, string], ChainRow>('SELECT * FROM audit_chains WHERE account_id = ? AND region = ?'),
    putHead: db.prepare(
      `INSERT INTO audit_chains (account_id, region, sequence, hash, delivered_sequence, delivered_hash, created_at) VALUES (?, ?, ?, ?, 0, ?, ?)
       ON CONFLICT (account_id, region) DO UPDATE SET sequence = excluded.sequence, hash = excluded.hash`,
    ),
    insertEvent: db.prepare(
      `INSERT INTO audit_events (account_id, region, sequence, event_id, event_time, event_name, event_source, read_only, username, access_key_id, resources, hash, text)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertResource: db.prepare('INSERT OR IGNORE INTO audit_resources (account_id, region, sequence, name, type, event_time) VALUES (?, ?, ?, ?, ?, ?)'),
    insertFile: db.prepare(
      `INSERT INTO audit_log_files (key, account_id, region, hash_value, first_sequence, last_sequence, previous_hash, last_hash, oldest_event_time, newest_event_time, delivered_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    deliver: db.prepare(
      'UPDATE audit_chains SET delivered_sequence = ?, delivered_hash = ? WHERE account_id = ? AND region = ? AND delivered_sequence = ? AND delivered_hash = ? AND sequence >= ?',
    ),
    insertDigest: db.prepare(
      `INSERT INTO audit_digests (key, account_id, region, start_time, end_time, hash_value, signature, chain_sequence, chain_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    markDigested: db.prepare('UPDATE audit_log_files SET digest_key = ? WHERE key = ? AND digest_key IS NULL'),
    insertKey: db.prepare('INSERT INTO audit_signing_keys (fingerprint, public_key_pem, sealed_private_key, created_at) VALUES (?, ?, ?, ?)'),
    chains: db.prepare<[], ChainRow>('SELECT * FROM audit_chains'),
    oldEvents: db.prepare<[string, string, number, number, number], { sequence: number }>(
      'SELECT sequence FROM audit_events WHERE account_id = ? AND region = ? AND event_time < ? AND sequence <= ? ORDER BY sequence LIMIT ?',
    ),
    deleteEvent: db.prepare('DELETE FROM audit_events WHERE account_id = ? AND region = ? AND sequence = ?'),
    deleteResources: db.prepare('DELETE FROM audit_resources WHERE account_id = ? AND region = ? AND sequence = ?'),
  };

  const append = db.transaction((events: AuditEventInput[]) => {
    const heads = new Map<string, { accountId: string; region: string; sequence: number; hash: string; createdAt: number }>();
    for (const e of events) {
      const id = `${e.accountId}/${e.region}`;
      let head = heads.get(id);
      if (!head) {
        const row = q.head.get(e.accountId, e.region);
        head = row
          ? { accountId: row.account_id, region: row.region, sequence: row.sequence, hash: row.hash, createdAt: row.created_at }
          : { accountId: e.accountId, region: e.region, sequence: 0, hash: GENESIS_HASH, createdAt: e.eventTime };
      }
      const sequence = head.sequence + 1;
      const { hash, text } = chainRecord(head.hash, sequence, e.record);
      q.insertEvent.run(
        e.accountId,
        e.region,
        sequence,
        e.eventId,
        e.eventTime,
        e.eventName,
        e.eventSource,
        e.readOnly ? 1 : 0,
        e.username ?? null,
        e.accessKeyId ?? null,
        JSON.stringify(e.resources),
        hash,
        text,
      );
      for (const r of e.resources) q.insertResource.run(e.accountId, e.region, sequence, r.name, r.type, e.eventTime);
      heads.set(id, { ...head, sequence, hash });
    }
    for (const h of heads.values()) q.putHead.run(h.accountId, h.region, h.sequence, h.hash, GENESIS_HASH, h.createdAt);
  });

  const addLogFile = db.transaction((f: AuditLogFile) => {
    /* Precondition: a log file continues its chain's delivered records exactly. */
    const head = q.head.get(f.accountId, f.region);
    const { changes } = q.deliver.run(f.lastSequence, f.lastHash, f.accountId, f.region, f.firstSequence - 1, f.previousHash, f.lastSequence);
    if (!head || changes !== 1) throw new Error(`store: log file ${f.key} does not continue the delivered records of ${f.accountId}/${f.region}`);
    q.insertFile.run(f.key, f.accountId, f.region, f.hashValue, f.firstSequence, f.lastSequence, f.previousHash, f.lastHash, f.oldestEventTime, f.newestEventTime, f.deliveredAt);
  });

  const addDigest = db.transaction((d: AuditDigest, keys: string[]) => {
    q.insertDigest.run(d.key, d.accountId, d.region, d.startTime, d.endTime, d.hashValue, d.signature, d.chainSequence, d.chainHash);
    for (const k of keys) q.markDigested.run(d.key, k);
  });

  const prune = db.transaction((before: number, limit: number) => {
    let removed = 0;
    for (const chain of q.chains.all()) {
      if (removed >= limit) break;
      for (const { sequence } of q.oldEvents.all(chain.account_id, chain.region, before, chain.delivered_sequence, limit - removed)) {
        q.deleteEvent.run(chain.account_id, chain.region, sequence);
        q.deleteResources.run(chain.account_id, chain.region, sequence);
        removed++;
      }
    }
    return removed;
  });

  const translate = <A extends unknown[], R>(what: (...a: A) => string, run: (...a: A) => R) => (...a: A): R => {
    try {
      return run(...a);
    } catch (e) {
      if (isUnique(e)) throw new DuplicateError(what(...a));
      throw e;
    }
  };

  return {
    append: translate((events: AuditEventInput[]) => `audit event in a batch of ${events.length}`, (events: AuditEventInput[]) => append(events)),
    addLogFile: translate((f: AuditLogFile) => `audit log file ${f.key}`, (f: AuditLogFile) => addLogFile(f)),
    addDigest: translate((d: AuditDigest, _keys: string[]) => `audit digest ${d.key}`, (d: AuditDigest, keys: string[]) => addDigest(d, keys)),
    putSigningKey: translate(
      (k: AuditSigningKey) => `audit signing key ${k.fingerprint}`,
      (k: AuditSigningKey) => void q.insertKey.run(k.fingerprint, k.publicKeyPem, Buffer.from(k.sealedPrivateKey), k.createdAt),
    ),
    prune: (before: number, limit: number) => prune(before, limit),
  };
}

type WriteSide = ReturnType<typeof writeSide>;
type WriteOp = keyof WriteSide;
interface WriteRequest {
  id: number;
  op: WriteOp;
  args: unknown[];
}
type WriteReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; name: string; message: string };

const WORKER_ROLE = 'opencmk-audit-writer';

// The writer thread: this same module, started with workerData.role set.
if (!isMainThread && (workerData as { role?: string } | null)?.role === WORKER_ROLE && parentPort) {
  const port = parentPort;
  const db = open((workerData as { path: string }).path, false);
  const side = writeSide(db);
  port.on('message', (m: WriteRequest | 'close') => {
    if (m === 'close') {
      db.close();
      port.close();
      return;
    }
    let reply: WriteReply;
    try {
      const value = (side[m.op] as (...a: unknown[]) => unknown)(...m.args);
      reply = { id: m.id, ok: true, value };
    } catch (e) {
      reply = { id: m.id, ok: false, name: (e as Error).name, message: (e as Error).message };
    }
    port.postMessage(reply);
  });
}

export interface SqliteAuditOptions {
  /**
   * Run every write, and so every fsync, in a worker thread (default): the event loop keeps serving
   * requests while a batch commits, and the records that arrive meanwhile form the next batch.
   * `false` writes inline (tools, benchmarks of the difference).
   */
  writerThread?: boolean;
  /** Open an existing audit.db only (the CLI); never create one. */
  mustExist?: boolean;
}

/**
 * The audit store over SQLite (better-sqlite3), WAL, synchronous=FULL. Reads run on the calling
 * thread; writes on one writer (a worker thread by default), so there is never more than one writer.
 */
export function createSqliteAuditStore(path: string, options: SqliteAuditOptions = {}): AuditStore {
  const db = open(path, options.mustExist ?? false);
  const threaded = options.writerThread ?? true;
  const inline = threaded ? undefined : writeSide(db);

  let worker: Worker | undefined;
  let nextId = 1;
  const inflight = new Set<Promise<unknown>>();
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  const failAll = (e: unknown) => {
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  function spawn(): Worker {
    const w = new Worker(new URL(import.meta.url), { workerData: { role: WORKER_ROLE, path } });
    w.on('message', (reply: WriteReply) => {
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      if (pending.size === 0) w.unref();
      if (reply.ok) p.resolve(reply.value);
      else {
        const error = reply.name === 'DuplicateError' ? new DuplicateError(reply.message.replace(/^store: | already exists$/g, '')) : new Error(reply.message);
        p.reject(error);
      }
    });
    // A writer that dies fails what it held (fail closed); the next write starts a new one.
    w.on('error', (e) => failAll(e));
    w.on('exit', (code) => {
      if (worker === w) worker = undefined;
      failAll(new Error(`store: the audit writer thread exited (${code})`));
    });
    return w;
  }
  function write<O extends WriteOp>(op: O, ...args: Parameters<WriteSide[O]>): Promise<ReturnType<WriteSide[O]>> {
    if (inline) {
      try {
        return Promise.resolve((inline[op] as (...a: unknown[]) => ReturnType<WriteSide[O]>)(...args));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    worker ??= spawn();
    const w = worker;
    const id = nextId++;
    const reply = new Promise<ReturnType<WriteSide[O]>>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      w.ref();
      w.postMessage({ id, op, args } satisfies WriteRequest);
    });
    inflight.add(reply);
    void reply.then(
      () => inflight.delete(reply),
      () => inflight.delete(reply),
    );
    return reply;
  }

  const q = {
    heads: db.prepare<[], ChainRow>('SELECT * FROM audit_chains ORDER BY account_id, region'),
    range: db.prepare<[string, string, number, number], EventRow>(
      'SELECT * FROM audit_events WHERE account_id = ? AND region = ? AND sequence > ? ORDER BY sequence LIMIT ?',
    ),
    scan: db.prepare<[string, string, number, number, number], EventRow>(
      'SELECT * FROM audit_events WHERE account_id = ? AND region = ? AND event_time >= ? AND sequence > ? ORDER BY sequence LIMIT ?',
    ),
    undigested: db.prepare<[string, string, number], FileRow>(
      'SELECT * FROM audit_log_files WHERE account_id = ? AND region = ? AND digest_key IS NULL AND delivered_at < ? ORDER BY first_sequence',
    ),
    lastDigest: db.prepare<[string, string], DigestRow>('SELECT * FROM audit_digests WHERE account_id = ? AND region = ? ORDER BY end_time DESC LIMIT 1'),
    keys: db.prepare<[], KeyRow>('SELECT * FROM audit_signing_keys ORDER BY created_at'),
    digests: db.prepare<[number], DigestRow>('SELECT * FROM audit_digests WHERE end_time > ? ORDER BY account_id, region, end_time'),
  };

  // LookupEvents: one statement per filter shape, prepared on first use.
  const lookups = new Map<string, Database.Statement<unknown[], EventRow>>();
  function lookupStatement(field: AuditFilterField | 'none') {
    let s = lookups.get(field);
    if (s) return s;
    const window = 'AND t.event_time >= ? AND t.event_time <= ? AND (t.event_time, t.sequence) < (?, ?) ORDER BY t.event_time DESC, t.sequence DESC LIMIT ?';
    const where: Record<string, string> = {
      none: '',
      eventId: 'AND t.event_id = ?',
      eventName: 'AND t.event_name = ?',
      readOnly: 'AND t.read_only = ?',
      username: 'AND t.username = ?',
      eventSource: 'AND t.event_source = ?',
      accessKeyId: 'AND t.access_key_id = ?',
      resourceType:
        'AND EXISTS (SELECT 1 FROM audit_resources r WHERE r.account_id = t.account_id AND r.region = t.region AND r.sequence = t.sequence AND r.type = ?)',
    };
    const sql =
      field === 'resourceName'
        ? `SELECT e.* FROM audit_resources t JOIN audit_events e ON e.account_id = t.account_id AND e.region = t.region AND e.sequence = t.sequence
           WHERE t.account_id = ? AND t.region = ? AND t.name = ? ${window}`
        : `SELECT * FROM audit_events t WHERE t.account_id = ? AND t.region = ? ${where[field]} ${window}`;
    s = db.prepare<unknown[], EventRow>(sql);
    lookups.set(field, s);
    return s;
  }

  return {
    async append(events) {
      if (events.length > 0) await write('append', events);
    },
    async lookup(query) {
      const field = query.filter?.field ?? 'none';
      const value = query.filter ? (field === 'readOnly' ? (query.filter.value === 'true' ? 1 : 0) : query.filter.value) : undefined;
      const args: unknown[] = [query.accountId, query.region, ...(value !== undefined ? [value] : [])];
      args.push(query.startTime ?? 0, query.endTime ?? Number.MAX_SAFE_INTEGER);
      args.push(query.after?.eventTime ?? Number.MAX_SAFE_INTEGER, query.after?.sequence ?? Number.MAX_SAFE_INTEGER, query.limit);
      return lookupStatement(field).all(...args).map(toEvent);
    },
    async scan(accountId, region, since, afterSequence, limit) {
      return q.scan.all(accountId, region, since, afterSequence, limit).map(toEvent);
    },
    async heads() {
      return q.heads.all().map(toHead);
    },
    async range(accountId, region, afterSequence, limit) {
      return q.range.all(accountId, region, afterSequence, limit).map(toEvent);
    },
    async addLogFile(file) {
      await write('addLogFile', file);
    },
    async undigestedLogFiles(accountId, region, deliveredBefore) {
      return q.undigested.all(accountId, region, deliveredBefore).map(toFile);
    },
    async addDigest(digest, fileKeys) {
      await write('addDigest', digest, fileKeys);
    },
    async lastDigest(accountId, region) {
      const row = q.lastDigest.get(accountId, region);
      return row && toDigest(row);
    },
    async listDigests(after) {
      return q.digests.all(after).map(toDigest);
    },
    async putSigningKey(key) {
      await write('putSigningKey', key);
    },
    async signingKeys() {
      return q.keys.all().map((r) => ({
        fingerprint: r.fingerprint,
        publicKeyPem: r.public_key_pem,
        sealedPrivateKey: Buffer.from(r.sealed_private_key),
        createdAt: r.created_at,
      }));
    },
    async prune(before, limit) {
      return write('prune', before, limit);
    },
    async close() {
      // Every write already sent is answered before the writer closes its database.
      await Promise.allSettled([...inflight]);
      const w = worker;
      worker = undefined;
      if (w) {
        const exited = new Promise<void>((done) => w.once('exit', () => done()));
        w.ref();
        w.postMessage('close');
        await exited;
      }
      db.close();
    },
  };
}
