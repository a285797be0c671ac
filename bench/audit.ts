// The audit suite: what auditing costs KMS Encrypt (same run, audited vs not), and how fast
// `audit validate` checks a trail of 1,000,000 records. Run alone: `node dist/bench/audit.js`.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createDelivery } from '../src/audit/delivery.js';
import { localDirTarget } from '../src/audit/local-dir-target.js';
import { buildRecords, type ApiCall } from '../src/audit/record.js';
import { loadSigningKey } from '../src/audit/signing-key.js';
import { validateTrail } from '../src/audit/validate.js';
import { keyFileRootOfTrust } from '../src/store/root-of-trust/key-file.js';
import { createSqliteAuditStore } from '../src/store/sqlite/audit.js';
import { kmsCall } from './lib/kms-client.js';
import { runLoad, type LoadResult } from './lib/load.js';
import { machine, ms, percent, perSecond, progress, toMarkdown, type Table } from './lib/report.js';
import { BENCH_CREDENTIALS, startOpencmk, type Target } from './lib/servers.js';
import { kmsSigner } from './lib/sign.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_AUDIT_ROUNDS ?? 5);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 1);
const CONCURRENCY = [1, 16, 64, 256] as const;
const RECORDS = Number(process.env.BENCH_AUDIT_RECORDS ?? 1_000_000);
// The targets.
const MAX_COST = 0.1;
const MIN_VALIDATE_RPS = 100_000;

const BIN = resolve(import.meta.dirname, '../../bin/opencmk.js');

/** `opencmk serve` with auditing on or off (`audit.enabled`, bench and tests only), on a fresh data dir. */
const startServer = (audit: boolean): Promise<Target> => startOpencmk([], { audit: { enabled: audit } });

interface CostCell {
  concurrency: number;
  on: LoadResult;
  off: LoadResult;
  spread: { on: string; off: string };
}

/** The round with the median req/s. */
function median(results: LoadResult[]): LoadResult {
  return [...results].sort((a, b) => a.rps - b.rps)[Math.floor(results.length / 2)]!;
}
const spread = (results: LoadResult[]) => `${perSecond(Math.min(...results.map((r) => r.rps)))}–${perSecond(Math.max(...results.map((r) => r.rps)))}`;

/** Encrypt against both servers, alternating per concurrency so drift hits both alike. */
async function auditCost(): Promise<CostCell[]> {
  const on = await startServer(true);
  const off = await startServer(false);
  try {
    const bodies = new Map<Target, string>();
    for (const target of [on, off]) {
      const sign = kmsSigner(target.url, BENCH_CREDENTIALS);
      const key = await kmsCall(target.url, sign, 'CreateKey', {});
      const body = JSON.stringify({ KeyId: (key.KeyMetadata as { KeyId: string }).KeyId, Plaintext: randomBytes(32).toString('base64') });
      await kmsCall(target.url, sign, 'Encrypt', JSON.parse(body));
      bodies.set(target, body);
    }
    // One request signed per cell and sent again and again (SigV4 signatures stay valid for
    // minutes): the generator then costs little CPU, so the server, not the generator, is what
    // saturates, and the comparison measures the server's cost of auditing.
    const load = async (target: Target, concurrency: number) => {
      const signed = await kmsSigner(target.url, BENCH_CREDENTIALS)('Encrypt', bodies.get(target)!);
      return runLoad({ url: target.url, concurrency, warmupMs: WARMUP_SECONDS * 1000, durationMs: SECONDS * 1000, next: async () => signed, serverPid: target.pid });
    };
    const cells: CostCell[] = [];
    for (const concurrency of CONCURRENCY) {
      // Several short rounds, alternating which goes first, and the median of each: a shared
      // machine's noise then hits both sides alike instead of deciding the comparison.
      const audited: LoadResult[] = [];
      const plain: LoadResult[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        if (round % 2 === 0) {
          audited.push(await load(on, concurrency));
          plain.push(await load(off, concurrency));
        } else {
          plain.push(await load(off, concurrency));
          audited.push(await load(on, concurrency));
        }
      }
      const a = median(audited);
      const b = median(plain);
      progress(`audit cost c=${concurrency}: audited ${perSecond(a.rps)} req/s, not audited ${perSecond(b.rps)} req/s (medians of ${ROUNDS})`);
      cells.push({ concurrency, on: a, off: b, spread: { on: spread(audited), off: spread(plain) } });
    }
    return cells;
  } finally {
    await on.stop();
    await off.stop();
  }
}

