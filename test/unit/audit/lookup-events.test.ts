import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuditError } from '../../../src/audit/errors.js';
import { lookupEvents } from '../../../src/audit/operations/lookup-events.js';
import { buildRecords } from '../../../src/audit/record.js';
import { createMemoryAuditStore } from '../../../src/store/memory/audit.js';
import { countingUuid, CUSTOMER_ACCOUNT, encryptCall, KEY_ARN, PROVIDER_ACCOUNT } from './helpers.js';

const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const OTHER_KEY = KEY_ARN.replace('1234abcd', 'ffffffff');

/** Six calls a second apart: provider Encrypt×2 (customer key), customer Decrypt, customer DescribeKey on another key, provider GenerateRandom, one 100 days old. */
async function setup() {
  const store = createMemoryAuditStore();
  const uuid = countingUuid();
  const add = (call: Parameters<typeof encryptCall>[0], account?: string) => store.append(buildRecords(encryptCall(call, account), uuid));
  await add({ eventTime: T0 - 100 * DAY, requestId: 'old' });
  await add({ eventTime: T0 + 1000, requestId: 'p-enc-1' });
  await add({ eventTime: T0 + 2000, requestId: 'p-enc-2' });
  await add({ eventTime: T0 + 3000, requestId: 'c-dec', eventName: 'Decrypt', principal: { accountId: CUSTOMER_ACCOUNT, arn: `arn:aws:iam::${CUSTOMER_ACCOUNT}:user/admin`, accessKeyId: 'AKIACUSTOMER', userName: 'admin', principalId: 'AIDAC' } }, CUSTOMER_ACCOUNT);
  await add({ eventTime: T0 + 4000, requestId: 'c-desc', eventName: 'DescribeKey', readOnly: true, principal: { accountId: CUSTOMER_ACCOUNT, arn: `arn:aws:iam::${CUSTOMER_ACCOUNT}:user/admin`, accessKeyId: 'AKIACUSTOMER', userName: 'admin', principalId: 'AIDAC' }, resources: [{ arn: OTHER_KEY, accountId: CUSTOMER_ACCOUNT, type: 'AWS::KMS::Key' }] }, CUSTOMER_ACCOUNT);
  await add({ eventTime: T0 + 5000, requestId: 'p-rand', eventName: 'GenerateRandom', resources: [] });
  await add({ eventTime: T0 + 6000, requestId: 'p-create', eventName: 'CreateKey', readOnly: false, resources: [] });
  const deps = { store, clock: () => T0 + 10_000, retentionMs: 90 * DAY };
  const lookup = (account: string, input: unknown) => lookupEvents(deps, { accountId: account, region: 'us-east-1' }, input);
  const requestIds = async (account: string, input: unknown) => (await lookup(account, input)).Events.map((e) => JSON.parse(e.CloudTrailEvent).requestID as string);
  return { store, lookup, requestIds };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof AuditError, String(e));
    return e.code;
  }
  assert.fail('expected an AuditError');
}

