// Presigned URLs: those made by @smithy/signature-v4's presign the way @aws-sdk/s3-request-presigner
// calls it (that package is not installed here), by boto3's generate_presigned_url and by the aws
// CLI must verify; every change to them, and every malformed parameter, must not, with S3's text.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  MAX_PRESIGNED_EXPIRES,
  PresignError,
  parsePresigned,
  verifyPresigned,
  type PresignErrorCode,
  type PresignedRequest,
} from '../../../src/wire/s3-xml/presign.js';

const run = promisify(execFile);
const ACCESS_KEY = 'AKIDPRESIGNTEST';
const SECRET = 'presign/test+secret';
const HOST = '127.0.0.1:9000';
const SIGNED_AT = new Date(Date.UTC(2024, 0, 1, 0, 0, 0));

/** RFC 3986 percent-encoding, as the SDKs write paths and queries. */
const escape = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const escapePath = (path: string) => path.split('/').map(escape).join('/');

interface SdkPresignOptions {
  method?: string;
  bucket?: string;
  key: string;
  query?: Record<string, string | string[]>;
  /** Headers the URL's user must send, signed and left in the headers. */
  headers?: Record<string, string>;
  expiresIn?: number;
  signingDate?: Date;
  sessionToken?: string;
  secret?: string;
  region?: string;
}

/**
 * What @aws-sdk/s3-request-presigner does: the request as the S3 client would build it (x-id, an
 * x-amz-content-sha256 of UNSIGNED-PAYLOAD that presign hoists into the query), presigned with
 * SigV4 for s3 (path not escaped again).
 */
async function presignLikeSdk(options: SdkPresignOptions): Promise<PresignedRequest> {
  const method = options.method ?? 'GET';
  const signer = new SignatureV4({
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: options.secret ?? SECRET, ...(options.sessionToken ? { sessionToken: options.sessionToken } : {}) },
    region: options.region ?? 'us-east-1',
    service: 's3',
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: false,
  });
  const path = `/${options.bucket ?? 'bucket'}/${escapePath(options.key)}`;
  const request = new HttpRequest({
    method,
    protocol: 'http:',
    hostname: HOST,
    path,
    query: { 'x-id': method === 'PUT' ? 'PutObject' : 'GetObject', ...options.query },
    // The S3 client's casing: presign hoists the header into the query under the same name.
    headers: { host: HOST, 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD', ...options.headers },
  });
  const signed = await signer.presign(request, {
    signingDate: options.signingDate ?? SIGNED_AT,
    expiresIn: options.expiresIn ?? 900,
    unhoistableHeaders: new Set(Object.keys(options.headers ?? {})),
  });
  const query = Object.entries(signed.query ?? {})
    .flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((v) => `${escape(name)}=${escape(String(v))}`))
    .join('&');
  return { method, url: `${signed.path}?${query}`, headers: { host: HOST, ...options.headers } };
}

async function verifies(request: PresignedRequest, now = SIGNED_AT.getTime() + 1000, secret = SECRET) {
  const info = parsePresigned(request.url, request.headers);
  assert.ok(info, `not presigned: ${request.url}`);
  await verifyPresigned(request, info, secret, now);
  return info;
}

async function refused(request: PresignedRequest, code: PresignErrorCode, message?: string | RegExp, now = SIGNED_AT.getTime() + 1000, secret = SECRET): Promise<PresignError> {
  try {
    const info = parsePresigned(request.url, request.headers);
    assert.ok(info, 'parsePresigned found no presigned parameters');
    await verifyPresigned(request, info, secret, now);
  } catch (error) {
    assert.ok(error instanceof PresignError, `not a PresignError: ${(error as Error).stack}`);
    assert.equal(error.code, code, error.message);
    if (typeof message === 'string') assert.equal(error.message, message);
    else if (message) assert.match(error.message, message);
    return error;
  }
  assert.fail(`accepted, expected ${code}`);
}

