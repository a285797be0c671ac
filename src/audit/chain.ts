import { createHash } from 'node:crypto';
import { needs } from '../util/needs.js';

/** The hash before a chain's first record: 32 zero bytes. */
export const GENESIS_HASH = '0'.repeat(64);

/** The member each delivered record carries last (docs/audit.md §3). */
export const CHAIN_MEMBER = 'opencmkChain';
const MEMBER_START = `,"${CHAIN_MEMBER}":{"sequence":`;
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * docs/audit.md §3: hash_n = SHA-256(hash_{n-1} (32 bytes) ‖ u64be(n) ‖ UTF-8(record_n without its
 * chain member)). The sequence is hashed so a renumbered record fails too.
 */
export function chainHash(previousHash: string, sequence: number, record: string): string {
  /* Precondition: a chain hash follows a 64-hex-digit hash and a positive integer sequence. */
  needs(HEX64.test(previousHash) && Number.isSafeInteger(sequence) && sequence > 0, 'audit/chain: previous hash must be 64 hex digits and sequence a positive integer');
  const position = Buffer.alloc(8);
  position.writeBigUInt64BE(BigInt(sequence));
  return createHash('sha256').update(Buffer.from(previousHash, 'hex')).update(position).update(record, 'utf8').digest('hex');
}

/** The record text as stored and delivered: the compact JSON object with the chain member appended last. */
export function withChainMember(record: string, sequence: number, hash: string): string {
  /* Precondition: only a compact JSON object gets a chain member. */
  needs(record.length > 2 && record.startsWith('{') && record.endsWith('}') && !record.includes('\n'), 'audit/chain: a record must be a one-line JSON object');
  return `${record.slice(0, -1)}${MEMBER_START}${sequence},"hash":"${hash}"}}`;
}

/** Chains `record` after `previousHash`: its hash and its delivered text. */
export function chainRecord(previousHash: string, sequence: number, record: string): { hash: string; text: string } {
  const hash = chainHash(previousHash, sequence, record);
  return { hash, text: withChainMember(record, sequence, hash) };
}

/**
 * Splits a delivered record into the hashed part and its chain member, without parsing the JSON
 * (the validator does this for every record). Undefined when the text carries no well-formed member.
 */
export function splitChainMember(text: string): { record: string; sequence: number; hash: string } | undefined {
  const at = text.lastIndexOf(MEMBER_START);
  if (at < 1) return undefined;
  const tail = text.slice(at + MEMBER_START.length);
  const m = /^(\d{1,15}),"hash":"([0-9a-f]{64})"\}\}$/.exec(tail);
  if (!m) return undefined;
  return { record: `${text.slice(0, at)}}`, sequence: Number(m[1]), hash: m[2]! };
}
