import http from 'node:http';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Credentials } from './sign.js';

const TARGET = 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents';

interface LookupPage {
  Events?: { EventName?: string; EventTime?: number; CloudTrailEvent?: string }[];
  NextToken?: string;
}

/**
 * How many records named `eventName` the caller's account trail holds (CloudTrail LookupEvents,
 * docs/audit.md §6, paged by NextToken). Records are durable before a call is answered, so a count
 * taken after a load has finished includes every call the load caused.
 */
export async function countAuditEvents(url: string, credentials: Credentials, eventName: string, region = 'us-east-1'): Promise<number> {
  const { hostname, port, host } = new URL(url);
  const signer = new SignatureV4({ service: 'cloudtrail', region, credentials, sha256: Hash.bind(null, 'sha256') });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let count = 0;
  let nextToken: string | undefined;
  try {
    do {
      const body = JSON.stringify({
        LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: eventName }],
        MaxResults: 50,
        ...(nextToken ? { NextToken: nextToken } : {}),
      });
      const signed = await signer.sign(
        new HttpRequest({
          method: 'POST',
          protocol: 'http:',
          hostname,
          port: Number(port),
          path: '/',
          headers: { host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': TARGET, 'content-length': String(Buffer.byteLength(body)) },
          body,
        }),
      );
      const page = await new Promise<LookupPage>((resolve, reject) => {
        const req = http.request({ agent, host: hostname, port: Number(port), method: 'POST', path: '/', headers: signed.headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) reject(new Error(`bench/cloudtrail: LookupEvents answered ${res.statusCode}: ${text.slice(0, 300)}`));
            else resolve(JSON.parse(text) as LookupPage);
          });
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(body);
      });
      count += (page.Events ?? []).filter((e) => e.EventName === eventName).length;
      nextToken = page.NextToken;
    } while (nextToken);
  } finally {
    agent.destroy();
  }
  return count;
}
