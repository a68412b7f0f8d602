/**
 * Standard request accounting shared by every scenario: counts, availability, a latency
 * histogram and per-window series (throughput, goodput, errors by kind, first tries vs retries),
 * all bounded in memory. Feeds RunResult.metrics and the report's metric panels.
 */
import { Histogram, percentile, Series, windowSpan } from './metrics.ts';
import type { RecordEmitter, Tracer } from './trace.ts';

/** Latency percentiles (p50, p90, p99, p99.9) and maximum of a run's requests, in milliseconds. */
export interface LatencySummaryMs {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** Hears of one finished request: when, whether ok, its latency (µs), its error kind and where it was observed. */
export type RequestListener = (nowUs: number, ok: boolean, latencyUs: number, error: string | undefined, node: string) => void;

/** Per-window latency histograms kept at most (each up to about 2,000 buckets). */
export const WINDOW_HISTOGRAMS_MAX = 4096;

/**
 * A run's request accounting (`ctx.requests`; workloads record into it): counts, availability,
 * a latency histogram in µs, and per-window series (throughput, goodput, errors by kind, first
 * tries vs retries, per-window latency histograms), bounded in memory. It feeds the run's
 * metrics, the SLO checkers and the report.
 */
export class RequestStats {
  requests = 0;
  ok = 0;
  failed = 0;
  /** Attempts beyond the first, over all requests. */
  retries = 0;
  /** Latency of every finished request, ok or not, in microseconds. */
  readonly latencyUs = new Histogram();
  readonly okLatencyUs = new Histogram();
  readonly errors = new Map<string, number>();
  /** Requests finished per window (throughput). */
  readonly throughput: Series;
  /** Successful requests per window (goodput). */
  readonly goodput: Series;
  /** Latency (µs) per window: count, sum and max; percentiles per window live in `windowLatency`. */
  readonly latency: Series;
  /** First attempts and retries sent per window. */
  readonly firstTries: Series;
  readonly retrySends: Series;
  readonly errorSeries = new Map<string, Series>();
  /**
   * Latency histograms per window of `windowLatencyWidthUs`, for p50/p99 panels and latency SLOs.
   * At most WINDOW_HISTOGRAMS_MAX: a longer run merges neighbours and doubles the width (as a
   * `Series` coarsens), so every request stays in some window's percentiles.
   */
  readonly windowLatency: Histogram[] = [];
  private latencyWidthUs: number;
  /** The window histogram the last request went into, and the times certainly in its window. */
  private curWindow: Histogram = Histogram.sparse();
  private curLoUs = Infinity;
  private curHiUs = -Infinity;
  /** Who else hears of each finished request (the alerting layer's exact counters); null: nobody. */
  private listeners: RequestListener[] | null = null;

  /**
   * @param windowUs - width of the per-window series
   * @param tracer - when given, every finished request is also a `request` trace record (a detail
   *   kind: hashed at every level, kept at `full`), so the trace hash reflects each outcome.
   */
  private readonly emitter: RecordEmitter | undefined;
  /** The tracer when it only hashes `request` records (keeps none): they go straight to its hasher. */
  private readonly hashOnly: Tracer | undefined;

  constructor(
    readonly windowUs = 1_000_000,
    tracer?: Tracer,
  ) {
    this.emitter = tracer?.recordEmitter('request', ['node', 'id', 'ok', 'latencyUs', 'attempts', 'error']);
    this.hashOnly = this.emitter?._hashOnly === true ? tracer : undefined;
    this.latencyWidthUs = windowUs;
    this.throughput = new Series(windowUs);
    this.goodput = new Series(windowUs);
    this.latency = new Series(windowUs);
    this.firstTries = new Series(windowUs);
    this.retrySends = new Series(windowUs);
  }

