/**
 * `faultline sweep` and `faultline merge`: many seeds in worker threads, a per-variant summary,
 * shards for CI matrices and Kubernetes Indexed Jobs, and the merge of shard outputs.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../kernel/errors.ts';
import { FAULTLINE_VERSION, replayCommand, runDetailed } from '../run/runner.ts';
import { heapMaxMbFlag } from './heap-watchdog.ts';
import { defaultWorkerCount, defaultWorkerHeapMb, runPool, WorkerPool } from '../run/pool.ts';
import type { WorkerJob } from '../run/worker.ts';
import {
  buildReport,
  mergeReports,
  parseSeedRange,
  parseShard,
  reportAsExpected,
  shardSeeds,
  type SweepReport,
  type SweepRun,
} from '../run/sweep-report.ts';
import { flagHelp, parseArgs, parseIntFlag, UsageError, type FlagSpec } from './args.ts';
import { writeFileAtomic } from './files.ts';
import { installTermination } from './termination.ts';
import { formatValue, keyMetricsOf } from './format.ts';
import { INCIDENT_METRIC_KEYS } from '../alerts/incident.ts';
import { loadScenario, prepareScenarioFile, resolveScenarioFile } from './load.ts';
import { parseBudgetFlags, parseParamFlags, readFaultsFile, readJsonFile, readRulesFile, requireVariant } from './run-command.ts';
import { checkSweepReport } from '../run/sweep-input.ts';

/** Largest shard result `merge` reads (a million rows is about 400 MB). */
const SWEEP_FILE_MAX_BYTES = 1024 * 1024 * 1024;
import { checkOutputPath, writeOutput } from './outputs.ts';
import type { Io } from './io.ts';
import { formatGrid, parseGrid, type GridSpec } from '../run/grid.ts';
import { resolveParams, type ParamValue, type Scenario } from '../run/scenario.ts';
import { parseFaultPlan } from '../faults/plan.ts';
import type { PriceTable } from '../world/cost.ts';
import { readPricesFile } from './prices.ts';
// every fault kind a plan may use (each command that reads or lists plans; `list` does not load them)
import '../run/fault-kinds.ts';

const SWEEP_FLAGS: Record<string, FlagSpec> = {
  seeds: { type: 'string', value: 'A..B', help: 'seeds to run: 1..1000, 7, 1,2,3 or 1..10,20..30 (default 1..100)' },
  variant: { type: 'string', value: 'V', help: "one variant (default: the scenario's first)" },
  'all-variants': { type: 'boolean', help: 'every variant on every seed' },
  param: { type: 'list', value: 'k=v', help: 'override a param for every run (repeatable)' },
  faults: { type: 'string', value: 'plan.json', help: 'use this fault plan for every run' },
  workers: { type: 'string', value: 'N', help: 'worker threads (default: one per core, within the CPU quota of a container)' },
  shard: { type: 'string', value: 'i/n', help: 'run only slice i of n (i counts from 1); combine outputs with faultline merge' },
  'watchdog-ms': { type: 'string', value: 'MS', help: 'abort a run after this much wall time and report it (default 600000)' },
  'heap-max-mb': { type: 'string', value: 'N', help: 'abort a run whose heap passes N MB and report it (default: half the memory shared by the workers, 256..4096)' },
  budget: { type: 'list', value: 'name=N', help: 'run budgets for every run: eventsMax, simTimeMaxUs, liveEventsMax, processesMax' },
  grid: { type: 'list', value: 'k=v1,v2', help: 'run every combination of these param values × seeds; prints cost, pass rates, the Pareto table and the cheapest passing setting (repeatable)' },
  prices: { type: 'string', value: 'prices.json', help: 'price table of the cost model (default: illustrative AWS on-demand prices; docs/COST.md)' },
  rules: { type: 'string', value: 'FILE', help: 'alert rules, on-call and runbooks (YAML or JSON) over the scenario\'s own; adds timeToDetectMs and the rest to the summary' },
  json: { type: 'boolean', help: 'print the sweep result as JSON' },
  out: { type: 'string', value: 'file.json', help: 'write the sweep result JSON to a file (atomically)' },
  help: { type: 'boolean', help: 'show this help' },
};

