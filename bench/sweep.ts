/**
 * Sweep scaling: a 1,000-seed sweep of retry-storm (the default variant) on 1 and on 2 worker
 * threads; reports runs per second and the speedup. Issue 5's target: ≥ 1.7× on a 2-core machine.
 *
 * Each worker count runs in its own process, under V8's default flags as `faultline sweep` runs
 * it, on one pool that stays warm for the whole sweep. A third process runs 2 workers under
 * `--single-threaded-gc`, for comparison (`speedupSingleThreadedGc`: what the flag would give a
 * long sweep if the command still started itself again with it). This machine's speed drifts over tens of seconds,
 * which would bias two long back-to-back phases, so the seeds are split into chunks and each chunk
 * runs on every side, the order rotating, and the times are summed. The results of both
 * worker counts must be identical.
 *
 *   npx tsx bench/sweep.ts [1..1000]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseSeedRange } from '../sim/run/sweep-report.ts';

const CHILD = fileURLToPath(new URL('./sweep-child.ts', import.meta.url));

interface Side {
  workers: number;
  flags: string[];
  child: ChildProcess;
  next: () => Promise<any>;
}

function side(scenario: string, workers: number, params: Record<string, number> | undefined, flags: string[] = []): Promise<Side> {
  const child = fork(CHILD, [scenario, String(workers), params ? JSON.stringify(params) : ''], { execArgv: ['--import', 'tsx', ...flags] });
  const replies: any[] = [];
  const waiting: ((m: any) => void)[] = [];
  child.on('message', (m) => (waiting.length ? waiting.shift()!(m) : replies.push(m)));
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w({ error: `sweep bench child (${workers} workers) exited with code ${code}` });
  });
  const next = (): Promise<any> => (replies.length ? Promise.resolve(replies.shift()) : new Promise((r) => waiting.push(r)));
  return next().then(() => ({ workers, flags, child, next }));
}

async function chunk(s: Side, seeds: string): Promise<{ ms: number; cpuMs: number; report: unknown }> {
  s.child.send({ seeds });
  const m = await s.next();
  if (m.error) throw new Error(m.error);
  return m;
}

export async function benchSweep(opts: { seeds?: string; scenario?: string; chunks?: number } = {}): Promise<Record<string, number>> {
  const scenario = opts.scenario ?? (existsSync(fileURLToPath(new URL('../scenarios/retry-storm.ts', import.meta.url))) ? 'retry-storm' : 'mmc-queue');
  const seeds = parseSeedRange(opts.seeds ?? '1..1000');
  const chunks = opts.chunks ?? 10;
  const params = scenario === 'mmc-queue' ? { customers: 20_000 } : undefined;
  const size = Math.ceil(seeds.length / chunks);
  // the third side is for comparison: 2 workers, each collecting its garbage on its own thread
  const [one, two, twoSingle] = await Promise.all([side(scenario, 1, params), side(scenario, 2, params), side(scenario, 2, params, ['--single-threaded-gc'])]);
  const sides = [one, two, twoSingle];
  try {
    // warm-up: each worker loads the scenario and runs it a few dozen times (JIT, heap sizing) before timing
    const warm = seeds.slice(0, 60).map((s) => s + 1_000_000);
    for (const s of sides) await chunk(s, `${warm[0]}..${warm.at(-1)}`);
    const ms = new Map<Side, number>(sides.map((s) => [s, 0]));
    const cpuMs = new Map<Side, number>(sides.map((s) => [s, 0]));
    let identical = true;
    const perChunk: number[] = [];
    for (let c = 0; c < chunks; c++) {
      const part = seeds.slice(c * size, (c + 1) * size);
      if (part.length === 0) break;
      const spec = `${part[0]}..${part.at(-1)}`;
      // rotate and alternate the order, so no side always runs first or after the same one
      const order = sides.map((_, i) => sides[(i + c) % sides.length]!);
      if (c % 2 === 1) order.reverse();
      const results = new Map<Side, { ms: number; cpuMs: number; report: unknown }>();
      for (const s of order) results.set(s, await chunk(s, spec));
      for (const s of sides) {
        ms.set(s, ms.get(s)! + results.get(s)!.ms);
        cpuMs.set(s, cpuMs.get(s)! + results.get(s)!.cpuMs);
      }
      perChunk.push(results.get(one)!.ms / results.get(two)!.ms);
      const first = JSON.stringify(results.get(one)!.report);
      identical &&= sides.every((s) => JSON.stringify(results.get(s)!.report) === first);
    }
    const oneMs = ms.get(one)!;
    const twoMs = ms.get(two)!;
    const twoSingleMs = ms.get(twoSingle)!;
    console.log(`sweep bench: ${availableParallelism()} cores`);
    console.log(`sweep bench: speedup per chunk of ${size} seeds: ${perChunk.map((x) => x.toFixed(2)).join(' ')}`);
    const perRun = (s: Side): string => `${(ms.get(s)! / seeds.length).toFixed(1)} ms wall, ${(cpuMs.get(s)! / seeds.length).toFixed(1)} ms CPU per run`;
    console.log(`sweep bench: 1 worker ${perRun(one)}; 2 workers ${perRun(two)}; 2 workers, --single-threaded-gc ${perRun(twoSingle)}`);
    return {
      runs: seeds.length,
      oneWorkerMs: Math.round(oneMs),
      twoWorkersMs: Math.round(twoMs),
      runsPerSecOne: seeds.length / (oneMs / 1000),
      runsPerSecTwo: seeds.length / (twoMs / 1000),
      speedup: oneMs / twoMs,
      twoWorkersSingleThreadedGcMs: Math.round(twoSingleMs),
      speedupSingleThreadedGc: oneMs / twoSingleMs,
      identical: identical ? 1 : 0,
    };
  } finally {
    for (const s of sides) {
      if (s.child.connected) s.child.send({ close: true });
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(await benchSweep({ seeds: process.argv[2] }));
}
