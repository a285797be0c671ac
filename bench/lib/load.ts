import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { SignedRequest } from './sign.js';

export interface LoadOptions {
  url: string;
  /** Requests in flight at once, each loop on its own keep-alive connection. */
  concurrency: number;
  /** Requests run but are not counted for this long first (JIT, connection set-up, caches). */
  warmupMs: number;
  durationMs: number;
  /** Builds and freshly signs the next request; runs in this process, outside the timed round trip. */
  next: () => Promise<SignedRequest>;
  /** The server's process id, to report the CPU it used over the measured window. */
  serverPid?: number;
}

export interface LoadResult {
  /** Length of the measured window. */
  seconds: number;
  /** Successful (HTTP 200) requests that completed inside the window. */
  requests: number;
  /** Their latencies in milliseconds, ascending. */
  latencies: Float64Array;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-200 answers and transport errors inside the window. */
  errors: number;
  firstError?: string;
  /** Share of one core the load generator (this process) used over the window. */
  clientCpu: number;
  /** Share of one core the server process used over the window (Linux /proc), if known. */
  serverCpu?: number;
  /** Cores' worth of CPU everything else on the machine used over the window (Linux /proc/stat), if known. */
  otherCpu?: number;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User + system CPU seconds of a process, from /proc/<pid>/stat (fields 14 and 15, proc(5)). */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state), so utime (14) and stime (15) are at 11 and 12.
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

