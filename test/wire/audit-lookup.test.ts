import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateKeyCommand, DecryptCommand, EncryptCommand, GenerateRandomCommand, type KMSClient } from '@aws-sdk/client-kms';
import { fingerprintOf } from '../../src/audit/signing-key.js';
import { CUSTOMER, OUTSIDER, PROVIDER, type TestIdentity } from '../helpers/accounts.js';
import { awsCli, kmsClient } from '../helpers/clients.js';
import { UUID } from '../helpers/kms-wire.js';
import { startServerProcess, type ServerProcess } from '../helpers/server.js';
import { sendRaw } from '../helpers/signed.js';

const PREFIX = 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.';
const PROVIDER_STATEMENT = {
  Sid: 'AllowProvider',
  Effect: 'Allow',
  Principal: { AWS: ['arn:aws:iam::272506498303:root', 'arn:aws:iam::063509147090:root'] },
  Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
  Resource: '*',
};

interface LookedUp {
  EventId: string;
  EventName: string;
  ReadOnly: string;
  AccessKeyId?: string;
  /** The AWS CLI v1 prints the wire's epoch seconds as they are; v2 prints ISO 8601. */
  EventTime: number | string;
  EventSource: string;
  Username?: string;
  Resources: { ResourceType: string; ResourceName: string }[];
  CloudTrailEvent: string;
  record: Record<string, any>;
}

async function failure(p: Promise<unknown>): Promise<{ name: string; message: string; $metadata: { requestId?: string } }> {
  try {
    await p;
  } catch (e) {
    return e as { name: string; message: string; $metadata: { requestId?: string } };
  }
  assert.fail('expected the call to be refused');
}