  /**
   * A request finished at `nowUs` after `latencyUs`; `error` names the failure kind when not ok;
   * `node` is where it was observed (the client or entry point).
   */
  record(nowUs: number, ok: boolean, latencyUs: number, error?: string, node = 'client', attempts?: number): void {
    // the hot path of every request: what is rare (listeners, a kept record, a failure) is in
    // methods of its own, so V8 inlines the histograms and series here
    this.requests++;
    if (this.listeners !== null) this.tell(nowUs, ok, latencyUs, error, node);
    const t = this.hashOnly;
    // hashed only (the usual case): the hasher's straight-line path for this record, the same words
    if (t !== undefined && t._hasher.recordRequest(nowUs, node, this.requests, ok, latencyUs, attempts, ok ? undefined : (error ?? 'error'))) t.emitted++;
    else if (this.emitter !== undefined) this.emitRecord(nowUs, ok, latencyUs, error, node, attempts);
    const v = latencyUs >= 0 ? latencyUs : 0;
    const bucket = Histogram.bucketOf(v);
    this.latencyUs.recordInBucket(v, bucket);
    this.throughput.add(nowUs, 1);
    this.latency.add(nowUs, latencyUs);
    // consecutive requests mostly finish in one window: its histogram is remembered with the
    // times certainly in it, and a request outside them finds (or opens) its window
    const h = nowUs >= this.curLoUs && nowUs <= this.curHiUs ? this.curWindow : this.enterWindow(nowUs);
    h.recordInBucket(v, bucket);
    if (ok) {
      this.ok++;
      this.okLatencyUs.recordInBucket(v, bucket);
      this.goodput.add(nowUs, 1);
    } else {
      this.recordFailure(nowUs, error);
    }
  }

  private tell(nowUs: number, ok: boolean, latencyUs: number, error: string | undefined, node: string): void {
    for (const l of this.listeners!) l(nowUs, ok, latencyUs, error, node);
  }

  /** The request's trace record through the emitter (kept, or a field of an unusual type). */
  private emitRecord(nowUs: number, ok: boolean, latencyUs: number, error: string | undefined, node: string, attempts: number | undefined): void {
    this.emitter!.emit(nowUs, node, this.requests, ok, latencyUs, attempts, ok ? undefined : (error ?? 'error'));
  }

  private recordFailure(nowUs: number, error: string | undefined): void {
    this.failed++;
    const kind = error ?? 'error';
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
    let s = this.errorSeries.get(kind);
    if (!s) this.errorSeries.set(kind, (s = new Series(this.windowUs)));
    s.add(nowUs, 1);
  }

  /** Call `fn` with every request that finishes from now on (what `record` is given). */
  listen(fn: RequestListener): void {
    (this.listeners ??= []).push(fn);
  }

  /** Width of the windows of `windowLatency` (the series width, doubled each time they were merged). */
  get windowLatencyWidthUs(): number {
    return this.latencyWidthUs;
  }

  /**
   * The latency histogram of the window of `nowUs` (merging neighbours when there would be more
   * than WINDOW_HISTOGRAMS_MAX), remembered as the current one.
   */
  private enterWindow(nowUs: number): Histogram {
    let w = Math.floor(nowUs / this.latencyWidthUs);
    while (w >= WINDOW_HISTOGRAMS_MAX) {
      this.coarsenWindowLatency();
      w = Math.floor(nowUs / this.latencyWidthUs);
    }
    // a window's histogram lists its observations' buckets until it has a few thousand (most
    // windows never allocate their ~2,000 bucket counts)
    const hs = this.windowLatency;
    while (hs.length <= w) hs.push(Histogram.sparse());
    const span = windowSpan(w, this.latencyWidthUs);
    this.curWindow = hs[w]!;
    this.curLoUs = span.lo;
    this.curHiUs = span.hi;
    return this.curWindow;
  }

  private coarsenWindowLatency(): void {
    this.curLoUs = Infinity;
    this.curHiUs = -Infinity;
    const hs = this.windowLatency;
    const n = Math.ceil(hs.length / 2);
    for (let i = 0; i < n; i++) {
      const h = hs[2 * i]!;
      const next = hs[2 * i + 1];
      if (next !== undefined) h.merge(next);
      hs[i] = h;
    }
    hs.length = n;
    this.latencyWidthUs *= 2;
  }

  /** An attempt was sent: `retry` false for a first try. */
  attempt(nowUs: number, retry: boolean): void {
    if (retry) {
      this.retries++;
      this.retrySends.add(nowUs, 1);
    } else {
      this.firstTries.add(nowUs, 1);
    }
  }

  get availability(): number {
    return this.requests === 0 ? 1 : this.ok / this.requests;
  }

  latencySummaryMs(h: Histogram = this.latencyUs): LatencySummaryMs {
    const ms = (v: number): number => (Number.isFinite(v) ? Math.round(v) / 1000 : 0);
    return {
      p50: ms(percentile(h, 0.5)),
      p90: ms(percentile(h, 0.9)),
      p99: ms(percentile(h, 0.99)),
      p999: ms(percentile(h, 0.999)),
      max: ms(h.count ? h.max : NaN),
    };
  }
}
