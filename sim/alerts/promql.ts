/**
 * The samples alert rules read (a small in-memory TSDB filled by each scrape) and the evaluation
 * of a parsed expression (expr.ts) at one instant, with Prometheus 3's semantics:
 *
 * - an instant selector takes each series' latest sample at or before the instant, within the
 *   lookback delta (5 minutes), unless the series went stale (it was missing from a later scrape:
 *   Prometheus's staleness marker);
 * - a range selector `[r]` takes the samples in the left-open window (t − r, t];
 * - `rate`/`increase`/`delta` extrapolate as Prometheus's `extrapolatedRate` does: counter resets
 *   add the value before the reset; the result is extrapolated to the window's edges when the
 *   first/last sample lies within 1.1 × the average sample spacing of them, else by half that
 *   spacing; a counter is never extrapolated below zero (the start is moved to where the counter
 *   would have been 0 if that is nearer); a series with fewer than two samples gives no result;
 *   `rate` divides by the window's length in seconds;
 * - `histogram_quantile(φ, b)` groups `_bucket` series by their labels other than `le`, sorts by
 *   `le` (which must include `+Inf`), makes counts monotonic, finds the bucket holding rank
 *   φ × count and interpolates linearly inside it (the lowest bucket's lower edge is 0); a rank in
 *   the `+Inf` bucket returns the largest finite upper bound; φ < 0 → −Inf, φ > 1 → +Inf; no
 *   observations → NaN;
 * - arithmetic drops the metric name; a comparison without `bool` keeps the left-hand samples for
 *   which it holds; vector/vector operations match samples on identical label sets (or on the
 *   `on`/`ignoring` labels).
 */
import type { Labels, Sample } from './names.ts';
import type { AggregateOp, BinaryOp, Expr, Matcher } from './expr.ts';

/** Prometheus's default lookback delta for instant selectors. */
export const LOOKBACK_US = 300_000_000;

interface StoredSeries {
  name: string;
  labels: Labels;
  t: number[];
  v: number[];
  /** First live index (older samples were dropped). */
  head: number;
  /** When the series went missing from a scrape (stale from then on), else -1. */
  staleAt: number;
  lastScrape: number;
}

/** The series of a run's scrapes, kept for `retentionUs` (at least the longest range a rule reads). */
export class SampleStore {
  private readonly byKey = new Map<string, StoredSeries>();
  private readonly byName = new Map<string, StoredSeries[]>();
  private scrapes = 0;

  constructor(readonly retentionUs: number) {}

  /** Add one scrape taken at `tUs`; series missing from it go stale. */
  append(tUs: number, samples: readonly Sample[]): void {
    this.scrapes++;
    const stamp = this.scrapes;
    for (const s of samples) {
      const key = seriesKey(s.name, s.labels);
      let st = this.byKey.get(key);
      if (st === undefined) {
        st = { name: s.name, labels: s.labels, t: [], v: [], head: 0, staleAt: -1, lastScrape: stamp };
        this.byKey.set(key, st);
        let list = this.byName.get(s.name);
        if (list === undefined) this.byName.set(s.name, (list = []));
        list.push(st);
      }
      st.t.push(tUs);
      st.v.push(s.value);
      st.staleAt = -1;
      st.lastScrape = stamp;
    }
    const oldest = tUs - this.retentionUs;
    for (const st of this.byKey.values()) {
      if (st.lastScrape !== stamp && st.staleAt < 0) st.staleAt = tUs;
      while (st.head < st.t.length && st.t[st.head]! < oldest) st.head++;
      if (st.head > 1024 && st.head * 2 > st.t.length) {
        st.t = st.t.slice(st.head);
        st.v = st.v.slice(st.head);
        st.head = 0;
      }
    }
  }

  /** The series named `name` that match every matcher. */
  series(name: string, matchers: readonly Matcher[]): StoredSeries[] {
    const list = this.byName.get(name) ?? [];
    return list.filter((s) => matchers.every((m) => matches(m, s.labels[m.label] ?? '')));
  }
}

function matches(m: Matcher, v: string): boolean {
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return m.re!.test(v);
    case '!~':
      return !m.re!.test(v);
  }
}

/** A label set's identity: its name=value pairs sorted by name (values '' left out). */
export function labelsKey(labels: Labels): string {
  return Object.keys(labels)
    .filter((k) => labels[k] !== '')
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join('\u0000');
}

