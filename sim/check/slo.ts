/**
 * Service-level checkers over `RequestStats` series: windowed SLOs (availability and p99 latency
 * per window) and recovery (after the last fault heals, the SLO holds again within a stated time
 * and keeps holding). Latency percentiles use the project's one percentile method
 * (`percentile` in observe/metrics.ts) over each window's histogram; a window's latency counts
 * every finished request, ok or not, since a slow failure is as slow as a slow success.
 */
import { InputError } from '../kernel/errors.ts';
import { parseDuration, formatDuration, type Duration } from '../kernel/time.ts';
import { Histogram, percentile, type Series, type SeriesWindow } from '../observe/metrics.ts';
import type { RequestStats } from '../observe/requests.ts';
import type { FaultPlan } from '../faults/plan.ts';

/**
 * A service-level objective judged per window: minimum availability (fraction in [0, 1]) and/or
 * maximum p99 latency (ms), with windows of fewer than `requestsMin` requests counted as idle.
 */
export interface SloSpec {
  /** Fraction of requests that must succeed in each window, in [0, 1]. */
  availabilityMin?: number;
  /** Each window's p99 latency must not exceed this (milliseconds). */
  latencyMsP99Max?: number;
  /**
   * A window with fewer finished requests than this is idle: it cannot break a windowed SLO and
   * it does not count as evidence of recovery. Default 1.
   */
  requestsMin?: number;
}

/** One window of `sloWindows`: its span in simulated µs, its requests, availability and p99 latency, and whether it meets the SLO. */
export interface SloWindow {
  /** Start of the window, simulated µs. */
  startUs: number;
  /** End of the window (exclusive), simulated µs. */
  endUs: number;
  /** Requests that finished in the window, ok or not. */
  requests: number;
  /** Of those, the ones that succeeded. */
  ok: number;
  /** ok / requests. */
  availability: number;
  /** p99 latency of every request that finished in the window, ok or not, in ms. */
  latencyMsP99: number;
  /** `null` for an idle window. */
  pass: boolean | null;
  /** Why the window fails, for people. */
  reason?: string;
}

/** The verdict of `checkWindowedSlo`, with every window judged; a scenario check can return it as is. */
export interface SloResult {
  /** `ok`, `fail`, or `unknown` (too few requests to judge; for recovery, also a run that ends before the deadline). */
  status: 'ok' | 'fail' | 'unknown';
  /** One sentence for people. */
  detail: string;
  /** When the SLO was first missed, in simulated ms (a window's start; for recovery, the deadline); null when it was not. */
  firstFailedAtMs: number | null;
  /** Every window in the range, judged. */
  windows: SloWindow[];
}

function checkSloSpec(slo: SloSpec, where: string): void {
  if (slo.availabilityMin !== undefined && !(slo.availabilityMin >= 0 && slo.availabilityMin <= 1)) {
    throw new InputError(`${where}: availabilityMin=${slo.availabilityMin} is not valid; use a fraction in [0, 1] (0.999 for three nines)`);
  }
  if (slo.latencyMsP99Max !== undefined && !(slo.latencyMsP99Max > 0 && slo.latencyMsP99Max < Infinity)) {
    throw new InputError(`${where}: latencyMsP99Max=${slo.latencyMsP99Max} is not valid; use a positive number of milliseconds`);
  }
  if (slo.requestsMin !== undefined && !(Number.isInteger(slo.requestsMin) && slo.requestsMin >= 1)) {
    throw new InputError(`${where}: requestsMin=${slo.requestsMin} is not valid; use an integer ≥ 1`);
  }
  if (slo.availabilityMin === undefined && slo.latencyMsP99Max === undefined) {
    throw new InputError(`${where}: give availabilityMin, latencyMsP99Max or both`);
  }
}

/** Regroup a series' windows into windows of `widthUs` (a multiple of the series' width). */
function regroup(series: Series, widthUs: number, endUs: number): SeriesWindow[] {
  const src = series.windows(endUs);
  const out: SeriesWindow[] = [];
  for (const w of src) {
    const i = Math.floor(w.startUs / widthUs);
    while (out.length <= i) out.push({ startUs: out.length * widthUs, count: 0, sum: 0, max: 0 });
    const o = out[i]!;
    o.count += w.count;
    o.sum += w.sum;
    o.max = Math.max(o.max, w.max);
  }
  return out;
}

