/**
 * Where two runs part: the first trace record that differs between two record streams, with the
 * records both sides share just before it, a few records of each side after it, the component it
 * belongs to and the random stream behind it when the record says. Used by `faultline diff`
 * (two runs, or two JSONL trace files) and `faultline replay` (a file against a new run).
 *
 * Side A is pulled (an array, a file), side B is pushed (a running simulation's trace sink, or a
 * second file), so neither run's trace is held twice. `run-start` records name the configuration
 * (scenario, variant, seed): they are compared apart, as file headers and footers are, and never
 * count as the first divergence, since two variants differ there by definition.
 *
 * Pure: no Node APIs (runs in the browser).
 */
import type { FaultPlan } from '../faults/plan.ts';
import type { TraceFileFooter, TraceRecord, TraceSink } from '../observe/trace.ts';
import { faultStreamKey } from '../world/faults.ts';
import type { RunResult } from './runner.ts';

/** A trace record as a plain object (as emitted, or parsed from a JSONL line). */
export type TraceLine = Record<string, unknown>;

/** Records of these kinds describe the run's configuration; they are compared apart. */
export function isConfigRecord(r: TraceLine): boolean {
  return r.kind === 'run-start';
}

export interface DivergencePoint {
  /** Index of the record in both traces (`run-start` is #0). */
  index: number;
  /** Simulated time of the first differing record (µs; of the side that has one). */
  timeUs: number | null;
  /** The two records at `index`; null for a side whose trace ended there. */
  a: TraceLine | null;
  b: TraceLine | null;
  /** The node or link the record belongs to, when it names one. */
  component?: string;
  /** The named random stream behind the record, when it is known (a link's, a fault's). */
  stream?: string;
  /** Up to `context` records both sides share right before `index`. */
  before: TraceLine[];
  /** Up to `context` records of each side after `index`. */
  after: { a: TraceLine[]; b: TraceLine[] };
}

export interface StreamComparison {
  /** No record differs and both traces have as many records. */
  identical: boolean;
  firstDivergence: DivergencePoint | null;
  /** Records in each trace (configuration records included). */
  records: { a: number; b: number };
  /** The configuration records of each side (`run-start`), compared apart. */
  config: { a: TraceLine | null; b: TraceLine | null };
}

export interface DivergenceOptions {
  /** Records of context on each side of the divergence (default 3). */
  context?: number;
  /** The plans of each side, to name a fault record's random stream. */
  planA?: FaultPlan;
  planB?: FaultPlan;
}

/**
 * Compares a pulled trace (A) with a pushed one (B): `feed` each record of B (or use it as B's
 * trace sink), then `finish()`.
 */
export class DivergenceFinder implements TraceSink {
  private readonly context: number;
  private indexA = 0;
  private indexB = 0;
  private shared: TraceLine[] = [];
  private point: DivergencePoint | null = null;
  private configA: TraceLine | null = null;
  private configB: TraceLine | null = null;
  private aEnded = false;

  constructor(
    private readonly pullA: () => TraceLine | undefined,
    private readonly options: DivergenceOptions = {},
  ) {
    this.context = options.context ?? 3;
  }

  /** The next record of A that is not a configuration record, or undefined at its end. */
  private nextA(): TraceLine | undefined {
    for (;;) {
      if (this.aEnded) return undefined;
      const r = this.pullA();
      if (r === undefined) {
        this.aEnded = true;
        return undefined;
      }
      this.indexA++;
      if (!isConfigRecord(r)) return r;
      this.configA ??= r;
    }
  }

  write(record: TraceRecord): void {
    this.feed(record as unknown as TraceLine);
  }

  feed(b: TraceLine): void {
    const index = this.indexB++;
    if (isConfigRecord(b)) {
      this.configB ??= b;
      return;
    }
    const p = this.point;
    if (p !== null) {
      if (p.after.b.length < this.context) p.after.b.push(b);
      return;
    }
    const a = this.nextA();
    if (a !== undefined && JSON.stringify(a) === JSON.stringify(b)) {
      this.shared.push(b);
      if (this.shared.length > this.context) this.shared.shift();
      return;
    }
    this.point = this.pointAt(index, a ?? null, b);
  }

