/**
 * S3's additional checksums ("Checking object integrity", S3 User Guide): the algorithms behind
 * `x-amz-checksum-*`, their base64 wire form, and how part checksums make an object checksum for a
 * multipart upload (COMPOSITE and FULL_OBJECT). Pure: no HTTP, no I/O.
 *
 * - CRC32 is zlib's (`node:zlib` crc32, native since Node 20.15).
 * - CRC32C and CRC64NVME are table-driven here (slice-by-8), because Node has neither: both are the
 *   reflected CRCs of the Rocksoft model with init = xorout = all ones, like CRC32, so one
 *   description covers all three (CRC-32C: poly 0x1EDC6F41, check 0xE3069283; CRC-64/NVME: poly
 *   0xAD93D23594C93659, check 0xAE8B14860A799888).
 * - SHA1, SHA256 and MD5 are `node:crypto`.
 *
 * @module
 */
import { createHash, type Hash } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';

/** The checksum algorithms of `x-amz-sdk-checksum-algorithm` / `ChecksumAlgorithm` we implement. */
export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256' | 'MD5';
/** How a multipart object's checksum is made from its parts (`x-amz-checksum-type`). */
export type ChecksumType = 'COMPOSITE' | 'FULL_OBJECT';
/** The algorithms whose object checksum can be computed from part checksums and part lengths. */
export type CrcAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME';

export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256', 'MD5'];

/** A running checksum. `digest` does not end it: more `update`s may follow. */
export interface Checksum {
  readonly algorithm: ChecksumAlgorithm;
  update(data: Uint8Array): Checksum;
  /** The raw digest, big-endian for the CRCs (the bytes S3 base64-encodes). */
  digest(): Buffer;
}

/** Raw digest length in bytes. */
export const DIGEST_LENGTH = {
  CRC32: 4,
  CRC32C: 4,
  CRC64NVME: 8,
  SHA1: 20,
  SHA256: 32,
  MD5: 16,
} as const satisfies Record<ChecksumAlgorithm, number>;

/**
 * Which multipart checksum types S3 accepts per algorithm, and the one it uses when
 * CreateMultipartUpload names the algorithm but no type. From the S3 User Guide, "Checking object
 * integrity": CRC64NVME is full-object only; CRC32 and CRC32C allow both and default to composite;
 * SHA1 and SHA256 are composite only. MD5 is newer than that table: treated like the SHAs (a
 * digest of digests is all a hash allows), which is our assumption, not a documented rule.
 */
export const CHECKSUM_TYPES = {
  CRC32: { types: ['COMPOSITE', 'FULL_OBJECT'], multipartDefault: 'COMPOSITE' },
  CRC32C: { types: ['COMPOSITE', 'FULL_OBJECT'], multipartDefault: 'COMPOSITE' },
  CRC64NVME: { types: ['FULL_OBJECT'], multipartDefault: 'FULL_OBJECT' },
  SHA1: { types: ['COMPOSITE'], multipartDefault: 'COMPOSITE' },
  SHA256: { types: ['COMPOSITE'], multipartDefault: 'COMPOSITE' },
  MD5: { types: ['COMPOSITE'], multipartDefault: 'COMPOSITE' },
} as const satisfies Record<ChecksumAlgorithm, { types: readonly ChecksumType[]; multipartDefault: ChecksumType }>;

// ---------------------------------------------------------------------------------------------
// Reflected CRCs, slice-by-8.
//
// Table s, entry i, is the register after feeding byte i and then s zero bytes into a zero
// register: feeding 8 bytes at once is then one lookup per byte, each into the table of how many
// bytes still follow it. Tables are Int32Array and the loops stay in signed int32 (no `>>> 0`)
// so V8 keeps everything in integer registers; values become unsigned only in `digest`.

function crc32Tables(poly: number): Int32Array[] {
  const tables = Array.from({ length: 8 }, () => new Int32Array(256));
  const t0 = tables[0]!;
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t0[i] = c;
  }
  for (let s = 1; s < 8; s++) {
    const prev = tables[s - 1]!;
    const table = tables[s]!;
    for (let i = 0; i < 256; i++) table[i] = t0[prev[i]! & 0xff]! ^ (prev[i]! >>> 8);
  }
  return tables;
}

