/**
 * Circuit breakers of other libraries, for comparing "the same 50 % breaker" across libraries
 * (reference §1.2–1.6). They share one bucketed rolling window and a single-probe half-open state
 * and differ in exactly the places the reference lists:
 *
 * | builder | library | trip rule | minimum volume | window | open for |
 * |---|---|---|---|---|---|
 * | `opossumBreaker` | opossum 10.0 | failures/fires·100 **>** `errorThresholdPercentage` (50), checked on each failure | `volumeThreshold` 0 | `rollingCountTimeout` 10 s in `rollingCountBuckets` 10 | `resetTimeout` 30 s |
 * | `hystrixBreaker` | Hystrix 1.5 | integer error % **≥** `errorThresholdPercentage` (50), checked on health snapshots taken at most every `metrics.healthSnapshot.intervalInMilliseconds` (500 ms) | `requestVolumeThreshold` 20 requests | 10 s in 10 buckets | `sleepWindowInMilliseconds` 5 s |
 * | `pollyBreaker` | Polly v8 | failure ratio **≥** `FailureRatio` (0.1), checked on a handled failure | `MinimumThroughput` 100 | `SamplingDuration` 30 s in 10 sub-windows | `BreakDuration` 5 s |
 *
 * Half-open: the first call after the open time is the only probe; other calls are rejected
 * (`breaker-open`) until its outcome: success closes (window reset), failure reopens.
 * Hystrix's snapshot lag is modelled lazily: a snapshot is taken when an outcome arrives and the
 * previous one is at least the interval old, so a breaker in a quiet system trips on the next call.
 */
import type { Counter } from '../observe/metrics.ts';
import { ErrorKinds, rejection, type Call, type CallContext, type Done, type Outcome, type Policy } from './call.ts';
import { ENV_OPTION_NAMES, PolicyEnv, type PolicyEnvOptions } from './env.ts';
import { checkKnown, durationOption, numberOption, type Opts } from './options.ts';
import type { BreakerState } from './circuit-breaker.ts';

type Rule = 'opossum' | 'hystrix' | 'polly';

interface Cfg {
  rule: Rule;
  thresholdPct: number;
  minVolume: number;
  windowUs: number;
  buckets: number;
  openUs: number;
  snapshotUs: number;
}

/**
 * A circuit breaker of opossum 10.0, Hystrix 1.5 or Polly v8 (`opossumBreaker`, `hystrixBreaker`,
 * `pollyBreaker`): each library's trip rule, minimum volume, rolling window and open time, with a
 * single-probe half-open state.
 */
export interface LibraryBreaker extends Policy {
  /** The current state (`closed`, `open` or `half-open`). */
  readonly state: BreakerState;
  /** Whose rules it follows. */
  readonly library: Rule;
  /** Calls and failures in the rolling window. */
  readonly window: { total: number; failed: number };
  /** Ask for permission to call now (may move OPEN to HALF_OPEN: this call is then the probe). */
  tryAcquirePermission(): boolean;
  /** Record a permitted call's outcome. */
  onResult(o: Outcome): void;
  /** Calls refused (`breaker-open`). */
  readonly notPermitted: Counter;
}

