import type { Command } from 'commander';
import { startServer } from '../server.js';
import { missingNodeFlags } from './node-flags.js';
import { configFromFlags, withServerFlags, type ServerFlags } from './options.js';

export function registerServe(program: Command): void {
  withServerFlags(program.command('serve').description('run the key service (KMS API) on one port')).action(async (flags: ServerFlags) => {
    const config = configFromFlags(flags);
    const missing = missingNodeFlags();
    if (missing.length > 0) {
      process.stderr.write(`opencmk: warning: node was started without ${missing.join(' ')}; large GETs and PUTs may run at half speed (start with bin/opencmk.js or npm start, or pass it to node)\n`);
    }
    const server = await startServer(config);
    process.stdout.write(
      `opencmk: listening on ${server.url} (region ${config.region}, data in ${config.dataDir})\n` +
        `  try: aws --endpoint-url ${server.url} kms list-keys\n`,
    );
    let closing = false;
    const shutdown = (signal: string) => {
      if (closing) return;
      closing = true;
      process.stdout.write(`opencmk: ${signal}, finishing requests in flight\n`);
      server.close().then(
        () => process.exit(0),
        () => process.exit(2),
      );
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
  });
}