let crc32cTables: Int32Array[] | undefined;

/** Feeds `data` into a CRC-32C register (not the conditioned value). */
function crc32cUpdate(register: number, data: Uint8Array): number {
  // Reflected 0x1EDC6F41.
  crc32cTables ??= crc32Tables(0x82f63b78 | 0);
  const [t0, t1, t2, t3, t4, t5, t6, t7] = crc32cTables as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];
  let c = register;
  let i = 0;
  const n = data.length;
  for (; n - i >= 8; i += 8) {
    const a = c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    c =
      t7[a & 0xff]! ^
      t6[(a >>> 8) & 0xff]! ^
      t5[(a >>> 16) & 0xff]! ^
      t4[a >>> 24]! ^
      t3[data[i + 4]!]! ^
      t2[data[i + 5]!]! ^
      t1[data[i + 6]!]! ^
      t0[data[i + 7]!]!;
  }
  for (; i < n; i++) c = t0[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return c;
}

// CRC-64 registers are kept as two uint32 halves (hi, lo): BigInt per byte would be ~50x slower.
interface Crc64Tables {
  hi: Int32Array[];
  lo: Int32Array[];
}

function crc64Tables(polyHi: number, polyLo: number): Crc64Tables {
  const hi = Array.from({ length: 8 }, () => new Int32Array(256));
  const lo = Array.from({ length: 8 }, () => new Int32Array(256));
  const h0 = hi[0]!;
  const l0 = lo[0]!;
  for (let i = 0; i < 256; i++) {
    let h = 0;
    let l = i;
    for (let k = 0; k < 8; k++) {
      const carry = l & 1;
      l = (l >>> 1) | (h << 31);
      h = h >>> 1;
      if (carry) {
        h ^= polyHi;
        l ^= polyLo;
      }
    }
    h0[i] = h;
    l0[i] = l;
  }
  for (let s = 1; s < 8; s++) {
    for (let i = 0; i < 256; i++) {
      const h = hi[s - 1]![i]!;
      const l = lo[s - 1]![i]!;
      const idx = l & 0xff;
      hi[s]![i] = (h >>> 8) ^ h0[idx]!;
      lo[s]![i] = ((l >>> 8) | (h << 24)) ^ l0[idx]!;
    }
  }
  return { hi, lo };
}

let nvmeTables: Crc64Tables | undefined;

/** Feeds `data` into a CRC-64/NVME register given as [hi, lo] (not the conditioned value). */
function crc64nvmeUpdate(register: [number, number], data: Uint8Array): [number, number] {
  // Reflected 0xAD93D23594C93659.
  nvmeTables ??= crc64Tables(0x9a6c9329 | 0, 0xac4bc9b5 | 0);
  const [h0, h1, h2, h3, h4, h5, h6, h7] = nvmeTables.hi as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];
  const [l0, l1, l2, l3, l4, l5, l6, l7] = nvmeTables.lo as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];
  let [h, l] = register;
  let i = 0;
  const n = data.length;
  for (; n - i >= 8; i += 8) {
    // Eight bytes fill the 64-bit register exactly, so all of it is shifted out.
    const a = l ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    const b = h ^ (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24));
    const a0 = a & 0xff;
    const a1 = (a >>> 8) & 0xff;
    const a2 = (a >>> 16) & 0xff;
    const a3 = a >>> 24;
    const b0 = b & 0xff;
    const b1 = (b >>> 8) & 0xff;
    const b2 = (b >>> 16) & 0xff;
    const b3 = b >>> 24;
    h = h7[a0]! ^ h6[a1]! ^ h5[a2]! ^ h4[a3]! ^ h3[b0]! ^ h2[b1]! ^ h1[b2]! ^ h0[b3]!;
    l = l7[a0]! ^ l6[a1]! ^ l5[a2]! ^ l4[a3]! ^ l3[b0]! ^ l2[b1]! ^ l1[b2]! ^ l0[b3]!;
  }
  for (; i < n; i++) {
    const idx = (l ^ data[i]!) & 0xff;
    l = ((l >>> 8) | (h << 24)) ^ l0[idx]!;
    h = (h >>> 8) ^ h0[idx]!;
  }
  return [h, l];
}

