import { createHash } from 'node:crypto';
import { CHAIN_MEMBER, chainHash, splitChainMember } from './chain.js';
import { LOG_FILE_HEAD, LOG_FILE_TAIL, sha256Hex, splitLogFile, type ChainSpan } from './files.js';

export type FindingStatus = 'valid' | 'modified' | 'missing' | 'out-of-order' | 'invalid';

/** One verdict about one digest, log file, record or chain link, naming where it is. */
export interface Finding {
  subject: 'Digest file' | 'Log file' | 'Record' | 'Chain';
  location: string;
  status: FindingStatus;
  detail?: string;
}

export interface FileCheck {
  findings: Finding[];
  records: { valid: number; invalid: number };
  valid: boolean;
}

/** What a digest says about a log file. */
export interface LogFileEntry {
  hashValue: string;
  opencmkChain?: ChainSpan;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const HEAD = Buffer.from(LOG_FILE_HEAD);
const TAIL = Buffer.from(LOG_FILE_TAIL);
const SEPARATOR = Buffer.from(',\n');
const MEMBER = Buffer.from(`,"${CHAIN_MEMBER}":{"sequence":`);
const CLOSE = Buffer.from('}');
const MEMBER_TAIL = /^(\d{1,15}),"hash":"([0-9a-f]{64})"\}\}$/;

/**
 * The common case, on bytes and without parsing JSON: the file hashes to the digest's value and
 * every record chains to the one before, in order, from the digest's previous hash to its last.
 * Returns the record count, or undefined as soon as anything differs (then `checkLogFile` says what).
 */
function verifyIntact(bytes: Buffer, entry: LogFileEntry): number | undefined {
  const span = entry.opencmkChain;
  if (!span || bytes.length < HEAD.length + TAIL.length) return undefined;
  if (!bytes.subarray(0, HEAD.length).equals(HEAD) || !bytes.subarray(bytes.length - TAIL.length).equals(TAIL)) return undefined;
  if (createHash('sha256').update(bytes).digest('hex') !== entry.hashValue) return undefined;
  const end = bytes.length - TAIL.length;
  let position = HEAD.length;
  let previous = Buffer.from(span.previousHash, 'hex');
  let expected = span.firstSequence;
  const sequence = Buffer.alloc(8);
  let count = 0;
  while (position < end) {
    const next = bytes.indexOf(SEPARATOR, position);
    const recordEnd = next === -1 || next > end ? end : next;
    const at = bytes.lastIndexOf(MEMBER, recordEnd - MEMBER.length);
    if (at <= position) return undefined;
    const m = MEMBER_TAIL.exec(bytes.toString('latin1', at + MEMBER.length, recordEnd));
    if (!m || Number(m[1]) !== expected) return undefined;
    sequence.writeBigUInt64BE(BigInt(expected));
    // docs/audit.md §3: SHA-256(previous ‖ u64be(sequence) ‖ record without its chain member).
    const hash = createHash('sha256').update(previous).update(sequence).update(bytes.subarray(position, at)).update(CLOSE).digest();
    if (hash.toString('hex') !== m[2]) return undefined;
    previous = hash;
    expected++;
    count++;
    position = recordEnd + SEPARATOR.length;
  }
  if (expected - 1 !== span.lastSequence || previous.toString('hex') !== span.lastHash) return undefined;
  return count;
}

function eventIdOf(text: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) && typeof parsed.eventID === 'string' ? parsed.eventID : undefined;
  } catch {
    return /"eventID":"([^"]+)"/.exec(text)?.[1];
  }
}

/**
 * One log file (decompressed; undefined if it would not decompress) against its digest entry: its
 * SHA-256, then every record's chain link, so a change is pinned to the record (modified), a gap to
 * its sequence numbers (missing), a swap to the pair (out of order).
 */
