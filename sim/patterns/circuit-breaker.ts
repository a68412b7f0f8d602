/**
 * Circuit breaker with Resilience4j 2.x semantics (`CircuitBreakerConfig`,
 * `CircuitBreakerStateMachine`, `CircuitBreakerMetrics`, `SlidingTimeWindowMetrics`), parameter
 * names and defaults:
 *
 * | option | default | semantics |
 * |---|---|---|
 * | failureRateThreshold | 50 | open when failure rate ≥ threshold (%), valid (0, 100] |
 * | slowCallRateThreshold | 100 | open when slow-call rate ≥ threshold (%), valid (0, 100] |
 * | slowCallDurationThreshold | 60 s | a call is slow when its duration is strictly greater |
 * | slidingWindowType | COUNT_BASED | or TIME_BASED |
 * | slidingWindowSize | 100 | calls (COUNT_BASED) or seconds (TIME_BASED) |
 * | minimumNumberOfCalls | 100 | no decision below it; COUNT_BASED silently caps it at slidingWindowSize, TIME_BASED does not |
 * | waitDurationInOpenState | 60 s | permission only strictly after openedAt + wait |
 * | permittedNumberOfCallsInHalfOpenState | 10 | extra calls are rejected, not queued |
 * | maxWaitDurationInHalfOpenState | 0 | 0 waits forever; else forces transitionToStateAfterWaitDuration (OPEN) |
 * | automaticTransitionFromOpenToHalfOpenEnabled | false | false: the first call after the wait flips to HALF_OPEN and is itself a half-open permit; true: a timer flips it at the deadline |
 * | recordExceptions / ignoreExceptions | all / none | error kinds; an error neither recorded nor ignored counts as a success, an ignored one as nothing |
 *
 * Evaluation happens only when an outcome is recorded: below `minimumNumberOfCalls` nothing
 * happens; otherwise failure rate ≥ threshold or slow rate ≥ threshold opens the breaker. In
 * HALF_OPEN a fresh count window of `permittedNumberOfCallsInHalfOpenState` decides as soon as it
 * holds `min(minimumNumberOfCalls, permittedNumberOfCallsInHalfOpenState)` calls (the code's
 * behaviour, which the reference's misunderstanding #2 is about). Completions arriving while OPEN
 * are recorded in the old window and never move the state. TIME_BASED buckets are one simulated
 * second each, aligned to simulated time 0 (Resilience4j aligns them to epoch seconds).
 *
 * Every state change emits a `breaker-state` trace record (kept at level summary) and moves the
 * `state` gauge, whose value is Resilience4j's state order: CLOSED 0, OPEN 1, HALF_OPEN 2,
 * DISABLED 3, FORCED_OPEN 4, METRICS_ONLY 5.
 */
import { InputError } from '../kernel/errors.ts';
import type { Counter, Gauge } from '../observe/metrics.ts';
import { ErrorKinds, rejection, type Call, type CallContext, type Done, type Outcome, type Policy } from './call.ts';
import { ENV_OPTION_NAMES, PolicyEnv, type PolicyEnvOptions } from './env.ts';
import { booleanOption, checkKnown, durationOption, enumOption, numberOption, stringListOption, type Opts } from './options.ts';

declare module '../observe/trace.ts' {
  interface TraceRecordMap {
    'breaker-state': { node: string; breaker: string; from: BreakerState; to: BreakerState; reason: string };
  }
}

/** A circuit breaker's state, as Resilience4j's `CircuitBreaker.State` (lower-case, kebab-case). */
export type BreakerState = 'closed' | 'open' | 'half-open' | 'disabled' | 'forced-open' | 'metrics-only';
/** Resilience4j's `CircuitBreaker.State.order`. */
export const BREAKER_STATE_ORDER: Readonly<Record<BreakerState, number>> = {
  closed: 0,
  open: 1,
  'half-open': 2,
  disabled: 3,
  'forced-open': 4,
  'metrics-only': 5,
};

/**
 * The options of `circuitBreaker`, as Resilience4j 2.x `CircuitBreakerConfig` names them, with
 * its defaults. Durations are strings (`"60s"`) or the same name with `Ms`.
 */
