// Re-encryption of a tenant's objects after a key change (docs/tenants.md §4), in-process over the
// real SQLite store, file blob store, key service and object store core (audit off, as in bench/kms).
//
//   rewrap: 100,000 small objects under bucket keys; objects/s, and proof that no object byte was
//           rewritten (every blob file keeps its inode, size and mtime).
//   full:   2 GiB in 64 MiB objects; MB/s of decrypt + re-encrypt + fsync'd write.
//
// Register in bench/index.ts:  import * as tenants from './tenants.js';  and in SUITES:
//   { name: 'tenants', run: tenants.run }
// or run alone: npm run build && node dist/bench/tenants.js  (BENCH_TENANT_OBJECTS, BENCH_TENANT_FULL_MIB to resize).
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { principalFromArn } from '../src/identity/registry.js';
import type { Principal } from '../src/identity/principal.js';
import { CreateKey } from '../src/kms/operations/create-key.js';
import { GetKeyPolicy } from '../src/kms/operations/get-key-policy.js';
import { PutKeyPolicy } from '../src/kms/operations/put-key-policy.js';
import { createKeyService } from '../src/kms/service.js';
import { createBucketKeyCache } from '../src/objects/bucket-keys.js';
import type { ObjectDeps } from '../src/objects/context.js';
import { createObjectKms } from '../src/objects/kms-calls.js';
import { putObject } from '../src/objects/operations/put-object.js';
import { createFsBlobStore } from '../src/store/fs/blob-store.js';
import type { BlobStore, ObjectMetaStore, ObjectRecord } from '../src/store/object-types.js';
import { keyFileRootOfTrust } from '../src/store/root-of-trust/key-file.js';
import { createSqliteStores } from '../src/store/sqlite/index.js';
import type { TenantDeps } from '../src/tenants/context.js';
import { createTenantService } from '../src/tenants/service.js';
import { providerStatement } from '../src/tenants/validate.js';
import { machine, perSecond, progress, toMarkdown, type Table } from './lib/report.js';

const OBJECTS = Number(process.env.BENCH_TENANT_OBJECTS ?? 100_000);
const FULL_MIB = Number(process.env.BENCH_TENANT_FULL_MIB ?? 2048);
const FULL_OBJECT_MIB = 64;
const SMALL = 256;
const TARGET_REWRAP = 5000;

const request = (principal: Principal) => ({
  principal,
  region: 'us-east-1',
  requestId: randomUUID(),
  sourceIp: '127.0.0.1',
  userAgent: 'bench',
  secureTransport: true,
  time: Date.now(),
});

function blobFiles(root: string): Map<string, { ino: number; size: number; mtimeMs: number }> {
  const out = new Map<string, { ino: number; size: number; mtimeMs: number }>();
  for (const a of readdirSync(root)) {
    if (!/^[0-9a-f]{2}$/.test(a)) continue;
    for (const b of readdirSync(join(root, a))) {
      for (const id of readdirSync(join(root, a, b))) {
        const s = statSync(join(root, a, b, id));
        out.set(id, { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs });
      }
    }
  }
  return out;
}

// Seeding only: blobs written straight into the store's layout without fsync, and object records
// collected and inserted in one transaction, so 100,000 objects take seconds, not minutes. The job
// under test then runs over the real drivers.
function seedingBlobs(root: string, real: BlobStore): BlobStore {
  return {
    ...real,
    async create() {
      const blobId = randomBytes(16).toString('hex');
      const chunks: Buffer[] = [];
      return {
        async append(buffers) {
          for (const b of buffers) chunks.push(Buffer.from(b));
        },
        async commit() {
          const dir = join(root, blobId.slice(0, 2), blobId.slice(2, 4));
          mkdirSync(dir, { recursive: true });
          const bytes = Buffer.concat(chunks);
          writeFileSync(join(dir, blobId), bytes, { mode: 0o600 });
          return { blobId, size: bytes.length };
        },
        async abort() {},
      };
    },
  };
}

function collectingMeta(real: ObjectMetaStore, into: ObjectRecord[]): ObjectMetaStore {
  return { ...real, putObject: async (o) => void into.push(o) };
}

