/**
 * Report benchmark (`npm run bench -- report`, or `npx tsx bench/report.ts`). Every figure is a
 * median of `reps` repetitions (default 5), runs with and without a report alternating, printed
 * with its target and ✓/✗. Not a test: nothing here fails the suite.
 *
 * 1. A long run, whole process from the CLI: `faultline run retry-storm --param durationMs=2000000`
 *    with and without `--report`: peak RSS (target: with ≤ 1.5× without) and wall time (target:
 *    with ≤ 1.5× without: writing the report is cheap).
 * 2. That report: size (target < 5 MB) and time until drawn in Chromium, from navigation to the
 *    viewer's `data-ready` (target < 2 s).
 * 3. `--all-variants` on a run a quarter as long (four variants): peak RSS with a report ≤ 1.5×
 *    without (a variant's report data is bounded, and no trace is kept).
 * 4. A run of 1,000,000 requests with about 50,000 traced messages (a fixture scenario defined
 *    here), folded and written in process: size (target < 15 MB) and time to drawn (< 3 s).
 *
 * Peak RSS comes from the child itself (`process.resourceUsage().maxRSS` at exit, through a small
 * preload), so it is the CLI's own high-water mark.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { defineScenario, runDetailed, serializeFaultPlan, type FaultEntry, type TraceRecord } from '../sim/index.ts';
import { RunFold, buildRunView, reportData, writeReportData } from '../viz/index.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(root, 'bin', 'faultline.mjs');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface BenchRow {
  workload: string;
  unit: string;
  ours: number;
  /** The target and whether it was met: "target ≤ 1.5× ✓". */
  note: string;
}

export interface BenchReportOptions {
  /** Repetitions per figure (default 5, at least 1). */
  reps?: number;
  /** Simulated length of the long run (default 2,000,000 ms). */
  longDurationMs?: number;
  /** Requests in the in-process run (default 1,000,000). */
  requests?: number;
  /** Where reports go (default .bench/, gitignored). */
  dir?: string;
  /** Progress lines (default: to stderr). */
  log?: (line: string) => void;
}

export interface BenchReportFigures {
  rows: BenchRow[];
  /** The 1 M-request figures, as earlier versions of this benchmark returned them. */
  sizeMB: number;
  renderMs: number | null;
}

function median(xs: readonly number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function check(value: number, target: number, unit: string, below: 'max' | 'under'): string {
  const ok = below === 'max' ? value <= target : value < target;
  return `target ${below === 'max' ? '≤' : '<'} ${target}${unit} ${ok ? '✓' : '✗'}`;
}

/** One CLI run in a child process: its wall time and peak RSS. */
function cli(args: string[], dir: string): { wallMs: number; rssMB: number } {
  const preload = join(dir, 'maxrss.mjs');
  const out = join(dir, `maxrss-${process.pid}.txt`);
  if (!existsSync(preload)) {
    writeFileSync(preload, "import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(process.env.FAULTLINE_BENCH_RSS, String(process.resourceUsage().maxRSS)));\n");
  }
  rmSync(out, { force: true });
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(preload).href, BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, FAULTLINE_BENCH_RSS: out, NO_COLOR: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallMs = performance.now() - t0;
  if (r.status !== 0 && r.status !== 1) throw new Error(`faultline ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(0, 500)}`);
  return { wallMs, rssMB: Number(readFileSync(out, 'utf8')) / 1024 };
}

/** Median time from navigation to `data-ready` over `reps` fresh loads (null without Chromium). */
async function drawnMs(file: string, reps: number): Promise<number | null> {
  if (!existsSync(CHROMIUM)) return null;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector('html[data-ready]', { timeout: 60_000 });
      times.push(Number(await page.evaluate(() => document.documentElement.getAttribute('data-ready-ms'))));
      if (errors.length) throw new Error(`the report failed in Chromium: ${errors.join('; ')}`);
      await page.close();
    }
    return median(times);
  } finally {
    await browser.close();
  }
}