export interface CircuitBreakerOptions extends PolicyEnvOptions {
  /** Open when the failure rate is ≥ this, in percent, in (0, 100]. Default 50. */
  failureRateThreshold?: number;
  /** Open when the slow-call rate is ≥ this, in percent, in (0, 100]. Default 100. */
  slowCallRateThreshold?: number;
  /** A call is slow when its duration is strictly greater. Default "60s". */
  slowCallDurationThreshold?: string;
  /** `slowCallDurationThreshold` in milliseconds. */
  slowCallDurationThresholdMs?: number;
  /** The last N calls (`COUNT_BASED`, default) or the last N seconds of simulated time (`TIME_BASED`). */
  slidingWindowType?: 'COUNT_BASED' | 'TIME_BASED';
  /** N: calls (COUNT_BASED) or seconds (TIME_BASED). Default 100. */
  slidingWindowSize?: number;
  /** No decision below this many calls in the window (COUNT_BASED caps it at the window size). Default 100. */
  minimumNumberOfCalls?: number;
  /** How long the breaker stays OPEN; a call is permitted only strictly after it. Default "60s". */
  waitDurationInOpenState?: string;
  /** `waitDurationInOpenState` in milliseconds. */
  waitDurationInOpenStateMs?: number;
  /** Calls let through in HALF_OPEN; extra calls are rejected, not queued. Default 10. */
  permittedNumberOfCallsInHalfOpenState?: number;
  /** Longest stay in HALF_OPEN before `transitionToStateAfterWaitDuration`; 0 (default) waits forever. */
  maxWaitDurationInHalfOpenState?: string;
  /** `maxWaitDurationInHalfOpenState` in milliseconds. */
  maxWaitDurationInHalfOpenStateMs?: number;
  /** The state HALF_OPEN moves to when `maxWaitDurationInHalfOpenState` passes. Default OPEN. */
  transitionToStateAfterWaitDuration?: 'OPEN' | 'CLOSED';
  /** true: a timer moves OPEN to HALF_OPEN at the deadline; false (default): the first call after it does, and is a half-open permit itself. */
  automaticTransitionFromOpenToHalfOpenEnabled?: boolean;
  /** Error kinds that count as failures (default: every failure); a failure neither recorded nor ignored counts as a success. */
  recordExceptions?: readonly string[];
  /** Error kinds that count as nothing (default none). */
  ignoreExceptions?: readonly string[];
  /** Spring-style exponential open-state backoff: wait × multiplier^(attempts−1), capped. Default false. */
  enableExponentialBackoff?: boolean;
  /** The backoff's multiplier (≥ 1). Default 1.5. */
  exponentialBackoffMultiplier?: number;
  /** The cap on the backed-off open-state wait. Default: none. */
  exponentialMaxWaitDurationInOpenState?: string;
  /** `exponentialMaxWaitDurationInOpenState` in milliseconds. */
  exponentialMaxWaitDurationInOpenStateMs?: number;
}

/** The resolved configuration (durations in µs). */
export interface CircuitBreakerConfig {
  readonly failureRateThreshold: number;
  readonly slowCallRateThreshold: number;
  readonly slowCallDurationThresholdUs: number;
  readonly slidingWindowType: 'COUNT_BASED' | 'TIME_BASED';
  readonly slidingWindowSize: number;
  readonly minimumNumberOfCalls: number;
  readonly waitDurationInOpenStateUs: number;
  readonly permittedNumberOfCallsInHalfOpenState: number;
  readonly maxWaitDurationInHalfOpenStateUs: number;
  readonly transitionToStateAfterWaitDuration: 'OPEN' | 'CLOSED';
  readonly automaticTransitionFromOpenToHalfOpenEnabled: boolean;
  readonly recordExceptions: readonly string[] | null;
  readonly ignoreExceptions: readonly string[];
  readonly enableExponentialBackoff: boolean;
  readonly exponentialBackoffMultiplier: number;
  readonly exponentialMaxWaitDurationInOpenStateUs: number;
}

const FAILED = 1;
const SLOW = 2;

/** Aggregated counts of a window. */
export interface WindowSnapshot {
  total: number;
  failed: number;
  slow: number;
}

interface Window extends WindowSnapshot {
  record(nowUs: number, code: number): void;
  /** Bring a time window up to date (evict old buckets). */
  refresh(nowUs: number): void;
}

