import { createHash } from 'node:crypto';
import { writeEncrypted } from '../objects/body.js';
import type { ObjectContext } from '../objects/context.js';
import { openChecksum, sealChecksum, streamContext } from '../objects/object-keys.js';
import { bucketArn, newDataKey, objectArn, openDataKey } from '../objects/sse.js';
import { readObject } from '../objects/read.js';
import type { ObjectPart, ObjectRecord } from '../store/object-types.js';
import type { JobCounters, ReencryptJob, ReencryptMode, TenantRecord } from '../store/tenant-types.js';
import { providerObjects, type TenantDeps } from './context.js';
import { usageOf } from './usage.js';

/**
 * Re-encryption of every object of a tenant under its current key (docs/tenants.md §4).
 *
 * - `rewrap`: KMS ReEncrypt of each object's wrapped data key (or, for bucket-key objects, of each
 *   distinct wrapped bucket key once); no object byte is read or written.
 * - `full`: each object's bytes are decrypted and encrypted again under a fresh data key from the
 *   new key, into new blobs; the metadata is swapped and the old blobs freed.
 *
 * The job is a cursor over the tenant's buckets in key order, saved after every batch, so it resumes
 * after a crash; objects done before the crash are found already under the target key and skipped.
 * Each object's record is replaced only if it is unchanged since it was read (compare-and-swap on the
 * ETag), so a client's concurrent write always wins.
 */

export const emptyCounters = (): JobCounters => ({ objects: 0, bytes: 0, reencrypted: 0, bytesRewritten: 0, reEncryptCalls: 0, changedMeanwhile: 0, skipped: 0 });

const blobHash = (blob: Buffer) => createHash('sha256').update(blob).digest('base64');

/** Runs `work` over `items` with at most `limit` in flight; results in order. */
async function pool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  });
  await Promise.all(runners);
  return out;
}

interface JobRun {
  job: ReencryptJob;
  tenant: TenantRecord;
  ctx: () => ObjectContext;
  /** In-flight re-wraps of bucket keys, by old blob hash: concurrent objects share one ReEncrypt. */
  pendingBucketKeys: Map<string, Promise<Buffer>>;
  /** Old blobs of fully re-encrypted objects, freed after the grace period. */
  toFree: { blobIds: string[]; at: number }[];
}

/** What needs doing to one object, or why nothing does. */
type Plan = { kind: 'skip' | 'done' } | { kind: 'change'; record: ObjectRecord; newBlobs?: string[]; oldBlobs?: string[] };

function needsWork(run: JobRun, o: ObjectRecord): boolean {
  return o.encryption.algorithm === 'aws:kms' && o.encryption.kmsKeyArn !== run.job.targetKeyArn;
}

async function rewrapBucketKey(deps: TenantDeps, run: JobRun, o: ObjectRecord): Promise<Buffer> {
  const hash = blobHash(o.encryption.wrappedKey);
  const known = run.job.bucketKeys[hash];
  if (known) return Buffer.from(known, 'base64');
  let pending = run.pendingBucketKeys.get(hash);
  if (!pending) {
    const context = { ...(o.encryption.context ?? {}), 'aws:s3:arn': bucketArn(o.bucket) };
    pending = deps.objects.kms.reEncrypt(run.ctx().caller, o.encryption.wrappedKey, context, run.job.targetKeyArn, context).then(({ blob }) => {
      run.job.bucketKeys[hash] = blob.toString('base64');
      run.job.done.reEncryptCalls++;
      return blob;
    });
    run.pendingBucketKeys.set(hash, pending);
    pending.catch(() => run.pendingBucketKeys.delete(hash));
  }
  return pending;
}

async function planRewrap(deps: TenantDeps, run: JobRun, o: ObjectRecord): Promise<Plan> {
  if (o.encryption.algorithm !== 'aws:kms') return { kind: 'skip' };
  if (!needsWork(run, o)) return { kind: 'done' };
  let wrappedKey: Buffer;
  if (o.encryption.bucketKeyEnabled) wrappedKey = await rewrapBucketKey(deps, run, o);
  else {
    const context = { ...(o.encryption.context ?? {}), 'aws:s3:arn': objectArn(o.bucket, o.key) };
    wrappedKey = (await deps.objects.kms.reEncrypt(run.ctx().caller, o.encryption.wrappedKey, context, run.job.targetKeyArn, context)).blob;
    run.job.done.reEncryptCalls++;
  }
  return { kind: 'change', record: { ...o, encryption: { ...o.encryption, kmsKeyArn: run.job.targetKeyArn, wrappedKey } } };
}