/** Busy CPU seconds of the whole machine, from the first line of /proc/stat (proc(5)). */
export function machineCpuSeconds(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return (user! + nice! + system! + irq! + softirq! + steal!) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

/**
 * Waits, up to `maxWaitMs`, until the machine has been nearly idle (busy below `threshold` cores)
 * for `quietMs`: call it between cells, when neither the server nor the generator is working.
 * Returns how long it waited. Without /proc/stat it returns at once.
 */
export async function waitForQuiet(maxWaitMs: number, threshold = 0.2, quietMs = 500): Promise<number> {
  const started = performance.now();
  const step = 250;
  let quietSince = started;
  let before = machineCpuSeconds();
  if (before === undefined) return 0;
  while (performance.now() - started < maxWaitMs) {
    const t0 = performance.now();
    await sleep(step);
    const after = machineCpuSeconds()!;
    const busy = (after - before) / ((performance.now() - t0) / 1000);
    before = after;
    if (busy > threshold) quietSince = performance.now();
    else if (performance.now() - quietSince >= quietMs) break;
  }
  return performance.now() - started;
}

interface CpuSnapshot {
  wall: number;
  client: NodeJS.CpuUsage;
  server: number | undefined;
  machine: number | undefined;
}

interface Answer {
  status: number;
  body?: string;
}

function send(agent: http.Agent, host: string, port: number, request: SignedRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, host, port, method: request.method ?? 'POST', path: request.path ?? '/', headers: request.headers }, (res) => {
      const status = res.statusCode ?? 0;
      if (status === 200) {
        res.resume();
        res.on('end', () => resolve({ status }));
      } else {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString('utf8').slice(0, 300) }));
      }
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(request.body);
  });
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/**
 * Closed-loop load: `concurrency` loops each send a freshly signed request, wait for the whole
 * answer, and send the next, over one keep-alive agent. Requests that complete inside the window
 * count; latency is the HTTP round trip (signing excluded, queueing in this process included).
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { hostname, port } = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency, maxFreeSockets: options.concurrency });
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;

  const start = performance.now();
  const windowStart = start + options.warmupMs;
  const windowEnd = windowStart + options.durationMs;

  let cpuAtStart: CpuSnapshot | undefined;
  let cpuAtEnd: CpuSnapshot | undefined;
  const snapshot = (): CpuSnapshot => ({
    wall: performance.now(),
    client: process.cpuUsage(),
    server: options.serverPid === undefined ? undefined : processCpuSeconds(options.serverPid),
    machine: machineCpuSeconds(),
  });
  const startTimer = setTimeout(() => (cpuAtStart = snapshot()), options.warmupMs);
  const endTimer = setTimeout(() => (cpuAtEnd = snapshot()), options.warmupMs + options.durationMs);

  const loop = async () => {
    for (;;) {
      const request = await options.next();
      const t0 = performance.now();
      if (t0 >= windowEnd) return;
      let answer: Answer;
      try {
        answer = await send(agent, hostname, Number(port), request);
      } catch (e) {
        answer = { status: 0, body: (e as Error).message };
      }
      const t1 = performance.now();
      const inWindow = t1 >= windowStart && t1 <= windowEnd;
      if (answer.status === 200) {
        if (inWindow) latencies.push(t1 - t0);
      } else {
        if (inWindow) errors++;
        firstError ??= `${answer.status}: ${answer.body ?? ''}`;
        if (answer.status === 0) await sleep(5);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, loop));
  clearTimeout(startTimer);
  clearTimeout(endTimer);
  // A timer can fire late on a busy loop; then the window's edge is now.
  cpuAtStart ??= snapshot();
  cpuAtEnd ??= snapshot();
  agent.destroy();

  const sorted = Float64Array.from(latencies).sort();
  const result: LoadResult = {
    seconds: options.durationMs / 1000,
    requests: sorted.length,
    latencies: sorted,
    rps: sorted.length / (options.durationMs / 1000),
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    errors,
    clientCpu: NaN,
  };
  if (firstError !== undefined) result.firstError = firstError;
  if (cpuAtStart && cpuAtEnd) {
    const wallSeconds = (cpuAtEnd.wall - cpuAtStart.wall) / 1000;
    const client = cpuAtEnd.client.user + cpuAtEnd.client.system - cpuAtStart.client.user - cpuAtStart.client.system;
    result.clientCpu = client / 1e6 / wallSeconds;
    if (cpuAtStart.server !== undefined && cpuAtEnd.server !== undefined) {
      result.serverCpu = (cpuAtEnd.server - cpuAtStart.server) / wallSeconds;
      if (cpuAtStart.machine !== undefined && cpuAtEnd.machine !== undefined) {
        result.otherCpu = Math.max(0, (cpuAtEnd.machine - cpuAtStart.machine) / wallSeconds - result.clientCpu - result.serverCpu);
      }
    }
  }
  return result;
}

/** Several windows of the same load as one: requests and latencies pooled, CPU shares time-weighted. */
export function mergeResults(parts: readonly LoadResult[]): LoadResult {
  const seconds = parts.reduce((sum, p) => sum + p.seconds, 0);
  const latencies = new Float64Array(parts.reduce((sum, p) => sum + p.latencies.length, 0));
  let offset = 0;
  for (const p of parts) {
    latencies.set(p.latencies, offset);
    offset += p.latencies.length;
  }
  latencies.sort();
  const weighted = (pick: (p: LoadResult) => number | undefined) => {
    let total = 0;
    for (const p of parts) {
      const v = pick(p);
      if (v === undefined) return undefined;
      total += v * p.seconds;
    }
    return total / seconds;
  };
  const result: LoadResult = {
    seconds,
    requests: latencies.length,
    latencies,
    rps: latencies.length / seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    errors: parts.reduce((sum, p) => sum + p.errors, 0),
    clientCpu: weighted((p) => p.clientCpu) ?? NaN,
  };
  const firstError = parts.find((p) => p.firstError !== undefined)?.firstError;
  if (firstError !== undefined) result.firstError = firstError;
  const serverCpu = weighted((p) => p.serverCpu);
  if (serverCpu !== undefined) result.serverCpu = serverCpu;
  const otherCpu = weighted((p) => p.otherCpu);
  if (otherCpu !== undefined) result.otherCpu = otherCpu;
  return result;
}