export interface SweepOptions {
  scenarioRef: string;
  seeds: string;
  variants?: string[];
  allVariants?: boolean;
  params?: Record<string, number | boolean | string>;
  faults?: unknown;
  faultsFile?: string;
  workers?: number;
  shard?: string;
  watchdogMs?: number;
  /** Heap cap of each worker in MB (default `defaultWorkerHeapMb`); a run that passes it is aborted by the memory watchdog. */
  heapMaxMb?: number;
  budgets?: Record<string, number>;
  /** A param grid (`--grid`): every point × every seed. */
  grid?: GridSpec;
  /** The cost model's price table (`--prices`). */
  prices?: PriceTable;
  /** The file the price table came from, for the replay lines. */
  pricesFile?: string;
  /** Alert rules, on-call and runbooks (`--rules`, parsed) and their file. */
  alerting?: Record<string, unknown>;
  rulesFile?: string;
  onProgress?: (done: number, total: number, unexpected: number) => void;
  /** Run on this (warm) pool instead of a fresh one; it is left open. */
  pool?: WorkerPool;
}

/** `--workers`, default one per core this process may use (`defaultWorkerCount`). */
function workersFlag(flags: Record<string, unknown>): number {
  return flags.workers !== undefined ? parseIntFlag('workers', flags.workers as string, 1, 256) : defaultWorkerCount();
}

/** `--seeds`, default 1..100. */
function seedsFlag(flags: Record<string, unknown>): string {
  return (flags.seeds as string | undefined) ?? '1..100';
}

/**
 * A plan that names what the world lacks (a node, disk, zone or rack) is an input error of the
 * whole sweep, not a failure of every row: build each variant's (and grid point's) world once
 * with the plan, stopping at the first event, before any worker starts. Other failures are left
 * to the rows, which report them with their seeds.
 */
function probePlan(scenario: Scenario<any>, variants: readonly string[], o: SweepOptions, seed: number): void {
  for (const variant of variants) {
    for (const point of o.grid?.points ?? [null]) {
      try {
        runDetailed(scenario, { seed, variant, params: { ...o.params, ...point }, faults: o.faults as never, budgets: { eventsMax: 1 }, traceLevel: 'off', prices: o.prices });
      } catch (err) {
        if (err instanceof InputError) throw err;
      }
    }
  }
}

/** What the sweep's workers are started from, before the scenario is loaded. */
interface EarlyStart {
  scenarioRef: string;
  seeds: string;
  shard?: string;
  /** Grid points (1 without a grid). */
  points: number;
  /** Variants per seed, or 'all' (unknown before the scenario is loaded: at least 1). */
  variants: number | 'all';
  workers?: number;
  watchdogMs?: number;
  heapMaxMb?: number;
}

/**
 * The sweep's workers, started before this thread loads and checks the scenario: each loads the
 * simulator and the scenario (compiled, from dist/, when the build is current) while this thread
 * does its own work, instead of after it. The loaders a user's scenario file needs are registered
 * first, since a worker registers what this thread has. As many workers as there will be runs, at
 * most (every seed and grid point of this shard, at least once). null when the arguments do not
 * parse: the checks in `sweepOn` report them, and nothing has started.
 */
async function startWorkersEarly(o: EarlyStart): Promise<WorkerPool | null> {
  let runs: number;
  let file: string;
  try {
    file = resolveScenarioFile(o.scenarioRef);
    const pairs = parseSeedRange(o.seeds).length * o.points;
    const shard = o.shard !== undefined ? parseShard(o.shard) : undefined;
    runs = shard ? (pairs >= shard.index ? Math.floor((pairs - shard.index) / shard.count) + 1 : 0) : pairs;
    await prepareScenarioFile(file);
  } catch {
    return null;
  }
  if (runs === 0) return null;
  const workers = o.workers ?? defaultWorkerCount();
  const n = o.variants === 'all' ? workers : Math.min(workers, runs * o.variants);
  return new WorkerPool({ workers: n, watchdogMs: o.watchdogMs ?? 600_000, maxOldGenerationSizeMb: o.heapMaxMb ?? defaultWorkerHeapMb(n), preload: file });
}

/** Run a sweep (the function behind the command; tests call it directly). */
export async function runSweep(o: SweepOptions): Promise<SweepReport> {
  if (o.pool) return sweepOn(o, o.pool);
  const pool = await startWorkersEarly({ ...o, points: o.grid?.points.length ?? 1, variants: o.allVariants ? 'all' : (o.variants?.length ?? 1) });
  try {
    return await sweepOn(o, pool);
  } finally {
    await pool?.close();
  }
}

