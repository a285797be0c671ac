import http from 'node:http';
import { serveNoop } from './lib/serve-noop.js';

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
serveNoop(server);
