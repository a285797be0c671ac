import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { ConfigError, type Config } from './config.js';
import { createIdentityRegistry, type AccountConfig, type IdentityRegistry } from './identity/registry.js';
import { createRandomPool } from './kms/random-pool.js';
import { createKeyService, type KeyService } from './kms/service.js';
import { keyFileRootOfTrust } from './store/root-of-trust/key-file.js';
import { createSqliteStores } from './store/sqlite/index.js';
import type { RootOfTrust, Stores } from './store/types.js';
import type { KmsRequest } from './kms/context.js';
import { startHttpServer, type RunningServer } from './wire/http/server.js';
import { handleKmsJson } from './wire/kms-json/handler.js';
import { createBucketKeyCache } from './objects/bucket-keys.js';
import { createObjectKms } from './objects/kms-calls.js';
import { createFsBlobStore } from './store/fs/blob-store.js';
import { createS3Handler } from './wire/s3-xml/handler.js';
import { bucketOfHost } from './wire/s3-xml/request.js';
import { localDirTarget } from './audit/local-dir-target.js';
import { createAuditTrail, type AuditTrail } from './audit/trail.js';
import { createSqliteAuditStore } from './store/sqlite/audit.js';
import { CLOUDTRAIL_TARGET_PREFIX, handleCloudTrailJson } from './wire/cloudtrail-json/handler.js';
import { KMS_JSON_ERRORS } from './wire/kms-json/errors.js';
import { buildTenantService } from './control-plane.js';
import { createControlHandler } from './wire/control/handler.js';
import { createMetrics } from './wire/metrics.js';

/** The account and principal a fresh data directory gets when the config declares none. */
export const BOOTSTRAP_ACCOUNT = '000000000000';
export const BOOTSTRAP_PRINCIPAL = `arn:aws:iam::${BOOTSTRAP_ACCOUNT}:user/admin`;

export interface Opened {
  config: Config;
  dataDir: string;
  stores: Stores;
  root: RootOfTrust;
  identities: IdentityRegistry;
  accounts: AccountConfig[];
}

/** Opens the data directory: root key, stores and identities (shared by `serve` and the admin CLI). */
export function openDataDir(config: Config): Opened {
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const root = keyFileRootOfTrust(config.rootOfTrust.path ?? join(dataDir, 'root.key'));
  const stores = createSqliteStores(join(dataDir, 'opencmk.db'));
  const accounts: AccountConfig[] =
    config.accounts.length > 0
      ? config.accounts.map((a) => ({
          id: a.id,
          ...(a.name !== undefined ? { name: a.name } : {}),
          principals: a.principals.map((p) => ({ arn: p.arn, accessKeys: p.accessKeys, ...(p.policies ? { policies: p.policies } : {}) })),
        }))
      : [{ id: BOOTSTRAP_ACCOUNT, name: 'default', principals: [{ arn: BOOTSTRAP_PRINCIPAL }] }];
  const identities = createIdentityRegistry(accounts, stores.credentials, root);
  return { config, dataDir, stores, root, identities, accounts };
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));

export interface Server {
  url: string;
  kms: KeyService;
  close(): Promise<void>;
}

