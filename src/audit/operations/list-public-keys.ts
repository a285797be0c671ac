import { createPublicKey } from 'node:crypto';
import type { AuditStore } from '../../store/types.js';

export interface ListPublicKeysOutput {
  PublicKeyList: { Value: string; ValidityStartTime: number; ValidityEndTime: number; Fingerprint: string }[];
}

/**
 * ListPublicKeys: the digest signing keys, oldest first, each as CloudTrail gives it (PKCS#1 DER,
 * base64 in JSON) with the fingerprint digests name it by. A key is valid from its creation until the
 * next one's (the newest: until now). Public data: any authenticated caller may list them.
 */
export async function listPublicKeys(store: AuditStore, clock: () => number): Promise<ListPublicKeysOutput> {
  const keys = await store.signingKeys();
  return {
    PublicKeyList: keys.map((k, i) => ({
      Value: createPublicKey(k.publicKeyPem).export({ type: 'pkcs1', format: 'der' }).toString('base64'),
      ValidityStartTime: Math.floor(k.createdAt / 1000),
      ValidityEndTime: Math.floor((keys[i + 1]?.createdAt ?? clock()) / 1000),
      Fingerprint: k.fingerprint,
    })),
  };
}