/** The sweep on `pool` (or, when none could start early, on a pool of its own once the jobs are known). */
async function sweepOn(o: SweepOptions, pool: WorkerPool | null): Promise<SweepReport> {
  const scenario = await loadScenario(o.scenarioRef);
  const file = resolveScenarioFile(o.scenarioRef);
  const variants = o.allVariants ? [...scenario.variantNames] : (o.variants ?? [scenario.variantNames[0]!]);
  for (const v of variants) requireVariant(scenario, v);
  // params and plan are checked here, so a bad value exits 2 before any run starts
  for (const v of variants) {
    for (const point of o.grid?.points ?? [null]) {
      resolveParams(scenario.params, { ...(scenario.variants[v]!.params as Record<string, ParamValue>), ...o.params, ...point }, `scenario ${scenario.name}, variant ${v}`);
    }
  }
  if (o.faults !== undefined) parseFaultPlan(o.faults);
  const all = parseSeedRange(o.seeds);
  if (o.faults !== undefined) probePlan(scenario, variants, o, all[0] ?? 1);
  const shard = o.shard !== undefined ? parseShard(o.shard) : undefined;
  // A shard takes every n-th (grid point, seed) pair: without a grid, every n-th seed.
  const pairs = (o.grid?.points ?? [null]).flatMap((point) => all.map((seed) => ({ point, seed })));
  const mine = shard ? pairs.filter((_, k) => k % shard.count === shard.index - 1) : pairs;
  const jobs: WorkerJob[] = [];
  const pointOf: (Record<string, ParamValue> | null)[] = [];
  let id = 0;
  for (const variant of variants) {
    for (const { point, seed } of mine) {
      pointOf.push(point);
      jobs.push({
        id: id++,
        scenarioFile: file,
        scenarioRef: o.scenarioRef,
        seed,
        variant,
        params: point ? { ...o.params, ...point } : o.params,
        faults: o.faults,
        faultsFile: o.faultsFile,
        budgets: o.budgets,
        prices: o.prices,
        pricesFile: o.pricesFile,
        alerting: o.alerting,
        rulesFile: o.rulesFile,
      });
    }
  }
  const workers = o.workers ?? defaultWorkerCount();
  const heapMb = pool?.heapMb ?? o.heapMaxMb ?? defaultWorkerHeapMb(Math.min(workers, jobs.length));
  let unexpected = 0;
  const onProgress = (done: number, total: number): void => o.onProgress?.(done, total, unexpected);
  const replies = pool
    ? await pool.run(jobs, onProgress)
    : await runPool(jobs, { workers, watchdogMs: o.watchdogMs ?? 600_000, onProgress, maxOldGenerationSizeMb: heapMb });
  // a scenario that reads the host's clock or randomness has no outcome to count: an input error
  const trapped = replies.findIndex((r) => !r.ok && r.errorName === 'DeterminismError');
  if (trapped >= 0) {
    const reply = replies[trapped]!;
    const same = replies.filter((r) => !r.ok && r.errorName === 'DeterminismError').length;
    throw new InputError(`sweep: ${reply.ok ? '' : reply.error}${same > 1 ? ` (${same} of ${replies.length} runs stopped the same way)` : ''}`);
  }
  const runs: SweepRun[] = replies.map((reply, i) => {
    const job = jobs[i]!;
    if (reply.ok) {
      const r = reply.result;
      const row: SweepRun = {
        variant: r.variant,
        seed: r.seed,
        traceHash: r.traceHash,
        checks: r.checks.map((c) => ({ name: c.name, status: c.status, expected: c.expected })),
        metrics: r.metrics,
        replay: r.replay,
        ...(pointOf[i] ? { params: pointOf[i]! } : {}),
      };
      if (row.checks.some((c) => c.status !== c.expected)) unexpected++;
      return row;
    }
    unexpected++;
    const watchdog = reply.errorName === 'MemoryWatchdog';
    // the replay of a run the memory watchdog stopped keeps the cap, so it stops there again instead of exhausting memory
    const replay =
      replayCommand(scenario, { seed: job.seed, variant: job.variant, params: job.params, faultsFile: o.faultsFile, scenarioRef: o.scenarioRef, budgets: o.budgets, pricesFile: o.pricesFile, rulesFile: o.rulesFile }) +
      (watchdog ? ` --heap-max-mb ${heapMb}` : '');
    return { variant: job.variant, seed: job.seed, traceHash: null, checks: [], metrics: {}, error: watchdog ? reply.error : `${reply.errorName}: ${reply.error}`, replay, ...(pointOf[i] ? { params: pointOf[i]! } : {}) };
  });
  return buildReport(
    {
      version: FAULTLINE_VERSION,
      scenario: scenario.name,
      seeds: o.seeds,
      variants,
      params: o.params ?? {},
      shard: shard ? `${shard.index}/${shard.count}` : null,
      keyMetrics: o.alerting !== undefined || scenario.alerting !== undefined ? [...new Set([...keyMetricsOf(scenario), ...INCIDENT_METRIC_KEYS])] : keyMetricsOf(scenario),
      ...(o.grid ? { grid: o.grid } : {}),
    },
    runs,
  );
}

