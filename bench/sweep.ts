/**
 * Sweep scaling: the same 1,000-seed sweep of retry-storm (every variant's default design) on 1
 * and on 2 worker threads; reports runs per second and the speedup. Issue 5's target: ≥ 1.7× on a
 * 2-core machine. Results are also compared: they must be identical whatever the worker count.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runSweep } from '../sim/cli/sweep-command.ts';

export async function benchSweep(opts: { seeds?: string; scenario?: string } = {}): Promise<Record<string, number>> {
  const scenario = opts.scenario ?? (existsSync(fileURLToPath(new URL('../scenarios/retry-storm.ts', import.meta.url))) ? 'retry-storm' : 'mmc-queue');
  const seeds = opts.seeds ?? '1..1000';
  const params = scenario === 'mmc-queue' ? { customers: 20_000 } : undefined;
  const timed = async (workers: number) => {
    const t0 = performance.now();
    const report = await runSweep({ scenarioRef: scenario, seeds, workers, params });
    return { ms: performance.now() - t0, report };
  };
  const one = await timed(1);
  const two = await timed(2);
  const identical = JSON.stringify(one.report) === JSON.stringify(two.report);
  const runs = one.report.runs.length;
  return {
    runs,
    oneWorkerMs: Math.round(one.ms),
    twoWorkersMs: Math.round(two.ms),
    runsPerSecOne: runs / (one.ms / 1000),
    runsPerSecTwo: runs / (two.ms / 1000),
    speedup: one.ms / two.ms,
    identical: identical ? 1 : 0,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchSweep({ seeds: process.argv[2] }));
}
