/**
 * A small pool of worker threads for sweeps. Each worker runs one job at a time (jobs are whole
 * runs, seconds long, so message overhead does not matter). A worker that crashes, exits or
 * overruns the wall-clock watchdog is replaced; its job is reported as failed with its seed and
 * the error, and the rest of the sweep goes on. Wall-clock limits abort a worker; they never
 * change what a run computes.
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
  /** Called after each finished job with (done, total). */
  onProgress?: (done: number, total: number) => void;
  /** Per-worker heap limit in MB (a run that blows it is reported as failed, not fatal). */
  maxOldGenerationSizeMb?: number;
}

interface Slot {
  worker: Worker;
  job: WorkerJob | null;
  disarm: (() => void) | null;
}

/** Run every job; resolves with one reply per job, in job order. Never rejects for a job's failure. */
export function runPool(jobs: readonly WorkerJob[], options: PoolOptions): Promise<WorkerReply[]> {
  const total = jobs.length;
  const replies = new Array<WorkerReply | undefined>(total);
  const index = new Map(jobs.map((j, i) => [j.id, i]));
  let next = 0;
  let done = 0;
  const workers = Math.max(1, Math.min(options.workers, total || 1));

  return new Promise((resolve) => {
    if (total === 0) {
      resolve([]);
      return;
    }
    const slots: Slot[] = [];

    const finish = (slot: Slot, reply: WorkerReply): void => {
      slot.disarm?.();
      slot.disarm = null;
      slot.job = null;
      const i = index.get(reply.id);
      if (i !== undefined && replies[i] === undefined) {
        replies[i] = reply;
        done++;
        options.onProgress?.(done, total);
      }
      if (done === total) {
        for (const s of slots) void s.worker.terminate();
        resolve(replies as WorkerReply[]);
        return;
      }
      dispatch(slot);
    };

    const fail = (slot: Slot, message: string): void => {
      const job = slot.job;
      slot.job = null;
      slot.disarm?.();
      slot.disarm = null;
      const old = slot.worker;
      old.removeAllListeners();
      void old.terminate();
      slot.worker = spawn(slot);
      if (job) finish(slot, { id: job.id, ok: false, error: message, errorName: 'WorkerCrash' });
      else dispatch(slot);
    };

    const spawn = (slot: Slot): Worker => {
      const w = new Worker(ENTRY, {
        resourceLimits: options.maxOldGenerationSizeMb ? { maxOldGenerationSizeMb: options.maxOldGenerationSizeMb } : undefined,
      });
      w.on('message', (reply: WorkerReply) => finish(slot, reply));
      w.on('error', (err) => fail(slot, `worker crashed: ${err instanceof Error ? err.message : String(err)}`));
      w.on('exit', (code) => {
        if (done < total && slot.worker === w) fail(slot, `worker exited with code ${code}`);
      });
      return w;
    };

    const dispatch = (slot: Slot): void => {
      if (next >= total) return;
      const job = jobs[next++]!;
      slot.job = job;
      if (options.watchdogMs && options.watchdogMs > 0) {
        const limit = options.watchdogMs;
        slot.disarm = startWatchdog(limit, () => fail(slot, `watchdog: the run took longer than ${limit} ms of wall time`));
      }
      slot.worker.postMessage(job);
    };

    for (let i = 0; i < workers; i++) {
      const slot: Slot = { worker: null as unknown as Worker, job: null, disarm: null };
      slot.worker = spawn(slot);
      slots.push(slot);
    }
    for (const s of slots) dispatch(s);
  });
}
