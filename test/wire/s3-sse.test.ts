// SSE-KMS through the S3 API with real clients: which key an object gets (request headers over the
// bucket default over the SSE-S3 baseline), the encryption context, and the product page's scenario
// across accounts — the customer's key state and key policy decide, on the provider's very next
// request, whether its objects can be read or written (research/storage-audit-anchors.md §0.1, §1).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  GenerateDataKeyCommand,
  GetKeyPolicyCommand,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketEncryptionCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CUSTOMER, PROVIDER } from '../helpers/accounts.js';
import { kmsClient } from '../helpers/clients.js';
import { boto3Env, runBoto3 } from '../helpers/kms-wire.js';
import { blobFiles, filesUnder, rejectsS3, s3Client, s3Raw, sha256, xmlCode } from '../helpers/s3.js';
import { startServerProcess, type ServerProcess } from '../helpers/server.js';

const script = (name: string) => resolve(import.meta.dirname, '../../../test/wire/boto3', name);

// The product page's Step 2 statement (seed/customer-managed-keys.md), naming the provider's accounts.
const PROVIDER_STATEMENT = {
  Sid: 'AllowProvider',
  Effect: 'Allow',
  Principal: { AWS: ['arn:aws:iam::272506498303:root', 'arn:aws:iam::063509147090:root'] },
  Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
  Resource: '*',
};