/** Per-window availability and p99 latency, judged against the SLO. */
export function sloWindows(requests: RequestStats, slo: SloSpec, range: { fromUs?: number; toUs?: number } = {}): SloWindow[] {
  checkSloSpec(slo, 'slo');
  // Series coarsen (double their width) on long runs; judge at the coarsest width in use.
  const widthUs = Math.max(requests.throughput.widthUs, requests.goodput.widthUs);
  const endUs = range.toUs ?? Math.max(requests.throughput.windows().length * requests.throughput.widthUs, 0);
  const total = regroup(requests.throughput, widthUs, endUs);
  const good = regroup(requests.goodput, widthUs, endUs);
  const baseUs = requests.windowLatencyWidthUs;
  const requestsMin = slo.requestsMin ?? 1;
  const out: SloWindow[] = [];
  for (let i = 0; i < total.length; i++) {
    const startUs = i * widthUs;
    const windowEndUs = startUs + widthUs;
    if (range.fromUs !== undefined && windowEndUs <= range.fromUs) continue;
    if (range.toUs !== undefined && startUs >= range.toUs) break;
    const n = total[i]!.count;
    const ok = good[i]?.count ?? 0;
    // merge the latency histograms that overlap this window (a run long enough for them to have
    // been merged into wider ones gives each window its enclosing histogram's percentiles)
    // (one histogram alone is read as it is: a merged copy of it has the same counts)
    const first = Math.floor(startUs / baseUs);
    const end = Math.min(Math.ceil(windowEndUs / baseUs), requests.windowLatency.length);
    let h: Histogram;
    if (end - first === 1) h = requests.windowLatency[first]!;
    else {
      h = new Histogram();
      for (let j = first; j < end; j++) h.merge(requests.windowLatency[j]!);
    }
    const p99Ms = h.count > 0 ? percentile(h, 0.99) / 1000 : 0;
    const availability = n === 0 ? 1 : ok / n;
    const w: SloWindow = { startUs, endUs: windowEndUs, requests: n, ok, availability, latencyMsP99: p99Ms, pass: null };
    if (n >= requestsMin) {
      const reasons: string[] = [];
      if (slo.availabilityMin !== undefined && availability < slo.availabilityMin) {
        reasons.push(`availability ${(availability * 100).toFixed(2)}% < ${(slo.availabilityMin * 100).toFixed(2)}%`);
      }
      if (slo.latencyMsP99Max !== undefined && p99Ms > slo.latencyMsP99Max) {
        reasons.push(`p99 ${p99Ms.toFixed(3)} ms > ${slo.latencyMsP99Max} ms`);
      }
      w.pass = reasons.length === 0;
      if (reasons.length) w.reason = reasons.join(', ');
    }
    out.push(w);
  }
  return out;
}

const span = (w: SloWindow): string => `[${formatDuration(w.startUs)}, ${formatDuration(w.endUs)})`;

/** Every non-idle window in the range meets the SLO. */
export function checkWindowedSlo(requests: RequestStats, slo: SloSpec & { fromUs?: number; toUs?: number }): SloResult {
  const windows = sloWindows(requests, slo, slo);
  const failing = windows.filter((w) => w.pass === false);
  const active = windows.filter((w) => w.pass !== null).length;
  if (active === 0) {
    return { status: 'unknown', detail: 'no window had enough requests to judge the SLO', firstFailedAtMs: null, windows };
  }
  if (failing.length > 0) {
    const f = failing[0]!;
    return {
      status: 'fail',
      detail: `${failing.length} of ${active} window(s) miss the SLO; the first, ${span(f)}: ${f.reason}`,
      firstFailedAtMs: f.startUs / 1000,
      windows,
    };
  }
  return { status: 'ok', detail: `all ${active} window(s) meet the SLO`, firstFailedAtMs: null, windows };
}

/** The options of `checkRecovery`: when the faults healed, how soon the SLO must hold again, and the SLO. */
export interface RecoveryOptions {
  /** When the last fault healed (µs); see `lastHealUs(plan)`. */
  healedAtUs: number;
  /** How long after healing the SLO must hold again ("30s"). */
  within: Duration;
  /** The SLO each window after recovery must meet. */
  slo: SloSpec;
  /** The end of the run (µs); windows after it are ignored. */
  endUs?: number;
}

