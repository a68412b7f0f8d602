/**
 * Failure detectors: a fixed-timeout heartbeat detector and the phi accrual detector with
 * Akka / Pekko semantics (`PhiAccrualFailureDetector`, `DeadlineFailureDetector`; defaults from
 * `pekko.cluster.failure-detector`, the same numbers as Akka 2.6+ `akka.cluster.failure-detector`).
 *
 * Phi accrual: intervals between heartbeats are kept in a window of `maxSampleSize` (1000). The
 * first heartbeat seeds the history with two samples, mean ± mean/4, where the mean is
 * `firstHeartbeatEstimate` (the cluster's `heartbeat-interval`, 1 s). With Δt the time since the
 * last heartbeat, μ the mean interval plus `acceptableHeartbeatPause` (3 s) and σ the standard
 * deviation floored at `minStdDeviation` (100 ms): y = (Δt − μ)/σ,
 * e = exp(−y(1.5976 + 0.070566 y²)), φ = −log10(e/(1+e)) when Δt > μ, else −log10(1 − 1/(1+e)).
 * The process is available while φ < `threshold` (8). Before the first heartbeat φ = 0. A
 * heartbeat that arrives while the process is considered unavailable is not added to the history.
 *
 * Fixed timeout: unavailable once no heartbeat arrived for `timeout` (Akka's DeadlineFailureDetector
 * uses acceptable-heartbeat-pause + heartbeat-interval).
 *
 * `failureDetectorMonitor` runs a detector in simulated time: it computes the exact time at which
 * the detector would start suspecting (φ grows monotonically with Δt, so this is found by
 * bisection) and sets one timer, instead of polling. Told the ground truth (`targetCrashed`,
 * `targetRecovered`), it measures detection time and counts false suspicions.
 */
import { InputError } from '../kernel/errors.ts';
import type { Counter, Histogram } from '../observe/metrics.ts';
import { ENV_OPTION_NAMES, PolicyEnv, type PolicyEnvOptions } from './env.ts';
import { checkKnown, durationOption, functionOption, numberOption, type Opts } from './options.ts';

declare module '../observe/trace.ts' {
  interface TraceRecordMap {
    /** A detector started suspecting its target (`falseSuspicion`: the target was in fact alive). */
    'fd-suspect': { node: string; detector: string; target: string; phi: number; falseSuspicion: boolean };
    /** A detector trusts its target again (a heartbeat arrived). */
    'fd-trust': { node: string; detector: string; target: string };
  }
}

/**
 * A failure detector (Akka/Pekko's `FailureDetector`): told of heartbeats, it says whether the
 * monitored process is available and how suspicious it is now (`heartbeatFailureDetector`,
 * `phiAccrualFailureDetector`). Run it in simulated time with `failureDetectorMonitor`.
 */
export interface FailureDetector {
  /** Which detector (`fixed-timeout`, `phi-accrual`). */
  readonly kind: string;
  /** A heartbeat arrived at `nowUs`. */
  heartbeat(nowUs: number): void;
  /** Whether the process counts as available at `nowUs`. */
  isAvailable(nowUs: number): boolean;
  /** Suspicion level now (phi for phi accrual; 0 or Infinity for the fixed timeout). */
  phi(nowUs: number): number;
  /** Whether any heartbeat was seen. */
  readonly monitoring: boolean;
  /** The earliest time ≥ the last heartbeat at which the detector suspects if no heartbeat arrives. */
  suspectAtUs(): number;
}

class FixedTimeoutDetector implements FailureDetector {
  readonly kind = 'fixed-timeout';
  private last = -1;
  constructor(readonly timeoutUs: number) {}
  get monitoring(): boolean {
    return this.last >= 0;
  }
  heartbeat(nowUs: number): void {
    this.last = nowUs;
  }
  isAvailable(nowUs: number): boolean {
    return this.last < 0 || nowUs - this.last <= this.timeoutUs;
  }
  phi(nowUs: number): number {
    return this.isAvailable(nowUs) ? 0 : Infinity;
  }
  suspectAtUs(): number {
    return this.last < 0 ? Infinity : this.last + this.timeoutUs + 1;
  }
}

/**
 * A fixed-timeout heartbeat detector: unavailable once no heartbeat arrived for `timeout`
 * (required; Akka's `DeadlineFailureDetector` uses acceptable-heartbeat-pause + heartbeat-interval).
 */
export function heartbeatFailureDetector(options: { timeout?: string; timeoutMs?: number }): FailureDetector {
  const where = 'heartbeatFailureDetector';
  const o = options as Opts;
  checkKnown(where, o, ['timeout', 'timeoutMs']);
  if (o.timeout === undefined && o.timeoutMs === undefined) throw new InputError(`${where}: timeout is required, for example "4s"`);
  return new FixedTimeoutDetector(durationOption(where, o, 'timeout', 0, { minUs: 0, minExclusive: true }));
}

/** Akka's phi from time since the last heartbeat, mean and standard deviation (all in the same unit). */
export function akkaPhi(timeDiff: number, mean: number, stdDeviation: number): number {
  const y = (timeDiff - mean) / stdDeviation;
  const e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
  if (timeDiff > mean) return -Math.log10(e / (1.0 + e));
  return -Math.log10(1.0 - 1.0 / (1.0 + e));
}

