import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CUSTOMER } from '../helpers/accounts.js';
import { awsCli } from '../helpers/clients.js';
import { kmsRaw, sendRaw } from '../helpers/signed.js';
import { startServerProcess, type ServerProcess } from '../helpers/server.js';

// Authentication and bad input over the wire: AWS's exact error types, never a 500, and the server
// keeps serving afterwards.
describe('the wire: authentication and bad input', () => {
  let server: ServerProcess;
  let keyId: string;
  before(async () => {
    server = await startServerProcess({ config: { server: { host: '127.0.0.1', port: 0, maxBodyBytes: 64 * 1024 } } });
    const res = await kmsRaw(server.url, 'CreateKey', '{}', { who: CUSTOMER });
    assert.equal(res.status, 200, res.text);
    keyId = res.json().KeyMetadata.KeyId;
  });
  after(() => server.stop());

  it('answers /healthz without authentication and never as a KMS call', async () => {
    const res = await fetch(`${server.url}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
  });

  it('refuses a request without Authorization: MissingAuthenticationTokenException', async () => {
    const res = await kmsRaw(server.url, 'ListKeys', '{}');
    assert.equal(res.status, 400);
    assert.deepEqual(res.json(), { __type: 'MissingAuthenticationTokenException', message: 'Request is missing Authentication Token' });
    assert.match(res.headers.get('x-amzn-requestid') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('refuses an unknown access key: UnrecognizedClientException', async () => {
    const res = await kmsRaw(server.url, 'ListKeys', '{}', { who: { ...CUSTOMER, accessKeyId: 'AKIANOBODY000000001' } });
    assert.equal(res.json().__type, 'UnrecognizedClientException');
    assert.equal(res.json().message, 'The security token included in the request is invalid.');
  });

  it('refuses a wrong secret: InvalidSignatureException', async () => {
    const res = await kmsRaw(server.url, 'ListKeys', '{}', { who: CUSTOMER, secret: 'not-the-secret-0000000000000000000000000' });
    assert.equal(res.status, 400);
    assert.equal(res.json().__type, 'InvalidSignatureException');
    assert.match(res.json().message, /^The request signature we calculated does not match/);
  });

  it('refuses a body changed after signing: InvalidSignatureException', async () => {
    // Sign one body, send another with the same headers.
    const signedFor = await kmsRaw(server.url, 'ListKeys', '{}', { who: CUSTOMER });
    assert.equal(signedFor.status, 200);
    const res = await sendRaw(server.url, '{"Limit":1}', {
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys', authorization: 'AWS4-HMAC-SHA256 Credential=AKIACUSTOMER0000001/20260101/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=00', 'x-amz-date': new Date().toISOString().replace(/[-:]|\.\d{3}/g, '') },
    });
    assert.equal(res.json().__type, 'InvalidSignatureException');
  });

  it('refuses a signature more than 15 minutes old, with AWS\'s "Signature expired" text', async () => {
    const res = await kmsRaw(server.url, 'ListKeys', '{}', { who: CUSTOMER, signingDate: new Date(Date.now() - 16 * 60_000) });
    assert.equal(res.json().__type, 'InvalidSignatureException');
    assert.match(res.json().message, /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/);
    const future = await kmsRaw(server.url, 'ListKeys', '{}', { who: CUSTOMER, signingDate: new Date(Date.now() + 16 * 60_000) });
    assert.equal(future.json().__type, 'InvalidSignatureException');
    assert.match(future.json().message, /^Signature not yet current/);
    const within = await kmsRaw(server.url, 'ListKeys', '{}', { who: CUSTOMER, signingDate: new Date(Date.now() - 10 * 60_000) });
    assert.equal(within.status, 200);
  });

  it('refuses a malformed Authorization header: IncompleteSignatureException', async () => {
    const res = await sendRaw(server.url, '{}', {
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys', authorization: 'AWS4-HMAC-SHA256 Credential=AKIACUSTOMER0000001/20260101/us-east-1/kms/aws4_request' },
    });
    assert.equal(res.json().__type, 'IncompleteSignatureException');
    assert.match(res.json().message, /requires 'SignedHeaders' parameter/);
  });

  it('answers an unknown X-Amz-Target with UnknownOperationException', async () => {
    const res = await kmsRaw(server.url, 'MakeCoffee', '{}', { who: CUSTOMER });
    assert.equal(res.status, 400);
    assert.equal(res.json().__type, 'UnknownOperationException');
  });

  it('answers malformed JSON with SerializationException', async () => {
    for (const body of ['{', '{"KeyId":', 'not json', '[1,2]', '"text"', 'null']) {
      const res = await kmsRaw(server.url, 'DescribeKey', body, { who: CUSTOMER });
      assert.equal(res.status, 400, body);
      assert.equal(res.json().__type, 'SerializationException', body);
      assert.ok(res.json().message.length > 10, body);
    }
  });

  it('answers a member of the wrong JSON type with SerializationException naming the member', async () => {
    const res = await kmsRaw(server.url, 'ScheduleKeyDeletion', JSON.stringify({ KeyId: keyId, PendingWindowInDays: 'seven' }), { who: CUSTOMER });
    assert.equal(res.json().__type, 'SerializationException');
    assert.match(res.json().message, /pendingWindowInDays/);
    const blob = await kmsRaw(server.url, 'Encrypt', JSON.stringify({ KeyId: keyId, Plaintext: 42 }), { who: CUSTOMER });
    assert.equal(blob.json().__type, 'SerializationException');
    const notBase64 = await kmsRaw(server.url, 'Encrypt', JSON.stringify({ KeyId: keyId, Plaintext: '***' }), { who: CUSTOMER });
    assert.equal(notBase64.json().__type, 'SerializationException');
    assert.match(notBase64.json().message, /base64/);
  });

  it('answers missing and out-of-range members with ValidationException in AWS\'s form', async () => {
    const missing = await kmsRaw(server.url, 'DescribeKey', '{}', { who: CUSTOMER });
    assert.equal(missing.json().__type, 'ValidationException');
    assert.equal(missing.json().message, "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null");
    const two = await kmsRaw(server.url, 'GenerateRandom', JSON.stringify({ NumberOfBytes: 2000, CustomKeyStoreId: '' }), { who: CUSTOMER });
    assert.equal(two.json().__type, 'ValidationException');
    assert.match(two.json().message, /^2 validation errors detected: Value '2000' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024; /);
    const big = await kmsRaw(server.url, 'Encrypt', JSON.stringify({ KeyId: keyId, Plaintext: Buffer.alloc(4097).toString('base64') }), { who: CUSTOMER });
    assert.equal(big.json().__type, 'ValidationException');
    assert.match(big.json().message, /'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096/);
    const badEnum = await kmsRaw(server.url, 'CreateKey', JSON.stringify({ KeySpec: 'AES_999' }), { who: CUSTOMER });
    assert.equal(badEnum.json().__type, 'ValidationException');
    assert.match(badEnum.json().message, /Member must satisfy enum value set/);
  });

  it('refuses an oversize body with 413 and keeps serving', async () => {
    const res = await kmsRaw(server.url, 'Encrypt', JSON.stringify({ KeyId: keyId, Plaintext: 'A'.repeat(100 * 1024) }), { who: CUSTOMER });
    assert.equal(res.status, 413);
    assert.equal(res.json().__type, 'RequestEntityTooLargeException');
    const ok = await kmsRaw(server.url, 'DescribeKey', JSON.stringify({ KeyId: keyId }), { who: CUSTOMER });
    assert.equal(ok.status, 200);
  });

  it('never answers 500 to any of a batch of hostile bodies', async () => {
    const bodies = ['{"KeyId":null}', '{"KeyId":{"a":1}}', '{"KeyId":[]}', '{"EncryptionContext":"x","KeyId":"k","Plaintext":"AA=="}', `{"KeyId":"${'x'.repeat(5000)}"}`, '{"__proto__":{"x":1},"KeyId":"a"}', '\u0000\u0001'];
    for (const op of ['Encrypt', 'Decrypt', 'DescribeKey', 'CreateAlias', 'PutKeyPolicy', 'ListKeys']) {
      for (const body of bodies) {
        const res = await kmsRaw(server.url, op, body, { who: CUSTOMER });
        assert.ok(res.status < 500, `${op} ${body} → ${res.status} ${res.text}`);
        if (res.status !== 200) assert.ok(typeof res.json().__type === 'string', `${op} ${body}`);
      }
    }
    assert.doesNotMatch(server.output(), /"level":50/, 'no internal errors were logged');
  });

  it('answers aws sts get-caller-identity with the caller', async () => {
    const res = await awsCli(server.url, CUSTOMER, ['sts', 'get-caller-identity']);
    assert.equal(res.code, 0, res.stderr);
    const out = JSON.parse(res.stdout);
    assert.equal(out.Account, CUSTOMER.accountId);
    assert.equal(out.Arn, CUSTOMER.arn);
    assert.match(out.UserId, /^AIDA[A-Z2-7]{17}$/);
    const bad = await awsCli(server.url, { ...CUSTOMER, secretAccessKey: 'wrong-secret-000000000000000000000000000' }, ['sts', 'get-caller-identity']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /SignatureDoesNotMatch/);
  });
});
