import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiCallFromKms } from '../../../src/audit/kms-call.js';
import { buildRecords, eventTimeIso } from '../../../src/audit/record.js';
import { dropSecretFields } from '../../../src/audit/redact.js';
import type { KmsCallRecord } from '../../../src/kms/audit-record.js';
import { countingUuid, CUSTOMER_ACCOUNT, encryptCall, KEY_ARN, PROVIDER_ACCOUNT } from './helpers.js';

const parse = (s: string) => JSON.parse(s) as Record<string, any>;

describe('CloudTrail record builder', () => {
  it("writes CloudTrail's record shape for a KMS call, member order included", () => {
    const [own] = buildRecords(encryptCall({ resources: [{ arn: KEY_ARN, accountId: PROVIDER_ACCOUNT, type: 'AWS::KMS::Key' }] }), countingUuid());
    const r = parse(own!.record);
    assert.deepEqual(Object.keys(r), [
      'eventVersion', 'userIdentity', 'eventTime', 'eventSource', 'eventName', 'awsRegion', 'sourceIPAddress', 'userAgent',
      'requestParameters', 'responseElements', 'requestID', 'eventID', 'readOnly', 'resources', 'eventType', 'managementEvent',
      'recipientAccountId', 'eventCategory',
    ]);
    assert.deepEqual(r, {
      eventVersion: '1.08',
      userIdentity: {
        type: 'IAMUser',
        principalId: 'AIDAEXAMPLE',
        arn: `arn:aws:iam::${PROVIDER_ACCOUNT}:user/storage`,
        accountId: PROVIDER_ACCOUNT,
        accessKeyId: 'AKIAPROVIDER0000001',
        userName: 'storage',
      },
      eventTime: '2026-01-01T00:00:00Z',
      eventSource: 'kms.amazonaws.com',
      eventName: 'Encrypt',
      awsRegion: 'us-east-1',
      sourceIPAddress: '192.0.2.10',
      userAgent: 'aws-sdk-js/3',
      requestParameters: { keyId: KEY_ARN, encryptionAlgorithm: 'SYMMETRIC_DEFAULT', encryptionContext: { tenant: 'acme' } },
      responseElements: null,
      requestID: 'req-1',
      eventID: '00000000-0000-4000-8000-000000000001',
      readOnly: true,
      resources: [{ accountId: PROVIDER_ACCOUNT, type: 'AWS::KMS::Key', ARN: KEY_ARN }],
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: PROVIDER_ACCOUNT,
      eventCategory: 'Management',
    });
    assert.equal(own!.eventTime, Date.UTC(2026, 0, 1) / 1000);
    assert.deepEqual(own!.resources, [{ type: 'AWS::KMS::Key', name: KEY_ARN }]);
  });

  it('delivers a cross-account call to the caller and the key owner, with a shared event id and their own event ids', () => {
    const copies = buildRecords(encryptCall(), countingUuid());
    assert.deepEqual(copies.map((c) => c.accountId), [PROVIDER_ACCOUNT, CUSTOMER_ACCOUNT]);
    const [caller, owner] = copies.map((c) => parse(c.record));
    assert.equal(caller!.sharedEventID, '00000000-0000-4000-8000-000000000001');
    assert.equal(owner!.sharedEventID, caller!.sharedEventID);
    assert.notEqual(caller!.eventID, owner!.eventID);
    assert.equal(caller!.recipientAccountId, PROVIDER_ACCOUNT);
    assert.equal(owner!.recipientAccountId, CUSTOMER_ACCOUNT);
    // The owner sees who called.
    assert.equal(owner!.userIdentity.accountId, PROVIDER_ACCOUNT);
    assert.deepEqual({ ...caller, eventID: 0, recipientAccountId: 0 }, { ...owner, eventID: 0, recipientAccountId: 0 });
  });

  it('delivers a denied cross-account call to both accounts too, with its error', () => {
    const copies = buildRecords(encryptCall({ errorCode: 'AccessDeniedException', errorMessage: 'User: x is not authorized' }), countingUuid());
    assert.equal(copies.length, 2);
    for (const c of copies) {
      const r = parse(c.record);
      assert.equal(r.errorCode, 'AccessDeniedException');
      assert.equal(r.errorMessage, 'User: x is not authorized');
      assert.deepEqual(Object.keys(r).slice(7, 10), ['userAgent', 'errorCode', 'errorMessage']);
    }
  });

  it('names the service that called on the principal\'s behalf (invokedBy), and accepts other event sources', () => {
    const [r] = buildRecords(
      encryptCall({ viaService: 's3.us-east-1.amazonaws.com', resources: [], eventSource: 's3.amazonaws.com', eventName: 'PutBucketEncryption', readOnly: false }),
      countingUuid(),
    );
    const record = parse(r!.record);
    assert.equal(record.userIdentity.invokedBy, 's3.amazonaws.com');
    assert.equal(record.sourceIPAddress, 's3.amazonaws.com');
    assert.equal(record.eventSource, 's3.amazonaws.com');
    assert.equal(record.readOnly, false);
    assert.equal(r!.eventSource, 's3.amazonaws.com');
    assert.equal(record.sharedEventID, undefined);
  });

  it('drops any field named like plaintext, ciphertext or a secret, however deep (defensive filter)', () => {
    const [r] = buildRecords(
      encryptCall({
        resources: [],
        requestParameters: { keyId: 'k', Plaintext: 'c2VjcmV0', ciphertextBlob: 'AQID', nested: { secretAccessKey: 'x', ok: 1, list: [{ CiphertextBlob: 'y', fine: true }] } },
        responseElements: { plaintext: 'z', keyId: 'k' },
      }),
      countingUuid(),
    );
    const record = parse(r!.record);
    assert.deepEqual(record.requestParameters, { keyId: 'k', nested: { ok: 1, list: [{ fine: true }] } });
    assert.deepEqual(record.responseElements, { keyId: 'k' });
    assert.deepEqual(dropSecretFields({ a: Buffer.from('raw'), b: 1, privateKey: 'p', password: 'x' }), { b: 1 });
  });

  it('keeps CloudTrail\'s 1 KB limits on userAgent and errorMessage', () => {
    const [r] = buildRecords(encryptCall({ resources: [], userAgent: 'u'.repeat(5000), errorCode: 'X', errorMessage: 'm'.repeat(5000) }), countingUuid());
    const record = parse(r!.record);
    assert.equal(record.userAgent.length, 1024);
    assert.equal(record.errorMessage.length, 1024);
  });

  it('writes eventTime with second precision', () => {
    assert.equal(eventTimeIso(Date.UTC(2026, 0, 1, 12, 30, 45, 999)), '2026-01-01T12:30:45Z');
  });

  it('turns a key service call record into an ApiCall with the wire error type', () => {
    const call: KmsCallRecord = {
      eventName: 'Decrypt',
      eventTime: Date.UTC(2026, 0, 1),
      readOnly: true,
      request: {
        principal: { accountId: PROVIDER_ACCOUNT, arn: `arn:aws:iam::${PROVIDER_ACCOUNT}:user/storage`, accessKeyId: 'AKIA1', userName: 'storage', principalId: 'AIDA1' },
        region: 'us-east-1',
        requestId: 'r-2',
        sourceIp: '127.0.0.1',
        userAgent: 'ua',
        secureTransport: false,
        time: Date.UTC(2026, 0, 1),
      },
      requestParameters: { encryptionAlgorithm: 'SYMMETRIC_DEFAULT' },
      responseElements: null,
      resources: [{ arn: KEY_ARN, accountId: CUSTOMER_ACCOUNT }],
      errorCode: 'access-denied',
      errorMessage: 'denied',
    };
    const api = apiCallFromKms(call, (code) => (code === 'access-denied' ? 'AccessDeniedException' : 'Other'));
    assert.equal(api.errorCode, 'AccessDeniedException');
    assert.equal(api.eventSource, 'kms.amazonaws.com');
    assert.deepEqual(api.resources, [{ arn: KEY_ARN, accountId: CUSTOMER_ACCOUNT, type: 'AWS::KMS::Key' }]);
    assert.equal(api.requestId, 'r-2');
  });
});
