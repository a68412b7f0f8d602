/**
 * Sweep scaling: a 1,000-seed sweep of retry-storm (the default variant) on 1 and on 2 worker
 * threads; reports runs per second and the speedup. Issue 5's target: ≥ 1.7× on a 2-core machine.
 *
 * This machine's speed drifts over tens of seconds, which would bias two long back-to-back
 * phases; so the seeds are split into chunks and each chunk runs on 1 and on 2 workers, the order
 * alternating, and the times are summed. Both pools are started (and warmed up) once and kept,
 * as in one long sweep. The results of both worker counts must be identical.
 *
 *   npx tsx bench/sweep.ts [1..1000]
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runSweep } from '../sim/cli/sweep-command.ts';
import { WorkerPool } from '../sim/run/pool.ts';
import { parseSeedRange } from '../sim/run/sweep-report.ts';

export async function benchSweep(opts: { seeds?: string; scenario?: string; chunks?: number } = {}): Promise<Record<string, number>> {
  const scenario = opts.scenario ?? (existsSync(fileURLToPath(new URL('../scenarios/retry-storm.ts', import.meta.url))) ? 'retry-storm' : 'mmc-queue');
  const seeds = parseSeedRange(opts.seeds ?? '1..1000');
  const chunks = opts.chunks ?? 5;
  const params = scenario === 'mmc-queue' ? { customers: 20_000 } : undefined;
  const size = Math.ceil(seeds.length / chunks);
  let oneMs = 0;
  let twoMs = 0;
  let identical = true;
  const pools: Record<number, WorkerPool> = { 1: new WorkerPool({ workers: 1 }), 2: new WorkerPool({ workers: 2 }) };
  // warm-up: each worker loads the scenario and runs it a few times (JIT) before timing
  const warm = seeds.slice(0, 4).map((s) => s + 1_000_000);
  for (const w of [1, 2]) await runSweep({ scenarioRef: scenario, seeds: `${warm[0]}..${warm.at(-1)}`, params, pool: pools[w] });
  for (let c = 0; c < chunks; c++) {
    const part = seeds.slice(c * size, (c + 1) * size);
    if (part.length === 0) break;
    const spec = `${part[0]}..${part.at(-1)}`;
    const timed = async (workers: number) => {
      const t0 = performance.now();
      const report = await runSweep({ scenarioRef: scenario, seeds: spec, params, pool: pools[workers] });
      return { ms: performance.now() - t0, report };
    };
    const order = c % 2 === 0 ? [1, 2] : [2, 1];
    const results: Record<number, Awaited<ReturnType<typeof timed>>> = {};
    for (const w of order) results[w] = await timed(w);
    oneMs += results[1]!.ms;
    twoMs += results[2]!.ms;
    identical &&= JSON.stringify(results[1]!.report) === JSON.stringify(results[2]!.report);
  }
  await Promise.all([pools[1]!.close(), pools[2]!.close()]);
  return {
    runs: seeds.length,
    oneWorkerMs: Math.round(oneMs),
    twoWorkersMs: Math.round(twoMs),
    runsPerSecOne: seeds.length / (oneMs / 1000),
    runsPerSecTwo: seeds.length / (twoMs / 1000),
    speedup: oneMs / twoMs,
    identical: identical ? 1 : 0,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(await benchSweep({ seeds: process.argv[2] }));
}
