import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const AccessKey = z.object({
  accessKeyId: z.string().regex(/^[A-Z0-9]{16,128}$/, 'must be 16–128 upper-case letters and digits'),
  secretAccessKey: z.string().min(16),
});
const PrincipalSchema = z.object({
  arn: z.string().regex(/^arn:aws:iam::\d{12}:(user|role)\/[\w+=,.@/-]+$/, 'must be an IAM user or role ARN'),
  accessKeys: z.array(AccessKey).default([]),
  policies: z.array(z.union([z.string(), z.record(z.string(), z.unknown())])).optional(),
});
const AccountSchema = z.object({
  id: z.string().regex(/^\d{12}$/, 'must be a 12-digit account id'),
  name: z.string().optional(),
  principals: z.array(PrincipalSchema).default([]),
});

export const ConfigSchema = z
  .object({
    server: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(4600),
        tls: z.object({ cert: z.string(), key: z.string() }).optional(),
        allowPlainHttp: z.boolean().default(false),
        /** Largest request body outside object uploads. */
        maxBodyBytes: z.number().int().min(1024).default(1024 * 1024),
      })
      .default({ host: '127.0.0.1', port: 4600, allowPlainHttp: false, maxBodyBytes: 1024 * 1024 }),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be a region name such as us-east-1').default('us-east-1'),
    dataDir: z.string().default('./data'),
    accounts: z.array(AccountSchema).default([]),
    store: z.object({ driver: z.literal('sqlite') }).default({ driver: 'sqlite' }),
    rootOfTrust: z.object({ driver: z.literal('key-file'), path: z.string().optional() }).default({ driver: 'key-file' }),
    kms: z
      .object({ schedulerIntervalSeconds: z.number().min(0.01).default(60) })
      .default({ schedulerIntervalSeconds: 60 }),
    objects: z
      .object({
        /** Plaintext bytes per authenticated segment of new objects (docs/formats.md §3). */
        segmentSize: z.number().int().min(16384).max(4194304).default(65536),
        /** The longest a cached bucket key is used; any change to its KMS key drops it at once. */
        bucketKeyTtlSeconds: z.number().min(0).default(60),
        /** Virtual-hosted-style S3: a request to `<bucket>.<domain>` names that bucket. Path-style always works. */
        virtualHostDomains: z.array(z.string().min(1)).default(['localhost']),
      })
      .default({ segmentSize: 65536, bucketKeyTtlSeconds: 60, virtualHostDomains: ['localhost'] }),
    logging: z.object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'silent']).default('info') }).default({ level: 'info' }),
    /** The audit trail (docs/audit.md): where log files and digests go, how often, how long lookups reach back. */
    audit: z
      .object({
        /** Bench and tests only: false records nothing, and the key service answers without an audit record. */
        enabled: z.boolean().default(true),
        /** Default `<dataDir>/audit`. */
        deliveryDir: z.string().optional(),
        deliveryIntervalSeconds: z.number().min(0.1).default(300),
        digestPeriodSeconds: z.number().int().min(1).default(3600),
        retentionDays: z.number().min(1).default(90),
      })
      .default({ enabled: true, deliveryIntervalSeconds: 300, digestPeriodSeconds: 3600, retentionDays: 90 }),
    /** The SaaS provider (docs/tenants.md): its account, and the principal that acts for tenants (owns buckets, probes keys). */
    provider: z
      .object({
        accountId: z.string().regex(/^\d{12}$/, 'must be a 12-digit account id'),
        principal: z.string().regex(/^arn:aws:iam::\d{12}:(user|role)\/[\w+=,.@/-]+$/, 'must be an IAM user or role ARN'),
      })
      .optional(),
    /** The tenant control plane: key health probes and re-encryption jobs. */
    tenants: z
      .object({
        probeIntervalSeconds: z.number().min(0.1).default(60),
        reencryptBatchSize: z.number().int().min(1).max(10000).default(500),
        /** Objects per second a re-encryption job may handle (limits KMS and disk load); 0 = no limit. */
        reencryptMaxObjectsPerSecond: z.number().min(0).default(0),
        reencryptConcurrency: z.number().int().min(1).max(256).default(32),
      })
      .default({ probeIntervalSeconds: 60, reencryptBatchSize: 500, reencryptMaxObjectsPerSecond: 0, reencryptConcurrency: 32 }),
    /** For tests only: shifts the key service's clock (rotation and deletion schedules), not SigV4's. */
    testing: z.object({ clockOffsetSeconds: z.number().default(0) }).default({ clockOffsetSeconds: 0 }),
  })
  .strict();

