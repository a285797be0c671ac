// aws-chunked decoding: AWS's documented examples, a body recorded from minio-go, round trips
// through an encoder written here from the S3 API Reference (not from src/), every framing
// error, and input split at every possible place.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { getSigningKey } from '@smithy/signature-v4';
import { Hash } from '@smithy/hash-node';
import {
  ChunkedError,
  chunkedModeFor,
  decodeAwsChunked,
  signingKeyFor,
  type ChunkSigning,
  type ChunkedErrorCode,
  type ChunkedMode,
  type DecodeAwsChunkedOptions,
} from '../../../src/wire/s3-xml/chunked.js';
import { parseAuthorization, verifySignature } from '../../../src/wire/http/sigv4.js';
import { checksumOf, toBase64 } from '../../../src/objects/checksums.js';

// ---------------------------------------------------------------------------------------------
// Helpers

/** mulberry32: reproducible "random" splits. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomSplit(input: Buffer, seed: number, max = 300): Buffer[] {
  const rand = prng(seed);
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < input.length; ) {
    const n = 1 + Math.floor(rand() * max);
    pieces.push(input.subarray(offset, offset + n));
    offset += n;
  }
  return pieces;
}

const bytewise = (input: Buffer) => Array.from({ length: input.length }, (_, i) => input.subarray(i, i + 1));

interface Decoded {
  output: Buffer;
  /** Output as emitted, piece by piece. */
  pieces: Buffer[];
  trailers: Record<string, string>;
  error?: ChunkedError;
}

function decode(options: DecodeAwsChunkedOptions, input: Buffer | Buffer[]): Promise<Decoded> {
  const stream = decodeAwsChunked(options);
  const pieces: Buffer[] = [];
  return new Promise((resolve) => {
    stream.on('data', (piece: Buffer) => pieces.push(piece));
    stream.on('end', () => resolve({ output: Buffer.concat(pieces), pieces, trailers: { ...stream.trailers } }));
    stream.on('error', (error: Error) => {
      assert.ok(error instanceof ChunkedError, `not a ChunkedError: ${error.stack}`);
      resolve({ output: Buffer.concat(pieces), pieces, trailers: { ...stream.trailers }, error });
    });
    for (const piece of Array.isArray(input) ? input : [input]) stream.write(piece);
    stream.end();
  });
}

async function accepts(options: DecodeAwsChunkedOptions, body: Buffer, payload: Buffer, trailers: Record<string, string> = {}) {
  for (const [name, input] of [
    ['whole', body],
    ['random splits', randomSplit(body, 1)],
    ['other random splits', randomSplit(body, 2, 9000)],
  ] as const) {
    const result = await decode(options, input as Buffer | Buffer[]);
    assert.equal(result.error, undefined, `${name}: ${result.error?.message}`);
    assert.ok(result.output.equals(payload), `${name}: payload differs`);
    assert.deepEqual(result.trailers, trailers, name);
  }
}

async function refuses(options: DecodeAwsChunkedOptions, body: Buffer | Buffer[], code: ChunkedErrorCode): Promise<Decoded> {
  const result = await decode(options, body);
  assert.equal(result.error?.code, code, `expected ${code}, got ${result.error?.code ?? 'success'} (${result.error?.message})`);
  assert.match(result.error!.message, /^wire\/s3-chunked: /);
  return result;
}

const sha256Hex = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const hmacHex = (key: Buffer, data: string) => createHmac('sha256', key).update(data).digest('hex');

interface EncodeOptions {
  mode: ChunkedMode;
  payload: Buffer;
  /** Chunk sizes; the last chunk takes whatever is left. */
  sizes?: number[];
  signing?: ChunkSigning;
  trailers?: [string, string][];
  /** Puts the empty line the S3 API Reference example shows between the 0-size chunk and the trailers. */
  docBlankLine?: boolean;
}

