/**
 * Metrics that work with tracing off and whose memory does not grow with the run's length:
 * counters, gauges (with a time-weighted mean, for Little's law), log-linear histograms and
 * series windowed by simulated time.
 *
 * Percentiles (the one method every report uses): `percentile(h, q)` returns the nearest-rank
 * value: the smallest recorded value v such that at least ceil(q·n) observations are ≤ v, as
 * resolved by the histogram's buckets, whose width is at most 1/128 of their value (relative
 * error under 0.8%; values below 256 are exact). The reported value is the bucket's upper bound, clamped to the exact observed
 * min and max, so p0 is the min, p100 the max and a single-valued histogram reports that value.
 */

/** A counter: `inc(by = 1)` adds to `value`. */
export class Counter {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
}

/** A value over simulated time; `mean(now)` is its time-weighted average since creation. */
export class Gauge {
  value = 0;
  max = 0;
  private area = 0;
  private lastUs: number;
  private readonly startUs: number;

  constructor(nowUs = 0) {
    this.lastUs = nowUs;
    this.startUs = nowUs;
  }

  set(nowUs: number, value: number): void {
    this.area += this.value * (nowUs - this.lastUs);
    this.lastUs = nowUs;
    this.value = value;
    if (value > this.max) this.max = value;
  }

  add(nowUs: number, delta: number): void {
    // `set(nowUs, value + delta)` written out (one small method for V8 to inline, not two)
    const v = this.value;
    this.area += v * (nowUs - this.lastUs);
    this.lastUs = nowUs;
    const next = v + delta;
    this.value = next;
    if (next > this.max) this.max = next;
  }

  /** Time-weighted mean from creation to `nowUs`. */
  mean(nowUs: number): number {
    const span = nowUs - this.startUs;
    if (span <= 0) return this.value;
    return (this.area + this.value * (nowUs - this.lastUs)) / span;
  }
}

const EXACT = 256; // values below are exact
const EMPTY_COUNTS = new Float64Array(0);
const PER_DOUBLING = 128; // buckets per power of two above EXACT: width ≤ value/128
/** The length at which a sparse histogram's list becomes bucket counts (about the size of the
 * counts for latencies up to a few hundred milliseconds). */
const SPARSE_MAX = 2048;

/**
 * Log-linear histogram of non-negative values (HdrHistogram's layout), meant for integer
 * microseconds: values below 256 are exact; above, each power of two is split into 128 equal
 * buckets. Memory is bounded by the value range (128 buckets per doubling), never by the number
 * of observations. Fractional values are floored into their bucket; sum, min and max stay exact.
 */
export class Histogram {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  // Bucket counts; grown a doubling band (128 buckets) beyond the largest value seen, so a
  // histogram reallocates a few times, not at every new maximum. Unused buckets hold 0.
  private counts = EMPTY_COUNTS;
  // A sparse histogram (see `Histogram.sparse`) keeps the bucket of each observation in a list
  // until the list reaches SPARSE_MAX entries, then becomes dense; null once dense. A plain array
  // of small integers: a typed array this size lives outside V8's heap, and allocating one costs
  // microseconds.
  private pend: number[] | null = null;
  /** The length `pend` had when it was last sorted (it is sorted while its length is that). */
  private pendSorted = 0;

  /**
   * @param presize - bucket slots to allocate at once (a histogram that will see values up to about
   *   those of another one passes `other.size`, so it does not grow while it fills)
   */
  constructor(presize = 0) {
    if (presize > 0) this.counts = new Float64Array(presize);
  }

  /**
   * A histogram for few observations (one window of a series): it keeps each observation's bucket
   * in a short list, and allocates its bucket counts (up to about 2,000 slots) only once it has seen
   * SPARSE_MAX observations. Percentiles, merges and sizes are the same as a dense histogram's.
   */
  static sparse(): Histogram {
    const h = new Histogram();
    h.pend = [];
    return h;
  }

  record(value: number): void {
    if (!(value >= 0)) value = 0;
    this.recordInBucket(value, bucketIndex(value));
  }