class PhiAccrualDetector implements FailureDetector {
  readonly kind = 'phi-accrual';
  private last = -1;
  private readonly xs: Float64Array;
  private n = 0;
  private head = 0;
  private sum = 0;
  private sq = 0;
  constructor(
    readonly threshold: number,
    readonly maxSampleSize: number,
    readonly minStdDeviationUs: number,
    readonly acceptableHeartbeatPauseUs: number,
    readonly firstHeartbeatEstimateUs: number,
  ) {
    this.xs = new Float64Array(maxSampleSize);
  }
  get monitoring(): boolean {
    return this.last >= 0;
  }
  private add(x: number): void {
    if (this.n === this.maxSampleSize) {
      const old = this.xs[this.head]!;
      this.sum -= old;
      this.sq -= old * old;
    } else {
      this.n++;
    }
    this.xs[this.head] = x;
    this.sum += x;
    this.sq += x * x;
    this.head = (this.head + 1) % this.maxSampleSize;
  }
  get meanUs(): number {
    return this.sum / this.n;
  }
  get stdDeviationUs(): number {
    const m = this.sum / this.n;
    const v = this.sq / this.n - m * m;
    return Math.sqrt(v > 0 ? v : 0);
  }
  heartbeat(nowUs: number): void {
    if (this.last < 0) {
      const m = this.firstHeartbeatEstimateUs;
      this.add(m - m / 4);
      this.add(m + m / 4);
    } else if (this.isAvailable(nowUs)) {
      this.add(nowUs - this.last);
    }
    this.last = nowUs;
  }
  private phiAfter(delta: number): number {
    const mean = this.meanUs + this.acceptableHeartbeatPauseUs;
    const sd = Math.max(this.stdDeviationUs, this.minStdDeviationUs);
    return akkaPhi(delta, mean, sd);
  }
  phi(nowUs: number): number {
    if (this.last < 0) return 0;
    return this.phiAfter(nowUs - this.last);
  }
  isAvailable(nowUs: number): boolean {
    return this.phi(nowUs) < this.threshold;
  }
  suspectAtUs(): number {
    if (this.last < 0) return Infinity;
    // smallest integer Δ with φ(Δ) ≥ threshold; φ is non-decreasing in Δ
    let lo = 0;
    let hi = Math.max(1, this.meanUs + this.acceptableHeartbeatPauseUs);
    while (this.phiAfter(hi) < this.threshold) {
      hi *= 2;
      if (hi > 1e15) return Infinity;
    }
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.phiAfter(mid) >= this.threshold) hi = mid;
      else lo = mid;
    }
    return this.last + hi;
  }
}

/** The options of `phiAccrualFailureDetector`, with the defaults of `pekko.cluster.failure-detector` (the same as Akka 2.6+). */
export interface PhiAccrualOptions {
  /** Suspect once φ reaches this. Default 8. */
  threshold?: number;
  /** Heartbeat intervals kept. Default 1000. */
  maxSampleSize?: number;
  /** Floor of the standard deviation. Default "100ms". */
  minStdDeviation?: string;
  /** `minStdDeviation` in milliseconds. */
  minStdDeviationMs?: number;
  /** Added to the mean interval: a pause this long is not yet suspicious. Default "3s". */
  acceptableHeartbeatPause?: string;
  /** `acceptableHeartbeatPause` in milliseconds. */
  acceptableHeartbeatPauseMs?: number;
  /** Akka's `heartbeat-interval`, used to seed the history. */
  firstHeartbeatEstimate?: string;
  /** `firstHeartbeatEstimate` in milliseconds. Default 1000 (1 s). */
  firstHeartbeatEstimateMs?: number;
}

/**
 * The Akka/Pekko phi accrual failure detector: φ from the time since the last heartbeat against the
 * observed intervals (mean + `acceptableHeartbeatPause` 3 s, deviation at least
 * `minStdDeviation` 100 ms, `maxSampleSize` 1000); the process is available while φ is below
 * `threshold` (8).
 */
export function phiAccrualFailureDetector(options: PhiAccrualOptions = {}): FailureDetector & { readonly threshold: number } {
  const where = 'phiAccrualFailureDetector';
  const o = options as Opts;
  checkKnown(where, o, ['threshold', 'maxSampleSize', 'minStdDeviation', 'minStdDeviationMs', 'acceptableHeartbeatPause', 'acceptableHeartbeatPauseMs', 'firstHeartbeatEstimate', 'firstHeartbeatEstimateMs']);
  return new PhiAccrualDetector(
    numberOption(where, o, 'threshold', 8, { min: 0, minExclusive: true }),
    numberOption(where, o, 'maxSampleSize', 1000, { min: 1, integer: true, max: 1_000_000 }),
    durationOption(where, o, 'minStdDeviation', 100_000, { minUs: 0, minExclusive: true }),
    durationOption(where, o, 'acceptableHeartbeatPause', 3_000_000),
    durationOption(where, o, 'firstHeartbeatEstimate', 1_000_000, { minUs: 0, minExclusive: true }),
  );
}

