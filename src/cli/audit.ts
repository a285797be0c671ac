import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { exportRecords } from '../audit/export.js';
import { localDirTarget } from '../audit/local-dir-target.js';
import { fingerprintOf } from '../audit/signing-key.js';
import { formatReport, validateTrail } from '../audit/validate.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { auditPaths } from '../server.js';
import { createSqliteAuditStore } from '../store/sqlite/audit.js';
import type { AuditStore } from '../store/types.js';

/** `audit validate` exit code when any digest, log file or record fails (docs/audit.md §7). */
export const EXIT_INVALID = 4;

interface Flags {
  config?: string;
  dataDir?: string;
}

function configOf(flags: Flags): Config {
  return loadConfig({ ...(flags.config ? { file: flags.config } : {}), env: process.env, overrides: [[['dataDir'], flags.dataDir]] });
}

/** ISO 8601 (`2026-01-01T00:00:00Z`, `2026-01-01`) or epoch seconds → epoch ms. */
function parseTime(value: string, flag: string): number {
  const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  if (!Number.isFinite(ms)) throw new ConfigError(`audit: ${flag} must be an ISO 8601 time or epoch seconds, got '${value}'`);
  return ms;
}

function openStore(config: Config, required: boolean): AuditStore | undefined {
  const { db } = auditPaths(config);
  if (!existsSync(db)) {
    if (required) throw new ConfigError(`audit: no audit database at ${db} (is --data-dir right?)`);
    return undefined;
  }
  // Reads only: the writer thread is never started.
  return createSqliteAuditStore(db, { mustExist: true });
}

const withDataFlags = (command: Command) =>
  command.option('--config <file>', 'YAML config file (also OPENCMK_CONFIG)').option('--data-dir <dir>', 'data directory (also OPENCMK_DATA_DIR; default ./data)');

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('the audit trail: validate delivered logs, export records');

  withDataFlags(
    audit
      .command('validate')
      .description('prove that no delivered record of a period was altered, removed or reordered (like aws cloudtrail validate-logs)')
      .requiredOption('--start-time <time>', 'start of the period (ISO 8601 or epoch seconds)')
      .option('--end-time <time>', 'end of the period (default: now)')
      .option('--account <id>', "only this account's trail")
      .option('--public-key <file>', 'PEM public key to verify digests with (default: the keys in the data directory); pin one fetched from GET /v1/audit/public-key')
      .option('--verbose', 'also list every valid file'),
  ).action(async (flags: Flags & { startTime: string; endTime?: string; account?: string; publicKey?: string; verbose?: boolean }) => {
    const config = configOf(flags);
    const startTime = parseTime(flags.startTime, '--start-time');
    const endTime = flags.endTime ? parseTime(flags.endTime, '--end-time') : Date.now();
    if (startTime > endTime) throw new ConfigError('audit validate: --start-time is after --end-time');
    if (flags.account !== undefined && !/^\d{12}$/.test(flags.account)) throw new ConfigError(`audit validate: --account must be a 12-digit account id, got '${flags.account}'`);
    const store = openStore(config, flags.publicKey === undefined);
    try {
      const publicKeys = new Map<string, string>();
      if (flags.publicKey) {
        let pem: string;
        try {
          pem = readFileSync(flags.publicKey, 'utf8');
          publicKeys.set(fingerprintOf(pem), pem);
        } catch (e) {
          throw new ConfigError(`audit validate: cannot read a PEM public key from ${flags.publicKey}: ${(e as Error).message}`);
        }
      } else {
        for (const k of await store!.signingKeys()) publicKeys.set(k.fingerprint, k.publicKeyPem);
      }
      const expectedDigests = store ? (await store.listDigests(startTime)).filter((d) => d.startTime < endTime) : [];
      const result = await validateTrail({
        reader: localDirTarget(auditPaths(config).deliveryDir),
        publicKeys,
        startTime,
        endTime,
        ...(flags.account ? { accountId: flags.account } : {}),
        expectedDigests,
      });
      process.stdout.write(formatReport(result, { startTime, endTime, verbose: flags.verbose ?? false }));
      if (!result.ok) process.exitCode = EXIT_INVALID;
    } finally {
      await store?.close();
    }
  });

  withDataFlags(
    audit
      .command('export')
      .description('write stored records to stdout for a SIEM, one JSON object per line')
      .requiredOption('--since <time>', 'records at or after this time (ISO 8601 or epoch seconds)')
      .option('--format <format>', 'jsonl', 'jsonl')
      .option('--account <id>', "only this account's trail (default: every account's)"),
  ).action(async (flags: Flags & { since: string; format: string; account?: string }) => {
    if (flags.format !== 'jsonl') throw new ConfigError(`audit export: --format must be jsonl, got '${flags.format}'`);
    if (flags.account !== undefined && !/^\d{12}$/.test(flags.account)) throw new ConfigError(`audit export: --account must be a 12-digit account id, got '${flags.account}'`);
    const since = Math.floor(parseTime(flags.since, '--since') / 1000);
    const store = openStore(configOf(flags), true)!;
    try {
      for await (const line of exportRecords(store, { since, ...(flags.account ? { accountId: flags.account } : {}) })) {
        if (!process.stdout.write(line + '\n')) await once(process.stdout, 'drain');
      }
    } finally {
      await store.close();
    }
  });
}