async function planFull(deps: TenantDeps, run: JobRun, o: ObjectRecord): Promise<Plan> {
  if (o.encryption.algorithm !== 'aws:kms') return { kind: 'skip' };
  if (!needsWork(run, o)) return { kind: 'done' };
  const ctx = run.ctx();
  const oldKey = await openDataKey(ctx, o.bucket, o.key, o.encryption);
  const fresh = await newDataKey(ctx, o.bucket, o.key, {
    algorithm: 'aws:kms',
    kmsKeyId: run.job.targetKeyArn,
    bucketKeyEnabled: o.encryption.bucketKeyEnabled,
    ...(o.encryption.context ? { context: o.encryption.context } : {}),
  });
  const written: string[] = [];
  try {
    const parts: ObjectPart[] = [];
    for (const part of o.parts) {
      // The part's plaintext, read and written the way GET and PUT do, never whole in memory.
      const plaintext = readObject(ctx, { ...o, size: part.size, parts: [part] }, oldKey);
      const context = streamContext(o.bucket, o.key, part.partNumber);
      const { blobId } = await writeEncrypted(ctx, plaintext, fresh.dataKey, context, { declaredLength: part.size }, o.segmentSize);
      written.push(blobId);
      parts.push({ ...part, blobId });
    }
    const where = `${o.bucket}/${o.key}`;
    const checksum = o.checksum
      ? { ...o.checksum, sealed: sealChecksum(fresh.dataKey, openChecksum(oldKey, o.checksum.sealed, where), where, deps.objects.random(12)) }
      : undefined;
    return {
      kind: 'change',
      record: { ...o, encryption: fresh.encryption, parts, ...(checksum ? { checksum } : {}) },
      newBlobs: written,
      oldBlobs: o.parts.map((p) => p.blobId),
    };
  } catch (e) {
    for (const id of written) await deps.objects.blobs.delete(id).catch(() => undefined);
    throw e;
  } finally {
    oldKey.fill(0);
    fresh.dataKey.fill(0);
  }
}

async function freeDue(deps: TenantDeps, run: JobRun): Promise<void> {
  const now = deps.clock();
  const due = run.toFree.filter((f) => f.at <= now);
  run.toFree = run.toFree.filter((f) => !due.includes(f));
  for (const f of due) for (const id of f.blobIds) await deps.objects.blobs.delete(id).catch(() => undefined);
}

// When the job ends, the last old blobs still get their grace period; if the process stops first,
// they are orphans that the start-up sweep removes (no record refers to them any more).
function freeLater(deps: TenantDeps, run: JobRun): void {
  const rest = run.toFree;
  run.toFree = [];
  if (rest.length === 0) return;
  const wait = Math.max(0, Math.max(...rest.map((f) => f.at)) - deps.clock());
  const free = () => {
    for (const f of rest) for (const id of f.blobIds) deps.objects.blobs.delete(id).catch(() => undefined);
  };
  if (wait === 0) free();
  else setTimeout(free, wait).unref();
}