/** The composition root: everything the process runs, built from the validated config. */
export async function startServer(config: Config, log: Logger = pino({ level: config.logging.level })): Promise<Server> {
  if (!config.server.tls && !isLoopback(config.server.host) && !config.server.allowPlainHttp) {
    throw new ConfigError(
      `config: server.host is ${config.server.host} but server.tls is not set: data keys and plaintext would cross the network unencrypted. ` +
        'Set server.tls (cert and key) or, if a TLS proxy sits in front, server.allowPlainHttp: true.',
    );
  }
  const opened = openDataDir(config);
  await bootstrapCredentials(opened, log);
  const audit = config.audit.enabled ? await openAudit(config, opened, log) : undefined;
  const offset = config.testing.clockOffsetSeconds * 1000;
  const bucketKeys = createBucketKeyCache(config.objects.bucketKeyTtlSeconds * 1000, Date.now);
  const kms = createKeyService({
    keys: opened.stores.keys,
    root: opened.root,
    clock: () => Date.now() + offset,
    random: (n) => randomBytes(n),
    nonce: createRandomPool(),
    uuid: randomUUID,
    ...(audit ? { audit: audit.recordKmsCall, auditServiceEvent: audit.recordKmsServiceEvent } : {}),
    // A change to a key's policy, state or material ends every cached bucket key under it.
    onKeyChange: (keyArn) => bucketKeys.forgetKey(keyArn),
  });
  const blobs = createFsBlobStore(join(opened.dataDir, 'blobs'));
  const swept = await blobs.sweep(await opened.stores.objects.referencedBlobs());
  if (swept > 0) log.info({ swept }, 'removed object bytes no object refers to (an interrupted write)');
  const objectDeps = {
    meta: opened.stores.objects,
    blobs,
    kms: createObjectKms(kms),
    root: opened.root,
    bucketKeys,
    clock: Date.now,
    random: (n: number) => randomBytes(n),
    segmentSize: config.objects.segmentSize,
  };
  const virtualHostDomains = config.objects.virtualHostDomains;
  const s3 = createS3Handler({ deps: objectDeps, identities: opened.identities, maxXmlBytes: config.server.maxBodyBytes, virtualHostDomains });
  // The tenant control plane (docs/tenants.md) uses the same key service and object store core.
  const tenants = buildTenantService(config, opened.accounts, opened.stores.tenants, kms, objectDeps, log);
  const metrics = createMetrics();
  let http: RunningServer;
  try {
    http = await startHttpServer({
      host: config.server.host,
      port: config.server.port,
      ...(config.server.tls ? { tls: config.server.tls } : {}),
      maxBodyBytes: config.server.maxBodyBytes,
      jsonServices: [
        { targetPrefix: 'TrentService.', handle: (call, target, body) => handleKmsJson(kms, call, target, body) },
        ...(audit ? [{ targetPrefix: CLOUDTRAIL_TARGET_PREFIX, handle: (call: KmsRequest, target: string, body: Buffer) => handleCloudTrailJson(audit, call, target, body) }] : []),
      ],
      ...(audit ? { auditPublicKey: audit.publicKeyPem } : {}),
      identities: opened.identities,
      s3,
      virtualHosted: (req) => bucketOfHost(req.headers.host, virtualHostDomains) !== undefined,
      control: createControlHandler({ ...(tenants ? { tenants, providerAccountId: config.provider!.accountId } : {}), identities: opened.identities, maxBodyBytes: config.server.maxBodyBytes }),
      metrics: async () => metrics.render(tenants ? await tenants.healthStates() : []),
      onRequest: metrics.observe,
      log,
    });
  } catch (e) {
    await audit?.close();
    await opened.stores.close();
    throw e;
  }
  audit?.start();
  await tenants?.start();

  // Rotations and deletions that fell due while the server was down run at once, then periodically.
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    try {
      const done = await kms.runScheduledWork();
      if (done.rotated + done.deleted > 0) log.info(done, 'scheduled key work');
    } catch (e) {
      log.error({ err: e }, 'scheduled key work failed');
    }
    if (!stopped) timer = setTimeout(tick, config.kms.schedulerIntervalSeconds * 1000);
  };
  await tick();

  return {
    url: http.url,
    kms,
    async close() {
      stopped = true;
      clearTimeout(timer);
      await tenants?.stop();
      await http.close();
      // After the last answer: deliver every record and close the digest window.
      await audit?.close();
      await opened.stores.close();
    },
  };
}

/** Where the audit trail lives: its database and the directory log files and digests are delivered to. */
export function auditPaths(config: Config): { db: string; deliveryDir: string } {
  const dataDir = resolve(config.dataDir);
  return { db: join(dataDir, 'audit.db'), deliveryDir: resolve(config.audit.deliveryDir ?? join(dataDir, 'audit')) };
}

/** The audit trail (docs/audit.md) over <dataDir>/audit.db, delivering to the audit directory. */
async function openAudit(config: Config, opened: Opened, log: Logger): Promise<AuditTrail & { close(): Promise<void> }> {
  const paths = auditPaths(config);
  const store = createSqliteAuditStore(paths.db);
  try {
    const trail = await createAuditTrail({
      store,
      root: opened.root,
      clock: Date.now,
      uuid: randomUUID,
      homeRegion: config.region,
      target: localDirTarget(paths.deliveryDir),
      // The trail shows the AWS error type the client was sent.
      errorType: (code) => (KMS_JSON_ERRORS as Record<string, { type: string }>)[code]?.type ?? 'KMSInternalException',
      deliveryIntervalMs: config.audit.deliveryIntervalSeconds * 1000,
      digestPeriodMs: config.audit.digestPeriodSeconds * 1000,
      retentionMs: config.audit.retentionDays * 86_400_000,
      log,
    });
    return {
      ...trail,
      async close() {
        try {
          await trail.stop();
        } finally {
          await store.close();
        }
      },
    };
  } catch (e) {
    await store.close();
    throw e;
  }
}

/**
 * First start of an empty data directory with no accounts in the config: mint an access key for
 * the bootstrap admin, keep it (sealed) in the store, write it once to a 0600 credentials file in
 * the AWS CLI's format, and say how to use it. The secret is never logged.
 */
async function bootstrapCredentials(opened: Opened, log: Logger): Promise<void> {
  if (opened.config.accounts.length > 0) return;
  if ((await opened.stores.credentials.listCredentials()).length > 0) return;
  const key = await opened.identities.createAccessKey(BOOTSTRAP_ACCOUNT, BOOTSTRAP_PRINCIPAL);
  const file = join(opened.dataDir, 'credentials');
  if (!existsSync(file)) {
    writeFileSync(file, `[opencmk]\naws_access_key_id = ${key.accessKeyId}\naws_secret_access_key = ${key.secretAccessKey}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  log.info({ accessKeyId: key.accessKeyId, principal: BOOTSTRAP_PRINCIPAL, credentialsFile: file }, 'created the first access key');
  process.stdout.write(
    `\nopencmk: created account ${BOOTSTRAP_ACCOUNT} with principal ${BOOTSTRAP_PRINCIPAL}.\n` +
      `Its access key is in ${file} (mode 0600). Use it with:\n` +
      `  export AWS_SHARED_CREDENTIALS_FILE=${file} AWS_PROFILE=opencmk AWS_DEFAULT_REGION=${opened.config.region}\n\n`,
  );
}
