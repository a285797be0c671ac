import type { z } from 'zod';
import type { KeyRecord } from '../store/types.js';
import type { KmsDeps, KmsRequest } from './context.js';
import type { ContextValue } from '../policy/index.js';

/** How an operation asks for the key a request names. */
export interface KeyLookup {
  /** The IAM action to authorize, e.g. `kms:Encrypt`. */
  action: string;
  /** Whether `alias/…` and alias ARNs name a key for this operation (AWS: crypto ops and DescribeKey). */
  acceptAlias?: boolean;
  /** Extra condition keys of this call (encryption context, algorithm, …). */
  conditions?: Record<string, ContextValue>;
  /** The request member that named the key, for messages (default `keyId`). */
  member?: string;
}

/** Everything an operation may use. There is no other way to reach a key than `key()`, which authorizes. */
export interface OperationContext {
  readonly deps: KmsDeps;
  readonly request: KmsRequest;
  /** The AWS operation name, for messages that name it. */
  readonly operation: string;
  /** Finds the key `ref` names in the caller's region and authorizes `lookup.action` on it. */
  key(ref: string, lookup: KeyLookup): Promise<KeyRecord>;
  /** Finds the key a ciphertext blob names (Decrypt/ReEncrypt without KeyId) and authorizes on it. */
  keyById(keyId: string, lookup: KeyLookup): Promise<KeyRecord | undefined>;
  /** Authorizes an action on the caller's own account (CreateKey, ListKeys, …): identity policy only. */
  authorizeAccount(action: string, conditions?: Record<string, ContextValue>): void;
  /** The unwrapped material of a key version (default: current). Never leaves the process. */
  material(key: KeyRecord, version?: number): Promise<Buffer>;
  /** Stores a changed key (revision + 1) and tells listeners its policy, state or material changed. */
  save(key: KeyRecord): Promise<KeyRecord>;
  /** Safe-to-log request fields for the audit record (never plaintext, ciphertext or secrets). */
  auditParameters: Record<string, unknown> | null;
  auditResponse: Record<string, unknown> | null;
}

export interface Operation<S extends z.ZodType = z.ZodType, O = unknown> {
  /** The AWS operation name, e.g. `Encrypt`. */
  name: string;
  /** CloudTrail's readOnly for this event. */
  readOnly: boolean;
  input: S;
  run(ctx: OperationContext, input: z.output<S>): Promise<O>;
}

/** Declares an operation; the identity function is here only to infer the input type from the schema. */
export function defineOperation<S extends z.ZodType, O>(op: Operation<S, O>): Operation<S, O> {
  return op;
}
