/**
 * A small pool of worker threads for sweeps. Each worker runs one job at a time (jobs are whole
 * runs, milliseconds to seconds long, so message overhead does not matter). A worker that
 * crashes, exits or overruns the wall-clock watchdog is replaced; its job is reported as failed
 * with its seed and the error, and the rest of the sweep goes on. Wall-clock limits abort a
 * worker; they never change what a run computes.
 *
 * A `WorkerPool` can run several batches of jobs one after the other with the same (warm)
 * workers; `runPool` is the one-shot form.
 *
 * Each worker is sent its next job while it still runs the current one (two in flight), so it
 * never idles waiting for this thread to read a reply and post more work: with every core busy,
 * that thread may not be scheduled for a while. Near the end of a batch each worker holds one job
 * at most, so no job waits behind a busy worker while another is idle. The watchdog times the job
 * a worker is running (the first of its two); if the worker dies, that job is reported failed and
 * the one behind it goes to the replacement worker.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { Worker } from 'node:worker_threads';
import { startWatchdog } from './host-clock.ts';
import { WORKER_ENTRY, runWorkerData } from './loaders.ts';
import type { WorkerJob, WorkerReply } from './worker.ts';

export interface PoolOptions {
  workers: number;
  /** Abort a job (and replace its worker) after this much wall time; 0 = no watchdog. */
  watchdogMs?: number;
  /** Called after each finished job with (done, total) of the current batch. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Per-worker heap limit in MB (`--heap-max-mb`): a run whose heap passes it is aborted by the
   * memory watchdog and reported as failed (errorName `MemoryWatchdog`), its worker replaced.
   */
  maxOldGenerationSizeMb?: number;
  /**
   * A scenario module each worker imports as soon as it starts, while this thread is still busy
   * (loading and checking the scenario itself); the first job then finds it loaded.
   */
  preload?: string;
}

/**
 * The CPUs a cgroup's quota allows, from the text of its limit files: cgroup v2's `cpu.max`
 * ("max 100000", "200000 100000") or cgroup v1's `cpu.cfs_quota_us` and `cpu.cfs_period_us`
 * (quota -1: none). Infinity without a quota or when the text is not a limit.
 */
export function cpuQuotaOf(text: { cpuMax?: string; cfsQuotaUs?: string; cfsPeriodUs?: string }): number {
  let quota = NaN;
  let period = NaN;
  if (text.cpuMax !== undefined) [quota, period] = text.cpuMax.trim().split(/\s+/).map(Number) as [number, number];
  else if (text.cfsQuotaUs !== undefined && text.cfsPeriodUs !== undefined) [quota, period] = [Number(text.cfsQuotaUs), Number(text.cfsPeriodUs)];
  return quota > 0 && period > 0 ? quota / period : Infinity;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The CPU quota of this process's cgroup and its ancestors (Linux; Infinity elsewhere or without
 * one). A container limited to 2 CPUs on a 64-core host sees 64 cores in `availableParallelism()`
 * but is throttled to 2.
 */
export function cgroupCpuQuota(): number {
  const lines = (readText('/proc/self/cgroup') ?? '').split('\n').filter(Boolean);
  let quota = Infinity;
  for (const line of lines) {
    const [, controllers = '', path = '/'] = line.split(':');
    const v2 = controllers === '';
    if (!v2 && !controllers.split(',').includes('cpu')) continue;
    const limits = v2 ? ['cpu.max'] : ['cpu.cfs_quota_us', 'cpu.cfs_period_us'];
    const mount = v2 ? '/sys/fs/cgroup' : [`/sys/fs/cgroup/${controllers}`, '/sys/fs/cgroup/cpu'].find((m) => readText(`${m}/${limits[1]}`) !== undefined);
    if (mount === undefined) continue;
    // the cgroup and every one above it (in a container the path is often just '/')
    for (let dir = path.replace(/\/+$/, ''); ; dir = dir.slice(0, dir.lastIndexOf('/'))) {
      const [a, b] = limits.map((f) => readText(`${mount}${dir}/${f}`));
      quota = Math.min(quota, v2 ? cpuQuotaOf({ cpuMax: a }) : cpuQuotaOf({ cfsQuotaUs: a, cfsPeriodUs: b }));
      if (dir === '') break;
    }
  }
  return quota;
}