function hashChecksum(algorithm: 'SHA1' | 'SHA256' | 'MD5'): Checksum {
  const hash: Hash = createHash(algorithm === 'SHA1' ? 'sha1' : algorithm === 'SHA256' ? 'sha256' : 'md5');
  const self: Checksum = {
    algorithm,
    update(data) {
      hash.update(data);
      return self;
    },
    // copy(): a Hash can be digested once; the copy keeps this one running.
    digest: () => hash.copy().digest(),
  };
  return self;
}

/** A new running checksum for `algorithm`. */
export function createChecksum(algorithm: ChecksumAlgorithm): Checksum {
  switch (algorithm) {
    case 'CRC32': {
      let value = 0;
      const self: Checksum = {
        algorithm,
        update(data) {
          value = zlibCrc32(data, value);
          return self;
        },
        digest() {
          const out = Buffer.alloc(4);
          out.writeUInt32BE(value >>> 0);
          return out;
        },
      };
      return self;
    }
    case 'CRC32C': {
      let register = -1; // all ones
      const self: Checksum = {
        algorithm,
        update(data) {
          register = crc32cUpdate(register, data);
          return self;
        },
        digest() {
          const out = Buffer.alloc(4);
          out.writeUInt32BE(~register >>> 0);
          return out;
        },
      };
      return self;
    }
    case 'CRC64NVME': {
      let register: [number, number] = [-1, -1]; // all ones
      const self: Checksum = {
        algorithm,
        update(data) {
          register = crc64nvmeUpdate(register, data);
          return self;
        },
        digest() {
          const out = Buffer.alloc(8);
          out.writeUInt32BE(~register[0] >>> 0, 0);
          out.writeUInt32BE(~register[1] >>> 0, 4);
          return out;
        },
      };
      return self;
    }
    case 'SHA1':
    case 'SHA256':
    case 'MD5':
      return hashChecksum(algorithm);
  }
}

/** The raw checksum of one buffer. */
export function checksumOf(algorithm: ChecksumAlgorithm, data: Uint8Array): Buffer {
  return createChecksum(algorithm).update(data).digest();
}

/** `x-amz-checksum-crc32`, …: the header (or trailer) that carries the base64 checksum. */
export function checksumHeaderName(algorithm: ChecksumAlgorithm): `x-amz-checksum-${Lowercase<ChecksumAlgorithm>}` {
  return `x-amz-checksum-${algorithm.toLowerCase() as Lowercase<ChecksumAlgorithm>}`;
}

/** The algorithm named by an `x-amz-checksum-*` header or trailer name (any case), if we know it. */
export function checksumAlgorithmOfHeader(name: string): ChecksumAlgorithm | undefined {
  const lower = name.toLowerCase();
  return CHECKSUM_ALGORITHMS.find((algorithm) => checksumHeaderName(algorithm) === lower);
}

/** The algorithm named by `x-amz-sdk-checksum-algorithm` / `ChecksumAlgorithm` (any case), if we know it. */
export function parseChecksumAlgorithm(value: string): ChecksumAlgorithm | undefined {
  const upper = value.toUpperCase();
  return CHECKSUM_ALGORITHMS.find((algorithm) => algorithm === upper);
}

/** The wire form of a raw digest. */
export function toBase64(digest: Uint8Array): string {
  return Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString('base64');
}

/**
 * The raw digest in a client's `x-amz-checksum-*` value, or undefined when the value is not the
 * canonical padded base64 of exactly `DIGEST_LENGTH[algorithm]` bytes (S3 then answers
 * `InvalidRequest`, "Value for x-amz-checksum-crc32 header is invalid."). Node's decoder alone
 * would skip junk characters, so the value is re-encoded and compared.
 */
export function fromBase64(algorithm: ChecksumAlgorithm, value: string): Buffer | undefined {
  const raw = Buffer.from(value, 'base64');
  if (raw.length !== DIGEST_LENGTH[algorithm] || raw.toString('base64') !== value) return undefined;
  return raw;
}

