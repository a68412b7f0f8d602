/**
 * `run --heap-max-mb N`: the whole run command (every variant, its trace, report and other
 * outputs) executes in a worker thread whose V8 heap is capped at N MB (`resourceLimits`). A run
 * that allocates without bound ends there as "aborted by the memory watchdog" with its seed and a
 * replay command, exit 1, instead of a V8 heap abort of the process after up to a minute. Heap
 * use is not deterministic, so this is a watchdog and never a check outcome.
 *
 * The cap is V8's: it counts the JavaScript heap, not the bytes of typed arrays and buffers. So
 * this thread also watches the process's resident memory and stops the worker the same way when
 * it grows by more than twice the cap plus 128 MB (`RSS_SLACK_MB`) while the run goes.
 *
 * The worker writes through this thread's `Io` (its lines arrive as messages, in order). It
 * cannot catch signals (only the main thread can), so the temporary output files it leaves when
 * it is stopped — by the cap, or by SIGINT/SIGTERM to the process — are removed here.
 */
import { readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { MODULE_EXT, WORKER_ENTRY, workerLoaders } from '../run/loaders.ts';
import { isWorkerOutOfMemory, memoryWatchdogMessage } from '../run/pool.ts';
import { replayCommand } from '../run/runner.ts';
import type { ParamValue, Scenario } from '../run/scenario.ts';
import type { Io } from './io.ts';
import { parseIntFlag } from './args.ts';
import { isTempFileName } from './files.ts';
import { onTermination } from './termination.ts';

/** Smallest and largest `--heap-max-mb`: below 16 MB a worker cannot start; above 1 TB is no cap. */
export const HEAP_MAX_MB_RANGE = [16, 1_048_576] as const;

/** `--heap-max-mb N` of sweep and run, or undefined. */
export function heapMaxMbFlag(flags: Record<string, unknown>): number | undefined {
  return flags['heap-max-mb'] !== undefined ? parseIntFlag('heap-max-mb', flags['heap-max-mb'] as string, ...HEAP_MAX_MB_RANGE) : undefined;
}

/** What the worker thread is given: the run command's arguments and how to write. */
export interface HeapWorkerData {
  argv: readonly string[];
  isTTY: boolean;
  color: boolean;
  columns: number | undefined;
}

/** A message from the worker: a piece of output, or the command's exit code. */
export type HeapWorkerMessage = { stream: 'stdout' | 'stderr'; text: string } | { exit: number };

export interface CappedRun {
  argv: readonly string[];
  heapMb: number;
  scenario: Scenario<any>;
  scenarioRef: string;
  seed: number | string;
  variants: readonly string[];
  params: Record<string, ParamValue>;
  faultsFile?: string;
  budgets: Record<string, number>;
  /** The output files the command may write (their temporary files are cleaned up here). */
  outputs: readonly string[];
}

/** Resident memory the process may gain besides twice the cap (V8's code, young generation, the worker's own start). */
export const RSS_SLACK_MB = 128;
/** How often the resident memory is looked at, in ms. */
const RSS_POLL_MS = 50;

/** Remove the temporary files beside `targets` that this process (so its worker) created. */
function removeOwnTempFiles(targets: readonly string[]): void {
  for (const target of targets) {
    const dir = dirname(target);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (isTempFileName(name, basename(target)) && name.includes(`.${process.pid}.`)) rmSync(join(dir, name), { force: true });
    }
  }
}

/** Run the command in a heap-capped worker; resolves with its exit code. */
export function runInHeapCappedWorker(o: CappedRun, io: Io): Promise<number> {
  const data: HeapWorkerData = { argv: o.argv, isTTY: io.isTTY, color: Boolean(io.color), columns: process.stdout.columns };
  const worker = new Worker(WORKER_ENTRY, {
    workerData: { loaders: workerLoaders(), body: new URL(`./heap-worker${MODULE_EXT}`, import.meta.url).href, command: data },
    resourceLimits: { maxOldGenerationSizeMb: o.heapMb },
  });
  const cleanup = onTermination(() => removeOwnTempFiles(o.outputs));
  const rssLimit = process.memoryUsage.rss() + (2 * o.heapMb + RSS_SLACK_MB) * 2 ** 20;
  return new Promise<number>((resolve) => {
    let code: number | undefined;
    let failure: unknown;
    let outside = false;
    const poll = setInterval(() => {
      if (process.memoryUsage.rss() <= rssLimit) return;
      outside = true;
      void worker.terminate();
    }, RSS_POLL_MS);
    worker.on('message', (m: HeapWorkerMessage) => {
      if ('exit' in m) code = m.exit;
      else (m.stream === 'stdout' ? io.stdout : io.stderr)(m.text);
    });
    worker.on('error', (err) => (failure = err));
    worker.on('exit', () => {
      clearInterval(poll);
      cleanup();
      if (code !== undefined) return resolve(code);
      removeOwnTempFiles(o.outputs);
      const which = o.variants.length === 1 ? `variant ${o.variants[0]}` : `one of variants ${o.variants.join(', ')}`;
      const what = `run ${o.scenario.name} (${which}, seed ${o.seed})`;
      if (isWorkerOutOfMemory(failure) || outside) {
        const replay = replayCommand(o.scenario, { seed: o.seed, variant: o.variants[0]!, params: o.params, faultsFile: o.faultsFile, scenarioRef: o.scenarioRef, budgets: o.budgets });
        const message = outside
          ? `aborted by the memory watchdog: the process's resident memory grew by more than ${2 * o.heapMb + RSS_SLACK_MB} MB (twice --heap-max-mb ${o.heapMb}, plus ${RSS_SLACK_MB}: memory outside the JavaScript heap, such as typed arrays; not an outcome of the run)`
          : memoryWatchdogMessage(o.heapMb);
        io.stderr(`faultline: ${what} ${message}\n  replay: ${replay} --heap-max-mb ${o.heapMb}\n`);
      } else {
        const why = failure instanceof Error ? `${failure.name}: ${failure.message}` : 'it exited before the run finished';
        io.stderr(`faultline: ${what}: the worker thread under --heap-max-mb ${o.heapMb} failed (${why.split('\n')[0]})\n`);
      }
      resolve(1);
    });
  });
}