export async function benchReport(opts: BenchReportOptions = {}): Promise<BenchReportFigures> {
  const reps = Math.max(1, opts.reps ?? 5);
  const dir = resolve(opts.dir ?? join(root, '.bench'));
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  mkdirSync(dir, { recursive: true });
  const rows: BenchRow[] = [];
  const durationMs = opts.longDurationMs ?? 2_000_000;

  // 1 and 2: the long run, with and without a report, alternating.
  const long = join(dir, 'long.html');
  const base = ['run', 'retry-storm', '--param', `durationMs=${durationMs}`];
  const plain: { wallMs: number; rssMB: number }[] = [];
  const withReport: { wallMs: number; rssMB: number }[] = [];
  for (let i = 0; i < reps; i++) {
    log(`report bench: long run ${i + 1}/${reps}`);
    plain.push(cli(base, dir));
    withReport.push(cli([...base, '--report', long], dir));
  }
  const rssPlain = median(plain.map((x) => x.rssMB));
  const rssReport = median(withReport.map((x) => x.rssMB));
  const wallPlain = median(plain.map((x) => x.wallMs));
  const wallReport = median(withReport.map((x) => x.wallMs));
  const label = `retry-storm durationMs=${durationMs.toLocaleString('en-US')}`;
  rows.push({ workload: `${label}: peak RSS without --report`, unit: 'MB', ours: rssPlain, note: '' });
  rows.push({ workload: `${label}: peak RSS with --report`, unit: 'MB', ours: rssReport, note: '' });
  rows.push({ workload: `${label}: peak RSS, with ÷ without --report`, unit: '×', ours: rssReport / rssPlain, note: check(rssReport / rssPlain, 1.5, '×', 'max') });
  rows.push({ workload: `${label}: wall time, with ÷ without --report`, unit: '×', ours: wallReport / wallPlain, note: `${(wallPlain / 1000).toFixed(1)} s vs ${(wallReport / 1000).toFixed(1)} s; ${check(wallReport / wallPlain, 1.5, '×', 'max')}` });
  const longMB = statSync(long).size / 1e6;
  rows.push({ workload: `${label}: report size`, unit: 'MB', ours: longMB, note: check(longMB, 5, ' MB', 'under') });
  log('report bench: drawing the long report in Chromium');
  const longDrawn = await drawnMs(long, reps);
  if (longDrawn !== null) rows.push({ workload: `${label}: report drawn in Chromium`, unit: 'ms', ours: longDrawn, note: check(longDrawn, 2000, ' ms', 'under') });

  // 3: every variant, each a quarter as long.
  const all = ['run', 'retry-storm', '--all-variants', '--param', `durationMs=${Math.round(durationMs / 4)}`];
  const allPlain: number[] = [];
  const allReport: number[] = [];
  for (let i = 0; i < reps; i++) {
    log(`report bench: --all-variants ${i + 1}/${reps}`);
    allPlain.push(cli(all, dir).rssMB);
    allReport.push(cli([...all, '--report', join(dir, 'long-all.html')], dir).rssMB);
  }
  const allRatio = median(allReport) / median(allPlain);
  rows.push({
    workload: `retry-storm --all-variants durationMs=${Math.round(durationMs / 4).toLocaleString('en-US')}: peak RSS, with ÷ without --report`,
    unit: '×',
    ours: allRatio,
    note: `${median(allPlain).toFixed(0)} MB vs ${median(allReport).toFixed(0)} MB; ${check(allRatio, 1.5, '×', 'max')}`,
  });

  // 4: a million requests, folded in process.
  log('report bench: a run of 1,000,000 requests');
  const million = await millionRequests(opts.requests ?? 1_000_000, join(dir, 'report-1m.html'));
  const millionDrawn = await drawnMs(million.file, reps);
  rows.push({ workload: `report of ${million.requests.toLocaleString('en-US')} requests: size`, unit: 'MB', ours: million.sizeMB, note: check(million.sizeMB, 15, ' MB', 'under') });
  if (millionDrawn !== null) rows.push({ workload: `report of ${million.requests.toLocaleString('en-US')} requests: drawn in Chromium`, unit: 'ms', ours: millionDrawn, note: check(millionDrawn, 3000, ' ms', 'under') });
  return { rows, sizeMB: million.sizeMB, renderMs: millionDrawn };
}

const S = 1_000_000;
const SERVERS = ['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8'];

const PLAN: FaultEntry[] = [
  { at: 120 * S, kind: 'crash', target: 's3', for: 60 * S },
  { at: 300 * S, kind: 'partition', groups: [['client', 'lb', 's1', 's2', 's3', 's4'], ['s5', 's6', 's7', 's8']], for: 45 * S },
  { at: 450 * S, kind: 'slow-node', target: 's1', factor: 20, for: 90 * S },
];

/**
 * A client sends requests through a balancer to eight servers for ten simulated minutes; a crash,
 * a partition and a slow node hit them; one request in twenty is traced as messages.
 */