/**
 * The COMPOSITE object checksum of a multipart upload, as S3 reports it: the checksum (same
 * algorithm) of the concatenated raw part checksums, in part order, in base64, then `-` and the
 * part count. Each part checksum is the raw digest of that part's bytes.
 */
export function compositeChecksum(algorithm: ChecksumAlgorithm, partChecksums: readonly Uint8Array[]): string {
  if (partChecksums.length === 0) throw new RangeError('objects/checksums: a multipart upload has at least one part');
  const checksum = createChecksum(algorithm);
  for (const part of partChecksums) {
    if (part.length !== DIGEST_LENGTH[algorithm]) {
      throw new RangeError(`objects/checksums: a ${algorithm} part checksum is ${DIGEST_LENGTH[algorithm]} bytes`);
    }
    checksum.update(part);
  }
  return `${toBase64(checksum.digest())}-${partChecksums.length}`;
}

// ---------------------------------------------------------------------------------------------
// FULL_OBJECT: the CRC of the whole object from the parts' CRCs and lengths, without the bytes.
//
// For these CRCs (reflected, init = xorout = all ones) crc(A ‖ B) = crc(A)·x^(8·|B|) mod P ⊕ crc(B),
// where the product is in GF(2)[x] with the bit order of the register: the top bit is x^0. This is
// zlib's crc32_combine, generalised to any width; BigInt is fine at one call per part.

interface CrcModel {
  width: bigint;
  /** The reflected polynomial. */
  poly: bigint;
  /** x^(2^k) mod P, filled on demand. */
  powers: bigint[];
}

const models: Record<CrcAlgorithm, CrcModel> = {
  CRC32: { width: 32n, poly: 0xedb88320n, powers: [] },
  CRC32C: { width: 32n, poly: 0x82f63b78n, powers: [] },
  CRC64NVME: { width: 64n, poly: 0x9a6c9329ac4bc9b5n, powers: [] },
};

/** a·b mod P, both in reflected order. */
function multiplyModP(model: CrcModel, a: bigint, b: bigint): bigint {
  let product = 0n;
  for (let m = 1n << (model.width - 1n); a !== 0n && m !== 0n; m >>= 1n) {
    if (a & m) {
      product ^= b;
      a ^= m;
    }
    b = b & 1n ? (b >> 1n) ^ model.poly : b >> 1n;
  }
  return product;
}

/** x^(8·bytes) mod P. */
function shiftFor(model: CrcModel, bytes: number): bigint {
  let result = 1n << (model.width - 1n); // x^0
  let n = BigInt(bytes) * 8n;
  for (let k = 0; n > 0n; k++, n >>= 1n) {
    // x^1 is the second-highest bit; each next power squares the previous one.
    model.powers[k] ??= k === 0 ? 1n << (model.width - 2n) : multiplyModP(model, model.powers[k - 1]!, model.powers[k - 1]!);
    if (n & 1n) result = multiplyModP(model, model.powers[k]!, result);
  }
  return result;
}

/**
 * The FULL_OBJECT checksum of a multipart upload: the CRC the whole object would have, computed
 * from each part's raw CRC and byte length, in part order. Equal to `checksumOf(algorithm, object)`.
 */
export function combineCrc(algorithm: CrcAlgorithm, parts: readonly { checksum: Uint8Array; length: number }[]): Buffer {
  const model = models[algorithm];
  const size = Number(model.width / 8n);
  let crc = 0n; // the CRC of no bytes
  for (const part of parts) {
    if (part.checksum.length !== size) throw new RangeError(`objects/checksums: a ${algorithm} part checksum is ${size} bytes`);
    if (!Number.isSafeInteger(part.length) || part.length < 0) throw new RangeError('objects/checksums: a part length is a non-negative integer');
    const next = BigInt(`0x${Buffer.from(part.checksum).toString('hex')}`);
    crc = multiplyModP(model, shiftFor(model, part.length), crc) ^ next;
  }
  return Buffer.from(crc.toString(16).padStart(size * 2, '0'), 'hex');
}
