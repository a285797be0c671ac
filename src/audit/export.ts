import type { AuditStore } from '../store/types.js';

export interface ExportOptions {
  /** Epoch seconds: records at or after this time. */
  since: number;
  /** Only the trail of this account (default: every account's). */
  accountId?: string;
  /** Records per store read. */
  pageSize?: number;
}

/**
 * Every stored record from `since`, as delivered (one JSON object per line, for a SIEM), chain by
 * chain — account, then region — each in chain order. A record delivered to several accounts
 * appears once per recipient, as in each account's own trail.
 */
export async function* exportRecords(store: AuditStore, options: ExportOptions): AsyncGenerator<string> {
  const pageSize = options.pageSize ?? 1000;
  for (const head of await store.heads()) {
    if (options.accountId !== undefined && head.accountId !== options.accountId) continue;
    let after = 0;
    for (;;) {
      const page = await store.scan(head.accountId, head.region, options.since, after, pageSize);
      for (const e of page) yield e.text;
      if (page.length < pageSize) break;
      after = page[page.length - 1]!.sequence;
    }
  }
}
