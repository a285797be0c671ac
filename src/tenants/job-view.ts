import type { ReencryptJob } from '../store/tenant-types.js';

export interface JobProgress {
  /** 0–100, by objects. */
  percent: number;
  objectsPerSecond: number;
  bytesPerSecond: number;
  /** Seconds left at the current rate (absent until there is a rate, and once finished). */
  etaSeconds?: number;
}

export interface JobView extends Omit<ReencryptJob, 'bucketKeys' | 'run'> {
  progress: JobProgress;
  /** Once finished: true when no object depends on a key other than the target, so old keys may be disabled. */
  oldKeysNoLongerNeeded?: boolean;
}

/** A job as the API and CLI show it: counters, rate and ETA (of the current run), and the verdict. */
export function jobView(job: ReencryptJob, now: number): JobView {
  const { bucketKeys: _bucketKeys, run, ...rest } = job;
  const end = job.finishedAt ?? now;
  const since = run?.startedAt ?? job.createdAt;
  const seconds = Math.max((end - since) / 1000, 0.001);
  const objectsPerSecond = (job.done.objects - (run?.objects ?? 0)) / seconds;
  const bytesPerSecond = (job.done.bytes - (run?.bytes ?? 0)) / seconds;
  const total = Math.max(job.total.objects, job.done.objects);
  const left = total - job.done.objects;
  const percent = job.state === 'succeeded' ? 100 : total === 0 ? 0 : Math.min(100, (job.done.objects / total) * 100);
  const progress: JobProgress = {
    percent: Math.round(percent * 10) / 10,
    objectsPerSecond: Math.round(objectsPerSecond * 10) / 10,
    bytesPerSecond: Math.round(bytesPerSecond),
    ...(job.state === 'running' && objectsPerSecond > 0 ? { etaSeconds: Math.ceil(left / objectsPerSecond) } : {}),
  };
  return {
    ...rest,
    progress,
    ...(job.state === 'succeeded' ? { oldKeysNoLongerNeeded: (job.remaining ?? []).length === 0 } : {}),
  };
}
