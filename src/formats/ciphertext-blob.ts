import { createCipheriv, createDecipheriv } from 'node:crypto';
import { needs } from '../util/needs.js';

// docs/formats.md §1. header = u8(0x01) ‖ keyId[16] ‖ u32(material) ‖ nonce[12]; AAD = header ‖ context.
const VERSION = 0x01;
const KEY_ID = 16;
const NONCE = 12;
const TAG = 16;
export const HEADER_LENGTH = 1 + KEY_ID + 4 + NONCE;

export type EncryptionContext = Record<string, string>;

export class CiphertextBlobError extends Error {
  constructor(message: string) {
    super(`formats/ciphertext-blob: ${message}`);
    this.name = 'CiphertextBlobError';
  }
}

export interface BlobHeader {
  keyId: string;
  material: number;
}

/** The canonical encoding of an encryption context: pairs sorted by UTF-8 bytes of the key. */
export function encodeContext(context: EncryptionContext | undefined): Buffer {
  const pairs = Object.entries(context ?? {}).map(([k, v]) => [Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8')] as const);
  pairs.sort(([a], [b]) => Buffer.compare(a, b));
  const parts: Buffer[] = [u16(pairs.length)];
  for (const [k, v] of pairs) parts.push(u16(k.length), k, u16(v.length), v);
  return Buffer.concat(parts);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function uuidBytes(keyId: string): Buffer {
  const hex = keyId.replace(/-/g, '');
  /* Precondition: a blob names its key by a UUID key id. */
  needs(/^[0-9a-f]{32}$/.test(hex), 'formats/ciphertext-blob: key id must be a UUID');
  return Buffer.from(hex, 'hex');
}

function uuidString(bytes: Buffer): string {
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Seals `plaintext` under one version of a key's material. */
export function sealBlob(
  header: BlobHeader,
  materialKey: Buffer,
  plaintext: Buffer,
  context: EncryptionContext | undefined,
  nonce: Buffer,
): Buffer {
  /* Precondition: blobs are sealed with 256-bit material and a fresh 96-bit nonce. */
  needs(materialKey.length === 32 && nonce.length === NONCE, 'formats/ciphertext-blob: material must be 32 bytes and nonce 12');
  const head = Buffer.alloc(HEADER_LENGTH);
  head[0] = VERSION;
  uuidBytes(header.keyId).copy(head, 1);
  head.writeUInt32BE(header.material, 1 + KEY_ID);
  nonce.copy(head, 1 + KEY_ID + 4);
  const cipher = createCipheriv('aes-256-gcm', materialKey, nonce);
  cipher.setAAD(Buffer.concat([head, encodeContext(context)]));
  return Buffer.concat([head, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** Reads the unauthenticated header, to find the key and material that can open the blob. */
export function readBlobHeader(blob: Buffer): BlobHeader {
  if (blob.length < HEADER_LENGTH + TAG) throw new CiphertextBlobError('too short');
  if (blob[0] !== VERSION) throw new CiphertextBlobError('unknown version');
  return { keyId: uuidString(blob.subarray(1, 1 + KEY_ID)), material: blob.readUInt32BE(1 + KEY_ID) };
}

/** Opens a blob; a changed byte, another context or another key all fail as `authentication failed`. */
export function openBlob(blob: Buffer, materialKey: Buffer, context: EncryptionContext | undefined): Buffer {
  readBlobHeader(blob);
  const head = blob.subarray(0, HEADER_LENGTH);
  const decipher = createDecipheriv('aes-256-gcm', materialKey, head.subarray(1 + KEY_ID + 4));
  decipher.setAAD(Buffer.concat([head, encodeContext(context)]));
  decipher.setAuthTag(blob.subarray(blob.length - TAG));
  try {
    return Buffer.concat([decipher.update(blob.subarray(HEADER_LENGTH, blob.length - TAG)), decipher.final()]);
  } catch {
    throw new CiphertextBlobError('authentication failed');
  }
}