/** An aws-chunked encoder written from the S3 API Reference, independent of src/. */
function encode({ mode, payload, sizes = [65536], signing, trailers = [], docBlankLine = false }: EncodeOptions): Buffer {
  const parts: Buffer[] = [];
  let previous = signing?.seedSignature ?? '';
  const sign = (data: Buffer) => {
    previous = hmacHex(signing!.signingKey, ['AWS4-HMAC-SHA256-PAYLOAD', signing!.amzDate, signing!.scope, previous, sha256Hex(''), sha256Hex(data)].join('\n'));
    return previous;
  };
  const chunks: Buffer[] = [];
  for (let offset = 0, i = 0; offset < payload.length; i++) {
    const size = sizes[Math.min(i, sizes.length - 1)]!;
    chunks.push(payload.subarray(offset, offset + size));
    offset += size;
  }
  for (const chunk of [...chunks, Buffer.alloc(0)]) {
    const ext = mode === 'unsigned-trailer' ? '' : `;chunk-signature=${sign(chunk)}`;
    parts.push(Buffer.from(`${chunk.length.toString(16)}${ext}\r\n`), chunk);
    if (chunk.length > 0) parts.push(Buffer.from('\r\n'));
  }
  if (mode === 'signed') {
    parts.push(Buffer.from('\r\n'));
  } else {
    if (docBlankLine) parts.push(Buffer.from('\r\n'));
    for (const [name, value] of trailers) parts.push(Buffer.from(`${name}:${value}\r\n`));
    if (mode === 'signed-trailer') {
      const canonical = [...trailers]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([name, value]) => `${name}:${value}\n`)
        .join('');
      const signature = hmacHex(signing!.signingKey, ['AWS4-HMAC-SHA256-TRAILER', signing!.amzDate, signing!.scope, previous, sha256Hex(canonical)].join('\n'));
      parts.push(Buffer.from(`x-amz-trailer-signature:${signature}\r\n`));
    }
    parts.push(Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

const flip = (bytes: Buffer, at: number) => {
  const copy = Buffer.from(bytes);
  copy[at]! ^= 0x01;
  return copy;
};

// ---------------------------------------------------------------------------------------------
// The S3 API Reference examples (sigv4-streaming.html, sigv4-streaming-trailers.html): 66560 bytes
// of 'a' in a 64 KiB and a 1 KiB chunk, signed as AKIAIOSFODNN7EXAMPLE at 20130524T000000Z.

const DOC_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const DOC_DATE = '20130524T000000Z';
const DOC_SCOPE = '20130524/us-east-1/s3/aws4_request';
const DOC_KEY = signingKeyFor(DOC_SECRET, '20130524', 'us-east-1', 's3');
const DOC_DATA = Buffer.alloc(66560, 'a');

function docBody(signatures: [string, string, string], tail: string): Buffer {
  return Buffer.concat([
    Buffer.from(`10000;chunk-signature=${signatures[0]}\r\n`),
    DOC_DATA.subarray(0, 65536),
    Buffer.from(`\r\n400;chunk-signature=${signatures[1]}\r\n`),
    DOC_DATA.subarray(65536),
    Buffer.from(`\r\n0;chunk-signature=${signatures[2]}\r\n${tail}`),
  ]);
}

describe('the S3 API Reference examples', () => {
  const signing: ChunkSigning = {
    signingKey: DOC_KEY,
    amzDate: DOC_DATE,
    scope: DOC_SCOPE,
    seedSignature: '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
  };
  const signedBody = docBody(
    [
      'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
      '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
      'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
    ],
    '\r\n',
  );

  it('the seed signature of the chunked PUT verifies with our header verifier', async () => {
    const raw = {
      method: 'PUT',
      url: '/examplebucket/chunkObject.txt',
      headers: {
        host: 's3.amazonaws.com',
        'x-amz-date': DOC_DATE,
        'x-amz-storage-class': 'REDUCED_REDUNDANCY',
        'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': '66560',
        'content-length': '66824',
        authorization: `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/${DOC_SCOPE},SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=${signing.seedSignature}`,
      },
      body: signedBody,
    };
    assert.equal(signedBody.length, 66824);
    await verifySignature(raw, parseAuthorization(raw), DOC_SECRET, Date.UTC(2013, 4, 24));
  });

  it('decodes the signed example, whole, in random splits and byte by byte', async () => {
    const options = { mode: 'signed', decodedLength: 66560, signing } as const;
    await accepts(options, signedBody, DOC_DATA);
    const bytes = await decode(options, bytewise(signedBody));
    assert.equal(bytes.error, undefined);
    assert.ok(bytes.output.equals(DOC_DATA));
  });

  it('our test encoder reproduces the documented chunk signatures', () => {
    assert.ok(encode({ mode: 'signed', payload: DOC_DATA, sizes: [65536], signing }).equals(signedBody));
  });

  it('refuses the signed example with one payload byte changed, releasing nothing of that chunk', async () => {
    const result = await refuses({ mode: 'signed', decodedLength: 66560, signing }, flip(signedBody, 66_000), 'signature-mismatch');
    assert.equal(result.output.length, 65536, 'the first chunk verified and was released; the second was not');
  });

  it('refuses the signed example under another seed signature', async () => {
    await refuses({ mode: 'signed', signing: { ...signing, seedSignature: '0'.repeat(64) } }, signedBody, 'signature-mismatch');
  });

  const trailerSigning = { ...signing, seedSignature: '106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e' };
  const trailerSignatures: [string, string, string] = [
    'b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2',
    '1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7',
    '2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992',
  ];
  const trailerTail = 'x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n';

  it('decodes the signed-trailer example and verifies its trailer signature', async () => {
    const options = { mode: 'signed-trailer', decodedLength: 66560, signing: trailerSigning, declaredTrailers: ['x-amz-checksum-crc32c'] } as const;
    const expectedTrailers = { 'x-amz-checksum-crc32c': 'sOO8/Q==' };
    await accepts(options, docBody(trailerSignatures, trailerTail), DOC_DATA, expectedTrailers);
    // The page shows an empty line between the 0-size chunk and the trailers; the SDKs send none.
    await accepts(options, docBody(trailerSignatures, `\r\n${trailerTail}`), DOC_DATA, expectedTrailers);
    assert.equal(toBase64(checksumOf('CRC32C', DOC_DATA)), 'sOO8/Q==');
  });

  it('refuses the signed-trailer example with a changed trailer value', async () => {
    const body = docBody(trailerSignatures, trailerTail.replace('sOO8/Q==', 'sOO8/A=='));
    await refuses({ mode: 'signed-trailer', signing: trailerSigning }, body, 'signature-mismatch');
  });

  it('signingKeyFor matches @smithy/signature-v4', async () => {
    const theirs = await getSigningKey(Hash.bind(null, 'sha256'), { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: DOC_SECRET }, '20130524', 'us-east-1', 's3');
    assert.ok(Buffer.from(theirs).equals(DOC_KEY));
  });
});

// ---------------------------------------------------------------------------------------------
// Recorded from minio-go v7.0.46 (Debian bookworm's golang-github-minio-minio-go-v7-dev), which
// signs chunks over plain HTTP: PutObject of 100000 bytes, byte i = (31·i + 7) mod 256, as
// AKIDEXAMPLE / secret/EXAMPLE. It sends no Content-Encoding header.

describe('a body recorded from minio-go', () => {
  const payload = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 31 + 7) & 0xff));
  const headers = {
    host: '127.0.0.1:18081',
    'user-agent': 'MinIO (linux; amd64) minio-go/v7.0.46',
    'content-length': '100265',
    authorization:
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length,Signature=d3f6999351ccf1da02ed8ef9343c1df451c275f40170437c1f9436e9466e36c8',
    'content-type': 'application/octet-stream',
    'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    'x-amz-date': '20261128T193225Z',
    'x-amz-decoded-content-length': '100000',
  };
  const body = Buffer.concat([
    Buffer.from('10000;chunk-signature=d3cd36b2a80ffe1f50c41a33336f42d04452b13439f35c42aaa53882103ef9ff\r\n'),
    payload.subarray(0, 65536),
    Buffer.from('\r\n86a0;chunk-signature=698a7d632d134fe2a1565031bf6f4eaebc97f2fc905c36e86b72b2d608d598e8\r\n'),
    payload.subarray(65536),
    Buffer.from('\r\n0;chunk-signature=dc8868d9332b12eb3d3136e11921f99fe7ce4017172b3ae6cf667c5faea22d0f\r\n\r\n'),
  ]);

  it('verifies the seed, then every chunk, exactly as the S3 layer will', async () => {
    assert.equal(body.length, Number(headers['content-length']));
    const raw = { method: 'PUT', url: '/bucket/minio-go/object%201', headers, body };
    const auth = parseAuthorization(raw);
    await verifySignature(raw, auth, 'secret/EXAMPLE', Date.UTC(2026, 10, 28, 19, 32, 25));
    const mode = chunkedModeFor(headers['x-amz-content-sha256']);
    assert.equal(mode, 'signed');
    const signing = {
      signingKey: signingKeyFor('secret/EXAMPLE', auth.date, auth.region, auth.service),
      amzDate: auth.amzDate,
      scope: `${auth.date}/${auth.region}/${auth.service}/aws4_request`,
      seedSignature: auth.signature,
    };
    await accepts({ mode: mode!, signing, decodedLength: Number(headers['x-amz-decoded-content-length']) }, body, payload);
    await refuses({ mode: mode!, signing: { ...signing, signingKey: signingKeyFor('other', auth.date, auth.region, auth.service) } }, body, 'signature-mismatch');
  });
});

