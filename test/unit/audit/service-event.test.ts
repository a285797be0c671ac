import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildServiceEventRecord, KMS_KEY_TYPE } from '../../../src/audit/record.js';

// CloudTrail "AwsServiceEvent": KMS's own actions (scheduled rotation, deletion) reach the key
// owner's trail with no caller, the service as invokedBy, and the key as the resource.
describe('audit/record: service events', () => {
  it('builds a CloudTrail AwsServiceEvent for the key owner only', () => {
    const arn = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const input = buildServiceEventRecord(
      {
        eventSource: 'kms.amazonaws.com',
        eventName: 'RotateKey',
        eventTime: Date.UTC(2026, 0, 1, 0, 0, 0, 500),
        region: 'us-east-1',
        resource: { arn, accountId: '111122223333', type: KMS_KEY_TYPE },
        additionalEventData: { keyId: arn },
      },
      () => 'event-1',
    );
    assert.equal(input.accountId, '111122223333');
    assert.equal(input.eventName, 'RotateKey');
    assert.equal(input.eventTime, Date.UTC(2026, 0, 1) / 1000);
    assert.deepEqual(input.resources, [{ type: 'AWS::KMS::Key', name: arn }]);
    const record = JSON.parse(input.record);
    assert.equal(record.eventType, 'AwsServiceEvent');
    assert.deepEqual(record.userIdentity, { accountId: '111122223333', invokedBy: 'kms.amazonaws.com' });
    assert.equal(record.eventTime, '2026-01-01T00:00:00Z');
    assert.equal(record.recipientAccountId, '111122223333');
    assert.equal(record.sourceIPAddress, 'kms.amazonaws.com');
    assert.deepEqual(record.resources, [{ accountId: '111122223333', type: 'AWS::KMS::Key', ARN: arn }]);
    assert.deepEqual(record.additionalEventData, { keyId: arn });
    assert.equal(record.requestParameters, null);
    assert.equal(record.eventID, 'event-1');
  });
});
