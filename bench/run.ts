/**
 * `npm run bench`: faultline's speed, printed as figures and as ratios to the lean reference
 * kernel (../shared/reference-kernel/, run as child processes, never copied) measured in the same
 * run, since absolute figures drift ±30% between runs. Not a test: nothing here fails the suite.
 *
 *   npm run bench                  all workloads
 *   npm run bench -- kernel        only the kernel workloads (timers, M/M/1, M/M/4, fan-out, mmc-queue end to end)
 *   npm run bench -- startup       whole-process start-up against `node -e 0` (uses dist/: run `npm run build` first)
 *   npm run bench -- --reps 9      more repetitions (median reported; at least 5, alternating with the reference)
 *   npm run bench -- --reference DIR   the reference kernel's folder (default: shared/reference-kernel next to the checkout)
 *   npm run bench -- sweep-cli     faultline sweep retry-storm --seeds 1..200 from the command line, 2 workers vs 1
 *   npm run bench -- playground    in Chromium: a slider change to the redrawn views, and the longest task of 60 s of playback
 *   npm run bench -- metastable --stability-sim DIR   the metastable-retry figures, with the ratio to a stability-sim checkout
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { buildSync } from 'esbuild';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { KERNEL_WORKLOADS, type BenchFigure } from './kernel.ts';
import { run } from '../sim/index.ts';
import mmc from '../scenarios/mmc-queue.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const valueOf = (flag: string): string | undefined => {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
};
// The reference kernel: --reference DIR, or a shared/reference-kernel folder next to the checkout
// (or next to the folder of worktrees it is in).
const REF =
  valueOf('--reference') ??
  [join(root, '..', 'shared', 'reference-kernel'), join(root, '..', '..', 'shared', 'reference-kernel')].find((d) => existsSync(d)) ??
  join(root, '..', 'shared', 'reference-kernel');
const REPS = Math.max(5, Number(valueOf('--reps')) || 5);
const only = argv.filter((a, i) => !a.startsWith('--') && !['--reps', '--reference', '--stability-sim'].includes(argv[i - 1]!));
const want = (name: string): boolean => only.length === 0 || only.includes(name);

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function fmt(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} k`;
  return n.toFixed(0);
}

function referenceOnce(script: string, args: string[], field: string): number {
  const out = execFileSync(process.execPath, [join(REF, script), ...args], { encoding: 'utf8' });
  const line = JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, number>;
  return line[field]!;
}

/**
 * bench/kernel.ts compiled to plain JavaScript, once per benchmark run (esbuild, as the package's
 * build compiles the simulator): the reference runs as plain `.mjs`, and faultline's command runs
 * its build, so neither side pays for transpiling or tsx's loader hooks in the timed process.
 */
let kernelScript: string | undefined;
function kernelBench(): string {
  if (kernelScript === undefined) {
    // inside node_modules, so the bundle's packages resolve as the sources' do
    mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
    const dir = mkdtempSync(join(root, 'node_modules', '.cache', 'faultline-bench-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    buildSync({ entryPoints: [join(root, 'bench', 'kernel.ts')], bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', outdir: dir, logLevel: 'error' });
    kernelScript = join(dir, 'kernel.js');
  }
  return kernelScript;
}

/** One repetition of a faultline workload of bench/kernel.ts in a fresh process (its loop's rate). */
function oursOnce(name: string): number {
  const out = execFileSync(process.execPath, [kernelBench(), name], { encoding: 'utf8', cwd: root });
  return (JSON.parse(out.trim().split('\n').at(-1)!) as BenchFigure).perSec;
}

/**
 * faultline and the reference, alternating repetition by repetition, each repetition a fresh
 * process on both sides, timing its own loop (this machine's speed drifts over tens of seconds,
 * which would favour whichever ran in the faster minute; a warm process would favour the side
 * that reuses it); medians of each.
 */