// ---------------------------------------------------------------------------------------------

const SIGNING: ChunkSigning = {
  signingKey: signingKeyFor('test-secret', '20240101', 'eu-west-1', 's3'),
  amzDate: '20240101T120000Z',
  scope: '20240101/eu-west-1/s3/aws4_request',
  seedSignature: sha256Hex('seed'),
};

const PAYLOAD = Buffer.from(Array.from({ length: 70_001 }, (_, i) => (i * 7919) & 0xff));
const CRC = toBase64(checksumOf('CRC32', PAYLOAD));

function optionsFor(mode: ChunkedMode, extra: Partial<DecodeAwsChunkedOptions> = {}): DecodeAwsChunkedOptions {
  return {
    mode,
    decodedLength: PAYLOAD.length,
    ...(mode === 'unsigned-trailer' ? {} : { signing: SIGNING }),
    ...(mode === 'signed' ? {} : { declaredTrailers: ['x-amz-checksum-crc32'] }),
    ...extra,
  };
}

function bodyFor(mode: ChunkedMode, extra: Partial<EncodeOptions> = {}): Buffer {
  return encode({ mode, payload: PAYLOAD, sizes: [65536], signing: SIGNING, trailers: mode === 'signed' ? [] : [['x-amz-checksum-crc32', CRC]], ...extra });
}