/**
 * Seconds left in a sweep, or null while there is too little to go on. The first runs include
 * starting the workers and warming up V8, so the rate is measured from the first finished run,
 * and only once `max(5, 2 × workers)` more have finished (a burst of parallel finishes says
 * little about the rate).
 */
export function sweepEtaS(done: number, total: number, workers: number, firstDoneS: number | null, nowS: number): number | null {
  if (firstDoneS === null || done >= total) return null;
  const since = done - 1;
  if (since < Math.max(5, 2 * workers) || !(nowS > firstDoneS)) return null;
  return ((nowS - firstDoneS) / since) * (total - done);
}

function progressBar(io: Io, label: string, workers: number): (done: number, total: number, unexpected: number) => void {
  let last = -1;
  const started = performance.now();
  let firstDoneS: number | null = null;
  return (done, total, unexpected) => {
    const elapsedS = (performance.now() - started) / 1000;
    if (done >= 1 && firstDoneS === null) firstDoneS = elapsedS;
    const pct = Math.floor((done / total) * 100);
    if (pct === last && done !== total) return;
    last = pct;
    const width = 30;
    const filled = Math.round((done / total) * width);
    const etaS = sweepEtaS(done, total, workers, firstDoneS, elapsedS);
    const time = done === total ? `${elapsedS.toFixed(1)} s` : etaS !== null ? `~${Math.ceil(etaS)} s left` : '';
    io.stderr(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} runs · ${unexpected} unexpected · ${time}  ${done === total ? '\n' : ''}`);
  };
}

export async function sweepCommand(argv: readonly string[], io: Io): Promise<number> {
  const args = parseArgs(argv, SWEEP_FLAGS, 'sweep');
  if (args.flags.help) {
    io.stdout(
      `Usage: faultline sweep <scenario> [options]\n\nRuns many seeds in worker threads and reports, per variant, the p5/p50/p95 of key metrics and every seed\nwhose checks differ from the variant's expectation, with its replay command.\n\n${flagHelp(SWEEP_FLAGS)}\n`,
    );
    return 0;
  }
  if (args.positionals.length !== 1) throw new UsageError('sweep: expected one scenario; see faultline sweep --help');
  if (args.flags.variant !== undefined && args.flags['all-variants']) throw new UsageError('sweep: give either --variant or --all-variants');
  const ref = args.positionals[0]!;
  // SIGINT/SIGTERM stop the sweep at once: exit 130/143, its worker threads end with it
  installTermination();
  if (args.flags.out !== undefined) checkOutputPath('--out', args.flags.out as string);
  const workers = workersFlag(args.flags);
  const watchdogMs = args.flags['watchdog-ms'] !== undefined ? parseIntFlag('watchdog-ms', args.flags['watchdog-ms'] as string, 1) : undefined;
  const heapMaxMb = heapMaxMbFlag(args.flags);
  const gridFlags = (args.flags.grid as string[] | undefined) ?? [];
  // the workers start first and load the simulator while this thread loads and checks the scenario
  const pool = await startWorkersEarly({
    scenarioRef: ref,
    seeds: seedsFlag(args.flags),
    shard: args.flags.shard as string | undefined,
    points: gridFlags.reduce((n, g) => n * g.slice(g.indexOf('=') + 1).split(',').length, 1),
    variants: args.flags['all-variants'] ? 'all' : 1,
    workers,
    watchdogMs,
    heapMaxMb,
  });
  try {
    const scenario = await loadScenario(ref);
    const faultsFile = args.flags.faults as string | undefined;
    const quiet = Boolean(args.flags.json) || !io.isTTY;
    const params = parseParamFlags(scenario, (args.flags.param as string[] | undefined) ?? []);
    const grid = gridFlags.length ? parseGrid(scenario, gridFlags, params) : undefined;
    const prices = args.flags.prices !== undefined ? readPricesFile(args.flags.prices as string) : undefined;
    const report = await runSweep({
      scenarioRef: ref,
      seeds: seedsFlag(args.flags),
      variants: args.flags.variant !== undefined ? [args.flags.variant as string] : undefined,
      allVariants: Boolean(args.flags['all-variants']),
      params,
      grid,
      prices,
      pricesFile: args.flags.prices as string | undefined,
      alerting: args.flags.rules !== undefined ? readRulesFile(args.flags.rules as string) : undefined,
      rulesFile: args.flags.rules as string | undefined,
      faults: faultsFile !== undefined ? readFaultsFile(faultsFile) : undefined,
      faultsFile,
      workers,
      shard: args.flags.shard as string | undefined,
      watchdogMs,
      heapMaxMb,
      budgets: parseBudgetFlags((args.flags.budget as string[] | undefined) ?? []),
      onProgress: quiet ? undefined : progressBar(io, `sweep ${scenario.name} · ${workers} worker${workers === 1 ? '' : 's'}`, workers),
      pool: pool ?? undefined,
    });
    return emitReport(report, args.flags, io);
  } finally {
    await pool?.close();
  }
}