class LibraryBreakerImpl implements LibraryBreaker {
  readonly kind: string;
  readonly name: string;
  state: BreakerState = 'closed';
  private readonly tot: Float64Array;
  private readonly bad: Float64Array;
  private total = 0;
  private failed = 0;
  private bucket = 0;
  private readonly bucketUs: number;
  private openedAt = 0;
  private probeOut = false;
  private lastSnapshotUs = -Infinity;
  readonly notPermitted: Counter;
  constructor(
    readonly env: PolicyEnv,
    readonly cfg: Cfg,
  ) {
    this.kind = `${cfg.rule}-breaker`;
    this.name = env.name;
    this.tot = new Float64Array(cfg.buckets);
    this.bad = new Float64Array(cfg.buckets);
    this.bucketUs = cfg.windowUs / cfg.buckets;
    this.notPermitted = env.counter('not-permitted');
  }
  get library(): Rule {
    return this.cfg.rule;
  }
  private roll(): number {
    const b = Math.floor(this.env.sim.now / this.bucketUs);
    const steps = Math.min(b - this.bucket, this.cfg.buckets);
    for (let i = 1; i <= steps; i++) {
      const k = (this.bucket + i) % this.cfg.buckets;
      this.total -= this.tot[k]!;
      this.failed -= this.bad[k]!;
      this.tot[k] = 0;
      this.bad[k] = 0;
    }
    this.bucket = b;
    return b % this.cfg.buckets;
  }
  get window(): { total: number; failed: number } {
    this.roll();
    return { total: this.total, failed: this.failed };
  }
  private reset(): void {
    this.tot.fill(0);
    this.bad.fill(0);
    this.total = 0;
    this.failed = 0;
  }
  private to(s: BreakerState, reason: string): void {
    const from = this.state;
    this.state = s;
    if (s === 'open') this.openedAt = this.env.sim.now;
    if (s === 'closed') this.reset();
    this.env.trace?.emit({ time: this.env.sim.now, kind: 'breaker-state', node: this.env.node, breaker: this.name, from, to: s, reason });
  }
  tryAcquirePermission(): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') {
      if (this.env.sim.now - this.openedAt >= this.cfg.openUs) {
        this.to('half-open', 'open-time-elapsed');
        this.probeOut = true;
        return true;
      }
      return false;
    }
    // half-open: the single probe is out
    return false;
  }
  private tripped(): boolean {
    const c = this.cfg;
    if (this.total < c.minVolume || this.total === 0) return false;
    switch (c.rule) {
      case 'opossum':
        return (this.failed * 100) / this.total > c.thresholdPct;
      case 'hystrix':
        return Math.trunc((this.failed * 100) / this.total) >= c.thresholdPct;
      case 'polly':
        return this.failed * 100 >= c.thresholdPct * this.total;
    }
  }
  onResult(o: Outcome): void {
    if (this.state === 'half-open' && this.probeOut) {
      this.probeOut = false;
      this.to(o.ok ? 'closed' : 'open', o.ok ? 'probe-succeeded' : 'probe-failed');
      return;
    }
    const k = this.roll();
    this.tot[k]!++;
    this.total++;
    if (!o.ok) {
      this.bad[k]!++;
      this.failed++;
    }
    if (this.state !== 'closed') return;
    const c = this.cfg;
    if (c.rule === 'hystrix') {
      const now = this.env.sim.now;
      if (now - this.lastSnapshotUs < c.snapshotUs) return;
      this.lastSnapshotUs = now;
      if (this.tripped()) this.to('open', 'error-percentage-above-threshold');
      return;
    }
    if (!o.ok && this.tripped()) this.to('open', 'failure-rate-above-threshold');
  }
  execute(ctx: CallContext, call: Call, done: Done): void {
    if (!this.tryAcquirePermission()) {
      this.notPermitted.inc();
      return done(rejection(ErrorKinds.breakerOpen));
    }
    call(ctx, (o: Outcome) => {
      this.onResult(o);
      done(o);
    });
  }
}

/** opossum 10.0 circuit breaker (defaults: errorThresholdPercentage 50 strict, volumeThreshold 0, resetTimeout 30 s). */
export function opossumBreaker(options: PolicyEnvOptions & { errorThresholdPercentage?: number; volumeThreshold?: number; resetTimeout?: string; resetTimeoutMs?: number; rollingCountTimeout?: string; rollingCountTimeoutMs?: number; rollingCountBuckets?: number }): LibraryBreaker {
  const where = 'opossumBreaker';
  const o = options as unknown as Opts;
  checkKnown(where, o, [...ENV_OPTION_NAMES, 'errorThresholdPercentage', 'volumeThreshold', 'resetTimeout', 'resetTimeoutMs', 'rollingCountTimeout', 'rollingCountTimeoutMs', 'rollingCountBuckets']);
  return new LibraryBreakerImpl(new PolicyEnv(where, 'opossum-breaker', o), {
    rule: 'opossum',
    thresholdPct: numberOption(where, o, 'errorThresholdPercentage', 50, { min: 0, max: 100, unit: 'percent' }),
    minVolume: numberOption(where, o, 'volumeThreshold', 0, { min: 0, integer: true }),
    openUs: durationOption(where, o, 'resetTimeout', 30_000_000, { minUs: 0, minExclusive: true }),
    windowUs: durationOption(where, o, 'rollingCountTimeout', 10_000_000, { minUs: 0, minExclusive: true }),
    buckets: numberOption(where, o, 'rollingCountBuckets', 10, { min: 1, integer: true, max: 10_000 }),
    snapshotUs: 0,
  });
}

