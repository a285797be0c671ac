import type { KmsCallRecord, KmsServiceEvent } from '../kms/audit-record.js';
import type { AuditStore, RootOfTrust } from '../store/types.js';
import { createDelivery, type Delivery } from './delivery.js';
import { apiCallFromKms, KMS_EVENT_SOURCE } from './kms-call.js';
import { listPublicKeys, type ListPublicKeysOutput } from './operations/list-public-keys.js';
import { lookupEvents, type LookupCaller, type LookupEventsOutput } from './operations/lookup-events.js';
import { buildRecords, buildServiceEventRecord, KMS_KEY_TYPE, type ApiCall } from './record.js';
import { loadSigningKey } from './signing-key.js';
import type { DeliveryTarget } from './target.js';
import { createAuditWriter, type AuditWriter } from './writer.js';

export interface AuditLog {
  info(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface AuditTrailDeps {
  store: AuditStore;
  root: RootOfTrust;
  /** Epoch ms. */
  clock: () => number;
  uuid: () => string;
  /** The deployment's region (the trail's home region in digest names). */
  homeRegion: string;
  target: DeliveryTarget;
  /** Core error code → the AWS error type the client was sent (the KMS wire table's). */
  errorType: (code: string) => string;
  deliveryIntervalMs: number;
  digestPeriodMs: number;
  retentionMs: number;
  log?: AuditLog;
}

export interface AuditTrail {
  /** The key service's `deps.audit`: resolves once the call's records are durable. */
  recordKmsCall(call: KmsCallRecord): Promise<void>;
  /** The same for any service's call (the object store's, later). */
  recordCall(call: ApiCall): Promise<void>;
  /** The key service's own actions: scheduled rotation and deletion (AwsServiceEvent). */
  recordKmsServiceEvent(event: KmsServiceEvent): Promise<void>;
  lookupEvents(caller: LookupCaller, input: unknown): Promise<LookupEventsOutput>;
  listPublicKeys(): Promise<ListPublicKeysOutput>;
  /** The digest signing key's public half (PEM), for `GET /v1/audit/public-key`. */
  publicKeyPem: string;
  /** One round of delivery: log files, due digests, pruning. `final` also closes the current digest window. */
  tick(options?: { final?: boolean }): Promise<void>;
  /** Starts periodic delivery. */
  start(): void;
  /** Stops it after a last round that delivers everything and closes the digest window. */
  stop(): Promise<void>;
  writer: AuditWriter;
}

const PRUNE_BATCH = 10_000;

/** The audit trail (DESIGN.md §2 `audit`): records, group-committed writes, lookup, delivery. */
export async function createAuditTrail(deps: AuditTrailDeps): Promise<AuditTrail> {
  const signer = await loadSigningKey(deps.store, deps.root, deps.clock);
  const writer = createAuditWriter(deps.store);
  const delivery: Delivery = createDelivery({
    store: deps.store,
    target: deps.target,
    signer,
    clock: deps.clock,
    homeRegion: deps.homeRegion,
    digestPeriodMs: deps.digestPeriodMs,
  });

  let running: Promise<void> = Promise.resolve();
  // Rounds never overlap: each waits for the one before.
  function tick(options: { final?: boolean } = {}): Promise<void> {
    const round = running.then(async () => {
      // Only committed records are read, so a round need not wait for writes in flight.
      const files = await delivery.deliverLogs();
      const digests = await delivery.deliverDigests(options);
      let pruned = 0;
      const before = Math.floor((deps.clock() - deps.retentionMs) / 1000);
      for (let n = PRUNE_BATCH; n === PRUNE_BATCH; pruned += n) n = await deps.store.prune(before, PRUNE_BATCH);
      if (files + digests + pruned > 0) deps.log?.info({ files, digests, pruned }, 'audit delivery');
    });
    running = round.catch(() => {});
    return round;
  }

  let timer: NodeJS.Timeout | undefined;
  let stopped = true;
  const every = Math.min(deps.deliveryIntervalMs, deps.digestPeriodMs);
  const schedule = () => {
    timer = setTimeout(() => {
      tick().then(
        () => {},
        (e) => deps.log?.error({ err: e }, 'audit delivery failed'),
      ).finally(() => {
        if (!stopped) schedule();
      });
    }, every);
    timer.unref();
  };

  return {
    recordKmsCall: (call) => writer.write(buildRecords(apiCallFromKms(call, deps.errorType), deps.uuid)),
    recordCall: (call) => writer.write(buildRecords(call, deps.uuid)),
    recordKmsServiceEvent: (event) =>
      writer.write([
        buildServiceEventRecord(
          {
            eventSource: KMS_EVENT_SOURCE,
            eventName: event.eventName,
            eventTime: event.eventTime,
            region: event.key.region,
            resource: { arn: event.key.arn, accountId: event.key.accountId, type: KMS_KEY_TYPE },
            additionalEventData: { keyId: event.key.arn },
          },
          deps.uuid,
        ),
      ]),
    lookupEvents: (caller, input) => lookupEvents({ store: deps.store, clock: deps.clock, retentionMs: deps.retentionMs }, caller, input),
    listPublicKeys: () => listPublicKeys(deps.store, deps.clock),
    publicKeyPem: signer.publicKeyPem,
    tick,
    start() {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await writer.drain();
      await tick({ final: true });
    },
    writer,
  };
}