function insertObjects(dbPath: string, records: ObjectRecord[]): void {
  const db = new Database(dbPath);
  try {
    // The SQLite driver's encoding: Buffers as {"$b64": base64}.
    const json = (o: ObjectRecord) =>
      JSON.stringify(o, function (_k, v: unknown) {
        if (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
          return { $b64: Buffer.from((v as { data: number[] }).data).toString('base64') };
        }
        return v;
      });
    const insert = db.prepare('INSERT OR REPLACE INTO s3_objects (bucket, key, doc) VALUES (?, ?, ?)');
    db.transaction(() => {
      for (const o of records) insert.run(o.bucket, o.key, json(o));
    })();
  } finally {
    db.close();
  }
}

async function pool(n: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await work(next++);
  }));
}

export async function run(): Promise<Table[]> {
  const dir = mkdtempSync(join(tmpdir(), 'opencmk-bench-tenants-'));
  const dbPath = join(dir, 'opencmk.db');
  const stores = createSqliteStores(dbPath);
  try {
    const root = keyFileRootOfTrust(join(dir, 'root.key'));
    const bucketKeys = createBucketKeyCache(3_600_000, Date.now);
    const kms = createKeyService({ keys: stores.keys, root, clock: Date.now, random: (n) => randomBytes(n), uuid: randomUUID, onKeyChange: (a) => bucketKeys.forgetKey(a) });
    const blobRoot = join(dir, 'blobs');
    const blobs = createFsBlobStore(blobRoot);
    const objects: ObjectDeps = { meta: stores.objects, blobs, kms: createObjectKms(kms), root, bucketKeys, clock: Date.now, random: (n) => randomBytes(n), segmentSize: 65536 };
    const provider: Principal = { ...principalFromArn('272506498303', 'arn:aws:iam::272506498303:user/storage'), accessKeyId: 'AKIABENCH00000000001' };
    const customer: Principal = { ...principalFromArn('111122223333', 'arn:aws:iam::111122223333:user/admin'), accessKeyId: 'AKIABENCH00000000002' };
    const silent = { info() {}, warn() {}, error() {} };
    const deps: TenantDeps = {
      store: stores.tenants,
      objects,
      kms,
      provider: { accountId: '272506498303', principal: provider },
      clock: Date.now,
      uuid: randomUUID,
      log: silent,
      probeIntervalMs: 3_600_000,
      reencrypt: { batchSize: 1000, maxObjectsPerSecond: 0, concurrency: 32, freeDelayMs: 0 },
    };
    const tenants = createTenantService(deps);
    const customerKey = async () => {
      const arn = ((await kms.invoke(request(customer), CreateKey, {})) as { KeyMetadata: { Arn: string } }).KeyMetadata.Arn;
      const policy = JSON.parse(((await kms.invoke(request(customer), GetKeyPolicy, { KeyId: arn, PolicyName: 'default' })) as { Policy: string }).Policy);
      policy.Statement.push(providerStatement('272506498303'));
      await kms.invoke(request(customer), PutKeyPolicy, { KeyId: arn, PolicyName: 'default', Policy: JSON.stringify(policy) });
      return arn;
    };
    const wait = async (name: string) => {
      await tenants.idle();
      const job = await tenants.job(name);
      if (job.state !== 'succeeded') throw new Error(`bench/tenants: job ${job.id} ${job.state}: ${job.error}`);
      return job;
    };

    // rewrap: 100,000 small objects under bucket keys.
    const k1 = await customerKey();
    const k2 = await customerKey();
    await tenants.create({ name: 'small', deployment: 'dedicated', region: 'us-east-1', kmsKeyArn: k1 });
    progress(`tenants: seeding ${OBJECTS} objects of ${SMALL} B`);
    let t = Date.now();
    const collected: ObjectRecord[] = [];
    const seedCtx = { deps: { ...objects, meta: collectingMeta(stores.objects, collected), blobs: seedingBlobs(blobRoot, blobs) }, caller: request(provider) };
    const body = randomBytes(SMALL);
    await pool(OBJECTS, 64, async (i) => {
      await putObject(seedCtx, { bucket: i % 2 ? 'small-sessions' : 'small-snapshots', key: `obj/${String(i).padStart(7, '0')}`, body: Readable.from([body]), headers: {}, metadata: {}, encryption: {}, checks: {} });
    });
    insertObjects(dbPath, collected);
    const seedSeconds = (Date.now() - t) / 1000;
    const before = blobFiles(blobRoot);
    await tenants.setKey({ name: 'small', kmsKeyArn: k2 });
    progress('tenants: rewrap');
    t = Date.now();
    await tenants.startReencrypt({ name: 'small', mode: 'rewrap' });
    const rewrap = await wait('small');
    const rewrapSeconds = (Date.now() - t) / 1000;
    const afterFiles = blobFiles(blobRoot);
    const changed = [...before].filter(([id, s]) => {
      const now = afterFiles.get(id);
      return !now || now.ino !== s.ino || now.size !== s.size || now.mtimeMs !== s.mtimeMs;
    }).length;
    const rewrapRate = rewrap.done.objects / rewrapSeconds;

    // full: 2 GiB in 64 MiB objects.
    await tenants.create({ name: 'bulk', deployment: 'dedicated', region: 'us-east-1', kmsKeyArn: k1 });
    const count = Math.max(1, Math.round(FULL_MIB / FULL_OBJECT_MIB));
    progress(`tenants: writing ${count} × ${FULL_OBJECT_MIB} MiB`);
    const big = randomBytes(FULL_OBJECT_MIB * 2 ** 20);
    t = Date.now();
    for (let i = 0; i < count; i++) {
      await putObject({ deps: objects, caller: request(provider) }, { bucket: 'bulk-snapshots', key: `vm/${i}.img`, body: Readable.from([big]), headers: {}, metadata: {}, encryption: {}, checks: {} });
    }
    const putMBs = (count * FULL_OBJECT_MIB * 2 ** 20) / 1e6 / ((Date.now() - t) / 1000);
    await tenants.setKey({ name: 'bulk', kmsKeyArn: k2 });
    progress('tenants: full');
    t = Date.now();
    await tenants.startReencrypt({ name: 'bulk', mode: 'full' });
    const full = await wait('bulk');
    const fullSeconds = (Date.now() - t) / 1000;
    const fullMBs = full.done.bytesRewritten / 1e6 / fullSeconds;

    const table: Table = {
      title: 'Tenant re-encryption after a key change',
      notes: [
        `In-process over the SQLite store and file blobs (fsync'd), audit off; ${machine()}.`,
        `rewrap: ${OBJECTS.toLocaleString('en')} objects of ${SMALL} B under S3 Bucket Keys (seeded in ${seedSeconds.toFixed(1)} s); full: ${count} objects of ${FULL_OBJECT_MIB} MiB (PUT at ${perSecond(putMBs)} MB/s for comparison).`,
      ],
      columns: ['mode', 'objects', 'bytes', 'seconds', 'objects/s', 'MB/s', 'KMS ReEncrypt calls', 'bytes rewritten', 'blob files changed'],
      rows: [
        ['rewrap', String(rewrap.done.objects), String(rewrap.done.bytes), rewrapSeconds.toFixed(2), perSecond(rewrapRate), '–', String(rewrap.done.reEncryptCalls), String(rewrap.done.bytesRewritten), `${changed} of ${before.size}`],
        ['full', String(full.done.objects), String(full.done.bytes), fullSeconds.toFixed(2), (full.done.objects / fullSeconds).toFixed(1), fullMBs.toFixed(0), String(full.done.reEncryptCalls), String(full.done.bytesRewritten), 'all (new blobs)'],
      ],
      verdicts: [
        `rewrap: ${perSecond(rewrapRate)} objects/s — target > ${TARGET_REWRAP}: ${rewrapRate > TARGET_REWRAP ? 'met' : 'MISSED'}.`,
        `rewrap rewrote ${rewrap.done.bytesRewritten} object bytes; ${changed} of ${before.size} blob files changed inode, size or mtime: ${changed === 0 && rewrap.done.bytesRewritten === 0 ? 'zero bytes rewritten, as required' : 'BYTES WERE REWRITTEN'}.`,
        `full: ${fullMBs.toFixed(0)} MB/s (decrypt, encrypt under a fresh data key, fsync'd write), ${((fullMBs / putMBs) * 100).toFixed(0)}% of PUT throughput.`,
      ],
    };
    return [table];
  } finally {
    await stores.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const table of await run()) process.stdout.write(toMarkdown(table) + '\n');
}