describe('LookupEvents', () => {
  it("shows each account only its own trail, newest first, within the retention window", async () => {
    const { requestIds } = await setup();
    assert.deepEqual(await requestIds(CUSTOMER_ACCOUNT, {}), ['c-desc', 'c-dec', 'p-enc-2', 'p-enc-1']);
    assert.deepEqual(await requestIds(PROVIDER_ACCOUNT, {}), ['p-create', 'p-rand', 'p-enc-2', 'p-enc-1']);
    assert.deepEqual(await requestIds('444455556666', {}), []);
  });

  it('answers in the API shape', async () => {
    const { lookup } = await setup();
    const [e] = (await lookup(CUSTOMER_ACCOUNT, { MaxResults: 1, LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'Encrypt' }] })).Events;
    const record = JSON.parse(e!.CloudTrailEvent);
    assert.deepEqual({ ...e, CloudTrailEvent: undefined }, {
      EventId: record.eventID,
      EventName: 'Encrypt',
      ReadOnly: 'true',
      AccessKeyId: 'AKIAPROVIDER0000001',
      EventTime: (T0 + 2000) / 1000,
      EventSource: 'kms.amazonaws.com',
      Username: 'storage',
      Resources: [{ ResourceType: 'AWS::KMS::Key', ResourceName: KEY_ARN }],
      CloudTrailEvent: undefined,
    });
    assert.equal(record.recipientAccountId, CUSTOMER_ACCOUNT);
  });

  it('filters on each lookup attribute', async () => {
    const { requestIds, lookup } = await setup();
    const by = (key: string, value: string, account = CUSTOMER_ACCOUNT) => requestIds(account, { LookupAttributes: [{ AttributeKey: key, AttributeValue: value }] });
    assert.deepEqual(await by('ResourceName', KEY_ARN), ['c-dec', 'p-enc-2', 'p-enc-1']);
    assert.deepEqual(await by('ResourceName', OTHER_KEY), ['c-desc']);
    assert.deepEqual(await by('ResourceType', 'AWS::KMS::Key', PROVIDER_ACCOUNT), ['p-enc-2', 'p-enc-1']);
    assert.deepEqual(await by('EventName', 'Decrypt'), ['c-dec']);
    assert.deepEqual(await by('Username', 'storage'), ['p-enc-2', 'p-enc-1']);
    assert.deepEqual(await by('AccessKeyId', 'AKIACUSTOMER'), ['c-desc', 'c-dec']);
    assert.deepEqual(await by('ReadOnly', 'false', PROVIDER_ACCOUNT), ['p-create']);
    assert.deepEqual(await by('EventSource', 'kms.amazonaws.com', PROVIDER_ACCOUNT), ['p-create', 'p-rand', 'p-enc-2', 'p-enc-1']);
    const one = (await lookup(PROVIDER_ACCOUNT, {})).Events[0]!;
    assert.deepEqual(await by('EventId', one.EventId, PROVIDER_ACCOUNT), ['p-create']);
    assert.deepEqual(await by('EventId', one.EventId, CUSTOMER_ACCOUNT), [], "another account's event id finds nothing");
  });

  it('bounds by StartTime and EndTime, inclusive, in epoch seconds', async () => {
    const { requestIds } = await setup();
    assert.deepEqual(await requestIds(PROVIDER_ACCOUNT, { StartTime: (T0 + 2000) / 1000, EndTime: (T0 + 5000) / 1000 }), ['p-rand', 'p-enc-2']);
    assert.deepEqual(await requestIds(PROVIDER_ACCOUNT, { StartTime: new Date(T0 + 5000).toISOString() }), ['p-create', 'p-rand']);
  });

  it('pages with MaxResults and NextToken, each event once', async () => {
    const { lookup } = await setup();
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await lookup(PROVIDER_ACCOUNT, { MaxResults: 1, ...(token ? { NextToken: token } : {}) });
      seen.push(...page.Events.map((e) => JSON.parse(e.CloudTrailEvent).requestID));
      token = page.NextToken;
      pages++;
    } while (token);
    assert.deepEqual(seen, ['p-create', 'p-rand', 'p-enc-2', 'p-enc-1']);
    assert.equal(pages, 4);
  });

  it('refuses a NextToken that is garbage or belongs to other parameters', async () => {
    const { lookup } = await setup();
    const first = await lookup(PROVIDER_ACCOUNT, { MaxResults: 1 });
    assert.ok(first.NextToken);
    assert.equal(await code(lookup(PROVIDER_ACCOUNT, { NextToken: 'not-a-token' })), 'invalid-next-token');
    assert.equal(await code(lookup(PROVIDER_ACCOUNT, { MaxResults: 1, NextToken: first.NextToken, LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'Encrypt' }] })), 'invalid-next-token');
    assert.equal(await code(lookup(CUSTOMER_ACCOUNT, { MaxResults: 1, NextToken: first.NextToken })), 'invalid-next-token');
  });

  it("refuses what CloudTrail refuses, with CloudTrail's error", async () => {
    const { lookup } = await setup();
    const attr = (AttributeKey: string, AttributeValue: unknown) => ({ AttributeKey, AttributeValue });
    assert.equal(await code(lookup(CUSTOMER_ACCOUNT, { LookupAttributes: [attr('EventName', 'Encrypt'), attr('Username', 'admin')] })), 'invalid-lookup-attributes');
    assert.equal(await code(lookup(CUSTOMER_ACCOUNT, { LookupAttributes: [attr('Bucket', 'x')] })), 'invalid-lookup-attributes');
    assert.equal(await code(lookup(CUSTOMER_ACCOUNT, { LookupAttributes: [attr('EventName', '')] })), 'invalid-lookup-attributes');
    assert.equal(await code(lookup(CUSTOMER_ACCOUNT, { LookupAttributes: [attr('ReadOnly', 'yes')] })), 'invalid-lookup-attributes');
    assert.equal(await code(lookup(CUSTOMER_ACCOUNT, { StartTime: 200, EndTime: 100 })), 'invalid-time-range');
    for (const n of [0, 51, 1.5, '10']) assert.equal(await code(lookup(CUSTOMER_ACCOUNT, { MaxResults: n })), 'invalid-max-results', String(n));
    assert.equal(await code(lookup(CUSTOMER_ACCOUNT, { EventCategory: 'data' })), 'invalid-event-category');
    assert.equal(await code(lookup(CUSTOMER_ACCOUNT, { StartTime: 'yesterday' })), 'serialization');
    assert.equal(await code(lookup(CUSTOMER_ACCOUNT, [])), 'serialization');
    assert.deepEqual(await lookup(CUSTOMER_ACCOUNT, { EventCategory: 'insight' }), { Events: [] });
  });
});