function paired(name: string): { ours: number; ref?: number; ratio?: number } {
  const [script, args, field] = KERNEL_WORKLOADS[name]!.reference!;
  const hasRef = existsSync(join(REF, script));
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < REPS; i++) {
    a.push(oursOnce(name));
    if (hasRef) b.push(referenceOnce(script, args, field));
  }
  // the ratio is the median of the pairs' ratios (each pair ran in the same minute)
  return { ours: median(a), ref: hasRef ? median(b) : undefined, ratio: hasRef ? median(a.map((x, i) => x / b[i]!)) : undefined };
}

const rows: { workload: string; unit: string; ours: number; ref?: number; ratio?: number; target?: number; note?: string }[] = [];

console.log(`faultline benchmark · node ${process.version} · ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown cpu'}) · median of ${REPS} · load average ${loadavg()[0]!.toFixed(1)}`);
if (!existsSync(REF)) {
  console.log(`reference kernel not found at ${REF}: printing faultline's figures without ratios`);
} else {
  console.log(`reference kernel: ${REF}`);
}

if (want('kernel')) {
  const tcb = paired('timers-cb');
  const tgen = paired('timers-gen');
  rows.push({ workload: 'timers, 1,000 processes, callbacks (≈2 M events)', unit: 'events/s', ours: tcb.ours, ref: tcb.ref, ratio: tcb.ratio, target: 1.0 });
  rows.push({ workload: 'timers, 1,000 processes, generators (vs reference generators)', unit: 'events/s', ours: tgen.ours, ref: tgen.ref, ratio: tgen.ratio, target: 1.0 });
  const mm1 = paired('mm1-cb');
  rows.push({ workload: 'M/M/1, ρ = 0.8, 1 M customers, callbacks', unit: 'customers/s', ours: mm1.ours, ref: mm1.ref, ratio: mm1.ratio, target: 1.0 });
  const mm4 = paired('mm4-cb');
  rows.push({ workload: 'M/M/4, ρ = 0.8, 1 M customers, callbacks', unit: 'customers/s', ours: mm4.ours, ref: mm4.ref, ratio: mm4.ratio, target: 1.0 });
  const fan = paired('fanout-cb');
  rows.push({ workload: 'fan-out with retries, 200 k requests, callbacks', unit: 'requests/s', ours: fan.ours, ref: fan.ref, ratio: fan.ratio, target: 1.0 });
  const fanGen = paired('fanout-gen');
  rows.push({ workload: 'fan-out with retries, 200 k requests, generators (vs reference generators)', unit: 'requests/s', ours: fanGen.ours, ref: fanGen.ref, ratio: fanGen.ratio, target: 1.0 });

  // The full scenario path (runner, request stats, trace hashing of every request) against the
  // bare kernel loop of the same M/M/4 model, in alternating processes; the median of the pairs' ratios.
  const full: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < REPS; i++) {
    full.push(oursOnce('mmc-queue'));
    bare.push(oursOnce('mm4-cb'));
  }
  const e2e = median(full.map((f, i) => f / bare[i]!));
  rows.push({
    workload: 'mmc-queue scenario end to end (runner + metrics + hashed trace), 1 M',
    unit: 'customers/s',
    ours: median(full),
    note: `${e2e.toFixed(2)}× of the bare kernel loop (${fmt(median(bare))}/s); target ≥ 0.4×${e2e >= 0.4 ? ' ✓' : ' ✗'}`,
  });
}

if (want('metastable')) rows.push(...(await (await import('./metastable.ts')).benchMetastable({ reps: REPS, stabilitySim: valueOf('--stability-sim') })).rows);
if (want('startup')) rows.push(...(await import('./startup.ts')).benchStartup({ reps: REPS }).rows);

// Optional workloads contributed by other layers, loaded only when their files exist.
async function optional(file: string, fn: string, label: string, unit: string, field: string, target?: number): Promise<void> {
  const path = join(root, 'bench', file);
  if (!existsSync(path)) return;
  const mod = (await import(pathToFileURL(path).href)) as Record<string, (o?: unknown) => unknown>;
  if (typeof mod[fn] !== 'function') return;
  const r = (await mod[fn]!()) as Record<string, number>;
  const targetText = target === undefined ? undefined : unit.startsWith('speedup') ? `target ≥ ${target}×` : `target ≥ ${fmt(target)} ${unit}`;
  const met = target === undefined ? '' : r[field]! >= target ? ' ✓' : ' ✗';
  rows.push({ workload: label, unit, ours: r[field]!, note: targetText ? targetText + met : undefined });
}