/** Last N outcomes (R4j FixedSizeSlidingWindowMetrics): a ring with subtract-on-evict. */
class CountWindow implements Window {
  total = 0;
  failed = 0;
  slow = 0;
  private readonly ring: Uint8Array;
  private head = 0;
  constructor(readonly size: number) {
    this.ring = new Uint8Array(size);
  }
  record(_now: number, code: number): void {
    if (this.total === this.size) {
      const old = this.ring[this.head]!;
      if (old & FAILED) this.failed--;
      if (old & SLOW) this.slow--;
    } else {
      this.total++;
    }
    this.ring[this.head] = code;
    if (code & FAILED) this.failed++;
    if (code & SLOW) this.slow++;
    this.head = this.head + 1 === this.size ? 0 : this.head + 1;
  }
  refresh(): void {}
}

/** N one-second buckets (R4j SlidingTimeWindowMetrics), evicted lazily. */
class TimeWindow implements Window {
  total = 0;
  failed = 0;
  slow = 0;
  private readonly bt: Float64Array;
  private readonly bf: Float64Array;
  private readonly bs: Float64Array;
  private currentSec = 0;
  constructor(readonly sizeSec: number) {
    this.bt = new Float64Array(sizeSec);
    this.bf = new Float64Array(sizeSec);
    this.bs = new Float64Array(sizeSec);
  }
  refresh(nowUs: number): void {
    const sec = Math.floor(nowUs / 1_000_000);
    if (sec === this.currentSec) return;
    const steps = Math.min(sec - this.currentSec, this.sizeSec);
    for (let i = 1; i <= steps; i++) {
      const b = (this.currentSec + i) % this.sizeSec;
      this.total -= this.bt[b]!;
      this.failed -= this.bf[b]!;
      this.slow -= this.bs[b]!;
      this.bt[b] = 0;
      this.bf[b] = 0;
      this.bs[b] = 0;
    }
    this.currentSec = sec;
  }
  record(nowUs: number, code: number): void {
    this.refresh(nowUs);
    const b = this.currentSec % this.sizeSec;
    this.bt[b]!++;
    this.total++;
    if (code & FAILED) {
      this.bf[b]!++;
      this.failed++;
    }
    if (code & SLOW) {
      this.bs[b]!++;
      this.slow++;
    }
  }
}

type Evaluation = 'below-minimum-calls' | 'below-thresholds' | 'failure-rate-above-threshold' | 'slow-call-rate-above-threshold';

function evaluate(w: WindowSnapshot, minimumNumberOfCalls: number, cfg: CircuitBreakerConfig): Evaluation {
  if (w.total === 0 || w.total < minimumNumberOfCalls) return 'below-minimum-calls';
  // rate ≥ threshold, compared exactly: failed/total·100 ≥ t  ⇔  failed·100 ≥ t·total
  if (w.failed * 100 >= cfg.failureRateThreshold * w.total) return 'failure-rate-above-threshold';
  if (w.slow * 100 >= cfg.slowCallRateThreshold * w.total) return 'slow-call-rate-above-threshold';
  return 'below-thresholds';
}

/**
 * A Resilience4j 2.x circuit breaker instance: the policy, its state and window, the
 * state-machine calls Resilience4j has (`tryAcquirePermission`, `onResult`, `transitionTo…`,
 * `reset`), and its counters. Every state change is a `breaker-state` trace record.
 */
export interface CircuitBreaker extends Policy {
  /** The validated configuration (durations in µs). */
  readonly config: CircuitBreakerConfig;
  /** The current state. */
  readonly state: BreakerState;
  /** Half-open permits left (meaningful in HALF_OPEN). */
  readonly halfOpenPermitsLeft: number;
  /** Consecutive openings (R4j `attempts`): 1 after the first CLOSED→OPEN, +1 per HALF_OPEN→OPEN. */
  readonly openAttempts: number;
  /** When OPEN: the time after which the next call is permitted (µs). */
  readonly retryAfterUs: number;
  /** The current state's window: failure rate and slow-call rate in percent, −1 below the minimum. */
  readonly failureRate: number;
  /** Slow-call rate of the current state's window, in percent; −1 below the minimum. */
  readonly slowCallRate: number;
  /** The current state's window counts. */
  readonly window: WindowSnapshot;
  /** Ask for permission to call now (may flip OPEN→HALF_OPEN). */
  tryAcquirePermission(): boolean;
  /** Give a permit back without recording an outcome (R4j `releasePermission`). */
  releasePermission(): void;
  /** Record a permitted call's outcome and duration (µs). */
  onResult(durationUs: number, o: Outcome): void;
  transitionToClosedState(): void;
  transitionToOpenState(): void;
  transitionToHalfOpenState(): void;
  transitionToDisabledState(): void;
  transitionToForcedOpenState(): void;
  transitionToMetricsOnlyState(): void;
  /** Back to CLOSED with an empty window (R4j `reset`). */
  reset(): void;
  /** Calls refused (R4j `CallNotPermittedException`). */
  readonly notPermitted: Counter;
  /** Calls recorded as successes. */
  readonly successful: Counter;
  /** Calls recorded as failures. */
  readonly failed: Counter;
  /** Calls recorded as slow. */
  readonly slow: Counter;
  /** Calls whose error kind is ignored. */
  readonly ignored: Counter;
  /** State changes. */
  readonly transitions: Counter;
}

