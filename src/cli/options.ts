import type { Command } from 'commander';
import { loadConfig, type Config } from '../config.js';

export interface ServerFlags {
  config?: string;
  dataDir?: string;
  host?: string;
  port?: string;
}

/** The flags every command that opens the data directory or starts the server shares. */
export function withServerFlags(command: Command): Command {
  return command
    .option('--config <file>', 'YAML config file (also OPENCMK_CONFIG)')
    .option('--data-dir <dir>', 'data directory (also OPENCMK_DATA_DIR; default ./data)')
    .option('--host <host>', 'address to listen on (also OPENCMK_HOST; default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (also OPENCMK_PORT; default 4600)');
}

export function configFromFlags(flags: ServerFlags): Config {
  const port = flags.port === undefined ? undefined : Number(flags.port);
  return loadConfig({
    ...(flags.config ? { file: flags.config } : {}),
    env: process.env,
    overrides: [
      [['dataDir'], flags.dataDir],
      [['server', 'host'], flags.host],
      [['server', 'port'], port],
    ],
  });
}