  private pointAt(index: number, a: TraceLine | null, b: TraceLine | null): DivergencePoint {
    const first = a ?? b!;
    const plan = a !== null ? this.options.planA : this.options.planB;
    const component = componentOf(first);
    const stream = streamOf(first, plan);
    return {
      index,
      timeUs: typeof first.time === 'number' ? first.time : null,
      a,
      b,
      ...(component !== undefined ? { component } : {}),
      ...(stream !== undefined ? { stream } : {}),
      before: this.shared,
      after: { a: [], b: [] },
    };
  }

  finish(): StreamComparison {
    if (this.point === null) {
      const a = this.nextA();
      if (a !== undefined) this.point = this.pointAt(this.indexA - 1, a, null);
    }
    // drain A: its after-context, then its count
    const p = this.point;
    for (let r = this.nextA(); r !== undefined; r = this.nextA()) {
      if (p !== null && p.after.a.length < this.context) p.after.a.push(r);
    }
    return {
      identical: p === null,
      firstDivergence: p,
      records: { a: this.indexA, b: this.indexB },
      config: { a: this.configA, b: this.configB },
    };
  }
}

/** Compare two traces held as arrays. */
export function compareTraces(a: readonly TraceLine[], b: readonly TraceLine[], options: DivergenceOptions = {}): StreamComparison {
  let i = 0;
  const finder = new DivergenceFinder(() => a[i++], options);
  for (const r of b) finder.feed(r);
  return finder.finish();
}

/** The node or link a record belongs to, when it names one. */
export function componentOf(r: TraceLine): string | undefined {
  if (typeof r.from === 'string' && typeof r.to === 'string' && typeof r.kind === 'string' && r.kind.startsWith('message-')) return `link ${r.from} → ${r.to}`;
  if (typeof r.node === 'string') return `node ${r.node}`;
  if (typeof r.target === 'string') return `target ${r.target}`;
  return undefined;
}

/**
 * The named random stream behind a record, when the record says which one: a message's link
 * (`net/link/<from>/<to>`, which draws its latency and loss) or a fault's (`faults/<key>`).
 */
export function streamOf(r: TraceLine, plan?: FaultPlan): string | undefined {
  if ((r.kind === 'message-deliver' || r.kind === 'message-drop') && typeof r.from === 'string' && typeof r.to === 'string') {
    return `net/link/${r.from}/${r.to}`;
  }
  if ((r.kind === 'fault-start' || r.kind === 'fault-end') && typeof r.index === 'number' && plan !== undefined) {
    const entry = plan[r.index];
    if (entry !== undefined) return `faults/${faultStreamKey(entry)}`;
  }
  return undefined;
}

// ---------------------------------------------------------------- how far apart the runs end

/** What each side's run came to: from a RunResult, or from a trace file's footer. */
export interface RunEnding {
  label: string;
  traceHash: string | null;
  records: number;
  stats?: { events: number; simTimeMs: number };
  metrics?: Record<string, unknown>;
  checks?: { name: string; status: string; expected: string }[];
}

export function endingOfResult(label: string, r: Pick<RunResult, 'traceHash' | 'stats' | 'metrics' | 'checks'>, records: number): RunEnding {
  return {
    label,
    traceHash: r.traceHash,
    records,
    stats: { events: r.stats.events, simTimeMs: r.stats.simTimeMs },
    metrics: r.metrics,
    checks: r.checks.map((c) => ({ name: c.name, status: c.status, expected: c.expected })),
  };
}

export function endingOfFooter(label: string, footer: TraceFileFooter | null, records: number): RunEnding {
  if (footer === null) return { label, traceHash: null, records };
  return { label, traceHash: footer.traceHash, records, stats: footer.stats, metrics: footer.metrics, checks: footer.checks };
}

export const DEFAULT_KEY_METRICS: readonly string[] = ['requests', 'ok', 'failed', 'availability', 'latencyMs.p50', 'latencyMs.p99'];

/** One row of the side-by-side summary. */
export interface SummaryRow {
  name: string;
  a: unknown;
  b: unknown;
}