function costTable(cells: CostCell[]): Table {
  const rows: string[][] = [];
  let worst = { cost: -Infinity, concurrency: 0 };
  const errors: string[] = [];
  for (const { concurrency, on, off, spread: range } of cells) {
    const cost = 1 - on.rps / off.rps;
    if (cost > worst.cost) worst = { cost, concurrency };
    rows.push([String(concurrency), perSecond(off.rps), perSecond(on.rps), percent(cost), range.off, range.on, ms(off.p50Ms), ms(on.p50Ms), ms(off.p99Ms), ms(on.p99Ms), percent(off.serverCpu), percent(on.serverCpu), percent(on.clientCpu)]);
    for (const [name, r] of [['audited', on], ['not audited', off]] as const) {
      if (r.errors > 0) errors.push(`Errors: ${name} c=${concurrency}: ${r.errors}; first: ${r.firstError ?? '?'}`);
    }
  }
  return {
    title: 'Audit: cost of auditing KMS Encrypt (same run)',
    notes: [
      `Machine: ${machine()}.`,
      `Two \`opencmk serve\` processes, one with \`audit.enabled: true\` (the default: every call's record durable in audit.db before the answer, ` +
        'group commit in a writer thread, synchronous=FULL) and one with `audit.enabled: false` (bench and tests only); ' +
        `measured in ${ROUNDS} alternating rounds per concurrency (${WARMUP_SECONDS} s warm-up, ${SECONDS} s measured each), median round shown with the range of all rounds; ` +
        '32-byte plaintexts; one SigV4-signed request per cell, replayed, so that the generator stays light and the server saturates.',
    ],
    columns: ['concurrency', 'req/s not audited', 'req/s audited', 'cost', 'range off', 'range on', 'p50 ms off', 'p50 ms on', 'p99 ms off', 'p99 ms on', 'server CPU off', 'server CPU on', 'generator CPU'],
    rows,
    verdicts: [
      `Target cost ≤ ${MAX_COST * 100}%: ${worst.cost <= MAX_COST ? '**met**' : '**missed**'} (highest ${percent(worst.cost)}, at concurrency ${worst.concurrency}).`,
      'At concurrency 1 every request waits for its own fsync, so the cost there is the disk\'s commit latency; with more requests in flight they share commits.',
      ...errors,
    ],
  };
}

interface ValidateRun {
  records: number;
  files: number;
  digests: number;
  compressedBytes: number;
  generateSeconds: number;
  deliverSeconds: number;
  validateSeconds: number;
  cliSeconds: number;
  ok: boolean;
}

function duSize(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) total += statSync(join(e.parentPath, e.name)).size;
  }
  return total;
}

/**
 * A trail of RECORDS records written straight through the store and delivery code (not over HTTP):
 * provider calls on a customer's key, so each call is two records (one per account), over 10 hours
 * of hourly digests; then `validateTrail` over the delivered files, and the CLI on the same files.
 */
