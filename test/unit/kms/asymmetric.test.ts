import assert from 'node:assert/strict';
import { constants, createECDH, createHash, createHmac, createPrivateKey, randomBytes, randomUUID, sign } from 'node:crypto';
import { describe, it } from 'node:test';
import { open, seal } from '../../../src/formats/sealed.js';
import { computeMac, CURVES, macMatches, signMessage, verifyMessage, type SigningAlgorithm } from '../../../src/kms/asymmetric.js';
import type { KmsCallRecord } from '../../../src/kms/audit-record.js';
import type { KmsRequest } from '../../../src/kms/context.js';
import { generateMaterial, materialPurpose } from '../../../src/kms/material.js';
import { createKeyService } from '../../../src/kms/service.js';
import { CreateKey } from '../../../src/kms/operations/create-key.js';
import { GenerateMac } from '../../../src/kms/operations/generate-mac.js';
import { GetPublicKey } from '../../../src/kms/operations/get-public-key.js';
import { Sign } from '../../../src/kms/operations/sign.js';
import { Verify } from '../../../src/kms/operations/verify.js';
import { VerifyMac } from '../../../src/kms/operations/verify-mac.js';
import { createMemoryStores } from '../../../src/store/memory/index.js';

const rsa = generateMaterial('RSA_2048', randomBytes);
const p256 = generateMaterial('ECC_NIST_P256', randomBytes);
const p384 = generateMaterial('ECC_NIST_P384', randomBytes);
const sha = (hash: string, data: Buffer) => createHash(hash).update(data).digest();