const MODES: ChunkedMode[] = ['signed', 'signed-trailer', 'unsigned-trailer'];

describe('round trips', () => {
  for (const mode of MODES) {
    it(`${mode}: random payloads, chunk sizes and input splits`, async () => {
      const rand = prng(mode.length);
      for (let round = 0; round < 25; round++) {
        const length = round === 0 ? 0 : Math.floor(rand() * 40_000);
        const payload = Buffer.from(Array.from({ length }, () => Math.floor(rand() * 256)));
        const sizes = [1 + Math.floor(rand() * 9000), 1 + Math.floor(rand() * 9000)];
        const trailers: [string, string][] = mode === 'signed' ? [] : [['x-amz-checksum-crc32', toBase64(checksumOf('CRC32', payload))]];
        const body = encode({ mode, payload, sizes, signing: SIGNING, trailers });
        const options: DecodeAwsChunkedOptions = {
          mode,
          decodedLength: length,
          ...(mode === 'unsigned-trailer' ? {} : { signing: SIGNING }),
          ...(mode === 'signed' ? {} : { declaredTrailers: ['x-amz-checksum-crc32'] }),
        };
        const result = await decode(options, randomSplit(body, round, 1 + Math.floor(rand() * 5000)));
        assert.equal(result.error, undefined, result.error?.message);
        assert.ok(result.output.equals(payload));
        assert.deepEqual(result.trailers, Object.fromEntries(trailers));
      }
    });

    it(`${mode}: byte by byte`, async () => {
      const payload = PAYLOAD.subarray(0, 3000);
      const trailers: [string, string][] = mode === 'signed' ? [] : [['x-amz-checksum-crc32', toBase64(checksumOf('CRC32', payload))]];
      const body = encode({ mode, payload, sizes: [1000, 7], signing: SIGNING, trailers });
      const result = await decode(optionsFor(mode, { decodedLength: 3000 }), bytewise(body));
      assert.equal(result.error, undefined, result.error?.message);
      assert.ok(result.output.equals(payload));
    });
  }

  it('unsigned-trailer without x-amz-trailer: "0\\r\\n\\r\\n" ends the body', async () => {
    await accepts({ mode: 'unsigned-trailer', decodedLength: 5 }, Buffer.from('5\r\nhello\r\n0\r\n\r\n'), Buffer.from('hello'));
  });

  it('accepts upper-case hex sizes and several trailers, and sorts them for the trailer signature', async () => {
    const trailers: [string, string][] = [
      ['x-amz-checksum-sha256', toBase64(checksumOf('SHA256', PAYLOAD))],
      ['x-amz-checksum-crc32', CRC],
    ];
    const body = encode({ mode: 'signed-trailer', payload: PAYLOAD, sizes: [0x1abc], signing: SIGNING, trailers });
    const upper = Buffer.from(body.toString('latin1').replace('1abc;', '1ABC;'), 'latin1');
    await accepts(optionsFor('signed-trailer', { declaredTrailers: ['x-amz-checksum-crc32', ' X-Amz-Checksum-SHA256'] }), upper, PAYLOAD, Object.fromEntries(trailers));
  });

  it('tolerates a missing final empty line once everything signed has arrived', async () => {
    for (const mode of MODES) {
      const body = bodyFor(mode);
      await accepts(optionsFor(mode), body.subarray(0, body.length - 2), PAYLOAD, mode === 'signed' ? {} : { 'x-amz-checksum-crc32': CRC });
    }
  });
});

