import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { AuditChainHead, AuditDigest, AuditLogFile, AuditStore } from '../store/types.js';
import { GENESIS_HASH } from './chain.js';
import { digestKey, digestStringToSign, isoSeconds, logFileKey, logFileText, sha256Hex, type DigestDocument } from './files.js';
import { SIGNATURE_ALGORITHM, type AuditSigner } from './signing-key.js';
import type { DeliveryTarget } from './target.js';

const gzip = promisify(gzipCallback);

export interface DeliveryDeps {
  store: AuditStore;
  target: DeliveryTarget;
  signer: AuditSigner;
  /** Epoch ms. */
  clock: () => number;
  /** The deployment's region: CloudTrail's trail home region in digest names. */
  homeRegion: string;
  /** Digest windows: [k·period, (k+1)·period), CloudTrail's hour by default. */
  digestPeriodMs: number;
  /** At most this many records per log file (default 10,000). */
  maxRecordsPerFile?: number;
}

export interface Delivery {
  /** Writes every undelivered record into log files; returns how many files. */
  deliverLogs(): Promise<number>;
  /**
   * Writes the digest of every window that has ended, each listing the log files delivered in it
   * (none: an empty digest still proves nothing was delivered). `final` also closes the current
   * window now, as CloudTrail does when logging stops. Returns how many digests.
   */
  deliverDigests(options?: { final?: boolean }): Promise<number>;
}

const chainId = (h: { accountId: string; region: string }) => `${h.accountId}/${h.region}`;

/** Log file and digest delivery (docs/audit.md §4). One caller at a time: the trail's tick serialises it. */
export function createDelivery(deps: DeliveryDeps): Delivery {
  const max = deps.maxRecordsPerFile ?? 10_000;
  const period = deps.digestPeriodMs;

  async function deliverChain(head: AuditChainHead): Promise<number> {
    let delivered = head.deliveredSequence;
    let deliveredHash = head.deliveredHash;
    let files = 0;
    while (delivered < head.sequence) {
      const events = await deps.store.range(head.accountId, head.region, delivered, max);
      if (events.length === 0) break;
      const first = events[0]!;
      const last = events[events.length - 1]!;
      const text = logFileText(events.map((e) => e.text));
      // Positions come from the chain, not from what is found: a record missing from the store
      // shows up as a gap inside this file, which the validator reports.
      const file: AuditLogFile = {
        accountId: head.accountId,
        region: head.region,
        key: logFileKey(head.accountId, head.region, first.eventTime, delivered + 1),
        hashValue: sha256Hex(text),
        firstSequence: delivered + 1,
        lastSequence: last.sequence,
        previousHash: deliveredHash,
        lastHash: last.hash,
        oldestEventTime: events.reduce((t, e) => Math.min(t, e.eventTime), Infinity),
        newestEventTime: events.reduce((t, e) => Math.max(t, e.eventTime), -Infinity),
        deliveredAt: deps.clock(),
      };
      await deps.target.put(file.key, await gzip(text));
      await deps.store.addLogFile(file);
      delivered = file.lastSequence;
      deliveredHash = file.lastHash;
      files++;
    }
    return files;
  }

  const nextBoundary = (t: number) => (Math.floor(t / period) + 1) * period;

  async function digestChain(head: AuditChainHead, final: boolean): Promise<number> {
    let previous: AuditDigest | undefined = await deps.store.lastDigest(head.accountId, head.region);
    let start = previous?.endTime ?? Math.floor((head.createdAt * 1000) / period) * period;
    let count = 0;
    for (;;) {
      const now = deps.clock();
      const boundary = nextBoundary(start);
      let end: number;
      if (boundary <= now) end = boundary;
      else if (final) end = Math.min(boundary, Math.floor(now / 1000) * 1000 + 1000);
      else break;
      if (end <= start) break;
      previous = await writeDigest(head, start, end, previous);
      count++;
      start = end;
      if (end > now) break;
    }
    return count;
  }

  async function writeDigest(head: AuditChainHead, start: number, end: number, previous: AuditDigest | undefined): Promise<AuditDigest> {
    const files = await deps.store.undigestedLogFiles(head.accountId, head.region, end);
    const key = digestKey(head.accountId, head.region, deps.homeRegion, end);
    const lastFile = files[files.length - 1];
    const chain = lastFile
      ? { sequence: lastFile.lastSequence, hash: lastFile.lastHash }
      : { sequence: previous?.chainSequence ?? 0, hash: previous?.chainHash ?? GENESIS_HASH };
    const doc: DigestDocument = {
      awsAccountId: head.accountId,
      digestStartTime: isoSeconds(start),
      digestEndTime: isoSeconds(end),
      digestS3Bucket: deps.target.bucket,
      digestS3Object: key,
      digestPublicKeyFingerprint: deps.signer.fingerprint,
      digestSignatureAlgorithm: SIGNATURE_ALGORITHM,
      newestEventTime: files.length > 0 ? isoSeconds(files.reduce((t, f) => Math.max(t, f.newestEventTime), -Infinity) * 1000) : null,
      oldestEventTime: files.length > 0 ? isoSeconds(files.reduce((t, f) => Math.min(t, f.oldestEventTime), Infinity) * 1000) : null,
      previousDigestS3Bucket: previous ? deps.target.bucket : null,
      previousDigestS3Object: previous?.key ?? null,
      previousDigestHashValue: previous?.hashValue ?? null,
      previousDigestHashAlgorithm: previous ? 'SHA-256' : null,
      previousDigestSignature: previous?.signature ?? null,
      logFiles: files.map((f) => ({
        s3Bucket: deps.target.bucket,
        s3Object: f.key,
        hashValue: f.hashValue,
        hashAlgorithm: 'SHA-256',
        newestEventTime: isoSeconds(f.newestEventTime * 1000),
        oldestEventTime: isoSeconds(f.oldestEventTime * 1000),
        opencmkChain: { firstSequence: f.firstSequence, lastSequence: f.lastSequence, previousHash: f.previousHash, lastHash: f.lastHash },
      })),
      opencmkChain: chain,
    };
    const text = JSON.stringify(doc);
    const hashValue = sha256Hex(text);
    const signature = deps.signer.sign(digestStringToSign(doc, hashValue));
    await deps.target.put(key, await gzip(text), { signature, 'signature-algorithm': SIGNATURE_ALGORITHM });
    const digest: AuditDigest = {
      accountId: head.accountId,
      region: head.region,
      key,
      startTime: start,
      endTime: end,
      hashValue,
      signature,
      chainSequence: chain.sequence,
      chainHash: chain.hash,
    };
    await deps.store.addDigest(digest, files.map((f) => f.key));
    return digest;
  }

  return {
    async deliverLogs() {
      let files = 0;
      for (const head of await deps.store.heads()) files += await deliverChain(head);
      return files;
    },
    async deliverDigests(options = {}) {
      let count = 0;
      const heads = (await deps.store.heads()).sort((a, b) => chainId(a).localeCompare(chainId(b)));
      for (const head of heads) count += await digestChain(head, options.final ?? false);
      return count;
    },
  };
}
