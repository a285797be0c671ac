// Replays the frozen version-1 vectors (test/vectors/ciphertext-blob-v1.json) against two
// implementations: ours (src/formats) and a reference transcribed from docs/formats.md §1–2 with
// node:crypto alone (STYLE habit 8), so the file, the spec and the code are checked against each other.
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CiphertextBlobError, openBlob, readBlobHeader, sealBlob, type EncryptionContext } from '../../../src/formats/ciphertext-blob.js';
import { SealedError, open, seal } from '../../../src/formats/sealed.js';

interface BlobVector {
  name: string;
  materialKey: string;
  keyId: string;
  material: number;
  nonce: string;
  context: EncryptionContext | null;
  plaintext: string;
  blob: string;
}
interface InvalidBlobVector {
  name: string;
  materialKey: string;
  context: EncryptionContext | null;
  blob: string;
  error: 'too short' | 'unknown version' | 'authentication failed';
}
interface SealedVector {
  name: string;
  rootKey: string;
  purpose: string;
  nonce: string;
  secret: string;
  sealed: string;
}
interface InvalidSealedVector {
  name: string;
  rootKey: string;
  purpose: string;
  sealed: string;
  error: 'too short' | 'unknown version' | 'authentication failed';
}
const vectors = JSON.parse(readFileSync(new URL('../../../../test/vectors/ciphertext-blob-v1.json', import.meta.url), 'utf8')) as {
  source: string;
  blobs: BlobVector[];
  invalidBlobs: InvalidBlobVector[];
  sealed: SealedVector[];
  invalidSealed: InvalidSealedVector[];
};
const hex = (s: string) => Buffer.from(s, 'hex');
const ctx = (c: EncryptionContext | null) => c ?? undefined;

// --- The reference: docs/formats.md §1 and §2 transcribed, nothing imported from src/. ---

class ReferenceError extends Error {}

