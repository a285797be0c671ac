import { open, seal } from '../../../src/formats/sealed.js';
import type { ApiCall } from '../../../src/audit/record.js';
import type { DeliveredObject, DeliveryReader, DeliveryTarget } from '../../../src/audit/target.js';
import type { RootOfTrust } from '../../../src/store/types.js';

/** A delivery target in memory that tests can read back and tamper with. */
export function memoryTarget(): DeliveryTarget & DeliveryReader & { objects: Map<string, DeliveredObject> } {
  const objects = new Map<string, DeliveredObject>();
  return {
    bucket: 'test-bucket',
    objects,
    async put(key, body, metadata) {
      objects.set(key, { body: Buffer.from(body), metadata: { ...metadata } });
    },
    locate: (key) => `mem://${key}`,
    async get(key) {
      const o = objects.get(key);
      return o && { body: Buffer.from(o.body), metadata: { ...o.metadata } };
    },
    async list(prefix) {
      return [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    },
  };
}

/** A root of trust with a fixed key and counter nonces (unit tests only). */
export function fixedRoot(): RootOfTrust {
  const key = Buffer.alloc(32, 7);
  let n = 0;
  return {
    async seal(secret, purpose) {
      const nonce = Buffer.alloc(12);
      nonce.writeUInt32BE(++n, 8);
      return seal(key, secret, purpose, nonce);
    },
    async open(sealed, purpose) {
      return open(key, sealed, purpose);
    },
  };
}

/** uuid() that counts: 00000000-0000-4000-8000-000000000001, …002, … */
export function countingUuid(): () => string {
  let n = 0;
  return () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
}

/** A settable clock (epoch ms). */
export function manualClock(start: number): { now: () => number; set(t: number): void; advance(ms: number): void } {
  let t = start;
  return { now: () => t, set: (v) => (t = v), advance: (ms) => (t += ms) };
}

export const CUSTOMER_ACCOUNT = '111122223333';
export const PROVIDER_ACCOUNT = '272506498303';
export const KEY_ARN = `arn:aws:kms:us-east-1:${CUSTOMER_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

/** An Encrypt by `account` (default the provider) on the customer's key. */
export function encryptCall(overrides: Partial<ApiCall> = {}, account = PROVIDER_ACCOUNT): ApiCall {
  return {
    eventSource: 'kms.amazonaws.com',
    eventName: 'Encrypt',
    eventTime: Date.UTC(2026, 0, 1, 0, 0, 0, 250),
    readOnly: true,
    region: 'us-east-1',
    requestId: 'req-1',
    principal: { accountId: account, arn: `arn:aws:iam::${account}:user/storage`, accessKeyId: 'AKIAPROVIDER0000001', userName: 'storage', principalId: 'AIDAEXAMPLE' },
    sourceIp: '192.0.2.10',
    userAgent: 'aws-sdk-js/3',
    requestParameters: { keyId: KEY_ARN, encryptionAlgorithm: 'SYMMETRIC_DEFAULT', encryptionContext: { tenant: 'acme' } },
    responseElements: null,
    resources: [{ arn: KEY_ARN, accountId: CUSTOMER_ACCOUNT, type: 'AWS::KMS::Key' }],
    ...overrides,
  };
}
