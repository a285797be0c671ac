import assert from 'node:assert/strict';
import { constants, createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DisableKeyCommand,
  GenerateMacCommand,
  GetKeyPolicyCommand,
  GetPublicKeyCommand,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  VerifyCommand,
  VerifyMacCommand,
  type KeySpec,
  type KeyUsageType,
  type KMSClient,
  type MacAlgorithmSpec,
  type MessageType,
  type SigningAlgorithmSpec,
} from '@aws-sdk/client-kms';
import { CUSTOMER } from '../helpers/accounts.js';
import { kmsClient, python } from '../helpers/clients.js';
import { startServerProcess, type ServerProcess } from '../helpers/server.js';

// Sign, Verify, GetPublicKey, GenerateMac and VerifyMac through @aws-sdk/client-kms against a real
// server. Every signature is also checked by node:crypto with the key GetPublicKey returns, so a
// signature that only our own Verify accepts fails here.

const SIGNING: Record<string, SigningAlgorithmSpec[]> = {
  RSA_2048: ['RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512', 'RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512'],
  RSA_3072: ['RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512', 'RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512'],
  RSA_4096: ['RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512', 'RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512'],
  ECC_NIST_P256: ['ECDSA_SHA_256'],
  ECC_NIST_P384: ['ECDSA_SHA_384'],
};
// DescribeKey's order (AWS lists PKCS#1 first).
const RSA_SIGNING = ['RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512', 'RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512'];

const hashOf = (algorithm: string) => `sha${algorithm.slice(-3)}`;
const digestOf = (algorithm: string, message: Uint8Array) => createHash(hashOf(algorithm)).update(message).digest();

/** node:crypto's own verification of a KMS signature (AWS: PSS with MGF1 and salt = digest length; ECDSA DER). */
function nodeVerifies(publicKey: KeyObject, algorithm: string, message: Uint8Array, signature: Uint8Array, saltLength?: number): boolean {
  const hash = hashOf(algorithm);
  if (algorithm.startsWith('ECDSA')) return verify(hash, message, { key: publicKey, dsaEncoding: 'der' }, signature);
  if (algorithm.startsWith('RSASSA_PSS')) {
    return verify(hash, message, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: saltLength ?? Number(algorithm.slice(-3)) / 8 }, signature);
  }
  return verify(hash, message, { key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature);
}

