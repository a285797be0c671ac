// S3 checksums: the vectors in test/vectors/checksums.json, and agreement with the AWS SDK's own
// implementations (@aws-sdk/checksums, which @aws-sdk/client-s3 uses to compute what it sends) on
// random data fed in random pieces.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Crc32, Crc32c, Crc64Nvme } from '@aws-sdk/checksums/crc';
import { Sha1, Sha256 } from '@aws-sdk/checksums/sha';
import { Md5 } from '@aws-sdk/checksums/md5';
import {
  CHECKSUM_ALGORITHMS,
  CHECKSUM_TYPES,
  DIGEST_LENGTH,
  checksumAlgorithmOfHeader,
  checksumHeaderName,
  checksumOf,
  combineCrc,
  compositeChecksum,
  createChecksum,
  fromBase64,
  parseChecksumAlgorithm,
  toBase64,
  type ChecksumAlgorithm,
  type CrcAlgorithm,
} from '../../../src/objects/checksums.js';

type Input = { utf8: string } | { hex: string } | { fill: string; length: number } | { range: [number, number] };

function bytesOf(input: Input): Buffer {
  if ('utf8' in input) return Buffer.from(input.utf8, 'utf8');
  if ('hex' in input) return Buffer.from(input.hex, 'hex');
  if ('fill' in input) return Buffer.alloc(input.length, Buffer.from(input.fill, 'hex'));
  const [from, to] = input.range;
  const step = from <= to ? 1 : -1;
  return Buffer.from(Array.from({ length: Math.abs(to - from) + 1 }, (_, i) => from + i * step));
}

const vectors = JSON.parse(readFileSync(new URL('../../../../test/vectors/checksums.json', import.meta.url), 'utf8')) as {
  digests: { name: string; input: Input; expected: Partial<Record<ChecksumAlgorithm, string>>; base64?: Partial<Record<ChecksumAlgorithm, string>> }[];
  multipart: {
    name: string;
    parts: Input[];
    composite: Record<ChecksumAlgorithm, string>;
    fullObject: Record<CrcAlgorithm, string>;
  }[];
};

/** The SDK's implementations, as its flexible-checksums middleware picks them on Node. */
const sdk: Record<ChecksumAlgorithm, () => { update(data: Uint8Array): void; digest(): Promise<Uint8Array> }> = {
  CRC32: () => new Crc32(),
  CRC32C: () => new Crc32c(),
  CRC64NVME: () => new Crc64Nvme(),
  SHA1: () => new Sha1(),
  SHA256: () => new Sha256(),
  MD5: () => new Md5(),
};

const CRCS: CrcAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME'];

describe('checksum vectors (test/vectors/checksums.json)', () => {
  for (const vector of vectors.digests) {
    it(vector.name, async () => {
      const data = bytesOf(vector.input);
      for (const [algorithm, hex] of Object.entries(vector.expected) as [ChecksumAlgorithm, string][]) {
        assert.equal(checksumOf(algorithm, data).toString('hex'), hex, `${algorithm} (ours)`);
        const theirs = sdk[algorithm]();
        theirs.update(data);
        assert.equal(Buffer.from(await theirs.digest()).toString('hex'), hex, `${algorithm} (@aws-sdk/checksums)`);
      }
      for (const [algorithm, value] of Object.entries(vector.base64 ?? {}) as [ChecksumAlgorithm, string][]) {
        assert.equal(toBase64(checksumOf(algorithm, data)), value, `${algorithm} base64`);
      }
    });
  }

  for (const vector of vectors.multipart) {
    it(`multipart: ${vector.name}`, () => {
      const parts = vector.parts.map(bytesOf);
      for (const algorithm of CHECKSUM_ALGORITHMS) {
        assert.equal(compositeChecksum(algorithm, parts.map((part) => checksumOf(algorithm, part))), vector.composite[algorithm], `COMPOSITE ${algorithm}`);
      }
      for (const algorithm of CRCS) {
        const combined = combineCrc(algorithm, parts.map((part) => ({ checksum: checksumOf(algorithm, part), length: part.length })));
        assert.equal(toBase64(combined), vector.fullObject[algorithm], `FULL_OBJECT ${algorithm}`);
        assert.ok(combined.equals(checksumOf(algorithm, Buffer.concat(parts))), `FULL_OBJECT ${algorithm} is the whole object's CRC`);
      }
    });
  }
});

