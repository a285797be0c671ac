/**
 * Storage interfaces. Small on purpose: every driver (memory, sqlite, later postgres) implements
 * them and runs the same conformance suite (`test/conformance/`). Nothing here holds plaintext key
 * material: `wrapped` values are sealed by the RootOfTrust before they reach a store.
 */

import type { ObjectMetaStore } from './object-types.js';
import type { TenantStore } from './tenant-types.js';

export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion' | 'PendingImport' | 'Unavailable';
export type KeySpec =
  | 'SYMMETRIC_DEFAULT'
  | 'RSA_2048'
  | 'RSA_3072'
  | 'RSA_4096'
  | 'ECC_NIST_P256'
  | 'ECC_NIST_P384'
  | 'HMAC_256';
export type KeyUsage = 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC';
export type RotationType = 'AUTOMATIC' | 'ON_DEMAND';

export interface Tag {
  TagKey: string;
  TagValue: string;
}

/** Everything about a KMS key but its material. Times are epoch milliseconds. */
export interface KeyRecord {
  id: string;
  arn: string;
  accountId: string;
  region: string;
  description: string;
  keySpec: KeySpec;
  keyUsage: KeyUsage;
  origin: 'AWS_KMS';
  state: KeyState;
  createdAt: number;
  /** Set while PendingDeletion: when the key and all its material are erased. */
  deletionAt?: number;
  pendingWindowInDays?: number;
  policy: string;
  rotationEnabled: boolean;
  rotationPeriodInDays?: number;
  /** When automatic rotation is next due (only while enabled and the key is Enabled). */
  nextRotationAt?: number;
  onDemandRotations: number;
  currentMaterial: number;
  tags: Tag[];
  /** Bumped on every change; drivers refuse an update whose `revision` is stale. */
  revision: number;
}

export interface MaterialRecord {
  keyId: string;
  /** 1 for the original material, +1 per rotation. */
  version: number;
  /** Stable public id of this material (hex), as AWS's KeyMaterialId. */
  materialId: string;
  /** The material sealed by the RootOfTrust (docs/formats.md §2). */
  wrapped: Buffer;
  createdAt: number;
  rotationType?: RotationType;
}

export interface AliasRecord {
  accountId: string;
  region: string;
  /** Full name, `alias/...`. */
  name: string;
  targetKeyId: string;
  createdAt: number;
  updatedAt: number;
}

export interface Page<T> {
  items: T[];
  /** Opaque position after the last item; absent when there is no more. */
  next?: string;
}

export class StaleRevisionError extends Error {
  constructor(what: string) {
    super(`store: ${what} was changed concurrently`);
    this.name = 'StaleRevisionError';
  }
}

export class DuplicateError extends Error {
  constructor(what: string) {
    super(`store: ${what} already exists`);
    this.name = 'DuplicateError';
  }
}

export interface KeyStore {
  /** Stores a new key with its first material, atomically and durably. */
  createKey(key: KeyRecord, material: MaterialRecord): Promise<void>;
  getKey(region: string, keyId: string): Promise<KeyRecord | undefined>;
  /**
   * The stored revision of a key, without reading its record: lets a reader keep a parsed record
   * and still see every change (each change bumps the revision) on its next request.
   */
  getKeyRevision(region: string, keyId: string): Promise<number | undefined>;
  listKeys(accountId: string, region: string, limit: number, after?: string): Promise<Page<KeyRecord>>;
  /** Replaces the key's metadata when `key.revision - 1` is the stored revision; else StaleRevisionError. */
  updateKey(key: KeyRecord): Promise<void>;
  /** Adds material and updates the key (new currentMaterial) in one transaction; same revision rule. */
  rotate(key: KeyRecord, material: MaterialRecord): Promise<void>;
  getMaterial(keyId: string, version: number): Promise<MaterialRecord | undefined>;
  listMaterials(keyId: string): Promise<MaterialRecord[]>;
  /**
   * Erases the key, all its material and its aliases. With `revision`, only if the stored key is still
   * at that revision (else StaleRevisionError), so a change made meanwhile (a cancelled deletion) wins.
   */
  deleteKey(keyId: string, revision?: number): Promise<void>;
  /** Keys whose deletionAt or nextRotationAt is at or before `now`. */
  listDue(now: number): Promise<KeyRecord[]>;

  /** DuplicateError when an alias of that name exists in the account and region. */
  createAlias(alias: AliasRecord): Promise<void>;
  getAlias(accountId: string, region: string, name: string): Promise<AliasRecord | undefined>;
  updateAlias(alias: AliasRecord): Promise<void>;
  deleteAlias(accountId: string, region: string, name: string): Promise<void>;
  listAliases(accountId: string, region: string, keyId: string | undefined, limit: number, after?: string): Promise<Page<AliasRecord>>;
}

export interface CredentialRecord {
  accessKeyId: string;
  accountId: string;
  principalArn: string;
  /** The secret access key sealed by the RootOfTrust. */
  wrappedSecret: Buffer;
  createdAt: number;
}

export interface CredentialStore {
  putCredential(credential: CredentialRecord): Promise<void>;
  getCredential(accessKeyId: string): Promise<CredentialRecord | undefined>;
  listCredentials(): Promise<CredentialRecord[]>;
}