describe('streaming and memory', () => {
  it('unsigned-trailer: payload bytes are emitted before their chunk ends', async () => {
    const stream = decodeAwsChunked({ mode: 'unsigned-trailer' });
    const seen: Buffer[] = [];
    stream.on('data', (piece: Buffer) => seen.push(piece));
    stream.write(Buffer.from('10000\r\nabc'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(Buffer.concat(seen).toString(), 'abc');
    stream.destroy();
  });

  it('signed: a chunk is released only once its signature has checked', async () => {
    const body = bodyFor('signed');
    const firstChunkEnd = '10000;chunk-signature='.length + 64 + 2 + 65536 + 2;
    const stream = decodeAwsChunked(optionsFor('signed'));
    const seen: Buffer[] = [];
    stream.on('data', (piece: Buffer) => seen.push(piece));
    stream.write(body.subarray(0, firstChunkEnd - 1));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(Buffer.concat(seen).length, 0, 'nothing before the CRLF that ends the chunk');
    stream.write(body.subarray(firstChunkEnd - 1, firstChunkEnd));
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(Buffer.concat(seen).equals(PAYLOAD.subarray(0, 65536)));
    stream.destroy();
  });

  it('streams 64 MiB in 1 MiB signed chunks with memory bounded by a few chunks', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const MiB = 1024 * 1024;
    const block = Buffer.from(Array.from({ length: MiB }, (_, i) => (i * 13) & 0xff));
    const signatureOfBlock = (previous: string) =>
      hmacHex(SIGNING.signingKey, ['AWS4-HMAC-SHA256-PAYLOAD', SIGNING.amzDate, SIGNING.scope, previous, sha256Hex(''), sha256Hex(block)].join('\n'));
    const total = 64;
    async function* body() {
      let previous = SIGNING.seedSignature;
      for (let i = 0; i < total; i++) {
        previous = signatureOfBlock(previous);
        yield Buffer.from(`100000;chunk-signature=${previous}\r\n`);
        // Copies, so that memory held by the decoder shows up as new allocations.
        for (let o = 0; o < MiB; o += 64 * 1024) yield Buffer.from(block.subarray(o, o + 64 * 1024));
        yield Buffer.from('\r\n');
      }
      previous = hmacHex(SIGNING.signingKey, ['AWS4-HMAC-SHA256-PAYLOAD', SIGNING.amzDate, SIGNING.scope, previous, sha256Hex(''), sha256Hex('')].join('\n'));
      yield Buffer.from(`0;chunk-signature=${previous}\r\n\r\n`);
    }
    // ArrayBuffers are freed by a concurrent sweeper: collect, yield, collect again.
    const settle = async () => {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
      gc();
      await new Promise((resolve) => setTimeout(resolve, 5));
      gc();
    };
    await settle();
    const baseline = process.memoryUsage().arrayBuffers;
    let peak = 0;
    let received = 0;
    await pipeline(Readable.from(body()), decodeAwsChunked({ mode: 'signed', signing: SIGNING, decodedLength: total * MiB }), async (source: AsyncIterable<Buffer>) => {
      for await (const piece of source) {
        received += piece.length;
        if (received % (8 * MiB) === 0) {
          await settle();
          peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseline);
        }
      }
    });
    assert.equal(received, total * MiB);
    // One chunk held for its signature, one released chunk in the readable buffer, input in flight.
    assert.ok(peak < 4 * MiB, `held ${(peak / MiB).toFixed(1)} MiB`);
  });
});

