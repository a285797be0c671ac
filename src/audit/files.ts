import { createHash } from 'node:crypto';

// docs/audit.md §4: the delivered files. Paths and names follow CloudTrail's (research §4.3, §4.4).

/** The trail name in digest file names. */
export const TRAIL_NAME = 'opencmk';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
function parts(epochMs: number) {
  const d = new Date(epochMs);
  return { y: String(d.getUTCFullYear()), m: pad(d.getUTCMonth() + 1), d: pad(d.getUTCDate()), hh: pad(d.getUTCHours()), mm: pad(d.getUTCMinutes()), ss: pad(d.getUTCSeconds()) };
}

/** `2026-01-01T00:00:00Z`. */
export function isoSeconds(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * `AWSLogs/<acct>/CloudTrail/<region>/YYYY/MM/DD/<acct>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz`.
 * The time is the first record's and `<unique>` derives from the chain position, so delivering the
 * same records again after a crash rewrites the same object instead of leaving a stray one.
 */
export function logFileKey(accountId: string, region: string, firstEventTimeSeconds: number, firstSequence: number): string {
  const t = parts(firstEventTimeSeconds * 1000);
  const unique = createHash('sha256').update(`${accountId}/${region}/${firstSequence}`).digest('hex').slice(0, 16);
  return `AWSLogs/${accountId}/CloudTrail/${region}/${t.y}/${t.m}/${t.d}/${accountId}_CloudTrail_${region}_${t.y}${t.m}${t.d}T${t.hh}${t.mm}Z_${unique}.json.gz`;
}

/** `AWSLogs/<acct>/CloudTrail-Digest/<region>/YYYY/MM/DD/<acct>_CloudTrail-Digest_<region>_<trail>_<home-region>_<YYYYMMDDTHHmmssZ>.json.gz`. */
export function digestKey(accountId: string, region: string, homeRegion: string, endMs: number): string {
  const t = parts(endMs);
  return `AWSLogs/${accountId}/CloudTrail-Digest/${region}/${t.y}/${t.m}/${t.d}/${accountId}_CloudTrail-Digest_${region}_${TRAIL_NAME}_${homeRegion}_${t.y}${t.m}${t.d}T${t.hh}${t.mm}${t.ss}Z.json.gz`;
}

export const LOG_FILE_HEAD = '{"Records":[\n';
export const LOG_FILE_TAIL = '\n]}\n';
const SEPARATOR = ',\n';

/**
 * The uncompressed log file: CloudTrail's `{"Records":[…]}` with one record per line. Records never
 * hold a raw newline (JSON escapes it), so a validator can split them without parsing JSON.
 */
export function logFileText(records: string[]): string {
  return LOG_FILE_HEAD + records.join(SEPARATOR) + LOG_FILE_TAIL;
}

/** The record texts of a log file in our layout; undefined if the layout is not ours (then parse it as JSON). */
export function splitLogFile(text: string): string[] | undefined {
  if (!text.startsWith(LOG_FILE_HEAD) || !text.endsWith(LOG_FILE_TAIL)) return undefined;
  const body = text.slice(LOG_FILE_HEAD.length, text.length - LOG_FILE_TAIL.length);
  return body.length === 0 ? [] : body.split(SEPARATOR);
}

/** Our chain data for one log file, in its digest entry (docs/audit.md §4.2). */
export interface ChainSpan {
  firstSequence: number;
  lastSequence: number;
  previousHash: string;
  lastHash: string;
}

export interface DigestLogFile {
  s3Bucket: string;
  s3Object: string;
  hashValue: string;
  hashAlgorithm: 'SHA-256';
  newestEventTime: string;
  oldestEventTime: string;
  opencmkChain: ChainSpan;
}

/** CloudTrail's digest file (research §4.4), plus `opencmkChain` members. */
export interface DigestDocument {
  awsAccountId: string;
  digestStartTime: string;
  digestEndTime: string;
  digestS3Bucket: string;
  digestS3Object: string;
  digestPublicKeyFingerprint: string;
  digestSignatureAlgorithm: string;
  newestEventTime: string | null;
  oldestEventTime: string | null;
  previousDigestS3Bucket: string | null;
  previousDigestS3Object: string | null;
  previousDigestHashValue: string | null;
  previousDigestHashAlgorithm: 'SHA-256' | null;
  previousDigestSignature: string | null;
  logFiles: DigestLogFile[];
  /** Where the account's chain stands after this digest's files: the next file must continue from here. */
  opencmkChain: { sequence: number; hash: string };
}

/**
 * CloudTrail's string to sign (research §4.4; the AWS CLI's validator builds the same):
 * digestEndTime \n bucket/digestObject \n hex(SHA-256(uncompressed digest)) \n previousDigestSignature,
 * with the literal `null` for the first digest of a chain.
 */
export function digestStringToSign(doc: Pick<DigestDocument, 'digestEndTime' | 'digestS3Bucket' | 'digestS3Object' | 'previousDigestSignature'>, digestHashHex: string): string {
  return `${doc.digestEndTime}\n${doc.digestS3Bucket}/${doc.digestS3Object}\n${digestHashHex}\n${doc.previousDigestSignature ?? 'null'}`;
}

export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
