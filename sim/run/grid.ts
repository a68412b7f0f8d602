/**
 * Parameter grids for `faultline sweep --grid k=v1,v2 [--grid k2=...]`: the cartesian product of
 * param values (× seeds), and what an architect reads off it — per grid point the cost and each
 * check's pass rate across seeds, the Pareto table (no point both cheaper and more available) and
 * the cheapest settings that meet every check on every seed. Pure functions of the runs, so shards
 * merge to the same result as one sweep.
 */
import { InputError } from '../kernel/errors.ts';
import { describeParam, parseParamValue, resolveParams, type ParamSpec, type ParamValue, type Scenario } from './scenario.ts';

export interface GridSpec {
  /** Param names in the order given. */
  keys: string[];
  /** Every combination, the first key varying slowest. */
  points: Record<string, ParamValue>[];
}

/** Largest grid accepted (points × seeds is bounded by the sweep's seed limit too). */
export const GRID_POINTS_MAX = 10_000;
const VALUES_MAX = 1_000;

/** Parse `--grid` values against the scenario's params; `fixed` are the `--param` overrides. */
export function parseGrid(scenario: Scenario<any>, raw: readonly string[], fixed: Record<string, ParamValue> = {}): GridSpec {
  const specs = scenario.params as Record<string, ParamSpec>;
  const keys: string[] = [];
  const values: ParamValue[][] = [];
  for (const kv of raw) {
    const eq = kv.indexOf('=');
    if (eq <= 0 || eq === kv.length - 1) throw new InputError(`--grid ${clip(kv)}: use --grid name=v1,v2,... (e.g. --grid instancesPerZone=1,2,3)`);
    const key = kv.slice(0, eq);
    if (!Object.hasOwn(specs, key)) {
      const valid = Object.entries(specs).map(([k, p]) => `${k} (${describeParam(p)})`);
      throw new InputError(`--grid: scenario ${scenario.name} has no param ${clip(JSON.stringify(key))}; params: ${valid.join('; ') || '(none)'}`);
    }
    if (keys.includes(key)) throw new InputError(`--grid: ${key} is given twice; list all its values in one --grid ${key}=v1,v2,...`);
    if (Object.hasOwn(fixed, key)) throw new InputError(`--grid: ${key} is also fixed by --param; give it in one of the two`);
    const parts = kv.slice(eq + 1).split(',');
    if (parts.length > VALUES_MAX) throw new InputError(`--grid ${key}: more than ${VALUES_MAX} values`);
    const vals: ParamValue[] = [];
    for (const p of parts) {
      if (p.trim() === '') throw new InputError(`--grid ${key}: an empty value in ${clip(kv.slice(eq + 1))}; separate values with single commas`);
      const v = parseParamValue(key, specs[key]!, p);
      if (vals.includes(v)) throw new InputError(`--grid ${key}: value ${clip(p)} is listed twice`);
      vals.push(v);
    }
    keys.push(key);
    values.push(vals);
  }
  const count = values.reduce((n, v) => n * v.length, 1);
  if (count > GRID_POINTS_MAX) throw new InputError(`--grid: ${count} grid points; at most ${GRID_POINTS_MAX} (fewer values, or several sweeps)`);
  let points: Record<string, ParamValue>[] = [{}];
  keys.forEach((k, i) => {
    points = points.flatMap((p) => values[i]!.map((v) => ({ ...p, [k]: v })));
  });
  // every point must be a valid setting (ranges, integers, enum values): say which is not, before running
  for (const p of points) resolveParams(specs, { ...fixed, ...p }, `--grid ${pointLabel(p)}`);
  return { keys, points };
}

