import { chainRecord, GENESIS_HASH } from '../../audit/chain.js';
import {
  DuplicateError,
  type AuditChainHead,
  type AuditDigest,
  type AuditEvent,
  type AuditLogFile,
  type AuditQuery,
  type AuditSigningKey,
  type AuditStore,
} from '../types.js';

interface Chain {
  head: AuditChainHead;
  events: AuditEvent[];
}

function matches(e: AuditEvent, filter: AuditQuery['filter']): boolean {
  if (!filter) return true;
  const { field, value } = filter;
  switch (field) {
    case 'eventId':
      return e.eventId === value;
    case 'eventName':
      return e.eventName === value;
    case 'readOnly':
      return String(e.readOnly) === value;
    case 'username':
      return e.username === value;
    case 'resourceType':
      return e.resources.some((r) => r.type === value);
    case 'resourceName':
      return e.resources.some((r) => r.name === value);
    case 'eventSource':
      return e.eventSource === value;
    case 'accessKeyId':
      return e.accessKeyId === value;
  }
}

/** The audit store in memory, for unit tests: the same contract as SQLite, nothing survives. */
export function createMemoryAuditStore(): AuditStore {
  const chains = new Map<string, Chain>();
  const files: (AuditLogFile & { digested: boolean })[] = [];
  const digests: AuditDigest[] = [];
  const keys: AuditSigningKey[] = [];
  const eventIds = new Set<string>();
  const id = (accountId: string, region: string) => `${accountId}/${region}`;
  const copy = (e: AuditEvent): AuditEvent => ({ ...e, resources: e.resources.map((r) => ({ ...r })) });

  return {
    async append(events) {
      // Chain on copies first, then commit: all or none.
      const heads = new Map<string, AuditChainHead>();
      const added: [string, AuditEvent][] = [];
      const ids = new Set<string>();
      for (const input of events) {
        const key = id(input.accountId, input.region);
        const head = heads.get(key) ?? (chains.get(key) ? { ...chains.get(key)!.head } : undefined) ?? {
          accountId: input.accountId,
          region: input.region,
          sequence: 0,
          hash: GENESIS_HASH,
          deliveredSequence: 0,
          deliveredHash: GENESIS_HASH,
          createdAt: input.eventTime,
        };
        if (ids.has(input.eventId) || eventIds.has(input.eventId)) {
          throw new DuplicateError(`audit event ${input.eventId}`);
        }
        ids.add(input.eventId);
        const sequence = head.sequence + 1;
        const { hash, text } = chainRecord(head.hash, sequence, input.record);
        const { record: _record, ...meta } = input;
        added.push([key, { ...meta, resources: input.resources.map((r) => ({ ...r })), sequence, hash, text }]);
        heads.set(key, { ...head, sequence, hash });
      }
      for (const [key, event] of added) {
        const chain = chains.get(key) ?? { head: heads.get(key)!, events: [] };
        chain.events.push(event);
        chains.set(key, chain);
        eventIds.add(event.eventId);
      }
      for (const [key, head] of heads) chains.get(key)!.head = head;
    },
    async lookup(q) {
      const chain = chains.get(id(q.accountId, q.region));
      if (!chain) return [];
      return chain.events
        .filter(
          (e) =>
            matches(e, q.filter) &&
            (q.startTime === undefined || e.eventTime >= q.startTime) &&
            (q.endTime === undefined || e.eventTime <= q.endTime) &&
            (q.after === undefined || e.eventTime < q.after.eventTime || (e.eventTime === q.after.eventTime && e.sequence < q.after.sequence)),
        )
        .sort((a, b) => b.eventTime - a.eventTime || b.sequence - a.sequence)
        .slice(0, q.limit)
        .map(copy);
    },
    async scan(accountId, region, since, afterSequence, limit) {
      const chain = chains.get(id(accountId, region));
      if (!chain) return [];
      return chain.events
        .filter((e) => e.eventTime >= since && e.sequence > afterSequence)
        .slice(0, limit)
        .map(copy);
    },
    async heads() {
      return [...chains.values()].map((c) => ({ ...c.head })).sort((a, b) => id(a.accountId, a.region).localeCompare(id(b.accountId, b.region)));
    },
    async range(accountId, region, afterSequence, limit) {
      const chain = chains.get(id(accountId, region));
      if (!chain) return [];
      return chain.events.filter((e) => e.sequence > afterSequence).slice(0, limit).map(copy);
    },
    async addLogFile(file) {
      const chain = chains.get(id(file.accountId, file.region));
      if (!chain) throw new Error(`store: no audit chain ${file.accountId}/${file.region}`);
      if (files.some((f) => f.key === file.key)) throw new DuplicateError(`audit log file ${file.key}`);
      /* Precondition: a log file continues its chain's delivered records exactly. */
      const { head } = chain;
      if (head.deliveredSequence !== file.firstSequence - 1 || head.deliveredHash !== file.previousHash || head.sequence < file.lastSequence) {
        throw new Error(`store: log file ${file.key} does not continue the delivered records of ${file.accountId}/${file.region}`);
      }
      files.push({ ...file, digested: false });
      chain.head.deliveredSequence = file.lastSequence;
      chain.head.deliveredHash = file.lastHash;
    },
    async undigestedLogFiles(accountId, region, deliveredBefore) {
      return files
        .filter((f) => f.accountId === accountId && f.region === region && !f.digested && f.deliveredAt < deliveredBefore)
        .sort((a, b) => a.firstSequence - b.firstSequence)
        .map(({ digested: _d, ...f }) => ({ ...f }));
    },
    async addDigest(digest, fileKeys) {
      if (digests.some((d) => d.key === digest.key)) throw new DuplicateError(`audit digest ${digest.key}`);
      digests.push({ ...digest });
      for (const f of files) if (fileKeys.includes(f.key)) f.digested = true;
    },
    async lastDigest(accountId, region) {
      const mine = digests.filter((d) => d.accountId === accountId && d.region === region).sort((a, b) => b.endTime - a.endTime);
      return mine[0] && { ...mine[0] };
    },
    async listDigests(after) {
      return digests
        .filter((d) => d.endTime > after)
        .sort((a, b) => `${a.accountId}/${a.region}`.localeCompare(`${b.accountId}/${b.region}`) || a.endTime - b.endTime)
        .map((d) => ({ ...d }));
    },
    async putSigningKey(key) {
      if (keys.some((k) => k.fingerprint === key.fingerprint)) throw new DuplicateError(`audit signing key ${key.fingerprint}`);
      keys.push({ ...key, sealedPrivateKey: Buffer.from(key.sealedPrivateKey) });
    },
    async signingKeys() {
      return keys.map((k) => ({ ...k, sealedPrivateKey: Buffer.from(k.sealedPrivateKey) })).sort((a, b) => a.createdAt - b.createdAt);
    },
    async prune(before, limit) {
      let removed = 0;
      for (const chain of chains.values()) {
        const keep: AuditEvent[] = [];
        for (const e of chain.events) {
          if (removed < limit && e.eventTime < before && e.sequence <= chain.head.deliveredSequence) removed++;
          else keep.push(e);
        }
        chain.events = keep;
      }
      return removed;
    },
    async close() {},
  };
}
