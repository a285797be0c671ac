import {
  constants,
  createECDH,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  privateEncrypt,
  publicDecrypt,
  sign,
  timingSafeEqual,
  verify,
  type KeyObject,
} from 'node:crypto';
import { z } from 'zod';
import type { KeyRecord } from '../store/types.js';
import { needs } from '../util/needs.js';
import { kmsError } from './errors.js';
import { requireEnabled } from './key-states.js';
import { keyMetadata } from './metadata.js';
import type { OperationContext } from './operation.js';
import { blob } from './validate.js';

// Request enums exactly as the botocore KMS model lists them; values we have no key for pass the
// schema and are refused against the key (InvalidKeyUsageException), as AWS does.
export const SigningAlgorithmSpec = z.enum([
  'RSASSA_PSS_SHA_256',
  'RSASSA_PSS_SHA_384',
  'RSASSA_PSS_SHA_512',
  'RSASSA_PKCS1_V1_5_SHA_256',
  'RSASSA_PKCS1_V1_5_SHA_384',
  'RSASSA_PKCS1_V1_5_SHA_512',
  'ECDSA_SHA_256',
  'ECDSA_SHA_384',
  'ECDSA_SHA_512',
  'SM2DSA',
  'ML_DSA_SHAKE_256',
  'ED25519_SHA_512',
  'ED25519_PH_SHA_512',
]);
export const MessageTypeSpec = z.enum(['RAW', 'DIGEST', 'EXTERNAL_MU']).optional();
export const MacAlgorithmSpec = z.enum(['HMAC_SHA_224', 'HMAC_SHA_256', 'HMAC_SHA_384', 'HMAC_SHA_512']);

export type SigningAlgorithm = z.infer<typeof SigningAlgorithmSpec>;
export type MessageType = 'RAW' | 'DIGEST' | 'EXTERNAL_MU';
export type MacAlgorithm = z.infer<typeof MacAlgorithmSpec>;

type Hash = 'sha256' | 'sha384' | 'sha512';
interface SigningScheme {
  scheme: 'pss' | 'pkcs1' | 'ecdsa';
  hash: Hash;
  // Bytes of the hash output: the exact length of a DIGEST message.
  digestLength: number;
}

// AWS "Key spec reference": PSS uses MGF1 with the same hash and a salt as long as the digest.
const SCHEMES: Partial<Record<SigningAlgorithm, SigningScheme>> = {
  RSASSA_PSS_SHA_256: { scheme: 'pss', hash: 'sha256', digestLength: 32 },
  RSASSA_PSS_SHA_384: { scheme: 'pss', hash: 'sha384', digestLength: 48 },
  RSASSA_PSS_SHA_512: { scheme: 'pss', hash: 'sha512', digestLength: 64 },
  RSASSA_PKCS1_V1_5_SHA_256: { scheme: 'pkcs1', hash: 'sha256', digestLength: 32 },
  RSASSA_PKCS1_V1_5_SHA_384: { scheme: 'pkcs1', hash: 'sha384', digestLength: 48 },
  RSASSA_PKCS1_V1_5_SHA_512: { scheme: 'pkcs1', hash: 'sha512', digestLength: 64 },
  ECDSA_SHA_256: { scheme: 'ecdsa', hash: 'sha256', digestLength: 32 },
  ECDSA_SHA_384: { scheme: 'ecdsa', hash: 'sha384', digestLength: 48 },
};

const MAC_HASHES: Record<MacAlgorithm, string> = {
  HMAC_SHA_224: 'sha224',
  HMAC_SHA_256: 'sha256',
  HMAC_SHA_384: 'sha384',
  HMAC_SHA_512: 'sha512',
};

const privateKeyOf = (material: Buffer): KeyObject => createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });

/** The DER SubjectPublicKeyInfo (RFC 5280) of an asymmetric key's PKCS#8 material. */
export function publicKeyOf(material: Buffer): Buffer {
  return createPublicKey(privateKeyOf(material)).export({ type: 'spki', format: 'der' });
}

export interface SigningRequest {
  key: KeyRecord;
  algorithm: SigningAlgorithm;
  messageType: 'RAW' | 'DIGEST';
  /** The decoded message; the caller zeroes it when done. */
  message: Buffer;
}