const bytesOf = async (out: { Body?: unknown }) => Buffer.from(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
const b64json = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64');

describe('SSE-KMS over S3', () => {
  let server: ServerProcess;
  let customerKms: KMSClient;
  let customerS3: S3Client;
  let providerS3: S3Client;

  before(async () => {
    server = await startServerProcess();
    customerKms = kmsClient(server.url, CUSTOMER);
    customerS3 = s3Client(server.url, CUSTOMER);
    providerS3 = s3Client(server.url, PROVIDER);
  });
  after(async () => {
    for (const c of [customerKms, customerS3, providerS3]) c?.destroy();
    await server?.stop();
  });

  async function setPolicy(keyArn: string, statements: object[]): Promise<void> {
    const current = JSON.parse((await customerKms.send(new GetKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default' }))).Policy!);
    current.Statement = [current.Statement[0], ...statements];
    await customerKms.send(new PutKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default', Policy: JSON.stringify(current) }));
  }

  describe('which encryption an object gets', () => {
    let k1: { arn: string; id: string };
    let k2: { arn: string; id: string };
    before(async () => {
      const a = (await customerKms.send(new CreateKeyCommand({ Description: 'bucket default' }))).KeyMetadata!;
      const b = (await customerKms.send(new CreateKeyCommand({ Description: 'per request' }))).KeyMetadata!;
      k1 = { arn: a.Arn!, id: a.KeyId! };
      k2 = { arn: b.Arn!, id: b.KeyId! };
      await customerKms.send(new CreateAliasCommand({ AliasName: 'alias/sse-k2', TargetKeyId: k2.id }));
      await customerS3.send(new CreateBucketCommand({ Bucket: 'sse-default' }));
      await customerS3.send(
        new PutBucketEncryptionCommand({
          Bucket: 'sse-default',
          ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: k1.arn }, BucketKeyEnabled: true }] },
        }),
      );
      await customerS3.send(new CreateBucketCommand({ Bucket: 'sse-plain' }));
    });

    /** PUTs, then checks the PUT answer, HeadObject and GetObject all report `expected`, and the bytes read back. */
    async function putAndCheck(input: Omit<PutObjectCommandInput, 'Body'>, expected: { sse: string; keyArn?: string; bucketKey: boolean }) {
      const body = randomBytes(1000);
      const put = await customerS3.send(new PutObjectCommand({ ...input, Body: body }));
      const head = await customerS3.send(new HeadObjectCommand({ Bucket: input.Bucket, Key: input.Key }));
      const got = await customerS3.send(new GetObjectCommand({ Bucket: input.Bucket, Key: input.Key }));
      assert.ok((await bytesOf(got)).equals(body));
      for (const [what, out] of [['PutObject', put], ['HeadObject', head], ['GetObject', got]] as const) {
        assert.equal(out.ServerSideEncryption, expected.sse, `${input.Key}: ${what} ServerSideEncryption`);
        assert.equal(out.SSEKMSKeyId, expected.keyArn, `${input.Key}: ${what} SSEKMSKeyId`);
        assert.equal(out.BucketKeyEnabled ?? false, expected.bucketKey, `${input.Key}: ${what} BucketKeyEnabled`);
      }
      return put;
    }

    it('a PUT without SSE headers gets the bucket default: aws:kms, its key ARN and its bucket-key setting', async () => {
      await putAndCheck({ Bucket: 'sse-default', Key: 'by-default' }, { sse: 'aws:kms', keyArn: k1.arn, bucketKey: true });
    });

    it('request headers win over the default: aws:kms with another key (by id, alias or ARN; S3 answers the ARN)', async () => {
      for (const ref of [k2.id, 'alias/sse-k2', k2.arn]) {
        await putAndCheck({ Bucket: 'sse-default', Key: `by-header/${ref}`, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: ref }, { sse: 'aws:kms', keyArn: k2.arn, bucketKey: true });
      }
      await putAndCheck(
        { Bucket: 'sse-default', Key: 'by-header/no-bucket-key', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: k2.arn, BucketKeyEnabled: false },
        { sse: 'aws:kms', keyArn: k2.arn, bucketKey: false },
      );
      // aws:kms without a key id takes the bucket's default key.
      await putAndCheck({ Bucket: 'sse-default', Key: 'by-header/kms-only', ServerSideEncryption: 'aws:kms' }, { sse: 'aws:kms', keyArn: k1.arn, bucketKey: true });
    });

    it('AES256 in the request gives SSE-S3 even in a KMS-default bucket; a bucket without a default gives AES256', async () => {
      await putAndCheck({ Bucket: 'sse-default', Key: 'aes-header', ServerSideEncryption: 'AES256' }, { sse: 'AES256', bucketKey: false });
      await putAndCheck({ Bucket: 'sse-plain', Key: 'baseline' }, { sse: 'AES256', bucketKey: false });
      await putAndCheck({ Bucket: 'sse-plain', Key: 'kms-header', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: k2.arn }, { sse: 'aws:kms', keyArn: k2.arn, bucketKey: false });
      await putAndCheck(
        { Bucket: 'sse-plain', Key: 'kms-header-bucket-key', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: k2.arn, BucketKeyEnabled: true },
        { sse: 'aws:kms', keyArn: k2.arn, bucketKey: true },
      );
    });

    it('x-amz-server-side-encryption-aws-kms-key-id without aws:kms is InvalidArgument, and stores nothing', async () => {
      await rejectsS3(customerS3.send(new PutObjectCommand({ Bucket: 'sse-plain', Key: 'bad-1', Body: 'x', SSEKMSKeyId: k2.arn })), 'InvalidArgument', 400, /aws:kms/);
      await rejectsS3(
        customerS3.send(new PutObjectCommand({ Bucket: 'sse-plain', Key: 'bad-2', Body: 'x', ServerSideEncryption: 'AES256', SSEKMSKeyId: k2.arn })),
        'InvalidArgument',
        400,
      );
      await rejectsS3(
        customerS3.send(new PutObjectCommand({ Bucket: 'sse-plain', Key: 'bad-3', Body: 'x', SSEKMSEncryptionContext: b64json({ a: 'b' }) })),
        'InvalidArgument',
        400,
      );
      // README "Known differences": aws:kms with no key id takes the bucket's default KMS key; with none, it is refused (no aws/s3 key).
      await rejectsS3(customerS3.send(new PutObjectCommand({ Bucket: 'sse-plain', Key: 'bad-5', Body: 'x', ServerSideEncryption: 'aws:kms' })), 'InvalidArgument', 400);
      const bad = await s3Raw(server.url, CUSTOMER, 'PUT', '/sse-plain/bad-4', { headers: { 'x-amz-server-side-encryption': 'aws:kms:unknown' }, body: Buffer.from('x') });
      assert.equal(bad.status, 400);
      assert.equal(xmlCode(bad.text), 'InvalidArgument');
      const keys = (await customerS3.send(new ListObjectsV2Command({ Bucket: 'sse-plain', Prefix: 'bad-' }))).KeyCount;
      assert.equal(keys, 0);
    });

    it('a key S3 cannot use is refused as KMS refuses it: KMS.InvalidKeyUsageException (asymmetric, HMAC), KMS.NotFoundException (no such key)', async () => {
      const sign = (await customerKms.send(new CreateKeyCommand({ KeyUsage: 'SIGN_VERIFY', KeySpec: 'ECC_NIST_P256' }))).KeyMetadata!.Arn!;
      const mac = (await customerKms.send(new CreateKeyCommand({ KeyUsage: 'GENERATE_VERIFY_MAC', KeySpec: 'HMAC_256' }))).KeyMetadata!.Arn!;
      for (const [arn, usage] of [[sign, 'SIGN_VERIFY'], [mac, 'GENERATE_VERIFY_MAC']] as const) {
        await rejectsS3(
          customerS3.send(new PutObjectCommand({ Bucket: 'sse-plain', Key: `unusable-${usage}`, Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: arn })),
          'KMS.InvalidKeyUsageException',
          400,
          `${arn} key usage is ${usage} which is not valid for GenerateDataKey.`,
        );
      }
      const missing = k1.arn.replace(/key\/.*$/, 'key/00000000-0000-4000-8000-000000000000');
      await rejectsS3(
        customerS3.send(new PutObjectCommand({ Bucket: 'sse-plain', Key: 'unusable-missing', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: missing })),
        'KMS.NotFoundException',
        400,
        `Key '${missing}' does not exist`,
      );
      // A bucket default naming a key that does not exist is accepted (S3 does not check it), and refuses every PUT.
      await customerS3.send(new CreateBucketCommand({ Bucket: 'sse-missing-default' }));
      await customerS3.send(
        new PutBucketEncryptionCommand({ Bucket: 'sse-missing-default', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: missing }, BucketKeyEnabled: true }] } }),
      );
      await rejectsS3(customerS3.send(new PutObjectCommand({ Bucket: 'sse-missing-default', Key: 'x', Body: 'x' })), 'KMS.NotFoundException', 400);
      assert.equal((await customerS3.send(new ListObjectsV2Command({ Bucket: 'sse-plain', Prefix: 'unusable-' }))).KeyCount, 0);
      assert.equal((await customerS3.send(new ListObjectsV2Command({ Bucket: 'sse-missing-default' }))).KeyCount, 0);
    });

    it('SSE-C (customer-provided key) headers are never silently ignored', async () => {
      const customerKey = randomBytes(32).toString('base64');
      const ssec = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: customerKey };
      let stored = false;
      try {
        await customerS3.send(new PutObjectCommand({ Bucket: 'sse-plain', Key: 'ssec', Body: 'only with my key', ...ssec }));
        stored = true;
      } catch (e) {
        // Refusing SSE-C outright (not implemented) is fine.
        assert.ok((e as { $metadata?: { httpStatusCode?: number } }).$metadata!.httpStatusCode! >= 400);
      }
      if (stored) {
        // If it was stored, it must not be readable without the customer's key (S3: 400 InvalidRequest).
        await rejectsS3(customerS3.send(new GetObjectCommand({ Bucket: 'sse-plain', Key: 'ssec' })), 'InvalidRequest', 400);
      }
      await rejectsS3(customerS3.send(new GetObjectCommand({ Bucket: 'sse-plain', Key: 'baseline', ...ssec })), 'InvalidRequest', 400, 'The encryption parameters are not applicable to this object.');
    });

    it('SSE headers on GET and HEAD are 400 InvalidArgument', async () => {
      for (const [name, value] of [
        ['x-amz-server-side-encryption', 'aws:kms'],
        ['x-amz-server-side-encryption', 'AES256'],
        ['x-amz-server-side-encryption-aws-kms-key-id', k1.arn],
        ['x-amz-server-side-encryption-context', b64json({ a: 'b' })],
      ] as const) {
        const get = await s3Raw(server.url, CUSTOMER, 'GET', '/sse-default/by-default', { headers: { [name]: value } });
        assert.equal(get.status, 400, `GET with ${name}`);
        assert.equal(xmlCode(get.text), 'InvalidArgument', `GET with ${name}`);
        const head = await s3Raw(server.url, CUSTOMER, 'HEAD', '/sse-default/by-default', { headers: { [name]: value } });
        assert.equal(head.status, 400, `HEAD with ${name}`);
      }
      // The same request without the header is fine (the refusal is the header's doing).
      assert.equal((await s3Raw(server.url, CUSTOMER, 'GET', '/sse-default/by-default')).status, 200);
    });

    it('the encryption context header is kept and replayed to KMS: a key policy conditioned on it decides, and a GET needs nothing extra', async () => {
      const k3 = (await customerKms.send(new CreateKeyCommand({ Description: 'context-bound' }))).KeyMetadata!.Arn!;
      await setPolicy(k3, [
        { Sid: 'Describe', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${PROVIDER.accountId}:root` }, Action: 'kms:DescribeKey', Resource: '*' },
        {
          Sid: 'AcmeOnly',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${PROVIDER.accountId}:root` },
          Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
          Resource: '*',
          Condition: { StringEquals: { 'kms:EncryptionContext:tenant': 'acme' } },
        },
      ]);
      await providerS3.send(new CreateBucketCommand({ Bucket: 'sse-context' }));
      const acme = b64json({ tenant: 'acme' });
      for (const bucketKey of [false, true]) {
        const key = `ctx/bucket-key-${bucketKey}`;
        const body = randomBytes(70_000);
        const put = await providerS3.send(
          new PutObjectCommand({ Bucket: 'sse-context', Key: key, Body: body, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: k3, SSEKMSEncryptionContext: acme, BucketKeyEnabled: bucketKey }),
        );
        assert.equal(put.SSEKMSKeyId, k3);
        assert.equal(JSON.parse(Buffer.from(put.SSEKMSEncryptionContext!, 'base64').toString()).tenant, 'acme', 'the PUT answer names the context');
        const got = await providerS3.send(new GetObjectCommand({ Bucket: 'sse-context', Key: key }));
        assert.ok((await bytesOf(got)).equals(body), `${key}: read back with no context sent`);
        const ranged = await providerS3.send(new GetObjectCommand({ Bucket: 'sse-context', Key: key, Range: 'bytes=65530-65545' }));
        assert.ok((await bytesOf(ranged)).equals(body.subarray(65530, 65546)));
        // Without the context, or with another tenant, the policy does not allow GenerateDataKey.
        for (const context of [undefined, b64json({ tenant: 'globex' })]) {
          await rejectsS3(
            providerS3.send(
              new PutObjectCommand({
                Bucket: 'sse-context',
                Key: `${key}-denied`,
                Body: 'x',
                ServerSideEncryption: 'aws:kms',
                SSEKMSKeyId: k3,
                BucketKeyEnabled: bucketKey,
                ...(context ? { SSEKMSEncryptionContext: context } : {}),
              }),
            ),
            'AccessDenied',
            403,
            'Access Denied',
          );
        }
      }
      const listed = (await providerS3.send(new ListObjectsV2Command({ Bucket: 'sse-context' }))).Contents!.map((o) => o.Key);
      assert.deepEqual(listed, ['ctx/bucket-key-false', 'ctx/bucket-key-true']);
      // A context that is not base64 JSON of strings is refused.
      const bad = await s3Raw(server.url, PROVIDER, 'PUT', '/sse-context/bad-context', {
        headers: { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': k3, 'x-amz-server-side-encryption-context': b64json({ n: 1 }) },
        body: Buffer.from('x'),
      });
      assert.equal(bad.status, 400);
      assert.equal(xmlCode(bad.text), 'InvalidArgument');
    });
  });

  describe('the seed scenario: the customer\'s key, the provider\'s bucket', () => {
    let keyArn: string;
    before(async () => {
      keyArn = (await customerKms.send(new CreateKeyCommand({ Description: 'tenant-acme' }))).KeyMetadata!.Arn!;
      await setPolicy(keyArn, [PROVIDER_STATEMENT]);
    });

    for (const bucketKey of [true, false]) {
      describe(bucketKey ? 'with S3 Bucket Keys (acme-snapshots)' : 'without bucket keys (acme-sessions)', () => {
        const bucket = bucketKey ? 'acme-snapshots' : 'acme-sessions';
        const stored = new Map<string, string>(); // key → sha256
        let n = 0;
        const nextKey = () => `snap/${String(++n).padStart(3, '0')}`;

        /** The provider writes a new object and reads an old one (warming any bucket key), with the JS SDK. */
        async function works(): Promise<void> {
          const key = nextKey();
          const body = randomBytes(140_000);
          const put = await providerS3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
          assert.equal(put.ServerSideEncryption, 'aws:kms');
          assert.equal(put.SSEKMSKeyId, keyArn);
          assert.equal(put.BucketKeyEnabled ?? false, bucketKey);
          stored.set(key, sha256(body));
          for (const [k, digest] of stored) {
            const got = await providerS3.send(new GetObjectCommand({ Bucket: bucket, Key: k }));
            assert.equal(got.SSEKMSKeyId, keyArn);
            assert.equal(sha256(await bytesOf(got)), digest, `${k} reads back byte-identical`);
          }
        }

        /** The provider's very next GET and PUT are refused with `code`; the PUT leaves nothing behind. */
        async function refused(code: string, status: number, message: string, viaBoto3 = false): Promise<void> {
          const listBefore = (await providerS3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents!.map((o) => o.Key);
          const blobsBefore = blobFiles(server.dataDir).length;
          const [oldKey] = stored.keys();
          await rejectsS3(providerS3.send(new GetObjectCommand({ Bucket: bucket, Key: oldKey! })), code, status, message);
          const newKey = `refused/${code}-${++n}`;
          await rejectsS3(providerS3.send(new PutObjectCommand({ Bucket: bucket, Key: newKey, Body: randomBytes(100_000) })), code, status, message);
          // A ranged GET needs the data key as much as a whole one.
          await rejectsS3(providerS3.send(new GetObjectCommand({ Bucket: bucket, Key: oldKey!, Range: 'bytes=0-9' })), code, status, message);
          const listAfter = (await providerS3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents!.map((o) => o.Key);
          assert.deepEqual(listAfter, listBefore, 'the refused PUT created no object');
          assert.equal(blobFiles(server.dataDir).length, blobsBefore, 'the refused PUT left no bytes behind (README)');
          assert.deepEqual(filesUnder(join(server.dataDir, 'blobs', 'tmp')), []);
          await rejectsS3(providerS3.send(new HeadObjectCommand({ Bucket: bucket, Key: newKey })), 'NotFound', 404);
          if (viaBoto3) {
            await runBoto3(
              script('s3_sse.py'),
              boto3Env(server.url, { OP: 'refused', BUCKET: bucket, READ_KEY: oldKey!, READ_SHA256: stored.get(oldKey!)!, NEW_KEY: `refused/boto3-${++n}`, CODE: code, STATUS: String(status), MESSAGE: message }),
            );
          }
        }

        async function boto3WriteRead(): Promise<void> {
          const [oldKey] = stored.keys();
          const key = nextKey();
          const { json } = await runBoto3(
            script('s3_sse.py'),
            boto3Env(server.url, { OP: 'write-read', BUCKET: bucket, READ_KEY: oldKey!, READ_SHA256: stored.get(oldKey!)!, NEW_KEY: key, KEY_ARN: keyArn, BUCKET_KEY: String(bucketKey) }),
          );
          stored.set(key, json.results.write_then_read.sha256);
        }

        it('the provider creates the bucket with the customer\'s key ARN as its default, and writes and reads (JS SDK and boto3)', async () => {
          await providerS3.send(new CreateBucketCommand({ Bucket: bucket }));
          await providerS3.send(
            new PutBucketEncryptionCommand({
              Bucket: bucket,
              ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn }, BucketKeyEnabled: bucketKey }] },
            }),
          );
          await works();
          await boto3WriteRead();
          await works(); // the JS SDK reads boto3's object
        });

        it('the customer disables the key: the next GET and PUT fail with KMS.DisabledException; enabling restores byte-identical reads', async () => {
          await works();
          await customerKms.send(new DisableKeyCommand({ KeyId: keyArn }));
          await refused('KMS.DisabledException', 400, `${keyArn} is disabled.`, true);
          await customerKms.send(new EnableKeyCommand({ KeyId: keyArn }));
          await works();
        });

        it('the customer schedules deletion: KMS.KMSInvalidStateException; cancel and enable restore access', async () => {
          await works();
          await customerKms.send(new ScheduleKeyDeletionCommand({ KeyId: keyArn, PendingWindowInDays: 7 }));
          await refused('KMS.KMSInvalidStateException', 400, `${keyArn} is pending deletion.`);
          await customerKms.send(new CancelKeyDeletionCommand({ KeyId: keyArn }));
          // CancelKeyDeletion leaves the key Disabled (AWS KMS).
          await refused('KMS.DisabledException', 400, `${keyArn} is disabled.`);
          await customerKms.send(new EnableKeyCommand({ KeyId: keyArn }));
          await works();
        });

        it('the customer removes the provider statement: the next GET and PUT are 403 AccessDenied; restoring it restores access', async () => {
          await works();
          await setPolicy(keyArn, []);
          await refused('AccessDenied', 403, 'Access Denied', true);
          await setPolicy(keyArn, [PROVIDER_STATEMENT]);
          await works();
          await boto3WriteRead();
        });
      });
    }

    it('key policy conditions see the S3 request: kms:ViaService, and kms:EncryptionContext:aws:s3:arn (the object ARN, or the bucket ARN with bucket keys)', async () => {
      const k = (await customerKms.send(new CreateKeyCommand({ Description: 'via s3 only' }))).KeyMetadata!.Arn!;
      const provider = { AWS: `arn:aws:iam::${PROVIDER.accountId}:root` };
      await setPolicy(k, [{ Sid: 'ViaS3', Effect: 'Allow', Principal: provider, Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: '*', Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } } }]);
      await providerS3.send(new CreateBucketCommand({ Bucket: 'acme-conditions' }));
      const sse = { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: k };
      await providerS3.send(new PutObjectCommand({ Bucket: 'acme-conditions', Key: 'via', Body: 'through s3', ...sse }));
      assert.equal((await bytesOf(await providerS3.send(new GetObjectCommand({ Bucket: 'acme-conditions', Key: 'via' })))).toString(), 'through s3');
      const providerKms = kmsClient(server.url, PROVIDER);
      try {
        await assert.rejects(providerKms.send(new GenerateDataKeyCommand({ KeyId: k, KeySpec: 'AES_256' })), { name: 'AccessDeniedException' });
      } finally {
        providerKms.destroy();
      }

      await setPolicy(k, [
        { Sid: 'OnlyAllowedPrefix', Effect: 'Allow', Principal: provider, Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: '*', Condition: { StringLike: { 'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::acme-conditions/allowed/*' } } },
      ]);
      await providerS3.send(new PutObjectCommand({ Bucket: 'acme-conditions', Key: 'allowed/1', Body: 'ok', ...sse, BucketKeyEnabled: false }));
      assert.equal((await bytesOf(await providerS3.send(new GetObjectCommand({ Bucket: 'acme-conditions', Key: 'allowed/1' })))).toString(), 'ok');
      await rejectsS3(providerS3.send(new PutObjectCommand({ Bucket: 'acme-conditions', Key: 'other/1', Body: 'no', ...sse, BucketKeyEnabled: false })), 'AccessDenied', 403);
      // The object written earlier (outside allowed/) can no longer be read.
      await rejectsS3(providerS3.send(new GetObjectCommand({ Bucket: 'acme-conditions', Key: 'via' })), 'AccessDenied', 403);
      // S3 User Guide (bucket-key.md): with a bucket key the context is the bucket ARN, so an object-ARN condition stops matching.
      await rejectsS3(providerS3.send(new PutObjectCommand({ Bucket: 'acme-conditions', Key: 'allowed/2', Body: 'bk', ...sse, BucketKeyEnabled: true })), 'AccessDenied', 403);
    });

    for (const bucketKey of [true, false]) {
      it(`a read-only or write-only tenant policy is enforced separately for GET and PUT (bucket keys ${bucketKey ? 'on' : 'off'})`, async () => {
        const k = (await customerKms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
        const provider = { AWS: `arn:aws:iam::${PROVIDER.accountId}:root` };
        const allow = (actions: string[]) => [{ Sid: 'Tenant', Effect: 'Allow', Principal: provider, Action: actions, Resource: '*' }];
        const bucket = `acme-split-${bucketKey ? 'bk' : 'nobk'}`;
        await providerS3.send(new CreateBucketCommand({ Bucket: bucket }));
        await providerS3.send(
          new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: k }, BucketKeyEnabled: bucketKey }] } }),
        );
        await setPolicy(k, allow(['kms:GenerateDataKey', 'kms:Decrypt']));
        await providerS3.send(new PutObjectCommand({ Bucket: bucket, Key: 'first', Body: 'first' }));
        assert.equal((await bytesOf(await providerS3.send(new GetObjectCommand({ Bucket: bucket, Key: 'first' })))).toString(), 'first');

        await setPolicy(k, allow(['kms:Decrypt']));
        assert.equal((await bytesOf(await providerS3.send(new GetObjectCommand({ Bucket: bucket, Key: 'first' })))).toString(), 'first', 'read-only: GET works');
        await rejectsS3(providerS3.send(new PutObjectCommand({ Bucket: bucket, Key: 'second', Body: 'x' })), 'AccessDenied', 403);

        await setPolicy(k, allow(['kms:GenerateDataKey']));
        await providerS3.send(new PutObjectCommand({ Bucket: bucket, Key: 'third', Body: 'third' }));
        await providerS3.send(new PutObjectCommand({ Bucket: bucket, Key: 'fourth', Body: 'fourth' }));
        // A bucket key handed out for writing does not let this principal read (S3 needs kms:Decrypt for GET).
        await rejectsS3(providerS3.send(new GetObjectCommand({ Bucket: bucket, Key: 'third' })), 'AccessDenied', 403);
        await rejectsS3(providerS3.send(new GetObjectCommand({ Bucket: bucket, Key: 'first' })), 'AccessDenied', 403);
        const listed = (await providerS3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents!.map((o) => o.Key);
        assert.deepEqual(listed, ['first', 'fourth', 'third']);
      });
    }

    it('a key ARN of another region (us-west-2 on a us-east-1 bucket) is KMS.NotFoundException, and stores nothing', async () => {
      const westKms = kmsClient(server.url, CUSTOMER, 'us-west-2');
      try {
        const west = (await westKms.send(new CreateKeyCommand({ Description: 'wrong region' }))).KeyMetadata!.Arn!;
        assert.match(west, /^arn:aws:kms:us-west-2:/);
        const sameIdOtherRegion = keyArn.replace(':us-east-1:', ':us-west-2:');
        await providerS3.send(new CreateBucketCommand({ Bucket: 'acme-west-key' }));
        for (const arn of [west, sameIdOtherRegion]) {
          await providerS3.send(
            new PutBucketEncryptionCommand({
              Bucket: 'acme-west-key',
              ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: arn }, BucketKeyEnabled: true }] },
            }),
          );
          await rejectsS3(providerS3.send(new PutObjectCommand({ Bucket: 'acme-west-key', Key: 'by-default', Body: 'x' })), 'KMS.NotFoundException', 400, 'Invalid arn us-west-2');
          await rejectsS3(
            providerS3.send(new PutObjectCommand({ Bucket: 'acme-snapshots', Key: 'west-by-header', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: arn })),
            'KMS.NotFoundException',
            400,
            'Invalid arn us-west-2',
          );
          // Customer's own bucket, customer's own west key: still the wrong region for this endpoint.
          await rejectsS3(
            customerS3.send(new PutObjectCommand({ Bucket: 'sse-plain', Key: 'west', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: arn })),
            'KMS.NotFoundException',
            400,
          );
        }
        assert.equal((await providerS3.send(new ListObjectsV2Command({ Bucket: 'acme-west-key' }))).KeyCount, 0);
        await rejectsS3(providerS3.send(new HeadObjectCommand({ Bucket: 'acme-snapshots', Key: 'west-by-header' })), 'NotFound', 404);
      } finally {
        westKms.destroy();
      }
    });
  });
});