describe('agreement with @aws-sdk/checksums on random data', () => {
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    it(algorithm, async () => {
      for (const size of [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 4096, 65_536 + 3, 1_048_576 + 11]) {
        const data = randomBytes(size);
        const ours = createChecksum(algorithm);
        const theirs = sdk[algorithm]();
        // Different piece sizes on each side: the running state must not depend on the split.
        for (let offset = 0; offset < size; ) {
          const n = 1 + Math.floor(Math.random() * 5000);
          ours.update(data.subarray(offset, offset + n));
          offset += n;
        }
        theirs.update(data);
        const digest = ours.digest();
        assert.equal(digest.length, DIGEST_LENGTH[algorithm]);
        assert.equal(digest.toString('hex'), Buffer.from(await theirs.digest()).toString('hex'), `${algorithm}, ${size} bytes`);
      }
    });
  }

  it('digest does not end the checksum: more updates may follow', () => {
    const data = randomBytes(5000);
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      const running = createChecksum(algorithm).update(data.subarray(0, 1234));
      assert.ok(running.digest().equals(checksumOf(algorithm, data.subarray(0, 1234))));
      assert.ok(running.digest().equals(running.digest()));
      running.update(data.subarray(1234));
      assert.ok(running.digest().equals(checksumOf(algorithm, data)), algorithm);
    }
  });

  it('accepts any Uint8Array view, not only Buffers', () => {
    const data = randomBytes(300);
    const view = new Uint8Array(data.buffer, data.byteOffset + 10, 200);
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      assert.ok(checksumOf(algorithm, view).equals(checksumOf(algorithm, Buffer.from(data.subarray(10, 210)))), algorithm);
    }
  });
});

describe('FULL_OBJECT: combining part CRCs', () => {
  for (const algorithm of CRCS) {
    it(`${algorithm}: equals the whole object's CRC for random part splits, empty parts included`, () => {
      for (let round = 0; round < 20; round++) {
        const data = randomBytes(Math.floor(Math.random() * 200_000));
        const cuts = [0, ...Array.from({ length: 1 + (round % 6) }, () => Math.floor(Math.random() * data.length)).sort((a, b) => a - b), data.length];
        const parts = cuts.slice(1).map((end, i) => data.subarray(cuts[i], end));
        const combined = combineCrc(algorithm, parts.map((part) => ({ checksum: checksumOf(algorithm, part), length: part.length })));
        assert.ok(combined.equals(checksumOf(algorithm, data)), `round ${round}, ${parts.length} parts`);
      }
    });
  }

  it('parts of 4 GiB combine without the bytes', () => {
    // crc(zeros(n)) for a huge n is itself a combination: 1 zero byte, then doublings.
    for (const algorithm of CRCS) {
      const zero = { checksum: checksumOf(algorithm, Buffer.alloc(1)), length: 1 };
      let big = zero;
      for (let i = 0; i < 32; i++) big = { checksum: combineCrc(algorithm, [big, big]), length: big.length * 2 };
      assert.equal(big.length, 2 ** 32);
      const whole = combineCrc(algorithm, [big, { checksum: checksumOf(algorithm, Buffer.from('tail')), length: 4 }]);
      assert.equal(whole.length, DIGEST_LENGTH[algorithm]);
      // Associativity: (big ‖ big) ‖ tail = big ‖ (big ‖ tail).
      const left = combineCrc(algorithm, [big, big, { checksum: checksumOf(algorithm, Buffer.from('tail')), length: 4 }]);
      const right = combineCrc(algorithm, [big, { checksum: combineCrc(algorithm, [big, { checksum: checksumOf(algorithm, Buffer.from('tail')), length: 4 }]), length: big.length + 4 }]);
      assert.ok(left.equals(right), algorithm);
    }
  });

  it('a single part is its own checksum; no parts is the empty CRC', () => {
    for (const algorithm of CRCS) {
      const data = randomBytes(999);
      assert.ok(combineCrc(algorithm, [{ checksum: checksumOf(algorithm, data), length: 999 }]).equals(checksumOf(algorithm, data)));
      assert.ok(combineCrc(algorithm, []).equals(checksumOf(algorithm, Buffer.alloc(0))));
    }
  });

  it('refuses a part checksum of the wrong length or a bad part length', () => {
    assert.throws(() => combineCrc('CRC32', [{ checksum: Buffer.alloc(8), length: 1 }]), RangeError);
    assert.throws(() => combineCrc('CRC64NVME', [{ checksum: Buffer.alloc(4), length: 1 }]), RangeError);
    assert.throws(() => combineCrc('CRC32C', [{ checksum: Buffer.alloc(4), length: -1 }]), RangeError);
    assert.throws(() => combineCrc('CRC32C', [{ checksum: Buffer.alloc(4), length: 0.5 }]), RangeError);
  });
});

