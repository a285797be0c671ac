import http from 'node:http';
import type { KmsSigner } from './sign.js';

/** One signed KMS JSON call for setup (CreateKey, PutKeyPolicy, …); throws on any non-200 answer. */
export async function kmsCall(url: string, sign: KmsSigner, target: string, input: unknown): Promise<Record<string, unknown>> {
  const { headers, body } = await sign(target, JSON.stringify(input));
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port: Number(port), method: 'POST', path: '/', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) reject(new Error(`bench/kms-client: ${target} answered ${res.statusCode}: ${text}`));
        else resolve(JSON.parse(text) as Record<string, unknown>);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
