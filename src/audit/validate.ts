import { promisify } from 'node:util';
import { gunzip as gunzipCallback } from 'node:zlib';
import { GENESIS_HASH } from './chain.js';
import { createCheckPool } from './check-pool.js';
import { digestStringToSign, isoSeconds, sha256Hex, type DigestDocument } from './files.js';
import type { FileCheck, Finding } from './log-file-check.js';
import { verifySignature } from './signing-key.js';
import type { DeliveryReader } from './target.js';

const gunzip = promisify(gunzipCallback);

export type { Finding, FindingStatus } from './log-file-check.js';

export interface ValidateOptions {
  reader: DeliveryReader;
  /** Public keys by fingerprint (PEM). */
  publicKeys: Map<string, string>;
  /** The period to validate, epoch ms: digests whose window overlaps it. */
  startTime: number;
  endTime: number;
  /** Only this account's trail (default: every account found). */
  accountId?: string;
  /** Digests the trail's database says were delivered: any not found is reported missing. */
  expectedDigests?: { accountId: string; region: string; key: string; endTime: number }[];
  /** Worker threads that check log files (default: one per CPU when there are 4 files or more; 0: inline). */
  threads?: number;
}

export interface ChainReport {
  accountId: string;
  region: string;
  digests: { valid: number; invalid: number };
  logFiles: { valid: number; invalid: number };
  records: { valid: number; invalid: number };
  /** The window actually covered by the digests found, epoch ms. */
  found?: { start: number; end: number };
}

export interface ValidationResult {
  ok: boolean;
  chains: ChainReport[];
  /** Every verdict in order: problems and, for `--verbose`, the valid ones. */
  findings: Finding[];
}

const DIGEST_KEY = /^AWSLogs\/(\d{12})\/CloudTrail-Digest\/([a-z0-9-]+)\/\d{4}\/\d{2}\/\d{2}\/\1_CloudTrail-Digest_\2_[^/]+_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.json\.gz$/;

