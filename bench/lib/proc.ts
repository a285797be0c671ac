import { readFileSync, writeFileSync } from 'node:fs';

/** A `kB` field of /proc/<pid>/status (VmRSS, VmHWM), in bytes; undefined once the process is gone. */
export function statusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Resets the process's peak RSS (VmHWM) to its current RSS: `echo 5 > /proc/<pid>/clear_refs`
 * (proc(5), Linux ≥ 4.0). Returns false where that is not allowed, and VmHWM is then the peak
 * since the process started.
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export interface RssWatch {
  /** Stops sampling: the highest VmRSS sampled, and VmHWM (the kernel's own peak) now. */
  stop(): { maxSampled: number; peak: number | undefined; samples: number };
}

/**
 * Samples a process's VmRSS every `everyMs` from now until `stop()`, after resetting its VmHWM,
 * so a transfer's peak is known two ways: sampled, and as the kernel counted it.
 */
export function watchRss(pid: number, everyMs = 20): RssWatch {
  const reset = resetPeakRss(pid);
  let maxSampled = statusBytes(pid, 'VmRSS') ?? 0;
  let samples = 1;
  const timer = setInterval(() => {
    const v = statusBytes(pid, 'VmRSS');
    if (v !== undefined) {
      samples++;
      if (v > maxSampled) maxSampled = v;
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const last = statusBytes(pid, 'VmRSS');
      if (last !== undefined && last > maxSampled) maxSampled = last;
      return { maxSampled, peak: reset ? statusBytes(pid, 'VmHWM') : undefined, samples };
    },
  };
}
