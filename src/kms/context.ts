import type { Principal } from '../identity/principal.js';
import type { RootOfTrust, KeyStore } from '../store/types.js';
import type { KmsCallRecord, KmsServiceEvent } from './audit-record.js';

/** What the key service is built from (DESIGN.md rule 1: everything passed in). */
export interface KmsDeps {
  keys: KeyStore;
  root: RootOfTrust;
  /** Epoch milliseconds. */
  clock: () => number;
  random: (bytes: number) => Buffer;
  /** Bytes that must never repeat but need not be secret (GCM nonces); `random` when absent. */
  nonce?: (bytes: number) => Buffer;
  uuid: () => string;
  /** Persists the audit record of each call before it is answered; a throw fails the call. */
  audit?: (record: KmsCallRecord) => Promise<void>;
  /** Records what the service does on its own (scheduled rotation and deletion). */
  auditServiceEvent?: (event: KmsServiceEvent) => Promise<void>;
  /** Told after any change to a key's policy, state or material (bucket-key caches listen). */
  onKeyChange?: (keyArn: string) => void;
}

/** One KMS call as the core sees it: who asks, from where, through what. */
export interface KmsRequest {
  principal: Principal;
  region: string;
  requestId: string;
  sourceIp: string;
  userAgent: string;
  secureTransport: boolean;
  /** When the request arrived (epoch ms), for aws:CurrentTime. */
  time: number;
  /** Set when another service (the object store) calls on the principal's behalf, e.g. s3.us-east-1.amazonaws.com. */
  viaService?: string;
}