describe('refusals', () => {
  it('a flipped payload byte: signature-mismatch when signed; the trailer checksum tells when unsigned', async () => {
    for (const mode of ['signed', 'signed-trailer'] as const) {
      const result = await refuses(optionsFor(mode), flip(bodyFor(mode), 100), 'signature-mismatch');
      assert.equal(result.output.length, 0);
    }
    const result = await decode(optionsFor('unsigned-trailer'), flip(bodyFor('unsigned-trailer'), 100));
    assert.equal(result.error, undefined, 'unsigned chunks carry nothing to check the bytes against');
    assert.notEqual(toBase64(checksumOf('CRC32', result.output)), result.trailers['x-amz-checksum-crc32'], 'the caller sees the mismatch');
  });

  it('a flipped chunk-signature hex digit, and a chunk signature from another chain', async () => {
    const body = bodyFor('signed');
    const at = body.indexOf('chunk-signature=') + 20;
    const digit = body[at] === 0x30 ? '1' : '0';
    await refuses(optionsFor('signed'), Buffer.concat([body.subarray(0, at), Buffer.from(digit), body.subarray(at + 1)]), 'signature-mismatch');
    const other = encode({ mode: 'signed', payload: PAYLOAD, signing: { ...SIGNING, seedSignature: sha256Hex('other seed') } });
    await refuses(optionsFor('signed'), other, 'signature-mismatch');
  });

  it('chunks reordered or replayed fail the chain', async () => {
    const payload = Buffer.alloc(30, 'x');
    const body = encode({ mode: 'signed', payload, sizes: [10], signing: SIGNING });
    const text = body.toString('latin1');
    const chunks = text.split(/(?=[0-9a-f]+;chunk-signature=)/);
    assert.equal(chunks.length, 4);
    await refuses({ mode: 'signed', signing: SIGNING }, Buffer.from([chunks[1], chunks[0], chunks[2], chunks[3]].join(''), 'latin1'), 'signature-mismatch');
    await refuses({ mode: 'signed', signing: SIGNING }, Buffer.from([chunks[0], chunks[0], chunks[1], chunks[2], chunks[3]].join(''), 'latin1'), 'signature-mismatch');
  });

  it('a truncated body is incomplete-body at every cut, except after all that is signed', async () => {
    for (const mode of MODES) {
      const payload = Buffer.from('hello, chunked world');
      const trailers: [string, string][] = mode === 'signed' ? [] : [['x-amz-checksum-crc32', toBase64(checksumOf('CRC32', payload))]];
      const body = encode({ mode, payload, sizes: [7], signing: SIGNING, trailers });
      const options = optionsFor(mode, { decodedLength: payload.length });
      // The cuts we accept: the closing CRLF (or, with trailers, the closing empty line) missing.
      const tolerated = new Set([body.length - 2]);
      for (let cut = 0; cut < body.length; cut++) {
        const result = await decode(options, body.subarray(0, cut));
        if (tolerated.has(cut)) {
          assert.equal(result.error, undefined, `${mode} cut at ${cut}`);
          assert.ok(result.output.equals(payload));
        } else {
          assert.equal(result.error?.code, 'incomplete-body', `${mode} cut at ${cut}/${body.length}: ${result.error?.code ?? 'accepted'}`);
        }
      }
    }
  });

  it('bad chunk size lines are malformed', async () => {
    const cases: [ChunkedMode, string][] = [
      ['unsigned-trailer', 'zz\r\nhello\r\n0\r\n\r\n'],
      ['unsigned-trailer', '-5\r\nhello\r\n0\r\n\r\n'],
      ['unsigned-trailer', ' 5\r\nhello\r\n0\r\n\r\n'],
      ['unsigned-trailer', '\r\nhello\r\n0\r\n\r\n'],
      ['unsigned-trailer', '5\nhello\r\n0\r\n\r\n'],
      ['unsigned-trailer', '5;chunk-signature=abc\r\nhello\r\n0\r\n\r\n'],
      ['unsigned-trailer', `${'0'.repeat(17)}5\r\nhello\r\n0\r\n\r\n`],
      ['unsigned-trailer', `${'5'.repeat(5000)}`],
      ['unsigned-trailer', 'fffffffffffffff\r\n'],
      ['signed', '5\r\nhello\r\n'],
      ['signed', `5;chunk-signature=${'A'.repeat(64)}\r\nhello\r\n`],
      ['signed', `5;chunk-signature=${'a'.repeat(63)}\r\nhello\r\n`],
      ['signed', `5;chunk-signature=${'a'.repeat(64)};x=y\r\nhello\r\n`],
      ['signed', `5;signature=${'a'.repeat(64)}\r\nhello\r\n`],
    ];
    for (const [mode, body] of cases) await refuses(optionsFor(mode, { decodedLength: undefined }), Buffer.from(body), 'malformed');
  });

  it('chunk data not followed by CRLF, and bytes after the end, are malformed', async () => {
    await refuses({ mode: 'unsigned-trailer' }, Buffer.from('5\r\nhello!\r\n0\r\n\r\n'), 'malformed');
    await refuses({ mode: 'unsigned-trailer' }, Buffer.from('5\r\nhello\n\r0\r\n\r\n'), 'malformed');
    await refuses({ mode: 'unsigned-trailer' }, Buffer.from('5\r\nhello\r\n0\r\n\r\nextra'), 'malformed');
    for (const mode of MODES) await refuses(optionsFor(mode), Buffer.concat([bodyFor(mode), Buffer.from('\r\n')]), 'malformed');
  });

  it('a signed chunk over maxChunkSize is malformed; an unsigned one streams', async () => {
    await refuses(optionsFor('signed', { maxChunkSize: 65535 }), bodyFor('signed'), 'malformed');
    await accepts(optionsFor('unsigned-trailer', { maxChunkSize: 10 }), bodyFor('unsigned-trailer'), PAYLOAD, { 'x-amz-checksum-crc32': CRC });
  });

  it('the wrong x-amz-decoded-content-length is length-mismatch, early when the body runs over', async () => {
    for (const mode of MODES) {
      const short = await refuses(optionsFor(mode, { decodedLength: PAYLOAD.length + 1 }), bodyFor(mode), 'length-mismatch');
      assert.deepEqual(short.error!.details, { declared: PAYLOAD.length + 1, received: PAYLOAD.length });
      const long = await refuses(optionsFor(mode, { decodedLength: 1000 }), bodyFor(mode), 'length-mismatch');
      assert.deepEqual(long.error!.details, { declared: 1000, received: 65536 });
      assert.equal(long.output.length, 0, 'refused at the first chunk header, before any of its bytes');
    }
  });

  it('an empty body is incomplete-body', async () => {
    for (const mode of MODES) await refuses(optionsFor(mode), Buffer.alloc(0), 'incomplete-body');
  });
});

