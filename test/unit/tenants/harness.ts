// The tenant control plane core over the memory stores (keys, objects, tenants), the real key
// service and object store core, and a temp-dir blob store: no HTTP (STYLE habit 3).
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { open, seal } from '../../../src/formats/sealed.js';
import type { Principal } from '../../../src/identity/principal.js';
import { principalFromArn } from '../../../src/identity/registry.js';
import type { KmsRequest } from '../../../src/kms/context.js';
import { CreateKey } from '../../../src/kms/operations/create-key.js';
import { GetKeyPolicy } from '../../../src/kms/operations/get-key-policy.js';
import { PutKeyPolicy } from '../../../src/kms/operations/put-key-policy.js';
import type { Operation } from '../../../src/kms/operation.js';
import { createKeyService, type KeyService } from '../../../src/kms/service.js';
import { createBucketKeyCache } from '../../../src/objects/bucket-keys.js';
import type { ObjectContext, ObjectDeps } from '../../../src/objects/context.js';
import { createObjectKms } from '../../../src/objects/kms-calls.js';
import { getObject } from '../../../src/objects/operations/get-object.js';
import { putObject } from '../../../src/objects/operations/put-object.js';
import { createFsBlobStore } from '../../../src/store/fs/blob-store.js';
import { createMemoryStores } from '../../../src/store/memory/index.js';
import type { RootOfTrust, Stores } from '../../../src/store/types.js';
import type { TenantDeps } from '../../../src/tenants/context.js';
import { providerStatement } from '../../../src/tenants/validate.js';

export const PROVIDER_ACCOUNT = '272506498303';
export const CUSTOMER_ACCOUNT = '111122223333';
export const REGION = 'us-east-1';

const principal = (accountId: string, arn: string): Principal => ({ ...principalFromArn(accountId, arn), accessKeyId: 'AKIAUNITTEST00000001' });
export const PROVIDER = principal(PROVIDER_ACCOUNT, `arn:aws:iam::${PROVIDER_ACCOUNT}:user/storage`);
export const CUSTOMER = principal(CUSTOMER_ACCOUNT, `arn:aws:iam::${CUSTOMER_ACCOUNT}:user/admin`);

export interface Harness {
  deps: TenantDeps;
  stores: Stores;
  kms: KeyService;
  objects: ObjectDeps;
  logs: { level: string; fields: object; message: string }[];
  /** A KMS call as `who` (the customer by default). */
  kmsAs<T = any>(op: Operation, body: unknown, who?: Principal): Promise<T>;
  /** A new customer key; with `statement`, its policy also has the product page's Step 2 statement. */
  customerKey(options?: { statement?: boolean; extraActions?: string[]; actions?: string[] }): Promise<string>;
  /** Replaces the key policy's provider statement (none: revoked). */
  setProviderStatement(keyArn: string, actions: string[] | undefined): Promise<void>;
  put(bucket: string, key: string, body: Buffer, encryption?: { bucketKeyEnabled?: boolean; context?: Record<string, string> }): Promise<void>;
  get(bucket: string, key: string): Promise<Buffer>;
  asProvider(): ObjectContext;
  close(): void;
}

function randomRoot(): RootOfTrust {
  const key = randomBytes(32);
  return {
    async seal(secret, purpose) {
      return seal(key, secret, purpose, randomBytes(12));
    },
    async open(sealed, purpose) {
      return open(key, sealed, purpose);
    },
  };
}

const request = (who: Principal): KmsRequest => ({
  principal: who,
  region: REGION,
  requestId: randomUUID(),
  sourceIp: '127.0.0.1',
  userAgent: 'unit',
  secureTransport: true,
  time: Date.now(),
});

export function harness(overrides: Partial<TenantDeps> = {}): Harness {
  const stores = createMemoryStores();
  const root = randomRoot();
  const dir = mkdtempSync(join(tmpdir(), 'opencmk-tenants-unit-'));
  const bucketKeys = createBucketKeyCache(60_000, Date.now);
  const kms = createKeyService({
    keys: stores.keys,
    root,
    clock: Date.now,
    random: (n) => randomBytes(n),
    uuid: randomUUID,
    onKeyChange: (arn) => bucketKeys.forgetKey(arn),
  });
  const objects: ObjectDeps = {
    meta: stores.objects,
    blobs: createFsBlobStore(dir),
    kms: createObjectKms(kms),
    root,
    bucketKeys,
    clock: Date.now,
    random: (n) => randomBytes(n),
    segmentSize: 16384,
  };
  const logs: Harness['logs'] = [];
  const log = (level: string) => (fields: object, message: string) => void logs.push({ level, fields, message });
  const deps: TenantDeps = {
    store: stores.tenants,
    objects,
    kms,
    provider: { accountId: PROVIDER_ACCOUNT, principal: PROVIDER },
    clock: Date.now,
    uuid: randomUUID,
    log: { info: log('info'), warn: log('warn'), error: log('error') },
    probeIntervalMs: 60_000,
    reencrypt: { batchSize: 100, maxObjectsPerSecond: 0, concurrency: 8, freeDelayMs: 0 },
    ...overrides,
  };
  const kmsAs = <T>(op: Operation, body: unknown, who: Principal = CUSTOMER) => kms.invoke(request(who), op, body) as Promise<T>;
  const asProvider = (): ObjectContext => ({ deps: objects, caller: request(PROVIDER) });

  async function setProviderStatement(keyArn: string, actions: string[] | undefined): Promise<void> {
    const { Policy } = await kmsAs<{ Policy: string }>(GetKeyPolicy, { KeyId: keyArn, PolicyName: 'default' });
    const policy = JSON.parse(Policy);
    policy.Statement = [policy.Statement[0], ...(actions ? [{ ...providerStatement(PROVIDER_ACCOUNT), Action: actions }] : [])];
    await kmsAs(PutKeyPolicy, { KeyId: keyArn, PolicyName: 'default', Policy: JSON.stringify(policy) });
  }

  return {
    deps,
    stores,
    kms,
    objects,
    logs,
    kmsAs,
    async customerKey(options = {}) {
      const made = await kmsAs<{ KeyMetadata: { Arn: string } }>(CreateKey, { Description: 'unit customer key' });
      const arn = made.KeyMetadata.Arn;
      if (options.statement !== false) {
        await setProviderStatement(arn, options.actions ?? [...providerStatement(PROVIDER_ACCOUNT).Action, ...(options.extraActions ?? [])]);
      }
      return arn;
    },
    setProviderStatement,
    async put(bucket, key, body, encryption = {}) {
      await putObject(asProvider(), {
        bucket,
        key,
        body: Readable.from([body]),
        headers: {},
        metadata: {},
        encryption: { ...(encryption.bucketKeyEnabled !== undefined ? { bucketKeyEnabled: encryption.bucketKeyEnabled } : {}), ...(encryption.context ? { algorithm: 'aws:kms' as const, context: encryption.context } : {}) },
        checks: { checksumAlgorithm: 'CRC32' },
      });
    },
    async get(bucket, key) {
      const out = await getObject(asProvider(), { bucket, key, conditions: {} });
      const chunks: Buffer[] = [];
      for await (const c of out.body!) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    },
    asProvider,
    close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function rejects(p: Promise<unknown>, code: string, message?: RegExp): Promise<Error & { code: string; details: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { code: string; details: Record<string, unknown> };
    if (err.code !== code) throw new Error(`expected ${code}, got ${err.code}: ${err.message}`);
    if (message && !message.test(err.message)) throw new Error(`message ${JSON.stringify(err.message)} does not match ${message}`);
    return err;
  }
  throw new Error(`expected ${code}, but it succeeded`);
}