  /**
   * `record(value)` with its bucket already computed as `Histogram.bucketOf(value)`: a value that
   * goes into several histograms (a request's latency overall, per window, ok only) is bucketed
   * once. `value` must be ≥ 0.
   */
  recordInBucket(value: number, i: number): void {
    const pend = this.pend;
    if (pend !== null) {
      if (pend.length < SPARSE_MAX) pend.push(i);
      else this.pendFull(i);
    } else {
      if (i >= this.counts.length) this.grow(i + 1);
      this.counts[i]!++;
    }
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  get mean(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }

  /** The sparse list is full: become dense, then count bucket i. */
  private pendFull(i: number): void {
    this.densify();
    if (i >= this.counts.length) this.grow(i + 1);
    this.counts[i]!++;
  }

  /** Move the sparse list into bucket counts (a no-op for a dense histogram). */
  private densify(): void {
    const pend = this.pend;
    if (pend === null) return;
    this.pend = null;
    let top = -1;
    for (let j = 0; j < pend.length; j++) if (pend[j]! > top) top = pend[j]!;
    if (top >= this.counts.length) this.grow(top + 1);
    const c = this.counts;
    for (let j = 0; j < pend.length; j++) c[pend[j]!]!++;
  }

  private grow(n: number): void {
    const c = new Float64Array(Math.max(n + PER_DOUBLING, Math.ceil(this.counts.length * 1.25)));
    c.set(this.counts);
    this.counts = c;
  }

  merge(other: Histogram): void {
    if (other.pend !== null && this.pend !== null && this.pend.length + other.pend.length <= SPARSE_MAX) {
      // two sparse lists that fit in one: their concatenation (what adding the source's buckets
      // one by one would make, in one copy)
      this.pend = this.pend.concat(other.pend);
    } else if (other.pend !== null) {
      // a sparse source: count its buckets one by one (into this list while it has room)
      for (let j = 0; j < other.pend.length; j++) {
        const i = other.pend[j]!;
        if (this.pend !== null) {
          if (this.pend.length < SPARSE_MAX) this.pend.push(i);
          else this.pendFull(i);
        } else {
          if (i >= this.counts.length) this.grow(i + 1);
          this.counts[i]!++;
        }
      }
    } else {
      this.densify();
      if (this.counts.length < other.counts.length) this.grow(other.counts.length);
      for (let i = 0; i < other.counts.length; i++) this.counts[i]! += other.counts[i]!;
    }
    this.count += other.count;
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }

  /** The bucket of `value` (negative or NaN counts as 0), for `recordInBucket`. */
  static bucketOf(value: number): number {
    return value >= 0 ? bucketIndex(value) : 0;
  }

  /** The largest value bucket `i` holds (its upper edge), for exposing the buckets at other bounds. */
  static bucketUpperOf(i: number): number {
    return bucketUpper(i);
  }

  /** Bucket slots allocated (for `new Histogram(other.size)`). */
  get size(): number {
    this.densify();
    return this.counts.length;
  }

  /** @internal bucket counts, for percentile() (trailing buckets may be empty). */
  get buckets(): ArrayLike<number> {
    this.densify();
    return this.counts;
  }

  /**
   * @internal the bucket holding the observation of rank `rank` (1 = the smallest), for
   * percentile(); a sparse histogram answers from its sorted list without allocating its counts.
   */
  bucketOfRank(rank: number): number {
    const pend = this.pend;
    if (pend !== null) {
      // the list is a multiset: sort it in place once (natively, as int32), until it grows again
      if (this.pendSorted !== pend.length) {
        const sorted = Int32Array.from(pend).sort();
        for (let j = 0; j < sorted.length; j++) pend[j] = sorted[j]!;
        this.pendSorted = pend.length;
      }
      return pend[Math.min(rank, pend.length) - 1]!;
    }
    const b = this.counts;
    let seen = 0;
    for (let i = 0; i < b.length; i++) {
      seen += b[i]!;
      if (seen >= rank) return i;
    }
    return -1;
  }
}

function bucketIndex(v: number): number {
  const x = Math.floor(v);
  if (x < EXACT) return x;
  if (x < 0x80000000) {
    // integer arithmetic: x in [2^e, 2^(e+1)) splits into 128 buckets of width 2^(e-7)
    const e = 31 - Math.clz32(x);
    return EXACT + (e - 8) * PER_DOUBLING + ((x >>> (e - 7)) - PER_DOUBLING);
  }
  return bucketIndexLarge(x);
}

/** `bucketIndex` of an integer from 2^31 (a function of its own: kept out of the inlined hot path). */
function bucketIndexLarge(x: number): number {
  const e = Math.floor(Math.log2(x));
  const width = 2 ** (e - 7);
  return EXACT + (e - 8) * PER_DOUBLING + Math.floor((x - 2 ** e) / width);
}

function bucketUpper(i: number): number {
  if (i < EXACT) return i;
  const e = 8 + Math.floor((i - EXACT) / PER_DOUBLING);
  const sub = (i - EXACT) % PER_DOUBLING;
  const width = 2 ** (e - 7);
  return 2 ** e + (sub + 1) * width - 1;
}

/**
 * The percentile every report uses: nearest rank (the smallest value v with at least ceil(q·n)
 * observations ≤ v) as resolved by the histogram's buckets (relative error under 0.8 %; values
 * below 256 exact), clamped to the observed min and max. `q` in [0, 1]; NaN when empty.
 */
export function percentile(h: Histogram, q: number): number {
  if (h.count === 0) return NaN;
  if (q <= 0) return h.min;
  if (q >= 1) return h.max;
  const rank = Math.ceil(q * h.count);
  const i = h.bucketOfRank(rank);
  return i < 0 ? h.max : Math.min(h.max, Math.max(h.min, bucketUpper(i)));
}

/** Nearest-rank percentile of raw values (for small samples and tests); same definition. */
export function percentileOfValues(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = values.slice().sort((a, b) => a - b);
  if (q <= 0) return sorted[0]!;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

const SPAN_NONE = { lo: Infinity, hi: -Infinity };

/**
 * Times t that certainly have `Math.floor(t / widthUs) === idx`, as a closed range [lo, hi]
 * (empty when that cannot be told cheaply), for skipping the division while values arrive in one
 * window. For an integer width w and (idx + 1)·w ≤ 2^52: every t ≥ idx·w has t / w ≥ idx, and
 * every t ≤ (idx + 1)·w − 1 has t / w ≤ idx + 1 − 1/w, which rounds below idx + 1 because 1/w is at
 * least an ulp of idx + 1. Times in the last microsecond of the window take the division.
 */
export function windowSpan(idx: number, widthUs: number): { lo: number; hi: number } {
  if (!Number.isInteger(widthUs) || (idx + 1) * widthUs > 2 ** 52) return SPAN_NONE;
  return { lo: idx * widthUs, hi: (idx + 1) * widthUs - 1 };
}

/** One window of a `Series`: its start in simulated µs, and the count, sum and maximum of the values in it. */
export interface SeriesWindow {
  /** Start of the window, simulated µs. */
  startUs: number;
  /** Values added in the window. */
  count: number;
  /** Their sum. */
  sum: number;
  /** Their maximum (0 when none). */
  max: number;
}

/**
 * Values bucketed into windows of simulated time (`widthUs`). At most `windowsMax` windows are
 * kept: when a run outgrows them the width doubles and neighbours merge, so memory is bounded.
 */
export class Series {
  widthUs: number;
  private counts: number[] = [];
  private sums: number[] = [];
  private maxes: number[] = [];

  constructor(
    widthUs: number,
    readonly windowsMax = 2048,
  ) {
    if (!(widthUs >= 1)) throw new Error(`Series width ${widthUs} us must be ≥ 1`);
    this.widthUs = widthUs;
  }

  // The window the last value went into, and the times that certainly fall in it ([curLoUs,
  // curHiUs], see `windowSpan`), so consecutive values in one window skip the division.
  private curIdx = 0;
  private curLoUs = Infinity;
  private curHiUs = -Infinity;

  add(nowUs: number, value = 1): void {
    const idx = nowUs >= this.curLoUs && nowUs <= this.curHiUs ? this.curIdx : this.enter(nowUs);
    this.counts[idx]!++;
    this.sums[idx]! += value;
    if (value > this.maxes[idx]!) this.maxes[idx] = value;
  }

  /** The window of `nowUs` (coarsening and extending as needed), remembered as the current one. */
  private enter(nowUs: number): number {
    let idx = Math.floor(nowUs / this.widthUs);
    while (idx >= this.windowsMax) {
      this.coarsen();
      idx = Math.floor(nowUs / this.widthUs);
    }
    while (this.counts.length <= idx) {
      this.counts.push(0);
      this.sums.push(0);
      this.maxes.push(-Infinity);
    }
    this.curIdx = idx;
    const span = windowSpan(idx, this.widthUs);
    this.curLoUs = span.lo;
    this.curHiUs = span.hi;
    return idx;
  }

  private coarsen(): void {
    this.curLoUs = Infinity;
    this.curHiUs = -Infinity;
    // neighbours merge in place, into the first half of the same arrays: new arrays would have
    // other element kinds (small integers where the maxima were doubles), and V8 would deoptimize
    // `add` and its callers for the new maps
    const counts = this.counts;
    const sums = this.sums;
    const maxes = this.maxes;
    const n = counts.length;
    let j = 0;
    for (let i = 0; i < n; i += 2, j++) {
      const last = i + 1 === n;
      counts[j] = counts[i]! + (last ? 0 : counts[i + 1]!);
      sums[j] = sums[i]! + (last ? 0 : sums[i + 1]!);
      maxes[j] = Math.max(maxes[i]!, last ? -Infinity : maxes[i + 1]!);
    }
    counts.length = j;
    sums.length = j;
    maxes.length = j;
    this.widthUs *= 2;
  }

  /** Windows up to `endUs` (empty windows included, so the x axis is regular). */
  windows(endUs?: number): SeriesWindow[] {
    const n = endUs === undefined ? this.counts.length : Math.max(this.counts.length, Math.ceil(endUs / this.widthUs));
    const out: SeriesWindow[] = [];
    for (let i = 0; i < n; i++) {
      out.push({
        startUs: i * this.widthUs,
        count: this.counts[i] ?? 0,
        sum: this.sums[i] ?? 0,
        max: this.maxes[i] === undefined || this.maxes[i] === -Infinity ? 0 : this.maxes[i]!,
      });
    }
    return out;
  }
}

/**
 * How a registry metric is exposed to alert rules when its name should not be derived (see
 * sim/alerts/names.ts): a Prometheus name, labels and a factor applied to its values.
 */
export interface PromDescription {
  name: string;
  labels: Readonly<Record<string, string>>;
  /** Multiplies each value (1e-6 for µs shown in seconds). Default 1. */
  scale?: number;
}

/** A registry so scenarios and patterns can publish named metrics. */
export class Metrics {
  readonly counters = new Map<string, Counter>();
  readonly gauges = new Map<string, Gauge>();
  readonly histograms = new Map<string, Histogram>();
  readonly series = new Map<string, Series>();
  /** Prometheus names given with `describe` (others are derived from the registry name). */
  readonly described = new Map<string, PromDescription>();

  constructor(readonly seriesWidthUs = 1_000_000) {}

  /** Expose the metric `name` to alert rules as `prom` (its Prometheus name and labels) instead of a derived name. */
  describe(name: string, prom: PromDescription): void {
    this.described.set(name, prom);
  }

  counter(name: string): Counter {
    let c = this.counters.get(name);
    if (!c) this.counters.set(name, (c = new Counter()));
    return c;
  }
  gauge(name: string, nowUs = 0): Gauge {
    let g = this.gauges.get(name);
    if (!g) this.gauges.set(name, (g = new Gauge(nowUs)));
    return g;
  }
  histogram(name: string): Histogram {
    let h = this.histograms.get(name);
    if (!h) this.histograms.set(name, (h = new Histogram()));
    return h;
  }
  seriesOf(name: string, widthUs = this.seriesWidthUs): Series {
    let s = this.series.get(name);
    if (!s) this.series.set(name, (s = new Series(widthUs)));
    return s;
  }
}