/**
 * What Sign and Verify share: the message is checked, the key is found and authorized for
 * `action` (with kms:SigningAlgorithm and kms:MessageType), then its state, usage and the
 * algorithm are checked against it, in that order.
 */
export async function signingRequest(
  ctx: OperationContext,
  input: { KeyId: string; Message: string; MessageType?: MessageType | undefined; SigningAlgorithm: SigningAlgorithm },
  action: 'kms:Sign' | 'kms:Verify',
  operation: 'Sign' | 'Verify',
): Promise<SigningRequest> {
  const messageType = input.MessageType ?? 'RAW';
  const message = blob(input.Message, 'message', 1, 4096);
  try {
    const key = await ctx.key(input.KeyId, {
      action,
      acceptAlias: true,
      conditions: { 'kms:SigningAlgorithm': input.SigningAlgorithm, 'kms:MessageType': messageType },
    });
    requireEnabled(key);
    /* Precondition: Sign and Verify need a SIGN_VERIFY key */
    needs(key.keyUsage === 'SIGN_VERIFY', () => kmsError('invalid-key-usage', `${key.arn} key usage is ${key.keyUsage} which is not valid for ${operation}.`));
    const supported: readonly string[] = keyMetadata(key).SigningAlgorithms ?? [];
    /* Precondition: the signing algorithm is one that the key spec supports */
    needs(supported.includes(input.SigningAlgorithm), () =>
      kmsError('invalid-key-usage', `Algorithm ${input.SigningAlgorithm} is incompatible with key spec ${key.keySpec}.`),
    );
    // EXTERNAL_MU is the ML-DSA message representative (FIPS 204 §6.2); no key here is ML-DSA.
    if (messageType === 'EXTERNAL_MU') throw kmsError('validation', `MessageType EXTERNAL_MU is not valid for key spec ${key.keySpec}.`);
    /* Precondition: a DIGEST message is exactly as long as the digest of the signing algorithm */
    needs(messageType === 'RAW' || message.length === schemeOf(input.SigningAlgorithm).digestLength, () =>
      kmsError('validation', `Digest is invalid length for algorithm ${input.SigningAlgorithm}.`),
    );
    return { key, algorithm: input.SigningAlgorithm, messageType, message };
  } catch (e) {
    message.fill(0);
    throw e;
  }
}

function schemeOf(algorithm: SigningAlgorithm): SigningScheme {
  const scheme = SCHEMES[algorithm];
  if (!scheme) throw kmsError('internal', `kms/asymmetric: no scheme for ${algorithm}`);
  return scheme;
}

/**
 * Signs with the key's PKCS#8 material. RAW messages are hashed and signed by OpenSSL. DIGEST
 * messages skip the hash: node:crypto has no "sign this digest" call, so the RSA encodings of
 * RFC 8017 are built here around OpenSSL's raw RSA, and ECDSA is finished here (see below).
 * `random` gives the PSS salt of DIGEST signatures and the blinding values of ECDSA.
 */
export function signMessage(material: Buffer, algorithm: SigningAlgorithm, messageType: 'RAW' | 'DIGEST', message: Buffer, random: (n: number) => Buffer): Buffer {
  const { scheme, hash, digestLength } = schemeOf(algorithm);
  const key = privateKeyOf(material);
  if (messageType === 'RAW') {
    if (scheme === 'ecdsa') return sign(hash, message, { key, dsaEncoding: 'der' });
    return sign(hash, message, {
      key,
      padding: scheme === 'pss' ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING,
      ...(scheme === 'pss' ? { saltLength: digestLength } : {}),
    });
  }
  const publicKey = createPublicKey(key);
  let signature: Buffer;
  if (scheme === 'ecdsa') {
    signature = ecdsaSignDigest(key, message, random);
  } else {
    const bits = publicKey.asymmetricKeyDetails!.modulusLength!;
    const em = scheme === 'pss' ? emsaPssEncode(hash, message, bits - 1, random(digestLength)) : emsaPkcs1Encode(hash, message, Math.ceil(bits / 8));
    signature = privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, leftPad(em, Math.ceil(bits / 8)));
  }
  /* Postcondition: a DIGEST-mode signature verifies under the public key of the KMS key */
  needs(verifyDigest(publicKey, algorithm, message, signature), 'kms/asymmetric: a DIGEST signature did not verify');
  return signature;
}