function emitReport(report: SweepReport, flags: Record<string, unknown>, io: Io): number {
  const text = JSON.stringify(report, null, 2) + '\n';
  if (flags.out !== undefined) writeOutput('--out', flags.out as string, () => writeFileAtomic(checkOutputPath('--out', flags.out as string), text));
  if (flags.json) io.stdout(text);
  else io.stdout(formatSweep(report) + (flags.out !== undefined ? `wrote ${flags.out as string}\n` : ''));
  return reportAsExpected(report) ? 0 : 1;
}

export function formatSweep(report: SweepReport): string {
  const lines: string[] = [];
  const total = report.runs.length;
  lines.push(`sweep ${report.scenario} · seeds ${report.seeds}${report.grid ? ` × ${report.grid.points.length} grid points` : ''}${report.shard ? ` · shard ${report.shard}` : ''} · ${total} runs`);
  for (const v of report.variants) {
    const s = report.summary[v]!;
    lines.push('');
    lines.push(`variant ${v}: ${s.asExpected}/${s.runs} as expected, ${s.differing} differ, ${s.errors} failed to run`);
    const keys = Object.keys(s.metrics);
    if (keys.length) {
      const w = Math.max(...keys.map((k) => k.length));
      lines.push(`  ${'metric'.padEnd(w)}  ${'p5'.padStart(10)}  ${'p50'.padStart(10)}  ${'p95'.padStart(10)}`);
      for (const k of keys) {
        const m = s.metrics[k]!;
        lines.push(`  ${k.padEnd(w)}  ${formatValue(m.p5).padStart(10)}  ${formatValue(m.p50).padStart(10)}  ${formatValue(m.p95).padStart(10)}`);
      }
    }
    // with a grid, the table below gives the pass rates; only runs that failed to run are listed
    const listed = report.grid ? s.unexpected.filter((u) => u.error !== undefined) : s.unexpected;
    for (const u of listed.slice(0, 20)) {
      lines.push(`  seed ${u.seed}: ${u.error ?? u.checks.join('; ')}`);
      lines.push(`    replay: ${u.replay}`);
    }
    if (listed.length > 20) lines.push(`  … ${listed.length - 20} more (see --json)`);
  }
  if (report.grid && report.gridSummary) lines.push(...formatGrid(report.gridSummary, report.grid, report.variants, formatValue));
  lines.push('');
  if (report.grid) {
    lines.push(
      reportAsExpected(report)
        ? 'verdict: every variant has a setting at which every seed came out as it expects'
        : 'verdict: some variant has no setting at which every seed came out as it expects (or a run failed)',
    );
  } else {
    lines.push(reportAsExpected(report) ? 'verdict: every run came out as its variant expects' : 'verdict: some runs differ from expectation (listed above)');
  }
  return lines.join('\n') + '\n';
}

const MERGE_FLAGS: Record<string, FlagSpec> = {
  json: { type: 'boolean', help: 'print the merged result as JSON' },
  out: { type: 'string', value: 'file.json', help: 'write the merged result JSON to a file (atomically)' },
  help: { type: 'boolean', help: 'show this help' },
};

export async function mergeCommand(argv: readonly string[], io: Io): Promise<number> {
  const args = parseArgs(argv, MERGE_FLAGS, 'merge');
  if (args.flags.help) {
    io.stdout(`Usage: faultline merge <shard results...> [--json] [--out file.json]\n\nCombines the outputs of 'faultline sweep --shard i/n --out ...' into the report one sweep would give.\n\n${flagHelp(MERGE_FLAGS)}\n`);
    return 0;
  }
  if (args.positionals.length === 0) throw new UsageError('merge: give the shard result files to combine');
  if (args.flags.out !== undefined) checkOutputPath('--out', args.flags.out as string);
  // shapes checked per file (sim/run/sweep-input.ts) before anything is merged
  const reports = args.positionals.map((f) => checkSweepReport(readJsonFile('merge', f, SWEEP_FILE_MAX_BYTES), f));
  return emitReport(mergeReports(reports), args.flags, io);
}
