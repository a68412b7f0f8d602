/**
 * Sweep results as data: the per-run rows, the per-variant summary (distributions of key metrics,
 * seeds whose checks differ from the variant's expectation), seed-range parsing, shard slicing and
 * merging. Pure functions: the same rows give the same report whatever order they arrived in, so a
 * sweep's result does not depend on the number of workers, and merging shards equals one sweep.
 */
import { InputError } from '../kernel/errors.ts';
import { percentileOfValues } from '../observe/metrics.ts';
import type { RunResult } from './runner.ts';
import { gridSummary, type GridSpec, type GridSummary } from './grid.ts';
import type { ParamValue } from './scenario.ts';

export interface SweepRun {
  variant: string;
  seed: number | string;
  traceHash: string | null;
  checks: { name: string; status: string; expected: string }[];
  metrics: Record<string, unknown>;
  /** Set when the run threw, hit a budget, or its worker crashed or timed out. */
  error?: string;
  replay: string;
  /** The grid point's params (`sweep --grid`), on top of the sweep's `params`. */
  params?: Record<string, ParamValue>;
}

export interface VariantSummary {
  runs: number;
  asExpected: number;
  differing: number;
  errors: number;
  metrics: Record<string, { p5: number; p50: number; p95: number }>;
  /** Seeds whose checks differ from the variant's expectation (or that failed), with replay commands. */
  unexpected: { seed: number | string; checks: string[]; error?: string; replay: string }[];
}

export interface SweepReport {
  kind: 'faultline-sweep';
  version: string;
  scenario: string;
  /** The seed range as given (e.g. "1..1000"). */
  seeds: string;
  variants: string[];
  params: Record<string, unknown>;
  /** "i/n" for a shard's output; null for a whole sweep (or a merge of all shards). */
  shard: string | null;
  keyMetrics: string[];
  /** The param grid (`sweep --grid`), or absent for a sweep of seeds only. */
  grid?: GridSpec;
  runs: SweepRun[];
  summary: Record<string, VariantSummary>;
  /** Per grid point: cost, pass rates, the Pareto front and the cheapest passing setting. */
  gridSummary?: GridSummary;
}

const MAX_SEEDS = 10_000_000;

/** Parse "1..1000", "7", "1,5,9" or "1..10,20..30" into a sorted list of distinct uint32 seeds. */
export function parseSeedRange(spec: string): number[] {
  const out = new Set<number>();
  for (const part of spec.split(',')) {
    const p = part.trim();
    const m = /^(\d+)(?:\.\.(\d+))?$/.exec(p);
    if (!m) throw new InputError(`--seeds ${JSON.stringify(spec)}: ${JSON.stringify(p)} is not a seed or a range; use forms like 1..1000 or 1,2,3`);
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    if (b < a) throw new InputError(`--seeds ${spec}: range ${p} runs backwards`);
    if (b > 0xffffffff) throw new InputError(`--seeds ${spec}: seeds must be ≤ 4294967295`);
    if (out.size + (b - a + 1) > MAX_SEEDS) throw new InputError(`--seeds ${spec}: more than ${MAX_SEEDS} seeds`);
    for (let s = a; s <= b; s++) out.add(s);
  }
  return [...out].sort((x, y) => x - y);
}

/** Parse "--shard i/n" (i counts from 1). */
export function parseShard(spec: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(spec.trim());
  if (!m) throw new InputError(`--shard ${JSON.stringify(spec)}: use i/n with 1 ≤ i ≤ n, e.g. --shard 2/8`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) throw new InputError(`--shard ${spec}: need 1 ≤ i ≤ n`);
  return { index, count };
}

/** The deterministic slice of seeds shard i/n runs: every n-th seed starting at the i-th. */
export function shardSeeds(seeds: readonly number[], shard: { index: number; count: number }): number[] {
  return seeds.filter((_, k) => k % shard.count === shard.index - 1);
}

export function toSweepRun(r: RunResult): SweepRun {
  return {
    variant: r.variant,
    seed: r.seed,
    traceHash: r.traceHash,
    checks: r.checks.map((c) => ({ name: c.name, status: c.status, expected: c.expected })),
    metrics: r.metrics,
    replay: r.replay,
  };
}