/** Whether `signature` is a valid signature of the message; malformed signatures are simply invalid. */
export function verifyMessage(material: Buffer, algorithm: SigningAlgorithm, messageType: 'RAW' | 'DIGEST', message: Buffer, signature: Buffer): boolean {
  const { scheme, hash, digestLength } = schemeOf(algorithm);
  const publicKey = createPublicKey(privateKeyOf(material));
  if (messageType === 'DIGEST') return verifyDigest(publicKey, algorithm, message, signature);
  try {
    if (scheme === 'ecdsa') return verify(hash, message, { key: publicKey, dsaEncoding: 'der' }, signature);
    // RFC 8017 §8.1.2 step 1: exactly k octets. OpenSSL's PSS verification also takes the same
    // number in fewer octets; refuse that here, as the DIGEST path does.
    if (signature.length !== Math.ceil(publicKey.asymmetricKeyDetails!.modulusLength! / 8)) return false;
    return verify(
      hash,
      message,
      {
        key: publicKey,
        padding: scheme === 'pss' ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING,
        // Exactly the digest length, as AWS signs; OpenSSL's default would accept any salt length.
        ...(scheme === 'pss' ? { saltLength: digestLength } : {}),
      },
      signature,
    );
  } catch {
    return false;
  }
}

function verifyDigest(publicKey: KeyObject, algorithm: SigningAlgorithm, digest: Buffer, signature: Buffer): boolean {
  const { scheme, hash } = schemeOf(algorithm);
  if (scheme === 'ecdsa') return ecdsaVerifyDigest(publicKey, digest, signature);
  const bits = publicKey.asymmetricKeyDetails!.modulusLength!;
  const k = Math.ceil(bits / 8);
  // RFC 8017 §8.1.2 step 1 / §8.2.2 step 1: the signature is exactly k octets.
  if (signature.length !== k) return false;
  let m: Buffer;
  try {
    m = publicDecrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, signature);
  } catch {
    return false; // s ≥ n
  }
  if (scheme === 'pkcs1') return m.equals(emsaPkcs1Encode(hash, digest, k));
  const emLen = Math.ceil((bits - 1) / 8);
  if (m.subarray(0, k - emLen).some((b) => b !== 0)) return false;
  return emsaPssVerify(hash, digest, m.subarray(k - emLen), bits - 1, digest.length);
}

// ---- RSA encodings (RFC 8017) --------------------------------------------------------------

// RFC 8017 §9.2 note 1: the DER DigestInfo prefix of each hash.
const DIGEST_INFO: Record<Hash, Buffer> = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};

// RFC 8017 §9.2 EMSA-PKCS1-v1_5: 0x00 ‖ 0x01 ‖ PS (0xff…) ‖ 0x00 ‖ DigestInfo, emLen = k.
function emsaPkcs1Encode(hash: Hash, digest: Buffer, emLen: number): Buffer {
  const t = Buffer.concat([DIGEST_INFO[hash], digest]);
  const em = Buffer.alloc(emLen, 0xff);
  em[0] = 0x00;
  em[1] = 0x01;
  em[emLen - t.length - 1] = 0x00;
  t.copy(em, emLen - t.length);
  return em;
}