function seriesKey(name: string, labels: Labels): string {
  return `${name}\u0001${labelsKey(labels)}`;
}

/** `{a="x", b="y"}` as Prometheus prints a label set (sorted). */
export function formatLabels(labels: Labels): string {
  const keys = Object.keys(labels).filter((k) => labels[k] !== '').sort();
  return `{${keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(', ')}}`;
}

/** One element of an instant vector: its metric name (absent once dropped), labels and value. */
export interface VectorSample {
  name?: string;
  labels: Labels;
  value: number;
}

export type Value = { type: 'scalar'; value: number } | { type: 'vector'; samples: VectorSample[] } | { type: 'matrix'; series: { name: string; labels: Labels; t: number[]; v: number[] }[]; rangeUs: number };

/** Evaluate `e` at simulated time `tUs` against `store`. */
export function evaluate(e: Expr, store: SampleStore, tUs: number): Value {
  switch (e.type) {
    case 'number':
      return { type: 'scalar', value: e.value };
    case 'selector': {
      const all = store.series(e.name, e.matchers);
      if (e.rangeUs !== undefined) {
        const from = tUs - e.rangeUs;
        const series = [];
        for (const s of all) {
          const t: number[] = [];
          const v: number[] = [];
          for (let i = s.head; i < s.t.length; i++) {
            const ti = s.t[i]!;
            if (ti > from && ti <= tUs) {
              t.push(ti);
              v.push(s.v[i]!);
            }
          }
          if (t.length > 0) series.push({ name: s.name, labels: s.labels, t, v });
        }
        return { type: 'matrix', series, rangeUs: e.rangeUs };
      }
      const samples: VectorSample[] = [];
      for (const s of all) {
        if (s.staleAt >= 0 && s.staleAt <= tUs) continue;
        let i = s.t.length - 1;
        while (i >= s.head && s.t[i]! > tUs) i--;
        if (i < s.head || s.t[i]! <= tUs - LOOKBACK_US) continue;
        samples.push({ name: s.name, labels: s.labels, value: s.v[i]! });
      }
      return { type: 'vector', samples };
    }
    case 'unary': {
      const v = evaluate(e.expr, store, tUs);
      if (v.type === 'scalar') return { type: 'scalar', value: -v.value };
      if (v.type === 'vector') return { type: 'vector', samples: v.samples.map((s) => ({ labels: s.labels, value: -s.value })) };
      return v;
    }
    case 'call':
      return call(e.fn, e.args.map((a) => evaluate(a, store, tUs)), tUs);
    case 'aggregate':
      return aggregate(e.op, e.grouping, asVector(evaluate(e.expr, store, tUs)));
    case 'binary':
      return binary(e, evaluate(e.lhs, store, tUs), evaluate(e.rhs, store, tUs));
  }
}

function asVector(v: Value): VectorSample[] {
  return v.type === 'vector' ? v.samples : [];
}

function call(fn: string, args: Value[], tUs: number): Value {
  if (fn === 'histogram_quantile') {
    const q = args[0]!.type === 'scalar' ? args[0]!.value : NaN;
    return { type: 'vector', samples: histogramQuantileVector(q, asVector(args[1]!)) };
  }
  if (fn === 'abs') return { type: 'vector', samples: asVector(args[0]!).map((s) => ({ labels: s.labels, value: Math.abs(s.value) })) };
  const m = args[0]!;
  if (m.type !== 'matrix') return { type: 'vector', samples: [] };
  const out: VectorSample[] = [];
  for (const s of m.series) {
    let value: number | null;
    switch (fn) {
      case 'rate':
        value = extrapolatedRate(s.t, s.v, tUs - m.rangeUs, tUs, true, true);
        break;
      case 'increase':
        value = extrapolatedRate(s.t, s.v, tUs - m.rangeUs, tUs, true, false);
        break;
      case 'delta':
        value = extrapolatedRate(s.t, s.v, tUs - m.rangeUs, tUs, false, false);
        break;
      case 'avg_over_time':
        value = s.v.reduce((a, b) => a + b, 0) / s.v.length;
        break;
      case 'min_over_time':
        value = Math.min(...s.v);
        break;
      case 'max_over_time':
        value = Math.max(...s.v);
        break;
      case 'sum_over_time':
        value = s.v.reduce((a, b) => a + b, 0);
        break;
      case 'count_over_time':
        value = s.v.length;
        break;
      default:
        value = null;
    }
    if (value !== null) out.push({ labels: s.labels, value });
  }
  return { type: 'vector', samples: out };
}

