import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { ConfigError, type Config } from './config.js';
import { createIdentityRegistry, type AccountConfig, type IdentityRegistry } from './identity/registry.js';
import { createKeyService, type KeyService } from './kms/service.js';
import { keyFileRootOfTrust } from './store/root-of-trust/key-file.js';
import { createSqliteStores } from './store/sqlite/index.js';
import type { RootOfTrust, Stores } from './store/types.js';
import { startHttpServer, type RunningServer } from './wire/http/server.js';
import { handleKmsJson } from './wire/kms-json/handler.js';
import { createBucketKeyCache } from './objects/bucket-keys.js';
import { createObjectKms } from './objects/kms-calls.js';
import { createFsBlobStore } from './store/fs/blob-store.js';
import { createS3Handler } from './wire/s3-xml/handler.js';

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
  const offset = config.testing.clockOffsetSeconds * 1000;
  const bucketKeys = createBucketKeyCache(config.objects.bucketKeyTtlSeconds * 1000, Date.now);
  const kms = createKeyService({
    keys: opened.stores.keys,
    root: opened.root,
    clock: () => Date.now() + offset,
    random: (n) => randomBytes(n),
    uuid: randomUUID,
    // A change to a key's policy, state or material ends every cached bucket key under it.
    onKeyChange: (keyArn) => bucketKeys.forgetKey(keyArn),
  });
  const blobs = createFsBlobStore(join(opened.dataDir, 'blobs'));
  const swept = await blobs.sweep(await opened.stores.objects.referencedBlobs());
  if (swept > 0) log.info({ swept }, 'removed object bytes no object refers to (an interrupted write)');
  const s3 = createS3Handler({
    deps: {
      meta: opened.stores.objects,
      blobs,
      kms: createObjectKms(kms),
      root: opened.root,
      bucketKeys,
      clock: Date.now,
      random: (n) => randomBytes(n),
      segmentSize: config.objects.segmentSize,
    },
    identities: opened.identities,
    maxXmlBytes: config.server.maxBodyBytes,
  });
  let http: RunningServer;
  try {
    http = await startHttpServer({
      host: config.server.host,
      port: config.server.port,
      ...(config.server.tls ? { tls: config.server.tls } : {}),
      maxBodyBytes: config.server.maxBodyBytes,
      jsonServices: [{ targetPrefix: 'TrentService.', handle: (call, target, body) => handleKmsJson(kms, call, target, body) }],
      identities: opened.identities,
      s3,
      log,
    });
  } catch (e) {
    await opened.stores.close();
    throw e;
  }

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
      await http.close();
      await opened.stores.close();
    },
  };
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