/** The verdict of `checkRecovery`: an `SloResult` plus when the SLO held again for good. */
export interface RecoveryResult extends SloResult {
  /** When the SLO started to hold for good (µs), or null. */
  recoveredAtUs: number | null;
  /** recoveredAtUs − healedAtUs, in ms, or null. */
  recoveryMs: number | null;
}

/**
 * Recovery: after `healedAtUs`, there is a window from which every non-idle window to the end of
 * the run meets the SLO, and it starts no later than `within` after healing. The window that
 * contains the heal counts (recovery can be immediate). The outcome is `unknown` when the run
 * ends before the deadline without having recovered, or has no requests after healing.
 */
export function checkRecovery(requests: RequestStats, options: RecoveryOptions): RecoveryResult {
  const withinUs = parseDuration(options.within, 'recovery within');
  const healedAtUs = options.healedAtUs;
  if (!(healedAtUs >= 0 && healedAtUs < Infinity)) {
    throw new InputError(`recovery: healedAtUs=${healedAtUs} is not valid; use a time in µs (for example lastHealUs(plan))`);
  }
  const windows = sloWindows(requests, options.slo, { fromUs: healedAtUs, toUs: options.endUs });
  const deadlineUs = healedAtUs + withinUs;
  // the last failing window; recovery starts at the first non-idle passing window after it
  let lastFail = -1;
  for (let i = 0; i < windows.length; i++) if (windows[i]!.pass === false) lastFail = i;
  let rec: SloWindow | undefined;
  for (let i = lastFail + 1; i < windows.length; i++) {
    if (windows[i]!.pass === true) {
      rec = windows[i];
      break;
    }
  }
  const endUs = options.endUs ?? (windows.length ? windows[windows.length - 1]!.endUs : healedAtUs);
  if (!rec) {
    if (endUs < deadlineUs) {
      return {
        status: 'unknown',
        detail: `the run ended at ${formatDuration(endUs)}, before the recovery deadline ${formatDuration(deadlineUs)}; run longer or heal earlier`,
        firstFailedAtMs: null,
        windows,
        recoveredAtUs: null,
        recoveryMs: null,
      };
    }
    const f = lastFail >= 0 ? windows[lastFail]! : undefined;
    return {
      status: lastFail >= 0 ? 'fail' : 'unknown',
      detail:
        lastFail >= 0
          ? `no recovery after the faults healed at ${formatDuration(healedAtUs)}: window ${span(f!)} still misses the SLO (${f!.reason}) and no passing window follows`
          : `no requests finished after the faults healed at ${formatDuration(healedAtUs)}`,
      firstFailedAtMs: lastFail >= 0 ? Math.max(deadlineUs, windows[0]!.startUs) / 1000 : null,
      windows,
      recoveredAtUs: null,
      recoveryMs: null,
    };
  }
  const recoveredAtUs = Math.max(healedAtUs, rec.startUs);
  const recoveryMs = (recoveredAtUs - healedAtUs) / 1000;
  if (recoveredAtUs > deadlineUs) {
    const f = windows[lastFail]!;
    return {
      status: 'fail',
      detail: `recovered ${formatDuration(recoveredAtUs - healedAtUs)} after the faults healed at ${formatDuration(healedAtUs)}, later than the ${formatDuration(withinUs)} allowed; the last window missing the SLO was ${span(f)} (${f.reason})`,
      firstFailedAtMs: deadlineUs / 1000,
      windows,
      recoveredAtUs,
      recoveryMs,
    };
  }
  return {
    status: 'ok',
    detail: `recovered ${formatDuration(recoveredAtUs - healedAtUs)} after the faults healed at ${formatDuration(healedAtUs)} (allowed ${formatDuration(withinUs)})`,
    firstFailedAtMs: null,
    windows,
    recoveredAtUs,
    recoveryMs,
  };
}

/**
 * When the last fault of a plan ends: the latest `at + for` (an entry without `for` ends when it
 * starts, such as a crash whose recovery is a separate `restart` entry).
 */
export function lastHealUs(plan: FaultPlan): number {
  let t = 0;
  for (const e of plan) t = Math.max(t, e.at + (e.for ?? 0));
  return t;
}
