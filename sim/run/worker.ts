/**
 * The body of a run worker (started through `worker-entry.mjs`). It receives run jobs, runs them
 * with the same pure runner as the main thread and posts back compact results. A job that throws
 * is answered with its error; the worker stays alive for the next job.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { isScenario, type Scenario } from './scenario.ts';
import { runDetailed, type RunResult } from './runner.ts';
import type { TraceRecord } from '../observe/trace.ts';
import type { PriceTable } from '../world/cost.ts';
import '../faults/register.ts';

export interface WorkerJob {
  id: number;
  /** Absolute path of the scenario module. */
  scenarioFile: string;
  scenarioRef: string;
  seed: number | string;
  variant: string;
  params?: Record<string, number | boolean | string>;
  faults?: unknown;
  faultsFile?: string;
  budgets?: Record<string, number>;
  /** The cost model's price table (`--prices`), already validated. */
  prices?: PriceTable;
  /** The file it came from, for the replay line. */
  pricesFile?: string;
  /** Alerting data (`--rules`, parsed) and the file it came from. */
  alerting?: Record<string, unknown>;
  rulesFile?: string;
  /** Send back the run's trace records too (full level; `run --verify` looking for where two runs part). */
  keepRecords?: boolean;
}

export type WorkerReply =
  | { id: number; ok: true; result: RunResult; records?: readonly TraceRecord[] }
  | { id: number; ok: false; error: string; errorName: string };

/** Scenario modules by file, loading or loaded (a failed import fails every job that needs it, each with the error). */
const cache = new Map<string, Promise<Scenario<any>>>();

function scenarioAt(file: string): Promise<Scenario<any>> {
  let s = cache.get(file);
  if (!s) {
    s = import(pathToFileURL(file).href).then((mod: { default?: unknown }) => {
      if (!isScenario(mod.default)) throw new Error(`${file}: the default export is not a scenario`);
      return mod.default;
    });
    cache.set(file, s);
  }
  return s;
}

// The pool names the sweep's scenario when it starts the worker: load it now, before the first job.
const preload = (workerData as { preload?: unknown } | null)?.preload;
if (typeof preload === 'string') scenarioAt(preload).catch(() => undefined);

// The pool sends the next job while this one runs: run them one at a time, in order.
let queue: Promise<void> = Promise.resolve();
parentPort!.on('message', (job: WorkerJob) => {
  queue = queue.then(() => answer(job));
});

async function answer(job: WorkerJob): Promise<void> {
  let reply: WorkerReply;
  try {
    const scenario = await scenarioAt(job.scenarioFile);
    const art = runDetailed(scenario, {
      seed: job.seed,
      variant: job.variant,
      params: job.params,
      faults: job.faults as never,
      budgets: job.budgets,
      prices: job.prices,
      alerting: job.alerting,
      replay: { scenarioRef: job.scenarioRef, faultsFile: job.faultsFile, pricesFile: job.pricesFile, rulesFile: job.rulesFile },
      ...(job.keepRecords ? { traceLevel: 'full' as const } : {}),
    });
    reply = { id: job.id, ok: true, result: art.result, ...(job.keepRecords ? { records: art.records } : {}) };
  } catch (err) {
    reply = {
      id: job.id,
      ok: false,
      error: err instanceof Error ? err.message : String(err),
      errorName: err instanceof Error ? err.name : 'Error',
    };
  }
  parentPort!.postMessage(reply);
}