const withUrl = (request: PresignedRequest, edit: (url: string) => string): PresignedRequest => ({ ...request, url: edit(request.url) });
const setParam = (url: string, name: string, value: string) => url.replace(new RegExp(`([?&]${name}=)[^&]*`), `$1${value}`);
const dropParam = (url: string, name: string) => url.replace(new RegExp(`([?&])${name}=[^&]*&?`), '$1').replace(/[?&]$/, '');

describe('URLs presigned the way @aws-sdk/s3-request-presigner does', () => {
  it('a GetObject URL verifies and parses', async () => {
    const request = await presignLikeSdk({ key: 'hello.txt' });
    assert.match(request.url, /X-Amz-Content-Sha256=UNSIGNED-PAYLOAD/);
    const info = await verifies(request);
    assert.deepEqual(
      { ...info },
      {
        accessKeyId: ACCESS_KEY,
        date: '20240101',
        region: 'us-east-1',
        service: 's3',
        amzDate: '20240101T000000Z',
        signedAt: SIGNED_AT.getTime(),
        expiresIn: 900,
        expiresAt: SIGNED_AT.getTime() + 900_000,
        signedHeaders: ['host'],
        signature: new URLSearchParams(request.url.split('?')[1]).get('X-Amz-Signature'),
      },
    );
  });

  it('keys and query values that need escaping', async () => {
    for (const key of ['dir/a b+c~!\'()*ü.txt', 'percent%20literal', 'semi;colon=&', 'trailing/', '日本語/ファイル', 'x'.repeat(900)]) {
      await verifies(await presignLikeSdk({ key, query: { 'response-content-disposition': 'attachment; filename="x y+z.txt"', 'response-cache-control': 'no-cache' } }));
    }
  });

  it('a repeated query parameter, and one without a value', async () => {
    await verifies(await presignLikeSdk({ key: 'k', query: { tag: ['b', 'a'], acl: '' } }));
  });

  it('a PutObject URL with signed content-type and an x-amz-meta header left in the headers', async () => {
    const headers = { 'content-type': 'text/plain', 'x-amz-meta-color': 'blue' };
    const request = await presignLikeSdk({ method: 'PUT', key: 'upload.txt', headers });
    const info = await verifies(request);
    assert.deepEqual(info.signedHeaders, ['content-type', 'host', 'x-amz-meta-color']);
    await refused({ ...request, headers: { ...request.headers, 'x-amz-meta-color': 'red' } }, 'signature-mismatch');
    await refused({ ...request, headers: { host: HOST, 'content-type': 'text/plain' } }, 'signature-mismatch');
    // A header nobody signed may come along.
    await verifies({ ...request, headers: { ...request.headers, 'user-agent': 'curl', 'x-amz-meta-other': '1' } });
  });

  it('temporary credentials: X-Amz-Security-Token is signed and returned', async () => {
    const request = await presignLikeSdk({ key: 'k', sessionToken: 'FwoGZXIvYXdzE+token/with=chars' });
    const info = await verifies(request);
    assert.equal(info.sessionToken, 'FwoGZXIvYXdzE+token/with=chars');
    await refused(withUrl(request, (url) => setParam(url, 'X-Amz-Security-Token', 'other')), 'signature-mismatch');
  });

  it('another region verifies under that region', async () => {
    const info = await verifies(await presignLikeSdk({ key: 'k', region: 'eu-central-1' }));
    assert.equal(info.region, 'eu-central-1');
  });
});