/**
 * The default number of sweep workers: one per core this process may use (its CPU affinity),
 * and no more than its cgroup's CPU quota allows (rounded down, at least 1), so a sweep in a
 * CPU-limited container does not run more workers than it gets CPUs.
 */
export function defaultWorkerCount(cores = availableParallelism(), quota = cgroupCpuQuota()): number {
  return Math.max(1, Math.min(cores, Math.floor(quota)));
}

/** The memory this process may use in MB: the machine's, or its cgroup's limit when lower. */
export function usableMemoryMb(): number {
  const limit = process.constrainedMemory?.() ?? 0;
  const total = totalmem();
  return (limit > 0 && limit < total ? limit : total) / 2 ** 20;
}

/** Largest default heap of a sweep worker, in MB (V8's own default limit on a large machine). */
export const WORKER_HEAP_DEFAULT_MAX_MB = 4096;

/**
 * The default heap cap of each of `workers` sweep workers: half the memory this process may use
 * (the machine's, or its cgroup's limit) shared among them, from 256 MB to 4096 MB. Heap use is not deterministic, so the cap is a watchdog,
 * not a budget: it decides whether a runaway run is stopped cleanly, never what a run computes.
 */
export function defaultWorkerHeapMb(workers: number, totalMemMb = usableMemoryMb()): number {
  return Math.max(256, Math.min(WORKER_HEAP_DEFAULT_MAX_MB, Math.floor((totalMemMb * 0.5) / Math.max(1, workers))));
}

/** The one-line reason of a run aborted by the memory watchdog. */
export function memoryWatchdogMessage(heapMb: number): string {
  return `aborted by the memory watchdog: the run's heap passed ${heapMb} MB (--heap-max-mb; heap use is not deterministic, so this is not an outcome of the run)`;
}

/** Whether a worker's error is Node's "reached its resourceLimits" termination. */
export function isWorkerOutOfMemory(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY';
}

/** Jobs sent to a worker at once: the one it runs and the next. */
const IN_FLIGHT = 2;

interface Slot {
  worker: Worker;
  /** Sent and not yet answered, in order; the first is running. */
  jobs: WorkerJob[];
  disarm: (() => void) | null;
}

interface Batch {
  jobs: readonly WorkerJob[];
  replies: (WorkerReply | undefined)[];
  index: Map<number, number>;
  next: number;
  done: number;
  onProgress: ((done: number, total: number) => void) | undefined;
  resolve: (replies: WorkerReply[]) => void;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private batch: Batch | null = null;
  private closed = false;

  constructor(private readonly options: PoolOptions) {
    const n = Math.max(1, Math.floor(options.workers));
    for (let i = 0; i < n; i++) {
      const slot: Slot = { worker: null as unknown as Worker, jobs: [], disarm: null };
      slot.worker = this.spawn(slot);
      this.slots.push(slot);
    }
  }

  get size(): number {
    return this.slots.length;
  }

  /** Each worker's heap cap in MB, if it has one. */
  get heapMb(): number | undefined {
    return this.options.maxOldGenerationSizeMb;
  }

