import http from 'node:http';
import type { AddressInfo } from 'node:net';

// The runtime's ceiling for the KMS suite: the same node:http server set-up as ours (keep-alive,
// 65 s idle timeout), reading the whole body, then a fixed small JSON answer. Run as its own
// process so it pays the same process and socket costs as `opencmk serve`.
const ANSWER = '{"KeyId":"noop","CiphertextBlob":"AAAA","EncryptionAlgorithm":"SYMMETRIC_DEFAULT"}';

const server = http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(200, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': '00000000-0000-0000-0000-000000000000',
      'content-length': Buffer.byteLength(ANSWER),
    });
    res.end(ANSWER);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
