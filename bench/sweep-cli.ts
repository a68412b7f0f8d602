/**
 * A sweep end to end from the command line, as a user runs it: `faultline sweep retry-storm
 * --seeds 1..200` on 1 and on 2 workers, each a whole process (start-up, workers loading the
 * simulator, the runs, the report), alternating repetition by
 * repetition; the figure is the median of the per-repetition speedups (1-worker time / 2-worker
 * time). bench/sweep.ts measures the same on a warm pool inside one process. The load average is
 * printed: on a shared 2-core machine other work takes the second core from the second worker.
 *
 *   npx tsx bench/sweep-cli.ts [--reps N] [--seeds 1..200]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadText, processMs, staleBuild, type StartupRow } from './startup.ts';

const TIME = '/usr/bin/time';

/**
 * Wall time, and CPU time of the process and its children (user + system, from GNU time when the
 * machine has it, else NaN): on a loaded machine the CPU time still tells whether two workers do
 * more work than one.
 */
function timed(args: readonly string[]): { wallMs: number; cpuMs: number } {
  if (!existsSync(TIME)) return { wallMs: processMs(args), cpuMs: NaN };
  const t0 = performance.now();
  const r = spawnSync(TIME, ['-f', '%U %S', process.execPath, ...args], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-400)}`);
  const [user, sys] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { wallMs, cpuMs: (user! + sys!) * 1000 };
}

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
  const sweep = (workers: number) => timed([CLI, 'sweep', 'retry-storm', '--seeds', seeds, '--workers', String(workers)]);
  const before = loadText();
  sweep(2); // warm the file cache
  const one: { wallMs: number; cpuMs: number }[] = [];
  const two: { wallMs: number; cpuMs: number }[] = [];
  for (let i = 0; i < reps; i++) {
    // alternate which side goes first
    if (i % 2 === 0) {
      one.push(sweep(1));
      two.push(sweep(2));
    } else {
      two.push(sweep(2));
      one.push(sweep(1));
    }
  }
  const s = median(one.map((a, i) => a.wallMs / two[i]!.wallMs));
  const wall = (xs: typeof one) => (median(xs.map((x) => x.wallMs)) / 1000).toFixed(2);
  const cpu = (xs: typeof one) => (median(xs.map((x) => x.cpuMs)) / 1000).toFixed(2);
  return {
    rows: [
      {
        workload: `faultline sweep retry-storm --seeds ${seeds}, whole process, 2 workers vs 1`,
        unit: 'speedup ×',
        ours: s,
        note: `target ≥ 1.7× ${s >= 1.7 ? '✓' : '✗'} (wall: 1 worker ${wall(one)} s, 2 workers ${wall(two)} s; CPU: ${cpu(one)} s and ${cpu(two)} s; ${before} before, ${loadText()} after)`,
      },
    ],
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const flag = (f: string) => (process.argv.includes(f) ? process.argv[process.argv.indexOf(f) + 1] : undefined);
  for (const r of benchSweepCli({ reps: Number(flag('--reps')) || 5, seeds: flag('--seeds') }).rows) console.log(`${r.workload}: ${r.ours.toFixed(2)}× — ${r.note}`);
}