class CircuitBreakerImpl implements CircuitBreaker {
  readonly kind = 'circuit-breaker';
  readonly name: string;
  state: BreakerState = 'closed';
  openAttempts = 0;
  retryAfterUs = 0;
  halfOpenPermitsLeft = 0;
  private win: Window;
  private minCalls: number;
  private timer = -1;
  private readonly record: ReadonlySet<string> | null;
  private readonly ignore: ReadonlySet<string>;
  readonly notPermitted: Counter;
  readonly successful: Counter;
  readonly failed: Counter;
  readonly slow: Counter;
  readonly ignored: Counter;
  readonly transitions: Counter;
  private readonly stateGauge: Gauge;

  constructor(
    readonly env: PolicyEnv,
    readonly config: CircuitBreakerConfig,
  ) {
    this.name = env.name;
    this.record = config.recordExceptions === null ? null : new Set(config.recordExceptions);
    this.ignore = new Set(config.ignoreExceptions);
    this.notPermitted = env.counter('not-permitted');
    this.successful = env.counter('successful');
    this.failed = env.counter('failed');
    this.slow = env.counter('slow');
    this.ignored = env.counter('ignored');
    this.transitions = env.counter('transitions');
    this.stateGauge = env.gauge('state');
    [this.win, this.minCalls] = this.closedWindow();
  }

  private closedWindow(): [Window, number] {
    const c = this.config;
    if (c.slidingWindowType === 'COUNT_BASED') {
      return [new CountWindow(c.slidingWindowSize), Math.min(c.minimumNumberOfCalls, c.slidingWindowSize)];
    }
    const w = new TimeWindow(c.slidingWindowSize);
    w.refresh(this.env.sim.now);
    return [w, c.minimumNumberOfCalls];
  }

  get window(): WindowSnapshot {
    this.win.refresh(this.env.sim.now);
    return { total: this.win.total, failed: this.win.failed, slow: this.win.slow };
  }
  get failureRate(): number {
    const w = this.window;
    return w.total === 0 || w.total < this.minCalls ? -1 : (w.failed * 100) / w.total;
  }
  get slowCallRate(): number {
    const w = this.window;
    return w.total === 0 || w.total < this.minCalls ? -1 : (w.slow * 100) / w.total;
  }

  private clearTimer(): void {
    if (this.timer !== -1) {
      this.env.sim.cancel(this.timer);
      this.timer = -1;
    }
  }

  private transition(to: BreakerState, reason: string): void {
    const from = this.state;
    if (from === to && to !== 'open') return;
    this.clearTimer();
    const sim = this.env.sim;
    this.state = to;
    this.transitions.inc();
    this.stateGauge.set(sim.now, BREAKER_STATE_ORDER[to]);
    const c = this.config;
    switch (to) {
      case 'closed':
      case 'metrics-only':
      case 'disabled':
        this.openAttempts = 0;
        [this.win, this.minCalls] = this.closedWindow();
        break;
      case 'open': {
        this.openAttempts++;
        let wait = c.waitDurationInOpenStateUs;
        if (c.enableExponentialBackoff) {
          wait = Math.min(Math.round(wait * Math.pow(c.exponentialBackoffMultiplier, this.openAttempts - 1)), c.exponentialMaxWaitDurationInOpenStateUs);
        }
        this.retryAfterUs = sim.now + wait;
        // The window is kept: late completions are recorded into it but never move the state.
        if (c.automaticTransitionFromOpenToHalfOpenEnabled) this.timer = sim.schedule(wait, autoHalfOpen, this);
        break;
      }
      case 'half-open':
        this.halfOpenPermitsLeft = c.permittedNumberOfCallsInHalfOpenState;
        this.win = new CountWindow(c.permittedNumberOfCallsInHalfOpenState);
        this.minCalls = Math.min(c.minimumNumberOfCalls, c.permittedNumberOfCallsInHalfOpenState);
        if (c.maxWaitDurationInHalfOpenStateUs > 0) this.timer = sim.schedule(c.maxWaitDurationInHalfOpenStateUs, halfOpenExpired, this);
        break;
      case 'forced-open':
        break;
    }
    this.env.trace?.emit({ time: sim.now, kind: 'breaker-state', node: this.env.node, breaker: this.name, from, to, reason });
  }

