// Virtual-hosted-style S3 (issue 4, scope 1): `<bucket>.localhost` names the bucket in the Host
// header, as the JS SDK addresses buckets unless forcePathStyle is set. This machine's resolver does
// not know `*.localhost`, so the SDK's agent resolves every name to 127.0.0.1 itself.
import assert from 'node:assert/strict';
import { lookup as dnsLookup, type LookupOptions } from 'node:dns';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CUSTOMER, OUTSIDER } from '../helpers/accounts.js';
import { rejectsS3, s3Client } from '../helpers/s3.js';
import { startServerProcess, type ServerProcess } from '../helpers/server.js';

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | { address: string; family: number }[], family?: number) => void;

/** Resolves `*.localhost` to the loopback address; every other name as usual. */
function loopbackLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  if (hostname !== 'localhost' && !hostname.endsWith('.localhost')) return void dnsLookup(hostname, options, callback as never);
  if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
}

describe('S3 virtual-hosted-style requests (<bucket>.localhost)', () => {
  let server: ServerProcess;
  let s3: S3Client;
  const hosts: string[] = [];

  before(async () => {
    server = await startServerProcess();
    s3 = new S3Client({
      endpoint: `http://localhost:${server.port}`,
      region: 'us-east-1',
      forcePathStyle: false,
      credentials: { accessKeyId: CUSTOMER.accessKeyId, secretAccessKey: CUSTOMER.secretAccessKey },
      maxAttempts: 1,
      requestHandler: { httpAgent: new http.Agent({ keepAlive: true, lookup: loopbackLookup as never }) },
    });
    s3.middlewareStack.add(
      (next) => async (args) => {
        hosts.push((args.request as { hostname: string }).hostname);
        return next(args);
      },
      { step: 'finalizeRequest', name: 'recordHost' },
    );
  });
  after(async () => {
    s3?.destroy();
    await server?.stop();
  });

  it('the JS SDK without forcePathStyle creates a bucket and puts, lists, reads and deletes objects', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'vhost-bucket' }));
    assert.ok(hosts.includes('vhost-bucket.localhost'), `the SDK addressed ${hosts.join(', ')}`);
    // Keys that path-style would take for our own paths are plain object keys here.
    for (const key of ['healthz', 'v1/tenants', 'metrics', 'a/b c.txt']) {
      await s3.send(new PutObjectCommand({ Bucket: 'vhost-bucket', Key: key, Body: `body of ${key}` }));
      const got = await s3.send(new GetObjectCommand({ Bucket: 'vhost-bucket', Key: key }));
      assert.equal(await got.Body!.transformToString(), `body of ${key}`);
      assert.equal(got.ServerSideEncryption, 'AES256', 'encrypted like any other object');
    }
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'vhost-bucket' }));
    assert.deepEqual(listed.Contents?.map((o) => o.Key), ['a/b c.txt', 'healthz', 'metrics', 'v1/tenants']);
    await s3.send(new DeleteObjectCommand({ Bucket: 'vhost-bucket', Key: 'healthz' }));
    await rejectsS3(s3.send(new HeadObjectCommand({ Bucket: 'vhost-bucket', Key: 'healthz' })), 'NotFound', 404);
  });

  it('names the same bucket as path-style does, with the same ownership rules', async () => {
    const pathStyle = s3Client(server.url, CUSTOMER);
    const got = await pathStyle.send(new GetObjectCommand({ Bucket: 'vhost-bucket', Key: 'v1/tenants' }));
    assert.equal(await got.Body!.transformToString(), 'body of v1/tenants');
    pathStyle.destroy();
    const outsider = new S3Client({
      endpoint: `http://localhost:${server.port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: OUTSIDER.accessKeyId, secretAccessKey: OUTSIDER.secretAccessKey },
      maxAttempts: 1,
      requestHandler: { httpAgent: new http.Agent({ lookup: loopbackLookup as never }) },
    });
    await rejectsS3(outsider.send(new GetObjectCommand({ Bucket: 'vhost-bucket', Key: 'v1/tenants' })), 'AccessDenied', 403);
    outsider.destroy();
  });

  it('a virtual-hosted request for /healthz is an S3 request, not the health check', async () => {
    const answer = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: server.port, path: '/healthz', headers: { host: `vhost-bucket.localhost:${server.port}` } }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(answer.type, 'application/xml');
    assert.match(answer.body, /<Error><Code>/);
    assert.notEqual(answer.status, 200);
  });
});
