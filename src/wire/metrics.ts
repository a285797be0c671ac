import { KEY_HEALTH_STATES, type KeyHealthState } from '../store/tenant-types.js';

/** One answered request, as the HTTP server's log line sees it. */
export interface RequestEvent {
  /** kms, s3, sts, cloudtrail, control, … */
  api: string;
  operation: string;
  status: number;
  seconds: number;
}

// Prometheus' default latency buckets (client_golang DefBuckets), in seconds.
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

export interface Metrics {
  observe(event: RequestEvent): void;
  /** The text exposition format (version 0.0.4). */
  render(health: readonly { tenant: string; state: KeyHealthState }[]): string;
}

// Text format: label values escape backslash, double quote and newline.
const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labels = (l: Record<string, string>) => '{' + Object.entries(l).map(([k, v]) => `${k}="${esc(v)}"`).join(',') + '}';

/** Request counts and latency histograms of every API, and each tenant's key health, for /metrics. */
export function createMetrics(): Metrics {
  const requests = new Map<string, { api: string; operation: string; status: string; n: number }>();
  const latency = new Map<string, { api: string; operation: string; h: Histogram }>();
  return {
    observe(e) {
      const status = String(e.status);
      const rk = `${e.api}\0${e.operation}\0${status}`;
      const r = requests.get(rk) ?? { api: e.api, operation: e.operation, status, n: 0 };
      r.n++;
      requests.set(rk, r);
      const lk = `${e.api}\0${e.operation}`;
      const l = latency.get(lk) ?? { api: e.api, operation: e.operation, h: { counts: BUCKETS.map(() => 0), sum: 0, count: 0 } };
      BUCKETS.forEach((b, i) => {
        if (e.seconds <= b) l.h.counts[i]!++;
      });
      l.h.sum += e.seconds;
      l.h.count++;
      latency.set(lk, l);
    },
    render(health) {
      const lines: string[] = [];
      lines.push('# HELP opencmk_tenant_key_health Key health of each tenant, as the provider principal last probed it: 1 for the current state, 0 for the others.');
      lines.push('# TYPE opencmk_tenant_key_health gauge');
      for (const { tenant, state } of health) {
        for (const s of KEY_HEALTH_STATES) lines.push(`opencmk_tenant_key_health${labels({ tenant, state: s })} ${s === state ? 1 : 0}`);
      }
      lines.push('# HELP opencmk_http_requests_total Requests answered, by API, operation and HTTP status.');
      lines.push('# TYPE opencmk_http_requests_total counter');
      for (const r of requests.values()) lines.push(`opencmk_http_requests_total${labels({ api: r.api, operation: r.operation, status: r.status })} ${r.n}`);
      lines.push('# HELP opencmk_http_request_duration_seconds Time to answer a request, by API and operation.');
      lines.push('# TYPE opencmk_http_request_duration_seconds histogram');
      for (const { api, operation, h } of latency.values()) {
        BUCKETS.forEach((b, i) => lines.push(`opencmk_http_request_duration_seconds_bucket${labels({ api, operation, le: String(b) })} ${h.counts[i]}`));
        lines.push(`opencmk_http_request_duration_seconds_bucket${labels({ api, operation, le: '+Inf' })} ${h.count}`);
        lines.push(`opencmk_http_request_duration_seconds_sum${labels({ api, operation })} ${h.sum}`);
        lines.push(`opencmk_http_request_duration_seconds_count${labels({ api, operation })} ${h.count}`);
      }
      return lines.join('\n') + '\n';
    },
  };
}