describe('trailers', () => {
  const unsigned = (trailerLines: string) => Buffer.from(`5\r\nhello\r\n0\r\n${trailerLines}\r\n`);
  const crc = toBase64(checksumOf('CRC32', Buffer.from('hello')));

  it('names are lower-cased and values trimmed', async () => {
    const result = await decode({ mode: 'unsigned-trailer', declaredTrailers: ['x-amz-checksum-crc32'] }, unsigned(`X-Amz-Checksum-CRC32:  ${crc} \r\n`));
    assert.equal(result.error, undefined);
    assert.deepEqual(result.trailers, { 'x-amz-checksum-crc32': crc });
  });

  it('undeclared, missing, repeated, nameless or too many trailers are malformed-trailer', async () => {
    const declared = { mode: 'unsigned-trailer', declaredTrailers: ['x-amz-checksum-crc32'] } as const;
    await refuses(declared, unsigned(`x-amz-checksum-crc32:${crc}\r\nx-amz-checksum-sha1:abc\r\n`), 'malformed-trailer');
    await refuses(declared, unsigned(''), 'malformed-trailer');
    await refuses(declared, unsigned(`x-amz-checksum-crc32:${crc}\r\nx-amz-checksum-crc32:${crc}\r\n`), 'malformed-trailer');
    await refuses(declared, unsigned(`:${crc}\r\n`), 'malformed-trailer');
    await refuses(declared, unsigned(`x-amz-checksum-crc32 ${crc}\r\n`), 'malformed-trailer');
    await refuses(declared, unsigned(`bad name:${crc}\r\n`), 'malformed-trailer');
    await refuses(declared, unsigned(`x-amz-checksum-crc32:${crc}\nfoo:bar\r\n`), 'malformed-trailer');
    await refuses({ mode: 'unsigned-trailer' }, unsigned(Array.from({ length: 17 }, (_, i) => `x-t${i}:v\r\n`).join('')), 'malformed-trailer');
    await refuses({ mode: 'unsigned-trailer' }, unsigned(`x-amz-checksum-crc32:${'A'.repeat(5000)}\r\n`), 'malformed-trailer');
  });

  it('a trailer signature in an unsigned body is malformed-trailer', async () => {
    await refuses({ mode: 'unsigned-trailer' }, unsigned(`x-amz-checksum-crc32:${crc}\r\nx-amz-trailer-signature:${'a'.repeat(64)}\r\n`), 'malformed-trailer');
  });

  it('signed-trailer: a missing, malformed or repeated trailer signature is refused', async () => {
    const body = bodyFor('signed-trailer').toString('latin1');
    const withoutSignature = body.replace(/x-amz-trailer-signature:[0-9a-f]+\r\n/, '');
    await refuses(optionsFor('signed-trailer'), Buffer.from(withoutSignature, 'latin1'), 'signature-mismatch');
    await refuses(optionsFor('signed-trailer'), Buffer.from(body.replace(/(x-amz-trailer-signature:)[0-9a-f]{4}/, '$1zzzz'), 'latin1'), 'signature-mismatch');
    const repeated = body.replace(/(x-amz-trailer-signature:[0-9a-f]+\r\n)/, '$1$1');
    await refuses(optionsFor('signed-trailer'), Buffer.from(repeated, 'latin1'), 'malformed-trailer');
  });

  it('signed-trailer: a trailer added after signing is refused', async () => {
    const body = bodyFor('signed-trailer').toString('latin1');
    const added = body.replace('x-amz-trailer-signature:', 'x-amz-meta-extra:1\r\nx-amz-trailer-signature:');
    await refuses(optionsFor('signed-trailer', { declaredTrailers: undefined }), Buffer.from(added, 'latin1'), 'signature-mismatch');
  });
});

