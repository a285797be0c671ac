import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { serveNoop } from './serve-noop.js';

// The runtime's ceiling for the object suite: the same node:http set-up as ours, with no
// authentication, cipher or disk. A PUT's body is read and dropped, and its length remembered by
// path; a GET of that path answers that many bytes of a fixed random block, in 64 KiB writes (a
// decrypted segment's size) with the response's backpressure. Run as its own process.
const BLOCK = randomBytes(65536);
const sizes = new Map<string, number>();

const server = http.createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0]!;
  if (req.method === 'PUT') {
    let size = 0;
    req.on('data', (chunk: Buffer) => (size += chunk.length));
    req.on('end', () => {
      sizes.set(path, size);
      res.writeHead(200, { etag: '"noop"', 'content-length': 0 }).end();
    });
    return;
  }
  if (req.method === 'DELETE') {
    sizes.delete(path);
    res.writeHead(204).end();
    return;
  }
  const size = sizes.get(path);
  if (req.method !== 'GET' || size === undefined) {
    res.writeHead(404, { 'content-length': 0 }).end();
    return;
  }
  res.writeHead(200, { 'content-length': size });
  let sent = 0;
  const pump = (): void => {
    while (sent < size) {
      const n = Math.min(BLOCK.length, size - sent);
      sent += n;
      if (!res.write(n === BLOCK.length ? BLOCK : BLOCK.subarray(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
});
serveNoop(server);
