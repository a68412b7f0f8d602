/**
 * Whole-process start-up: `faultline` commands as a user types them, each timed as a child
 * process and alternated repetition by repetition with `node -e 0` (Node's bare start-up), so the
 * machine's drift hits both sides alike. The figure is the median of the per-repetition ratios.
 * Each row also gives the median ratio of CPU times (user + system, from /proc on Linux), which a
 * shared machine disturbs less than wall time; the verdict is on wall time, as the target says.
 * The command runs `dist/` only when the build is current (bin/faultline.mjs): a stale build is
 * reported, since the figures would then time tsx transpiling the sources.
 *
 *   npx tsx bench/startup.ts [--reps N]
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(root, 'bin', 'faultline.mjs');

export interface StartupRow {
  workload: string;
  unit: string;
  ours: number;
  note: string;
}

function median(xs: readonly number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** CPU time (user + system) of this process's waited-for children so far, ms; NaN off Linux. */
function childCpuMs(): number {
  try {
    // fields 16 and 17 of /proc/self/stat (after the command name in parentheses): cutime, cstime
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100; // clock ticks of 1/100 s
  } catch {
    return NaN;
  }
}

/** CPU time of the last child `processMs` ran, ms (10 ms resolution; NaN off Linux). */
export let lastProcessCpuMs = NaN;

/** Wall time of one child process, ms (its CPU time: `lastProcessCpuMs`). */
export function processMs(args: readonly string[]): number {
  const c0 = childCpuMs();
  const t0 = performance.now();
  execFileSync(process.execPath, args, { stdio: 'ignore', cwd: root });
  const wall = performance.now() - t0;
  lastProcessCpuMs = childCpuMs() - c0;
  return wall;
}

/** The newest modification time under `dir`, ms since the epoch. */
function newestMs(dir: string): number {
  let t = statSync(dir).mtimeMs;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMs(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Why the command would run the sources instead of dist/, or null when the build is current. */
export function staleBuild(): string | null {
  const stamp = statSync(join(root, 'dist', '.build-stamp'), { throwIfNoEntry: false });
  if (stamp === undefined) return 'no build in dist/ (run npm run build)';
  const newer = ['sim', 'scenarios', 'viz'].filter((d) => newestMs(join(root, d)) > stamp.mtimeMs);
  return newer.length ? `dist/ is older than ${newer.join(', ')} (run npm run build)` : null;
}

/** Load average now, for the record: this machine is shared. */
export function loadText(): string {
  return `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;
}

/**
 * `commands`: label, faultline arguments, and the largest ratio to `node -e 0` allowed (or none).
 * Returns one row per command: median wall time and median ratio with its verdict.
 */
export function benchStartup(opts: { reps?: number } = {}): { rows: StartupRow[] } {
  const reps = Math.max(5, opts.reps ?? 5);
  const stale = staleBuild();
  if (stale) console.log(`startup: ${stale}; the figures below time the sources under tsx`);
  const commands: [string, string[], number | undefined][] = [
    ['faultline run mmc-queue --param customers=1000', ['run', 'mmc-queue', '--param', 'customers=1000'], 2.5],
    ['faultline list', ['list'], 2.5],
    ['faultline run retry-storm', ['run', 'retry-storm'], undefined],
  ];
  const before = loadText();
  // one warm-up of each, so the first repetition does not pay for cold file caches
  processMs(['-e', '0']);
  for (const [, args] of commands) processMs([CLI, ...args]);
  const node: number[] = [];
  const times = commands.map(() => [] as number[]);
  const ratios = commands.map(() => [] as number[]);
  const cpuRatios = commands.map(() => [] as number[]);
  for (let i = 0; i < reps; i++) {
    commands.forEach(([, args], j) => {
      const n = processMs(['-e', '0']);
      const nCpu = lastProcessCpuMs;
      const t = processMs([CLI, ...args]);
      if (j === 0) node.push(n);
      times[j]!.push(t);
      ratios[j]!.push(t / n);
      cpuRatios[j]!.push(lastProcessCpuMs / nCpu);
    });
  }
  const rows: StartupRow[] = [
    { workload: 'whole process: node -e 0 (Node’s bare start-up)', unit: 'ms', ours: median(node), note: `${before} before, ${loadText()} after` },
  ];
  commands.forEach(([label, , target], j) => {
    const r = median(ratios[j]!);
    const verdict = target === undefined ? '' : `; target ≤ ${target}× ${r <= target ? '✓' : '✗'}`;
    const cpu = median(cpuRatios[j]!);
    const cpuText = Number.isFinite(cpu) ? ` (CPU time ${cpu.toFixed(2)}×)` : '';
    rows.push({ workload: `whole process: ${label}`, unit: 'ms', ours: median(times[j]!), note: `${r.toFixed(2)}× node -e 0${cpuText}${verdict}` });
  });
  return { rows };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--reps');
  for (const r of benchStartup({ reps: i > 0 ? Number(process.argv[i + 1]) : 5 }).rows) console.log(`${r.workload.padEnd(64)} ${r.ours.toFixed(0).padStart(6)} ${r.unit}  ${r.note}`);
}