/** Seals and opens secrets with the deployment's root key (a file today, an HSM later). */
export interface RootOfTrust {
  seal(secret: Buffer, purpose: string): Promise<Buffer>;
  open(sealed: Buffer, purpose: string): Promise<Buffer>;
}

export interface Stores {
  keys: KeyStore;
  credentials: CredentialStore;
  objects: ObjectMetaStore;
  tenants: TenantStore;
  close(): Promise<void>;
}

// ---- Audit trail (docs/audit.md) ----

/** What LookupEvents can filter on, as store fields (one at a time, as CloudTrail). */
export type AuditFilterField =
  | 'eventId'
  | 'eventName'
  | 'readOnly'
  | 'username'
  | 'resourceType'
  | 'resourceName'
  | 'eventSource'
  | 'accessKeyId';

/** One recipient account's copy of a CloudTrail record, before the store chains it. */
export interface AuditEventInput {
  /** The account whose trail receives this copy (CloudTrail's recipientAccountId). */
  accountId: string;
  region: string;
  eventId: string;
  /** Epoch seconds: CloudTrail's eventTime has second precision. */
  eventTime: number;
  eventName: string;
  eventSource: string;
  readOnly: boolean;
  username?: string;
  accessKeyId?: string;
  resources: { type: string; name: string }[];
  /** The record as compact JSON without its `opencmkChain` member; the store chains and appends it. */
  record: string;
}

/** A stored copy: its place in its (account, region) chain and its text exactly as delivered. */
export interface AuditEvent extends Omit<AuditEventInput, 'record'> {
  sequence: number;
  /** Hex SHA-256 chain hash of this record (docs/audit.md §3). */
  hash: string;
  /** The record JSON with its `opencmkChain` member: what LookupEvents, log files and export show. */
  text: string;
}

/** The end of one (account, region) chain and how far delivery has got. */
export interface AuditChainHead {
  accountId: string;
  region: string;
  sequence: number;
  hash: string;
  deliveredSequence: number;
  deliveredHash: string;
  /** Epoch seconds of the chain's first record. */
  createdAt: number;
}

export interface AuditQuery {
  accountId: string;
  region: string;
  filter?: { field: AuditFilterField; value: string };
  /** Inclusive bounds, epoch seconds. */
  startTime?: number;
  endTime?: number;
  limit: number;
  /** Continue after this position (newest first: strictly older than it). */
  after?: { eventTime: number; sequence: number };
}

/** A delivered log file, as its digest will list it. Times: epoch seconds, deliveredAt epoch ms. */
export interface AuditLogFile {
  accountId: string;
  region: string;
  key: string;
  hashValue: string;
  firstSequence: number;
  lastSequence: number;
  previousHash: string;
  lastHash: string;
  oldestEventTime: number;
  newestEventTime: number;
  deliveredAt: number;
}

/** A delivered, signed digest. startTime/endTime epoch ms. */
export interface AuditDigest {
  accountId: string;
  region: string;
  key: string;
  startTime: number;
  endTime: number;
  hashValue: string;
  signature: string;
  /** The chain position the digest's log files reach. */
  chainSequence: number;
  chainHash: string;
}

export interface AuditSigningKey {
  fingerprint: string;
  publicKeyPem: string;
  /** PKCS#8 DER private key sealed by the RootOfTrust (purpose `opencmk/v1/audit-signing-key`). */
  sealedPrivateKey: Buffer;
  createdAt: number;
}

/**
 * The audit trail's storage. `append` chains each record to the previous one of its (account,
 * region) and is durable when it resolves: the key service answers only after that.
 */
export interface AuditStore {
  /** Chains and stores the events in one transaction (one fsync); all or none. */
  append(events: AuditEventInput[]): Promise<void>;
  /** Newest first (eventTime, then sequence, descending). */
  lookup(query: AuditQuery): Promise<AuditEvent[]>;
  /** Oldest first within one chain, from `since` (epoch s), after `afterSequence`. For export. */
  scan(accountId: string, region: string, since: number, afterSequence: number, limit: number): Promise<AuditEvent[]>;
  heads(): Promise<AuditChainHead[]>;
  /** Events of one chain with sequence > afterSequence, ascending. For delivery. */
  range(accountId: string, region: string, afterSequence: number, limit: number): Promise<AuditEvent[]>;
  /** Records a delivered log file and moves the chain's delivered position to its end, atomically. */
  addLogFile(file: AuditLogFile): Promise<void>;
  /** Files of a chain delivered before `deliveredBefore` (epoch ms) that no digest lists yet, in order. */
  undigestedLogFiles(accountId: string, region: string, deliveredBefore: number): Promise<AuditLogFile[]>;
  /** Stores a digest and marks the files it lists as digested, atomically. */
  addDigest(digest: AuditDigest, fileKeys: string[]): Promise<void>;
  lastDigest(accountId: string, region: string): Promise<AuditDigest | undefined>;
  /** Every digest that ends after `after` (epoch ms), by chain then time: what validation expects to find. */
  listDigests(after: number): Promise<AuditDigest[]>;
  /** DuplicateError when a key with that fingerprint exists. */
  putSigningKey(key: AuditSigningKey): Promise<void>;
  signingKeys(): Promise<AuditSigningKey[]>;
  /** Deletes up to `limit` delivered events older than `before` (epoch s); returns how many. */
  prune(before: number, limit: number): Promise<number>;
  close(): Promise<void>;
}