/** Key metrics side by side: hashes, sizes, the scenario's key metrics, each check's outcome. */
export function summaryRows(a: RunEnding, b: RunEnding, keys: readonly string[] = DEFAULT_KEY_METRICS): SummaryRow[] {
  const rows: SummaryRow[] = [
    { name: 'trace hash', a: a.traceHash, b: b.traceHash },
    { name: 'records', a: a.records, b: b.records },
  ];
  if (a.stats || b.stats) {
    rows.push({ name: 'events', a: a.stats?.events, b: b.stats?.events });
    rows.push({ name: 'simulated s', a: seconds(a.stats?.simTimeMs), b: seconds(b.stats?.simTimeMs) });
  }
  const all = [...keys];
  for (const k of DEFAULT_KEY_METRICS) if (!all.includes(k)) all.push(k);
  for (const k of all) {
    const va = metricAt(a.metrics, k);
    const vb = metricAt(b.metrics, k);
    if (va !== undefined || vb !== undefined) rows.push({ name: k, a: va, b: vb });
  }
  const names = [...new Set([...(a.checks ?? []).map((c) => c.name), ...(b.checks ?? []).map((c) => c.name)])];
  const outcome = (s: RunEnding, n: string): string | undefined => {
    const c = s.checks?.find((x) => x.name === n);
    return c === undefined ? undefined : c.status === c.expected ? c.status : `${c.status} (expected ${c.expected})`;
  };
  for (const n of names) rows.push({ name: `check ${n}`, a: outcome(a, n), b: outcome(b, n) });
  return rows;
}

function seconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}

function metricAt(metrics: Record<string, unknown> | undefined, path: string): unknown {
  let v: unknown = metrics;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** What `--json` prints for a comparison. */
export interface DiffReport {
  identical: boolean;
  firstDivergence: DivergencePoint | null;
  summary: { a: string; b: string; rows: SummaryRow[]; config: { a: TraceLine | null; b: TraceLine | null } };
}

export function diffReport(cmp: StreamComparison, a: RunEnding, b: RunEnding, keys?: readonly string[]): DiffReport {
  return {
    identical: cmp.identical,
    firstDivergence: cmp.firstDivergence,
    summary: { a: a.label, b: b.label, rows: summaryRows(a, b, keys), config: cmp.config },
  };
}

// ---------------------------------------------------------------- text

/** Longest record shown on one line, in characters. */
const RECORD_TEXT_MAX = 240;

export function recordText(r: TraceLine | null): string {
  if (r === null) return '(the trace ended)';
  const s = JSON.stringify(r);
  return s.length > RECORD_TEXT_MAX ? `${s.slice(0, RECORD_TEXT_MAX)}…` : s;
}

function secondsText(us: number): string {
  const s = us / 1e6;
  return `${Number.isInteger(s) ? s : s.toFixed(6).replace(/0+$/, '')} s`;
}

/**
 * The first divergence as lines of text: where, the two records (labelled `names`), what it
 * belongs to, and the context. `lineOffset` turns a record index into a file's line number
 * (1 when the file starts with a header line, so record #0 is on line 2).
 */
export function divergenceLines(p: DivergencePoint, names: { a: string; b: string } = { a: 'a', b: 'b' }, lineOffset?: number): string[] {
  const w = Math.max(names.a.length, names.b.length) + 1;
  const where = lineOffset === undefined ? '' : `, line ${p.index + lineOffset + 1}`;
  const lines = [`first divergence: record #${p.index}${where}, simulated time ${p.timeUs === null ? '?' : secondsText(p.timeUs)}`];
  const about = [p.component, p.stream !== undefined ? `random stream ${p.stream}` : undefined].filter((x) => x !== undefined);
  if (about.length) lines.push(`  ${about.join(' · ')}`);
  for (const r of p.before) lines.push(`  ${''.padEnd(w)}  ${recordText(r)}`);
  lines.push(`  ${`${names.a}:`.padEnd(w)}  ${recordText(p.a)}`);
  lines.push(`  ${`${names.b}:`.padEnd(w)}  ${recordText(p.b)}`);
  if (p.after.a.length || p.after.b.length) {
    lines.push('  then:');
    for (const r of p.after.a) lines.push(`  ${`${names.a}:`.padEnd(w)}  ${recordText(r)}`);
    for (const r of p.after.b) lines.push(`  ${`${names.b}:`.padEnd(w)}  ${recordText(r)}`);
  }
  return lines;
}
