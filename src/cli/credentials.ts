import type { Command } from 'commander';
import { ConfigError } from '../config.js';
import { openDataDir } from '../server.js';
import { configFromFlags, withServerFlags, type ServerFlags } from './options.js';

export function registerCredentials(program: Command): void {
  const credentials = program.command('credentials').description('manage access keys');
  withServerFlags(
    credentials
      .command('create')
      .description('create an access key for a principal (printed once; stored sealed in the data directory)')
      .requiredOption('--account <id>', '12-digit account id')
      .requiredOption('--principal <arn>', 'IAM user or role ARN in that account, e.g. arn:aws:iam::111122223333:user/alice')
      .option('--output <format>', 'text or json', 'text'),
  ).action(async (flags: ServerFlags & { account: string; principal: string; output: string }) => {
    if (!/^\d{12}$/.test(flags.account)) throw new ConfigError(`credentials create: --account must be a 12-digit account id, got '${flags.account}'`);
    const m = /^arn:aws:iam::(\d{12}):(user|role)\/[\w+=,.@/-]+$/.exec(flags.principal);
    if (!m) throw new ConfigError(`credentials create: --principal must be an IAM user or role ARN, got '${flags.principal}'`);
    if (m[1] !== flags.account) throw new ConfigError(`credentials create: principal ${flags.principal} is not in account ${flags.account}`);
    const opened = openDataDir(configFromFlags(flags));
    try {
      const key = await opened.identities.createAccessKey(flags.account, flags.principal);
      if (flags.output === 'json') {
        process.stdout.write(JSON.stringify({ AccessKeyId: key.accessKeyId, SecretAccessKey: key.secretAccessKey, Account: flags.account, Arn: flags.principal }) + '\n');
      } else {
        process.stdout.write(`AWS_ACCESS_KEY_ID=${key.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${key.secretAccessKey}\n`);
      }
    } finally {
      await opened.stores.close();
    }
  });
}