describe('CloudTrail LookupEvents: the customer sees every call on its key, the provider its own', () => {
  let server: ServerProcess;
  let keyArn: string;
  let provider: KMSClient;
  let outsider: KMSClient;
  const ids = { encrypt: '', decrypt: '', denied: '', random: '' };
  let deniedMessage = '';

  /** `aws cloudtrail lookup-events` as `who` (the CLI pages through every result itself). */
  async function lookup(who: TestIdentity, ...args: string[]): Promise<LookedUp[]> {
    const r = await awsCli(server.url, who, ['cloudtrail', 'lookup-events', ...args]);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout).Events as LookedUp[]).map((e) => ({ ...e, record: JSON.parse(e.CloudTrailEvent) }));
  }
  // Each CLI run costs about a second, so each account's view of the key is fetched once.
  const views = new Map<string, Promise<LookedUp[]>>();
  const byResource = (who: TestIdentity) => {
    if (!views.has(who.accountId)) views.set(who.accountId, lookup(who, '--lookup-attributes', `AttributeKey=ResourceName,AttributeValue=${keyArn}`));
    return views.get(who.accountId)!;
  };
  const epochMs = (t: number | string) => (typeof t === 'number' ? t * 1000 : Date.parse(t));
  const ct = (who: TestIdentity | undefined, op: string, input: unknown) =>
    sendRaw(server.url, JSON.stringify(input), {
      ...(who ? { who } : {}),
      service: 'cloudtrail',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': PREFIX + op },
    });

  before(async () => {
    server = await startServerProcess();
    const created = await awsCli(server.url, CUSTOMER, ['kms', 'create-key', '--description', 'tenant-acme']);
    assert.equal(created.code, 0, created.stderr);
    keyArn = JSON.parse(created.stdout).KeyMetadata.Arn;
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${CUSTOMER.accountId}:root` }, Action: 'kms:*', Resource: '*' },
        PROVIDER_STATEMENT,
      ],
    };
    const file = join(server.dataDir, 'policy.json');
    writeFileSync(file, JSON.stringify(policy));
    const put = await awsCli(server.url, CUSTOMER, ['kms', 'put-key-policy', '--key-id', keyArn, '--policy-name', 'default', '--policy', `file://${file}`]);
    assert.equal(put.code, 0, put.stderr);

    provider = kmsClient(server.url, PROVIDER);
    outsider = kmsClient(server.url, OUTSIDER);
    const enc = await provider.send(new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from('session data'), EncryptionContext: { tenant: 'acme' } }));
    ids.encrypt = enc.$metadata.requestId!;
    const dec = await provider.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { tenant: 'acme' } }));
    ids.decrypt = dec.$metadata.requestId!;
    const denied = await failure(outsider.send(new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from('x') })));
    assert.equal(denied.name, 'AccessDeniedException');
    ids.denied = denied.$metadata.requestId!;
    deniedMessage = denied.message;
    // The provider's own business, which is none of the customer's.
    ids.random = (await provider.send(new GenerateRandomCommand({ NumberOfBytes: 8 }))).$metadata.requestId!;
    await provider.send(new CreateKeyCommand({ Description: 'provider-own' }));
  });
  after(async () => {
    provider?.destroy();
    outsider?.destroy();
    await server.stop();
  });

  it("shows the customer the provider's Encrypt on its key, in CloudTrail's record shape", async () => {
    const events = await byResource(CUSTOMER);
    const times = events.map((e) => epochMs(e.EventTime));
    assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
    const e = events.find((x) => x.record.requestID === ids.encrypt);
    assert.ok(e, `no event with requestID ${ids.encrypt} in ${events.map((x) => x.record.requestID)}`);
    assert.equal(e.EventName, 'Encrypt');
    assert.equal(e.ReadOnly, 'true');
    assert.equal(e.AccessKeyId, PROVIDER.accessKeyId);
    assert.equal(e.EventSource, 'kms.amazonaws.com');
    assert.equal(e.Username, 'storage');
    assert.deepEqual(e.Resources, [{ ResourceType: 'AWS::KMS::Key', ResourceName: keyArn }]);
    assert.equal(e.EventId, e.record.eventID);
    assert.equal(epochMs(e.EventTime), Date.parse(e.record.eventTime));
    const r = e.record;
    assert.equal(r.eventVersion, '1.08');
    assert.deepEqual(r.userIdentity, {
      type: 'IAMUser',
      principalId: r.userIdentity.principalId,
      arn: PROVIDER.arn,
      accountId: PROVIDER.accountId,
      accessKeyId: PROVIDER.accessKeyId,
      userName: 'storage',
    });
    assert.match(r.userIdentity.principalId, /^AIDA[A-Z0-9]{17}$/);
    assert.match(r.eventTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(Math.abs(Date.parse(r.eventTime) - Date.now()) < 120_000);
    assert.equal(r.eventSource, 'kms.amazonaws.com');
    assert.equal(r.eventName, 'Encrypt');
    assert.equal(r.awsRegion, 'us-east-1');
    assert.equal(r.sourceIPAddress, '127.0.0.1');
    assert.match(r.userAgent, /aws-sdk-js/);
    assert.deepEqual(r.requestParameters, { keyId: keyArn, encryptionAlgorithm: 'SYMMETRIC_DEFAULT', encryptionContext: { tenant: 'acme' } });
    assert.equal(r.responseElements, null);
    assert.equal(r.requestID, ids.encrypt);
    assert.match(r.eventID, UUID);
    assert.equal(r.readOnly, true);
    assert.deepEqual(r.resources, [{ accountId: CUSTOMER.accountId, type: 'AWS::KMS::Key', ARN: keyArn }]);
    assert.equal(r.eventType, 'AwsApiCall');
    assert.equal(r.managementEvent, true);
    assert.equal(r.recipientAccountId, CUSTOMER.accountId);
    assert.match(r.sharedEventID, UUID);
    assert.equal(r.eventCategory, 'Management');
    assert.equal(r.errorCode, undefined);
    // The customer also sees the Decrypt, and its own key management.
    assert.ok(events.some((x) => x.record.requestID === ids.decrypt && x.EventName === 'Decrypt'));
    assert.ok(events.some((x) => x.EventName === 'PutKeyPolicy' && x.Username === 'admin'));
  });

  it("gives the provider its own copy: the same sharedEventID, its own eventID and recipientAccountId", async () => {
    const customerCopy = (await byResource(CUSTOMER)).find((x) => x.record.requestID === ids.encrypt)!;
    const providerCopy = (await byResource(PROVIDER)).find((x) => x.record.requestID === ids.encrypt);
    assert.ok(providerCopy, "the provider's trail has the call");
    assert.equal(providerCopy.record.sharedEventID, customerCopy.record.sharedEventID);
    assert.notEqual(providerCopy.EventId, customerCopy.EventId);
    assert.equal(providerCopy.record.recipientAccountId, PROVIDER.accountId);
    const { eventID: _a, recipientAccountId: _b, opencmkChain: _c, ...rest } = providerCopy.record;
    const { eventID: _d, recipientAccountId: _e, opencmkChain: _f, ...customerRest } = customerCopy.record;
    assert.deepEqual(rest, customerRest, 'otherwise the same record');
  });

  it("shows the customer an outsider's refused call, with CloudTrail's errorCode and the message the outsider got", async () => {
    const denied = (await byResource(CUSTOMER)).find((x) => x.record.requestID === ids.denied);
    assert.ok(denied, 'the refused call is in the customer trail');
    assert.equal(denied.record.errorCode, 'AccessDeniedException');
    assert.equal(denied.record.errorMessage, deniedMessage);
    assert.equal(denied.record.userIdentity.accountId, OUTSIDER.accountId);
    assert.equal(denied.record.userIdentity.arn, OUTSIDER.arn);
    assert.equal(denied.record.recipientAccountId, CUSTOMER.accountId);
    assert.equal(denied.record.responseElements, null);
    // The outsider has its copy too; the provider sees nothing of it.
    const own = (await byResource(OUTSIDER)).find((x) => x.record.requestID === ids.denied);
    assert.equal(own?.record.sharedEventID, denied.record.sharedEventID);
    assert.equal((await byResource(PROVIDER)).find((x) => x.record.requestID === ids.denied), undefined);
  });

  it("keeps the provider's own calls out of the customer's trail", async () => {
    const providerRandom = await lookup(PROVIDER, '--lookup-attributes', 'AttributeKey=EventName,AttributeValue=GenerateRandom');
    assert.ok(providerRandom.some((x) => x.record.requestID === ids.random));
    assert.deepEqual(await lookup(CUSTOMER, '--lookup-attributes', 'AttributeKey=EventName,AttributeValue=GenerateRandom'), []);
    const customerCreates = await lookup(CUSTOMER, '--lookup-attributes', 'AttributeKey=EventName,AttributeValue=CreateKey');
    assert.equal(customerCreates.length, 1);
    assert.equal(customerCreates[0]!.Username, 'admin');
    const byUser = await lookup(CUSTOMER, '--lookup-attributes', 'AttributeKey=Username,AttributeValue=storage');
    assert.ok(byUser.length >= 2 && byUser.every((x) => x.record.userIdentity.accountId === PROVIDER.accountId && x.record.resources.length > 0));
  });

  it("answers the CLI's refusals with CloudTrail's error types", async () => {
    const two = await awsCli(server.url, CUSTOMER, ['cloudtrail', 'lookup-events', '--lookup-attributes', 'AttributeKey=EventName,AttributeValue=Encrypt', 'AttributeKey=Username,AttributeValue=admin']);
    assert.notEqual(two.code, 0);
    assert.match(two.stderr, /InvalidLookupAttributesException/);
    const range = await awsCli(server.url, CUSTOMER, ['cloudtrail', 'lookup-events', '--start-time', '2026-02-01T00:00:00Z', '--end-time', '2026-01-01T00:00:00Z']);
    assert.notEqual(range.code, 0);
    assert.match(range.stderr, /InvalidTimeRangeException/);
  });

  it('pages with MaxResults and NextToken, and refuses bad ones (raw JSON 1.1)', async () => {
    const all = (await byResource(CUSTOMER)).map((e) => e.EventId);
    const paged: string[] = [];
    let token: string | undefined;
    do {
      const res = await ct(CUSTOMER, 'LookupEvents', { MaxResults: 2, LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: keyArn }], ...(token ? { NextToken: token } : {}) });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers.get('content-type'), 'application/x-amz-json-1.1');
      const body = res.json();
      assert.ok(body.Events.length <= 2);
      for (const e of body.Events) assert.equal(typeof e.EventTime, 'number', 'EventTime is epoch seconds on the wire');
      paged.push(...body.Events.map((e: { EventId: string }) => e.EventId));
      token = body.NextToken;
    } while (token);
    assert.deepEqual(paged, all);
    const tooMany = await ct(CUSTOMER, 'LookupEvents', { MaxResults: 51 });
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.json().__type, 'InvalidMaxResultsException');
    assert.ok(tooMany.json().Message);
    const badToken = await ct(CUSTOMER, 'LookupEvents', { NextToken: 'bm90IGEgdG9rZW4' });
    assert.equal(badToken.json().__type, 'InvalidNextTokenException');
    const unknown = await ct(CUSTOMER, 'DescribeTrails', {});
    assert.equal(unknown.json().__type, 'UnknownOperationException');
    const anonymous = await ct(undefined, 'LookupEvents', {});
    assert.equal(anonymous.json().__type, 'MissingAuthenticationTokenException');
  });

  it('publishes the digest signing key at GET /v1/audit/public-key and through ListPublicKeys', async () => {
    const res = await fetch(`${server.url}/v1/audit/public-key`);
    assert.equal(res.status, 200);
    const pem = await res.text();
    assert.match(pem, /^-----BEGIN PUBLIC KEY-----\n/);
    const key = createPublicKey(pem);
    assert.equal(key.asymmetricKeyType, 'rsa');
    assert.equal(key.asymmetricKeyDetails?.modulusLength, 2048);
    const listed = await awsCli(server.url, PROVIDER, ['cloudtrail', 'list-public-keys']);
    assert.equal(listed.code, 0, listed.stderr);
    const [entry] = JSON.parse(listed.stdout).PublicKeyList;
    assert.equal(entry.Fingerprint, fingerprintOf(pem));
    const der = createPublicKey({ key: Buffer.from(entry.Value, 'base64'), format: 'der', type: 'pkcs1' });
    assert.equal(fingerprintOf(der), entry.Fingerprint);
  });
});