  /** @internal timer callbacks */
  _autoHalfOpen(): void {
    this.timer = -1;
    if (this.state === 'open') this.transition('half-open', 'wait-duration-elapsed');
  }
  _halfOpenExpired(): void {
    this.timer = -1;
    if (this.state !== 'half-open') return;
    this.transition(this.config.transitionToStateAfterWaitDuration === 'OPEN' ? 'open' : 'closed', 'max-wait-in-half-open-elapsed');
  }

  tryAcquirePermission(): boolean {
    switch (this.state) {
      case 'closed':
      case 'disabled':
      case 'metrics-only':
        return true;
      case 'forced-open':
        return false;
      case 'open':
        // Strictly after the wait, as R4j's `isAfter(retryAfterWaitDuration)`.
        if (this.env.sim.now > this.retryAfterUs) {
          this.transition('half-open', 'wait-duration-elapsed');
          return this.tryAcquirePermission();
        }
        return false;
      case 'half-open':
        if (this.halfOpenPermitsLeft > 0) {
          this.halfOpenPermitsLeft--;
          return true;
        }
        return false;
    }
  }

  releasePermission(): void {
    if (this.state === 'half-open' && this.halfOpenPermitsLeft < this.config.permittedNumberOfCallsInHalfOpenState) this.halfOpenPermitsLeft++;
  }

  onResult(durationUs: number, o: Outcome): void {
    if (this.state === 'disabled' || this.state === 'forced-open') return;
    let code = 0;
    if (!o.ok) {
      if (this.ignore.has(o.error)) {
        this.ignored.inc();
        this.releasePermission();
        return;
      }
      if (this.record === null || this.record.has(o.error)) code = FAILED;
    }
    if (durationUs > this.config.slowCallDurationThresholdUs) code |= SLOW;
    if (code & FAILED) this.failed.inc();
    else this.successful.inc();
    if (code & SLOW) this.slow.inc();
    this.win.record(this.env.sim.now, code);
    if (this.state === 'open' || this.state === 'metrics-only') return;
    const e = evaluate(this.win, this.minCalls, this.config);
    if (e === 'below-minimum-calls') return;
    if (e === 'below-thresholds') {
      if (this.state === 'half-open') this.transition('closed', e);
      return;
    }
    this.transition('open', e);
  }

  execute(ctx: CallContext, call: Call, done: Done): void {
    if (!this.tryAcquirePermission()) {
      this.notPermitted.inc();
      done(rejection(ErrorKinds.breakerOpen));
      return;
    }
    const start = this.env.sim.now;
    call(ctx, (o: Outcome) => {
      this.onResult(this.env.sim.now - start, o);
      done(o);
    });
  }

  transitionToClosedState(): void {
    this.transition('closed', 'manual');
  }
  transitionToOpenState(): void {
    this.transition('open', 'manual');
  }
  transitionToHalfOpenState(): void {
    this.transition('half-open', 'manual');
  }
  transitionToDisabledState(): void {
    this.transition('disabled', 'manual');
  }
  transitionToForcedOpenState(): void {
    this.transition('forced-open', 'manual');
  }
  transitionToMetricsOnlyState(): void {
    this.transition('metrics-only', 'manual');
  }
  reset(): void {
    this.openAttempts = 0;
    this.transition('closed', 'reset');
    this.openAttempts = 0;
  }
}

function autoHalfOpen(b: CircuitBreakerImpl): void {
  b._autoHalfOpen();
}
function halfOpenExpired(b: CircuitBreakerImpl): void {
  b._halfOpenExpired();
}

