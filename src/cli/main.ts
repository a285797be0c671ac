import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.js';
import { registerAudit } from './audit.js';
import { registerCredentials } from './credentials.js';
import { registerServe } from './serve.js';
import { registerTenant } from './tenant.js';

/** Exit codes (README "CLI"): 1 user error, 2 internal error, 3 the server refused. */
export const EXIT = { user: 1, internal: 2, refused: 3 } as const;

export async function main(argv: string[]): Promise<void> {
  const program = new Command('opencmk')
    .description('Customer Managed Keys: an AWS-KMS-compatible key service you run yourself')
    .exitOverride();
  registerServe(program);
  registerCredentials(program);
  registerAudit(program);
  registerTenant(program);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : EXIT.user);
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(EXIT.user);
    }
    process.stderr.write(`opencmk: ${(e as Error).stack ?? e}\n`);
    process.exit(EXIT.internal);
  }
}