describe('options and helpers', () => {
  it("Precondition: a signed mode needs the seed request's signing parameters.", () => {
    assert.throws(() => decodeAwsChunked({ mode: 'signed' }), TypeError);
    assert.throws(() => decodeAwsChunked({ mode: 'signed-trailer', signing: { ...SIGNING, seedSignature: 'abc' } }), TypeError);
    assert.throws(() => decodeAwsChunked({ mode: 'signed', signing: { ...SIGNING, signingKey: Buffer.alloc(16) } }), TypeError);
    assert.doesNotThrow(() => decodeAwsChunked({ mode: 'unsigned-trailer' }));
  });

  it('Precondition: decodedLength is a non-negative safe integer.', () => {
    for (const decodedLength of [-1, 1.5, Number.NaN, 2 ** 53]) {
      assert.throws(() => decodeAwsChunked({ mode: 'unsigned-trailer', decodedLength }), TypeError);
    }
  });

  it('chunkedModeFor maps x-amz-content-sha256', () => {
    assert.equal(chunkedModeFor('STREAMING-AWS4-HMAC-SHA256-PAYLOAD'), 'signed');
    assert.equal(chunkedModeFor('STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER'), 'signed-trailer');
    assert.equal(chunkedModeFor('STREAMING-UNSIGNED-PAYLOAD-TRAILER'), 'unsigned-trailer');
    for (const other of ['UNSIGNED-PAYLOAD', sha256Hex(''), 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD', 'toString', undefined]) {
      assert.equal(chunkedModeFor(other), undefined);
    }
  });

  it('decodedBytes counts the payload', async () => {
    const stream = decodeAwsChunked({ mode: 'unsigned-trailer' });
    stream.resume();
    stream.end(Buffer.from('5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n'));
    await new Promise((resolve) => stream.on('end', resolve));
    assert.equal(stream.decodedBytes, 8);
  });
});