const OPTION_NAMES = [
  ...ENV_OPTION_NAMES,
  'failureRateThreshold',
  'slowCallRateThreshold',
  'slowCallDurationThreshold',
  'slowCallDurationThresholdMs',
  'slidingWindowType',
  'slidingWindowSize',
  'minimumNumberOfCalls',
  'waitDurationInOpenState',
  'waitDurationInOpenStateMs',
  'permittedNumberOfCallsInHalfOpenState',
  'maxWaitDurationInHalfOpenState',
  'maxWaitDurationInHalfOpenStateMs',
  'transitionToStateAfterWaitDuration',
  'automaticTransitionFromOpenToHalfOpenEnabled',
  'recordExceptions',
  'ignoreExceptions',
  'enableExponentialBackoff',
  'exponentialBackoffMultiplier',
  'exponentialMaxWaitDurationInOpenState',
  'exponentialMaxWaitDurationInOpenStateMs',
];

/** Validate circuit-breaker options into a config (exported for docs and tests). */
export function circuitBreakerConfig(options: Omit<CircuitBreakerOptions, 'sim'> & { sim?: unknown }): CircuitBreakerConfig {
  const where = 'circuitBreaker';
  const o = options as unknown as Opts;
  checkKnown(where, o, OPTION_NAMES);
  const pct = { min: 0, minExclusive: true, max: 100, unit: 'percent' };
  const wait = durationOption(where, o, 'waitDurationInOpenState', 60_000_000, { minUs: 1000 });
  const maxHalf = durationOption(where, o, 'maxWaitDurationInHalfOpenState', 0);
  if (maxHalf > 0 && maxHalf < 1000) {
    throw new InputError(`${where}: maxWaitDurationInHalfOpenState must be 0 (wait indefinitely) or at least 1ms`);
  }
  return {
    failureRateThreshold: numberOption(where, o, 'failureRateThreshold', 50, pct),
    slowCallRateThreshold: numberOption(where, o, 'slowCallRateThreshold', 100, pct),
    slowCallDurationThresholdUs: durationOption(where, o, 'slowCallDurationThreshold', 60_000_000, { minUs: 0, minExclusive: true }),
    slidingWindowType: enumOption(where, o, 'slidingWindowType', 'COUNT_BASED', ['COUNT_BASED', 'TIME_BASED'] as const),
    slidingWindowSize: numberOption(where, o, 'slidingWindowSize', 100, { min: 1, integer: true, max: 10_000_000 }),
    minimumNumberOfCalls: numberOption(where, o, 'minimumNumberOfCalls', 100, { min: 1, integer: true }),
    waitDurationInOpenStateUs: wait,
    permittedNumberOfCallsInHalfOpenState: numberOption(where, o, 'permittedNumberOfCallsInHalfOpenState', 10, { min: 1, integer: true, max: 10_000_000 }),
    maxWaitDurationInHalfOpenStateUs: maxHalf,
    transitionToStateAfterWaitDuration: enumOption(where, o, 'transitionToStateAfterWaitDuration', 'OPEN', ['OPEN', 'CLOSED'] as const),
    automaticTransitionFromOpenToHalfOpenEnabled: booleanOption(where, o, 'automaticTransitionFromOpenToHalfOpenEnabled', false),
    recordExceptions: o.recordExceptions === undefined ? null : stringListOption(where, o, 'recordExceptions', []),
    ignoreExceptions: stringListOption(where, o, 'ignoreExceptions', []),
    enableExponentialBackoff: booleanOption(where, o, 'enableExponentialBackoff', false),
    exponentialBackoffMultiplier: numberOption(where, o, 'exponentialBackoffMultiplier', 1.5, { min: 1 }),
    exponentialMaxWaitDurationInOpenStateUs: durationOption(where, o, 'exponentialMaxWaitDurationInOpenState', Number.MAX_SAFE_INTEGER, { minUs: 1000 }),
  };
}

/**
 * A circuit breaker with Resilience4j 2.x semantics and defaults (`CircuitBreakerConfig`): over a
 * count- or time-based sliding window it opens when the failure rate (default 50 %) or slow-call
 * rate reaches its threshold after `minimumNumberOfCalls` (100); it stays OPEN for
 * `waitDurationInOpenState` (60 s), then lets `permittedNumberOfCallsInHalfOpenState` (10) calls
 * decide. Refused calls fail with `breaker-open`. Options are validated before anything else.
 */
export function circuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  const config = circuitBreakerConfig(options);
  return new CircuitBreakerImpl(new PolicyEnv('circuitBreaker', 'circuit-breaker', options as unknown as Opts), config);
}
