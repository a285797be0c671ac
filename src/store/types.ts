/**
 * Storage interfaces. Small on purpose: every driver (memory, sqlite, later postgres) implements
 * them and runs the same conformance suite (`test/conformance/`). Nothing here holds plaintext key
 * material: `wrapped` values are sealed by the RootOfTrust before they reach a store.
 */

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
  listKeys(accountId: string, region: string, limit: number, after?: string): Promise<Page<KeyRecord>>;
  /** Replaces the key's metadata when `key.revision - 1` is the stored revision; else StaleRevisionError. */
  updateKey(key: KeyRecord): Promise<void>;
  /** Adds material and updates the key (new currentMaterial) in one transaction; same revision rule. */
  rotate(key: KeyRecord, material: MaterialRecord): Promise<void>;
  getMaterial(keyId: string, version: number): Promise<MaterialRecord | undefined>;
  listMaterials(keyId: string): Promise<MaterialRecord[]>;
  /** Erases the key, all its material and its aliases. */
  deleteKey(keyId: string): Promise<void>;
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
  close(): Promise<void>;
}