function digestEndFromKey(key: string): { accountId: string; region: string; end: number } | undefined {
  const m = DIGEST_KEY.exec(key);
  if (!m) return undefined;
  const [, accountId, region, y, mo, d, h, mi, s] = m;
  return { accountId: accountId!, region: region!, end: Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

interface LoadedDigest {
  key: string;
  doc: DigestDocument;
  hash: string;
  signature: string;
}

/** A digest's findings and, if it could be read at all, its content. */
async function loadDigest(options: ValidateOptions, key: string, findings: Finding[]): Promise<LoadedDigest | undefined> {
  const where = options.reader.locate(key);
  const object = await options.reader.get(key);
  if (!object) {
    findings.push({ subject: 'Digest file', location: where, status: 'missing', detail: 'not found' });
    return undefined;
  }
  let text: string;
  let doc: DigestDocument;
  try {
    text = (await gunzip(object.body)).toString('utf8');
    const parsed: unknown = JSON.parse(text);
    if (!isObject(parsed) || !Array.isArray(parsed.logFiles)) throw new Error('not a digest');
    doc = parsed as unknown as DigestDocument;
  } catch {
    findings.push({ subject: 'Digest file', location: where, status: 'invalid', detail: 'not a gzipped JSON digest' });
    return undefined;
  }
  const hash = sha256Hex(text);
  const signature = object.metadata.signature ?? '';
  const problems: string[] = [];
  if (doc.digestS3Object !== key) problems.push(`it names itself ${String(doc.digestS3Object)}`);
  const pem = options.publicKeys.get(String(doc.digestPublicKeyFingerprint));
  if (!signature) problems.push('no signature');
  else if (!pem) problems.push(`no public key with fingerprint ${String(doc.digestPublicKeyFingerprint)}`);
  else if (!verifySignature(pem, digestStringToSign(doc, hash), signature)) problems.push('signature verification failed');
  if (problems.length > 0) findings.push({ subject: 'Digest file', location: where, status: 'modified', detail: problems.join('; ') });
  return { key, doc, hash, signature };
}

/** A log file to check, and where its verdict goes. */
interface FileJob {
  key: string;
  entry: DigestDocument['logFiles'][number];
  report: ChainReport;
  result?: FileCheck;
}

/** The verdicts in report order: each digest, then its log files. */
type Section = { findings: Finding[] } | { job: FileJob };

/**
 * `opencmk audit validate` (docs/audit.md §7), like `aws cloudtrail validate-logs`: for each account
 * and region, the digests whose window overlaps the period — their place, signature and chain —
 * then every log file they list — its SHA-256 — then every record's chain link, within and across
 * files. Digests are walked in order; log files are checked in parallel afterwards. Read-only;
 * works on a copy of the delivered files as well as on the originals.
 */
export async function validateTrail(options: ValidateOptions): Promise<ValidationResult> {
  const sections: Section[] = [];
  const jobs: FileJob[] = [];
  const chains: ChainReport[] = [];
  const byChain = new Map<string, { accountId: string; region: string; keys: { key: string; end: number }[] }>();
  const prefix = options.accountId ? `AWSLogs/${options.accountId}/` : 'AWSLogs/';
  for (const key of await options.reader.list(prefix)) {
    const info = digestEndFromKey(key);
    if (!info) continue;
    const id = `${info.accountId}/${info.region}`;
    const chain = byChain.get(id) ?? { accountId: info.accountId, region: info.region, keys: [] };
    chain.keys.push({ key, end: info.end });
    byChain.set(id, chain);
  }
  for (const d of options.expectedDigests ?? []) {
    if (options.accountId && d.accountId !== options.accountId) continue;
    const id = `${d.accountId}/${d.region}`;
    const chain = byChain.get(id) ?? { accountId: d.accountId, region: d.region, keys: [] };
    if (!chain.keys.some((k) => k.key === d.key)) chain.keys.push({ key: d.key, end: d.endTime });
    byChain.set(id, chain);
  }

  for (const chain of [...byChain.values()].sort((a, b) => `${a.accountId}/${a.region}`.localeCompare(`${b.accountId}/${b.region}`))) {
    const report: ChainReport = {
      accountId: chain.accountId,
      region: chain.region,
      digests: { valid: 0, invalid: 0 },
      logFiles: { valid: 0, invalid: 0 },
      records: { valid: 0, invalid: 0 },
    };
    chains.push(report);
    const keys = chain.keys.sort((a, b) => a.end - b.end).filter((k) => k.end > options.startTime);
    let previous: LoadedDigest | undefined;
    let position: { sequence: number; hash: string } | undefined;
    let failedKey: string | undefined;
    for (const { key } of keys) {
      const digestFindings: Finding[] = [];
      const digest = await loadDigest(options, key, digestFindings);
      if (digest) {
        const start = Date.parse(digest.doc.digestStartTime);
        if (start >= options.endTime) break;
        const end = Date.parse(digest.doc.digestEndTime);
        report.found = { start: Math.min(report.found?.start ?? start, start), end: Math.max(report.found?.end ?? end, end) };
        // Link to the digest before: the one just checked, or (for the first in the period) the one it names.
        const named = digest.doc.previousDigestS3Object;
        if (!previous && named && named !== failedKey) previous = await loadDigest(options, named, digestFindings);
        // The first digest of a chain starts it: its first log file must begin at sequence 1.
        if (named === null) position = { sequence: 0, hash: GENESIS_HASH };
        if (previous && named !== previous.key && named !== failedKey) {
          digestFindings.push({ subject: 'Digest file', location: options.reader.locate(key), status: 'missing', detail: `the digest before it, ${named ?? 'none'}, is not the one found (${previous.key})` });
        } else if (previous && (digest.doc.previousDigestHashValue !== previous.hash || digest.doc.previousDigestSignature !== previous.signature)) {
          digestFindings.push({ subject: 'Digest file', location: options.reader.locate(previous.key), status: 'modified', detail: 'its hash or signature differs from what the next digest recorded' });
        } else if (previous && digest.doc.digestStartTime !== previous.doc.digestEndTime) {
          digestFindings.push({ subject: 'Chain', location: options.reader.locate(key), status: 'missing', detail: `no digest covers ${previous.doc.digestEndTime} to ${digest.doc.digestStartTime}` });
        }
        if (previous?.doc.opencmkChain && !position) position = previous.doc.opencmkChain;
      }
      if (digestFindings.length > 0) report.digests.invalid++;
      else report.digests.valid++;
      sections.push({ findings: digestFindings.length > 0 ? digestFindings : [{ subject: 'Digest file', location: options.reader.locate(key), status: 'valid' }] });
      if (!digest) {
        previous = undefined;
        position = undefined;
        failedKey = key;
        continue;
      }
      failedKey = undefined;

      // Across files: each file continues the chain where the one before ended.
      const entries = digest.doc.logFiles.filter(isObject) as unknown as DigestDocument['logFiles'];
      const links: Finding[] = [];
      for (const entry of entries) {
        const span = entry.opencmkChain;
        if (span && position && (span.firstSequence !== position.sequence + 1 || span.previousHash !== position.hash)) {
          links.push({
            subject: 'Chain',
            location: options.reader.locate(String(entry.s3Object)),
            status: span.firstSequence <= position.sequence ? 'out-of-order' : 'missing',
            detail:
              span.firstSequence > position.sequence + 1
                ? `records ${position.sequence + 1}–${span.firstSequence - 1} are in no log file`
                : `starts at sequence ${span.firstSequence}, expected ${position.sequence + 1}`,
          });
        }
        if (span) position = { sequence: span.lastSequence, hash: span.lastHash };
      }
      if (position && digest.doc.opencmkChain && (digest.doc.opencmkChain.sequence !== position.sequence || digest.doc.opencmkChain.hash !== position.hash)) {
        links.push({ subject: 'Chain', location: options.reader.locate(key), status: 'modified', detail: 'the chain position it records is not where its log files end' });
      }
      position = digest.doc.opencmkChain ?? position;
      if (links.length > 0) sections.push({ findings: links });
      for (const entry of entries) {
        const job: FileJob = { key: String(entry.s3Object), entry, report };
        jobs.push(job);
        sections.push({ job });
      }
      previous = digest;
    }
  }

  // Log files: read here, decompressed and checked on worker threads when there are enough to share.
  const pool = createCheckPool(options.threads ?? (jobs.length >= 4 ? undefined : 0));
  try {
    let next = 0;
    const reading = Math.max(2, (options.threads ?? 4) * 2);
    await Promise.all(
      Array.from({ length: Math.min(reading, jobs.length) }, async () => {
        while (next < jobs.length) {
          const job = jobs[next++]!;
          const location = options.reader.locate(job.key);
          const object = await options.reader.get(job.key);
          if (!object) {
            const span = job.entry.opencmkChain;
            job.result = {
              findings: [{ subject: 'Log file', location, status: 'missing', detail: `not found${span ? ` (records ${span.firstSequence}–${span.lastSequence})` : ''}` }],
              records: { valid: 0, invalid: span ? span.lastSequence - span.firstSequence + 1 : 0 },
              valid: false,
            };
          } else {
            job.result = await pool.check(location, object.body, job.entry);
          }
        }
      }),
    );
  } finally {
    await pool.close();
  }

  const findings: Finding[] = [];
  for (const section of sections) {
    if ('findings' in section) {
      findings.push(...section.findings);
      continue;
    }
    const { result, report } = section.job;
    findings.push(...result!.findings);
    if (result!.valid) report.logFiles.valid++;
    else report.logFiles.invalid++;
    report.records.valid += result!.records.valid;
    report.records.invalid += result!.records.invalid;
  }
  return { ok: findings.every((f) => f.status === 'valid'), chains, findings };
}

/** The report `opencmk audit validate` prints, in the AWS CLI's layout. */
export function formatReport(result: ValidationResult, options: { startTime: number; endTime: number; verbose?: boolean }): string {
  const lines: string[] = [`Validating log files between ${isoSeconds(options.startTime)} and ${isoSeconds(options.endTime)}`, ''];
  for (const f of result.findings) {
    if (f.status === 'valid' && !options.verbose) continue;
    const verdict = f.status === 'valid' ? 'valid' : `INVALID: ${f.status}${f.detail ? ` (${f.detail})` : ''}`;
    lines.push(`${f.subject}\t${f.location}\t${verdict}`);
  }
  if (result.chains.length === 0) lines.push('No digests found');
  for (const c of result.chains) {
    const ratio = (v: { valid: number; invalid: number }, name: string) => {
      const total = v.valid + v.invalid;
      return `${v.valid}/${total} ${name} valid${v.invalid > 0 ? `, ${v.invalid}/${total} ${name} INVALID` : ''}`;
    };
    lines.push('', `Account ${c.accountId}, region ${c.region}${c.found ? `: digests found for ${isoSeconds(c.found.start)} to ${isoSeconds(c.found.end)}` : ''}`);
    lines.push(ratio(c.digests, 'digest files'), ratio(c.logFiles, 'log files'), ratio(c.records, 'records'));
  }
  lines.push('', result.ok ? 'Result: valid' : 'Result: INVALID');
  return lines.join('\n') + '\n';
}