// RFC 8017 §B.2.1 MGF1.
function mgf1(hash: Hash, seed: Buffer, length: number): Buffer {
  const out: Buffer[] = [];
  for (let counter = 0, have = 0; have < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    const block = createHash(hash).update(seed).update(c).digest();
    out.push(block);
    have += block.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

// RFC 8017 §9.1.1 EMSA-PSS-ENCODE, with mHash given (the DIGEST message).
function emsaPssEncode(hash: Hash, mHash: Buffer, emBits: number, salt: Buffer): Buffer {
  const hLen = mHash.length;
  const sLen = salt.length;
  const emLen = Math.ceil(emBits / 8);
  const h = createHash(hash).update(Buffer.alloc(8)).update(mHash).update(salt).digest();
  const db = Buffer.alloc(emLen - hLen - 1);
  db[emLen - sLen - hLen - 2] = 0x01;
  salt.copy(db, emLen - sLen - hLen - 1);
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >> (8 * emLen - emBits);
  return Buffer.concat([db, h, Buffer.of(0xbc)]);
}

// RFC 8017 §9.1.2 EMSA-PSS-VERIFY with a fixed salt length.
function emsaPssVerify(hash: Hash, mHash: Buffer, em: Buffer, emBits: number, sLen: number): boolean {
  const hLen = mHash.length;
  const emLen = Math.ceil(emBits / 8);
  if (em.length !== emLen || emLen < hLen + sLen + 2 || em[emLen - 1] !== 0xbc) return false;
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const spare = 8 * emLen - emBits;
  if ((maskedDb[0]! & (0xff00 >> spare)) & 0xff) return false;
  const db = mgf1(hash, h, maskedDb.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= maskedDb[i]!;
  db[0]! &= 0xff >> spare;
  const psLength = emLen - hLen - sLen - 2;
  if (db.subarray(0, psLength).some((b) => b !== 0) || db[psLength] !== 0x01) return false;
  const salt = db.subarray(db.length - sLen);
  return createHash(hash).update(Buffer.alloc(8)).update(mHash).update(salt).digest().equals(h);
}

const leftPad = (b: Buffer, length: number) => (b.length >= length ? b : Buffer.concat([Buffer.alloc(length - b.length), b]));

// ---- ECDSA over a given digest (SEC 1 v2 §4.1) ---------------------------------------------
//
// OpenSSL makes the nonce k and the point kG (an ephemeral ECDH key); only s = k⁻¹(e + r·d) mod n
// is computed here. BigInt arithmetic is not constant-time, so every product that involves k or d
// is blinded with fresh random values: k is inverted as b·(k·b)⁻¹ and d enters as d₁ + d₂ with d₁
// random. (BigInt copies of d cannot be zeroed; the DER buffer it is read from is.) Verification
// works on public values only. RAW messages never take this path.

interface Curve {
  p: bigint;
  n: bigint;
  gx: bigint;
  gy: bigint;
  /** Bytes of a field element / scalar. */
  size: number;
}

// SEC 2 v2 §2.4.2 (secp256r1) and §2.5.1 (secp384r1); both have a = −3.
export const CURVES: Record<'prime256v1' | 'secp384r1', Curve> = {
  prime256v1: {
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
    size: 32,
  },
  secp384r1: {
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    gx: 0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
    gy: 0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn,
    size: 48,
  },
};

function curveOf(key: KeyObject): { name: keyof typeof CURVES; curve: Curve } {
  const name = key.asymmetricKeyDetails?.namedCurve;
  if (name !== 'prime256v1' && name !== 'secp384r1') throw kmsError('internal', `kms/asymmetric: unsupported curve ${name}`);
  return { name, curve: CURVES[name] };
}

const toBigInt = (b: Uint8Array): bigint => (b.length === 0 ? 0n : BigInt(`0x${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')}`));
const mod = (a: bigint, m: bigint): bigint => {
  const r = a % m;
  return r < 0n ? r + m : r;
};

function invert(a: bigint, m: bigint): bigint {
  let [r0, r1] = [mod(a, m), m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw kmsError('internal', 'kms/asymmetric: value has no inverse');
  return mod(s0, m);
}

// A uniformly random scalar in [1, n−1] (64 extra bits make the reduction bias negligible).
function randomScalar(n: bigint, size: number, random: (n: number) => Buffer): bigint {
  const bytes = random(size + 8);
  const v = mod(toBigInt(bytes), n - 1n) + 1n;
  bytes.fill(0);
  return v;
}

// SEC 1 §4.1.3 step 5: e is the leftmost bitlen(n) bits of the digest.
function digestScalar(curve: Curve, digest: Buffer): bigint {
  const excess = digest.length * 8 - curve.n.toString(2).length;
  return excess > 0 ? toBigInt(digest) >> BigInt(excess) : toBigInt(digest);
}

function ecdsaSignDigest(key: KeyObject, digest: Buffer, random: (n: number) => Buffer): Buffer {
  const { name, curve } = curveOf(key);
  const { n, size } = curve;
  const e = digestScalar(curve, digest);
  // RFC 5915 ECPrivateKey: SEQUENCE { INTEGER 1, OCTET STRING d, … }.
  const sec1 = key.export({ format: 'der', type: 'sec1' });
  try {
    const outer = derHeader(sec1, 0);
    const version = derHeader(sec1, outer.start);
    const secret = derHeader(sec1, version.end);
    if (outer.tag !== 0x30 || version.tag !== 0x02 || secret.tag !== 0x04) throw kmsError('internal', 'kms/asymmetric: unexpected EC private key encoding');
    const d = toBigInt(sec1.subarray(secret.start, secret.end));
    for (;;) {
      const ephemeral = createECDH(name);
      ephemeral.generateKeys();
      const kBytes = ephemeral.getPrivateKey();
      const k = toBigInt(kBytes);
      kBytes.fill(0);
      const point = ephemeral.getPublicKey(); // 0x04 ‖ x ‖ y
      const r = mod(toBigInt(point.subarray(1, 1 + size)), n);
      if (r === 0n) continue;
      const b = randomScalar(n, size, random);
      const kInverse = mod(invert(mod(k * b, n), n) * b, n);
      const d1 = randomScalar(n, size, random);
      const d2 = mod(d - d1, n);
      const s = mod(kInverse * mod(e + r * d1 + r * d2, n), n);
      if (s === 0n) continue;
      return derSignature(r, s);
    }
  } finally {
    sec1.fill(0);
  }
}

function ecdsaVerifyDigest(publicKey: KeyObject, digest: Buffer, signature: Buffer): boolean {
  const { curve } = curveOf(publicKey);
  const parsed = parseDerSignature(signature);
  if (!parsed) return false;
  const [r, s] = parsed;
  const { n, p } = curve;
  if (r < 1n || r >= n || s < 1n || s >= n) return false;
  const jwk = publicKey.export({ format: 'jwk' });
  const q: Point = { x: toBigInt(Buffer.from(jwk.x!, 'base64url')), y: toBigInt(Buffer.from(jwk.y!, 'base64url')), z: 1n };
  const w = invert(s, n);
  const u1 = mod(digestScalar(curve, digest) * w, n);
  const u2 = mod(r * w, n);
  const sum = add(curve, multiply(curve, { x: curve.gx, y: curve.gy, z: 1n }, u1), multiply(curve, q, u2));
  if (sum.z === 0n) return false;
  const zInverse = invert(sum.z, p);
  const x = mod(sum.x * zInverse * zInverse, p);
  return mod(x, n) === r;
}

// Jacobian coordinates (X/Z², Y/Z³); z = 0 is the point at infinity. Formulas: EFD
// "dbl-2001-b" (a = −3) and "add-2007-bl".
interface Point {
  x: bigint;
  y: bigint;
  z: bigint;
}
const INFINITY: Point = { x: 1n, y: 1n, z: 0n };

function double(c: Curve, P: Point): Point {
  if (P.z === 0n || P.y === 0n) return INFINITY;
  const { p } = c;
  const delta = mod(P.z * P.z, p);
  const gamma = mod(P.y * P.y, p);
  const beta = mod(P.x * gamma, p);
  const alpha = mod(3n * (P.x - delta) * (P.x + delta), p);
  const x = mod(alpha * alpha - 8n * beta, p);
  const z = mod((P.y + P.z) * (P.y + P.z) - gamma - delta, p);
  const y = mod(alpha * (4n * beta - x) - 8n * gamma * gamma, p);
  return { x, y, z };
}

function add(c: Curve, P: Point, Q: Point): Point {
  if (P.z === 0n) return Q;
  if (Q.z === 0n) return P;
  const { p } = c;
  const z1z1 = mod(P.z * P.z, p);
  const z2z2 = mod(Q.z * Q.z, p);
  const u1 = mod(P.x * z2z2, p);
  const u2 = mod(Q.x * z1z1, p);
  const s1 = mod(P.y * Q.z * z2z2, p);
  const s2 = mod(Q.y * P.z * z1z1, p);
  const h = mod(u2 - u1, p);
  const r = mod(2n * (s2 - s1), p);
  if (h === 0n) return r === 0n ? double(c, P) : INFINITY;
  const i = mod(4n * h * h, p);
  const j = mod(h * i, p);
  const v = mod(u1 * i, p);
  const x = mod(r * r - j - 2n * v, p);
  const y = mod(r * (v - x) - 2n * s1 * j, p);
  const z = mod(((P.z + Q.z) * (P.z + Q.z) - z1z1 - z2z2) * h, p);
  return { x, y, z };
}

function multiply(c: Curve, P: Point, k: bigint): Point {
  let R = INFINITY;
  for (let i = k.toString(2).length - 1; i >= 0; i--) {
    R = double(c, R);
    if ((k >> BigInt(i)) & 1n) R = add(c, R, P);
  }
  return R;
}

// ---- DER (X.690) for ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279 §2.2.3) -

function derHeader(der: Buffer, at: number): { tag: number; start: number; end: number } {
  const tag = der[at];
  let length = der[at + 1];
  if (tag === undefined || length === undefined) throw kmsError('internal', 'kms/asymmetric: truncated DER');
  let start = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (der[start++] ?? 0);
  }
  return { tag, start, end: start + length };
}

function derInteger(v: bigint): Buffer {
  const hex = v.toString(16);
  let bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.of(0), bytes]);
  return Buffer.concat([Buffer.of(0x02, bytes.length), bytes]);
}

function derSignature(r: bigint, s: bigint): Buffer {
  const body = Buffer.concat([derInteger(r), derInteger(s)]);
  return Buffer.concat([Buffer.of(0x30, body.length), body]); // ≤ 102 bytes: short-form length
}

// r and s of a strictly DER-encoded signature (minimal, non-negative, no trailing bytes), else undefined.
function parseDerSignature(sig: Buffer): [bigint, bigint] | undefined {
  if (sig.length < 8 || sig[0] !== 0x30 || sig[1]! >= 0x80 || sig[1] !== sig.length - 2) return undefined;
  const values: bigint[] = [];
  let at = 2;
  for (let i = 0; i < 2; i++) {
    const length = sig[at + 1];
    if (sig[at] !== 0x02 || length === undefined || length === 0 || length >= 0x80 || at + 2 + length > sig.length) return undefined;
    const bytes = sig.subarray(at + 2, at + 2 + length);
    if (bytes[0]! & 0x80) return undefined;
    if (length > 1 && bytes[0] === 0 && !(bytes[1]! & 0x80)) return undefined;
    values.push(toBigInt(bytes));
    at += 2 + length;
  }
  return at === sig.length ? [values[0]!, values[1]!] : undefined;
}

// ---- HMAC (RFC 2104) -----------------------------------------------------------------------

export interface MacRequest {
  key: KeyRecord;
  algorithm: MacAlgorithm;
  /** The decoded message; the caller zeroes it when done. */
  message: Buffer;
}

/** What GenerateMac and VerifyMac share: message, key lookup with kms:MacAlgorithm, state, usage and algorithm. */
export async function macRequest(
  ctx: OperationContext,
  input: { KeyId: string; Message: string; MacAlgorithm: MacAlgorithm },
  action: 'kms:GenerateMac' | 'kms:VerifyMac',
  operation: 'GenerateMac' | 'VerifyMac',
): Promise<MacRequest> {
  const message = blob(input.Message, 'message', 1, 4096);
  try {
    const key = await ctx.key(input.KeyId, { action, acceptAlias: true, conditions: { 'kms:MacAlgorithm': input.MacAlgorithm } });
    requireEnabled(key);
    /* Precondition: GenerateMac and VerifyMac need a GENERATE_VERIFY_MAC key */
    needs(key.keyUsage === 'GENERATE_VERIFY_MAC', () => kmsError('invalid-key-usage', `${key.arn} key usage is ${key.keyUsage} which is not valid for ${operation}.`));
    const supported: readonly string[] = keyMetadata(key).MacAlgorithms ?? [];
    /* Precondition: the MAC algorithm is one that the key spec supports */
    needs(supported.includes(input.MacAlgorithm), () => kmsError('invalid-key-usage', `Algorithm ${input.MacAlgorithm} is incompatible with key spec ${key.keySpec}.`));
    return { key, algorithm: input.MacAlgorithm, message };
  } catch (e) {
    message.fill(0);
    throw e;
  }
}

/** HMAC of the message under the key's material. */
export function computeMac(material: Buffer, algorithm: MacAlgorithm, message: Buffer): Buffer {
  return createHmac(MAC_HASHES[algorithm], material).update(message).digest();
}

/** Whether `mac` is the HMAC of the message, compared in constant time. */
export function macMatches(material: Buffer, algorithm: MacAlgorithm, message: Buffer, mac: Buffer): boolean {
  const expected = computeMac(material, algorithm, message);
  return expected.length === mac.length && timingSafeEqual(expected, mac);
}