function benchScenario(requestsMax: number) {
  return defineScenario({
    name: 'report-bench',
    title: 'Report benchmark: a million requests across eight servers',
    description: 'A client sends a million requests through a balancer to eight servers for ten simulated minutes; a crash, a partition and a slow node hit them.',
    params: {},
    build({ sim, random, requests, metrics, emit }) {
      const rand = random.get('arrivals');
      const durationUs = 600 * S;
      const gapUs = durationUs / requestsMax;
      const e = (r: Record<string, unknown>): void => emit({ time: sim.now, ...r } as unknown as TraceRecord);
      const at = (t: number, fn: () => void): void => void sim.schedule(t, fn, null);
      let crashed = '';
      let cut = false;
      let slow = '';
      let n = 0;
      let msg = 0;
      const depth = metrics.seriesOf('queue.depth');
      at(120 * S, () => {
        crashed = 's3';
        e({ kind: 'node-state', node: 's3', from: 'up', to: 'crashed' });
        e({ kind: 'fault-start', fault: 'crash', index: 0, target: 's3' });
      });
      at(180 * S, () => {
        crashed = '';
        e({ kind: 'node-state', node: 's3', from: 'crashed', to: 'up' });
        e({ kind: 'fault-end', fault: 'crash', index: 0, target: 's3' });
      });
      at(300 * S, () => {
        cut = true;
        e({ kind: 'fault-start', fault: 'partition', index: 1 });
        e({ kind: 'breaker-state', node: 'client', breaker: 'lb', from: 'closed', to: 'open' });
      });
      at(345 * S, () => {
        cut = false;
        e({ kind: 'fault-end', fault: 'partition', index: 1 });
        e({ kind: 'breaker-state', node: 'client', breaker: 'lb', from: 'open', to: 'closed' });
      });
      at(450 * S, () => {
        slow = 's1';
        e({ kind: 'node-state', node: 's1', from: 'up', to: 'limping' });
      });
      at(540 * S, () => {
        slow = '';
        e({ kind: 'node-state', node: 's1', from: 'limping', to: 'up' });
      });
      const arrive = (): void => {
        if (n >= requestsMax) return;
        const i = n++;
        const server = SERVERS[i % SERVERS.length]!;
        const failed = server === crashed || (cut && SERVERS.indexOf(server) >= 4);
        const latencyUs = failed ? 100_000 : 1_000 + Math.floor(rand.exponential(server === slow ? 80_000 : 4_000));
        requests.attempt(sim.now, false);
        if (i % 20 === 0) {
          const id = ++msg;
          e({ kind: 'message-send', from: 'lb', to: server, id, type: 'Forward' });
          if (failed) e({ kind: 'message-drop', from: 'lb', to: server, id, reason: server === crashed ? 'target-down' : 'partition' });
          else at(200, () => e({ kind: 'message-deliver', from: 'lb', to: server, id, sentUs: sim.now - 200 }));
        }
        at(latencyUs, () => requests.record(sim.now, !failed, latencyUs, failed ? 'timeout' : undefined));
        depth.add(sim.now, server === slow ? 40 : 3);
        sim.schedule(Math.max(1, Math.round(rand.exponential(gapUs))), arrive, null);
      };
      sim.schedule(1, arrive, null);
      return { untilUs: durationUs + 1 * S };
    },
  });
}

async function millionRequests(requestsMax: number, file: string): Promise<{ file: string; requests: number; sizeMB: number }> {
  const fold = new RunFold();
  const art = runDetailed(benchScenario(requestsMax), { seed: 1, traceLevel: 'full', traceSink: fold });
  // The plan is attached after the run, so the fixture does not depend on which fault kinds exist.
  const view = buildRunView(fold, { ...art, plan: PLAN, result: { ...art.result, faults: serializeFaultPlan(PLAN) } });
  const { bytes } = await writeReportData(file, reportData([view]));
  return { file, requests: art.result.metrics.requests, sizeMB: bytes / 1e6 };
}

export function formatRows(rows: readonly BenchRow[]): string {
  const w = Math.max(...rows.map((r) => r.workload.length));
  return rows.map((r) => `${r.workload.padEnd(w)}  ${(r.unit === 'ms' || r.unit === 'MB' ? r.ours.toFixed(r.unit === 'MB' ? 2 : 0) : r.ours.toFixed(2)).padStart(9)} ${r.unit.padEnd(2)}  ${r.note}`).join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--reps');
  const f = await benchReport({ reps: i >= 0 ? Number(process.argv[i + 1]) || 5 : 5 });
  console.log(formatRows(f.rows));
}