  /** Run every job; resolves with one reply per job, in job order. Never rejects for a job's failure. */
  run(jobs: readonly WorkerJob[], onProgress = this.options.onProgress): Promise<WorkerReply[]> {
    if (this.closed) throw new Error('WorkerPool.run after close');
    if (this.batch !== null) throw new Error('WorkerPool.run while another batch runs');
    if (jobs.length === 0) return Promise.resolve([]);
    return new Promise((resolve) => {
      this.batch = {
        jobs,
        replies: new Array<WorkerReply | undefined>(jobs.length),
        index: new Map(jobs.map((j, i) => [j.id, i])),
        next: 0,
        done: 0,
        onProgress,
        resolve,
      };
      for (const s of this.slots) this.dispatch(s);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.slots.map((s) => {
        s.disarm?.();
        s.worker.removeAllListeners();
        return s.worker.terminate();
      }),
    );
  }

  private spawn(slot: Slot): Worker {
    // The loaders this thread has registered by now (a user's scenario was loaded before the pool starts).
    const w = new Worker(WORKER_ENTRY, {
      workerData: { ...runWorkerData(), preload: this.options.preload },
      resourceLimits: this.options.maxOldGenerationSizeMb ? { maxOldGenerationSizeMb: this.options.maxOldGenerationSizeMb } : undefined,
    });
    w.on('message', (reply: WorkerReply) => this.finish(slot, reply));
    w.on('error', (err) => {
      if (isWorkerOutOfMemory(err) && this.options.maxOldGenerationSizeMb) this.fail(slot, memoryWatchdogMessage(this.options.maxOldGenerationSizeMb), 'MemoryWatchdog');
      else this.fail(slot, `worker crashed: ${err instanceof Error ? err.message : String(err)}`);
    });
    w.on('exit', (code) => {
      if (!this.closed && slot.worker === w) this.fail(slot, `worker exited with code ${code}`);
    });
    return w;
  }

  private finish(slot: Slot, reply: WorkerReply): void {
    slot.disarm?.();
    slot.disarm = null;
    // the answered job (a worker answers in the order it was sent them, so normally the first)
    const k = slot.jobs.findIndex((j) => j.id === reply.id);
    if (k >= 0) slot.jobs.splice(k, 1);
    this.record(reply);
    this.armWatchdog(slot);
    this.dispatch(slot);
  }

  private record(reply: WorkerReply): void {
    const b = this.batch;
    if (b === null) return;
    const i = b.index.get(reply.id);
    if (i !== undefined && b.replies[i] === undefined) {
      b.replies[i] = reply;
      b.done++;
      b.onProgress?.(b.done, b.jobs.length);
    }
    if (b.done === b.jobs.length) {
      this.batch = null;
      b.resolve(b.replies as WorkerReply[]);
    }
  }

  private fail(slot: Slot, message: string, errorName = 'WorkerCrash'): void {
    const [running, ...waiting] = slot.jobs;
    slot.jobs = [];
    slot.disarm?.();
    slot.disarm = null;
    const old = slot.worker;
    old.removeAllListeners();
    void old.terminate();
    if (this.closed) return;
    slot.worker = this.spawn(slot);
    if (running) this.record({ id: running.id, ok: false, error: message, errorName });
    // jobs queued behind the one that killed the worker never started: the new worker runs them
    for (const job of waiting) this.send(slot, job);
    this.dispatch(slot);
  }

  private dispatch(slot: Slot): void {
    const b = this.batch;
    while (b !== null && this.batch === b && b.next < b.jobs.length && slot.jobs.length < this.depth(b)) this.send(slot, b.jobs[b.next++]!);
  }

  /**
   * Jobs a worker may hold: two while there is plenty left, one near the end of a batch, so the
   * last jobs go to whichever worker is free instead of waiting behind a busy one.
   */
  private depth(b: Batch): number {
    return b.jobs.length - b.next >= this.slots.length * IN_FLIGHT ? IN_FLIGHT : 1;
  }

  private send(slot: Slot, job: WorkerJob): void {
    slot.jobs.push(job);
    slot.worker.postMessage(job);
    if (slot.jobs.length === 1) this.armWatchdog(slot);
  }

  /** Time the job the slot's worker runs now (the first it has not answered). */
  private armWatchdog(slot: Slot): void {
    const limit = this.options.watchdogMs;
    if (!limit || limit <= 0 || slot.disarm !== null || slot.jobs.length === 0) return;
    slot.disarm = startWatchdog(limit, () => this.fail(slot, `watchdog: the run took longer than ${limit} ms of wall time`));
  }
}

/** Run every job on a fresh pool of `options.workers` threads, then close it. */
export async function runPool(jobs: readonly WorkerJob[], options: PoolOptions): Promise<WorkerReply[]> {
  if (jobs.length === 0) return [];
  const pool = new WorkerPool({ ...options, workers: Math.max(1, Math.min(options.workers, jobs.length)) });
  try {
    return await pool.run(jobs);
  } finally {
    await pool.close();
  }
}