describe('expiry', () => {
  it('valid through X-Amz-Date + X-Amz-Expires, then "Request has expired" with S3\'s fields', async () => {
    const request = await presignLikeSdk({ key: 'k', expiresIn: 3600 });
    await verifies(request, SIGNED_AT.getTime() + 3600_000);
    const error = await refused(request, 'expired', 'Request has expired', SIGNED_AT.getTime() + 3601_000);
    assert.deepEqual(error.details, { 'X-Amz-Expires': '3600', Expires: '2024-01-01T01:00:00Z', ServerTime: '2024-01-01T01:00:01Z' });
  });

  it('expiry is checked before the signature', async () => {
    await refused(await presignLikeSdk({ key: 'k', expiresIn: 60 }), 'expired', 'Request has expired', SIGNED_AT.getTime() + 61_000, 'wrong secret');
  });

  it('X-Amz-Expires of a week is the most accepted', async () => {
    const request = await presignLikeSdk({ key: 'k', expiresIn: MAX_PRESIGNED_EXPIRES });
    await verifies(request, SIGNED_AT.getTime() + MAX_PRESIGNED_EXPIRES * 1000);
    await refused(withUrl(request, (url) => setParam(url, 'X-Amz-Expires', '604801')), 'query-parameters', 'X-Amz-Expires must be less than a week (in seconds) that is 604800');
  });

  it('a URL dated more than 15 minutes ahead is "Request is not valid yet"', async () => {
    const request = await presignLikeSdk({ key: 'k' });
    await verifies(request, SIGNED_AT.getTime() - 14 * 60_000);
    await refused(request, 'not-yet-valid', 'Request is not valid yet', SIGNED_AT.getTime() - 16 * 60_000);
  });
});

describe('tampering', () => {
  it('the wrong secret', async () => {
    await refused(await presignLikeSdk({ key: 'k' }), 'signature-mismatch', /^The request signature we calculated does not match/, undefined, 'other secret');
  });

  it('another path, method, query parameter or signed parameter', async () => {
    const request = await presignLikeSdk({ key: 'dir/k' });
    await refused(withUrl(request, (url) => url.replace('/dir/k', '/dir/K')), 'signature-mismatch');
    await refused(withUrl(request, (url) => url.replace('/bucket/', '/other/')), 'signature-mismatch');
    await refused({ ...request, method: 'DELETE' }, 'signature-mismatch');
    await refused(withUrl(request, (url) => `${url}&response-content-type=text%2Fhtml`), 'signature-mismatch');
    await refused(withUrl(request, (url) => dropParam(url, 'x-id')), 'signature-mismatch');
    await refused(withUrl(request, (url) => setParam(url, 'X-Amz-Expires', '901')), 'signature-mismatch');
    await refused(withUrl(request, (url) => setParam(url, 'X-Amz-Date', '20240101T000001Z')), 'signature-mismatch');
    await refused(withUrl(request, (url) => setParam(url, 'X-Amz-Credential', escape(`OTHERKEY/20240101/us-east-1/s3/aws4_request`))), 'signature-mismatch');
    await refused(withUrl(request, (url) => setParam(url, 'X-Amz-SignedHeaders', 'host%3Buser-agent')), 'signature-mismatch');
    await refused({ ...request, headers: { host: 'evil.example:9000' } }, 'signature-mismatch');
  });

  it('a changed, upper-cased or shortened signature', async () => {
    const request = await presignLikeSdk({ key: 'k' });
    const signature = new URLSearchParams(request.url.split('?')[1]).get('X-Amz-Signature')!;
    const other = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;
    for (const bad of [other, signature.toUpperCase(), signature.slice(0, 63), `${signature}0`, '']) {
      await refused(withUrl(request, (url) => setParam(url, 'X-Amz-Signature', bad)), bad === '' ? 'query-parameters' : 'signature-mismatch');
    }
  });
});