const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const u32 = (n: number) => Buffer.from([(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
const len16 = (b: Buffer) => Buffer.concat([u16(b.length), b]);

/** §1: context = u16(n) ‖ for each pair sorted by utf8(k) bytewise: len16(utf8(k)) ‖ len16(utf8(v)). */
function referenceContext(context: EncryptionContext | undefined): Buffer {
  const pairs = Object.entries(context ?? {}).map(([k, v]) => [Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8')] as const);
  pairs.sort((x, y) => Buffer.compare(x[0], y[0]));
  return Buffer.concat([u16(pairs.length), ...pairs.flatMap(([k, v]) => [len16(k), len16(v)])]);
}

const reference = {
  name: 'reference (docs/formats.md §1 with node:crypto)',
  seal(keyId: string, material: number, materialKey: Buffer, plaintext: Buffer, context: EncryptionContext | undefined, nonce: Buffer): Buffer {
    const header = Buffer.concat([Buffer.from([0x01]), Buffer.from(keyId.replace(/-/g, ''), 'hex'), u32(material), nonce]);
    const cipher = createCipheriv('aes-256-gcm', materialKey, nonce, { authTagLength: 16 });
    cipher.setAAD(Buffer.concat([header, referenceContext(context)]));
    return Buffer.concat([header, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  },
  open(blob: Buffer, materialKey: Buffer, context: EncryptionContext | undefined): Buffer {
    if (blob.length < 33 + 16) throw new ReferenceError('too short');
    if (blob[0] !== 0x01) throw new ReferenceError('unknown version');
    const header = blob.subarray(0, 33);
    const decipher = createDecipheriv('aes-256-gcm', materialKey, header.subarray(21, 33), { authTagLength: 16 });
    decipher.setAAD(Buffer.concat([header, referenceContext(context)]));
    decipher.setAuthTag(blob.subarray(blob.length - 16));
    try {
      return Buffer.concat([decipher.update(blob.subarray(33, blob.length - 16)), decipher.final()]);
    } catch {
      throw new ReferenceError('authentication failed');
    }
  },
  header(blob: Buffer) {
    const h = blob.subarray(1, 17).toString('hex');
    return { keyId: `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`, material: blob.readUInt32BE(17) };
  },
  errorClass: ReferenceError as new (...args: never[]) => Error,
};

const ours = {
  name: 'opencmk (src/formats/ciphertext-blob.ts)',
  seal: (keyId: string, material: number, materialKey: Buffer, plaintext: Buffer, context: EncryptionContext | undefined, nonce: Buffer) =>
    sealBlob({ keyId, material }, materialKey, plaintext, context, nonce),
  open: openBlob,
  header: readBlobHeader,
  errorClass: CiphertextBlobError as new (...args: never[]) => Error,
};

/** §2: sealed = u8(0x01) ‖ nonce[12] ‖ AES-256-GCM(rootKey, nonce, secret, aad = utf8(purpose)). */
const referenceSealed = {
  name: 'reference (docs/formats.md §2 with node:crypto)',
  seal(rootKey: Buffer, secret: Buffer, purpose: string, nonce: Buffer): Buffer {
    const cipher = createCipheriv('aes-256-gcm', rootKey, nonce, { authTagLength: 16 });
    cipher.setAAD(Buffer.from(purpose, 'utf8'));
    return Buffer.concat([Buffer.from([0x01]), nonce, cipher.update(secret), cipher.final(), cipher.getAuthTag()]);
  },
  open(rootKey: Buffer, sealed: Buffer, purpose: string): Buffer {
    if (sealed.length < 1 + 12 + 16) throw new ReferenceError('too short');
    if (sealed[0] !== 0x01) throw new ReferenceError('unknown version');
    const decipher = createDecipheriv('aes-256-gcm', rootKey, sealed.subarray(1, 13), { authTagLength: 16 });
    decipher.setAAD(Buffer.from(purpose, 'utf8'));
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    try {
      return Buffer.concat([decipher.update(sealed.subarray(13, sealed.length - 16)), decipher.final()]);
    } catch {
      throw new ReferenceError('authentication failed');
    }
  },
  errorClass: ReferenceError as new (...args: never[]) => Error,
};
const oursSealed = { name: 'opencmk (src/formats/sealed.ts)', seal, open, errorClass: SealedError as new (...args: never[]) => Error };

describe('ciphertext-blob-v1.json', () => {
  it('states its source and holds valid and invalid vectors', () => {
    assert.match(vectors.source, /generated once/);
    assert.ok(vectors.blobs.length >= 5 && vectors.invalidBlobs.length >= 5);
    assert.ok(vectors.sealed.length >= 3 && vectors.invalidSealed.length >= 3);
  });

  it('has the sizes §1 promises: 33 header bytes + plaintext + 16 tag bytes', () => {
    for (const v of vectors.blobs) assert.equal(hex(v.blob).length, 33 + hex(v.plaintext).length + 16, v.name);
    const largest = vectors.blobs.find((v) => hex(v.plaintext).length === 4096);
    assert.equal(hex(largest!.blob).length, 4145);
  });

  for (const impl of [ours, reference]) {
    describe(`blobs: ${impl.name}`, () => {
      for (const v of vectors.blobs) {
        it(`seals to the frozen bytes: ${v.name}`, () => {
          const blob = impl.seal(v.keyId, v.material, hex(v.materialKey), hex(v.plaintext), ctx(v.context), hex(v.nonce));
          assert.equal(blob.toString('hex'), v.blob);
        });
        it(`opens the frozen bytes: ${v.name}`, () => {
          assert.equal(impl.open(hex(v.blob), hex(v.materialKey), ctx(v.context)).toString('hex'), v.plaintext);
          assert.deepEqual(impl.header(hex(v.blob)), { keyId: v.keyId, material: v.material });
        });
      }
      for (const v of vectors.invalidBlobs) {
        it(`refuses: ${v.name} (${v.error})`, () => {
          assert.throws(
            () => impl.open(hex(v.blob), hex(v.materialKey), ctx(v.context)),
            (e: unknown) => e instanceof impl.errorClass && (e as Error).message.endsWith(v.error),
          );
        });
      }
    });
  }

  for (const impl of [oursSealed, referenceSealed]) {
    describe(`sealed: ${impl.name}`, () => {
      for (const v of vectors.sealed) {
        it(`seals to the frozen bytes and opens them: ${v.name}`, () => {
          assert.equal(impl.seal(hex(v.rootKey), hex(v.secret), v.purpose, hex(v.nonce)).toString('hex'), v.sealed);
          assert.equal(impl.open(hex(v.rootKey), hex(v.sealed), v.purpose).toString('hex'), v.secret);
        });
      }
      for (const v of vectors.invalidSealed) {
        it(`refuses: ${v.name} (${v.error})`, () => {
          assert.throws(
            () => impl.open(hex(v.rootKey), hex(v.sealed), v.purpose),
            (e: unknown) => e instanceof impl.errorClass && (e as Error).message.endsWith(v.error),
          );
        });
      }
    });
  }

  it('orders context pairs by UTF-8 bytes, which differs from JavaScript string order here', () => {
    // The guard that makes the UTF-8 vector meaningful: a sort by UTF-16 code units gives another order.
    const v = vectors.blobs.find((b) => b.name.includes('UTF-8'))!;
    const keys = Object.keys(v.context!);
    const byUtf16 = [...keys].sort();
    const byUtf8 = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    assert.notDeepEqual(byUtf16, byUtf8);
    const wrongOrder = Buffer.concat([u16(keys.length), ...byUtf16.flatMap((k) => [len16(Buffer.from(k)), len16(Buffer.from(v.context![k]!))])]);
    assert.notDeepEqual(referenceContext(v.context!), wrongOrder);
  });
});