/** Hystrix 1.5 circuit breaker (defaults: requestVolumeThreshold 20, errorThresholdPercentage 50, sleepWindow 5 s, 500 ms health snapshots). */
export function hystrixBreaker(options: PolicyEnvOptions & { requestVolumeThreshold?: number; errorThresholdPercentage?: number; sleepWindowInMilliseconds?: number; rollingStatsTimeInMilliseconds?: number; rollingStatsNumBuckets?: number; healthSnapshotIntervalInMilliseconds?: number }): LibraryBreaker {
  const where = 'hystrixBreaker';
  const o = options as unknown as Opts;
  checkKnown(where, o, [...ENV_OPTION_NAMES, 'requestVolumeThreshold', 'errorThresholdPercentage', 'sleepWindowInMilliseconds', 'rollingStatsTimeInMilliseconds', 'rollingStatsNumBuckets', 'healthSnapshotIntervalInMilliseconds']);
  return new LibraryBreakerImpl(new PolicyEnv(where, 'hystrix-breaker', o), {
    rule: 'hystrix',
    thresholdPct: numberOption(where, o, 'errorThresholdPercentage', 50, { min: 0, max: 100, unit: 'percent' }),
    minVolume: numberOption(where, o, 'requestVolumeThreshold', 20, { min: 0, integer: true }),
    openUs: numberOption(where, o, 'sleepWindowInMilliseconds', 5000, { min: 1, unit: 'ms' }) * 1000,
    windowUs: numberOption(where, o, 'rollingStatsTimeInMilliseconds', 10_000, { min: 1, unit: 'ms' }) * 1000,
    buckets: numberOption(where, o, 'rollingStatsNumBuckets', 10, { min: 1, integer: true, max: 10_000 }),
    snapshotUs: numberOption(where, o, 'healthSnapshotIntervalInMilliseconds', 500, { min: 0, unit: 'ms' }) * 1000,
  });
}

/** Polly v8 circuit breaker (defaults: FailureRatio 0.1, MinimumThroughput 100, SamplingDuration 30 s, BreakDuration 5 s). */
export function pollyBreaker(options: PolicyEnvOptions & { FailureRatio?: number; MinimumThroughput?: number; SamplingDuration?: string; SamplingDurationMs?: number; BreakDuration?: string; BreakDurationMs?: number }): LibraryBreaker {
  const where = 'pollyBreaker';
  const o = options as unknown as Opts;
  checkKnown(where, o, [...ENV_OPTION_NAMES, 'FailureRatio', 'MinimumThroughput', 'SamplingDuration', 'SamplingDurationMs', 'BreakDuration', 'BreakDurationMs']);
  const sampling = durationOption(where, o, 'SamplingDuration', 30_000_000, { minUs: 500_000, maxUs: 86_400_000_000 });
  return new LibraryBreakerImpl(new PolicyEnv(where, 'polly-breaker', o), {
    rule: 'polly',
    thresholdPct: numberOption(where, o, 'FailureRatio', 0.1, { min: 0, max: 1 }) * 100,
    minVolume: numberOption(where, o, 'MinimumThroughput', 100, { min: 2, integer: true }),
    openUs: durationOption(where, o, 'BreakDuration', 5_000_000, { minUs: 500_000, maxUs: 86_400_000_000 }),
    windowUs: sampling,
    // Polly uses one window below 10 × 20 ms, else 10 sub-windows
    buckets: sampling < 200_000 ? 1 : 10,
    snapshotUs: 0,
  });
}
