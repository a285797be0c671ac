import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bucketOfHost, parseTarget } from '../../../src/wire/s3-xml/request.js';

describe('S3 request targets', () => {
  it('finds the bucket of a virtual-hosted-style Host header under a configured domain only', () => {
    const domains = ['localhost', 's3.example.com'];
    assert.equal(bucketOfHost('acme-snapshots.localhost:4600', domains), 'acme-snapshots');
    assert.equal(bucketOfHost('my.dotted.bucket.s3.example.com', domains), 'my.dotted.bucket');
    assert.equal(bucketOfHost('ACME.LocalHost', domains), 'acme', 'host names are case-insensitive');
    assert.equal(bucketOfHost('localhost:4600', domains), undefined, 'the domain itself is path-style');
    assert.equal(bucketOfHost('127.0.0.1:4600', domains), undefined);
    assert.equal(bucketOfHost('bucket.example.com', domains), undefined, 'not under a configured domain');
    assert.equal(bucketOfHost('xlocalhost', domains), undefined);
    assert.equal(bucketOfHost(undefined, domains), undefined);
    assert.equal(bucketOfHost('acme.localhost', []), undefined, 'no domains: path-style only');
  });

  it('takes the whole path as the key of a virtual-hosted request, and bucket/key from a path-style one', () => {
    assert.deepEqual({ ...parseTarget('/v1/a%20b?list-type=2', 'acme'), query: undefined }, { bucket: 'acme', key: 'v1/a b', query: undefined });
    assert.equal(parseTarget('/', 'acme').key, undefined);
    assert.equal(parseTarget('/?location', 'acme').bucket, 'acme');
    assert.deepEqual({ ...parseTarget('/acme/v1/x'), query: undefined }, { bucket: 'acme', key: 'v1/x', query: undefined });
    assert.equal(parseTarget('/').bucket, undefined);
  });
});