async function rejects(call: Promise<unknown>, name: string, message?: string | RegExp): Promise<void> {
  let error: unknown;
  try {
    await call;
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof Error, `expected ${name}, but the call succeeded`);
  assert.equal(error.name, name, `expected ${name}, got ${error.name}: ${error.message}`);
  assert.equal((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode, 400);
  if (typeof message === 'string') assert.equal(error.message, message);
  else if (message) assert.match(error.message, message);
}

const flip = (bytes: Uint8Array, index: number): Uint8Array => {
  const copy = Uint8Array.from(bytes);
  copy[index < 0 ? copy.length + index : index]! ^= 0x01;
  return copy;
};

describe('asymmetric and HMAC keys over the KMS JSON API', () => {
  let server: ServerProcess;
  let kms: KMSClient;
  const keys: Record<string, { id: string; arn: string }> = {};

  async function createKey(spec: KeySpec, usage: KeyUsageType): Promise<{ id: string; arn: string }> {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: usage }));
    return { id: KeyMetadata!.KeyId!, arn: KeyMetadata!.Arn! };
  }
  const sign = (KeyId: string, Message: Uint8Array, SigningAlgorithm: SigningAlgorithmSpec, MessageType?: MessageType) =>
    kms.send(new SignCommand({ KeyId, Message, SigningAlgorithm, MessageType }));
  const verifyKms = (KeyId: string, Message: Uint8Array, Signature: Uint8Array, SigningAlgorithm: SigningAlgorithmSpec, MessageType?: MessageType) =>
    kms.send(new VerifyCommand({ KeyId, Message, Signature, SigningAlgorithm, MessageType }));
  const mac = (KeyId: string, Message: Uint8Array, MacAlgorithm: MacAlgorithmSpec = 'HMAC_SHA_256') => kms.send(new GenerateMacCommand({ KeyId, Message, MacAlgorithm }));
  const verifyMac = (KeyId: string, Message: Uint8Array, Mac: Uint8Array, MacAlgorithm: MacAlgorithmSpec = 'HMAC_SHA_256') =>
    kms.send(new VerifyMacCommand({ KeyId, Message, Mac, MacAlgorithm }));
  async function publicKey(keyId: string): Promise<KeyObject> {
    const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
    return createPublicKey({ key: Buffer.from(PublicKey!), format: 'der', type: 'spki' });
  }

  before(async () => {
    server = await startServerProcess();
    kms = kmsClient(server.url, CUSTOMER);
    const made = await Promise.all([
      ...Object.keys(SIGNING).map(async (spec) => [spec, await createKey(spec as KeySpec, 'SIGN_VERIFY')] as const),
      (async () => ['RSA_2048_ENCRYPT', await createKey('RSA_2048', 'ENCRYPT_DECRYPT')] as const)(),
      (async () => ['HMAC_256', await createKey('HMAC_256', 'GENERATE_VERIFY_MAC')] as const)(),
      (async () => ['HMAC_256_OTHER', await createKey('HMAC_256', 'GENERATE_VERIFY_MAC')] as const)(),
      (async () => ['SYMMETRIC_DEFAULT', await createKey('SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT')] as const)(),
    ]);
    for (const [name, key] of made) keys[name] = key;
  });
  after(() => server.stop());

  describe('GetPublicKey', () => {
    for (const spec of Object.keys(SIGNING)) {
      it(`returns the DER SubjectPublicKeyInfo and signing metadata of a ${spec} key`, async () => {
        const out = await kms.send(new GetPublicKeyCommand({ KeyId: keys[spec]!.id }));
        assert.equal(out.KeyId, keys[spec]!.arn);
        assert.equal(out.KeySpec, spec);
        assert.equal(out.CustomerMasterKeySpec, spec);
        assert.equal(out.KeyUsage, 'SIGN_VERIFY');
        assert.deepEqual(out.SigningAlgorithms, spec.startsWith('RSA') ? RSA_SIGNING : SIGNING[spec]);
        assert.equal(out.EncryptionAlgorithms, undefined);
        const key = createPublicKey({ key: Buffer.from(out.PublicKey!), format: 'der', type: 'spki' });
        if (spec.startsWith('RSA')) {
          assert.equal(key.asymmetricKeyType, 'rsa');
          assert.equal(key.asymmetricKeyDetails?.modulusLength, Number(spec.slice(4)));
        } else {
          assert.equal(key.asymmetricKeyType, 'ec');
          assert.equal(key.asymmetricKeyDetails?.namedCurve, spec === 'ECC_NIST_P256' ? 'prime256v1' : 'secp384r1');
        }
      });
    }

    it('lists the encryption algorithms of an RSA ENCRYPT_DECRYPT key, and answers for an alias with the key ARN', async () => {
      await kms.send(new CreateAliasCommand({ AliasName: 'alias/rsa-encrypt', TargetKeyId: keys.RSA_2048_ENCRYPT!.id }));
      const out = await kms.send(new GetPublicKeyCommand({ KeyId: 'alias/rsa-encrypt' }));
      assert.equal(out.KeyId, keys.RSA_2048_ENCRYPT!.arn);
      assert.equal(out.KeyUsage, 'ENCRYPT_DECRYPT');
      assert.deepEqual(out.EncryptionAlgorithms, ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256']);
      assert.equal(out.SigningAlgorithms, undefined);
      assert.equal(createPublicKey({ key: Buffer.from(out.PublicKey!), format: 'der', type: 'spki' }).asymmetricKeyDetails?.modulusLength, 2048);
    });

    it('refuses symmetric and HMAC keys with UnsupportedOperationException', async () => {
      for (const name of ['SYMMETRIC_DEFAULT', 'HMAC_256']) {
        await rejects(kms.send(new GetPublicKeyCommand({ KeyId: keys[name]!.id })), 'UnsupportedOperationException', new RegExp(keys[name]!.arn));
      }
    });
  });

  describe('Sign and Verify, RAW, for every key spec and algorithm', () => {
    for (const [spec, algorithms] of Object.entries(SIGNING)) {
      for (const algorithm of algorithms) {
        it(`${spec} ${algorithm}: KMS and node:crypto both verify; a changed message or signature is refused`, async () => {
          const key = keys[spec]!;
          const message = Buffer.from(`a message for ${spec} ${algorithm}`);
          const signed = await sign(key.id, message, algorithm);
          assert.equal(signed.KeyId, key.arn);
          assert.equal(signed.SigningAlgorithm, algorithm);
          const signature = signed.Signature!;

          const ok = await verifyKms(key.id, message, signature, algorithm);
          assert.equal(ok.SignatureValid, true);
          assert.equal(ok.KeyId, key.arn);
          assert.equal(ok.SigningAlgorithm, algorithm);

          const pub = await publicKey(key.id);
          assert.ok(nodeVerifies(pub, algorithm, message, signature), 'node:crypto verifies the KMS signature with the GetPublicKey key');
          assert.equal(nodeVerifies(pub, algorithm, Buffer.from('another message'), signature), false);
          if (algorithm.startsWith('ECDSA')) assert.equal(signature[0], 0x30, 'ECDSA signatures are DER SEQUENCEs');
          if (algorithm.startsWith('RSASSA_PSS')) {
            const saltLength = Number(algorithm.slice(-3)) / 8;
            assert.equal(nodeVerifies(pub, algorithm, message, signature, saltLength + 1), false, 'the PSS salt is exactly the digest length');
            const again = await sign(key.id, message, algorithm);
            assert.notDeepEqual(again.Signature, signature, 'PSS signatures are randomized by the salt');
          }
          if (spec.startsWith('RSA')) assert.equal(signature.length, Number(spec.slice(4)) / 8);

          await rejects(verifyKms(key.id, Buffer.from('a changed message'), signature, algorithm), 'KMSInvalidSignatureException');
          await rejects(verifyKms(key.id, message, flip(signature, -3), algorithm), 'KMSInvalidSignatureException');
          await rejects(verifyKms(key.id, message, signature.subarray(0, signature.length - 1), algorithm), 'KMSInvalidSignatureException');
        });
      }
    }

    it('signs by alias name and alias ARN', async () => {
      await kms.send(new CreateAliasCommand({ AliasName: 'alias/p256', TargetKeyId: keys.ECC_NIST_P256!.id }));
      for (const ref of ['alias/p256', `arn:aws:kms:us-east-1:${CUSTOMER.accountId}:alias/p256`]) {
        const signed = await sign(ref, Buffer.from('by alias'), 'ECDSA_SHA_256');
        assert.equal(signed.KeyId, keys.ECC_NIST_P256!.arn);
        assert.equal((await verifyKms(ref, Buffer.from('by alias'), signed.Signature!, 'ECDSA_SHA_256')).SignatureValid, true);
      }
    });

    it('accepts a 4096-byte message and refuses 4097 bytes and an empty message with ValidationException', async () => {
      const key = keys.ECC_NIST_P256!.id;
      const signed = await sign(key, Buffer.alloc(4096, 7), 'ECDSA_SHA_256');
      assert.ok(nodeVerifies(await publicKey(key), 'ECDSA_SHA_256', Buffer.alloc(4096, 7), signed.Signature!));
      await rejects(sign(key, Buffer.alloc(4097, 7), 'ECDSA_SHA_256'), 'ValidationException', /length less than or equal to 4096/);
      await rejects(sign(key, new Uint8Array(0), 'ECDSA_SHA_256'), 'ValidationException', /length greater than or equal to 1/);
      await rejects(verifyKms(key, Buffer.from('m'), Buffer.alloc(6145, 1), 'ECDSA_SHA_256'), 'ValidationException', /length less than or equal to 6144/);
    });

    it('refuses a signing algorithm outside the enum with ValidationException', async () => {
      await rejects(sign(keys.ECC_NIST_P256!.id, Buffer.from('m'), 'ECDSA_SHA_1' as SigningAlgorithmSpec), 'ValidationException', /enum value set/);
      await rejects(sign(keys.ECC_NIST_P256!.id, Buffer.from('m'), 'ECDSA_SHA_256', 'HASHED' as MessageType), 'ValidationException', /enum value set/);
    });
  });

  it('Postcondition: a DIGEST-mode signature verifies under the public key of the KMS key', async () => {
    for (const [spec, algorithms] of Object.entries(SIGNING)) {
      const key = keys[spec]!;
      const pub = await publicKey(key.id);
      for (const algorithm of algorithms) {
        const what = `${spec} ${algorithm}`;
        const message = Buffer.from(`a large document, signed by its digest (${what})`);
        const digest = digestOf(algorithm, message);
        const signed = await sign(key.id, digest, algorithm, 'DIGEST');
        const signature = signed.Signature!;
        // A digest and its message are the same message (AWS Verify docs): every combination verifies.
        assert.ok(nodeVerifies(pub, algorithm, message, signature), `${what}: node:crypto verifies the DIGEST signature over the message`);
        assert.equal((await verifyKms(key.id, digest, signature, algorithm, 'DIGEST')).SignatureValid, true, what);
        assert.equal((await verifyKms(key.id, message, signature, algorithm, 'RAW')).SignatureValid, true, what);
        const raw = await sign(key.id, message, algorithm, 'RAW');
        assert.equal((await verifyKms(key.id, digest, raw.Signature!, algorithm, 'DIGEST')).SignatureValid, true, `${what}: a RAW signature verifies by its digest`);

        await rejects(verifyKms(key.id, flip(digest, 0), signature, algorithm, 'DIGEST'), 'KMSInvalidSignatureException');
        await rejects(verifyKms(key.id, digest, flip(signature, -2), algorithm, 'DIGEST'), 'KMSInvalidSignatureException');
        await rejects(verifyKms(key.id, digest, Buffer.concat([signature, Buffer.of(0)]), algorithm, 'DIGEST'), 'KMSInvalidSignatureException');
        // Signing the digest as RAW hashes it again: that is a signature of another message.
        await rejects(verifyKms(key.id, message, (await sign(key.id, digest, algorithm, 'RAW')).Signature!, algorithm), 'KMSInvalidSignatureException');
      }
    }
  });

  it('Precondition: a DIGEST message is exactly as long as the digest of the signing algorithm', async () => {
    const rsa = keys.RSA_2048!.id;
    const message = Buffer.from('m');
    await rejects(sign(rsa, digestOf('RSASSA_PSS_SHA_256', message), 'RSASSA_PSS_SHA_384', 'DIGEST'), 'ValidationException', 'Digest is invalid length for algorithm RSASSA_PSS_SHA_384.');
    await rejects(sign(rsa, Buffer.alloc(33), 'RSASSA_PKCS1_V1_5_SHA_256', 'DIGEST'), 'ValidationException');
    await rejects(sign(keys.ECC_NIST_P384!.id, Buffer.alloc(64), 'ECDSA_SHA_384', 'DIGEST'), 'ValidationException');
    await rejects(verifyKms(keys.ECC_NIST_P256!.id, Buffer.alloc(31), Buffer.alloc(70, 1), 'ECDSA_SHA_256', 'DIGEST'), 'ValidationException');
    // The same bytes as RAW are a message like any other.
    assert.ok((await sign(rsa, Buffer.alloc(33), 'RSASSA_PKCS1_V1_5_SHA_256', 'RAW')).Signature);
  });

  it('Precondition: Sign and Verify need a SIGN_VERIFY key', async () => {
    for (const name of ['RSA_2048_ENCRYPT', 'SYMMETRIC_DEFAULT', 'HMAC_256']) {
      const key = keys[name]!;
      const usage = name === 'HMAC_256' ? 'GENERATE_VERIFY_MAC' : 'ENCRYPT_DECRYPT';
      await rejects(sign(key.id, Buffer.from('m'), 'RSASSA_PSS_SHA_256'), 'InvalidKeyUsageException', `${key.arn} key usage is ${usage} which is not valid for Sign.`);
      await rejects(verifyKms(key.id, Buffer.from('m'), Buffer.alloc(256, 1), 'RSASSA_PSS_SHA_256'), 'InvalidKeyUsageException', `${key.arn} key usage is ${usage} which is not valid for Verify.`);
    }
  });

  it('Precondition: the signing algorithm is one that the key spec supports', async () => {
    const cases: [string, SigningAlgorithmSpec][] = [
      ['RSA_2048', 'ECDSA_SHA_256'],
      ['ECC_NIST_P256', 'RSASSA_PSS_SHA_256'],
      ['ECC_NIST_P256', 'ECDSA_SHA_384'],
      ['ECC_NIST_P384', 'ECDSA_SHA_256'],
      ['ECC_NIST_P384', 'ECDSA_SHA_512'],
      ['RSA_4096', 'SM2DSA'],
    ];
    for (const [spec, algorithm] of cases) {
      await rejects(sign(keys[spec]!.id, Buffer.from('m'), algorithm), 'InvalidKeyUsageException', `Algorithm ${algorithm} is incompatible with key spec ${spec}.`);
      await rejects(verifyKms(keys[spec]!.id, Buffer.from('m'), Buffer.alloc(64, 1), algorithm), 'InvalidKeyUsageException');
    }
  });

  describe('GenerateMac and VerifyMac', () => {
    it('round-trips, is deterministic per message and key, and refuses a changed MAC or message', async () => {
      const key = keys.HMAC_256!;
      const message = Buffer.from('an API request to authenticate');
      const first = await mac(key.id, message);
      assert.equal(first.KeyId, key.arn);
      assert.equal(first.MacAlgorithm, 'HMAC_SHA_256');
      assert.equal(first.Mac!.length, 32, 'HMAC-SHA-256 is 32 bytes');
      assert.deepEqual((await mac(key.id, message)).Mac, first.Mac, 'the same message gives the same MAC');
      assert.notDeepEqual((await mac(key.id, Buffer.from('another request'))).Mac, first.Mac);
      assert.notDeepEqual((await mac(keys.HMAC_256_OTHER!.id, message)).Mac, first.Mac, 'another HMAC key gives another MAC');

      const ok = await verifyMac(key.id, message, first.Mac!);
      assert.equal(ok.MacValid, true);
      assert.equal(ok.KeyId, key.arn);
      assert.equal(ok.MacAlgorithm, 'HMAC_SHA_256');
      await rejects(verifyMac(key.id, Buffer.from('a changed request'), first.Mac!), 'KMSInvalidMacException');
      await rejects(verifyMac(key.id, message, flip(first.Mac!, 5)), 'KMSInvalidMacException');
      await rejects(verifyMac(key.id, message, first.Mac!.subarray(0, 31)), 'KMSInvalidMacException');
      await rejects(verifyMac(keys.HMAC_256_OTHER!.id, message, first.Mac!), 'KMSInvalidMacException');
    });

    it('works by alias and refuses message lengths outside 1..4096', async () => {
      await kms.send(new CreateAliasCommand({ AliasName: 'alias/hmac', TargetKeyId: keys.HMAC_256!.id }));
      const out = await mac('alias/hmac', Buffer.alloc(4096, 1));
      assert.deepEqual(out.Mac, (await mac(keys.HMAC_256!.id, Buffer.alloc(4096, 1))).Mac);
      await rejects(mac('alias/hmac', Buffer.alloc(4097, 1)), 'ValidationException');
      await rejects(mac('alias/hmac', new Uint8Array(0)), 'ValidationException');
    });

    it('Precondition: GenerateMac and VerifyMac need a GENERATE_VERIFY_MAC key', async () => {
      for (const name of ['SYMMETRIC_DEFAULT', 'RSA_2048', 'ECC_NIST_P256']) {
        const key = keys[name]!;
        const usage = name === 'SYMMETRIC_DEFAULT' ? 'ENCRYPT_DECRYPT' : 'SIGN_VERIFY';
        await rejects(mac(key.id, Buffer.from('m')), 'InvalidKeyUsageException', `${key.arn} key usage is ${usage} which is not valid for GenerateMac.`);
        await rejects(verifyMac(key.id, Buffer.from('m'), Buffer.alloc(32)), 'InvalidKeyUsageException', `${key.arn} key usage is ${usage} which is not valid for VerifyMac.`);
      }
    });

    it('Precondition: the MAC algorithm is one that the key spec supports', async () => {
      for (const algorithm of ['HMAC_SHA_224', 'HMAC_SHA_384', 'HMAC_SHA_512'] as const) {
        await rejects(mac(keys.HMAC_256!.id, Buffer.from('m'), algorithm), 'InvalidKeyUsageException', `Algorithm ${algorithm} is incompatible with key spec HMAC_256.`);
        await rejects(verifyMac(keys.HMAC_256!.id, Buffer.from('m'), Buffer.alloc(32), algorithm), 'InvalidKeyUsageException');
      }
    });
  });

  describe('key states', () => {
    it('a disabled key refuses Sign, Verify, GetPublicKey, GenerateMac and VerifyMac with DisabledException', async () => {
      const signing = await createKey('ECC_NIST_P256', 'SIGN_VERIFY');
      const signature = (await sign(signing.id, Buffer.from('m'), 'ECDSA_SHA_256')).Signature!;
      const hmac = await createKey('HMAC_256', 'GENERATE_VERIFY_MAC');
      const tag = (await mac(hmac.id, Buffer.from('m'))).Mac!;
      await kms.send(new DisableKeyCommand({ KeyId: signing.id }));
      await kms.send(new DisableKeyCommand({ KeyId: hmac.id }));
      const disabled = (arn: string) => `${arn} is disabled.`;
      await rejects(sign(signing.id, Buffer.from('m'), 'ECDSA_SHA_256'), 'DisabledException', disabled(signing.arn));
      await rejects(verifyKms(signing.id, Buffer.from('m'), signature, 'ECDSA_SHA_256'), 'DisabledException', disabled(signing.arn));
      await rejects(kms.send(new GetPublicKeyCommand({ KeyId: signing.id })), 'DisabledException', disabled(signing.arn));
      await rejects(mac(hmac.id, Buffer.from('m')), 'DisabledException', disabled(hmac.arn));
      await rejects(verifyMac(hmac.id, Buffer.from('m'), tag), 'DisabledException', disabled(hmac.arn));
    });

    it('a key pending deletion refuses them with KMSInvalidStateException', async () => {
      const signing = await createKey('RSA_2048', 'SIGN_VERIFY');
      const hmac = await createKey('HMAC_256', 'GENERATE_VERIFY_MAC');
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: signing.id, PendingWindowInDays: 7 }));
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: hmac.id, PendingWindowInDays: 7 }));
      const pending = (arn: string) => `${arn} is pending deletion.`;
      await rejects(sign(signing.id, Buffer.from('m'), 'RSASSA_PSS_SHA_256'), 'KMSInvalidStateException', pending(signing.arn));
      await rejects(verifyKms(signing.id, Buffer.from('m'), Buffer.alloc(256, 1), 'RSASSA_PSS_SHA_256'), 'KMSInvalidStateException', pending(signing.arn));
      await rejects(kms.send(new GetPublicKeyCommand({ KeyId: signing.id })), 'KMSInvalidStateException', pending(signing.arn));
      await rejects(mac(hmac.id, Buffer.from('m')), 'KMSInvalidStateException', pending(hmac.arn));
      await rejects(verifyMac(hmac.id, Buffer.from('m'), Buffer.alloc(32)), 'KMSInvalidStateException', pending(hmac.arn));
    });
  });

  it('key policies see kms:SigningAlgorithm, kms:MessageType and kms:MacAlgorithm', async () => {
    const signing = await createKey('RSA_2048', 'SIGN_VERIFY');
    const hmac = await createKey('HMAC_256', 'GENERATE_VERIFY_MAC');
    async function addStatements(keyId: string, statements: object[]): Promise<void> {
      const policy = JSON.parse((await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }))).Policy!);
      policy.Statement.push(...statements);
      await kms.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default', Policy: JSON.stringify(policy) }));
    }
    const root = `arn:aws:iam::${CUSTOMER.accountId}:root`;
    await addStatements(signing.id, [
      { Effect: 'Deny', Principal: { AWS: root }, Action: 'kms:Sign', Resource: '*', Condition: { StringNotEquals: { 'kms:SigningAlgorithm': 'RSASSA_PSS_SHA_256' } } },
      { Effect: 'Deny', Principal: { AWS: root }, Action: 'kms:Verify', Resource: '*', Condition: { StringEquals: { 'kms:MessageType': 'DIGEST' } } },
    ]);
    await addStatements(hmac.id, [
      { Effect: 'Deny', Principal: { AWS: root }, Action: 'kms:VerifyMac', Resource: '*', Condition: { StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_256' } } },
    ]);
    const message = Buffer.from('m');
    const signature = (await sign(signing.id, message, 'RSASSA_PSS_SHA_256')).Signature!;
    await rejects(sign(signing.id, message, 'RSASSA_PKCS1_V1_5_SHA_256'), 'AccessDeniedException');
    assert.equal((await verifyKms(signing.id, message, signature, 'RSASSA_PSS_SHA_256')).SignatureValid, true);
    assert.equal((await verifyKms(signing.id, message, signature, 'RSASSA_PSS_SHA_256', 'RAW')).SignatureValid, true);
    await rejects(verifyKms(signing.id, digestOf('RSASSA_PSS_SHA_256', message), signature, 'RSASSA_PSS_SHA_256', 'DIGEST'), 'AccessDeniedException');
    const tag = (await mac(hmac.id, message)).Mac!;
    await rejects(verifyMac(hmac.id, message, tag), 'AccessDeniedException');
  });

  it('boto3: kms.sign and kms.verify (RAW and DIGEST), get_public_key and the MAC operations work from Python', async () => {
    const script = resolve(import.meta.dirname, '../../../test/wire/boto3/asymmetric.py');
    const result = await python(script, {
      OPENCMK_URL: server.url,
      CUSTOMER_ACCESS_KEY_ID: CUSTOMER.accessKeyId,
      CUSTOMER_SECRET_ACCESS_KEY: CUSTOMER.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    assert.equal(result.code, 0, `asymmetric.py failed:\n${result.stderr}\n${result.stdout}`);
    const findings = JSON.parse(result.stdout.trim().split('\n').pop()!);
    assert.equal(findings.ECC_NIST_P256.independentlyVerified, true);
    assert.equal(findings.RSA_2048.signatureBytes, 256);
    assert.equal(findings.HMAC_256.macBytes, 32);
  });
});
