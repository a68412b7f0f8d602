/**
 * A sweep end to end from the command line, as a user runs it: `faultline sweep retry-storm
 * --seeds 1..200` on 1 and on 2 workers, each a whole process (start-up, the relaunch with the
 * sweep's V8 flags, workers loading the simulator, the runs, the report), alternating repetition by
 * repetition; the figure is the median of the per-repetition speedups (1-worker time / 2-worker
 * time). bench/sweep.ts measures the same on a warm pool inside one process. The load average is
 * printed: on a shared 2-core machine other work takes the second core from the second worker.
 *
 *   npx tsx bench/sweep-cli.ts [--reps N] [--seeds 1..200]
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadText, processMs, staleBuild, type StartupRow } from './startup.ts';

const CLI = join(fileURLToPath(new URL('..', import.meta.url)), 'bin', 'faultline.mjs');

function median(xs: readonly number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export function benchSweepCli(opts: { reps?: number; seeds?: string } = {}): { rows: StartupRow[] } {
  const reps = Math.max(5, opts.reps ?? 5);
  const seeds = opts.seeds ?? '1..200';
  const stale = staleBuild();
  if (stale) console.log(`sweep-cli: ${stale}; the figures time the sources under tsx`);
  const sweep = (workers: number): number => processMs([CLI, 'sweep', 'retry-storm', '--seeds', seeds, '--workers', String(workers)]);
  const before = loadText();
  sweep(2); // warm the file cache
  const one: number[] = [];
  const two: number[] = [];
  const speedup: number[] = [];
  for (let i = 0; i < reps; i++) {
    // alternate which side goes first
    let a: number;
    let b: number;
    if (i % 2 === 0) {
      a = sweep(1);
      b = sweep(2);
    } else {
      b = sweep(2);
      a = sweep(1);
    }
    one.push(a);
    two.push(b);
    speedup.push(a / b);
  }
  const s = median(speedup);
  return {
    rows: [
      {
        workload: `faultline sweep retry-storm --seeds ${seeds}, whole process, 2 workers vs 1`,
        unit: 'speedup ×',
        ours: s,
        note: `target ≥ 1.7× ${s >= 1.7 ? '✓' : '✗'} (1 worker ${(median(one) / 1000).toFixed(2)} s, 2 workers ${(median(two) / 1000).toFixed(2)} s; ${before} before, ${loadText()} after)`,
      },
    ],
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const flag = (f: string) => (process.argv.includes(f) ? process.argv[process.argv.indexOf(f) + 1] : undefined);
  for (const r of benchSweepCli({ reps: Number(flag('--reps')) || 5, seeds: flag('--seeds') }).rows) console.log(`${r.workload}: ${r.ours.toFixed(2)}× — ${r.note}`);
}