describe('COMPOSITE: the checksum of the part checksums', () => {
  it('is checksum(concat(raw part checksums)) in base64, then -<parts>', () => {
    const parts = [randomBytes(100), randomBytes(5), randomBytes(70_000)];
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      const raw = parts.map((part) => checksumOf(algorithm, part));
      assert.equal(compositeChecksum(algorithm, raw), `${toBase64(checksumOf(algorithm, Buffer.concat(raw)))}-3`);
    }
  });

  it('refuses no parts and part checksums of the wrong length', () => {
    assert.throws(() => compositeChecksum('SHA256', []), RangeError);
    assert.throws(() => compositeChecksum('SHA256', [Buffer.alloc(20)]), RangeError);
  });

  it('CHECKSUM_TYPES: CRC64NVME is full-object only, the SHAs composite only, CRC32/CRC32C both', () => {
    assert.deepEqual(CHECKSUM_TYPES.CRC64NVME.types, ['FULL_OBJECT']);
    for (const algorithm of ['SHA1', 'SHA256'] as const) assert.deepEqual(CHECKSUM_TYPES[algorithm].types, ['COMPOSITE']);
    for (const algorithm of ['CRC32', 'CRC32C'] as const) assert.deepEqual([...CHECKSUM_TYPES[algorithm].types].sort(), ['COMPOSITE', 'FULL_OBJECT']);
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      assert.ok((CHECKSUM_TYPES[algorithm].types as readonly string[]).includes(CHECKSUM_TYPES[algorithm].multipartDefault));
      if ((CHECKSUM_TYPES[algorithm].types as readonly string[]).includes('FULL_OBJECT')) assert.ok((CRCS as string[]).includes(algorithm), 'only CRCs combine');
    }
  });
});

describe('names and wire forms', () => {
  it('header names round-trip, in any case', () => {
    assert.equal(checksumHeaderName('CRC32'), 'x-amz-checksum-crc32');
    assert.equal(checksumHeaderName('CRC64NVME'), 'x-amz-checksum-crc64nvme');
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      assert.equal(checksumAlgorithmOfHeader(checksumHeaderName(algorithm)), algorithm);
      assert.equal(checksumAlgorithmOfHeader(checksumHeaderName(algorithm).toUpperCase()), algorithm);
      assert.equal(parseChecksumAlgorithm(algorithm.toLowerCase()), algorithm);
    }
    for (const other of ['x-amz-checksum-xxhash64', 'x-amz-checksum-', 'x-amz-checksum-type', 'content-md5']) assert.equal(checksumAlgorithmOfHeader(other), undefined);
    assert.equal(parseChecksumAlgorithm('SHA512'), undefined);
  });

  it('fromBase64 takes only canonical padded base64 of the right length', () => {
    assert.deepEqual(fromBase64('CRC32', 'DUoRhQ=='), Buffer.from('0d4a1185', 'hex'));
    for (const bad of ['DUoRhQ', 'DUoRhQ==\n', ' DUoRhQ==', 'DUoR hQ==', 'DUoRhQ=', 'DUoRhQ==AA', 'DUoRhR==', 'DUoRhQ-=', 'AAAAAAAAAAA=', '']) {
      assert.equal(fromBase64('CRC32', bad), undefined, JSON.stringify(bad));
    }
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      const digest = checksumOf(algorithm, Buffer.from('x'));
      assert.deepEqual(fromBase64(algorithm, toBase64(digest)), digest);
    }
    assert.equal(fromBase64('SHA256', toBase64(checksumOf('SHA1', Buffer.from('x')))), undefined);
  });
});