async function validateThroughput(): Promise<ValidateRun> {
  const dir = mkdtempSync(join(tmpdir(), 'opencmk-bench-validate-'));
  try {
    const store = createSqliteAuditStore(join(dir, 'audit.db'), { writerThread: false });
    const root = keyFileRootOfTrust(join(dir, 'root.key'));
    const start = Date.UTC(2026, 0, 1);
    const span = 10 * 3_600_000;
    let now = start;
    const clock = () => now;
    const signer = await loadSigningKey(store, root, clock);
    const target = localDirTarget(join(dir, 'audit'));
    const delivery = createDelivery({ store, target, signer, clock, homeRegion: 'us-east-1', digestPeriodMs: 3_600_000 });
    const customer = '111122223333';
    const provider = '272506498303';
    const keyArn = `arn:aws:kms:us-east-1:${customer}:key/${randomUUID()}`;
    const calls = Math.ceil(RECORDS / 2);
    const call = (i: number): ApiCall => ({
      eventSource: 'kms.amazonaws.com',
      eventName: i % 2 ? 'Decrypt' : 'Encrypt',
      eventTime: start + Math.floor((i / calls) * span),
      readOnly: true,
      region: 'us-east-1',
      requestId: randomUUID(),
      principal: { accountId: provider, arn: `arn:aws:iam::${provider}:user/storage`, accessKeyId: 'AKIAPROVIDER0000001', userName: 'storage', principalId: 'AIDAQBHILNDDO4UGPHMDE' },
      sourceIp: '10.0.12.34',
      userAgent: 'aws-sdk-js/3.1164.0 ua/2.1 os/linux#6.1 lang/js md/nodejs#20.20.2 api/kms#3.1164.0 m/E',
      requestParameters: { keyId: keyArn, encryptionAlgorithm: 'SYMMETRIC_DEFAULT', encryptionContext: { 'aws:s3:arn': `arn:aws:s3:::tenant-acme/sessions/${i}` } },
      responseElements: null,
      resources: [{ arn: keyArn, accountId: customer, type: 'AWS::KMS::Key' }],
    });
    progress(`audit validate: generating ${RECORDS} records (${calls} cross-account calls)`);
    let t = performance.now();
    const BATCH = 5000;
    let nextHour = start + 3_600_000;
    let deliverSeconds = 0;
    for (let i = 0; i < calls; i += BATCH) {
      const events = [];
      for (let j = i; j < Math.min(calls, i + BATCH); j++) events.push(...buildRecords(call(j), randomUUID));
      await store.append(events);
      now = call(Math.min(calls, i + BATCH) - 1).eventTime + 1000;
      // Deliver as the server would: files as time passes, a digest each hour.
      if (now >= nextHour || i + BATCH >= calls) {
        const d0 = performance.now();
        await delivery.deliverLogs();
        await delivery.deliverDigests();
        deliverSeconds += (performance.now() - d0) / 1000;
        nextHour += 3_600_000;
      }
    }
    now = start + span + 3_600_000;
    let d0 = performance.now();
    await delivery.deliverLogs();
    await delivery.deliverDigests({ final: true });
    deliverSeconds += (performance.now() - d0) / 1000;
    const generateSeconds = (performance.now() - t) / 1000 - deliverSeconds;
    const digests = (await store.listDigests(0)).length;
    const publicKeys = new Map([[signer.fingerprint, signer.publicKeyPem]]);
    await store.close();

    const logDir = join(dir, 'audit', 'AWSLogs');
    const files = readdirSync(logDir, { recursive: true }).filter((p) => String(p).includes('/CloudTrail/') && String(p).endsWith('.json.gz')).length;
    const compressedBytes = duSize(logDir);
    progress(`audit validate: ${files} log files, ${digests} digests, ${(compressedBytes / 1e6).toFixed(0)} MB gzipped; validating`);
    t = performance.now();
    const result = await validateTrail({ reader: target, publicKeys, startTime: start - 1, endTime: now });
    const validateSeconds = (performance.now() - t) / 1000;
    const records = result.chains.reduce((n, c) => n + c.records.valid + c.records.invalid, 0);
    progress(`audit validate: ${records} records in ${validateSeconds.toFixed(2)} s (${perSecond(records / validateSeconds)} records/s), ok=${result.ok}`);
    // The CLI, end to end, on the same files (public key from the audit database).
    d0 = performance.now();
    const cli = await new Promise<number>((done) => {
      const child = spawn(process.execPath, [BIN, 'audit', 'validate', '--start-time', new Date(start - 1).toISOString(), '--end-time', new Date(now).toISOString(), '--data-dir', dir], { stdio: 'ignore' });
      child.once('exit', (code) => done(code ?? 2));
    });
    const cliSeconds = (performance.now() - d0) / 1000;
    progress(`audit validate CLI: exit ${cli} in ${cliSeconds.toFixed(2)} s`);
    return { records, files, digests, compressedBytes, generateSeconds, deliverSeconds, validateSeconds, cliSeconds, ok: result.ok && cli === 0 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function validateTable(run: ValidateRun): Table {
  const rps = run.records / run.validateSeconds;
  return {
    title: `Audit: \`audit validate\` over ${run.records.toLocaleString('en-US')} records`,
    notes: [
      `Machine: ${machine()}.`,
      `Trail written through the SQLite audit store and the delivery code (no HTTP): cross-account KMS calls, two records each, ` +
        `over 10 hours, hourly signed digests, log files of ≤ 10,000 records. Validation checks every digest signature and link, ` +
        'every log file\'s SHA-256 over its decompressed bytes, and every record\'s chain hash, within and across files.',
    ],
    columns: ['records', 'log files', 'digests', 'gzipped MB', 'generate s', 'deliver s', 'validate s', 'records/s', 'CLI s (end to end)', 'result'],
    rows: [[
      String(run.records),
      String(run.files),
      String(run.digests),
      (run.compressedBytes / 1e6).toFixed(1),
      run.generateSeconds.toFixed(1),
      run.deliverSeconds.toFixed(1),
      run.validateSeconds.toFixed(2),
      perSecond(rps),
      run.cliSeconds.toFixed(2),
      run.ok ? 'valid' : '**INVALID**',
    ]],
    verdicts: [`Target > ${MIN_VALIDATE_RPS.toLocaleString('en-US')} records/s: ${rps > MIN_VALIDATE_RPS ? '**met**' : '**missed**'} (${perSecond(rps)} records/s).`],
  };
}

/** The audit suite. Register in bench/index.ts as `{ name: 'audit', run: audit.run }`. */
export async function run(): Promise<Table[]> {
  const tables: Table[] = [];
  if (process.env.BENCH_AUDIT_SKIP_COST !== '1') {
    progress(`audit: Encrypt audited vs not (${CONCURRENCY.length * 2 * ROUNDS} cells of ${WARMUP_SECONDS + SECONDS} s)`);
    tables.push(costTable(await auditCost()));
  }
  if (process.env.BENCH_AUDIT_SKIP_VALIDATE !== '1') tables.push(validateTable(await validateThroughput()));
  return tables;
}

// Run directly: print the tables.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const table of await run()) process.stdout.write(toMarkdown(table) + '\n');
}
