/**
 * Sweep scaling: a 1,000-seed sweep of retry-storm (the default variant) on 1 and on 2 worker
 * threads; reports runs per second and the speedup. Issue 5's target: ≥ 1.7× on a 2-core machine.
 *
 * Each worker count runs as `faultline sweep` would run it: in its own process, started with the
 * V8 flags the command uses for that many workers on this machine (`sweepProcessFlags`), on one
 * pool that stays warm for the whole sweep. This machine's speed drifts over tens of seconds,
 * which would bias two long back-to-back phases, so the seeds are split into chunks and each chunk
 * runs on 1 and on 2 workers, the order alternating, and the times are summed. The results of both
 * worker counts must be identical.
 *
 *   npx tsx bench/sweep.ts [1..1000]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { sweepProcessFlags } from '../sim/run/pool.ts';
import { parseSeedRange } from '../sim/run/sweep-report.ts';

const CHILD = fileURLToPath(new URL('./sweep-child.ts', import.meta.url));

interface Side {
  workers: number;
  flags: string[];
  child: ChildProcess;
  next: () => Promise<any>;
}

function side(scenario: string, workers: number, params: Record<string, number> | undefined): Promise<Side> {
  const flags = sweepProcessFlags(workers, availableParallelism());
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

async function chunk(s: Side, seeds: string): Promise<{ ms: number; report: unknown }> {
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
  const [one, two] = await Promise.all([side(scenario, 1, params), side(scenario, 2, params)]);
  try {
    // warm-up: each worker loads the scenario and runs it a few times (JIT) before timing
    const warm = seeds.slice(0, 20).map((s) => s + 1_000_000);
    for (const s of [one, two]) await chunk(s, `${warm[0]}..${warm.at(-1)}`);
    let oneMs = 0;
    let twoMs = 0;
    let identical = true;
    const perChunk: number[] = [];
    for (let c = 0; c < chunks; c++) {
      const part = seeds.slice(c * size, (c + 1) * size);
      if (part.length === 0) break;
      const spec = `${part[0]}..${part.at(-1)}`;
      const order = c % 2 === 0 ? [one, two] : [two, one];
      const results = new Map<Side, { ms: number; report: unknown }>();
      for (const s of order) results.set(s, await chunk(s, spec));
      oneMs += results.get(one)!.ms;
      twoMs += results.get(two)!.ms;
      perChunk.push(results.get(one)!.ms / results.get(two)!.ms);
      identical &&= JSON.stringify(results.get(one)!.report) === JSON.stringify(results.get(two)!.report);
    }
    console.log(`sweep bench: 1 worker with V8 flags [${one.flags.join(' ')}], 2 workers with [${two.flags.join(' ')}] (${availableParallelism()} cores)`);
    console.log(`sweep bench: speedup per chunk of ${size} seeds: ${perChunk.map((x) => x.toFixed(2)).join(' ')}`);
    return {
      runs: seeds.length,
      oneWorkerMs: Math.round(oneMs),
      twoWorkersMs: Math.round(twoMs),
      runsPerSecOne: seeds.length / (oneMs / 1000),
      runsPerSecTwo: seeds.length / (twoMs / 1000),
      speedup: oneMs / twoMs,
      identical: identical ? 1 : 0,
    };
  } finally {
    for (const s of [one, two]) {
      if (s.child.connected) s.child.send({ close: true });
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(await benchSweep({ seeds: process.argv[2] }));
}