describe('malformed parameters get S3\'s AuthorizationQueryParametersError text', () => {
  const required =
    'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.';

  it('each missing parameter', async () => {
    const request = await presignLikeSdk({ key: 'k' });
    for (const name of ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires']) {
      await refused(withUrl(request, (url) => dropParam(url, name)), 'query-parameters', required);
    }
    await refused(withUrl(request, (url) => `${url}&X-Amz-Date=20240101T000000Z`), 'query-parameters', required);
  });

  it('bad values', async () => {
    const request = await presignLikeSdk({ key: 'k' });
    const cases: [string, string, string | RegExp][] = [
      ['X-Amz-Algorithm', 'AWS4-HMAC-SHA1', 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"'],
      ['X-Amz-Algorithm', 'AWS4-ECDSA-P256-SHA256', 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"'],
      ['X-Amz-Credential', escape(`${ACCESS_KEY}/20240101/us-east-1/s3`), /^Error parsing the X-Amz-Credential parameter; the Credential is mal-formed/],
      ['X-Amz-Credential', escape(`${ACCESS_KEY}/2024-01-01/us-east-1/s3/aws4_request`), /the Credential is mal-formed/],
      ['X-Amz-Credential', escape(`${ACCESS_KEY}/20240101//s3/aws4_request`), /the Credential is mal-formed/],
      ['X-Amz-Credential', escape(`${ACCESS_KEY}/20240101/us-east-1/s3/aws5_request`), /the Credential is mal-formed/],
      ['X-Amz-Credential', escape(`${ACCESS_KEY}/20240102/us-east-1/s3/aws4_request`), 'Invalid credential date "20240102". This date is not the same as X-Amz-Date: "20240101".'],
      ['X-Amz-Date', '2024-01-01T00:00:00Z', 'X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd\'T\'HHmmss\'Z\'"'],
      ['X-Amz-Date', '20241301T000000Z', /ISO8601 Long Format/],
      ['X-Amz-Date', '20240230T000000Z', /ISO8601 Long Format/],
      ['X-Amz-Expires', 'soon', 'X-Amz-Expires should be a number'],
      ['X-Amz-Expires', '1e3', 'X-Amz-Expires should be a number'],
      ['X-Amz-Expires', '-1', 'X-Amz-Expires must be non-negative'],
      ['X-Amz-Expires', '99999999', 'X-Amz-Expires must be less than a week (in seconds) that is 604800'],
    ];
    for (const [name, value, message] of cases) await refused(withUrl(request, (url) => setParam(url, name, value)), 'query-parameters', message);
  });

  it('query auth together with an Authorization header is InvalidArgument\'s text', async () => {
    const request = await presignLikeSdk({ key: 'k' });
    await refused(
      { ...request, headers: { ...request.headers, authorization: 'AWS4-HMAC-SHA256 Credential=x' } },
      'multiple-auth',
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
    );
  });

  it('a URL without query auth is not ours to judge: undefined', () => {
    for (const url of ['/bucket/key', '/bucket/key?versionId=3', '/bucket/key?X-Amz-Date=20240101T000000Z', '/bucket/k?AWSAccessKeyId=AKID&Signature=abc%3D&Expires=1795894859', '/bucket/k?%zz']) {
      assert.equal(parsePresigned(url, { host: HOST }), undefined, url);
    }
  });

  it('a broken percent-escape next to query auth', async () => {
    const request = await presignLikeSdk({ key: 'k' });
    assert.throws(() => parsePresigned(`${request.url}&bad=%zz`, request.headers), (error: unknown) => error instanceof PresignError && error.code === 'query-parameters');
  });
});

// ---------------------------------------------------------------------------------------------
// Real clients. Python children get credentials from the environment only.

const HAS_BOTO3 = spawnSync('python3', ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;
const HAS_CLI = spawnSync('aws', ['--version'], { stdio: 'ignore' }).status === 0;

const BOTO3_PRESIGN = `
import json, os, sys, boto3
from botocore.config import Config
def client(addressing, endpoint='http://${HOST}', **kw):
    return boto3.client('s3', endpoint_url=endpoint, region_name='eu-west-1',
                        config=Config(signature_version='s3v4', s3={'addressing_style': addressing}), **kw)
path = client('path')
urls = [
    ['GET', path.generate_presigned_url('get_object', Params={'Bucket': 'bucket', 'Key': 'dir/a b+c~!\\'()*\\u00fc.txt',
        'ResponseContentDisposition': 'attachment; filename="x y.txt"'}, ExpiresIn=600), {}],
    ['PUT', path.generate_presigned_url('put_object', Params={'Bucket': 'bucket', 'Key': 'upload', 'ContentType': 'text/plain'},
        ExpiresIn=600), {'content-type': 'text/plain'}],
    ['HEAD', path.generate_presigned_url('head_object', Params={'Bucket': 'bucket', 'Key': 'k'}, ExpiresIn=604800), {}],
    ['GET', path.generate_presigned_url('list_objects_v2', Params={'Bucket': 'bucket', 'Prefix': 'a/b c', 'MaxKeys': 5}), {}],
    ['DELETE', path.generate_presigned_url('delete_object', Params={'Bucket': 'bucket', 'Key': 'k', 'VersionId': 'v1'}), {}],
    ['GET', client('virtual', 'http://s3.opencmk.test:9000').generate_presigned_url('get_object', Params={'Bucket': 'bucket', 'Key': 'k'}), {}],
    ['GET', client('path', aws_access_key_id=os.environ['AWS_ACCESS_KEY_ID'], aws_secret_access_key=os.environ['AWS_SECRET_ACCESS_KEY'],
                   aws_session_token='session/token+=').generate_presigned_url('get_object', Params={'Bucket': 'bucket', 'Key': 'k'}), {}],
]
default = boto3.client('s3', endpoint_url='http://${HOST}', region_name='eu-west-1', config=Config(s3={'addressing_style': 'path'}))
urls.append(['GET', default.generate_presigned_url('get_object', Params={'Bucket': 'bucket', 'Key': 'k'}), {}])
print(json.dumps(urls))
`;

/** A URL as a request: the target exactly as written (no re-encoding) and its host header. */
function requestOf(method: string, url: string, headers: Record<string, string>): PresignedRequest {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  return { method, url: url.slice(start), headers: { host: url.slice(url.indexOf('//') + 2, start), ...headers } };
}

describe('URLs from real clients', () => {
  it('boto3 generate_presigned_url (signature_version s3v4): path and virtual-hosted, every method', { skip: !HAS_BOTO3 && 'python3 with boto3 is not installed' }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'opencmk-presign-'));
    try {
      const env = { PATH: process.env.PATH ?? '', HOME: dir, AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: SECRET, AWS_CONFIG_FILE: join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') };
      const urls = JSON.parse(execFileSync('python3', ['-c', BOTO3_PRESIGN], { env, encoding: 'utf8', timeout: 60_000 })) as [string, string, Record<string, string>][];
      const sigv2 = urls.pop()!;
      for (const [method, url, headers] of urls) {
        const request = requestOf(method, url, headers);
        const info = await verifies(request, Date.now());
        assert.equal(info.region, 'eu-west-1');
        t.diagnostic(`${method} ${url.slice(0, 110)}…`);
      }
      const session = parsePresigned(requestOf('GET', urls.at(-1)![1], {}).url, {});
      assert.equal(session?.sessionToken, 'session/token+=');
      // Without signature_version='s3v4', boto3 presigns S3 URLs for a custom endpoint with SigV2.
      assert.match(sigv2[1], /[?&]AWSAccessKeyId=.*&Signature=.*&Expires=/);
      assert.equal(parsePresigned(requestOf('GET', sigv2[1], {}).url, {}), undefined);
      t.diagnostic(`boto3 default: ${sigv2[1]}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('aws s3 presign (with s3.signature_version = s3v4; SigV2 without)', { skip: !HAS_CLI && 'the aws CLI is not installed' }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'opencmk-presign-'));
    try {
      writeFileSync(join(dir, 'default'), '[default]\n');
      writeFileSync(join(dir, 's3v4'), '[default]\ns3 =\n    signature_version = s3v4\n');
      // The CLI takes seconds to start: both at once.
      const presign = async (config: string) => {
        const env = { PATH: process.env.PATH ?? '', HOME: dir, AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: SECRET, AWS_DEFAULT_REGION: 'us-west-2', AWS_CONFIG_FILE: join(dir, config), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') };
        const { stdout } = await run('aws', ['s3', 'presign', 's3://bucket/some dir/key.bin', '--expires-in', '300', '--endpoint-url', `http://${HOST}`], { env, encoding: 'utf8', timeout: 60_000 });
        return stdout.trim();
      };
      const [v2, v4] = await Promise.all([presign('default'), presign('s3v4')]);
      assert.equal(parsePresigned(requestOf('GET', v2, {}).url, {}), undefined);
      const info = await verifies(requestOf('GET', v4, {}), Date.now());
      assert.equal(info.expiresIn, 300);
      assert.equal(info.region, 'us-west-2');
      t.diagnostic(`aws CLI default: ${v2}`);
      t.diagnostic(`aws CLI s3v4: ${v4}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