describe('kms/asymmetric: the crypto helpers', () => {
  it('the curve constants are the ones OpenSSL uses (G = 1·G, and (n−1)·G = −G)', () => {
    for (const [name, c] of Object.entries(CURVES)) {
      const size = c.size;
      const one = createECDH(name);
      one.setPrivateKey(Buffer.concat([Buffer.alloc(size - 1), Buffer.of(1)]));
      const g = one.getPublicKey();
      assert.equal(g.subarray(1, 1 + size).toString('hex'), c.gx.toString(16).padStart(size * 2, '0'), `${name} Gx`);
      assert.equal(g.subarray(1 + size).toString('hex'), c.gy.toString(16).padStart(size * 2, '0'), `${name} Gy`);
      const minusOne = createECDH(name);
      minusOne.setPrivateKey(Buffer.from((c.n - 1n).toString(16).padStart(size * 2, '0'), 'hex'));
      const minusG = minusOne.getPublicKey();
      assert.equal(BigInt(`0x${minusG.subarray(1, 1 + size).toString('hex')}`), c.gx, `${name} n`);
      assert.equal(BigInt(`0x${minusG.subarray(1 + size).toString('hex')}`), c.p - c.gy, `${name} p`);
    }
  });

  it('DIGEST and RAW verification refuse a PSS signature whose salt is not the digest length', () => {
    const key = createPrivateKey({ key: rsa, format: 'der', type: 'pkcs8' });
    const message = Buffer.from('m');
    for (const saltLength of [0, 20, 33]) {
      const signature = sign('sha256', message, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength });
      assert.equal(verifyMessage(rsa, 'RSASSA_PSS_SHA_256', 'RAW', message, signature), false, `RAW, salt ${saltLength}`);
      assert.equal(verifyMessage(rsa, 'RSASSA_PSS_SHA_256', 'DIGEST', sha('sha256', message), signature), false, `DIGEST, salt ${saltLength}`);
    }
    const good = sign('sha256', message, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    assert.equal(verifyMessage(rsa, 'RSASSA_PSS_SHA_256', 'DIGEST', sha('sha256', message), good), true);
  });

  it('DIGEST verification answers false (never throws) for RSA signatures of the wrong size or ≥ n', () => {
    const digest = sha('sha256', Buffer.from('m'));
    for (const algorithm of ['RSASSA_PSS_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_256'] as const) {
      assert.equal(verifyMessage(rsa, algorithm, 'DIGEST', digest, Buffer.alloc(256, 0xff)), false);
      assert.equal(verifyMessage(rsa, algorithm, 'DIGEST', digest, Buffer.alloc(255, 0x01)), false);
      assert.equal(verifyMessage(rsa, algorithm, 'DIGEST', digest, Buffer.alloc(256, 0x00)), false);
    }
    // RFC 8017 §8.1.2 step 1: a signature is exactly k octets, even when its first octet is zero.
    let signature: Buffer = Buffer.alloc(0);
    for (let i = 0; i < 20_000 && signature[0] !== 0; i++) signature = signMessage(rsa, 'RSASSA_PSS_SHA_256', 'DIGEST', digest, randomBytes);
    assert.equal(signature[0], 0, 'found a signature with a leading zero octet');
    assert.equal(verifyMessage(rsa, 'RSASSA_PSS_SHA_256', 'DIGEST', digest, signature), true);
    assert.equal(verifyMessage(rsa, 'RSASSA_PSS_SHA_256', 'DIGEST', digest, signature.subarray(1)), false, 'the same number in k−1 octets');
    assert.equal(verifyMessage(rsa, 'RSASSA_PSS_SHA_256', 'RAW', Buffer.from('m'), signature.subarray(1)), false, 'OpenSSL agrees for RAW');
  });

  it('ECDSA DIGEST verification takes strict DER only, with r and s in [1, n−1]', () => {
    const digest = sha('sha256', Buffer.from('m'));
    const signature = signMessage(p256, 'ECDSA_SHA_256', 'DIGEST', digest, randomBytes);
    assert.equal(verifyMessage(p256, 'ECDSA_SHA_256', 'DIGEST', digest, signature), true);
    // Re-encode r with one needless leading zero byte: the same numbers, not DER.
    const rLength = signature[3]!;
    const r = signature.subarray(4, 4 + rLength);
    const s = signature.subarray(4 + rLength);
    const padded = Buffer.concat([Buffer.of(0x02, rLength + 1, 0x00), r, s]);
    const loose = Buffer.concat([Buffer.of(0x30, padded.length), padded]);
    assert.equal(verifyMessage(p256, 'ECDSA_SHA_256', 'DIGEST', digest, loose), false, 'non-minimal INTEGER');
    assert.equal(verifyMessage(p256, 'ECDSA_SHA_256', 'RAW', Buffer.from('m'), loose), false, 'OpenSSL agrees for RAW');
    assert.equal(verifyMessage(p256, 'ECDSA_SHA_256', 'DIGEST', digest, Buffer.concat([signature, Buffer.of(0)])), false, 'trailing byte');
    const n = Buffer.from(CURVES.prime256v1.n.toString(16), 'hex');
    const nInt = Buffer.concat([Buffer.of(0x02, n.length + 1, 0x00), n]);
    const withN = Buffer.concat([Buffer.of(0x30, rLength + 2 + nInt.length), signature.subarray(2, 4 + rLength), nInt]);
    assert.equal(verifyMessage(p256, 'ECDSA_SHA_256', 'DIGEST', digest, withN), false, 's = n');
    const zero = Buffer.from('3006020100020101', 'hex');
    assert.equal(verifyMessage(p256, 'ECDSA_SHA_256', 'DIGEST', digest, zero), false, 'r = 0');
  });

  it('DIGEST signatures of every algorithm pass OpenSSL RAW verification, and RAW ones pass DIGEST verification', () => {
    const cases: [Buffer, SigningAlgorithm, string][] = [
      [rsa, 'RSASSA_PSS_SHA_384', 'sha384'],
      [rsa, 'RSASSA_PKCS1_V1_5_SHA_512', 'sha512'],
      [p256, 'ECDSA_SHA_256', 'sha256'],
      [p384, 'ECDSA_SHA_384', 'sha384'],
    ];
    for (const [material, algorithm, hash] of cases) {
      const message = randomBytes(100);
      const signature = signMessage(material, algorithm, 'DIGEST', sha(hash, message), randomBytes);
      assert.equal(verifyMessage(material, algorithm, 'RAW', message, signature), true, algorithm);
      const raw = signMessage(material, algorithm, 'RAW', message, randomBytes);
      assert.equal(verifyMessage(material, algorithm, 'DIGEST', sha(hash, message), raw), true, algorithm);
      assert.equal(verifyMessage(material, algorithm, 'DIGEST', sha(hash, Buffer.from('other')), raw), false, algorithm);
    }
  });

  it('HMAC_SHA_256 is RFC 4231 HMAC-SHA-256 (test case 1), and the comparison refuses other lengths', () => {
    const key = Buffer.alloc(20, 0x0b);
    const mac = computeMac(key, 'HMAC_SHA_256', Buffer.from('Hi There'));
    assert.equal(mac.toString('hex'), 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7');
    assert.equal(macMatches(key, 'HMAC_SHA_256', Buffer.from('Hi There'), mac), true);
    assert.equal(macMatches(key, 'HMAC_SHA_256', Buffer.from('Hi There'), mac.subarray(0, 16)), false);
    assert.equal(macMatches(key, 'HMAC_SHA_256', Buffer.from('Hi There'), Buffer.concat([mac, Buffer.of(0)])), false);
  });
});

describe('kms/asymmetric through the key service', () => {
  const rootKey = randomBytes(32);
  const records: KmsCallRecord[] = [];
  const stores = createMemoryStores();
  const deps = {
    keys: stores.keys,
    root: { seal: async (secret: Buffer, purpose: string) => seal(rootKey, secret, purpose, randomBytes(12)), open: async (sealed: Buffer, purpose: string) => open(rootKey, sealed, purpose) },
    clock: () => 1_700_000_000_000,
    random: (n: number) => randomBytes(n),
    uuid: randomUUID,
    audit: async (record: KmsCallRecord) => void records.push(record),
  };
  const service = createKeyService(deps);
  const request: KmsRequest = {
    principal: { accountId: '111122223333', arn: 'arn:aws:iam::111122223333:user/admin', accessKeyId: 'AKIAUNIT', userName: 'admin', principalId: 'AIDAUNIT' },
    region: 'us-east-1',
    requestId: 'unit',
    sourceIp: '127.0.0.1',
    userAgent: 'unit',
    secureTransport: true,
    time: 1_700_000_000_000,
  };
  const createKey = async (KeySpec: string, KeyUsage: string) =>
    ((await service.invoke(request, CreateKey, { KeySpec, KeyUsage })) as { KeyMetadata: { KeyId: string; Arn: string } }).KeyMetadata;

  it('GenerateMac is HMAC-SHA-256 under the key material itself (checked with the unsealed material)', async () => {
    const key = await createKey('HMAC_256', 'GENERATE_VERIFY_MAC');
    const stored = await stores.keys.getMaterial(key.KeyId, 1);
    const material = open(rootKey, stored!.wrapped, materialPurpose(key.Arn, 1));
    const message = Buffer.from('independent HMAC check');
    const out = (await service.invoke(request, GenerateMac, { KeyId: key.KeyId, Message: message.toString('base64'), MacAlgorithm: 'HMAC_SHA_256' })) as { Mac: string };
    assert.equal(out.Mac, createHmac('sha256', material).update(message).digest('base64'));
  });

  it('audit records name the key, algorithm and message type, never the message, signature or MAC', async () => {
    records.length = 0;
    const signing = await createKey('ECC_NIST_P256', 'SIGN_VERIFY');
    const hmac = await createKey('HMAC_256', 'GENERATE_VERIFY_MAC');
    const message = Buffer.from('a secret message that must not be logged').toString('base64');
    const signed = (await service.invoke(request, Sign, { KeyId: signing.KeyId, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' })) as { Signature: string };
    await service.invoke(request, Verify, { KeyId: signing.KeyId, Message: message, Signature: signed.Signature, SigningAlgorithm: 'ECDSA_SHA_256', MessageType: 'RAW' });
    await assert.rejects(service.invoke(request, Verify, { KeyId: signing.KeyId, Message: Buffer.from('x').toString('base64'), Signature: signed.Signature, SigningAlgorithm: 'ECDSA_SHA_256' }), {
      code: 'invalid-signature-value',
    });
    await service.invoke(request, GetPublicKey, { KeyId: signing.KeyId });
    const mac = (await service.invoke(request, GenerateMac, { KeyId: hmac.KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_256' })) as { Mac: string };
    await service.invoke(request, VerifyMac, { KeyId: hmac.KeyId, Message: message, Mac: mac.Mac, MacAlgorithm: 'HMAC_SHA_256' });

    const byEvent = records.filter((r) => r.eventName !== 'CreateKey');
    assert.deepEqual(
      byEvent.map((r) => [r.eventName, r.requestParameters, r.errorCode ?? null]),
      [
        ['Sign', { keyId: signing.KeyId, signingAlgorithm: 'ECDSA_SHA_256', messageType: 'RAW' }, null],
        ['Verify', { keyId: signing.KeyId, signingAlgorithm: 'ECDSA_SHA_256', messageType: 'RAW' }, null],
        ['Verify', { keyId: signing.KeyId, signingAlgorithm: 'ECDSA_SHA_256', messageType: 'RAW' }, 'invalid-signature-value'],
        ['GetPublicKey', { keyId: signing.KeyId }, null],
        ['GenerateMac', { keyId: hmac.KeyId, macAlgorithm: 'HMAC_SHA_256' }, null],
        ['VerifyMac', { keyId: hmac.KeyId, macAlgorithm: 'HMAC_SHA_256' }, null],
      ],
    );
    const logged = JSON.stringify(byEvent.map((r) => [r.requestParameters, r.responseElements]));
    for (const secret of [message, signed.Signature, mac.Mac]) assert.equal(logged.includes(secret), false);
    for (const r of byEvent) assert.deepEqual(r.resources.map((x) => x.arn), [r.eventName.includes('Mac') ? hmac.Arn : signing.Arn]);
  });
});
