import { createHash, randomBytes } from 'node:crypto';
import { parsePolicy, type Policy } from '../policy/index.js';
import type { CredentialStore, RootOfTrust } from '../store/types.js';
import type { Principal } from './principal.js';

export interface AccessKeyConfig {
  accessKeyId: string;
  secretAccessKey: string;
}
export interface PrincipalConfig {
  arn: string;
  accessKeys?: AccessKeyConfig[];
  /** Identity (IAM) policy documents; none means AdministratorAccess. */
  policies?: unknown[];
}
export interface AccountConfig {
  id: string;
  name?: string;
  principals: PrincipalConfig[];
}

export interface Identity {
  principal: Omit<Principal, 'accessKeyId'>;
  secretAccessKey: string;
}

export interface IdentityRegistry {
  /** The principal and secret behind an access key id: config first, then the credential store. */
  lookup(accessKeyId: string): Promise<(Identity & { accessKeyId: string }) | undefined>;
  /** Mints and stores a new access key for a principal; returns the secret once. */
  createAccessKey(accountId: string, principalArn: string): Promise<AccessKeyConfig>;
}

export const secretPurpose = (accessKeyId: string) => `opencmk/v1/secret-access-key/${accessKeyId}`;

/** AWS's shape of an IAM user's unique id (AIDA…), derived from the ARN so it is stable. */
export function principalIdFor(arn: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const digest = createHash('sha256').update(arn).digest();
  let id = 'AIDA';
  for (let i = 0; i < 17; i++) id += alphabet[digest[i]! % 32];
  return id;
}

export function principalFromArn(accountId: string, arn: string, policies?: readonly Policy[]): Omit<Principal, 'accessKeyId'> {
  return {
    accountId,
    arn,
    userName: arn.split('/').pop() ?? arn,
    principalId: principalIdFor(arn),
    ...(policies ? { identityPolicies: policies } : {}),
  };
}

/** A new access key pair in AWS's shapes: AKIA + 16 characters, and a 40-character secret. */
export function newAccessKey(): AccessKeyConfig {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const raw = randomBytes(16);
  let id = 'AKIA';
  for (let i = 0; i < 16; i++) id += alphabet[raw[i]! % 32];
  return { accessKeyId: id, secretAccessKey: randomBytes(30).toString('base64') };
}

export function createIdentityRegistry(accounts: readonly AccountConfig[], credentials: CredentialStore, root: RootOfTrust): IdentityRegistry {
  const configured = new Map<string, Identity>();
  const policiesByArn = new Map<string, readonly Policy[] | undefined>();
  for (const account of accounts) {
    for (const p of account.principals) {
      const policies = p.policies?.map((doc) => parsePolicy(typeof doc === 'string' ? doc : JSON.stringify(doc)));
      policiesByArn.set(p.arn, policies);
      for (const key of p.accessKeys ?? []) {
        configured.set(key.accessKeyId, { principal: principalFromArn(account.id, p.arn, policies), secretAccessKey: key.secretAccessKey });
      }
    }
  }
  const stored = new Map<string, Identity>();

  return {
    async lookup(accessKeyId) {
      const hit = configured.get(accessKeyId) ?? stored.get(accessKeyId);
      if (hit) return { ...hit, accessKeyId };
      const record = await credentials.getCredential(accessKeyId);
      if (!record) return undefined;
      const secret = (await root.open(record.wrappedSecret, secretPurpose(accessKeyId))).toString('utf8');
      const identity = { principal: principalFromArn(record.accountId, record.principalArn, policiesByArn.get(record.principalArn)), secretAccessKey: secret };
      stored.set(accessKeyId, identity);
      return { ...identity, accessKeyId };
    },
    async createAccessKey(accountId, principalArn) {
      const key = newAccessKey();
      await credentials.putCredential({
        accessKeyId: key.accessKeyId,
        accountId,
        principalArn,
        wrappedSecret: await root.seal(Buffer.from(key.secretAccessKey, 'utf8'), secretPurpose(key.accessKeyId)),
        createdAt: Date.now(),
      });
      return key;
    },
  };
}