/**
 * Prometheus's `extrapolatedRate` over one series' samples in the window [startUs, endUs]
 * (times in µs): null with fewer than two samples. See the file's comment for the rules.
 */
export function extrapolatedRate(t: readonly number[], v: readonly number[], startUs: number, endUs: number, isCounter: boolean, isRate: boolean): number | null {
  const n = t.length;
  if (n < 2) return null;
  let result = v[n - 1]! - v[0]!;
  if (isCounter) {
    // a counter that went down was reset: the value before the reset was lost, add it back
    for (let i = 1; i < n; i++) if (v[i]! < v[i - 1]!) result += v[i - 1]!;
  }
  const sec = (us: number): number => us / 1e6;
  let toStart = sec(t[0]! - startUs);
  let toEnd = sec(endUs - t[n - 1]!);
  const sampled = sec(t[n - 1]! - t[0]!);
  const avgGap = sampled / (n - 1);
  const threshold = avgGap * 1.1;
  if (toStart >= threshold) toStart = avgGap / 2;
  if (isCounter && result > 0 && v[0]! >= 0) {
    const toZero = sampled * (v[0]! / result);
    if (toZero < toStart) toStart = toZero;
  }
  if (toEnd >= threshold) toEnd = avgGap / 2;
  let factor = (sampled + toStart + toEnd) / sampled;
  if (isRate) factor /= sec(endUs - startUs);
  return result * factor;
}

/** `histogram_quantile(q, buckets)` over classic `le` buckets; see the file's comment. */
export function histogramQuantile(q: number, buckets: readonly { le: number; count: number }[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const b = [...buckets].sort((x, y) => x.le - y.le);
  if (b.length < 2 || b[b.length - 1]!.le !== Infinity) return NaN;
  // counts must not fall as le rises (a scrape may see buckets updated at different moments)
  for (let i = 1; i < b.length; i++) if (b[i]!.count < b[i - 1]!.count) b[i] = { le: b[i]!.le, count: b[i - 1]!.count };
  const total = b[b.length - 1]!.count;
  if (total === 0) return NaN;
  let rank = q * total;
  let i = b.findIndex((x) => x.count >= rank);
  if (i < 0) i = b.length - 1;
  if (i === b.length - 1) return b[b.length - 2]!.le;
  if (i === 0 && b[0]!.le <= 0) return b[0]!.le;
  const start = i === 0 ? 0 : b[i - 1]!.le;
  const end = b[i]!.le;
  let count = b[i]!.count;
  if (i > 0) {
    count -= b[i - 1]!.count;
    rank -= b[i - 1]!.count;
  }
  return start + (end - start) * (rank / count);
}

function histogramQuantileVector(q: number, samples: readonly VectorSample[]): VectorSample[] {
  const groups = new Map<string, { labels: Record<string, string>; buckets: { le: number; count: number }[] }>();
  for (const s of samples) {
    const leText = s.labels.le;
    if (leText === undefined) continue;
    const le = leText === '+Inf' ? Infinity : Number(leText);
    if (Number.isNaN(le)) continue;
    const rest: Record<string, string> = {};
    for (const k of Object.keys(s.labels)) if (k !== 'le') rest[k] = s.labels[k]!;
    const key = labelsKey(rest);
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { labels: rest, buckets: [] }));
    g.buckets.push({ le, count: s.value });
  }
  return [...groups.values()].map((g) => ({ labels: g.labels, value: histogramQuantile(q, g.buckets) }));
}