export function pointLabel(p: Record<string, ParamValue>): string {
  return Object.entries(p)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

/** What `gridSummary` needs of a sweep row. */
export interface GridRun {
  variant: string;
  params?: Record<string, ParamValue>;
  checks: readonly { name: string; status: string }[];
  metrics: Record<string, unknown>;
  error?: string;
}

export interface GridPointSummary {
  variant: string;
  params: Record<string, ParamValue>;
  runs: number;
  /** Runs that failed to run (errors count as not meeting the checks). */
  errors: number;
  /** Per check: the share of runs (seeds) in which it held. */
  passRate: Record<string, number>;
  /** Share of runs in which every check held. */
  allChecksPassRate: number;
  /** Median over seeds of costPerHourUsd; null when the runs report no cost. */
  costPerHourUsd: number | null;
  /** Median over seeds of availability. */
  availability: number | null;
  /** On the Pareto front of cost against availability among this variant's points. */
  pareto: boolean;
}

export interface GridSummary {
  points: GridPointSummary[];
  /** Per variant, the cheapest point that met every check on every seed (null if none). */
  cheapest: Record<string, { params: Record<string, ParamValue>; costPerHourUsd: number | null } | null>;
}

/** The grid's summary: rows in the grid's order within each variant (variants in the given order). */
export function gridSummary(runs: readonly GridRun[], variants: readonly string[], grid: GridSpec): GridSummary {
  const key = (p: Record<string, ParamValue> | undefined): string => JSON.stringify(grid.keys.map((k) => p?.[k] ?? null));
  const points: GridPointSummary[] = [];
  const cheapest: GridSummary['cheapest'] = {};
  for (const variant of variants) {
    const rowsByPoint = new Map<string, GridRun[]>();
    for (const r of runs) {
      if (r.variant !== variant) continue;
      const k = key(r.params);
      rowsByPoint.set(k, [...(rowsByPoint.get(k) ?? []), r]);
    }
    const mine: GridPointSummary[] = [];
    for (const p of grid.points) {
      const rows = rowsByPoint.get(key(p)) ?? [];
      if (rows.length === 0) continue;
      const ok = rows.filter((r) => r.error === undefined);
      const names = [...new Set(rows.flatMap((r) => r.checks.map((c) => c.name)))];
      const passRate = Object.fromEntries(names.map((n) => [n, round4(ok.filter((r) => r.checks.some((c) => c.name === n && c.status === 'ok')).length / rows.length)]));
      const all = ok.filter((r) => r.checks.every((c) => c.status === 'ok')).length / rows.length;
      mine.push({
        variant,
        params: p,
        runs: rows.length,
        errors: rows.length - ok.length,
        passRate,
        allChecksPassRate: round4(all),
        costPerHourUsd: median(ok.map((r) => r.metrics.costPerHourUsd)),
        availability: median(ok.map((r) => r.metrics.availability)),
        pareto: false,
      });
    }
    for (const a of mine) {
      const ac = a.costPerHourUsd;
      const aa = a.availability;
      if (ac === null || aa === null) continue;
      a.pareto = !mine.some((b) => {
        const bc = b.costPerHourUsd;
        const ba = b.availability;
        return b !== a && bc !== null && ba !== null && bc <= ac && ba >= aa && (bc < ac || ba > aa);
      });
    }
    const passing = mine.filter((m) => m.allChecksPassRate === 1);
    passing.sort((a, b) => (a.costPerHourUsd ?? Infinity) - (b.costPerHourUsd ?? Infinity));
    cheapest[variant] = passing.length ? { params: passing[0]!.params, costPerHourUsd: passing[0]!.costPerHourUsd } : null;
    points.push(...mine);
  }
  return { points, cheapest };
}

/** The grid summary as text: one table per variant, then the Pareto points and the cheapest passing setting. */
export function formatGrid(s: GridSummary, grid: GridSpec, variants: readonly string[], fmt: (v: unknown) => string): string[] {
  const lines: string[] = [];
  const usd = (v: number | null): string => (v === null ? '-' : `$${fmt(v)}/h`);
  const pct = (v: number): string => `${Math.round(v * 1000) / 10}%`;
  for (const variant of variants) {
    const rows = s.points.filter((p) => p.variant === variant);
    if (rows.length === 0) continue;
    const checks = [...new Set(rows.flatMap((r) => Object.keys(r.passRate)))];
    const header = [...grid.keys, 'runs', 'cost', 'availability', 'all checks', ...checks.map((c) => `${c}`), 'pareto'];
    const body = rows.map((r) => [
      ...grid.keys.map((k) => String(r.params[k])),
      String(r.runs),
      usd(r.costPerHourUsd),
      r.availability === null ? '-' : fmt(r.availability),
      pct(r.allChecksPassRate),
      ...checks.map((c) => (r.passRate[c] === undefined ? '-' : pct(r.passRate[c]!))),
      r.pareto ? '*' : '',
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
    const line = (cells: string[]): string => cells.map((c, i) => (i < grid.keys.length ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
    lines.push('');
    lines.push(`grid, variant ${variant}: per setting, the median cost and availability over seeds and the share of seeds each check held`);
    lines.push(line(header));
    lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const b of body) lines.push(line(b));
    const front = rows.filter((r) => r.pareto);
    if (front.length) {
      lines.push(`pareto (no other setting is both cheaper and more available): ${front.map((r) => `${pointLabel(r.params)} (${usd(r.costPerHourUsd)}, ${r.availability === null ? '-' : fmt(r.availability)})`).join('; ')}`);
    }
    const c = s.cheapest[variant];
    lines.push(c ? `cheapest setting that meets every check on every seed: ${pointLabel(c.params)} at ${usd(c.costPerHourUsd)}` : 'no setting meets every check on every seed');
  }
  return lines;
}

function median(xs: readonly unknown[]): number | null {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m]! : round6((v[m - 1]! + v[m]!) / 2);
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function clip(s: string): string {
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return t.length > 60 ? `${t.slice(0, 57)}...` : t;
}