export type Config = z.output<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

// Environment variables: OPENCMK_ + the field path in upper snake case (server.allowPlainHttp →
// OPENCMK_SERVER_ALLOW_PLAIN_HTTP), plus the short forms below. Objects and lists take JSON.
const SHORT_ENV: Record<string, string[]> = {
  OPENCMK_HOST: ['server', 'host'],
  OPENCMK_PORT: ['server', 'port'],
  OPENCMK_DATA_DIR: ['dataDir'],
  OPENCMK_REGION: ['region'],
  OPENCMK_LOG_LEVEL: ['logging', 'level'],
};
const FIELDS: string[][] = [
  ['server', 'host'],
  ['server', 'port'],
  ['server', 'tls'],
  ['server', 'allowPlainHttp'],
  ['server', 'maxBodyBytes'],
  ['region'],
  ['dataDir'],
  ['accounts'],
  ['store'],
  ['rootOfTrust'],
  ['kms', 'schedulerIntervalSeconds'],
  ['objects', 'segmentSize'],
  ['objects', 'bucketKeyTtlSeconds'],
  ['logging', 'level'],
  ['audit', 'enabled'],
  ['audit', 'deliveryDir'],
  ['audit', 'deliveryIntervalSeconds'],
  ['audit', 'digestPeriodSeconds'],
  ['audit', 'retentionDays'],
  ['provider'],
  ['tenants', 'probeIntervalSeconds'],
  ['tenants', 'reencryptBatchSize'],
  ['tenants', 'reencryptMaxObjectsPerSecond'],
  ['tenants', 'reencryptConcurrency'],
  ['testing', 'clockOffsetSeconds'],
];
const envName = (path: string[]) => 'OPENCMK_' + path.map((p) => p.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()).join('_');

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const part of path.slice(0, -1)) {
    if (node[part] === undefined || typeof node[part] !== 'object') node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function envValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

export interface ConfigSources {
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Command-line flags, already as config paths (`['server','port']` → value). */
  overrides?: [string[], unknown][];
}

/** Reads the YAML file, then environment, then flags (each overriding the one before), and validates. */
export function loadConfig(sources: ConfigSources = {}): Config {
  let raw: Record<string, unknown> = {};
  const env = sources.env ?? {};
  const file = sources.file ?? env.OPENCMK_CONFIG;
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError(`config: cannot read ${file}: ${(e as Error).message}`);
    }
    try {
      raw = (parseYaml(text) as Record<string, unknown> | null) ?? {};
    } catch (e) {
      throw new ConfigError(`config: ${file} is not valid YAML: ${(e as Error).message}`);
    }
    if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`config: ${file} must hold a mapping of settings`);
  }
  for (const path of FIELDS) {
    const value = env[envName(path)];
    if (value !== undefined && value !== '') setPath(raw, path, envValue(value));
  }
  for (const [name, path] of Object.entries(SHORT_ENV)) {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(raw, path, envValue(value));
  }
  for (const [path, value] of sources.overrides ?? []) if (value !== undefined) setPath(raw, path, value);
  const result = ConfigSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new ConfigError(`config: invalid configuration${file ? ` in ${file}` : ''}:\n${lines.join('\n')}`);
  }
  return result.data;
}
