/**
 * A small pool of worker threads for sweeps. Each worker runs one job at a time (jobs are whole
 * runs, milliseconds to seconds long, so message overhead does not matter). A worker that
 * crashes, exits or overruns the wall-clock watchdog is replaced; its job is reported as failed
 * with its seed and the error, and the rest of the sweep goes on. Wall-clock limits abort a
 * worker; they never change what a run computes.
 *
 * A `WorkerPool` can run several batches of jobs one after the other with the same (warm)
 * workers; `runPool` is the one-shot form.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { startWatchdog } from './host-clock.ts';
import type { WorkerJob, WorkerReply } from './worker.ts';

const ENTRY = fileURLToPath(new URL('./worker-entry.mjs', import.meta.url));

export interface PoolOptions {
  workers: number;
  /** Abort a job (and replace its worker) after this much wall time; 0 = no watchdog. */
  watchdogMs?: number;
  /** Called after each finished job with (done, total) of the current batch. */
  onProgress?: (done: number, total: number) => void;
  /** Per-worker heap limit in MB (a run that blows it is reported as failed, not fatal). */
  maxOldGenerationSizeMb?: number;
}

interface Slot {
  worker: Worker;
  job: WorkerJob | null;
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
      const slot: Slot = { worker: null as unknown as Worker, job: null, disarm: null };
      slot.worker = this.spawn(slot);
      this.slots.push(slot);
    }
  }

  get size(): number {
    return this.slots.length;
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
    const w = new Worker(ENTRY, {
      resourceLimits: this.options.maxOldGenerationSizeMb ? { maxOldGenerationSizeMb: this.options.maxOldGenerationSizeMb } : undefined,
    });
    w.on('message', (reply: WorkerReply) => this.finish(slot, reply));
    w.on('error', (err) => this.fail(slot, `worker crashed: ${err instanceof Error ? err.message : String(err)}`));
    w.on('exit', (code) => {
      if (!this.closed && slot.worker === w) this.fail(slot, `worker exited with code ${code}`);
    });
    return w;
  }

  private finish(slot: Slot, reply: WorkerReply): void {
    slot.disarm?.();
    slot.disarm = null;
    slot.job = null;
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
      return;
    }
    this.dispatch(slot);
  }

  private fail(slot: Slot, message: string): void {
    const job = slot.job;
    slot.job = null;
    slot.disarm?.();
    slot.disarm = null;
    const old = slot.worker;
    old.removeAllListeners();
    void old.terminate();
    if (this.closed) return;
    slot.worker = this.spawn(slot);
    if (job) this.finish(slot, { id: job.id, ok: false, error: message, errorName: 'WorkerCrash' });
    else this.dispatch(slot);
  }

  private dispatch(slot: Slot): void {
    const b = this.batch;
    if (b === null || b.next >= b.jobs.length || slot.job !== null) return;
    const job = b.jobs[b.next++]!;
    slot.job = job;
    if (this.options.watchdogMs && this.options.watchdogMs > 0) {
      const limit = this.options.watchdogMs;
      slot.disarm = startWatchdog(limit, () => this.fail(slot, `watchdog: the run took longer than ${limit} ms of wall time`));
    }
    slot.worker.postMessage(job);
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