function aggregate(op: AggregateOp, grouping: { mode: 'by' | 'without'; labels: string[] } | null, samples: readonly VectorSample[]): Value {
  const groups = new Map<string, { labels: Record<string, string>; values: number[] }>();
  for (const s of samples) {
    const labels: Record<string, string> = {};
    if (grouping?.mode === 'by') {
      for (const l of grouping.labels) if (s.labels[l] !== undefined && s.labels[l] !== '') labels[l] = s.labels[l]!;
    } else if (grouping?.mode === 'without') {
      for (const k of Object.keys(s.labels)) if (!grouping.labels.includes(k)) labels[k] = s.labels[k]!;
    }
    const key = labelsKey(labels);
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { labels, values: [] }));
    g.values.push(s.value);
  }
  const out: VectorSample[] = [];
  for (const g of groups.values()) {
    const vs = g.values;
    let value: number;
    switch (op) {
      case 'sum':
        value = vs.reduce((a, b) => a + b, 0);
        break;
      case 'avg':
        value = vs.reduce((a, b) => a + b, 0) / vs.length;
        break;
      case 'min':
        value = Math.min(...vs);
        break;
      case 'max':
        value = Math.max(...vs);
        break;
      case 'count':
        value = vs.length;
        break;
    }
    out.push({ labels: g.labels, value });
  }
  return { type: 'vector', samples: out };
}

function arith(op: BinaryOp, a: number, b: number): number | boolean {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '%':
      return a % b;
    case '^':
      return a ** b;
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '>':
      return a > b;
    case '<':
      return a < b;
    case '>=':
      return a >= b;
    case '<=':
      return a <= b;
    default:
      return NaN;
  }
}

const COMPARISONS = new Set<BinaryOp>(['==', '!=', '>', '<', '>=', '<=']);

function binary(e: Extract<Expr, { type: 'binary' }>, l: Value, r: Value): Value {
  const op = e.op;
  const cmp = COMPARISONS.has(op);
  const combine = (a: number, b: number): number | null => {
    const x = arith(op, a, b);
    if (typeof x === 'boolean') return e.bool ? (x ? 1 : 0) : x ? a : null;
    return x;
  };
  if (l.type === 'scalar' && r.type === 'scalar') {
    const x = arith(op, l.value, r.value);
    return { type: 'scalar', value: typeof x === 'boolean' ? (x ? 1 : 0) : x };
  }
  if (l.type === 'vector' && r.type === 'scalar') {
    const out: VectorSample[] = [];
    for (const s of l.samples) {
      const x = combine(s.value, r.value);
      if (x === null) continue;
      out.push(cmp && !e.bool ? { name: s.name, labels: s.labels, value: x } : { labels: s.labels, value: x });
    }
    return { type: 'vector', samples: out };
  }
  if (l.type === 'scalar' && r.type === 'vector') {
    const out: VectorSample[] = [];
    for (const s of r.samples) {
      const x = arith(op, l.value, s.value);
      if (typeof x === 'boolean') {
        if (e.bool) out.push({ labels: s.labels, value: x ? 1 : 0 });
        else if (x) out.push({ name: s.name, labels: s.labels, value: s.value });
      } else out.push({ labels: s.labels, value: x });
    }
    return { type: 'vector', samples: out };
  }
  const ls = asVector(l);
  const rs = asVector(r);
  const sig = (labels: Labels): string => {
    const m = e.matching;
    if (m === null) return labelsKey(labels);
    const picked: Record<string, string> = {};
    for (const k of Object.keys(labels)) if (m.mode === 'on' ? m.labels.includes(k) : !m.labels.includes(k)) picked[k] = labels[k]!;
    return labelsKey(picked);
  };
  const right = new Map<string, VectorSample>();
  for (const s of rs) right.set(sig(s.labels), s);
  if (op === 'and') return { type: 'vector', samples: ls.filter((s) => right.has(sig(s.labels))) };
  if (op === 'unless') return { type: 'vector', samples: ls.filter((s) => !right.has(sig(s.labels))) };
  if (op === 'or') {
    const left = new Set(ls.map((s) => sig(s.labels)));
    return { type: 'vector', samples: [...ls, ...rs.filter((s) => !left.has(sig(s.labels)))] };
  }
  const out: VectorSample[] = [];
  for (const s of ls) {
    const o = right.get(sig(s.labels));
    if (o === undefined) continue;
    const x = combine(s.value, o.value);
    if (x === null) continue;
    // the result carries the left side's labels (restricted to the on() labels with on)
    let labels: Labels = s.labels;
    if (e.matching?.mode === 'on' && !(cmp && !e.bool)) {
      const picked: Record<string, string> = {};
      for (const k of e.matching.labels) if (s.labels[k] !== undefined) picked[k] = s.labels[k]!;
      labels = picked;
    }
    out.push(cmp && !e.bool ? { name: s.name, labels, value: x } : { labels, value: x });
  }
  return { type: 'vector', samples: out };
}