if (want('network')) await optional('network.ts', 'benchNetwork', '100 nodes request/response, latency, loss, partition, trace off', 'delivered msgs/s', 'deliveredPerSec', 1_000_000);
if (want('patterns')) await optional('patterns.ts', 'benchPatterns', 'client → LB → 10 servers → db, timeouts, retries, breaker', 'requests/s', 'requestsPerSec', 300_000);
if (want('patterns')) await optional('patterns-coupled.ts', 'benchPatternsCoupled', 'the same on world nodes with coupling on (2 MiB per request, GC)', 'requests/s', 'requestsPerSec', 300_000);
if (want('sweep')) await optional('sweep.ts', 'benchSweep', 'retry-storm 1,000-seed sweep, 2 workers vs 1', 'speedup ×', 'speedup', 1.7);
if (want('sweep-cli')) rows.push(...(await import('./sweep-cli.ts')).benchSweepCli({ reps: REPS }).rows);
if (want('report')) {
  const path = join(root, 'bench', 'report.ts');
  if (existsSync(path)) {
    const mod = (await import(pathToFileURL(path).href)) as { benchReport?: (o: { reps: number }) => Promise<{ rows: { workload: string; unit: string; ours: number; note: string }[] }> };
    // bench/report.ts gives its rows with their targets and ✓/✗ (whole-process runs, Chromium).
    if (mod.benchReport) rows.push(...(await mod.benchReport({ reps: REPS })).rows);
  }
}

if (want('playground')) rows.push(...(await (await import('./playground.ts')).benchPlayground({ reps: REPS })).rows);
if (want('accuracy')) {
  // Issue 2: at 1,000,000 customers and ρ = 0.8 the mean wait is within 3% of Erlang C.
  for (const variant of ['mm1-rho-80', 'mm4-rho-80']) {
    for (const seed of [1, 2, 3]) {
      const r = run(mmc, { seed, variant, params: { customers: 1_000_000 } });
      const m = r.metrics as Record<string, number>;
      const err = ((m.waitMsMean! - m.waitMsErlangC!) / m.waitMsErlangC!) * 100;
      rows.push({ workload: `accuracy ${variant} seed ${seed}, 1 M customers`, unit: '% off Erlang C', ours: err, note: 'target |x| ≤ 3%' });
    }
  }
}

console.log('');
const w = Math.max(...rows.map((r) => r.workload.length));
console.log(`${'workload'.padEnd(w)}  ${'faultline'.padStart(10)}  ${'reference'.padStart(10)}  ${'ratio'.padStart(6)}  unit / target`);
for (const r of rows) {
  const ratio = r.ratio ?? (r.ref ? r.ours / r.ref : undefined);
  const ratioText = ratio === undefined ? '' : `${ratio.toFixed(2)}×`;
  const target = r.target === undefined ? (r.note ?? '') : r.ref ? `target ≥ ${r.target}×${ratio !== undefined && ratio >= r.target ? ' ✓' : ' ✗'}` : `target ≥ ${r.target}× of the reference: not measured (no reference kernel)`;
  const value = r.unit === 'ms' ? `${r.ours.toFixed(0)}` : r.unit.startsWith('%') ? `${r.ours.toFixed(2)}%` : r.unit === 'MB' || r.unit === '×' || r.unit.startsWith('speedup') ? r.ours.toFixed(2) : fmt(r.ours);
  console.log(`${r.workload.padEnd(w)}  ${value.padStart(10)}  ${(r.ref ? fmt(r.ref) : '').padStart(10)}  ${ratioText.padStart(6)}  ${r.unit}; ${target}`);
}
console.log(`load average at the end: ${loadavg()[0]!.toFixed(1)} (${cpus().length} cores; figures taken above about 1 per core are inflated and noisy)`);