export function checkLogFile(location: string, bytes: Buffer | undefined, entry: LogFileEntry): FileCheck {
  if (bytes !== undefined) {
    const intact = verifyIntact(bytes, entry);
    if (intact !== undefined) return { findings: [{ subject: 'Log file', location, status: 'valid' }], records: { valid: intact, invalid: 0 }, valid: true };
  }
  const findings: Finding[] = [];
  const records = { valid: 0, invalid: 0 };
  if (bytes === undefined) {
    findings.push({ subject: 'Log file', location, status: 'invalid', detail: 'not a gzip file' });
    return { findings, records, valid: false };
  }
  const text = bytes.toString('utf8');
  const hashOk = sha256Hex(bytes) === entry.hashValue;
  if (!hashOk) findings.push({ subject: 'Log file', location, status: 'modified', detail: "hash value doesn't match" });
  const span = entry.opencmkChain;
  let lines = splitLogFile(text);
  if (lines === undefined) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (!isObject(parsed) || !Array.isArray(parsed.Records)) throw new Error('no Records');
      lines = parsed.Records.map((r) => JSON.stringify(r));
    } catch {
      findings.push({ subject: 'Log file', location, status: 'invalid', detail: 'not a CloudTrail log file' });
      return { findings, records, valid: false };
    }
  }
  if (!span) {
    if (hashOk) findings.push({ subject: 'Log file', location, status: 'valid' });
    return { findings, records: { valid: hashOk ? lines.length : 0, invalid: hashOk ? 0 : lines.length }, valid: hashOk };
  }

  const bad = new Set<number>();
  const problem = (index: number, status: FindingStatus, detail: string, sequence?: number) => {
    bad.add(index);
    const id = eventIdOf(lines![index]!);
    findings.push({
      subject: 'Record',
      location: `${location} record ${sequence !== undefined ? `sequence ${sequence}` : `#${index + 1}`}${id ? ` eventID ${id}` : ''}`,
      status,
      detail,
    });
  };
  const parsed = lines.map((l) => splitChainMember(l));
  const at = new Map<number, number>();
  let previousSequence = 0;
  parsed.forEach((p, i) => {
    if (!p) return problem(i, 'modified', 'no chain member');
    if (p.sequence < span.firstSequence || p.sequence > span.lastSequence) return problem(i, 'modified', `sequence outside ${span.firstSequence}–${span.lastSequence}`, p.sequence);
    if (at.has(p.sequence)) return problem(i, 'modified', 'sequence appears twice', p.sequence);
    at.set(p.sequence, i);
    if (p.sequence < previousSequence) problem(i, 'out-of-order', `comes after sequence ${previousSequence}`, p.sequence);
    previousSequence = Math.max(previousSequence, p.sequence);
  });
  // Gaps, reported as ranges so a truncated file stays readable.
  let gapStart: number | undefined;
  for (let s = span.firstSequence; s <= span.lastSequence + 1; s++) {
    const missing = s <= span.lastSequence && !at.has(s);
    if (missing && gapStart === undefined) gapStart = s;
    if (!missing && gapStart !== undefined) {
      const range = gapStart === s - 1 ? `sequence ${gapStart}` : `sequences ${gapStart}–${s - 1}`;
      findings.push({ subject: 'Record', location: `${location} record ${range}`, status: 'missing', detail: 'not in the file' });
      records.invalid += s - gapStart;
      gapStart = undefined;
    }
  }
  // Each record's hash from its predecessor's (by sequence, so a swap does not hide a change).
  parsed.forEach((p, i) => {
    if (!p || at.get(p.sequence) !== i) return;
    const previous = p.sequence === span.firstSequence ? span.previousHash : parsed[at.get(p.sequence - 1) ?? -1]?.hash;
    if (previous !== undefined && chainHash(previous, p.sequence, p.record) !== p.hash) problem(i, 'modified', 'record does not match its chain hash', p.sequence);
    else if (p.sequence === span.lastSequence && p.hash !== span.lastHash) problem(i, 'modified', "chain hash differs from the digest's", p.sequence);
  });
  records.invalid += bad.size;
  records.valid += lines.length - bad.size;
  const valid = hashOk && findings.length === 0;
  if (valid) findings.push({ subject: 'Log file', location, status: 'valid' });
  return { findings, records, valid };
}
