import type http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Runs a no-op bench server the way `opencmk serve` runs: keep-alive with a 65 s idle timeout, a
 * free loopback port announced as `listening on <url>` (what bench/lib/servers.ts waits for), and a
 * clean exit on SIGTERM.
 */
export function serveNoop(server: http.Server): void {
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
  });
  process.on('SIGTERM', () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  });
}