function metricAt(metrics: Record<string, unknown>, path: string): unknown {
  let v: unknown = metrics;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function runDiffers(r: SweepRun): boolean {
  return r.error !== undefined || r.checks.some((c) => c.status !== c.expected);
}

/** Sort rows canonically: by variant (in the given order), then grid point (in the grid's order), then seed. */
export function sortRuns(runs: SweepRun[], variants: readonly string[], grid?: GridSpec): SweepRun[] {
  const order = new Map(variants.map((v, i) => [v, i]));
  const pointKey = (p: Record<string, ParamValue> | undefined): string => JSON.stringify((grid?.keys ?? []).map((k) => p?.[k] ?? null));
  const pointOrder = new Map((grid?.points ?? []).map((p, i) => [pointKey(p), i]));
  return runs.slice().sort((a, b) => {
    const va = order.get(a.variant) ?? 1e9;
    const vb = order.get(b.variant) ?? 1e9;
    if (va !== vb) return va - vb;
    if (grid) {
      const pa = pointOrder.get(pointKey(a.params)) ?? 1e9;
      const pb = pointOrder.get(pointKey(b.params)) ?? 1e9;
      if (pa !== pb) return pa - pb;
    }
    if (typeof a.seed === 'number' && typeof b.seed === 'number') return a.seed - b.seed;
    return String(a.seed).localeCompare(String(b.seed));
  });
}

export function summarize(runs: readonly SweepRun[], variants: readonly string[], keyMetrics: readonly string[]): Record<string, VariantSummary> {
  const out: Record<string, VariantSummary> = {};
  for (const v of variants) {
    const rows = runs.filter((r) => r.variant === v);
    const metrics: VariantSummary['metrics'] = {};
    for (const k of keyMetrics) {
      const values = rows
        .filter((r) => r.error === undefined)
        .map((r) => metricAt(r.metrics, k))
        .filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
      if (values.length) {
        metrics[k] = {
          p5: percentileOfValues(values, 0.05),
          p50: percentileOfValues(values, 0.5),
          p95: percentileOfValues(values, 0.95),
        };
      }
    }
    const bad = rows.filter(runDiffers);
    out[v] = {
      runs: rows.length,
      asExpected: rows.length - bad.length,
      differing: bad.filter((r) => r.error === undefined).length,
      errors: rows.filter((r) => r.error !== undefined).length,
      metrics,
      unexpected: bad.map((r) => ({
        seed: r.seed,
        checks: r.checks.filter((c) => c.status !== c.expected).map((c) => `${c.name}: ${c.status} (expected ${c.expected})`),
        ...(r.error !== undefined ? { error: r.error } : {}),
        replay: r.replay,
      })),
    };
  }
  return out;
}

export function buildReport(base: Omit<SweepReport, 'kind' | 'runs' | 'summary' | 'gridSummary'>, runs: SweepRun[]): SweepReport {
  const sorted = sortRuns(runs, base.variants, base.grid);
  const report: SweepReport = { kind: 'faultline-sweep', ...base, runs: sorted, summary: summarize(sorted, base.variants, base.keyMetrics) };
  if (base.grid) report.gridSummary = gridSummary(sorted, base.variants, base.grid);
  return report;
}

/**
 * A sweep's verdict (exit 0): every run came out as its variant expects. For a param grid, the
 * question is whether a setting works: every variant has a grid point at which every seed came
 * out as expected, and no run failed to run.
 */
export function reportAsExpected(report: SweepReport): boolean {
  if (!report.grid) return report.runs.every((r) => !runDiffers(r));
  if (report.runs.some((r) => r.error !== undefined)) return false;
  const key = (p: Record<string, ParamValue> | undefined): string => JSON.stringify(report.grid!.keys.map((k) => p?.[k] ?? null));
  return report.variants.every((v) => {
    const byPoint = new Map<string, boolean>();
    for (const r of report.runs) if (r.variant === v) byPoint.set(key(r.params), (byPoint.get(key(r.params)) ?? true) && !runDiffers(r));
    return [...byPoint.values()].some(Boolean);
  });
}

/** Combine shard reports into the report one unsharded sweep would give. */
export function mergeReports(reports: readonly SweepReport[]): SweepReport {
  if (reports.length === 0) throw new InputError('merge: give at least one shard result file');
  const first = reports[0]!;
  for (const r of reports) {
    if (r.kind !== 'faultline-sweep') throw new InputError('merge: an input is not a faultline sweep result');
    for (const key of ['scenario', 'seeds', 'version'] as const) {
      if (r[key] !== first[key]) throw new InputError(`merge: shards disagree on ${key}: ${JSON.stringify(first[key])} vs ${JSON.stringify(r[key])}`);
    }
    if (JSON.stringify(r.variants) !== JSON.stringify(first.variants)) throw new InputError('merge: shards ran different variants');
    if (JSON.stringify(r.params) !== JSON.stringify(first.params)) throw new InputError('merge: shards ran different params');
    if (JSON.stringify(r.grid ?? null) !== JSON.stringify(first.grid ?? null)) throw new InputError('merge: shards ran different param grids');
  }
  const seen = new Set<string>();
  const runs: SweepRun[] = [];
  for (const r of reports) {
    for (const row of r.runs) {
      const key = `${row.variant}\u0000${row.seed}\u0000${JSON.stringify(row.params ?? null)}`;
      if (seen.has(key)) throw new InputError(`merge: variant ${row.variant} seed ${row.seed}${row.params ? ` at ${JSON.stringify(row.params)}` : ''} appears in more than one shard`);
      seen.add(key);
      runs.push(row);
    }
  }
  const counts = reports.map((r) => r.shard).filter((s): s is string => s !== null).map((s) => Number(s.split('/')[1]));
  const complete = counts.length === reports.length && counts.every((n) => n === reports.length);
  return buildReport(
    {
      version: first.version,
      scenario: first.scenario,
      seeds: first.seeds,
      variants: first.variants,
      params: first.params,
      shard: complete ? null : `merged ${reports.map((r) => r.shard ?? 'all').join('+')}`,
      keyMetrics: first.keyMetrics,
      ...(first.grid ? { grid: first.grid } : {}),
    },
    runs,
  );
}