/** The options of `failureDetectorMonitor`: the detector, the monitored process's name, and callbacks on suspicion and trust. */
export interface FailureDetectorMonitorOptions extends PolicyEnvOptions {
  /** The detector it runs. */
  detector: FailureDetector;
  /** The monitored process's name (trace field). */
  target: string;
  /** Called when the detector starts suspecting the target. */
  onSuspect?: (atUs: number) => void;
  /** Called when a heartbeat makes it trust the target again. */
  onTrust?: (atUs: number) => void;
}

/**
 * A failure detector run in simulated time: one timer at the exact moment the detector would
 * start suspecting (no polling), and, told the ground truth, detection time and false suspicions.
 */
export interface FailureDetectorMonitor {
  /** The detector it runs. */
  readonly detector: FailureDetector;
  /** True while it suspects the target. */
  readonly suspecting: boolean;
  /** A heartbeat from the target arrived now. */
  heartbeat(): void;
  /** Ground truth for metrics: the target really crashed / recovered now. */
  targetCrashed(): void;
  /** Ground truth for metrics: the target is alive again. */
  targetRecovered(): void;
  /** Detection time (µs) from a real crash to suspicion. */
  readonly detectionTimeUs: Histogram;
  /** Suspicions of a target that was alive. */
  readonly falseSuspicions: Counter;
  /** Every suspicion. */
  readonly suspicions: Counter;
  /** Cancel its timer (so the run can end). */
  stop(): void;
}

class MonitorImpl implements FailureDetectorMonitor {
  suspecting = false;
  private timer = -1;
  private crashedAtUs = -1;
  readonly detectionTimeUs: Histogram;
  readonly falseSuspicions: Counter;
  readonly suspicions: Counter;
  constructor(
    readonly env: PolicyEnv,
    readonly detector: FailureDetector,
    readonly target: string,
    private readonly onSuspect: ((t: number) => void) | undefined,
    private readonly onTrust: ((t: number) => void) | undefined,
  ) {
    this.detectionTimeUs = env.histogram('detection-time-us');
    this.falseSuspicions = env.counter('false-suspicions');
    this.suspicions = env.counter('suspicions');
  }
  heartbeat(): void {
    const sim = this.env.sim;
    this.detector.heartbeat(sim.now);
    if (this.suspecting && this.detector.isAvailable(sim.now)) {
      this.suspecting = false;
      this.env.trace?.emit({ time: sim.now, kind: 'fd-trust', node: this.env.node, detector: this.env.name, target: this.target });
      this.onTrust?.(sim.now);
    }
    this.arm();
  }
  private arm(): void {
    const sim = this.env.sim;
    if (this.timer !== -1) sim.cancel(this.timer);
    this.timer = -1;
    if (this.suspecting) return;
    const at = this.detector.suspectAtUs();
    if (at === Infinity) return;
    this.timer = sim.schedule(Math.max(0, at - sim.now), fire, this);
  }
  _fire(): void {
    this.timer = -1;
    const sim = this.env.sim;
    if (this.suspecting || this.detector.isAvailable(sim.now)) return this.arm();
    this.suspecting = true;
    this.suspicions.inc();
    const falseSuspicion = this.crashedAtUs < 0;
    if (falseSuspicion) this.falseSuspicions.inc();
    else this.detectionTimeUs.record(sim.now - this.crashedAtUs);
    this.env.trace?.emit({ time: sim.now, kind: 'fd-suspect', node: this.env.node, detector: this.env.name, target: this.target, phi: Math.round(this.detector.phi(sim.now) * 1000) / 1000, falseSuspicion });
    this.onSuspect?.(sim.now);
  }
  targetCrashed(): void {
    if (this.crashedAtUs < 0) this.crashedAtUs = this.env.sim.now;
  }
  targetRecovered(): void {
    this.crashedAtUs = -1;
  }
  stop(): void {
    if (this.timer !== -1) this.env.sim.cancel(this.timer);
    this.timer = -1;
  }
}

function fire(m: MonitorImpl): void {
  m._fire();
}

/** Run a failure detector on simulated time with detection-time and false-suspicion metrics. */
export function failureDetectorMonitor(options: FailureDetectorMonitorOptions): FailureDetectorMonitor {
  const where = 'failureDetectorMonitor';
  const o = options as unknown as Opts;
  checkKnown(where, o, [...ENV_OPTION_NAMES, 'detector', 'target', 'onSuspect', 'onTrust']);
  const d = o.detector as FailureDetector | undefined;
  if (!d || typeof d.suspectAtUs !== 'function') throw new InputError(`${where}: detector is required: phiAccrualFailureDetector() or heartbeatFailureDetector({ timeout })`);
  if (typeof o.target !== 'string' || o.target.length === 0) throw new InputError(`${where}: target is required (the monitored node's name)`);
  return new MonitorImpl(
    new PolicyEnv(where, 'failure-detector', o),
    d,
    o.target,
    functionOption<(t: number) => void>(where, o, 'onSuspect'),
    functionOption<(t: number) => void>(where, o, 'onTrust'),
  );
}
