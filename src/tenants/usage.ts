import type { ObjectMetaStore } from '../store/object-types.js';

export interface KeyUsage {
  /** The KMS key ARN, or `AES256` for SSE-S3 objects. */
  keyArn: string;
  objects: number;
  bytes: number;
}

export interface BucketUsage {
  name: string;
  objects: number;
  bytes: number;
  byKey: KeyUsage[];
}

const PAGE = 1000;

/** Objects and plaintext bytes of each bucket, by the key their data key is wrapped under. */
export async function usageOf(meta: ObjectMetaStore, buckets: readonly string[]): Promise<{ buckets: BucketUsage[]; byKey: KeyUsage[] }> {
  const total = new Map<string, KeyUsage>();
  const out: BucketUsage[] = [];
  for (const name of buckets) {
    const mine = new Map<string, KeyUsage>();
    let objects = 0;
    let bytes = 0;
    let after: string | undefined;
    for (;;) {
      const page = await meta.listObjects(name, '', after, PAGE);
      for (const o of page.items) {
        const keyArn = o.encryption.algorithm === 'aws:kms' ? o.encryption.kmsKeyArn ?? 'unknown' : 'AES256';
        for (const map of [mine, total]) {
          const u = map.get(keyArn) ?? { keyArn, objects: 0, bytes: 0 };
          u.objects++;
          u.bytes += o.size;
          map.set(keyArn, u);
        }
        objects++;
        bytes += o.size;
      }
      if (!page.next) break;
      after = page.next;
    }
    out.push({ name, objects, bytes, byKey: [...mine.values()] });
  }
  return { buckets: out, byKey: [...total.values()] };
}