/** One batch: plan every object, then swap the changed ones in one transaction. */
async function runBatch(deps: TenantDeps, run: JobRun, items: ObjectRecord[]): Promise<void> {
  const { job } = run;
  const plan = job.mode === 'rewrap' ? planRewrap : planFull;
  const concurrency = job.mode === 'rewrap' ? deps.reencrypt.concurrency : Math.max(1, Math.min(4, deps.reencrypt.concurrency));
  const plans = await pool(items, concurrency, (o) => plan(deps, run, o));
  const changes = plans.flatMap((p, i) => (p.kind === 'change' ? [{ expectedEtag: items[i]!.etag, record: p.record, plan: p }] : []));
  const swapped = changes.length > 0 ? await deps.objects.meta.replaceObjectsIf(changes) : [];
  for (let i = 0; i < changes.length; i++) {
    const { plan: p, record } = changes[i]!;
    if (swapped[i]) {
      job.done.reencrypted++;
      if (p.kind === 'change' && p.newBlobs) job.done.bytesRewritten += record.size;
      if (p.kind === 'change' && p.oldBlobs) run.toFree.push({ blobIds: p.oldBlobs, at: deps.clock() + deps.reencrypt.freeDelayMs });
    } else {
      // A client wrote or deleted the object meanwhile: its new version is theirs, ours is dropped.
      job.done.changedMeanwhile++;
      if (p.kind === 'change' && p.newBlobs) for (const id of p.newBlobs) await deps.objects.blobs.delete(id).catch(() => undefined);
    }
  }
  for (let i = 0; i < items.length; i++) {
    job.done.objects++;
    job.done.bytes += items[i]!.size;
    if (plans[i]!.kind === 'skip') job.done.skipped++;
  }
  await freeDue(deps, run);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface JobHandle {
  /** Asks the job to stop at the next batch boundary (its state stays `running`, to resume). */
  stop(): void;
  done: Promise<void>;
}

/**
 * Runs (or resumes) a job until it is finished, fails, or is asked to stop. Every batch ends with
 * the cursor and counters saved, so a crash loses at most one batch of progress.
 */
export function runReencryptJob(deps: TenantDeps, initial: ReencryptJob): JobHandle {
  let stopping = false;
  const done = (async () => {
    const job: ReencryptJob = { ...initial, run: { startedAt: deps.clock(), objects: initial.done.objects, bytes: initial.done.bytes } };
    const tenant = await deps.store.getTenant(job.tenant);
    const save = async () => {
      job.updatedAt = deps.clock();
      await deps.store.updateJob(job);
    };
    if (!tenant) {
      Object.assign(job, { state: 'failed', error: `tenant ${job.tenant} no longer exists`, finishedAt: deps.clock() });
      await save();
      return;
    }
    const run: JobRun = { job, tenant, ctx: () => providerObjects(deps, tenant.region), pendingBucketKeys: new Map(), toFree: [] };
    const limit = deps.reencrypt.maxObjectsPerSecond;
    // With a throttle, batches are small enough that progress moves a few times a second.
    const batchSize = limit > 0 ? Math.max(1, Math.min(deps.reencrypt.batchSize, Math.ceil(limit / 4))) : deps.reencrypt.batchSize;
    const started = deps.clock();
    let processed = 0;
    await save();
    try {
      while (job.cursor.bucket < tenant.buckets.length && !stopping) {
        const bucket = tenant.buckets[job.cursor.bucket]!;
        const page = await deps.objects.meta.listObjects(bucket, '', job.cursor.after, batchSize);
        if (page.items.length > 0) await runBatch(deps, run, page.items);
        processed += page.items.length;
        if (page.next) job.cursor = { bucket: job.cursor.bucket, after: page.next };
        else {
          job.cursor = { bucket: job.cursor.bucket + 1 };
          // Bucket keys are bound to their bucket (aws:s3:arn), so the next bucket needs none of these.
          job.bucketKeys = {};
        }
        await save();
        if (limit > 0) {
          const ahead = (processed / limit) * 1000 - (deps.clock() - started);
          if (ahead > 0) await sleep(ahead);
        }
      }
      freeLater(deps, run);
      if (stopping) return;
      const usage = await usageOf(deps.objects.meta, tenant.buckets);
      job.remaining = usage.byKey.filter((u) => u.keyArn !== job.targetKeyArn && u.keyArn !== 'AES256');
      job.state = 'succeeded';
      job.finishedAt = deps.clock();
      await save();
      deps.log.info({ tenant: job.tenant, jobId: job.id, mode: job.mode, done: job.done, remaining: job.remaining }, 're-encryption finished');
    } catch (e) {
      freeLater(deps, run);
      job.state = 'failed';
      job.error = (e as Error).message ?? String(e);
      job.finishedAt = deps.clock();
      await save();
      deps.log.error({ tenant: job.tenant, jobId: job.id, err: e }, 're-encryption failed');
    }
  })();
  return {
    stop() {
      stopping = true;
    },
    done,
  };
}

/** A new job record for a tenant, starting at the first object of its first bucket. */
export async function newJob(deps: TenantDeps, tenant: TenantRecord, mode: ReencryptMode): Promise<ReencryptJob> {
  const usage = await usageOf(deps.objects.meta, tenant.buckets);
  const now = deps.clock();
  return {
    id: deps.uuid(),
    tenant: tenant.name,
    mode,
    targetKeyArn: tenant.keyArn,
    state: 'running',
    createdAt: now,
    updatedAt: now,
    cursor: { bucket: 0 },
    total: { objects: usage.byKey.reduce((n, u) => n + u.objects, 0), bytes: usage.byKey.reduce((n, u) => n + u.bytes, 0) },
    done: emptyCounters(),
    bucketKeys: {},
  };
}
