/**
 * Adaptive concurrency limits as in Netflix concurrency-limits (`concurrency-limits-core`,
 * snapshot 78a74b9, 2026-01-12):
 *
 * - `aimdLimit` (`AIMDLimit`): defaults initialLimit 20, minLimit 20, maxLimit 200,
 *   backoffRatio 0.9 (valid [0.5, 1)), timeout 5 s. On a drop or an RTT above `timeout`:
 *   limit = floor(limit × backoffRatio); otherwise, when inflight × 2 ≥ limit, limit + 1
 *   (no growth while the application is not using half its limit). Clamped to [minLimit, maxLimit].
 * - `gradient2Limit` (`Gradient2Limit`): defaults initialLimit 20, minLimit 20, maxConcurrency 200,
 *   smoothing 0.2, queueSize 4, longWindow 600, rttTolerance 1.5. Per sample: longRtt is an
 *   exponential average over `longWindow` samples (plain average during the first 10); when
 *   longRtt / rtt > 2 it decays by 0.95; with inflight < limit / 2 nothing changes; otherwise
 *   gradient = clamp(rttTolerance × longRtt / rtt, 0.5, 1), new = limit × gradient + queueSize,
 *   limit = limit × (1 − smoothing) + new × smoothing, clamped to [minLimit, maxConcurrency].
 *   Drops are ignored by Gradient2, as in the library.
 *
 * `concurrencyLimiter` enforces a limit like `SimpleLimiter`: a request is rejected with
 * `limit-exceeded` when inflight ≥ limit; on completion the limit gets a sample
 * (rtt, inflight at the request's start, dropped). Outcomes with an error listed in `dropOn`
 * (default: timeout, shed, limit-exceeded, rate-limited, bulkhead-full) are drops (`onDropped`),
 * other failures are ignored (`onIgnore`), successes are samples (`onSuccess`).
 */
import type { Counter, Gauge } from '../observe/metrics.ts';
import { ErrorKinds, rejection, type Call, type CallContext, type Done, type Outcome, type Policy } from './call.ts';
import { ENV_OPTION_NAMES, PolicyEnv, type PolicyEnvOptions } from './env.ts';
import { checkKnown, durationOption, numberOption, stringListOption, type Opts } from './options.ts';
import { InputError } from '../kernel/errors.ts';

/** An adaptive concurrency limit algorithm (Netflix concurrency-limits' `Limit`): `aimdLimit`, `gradient2Limit`, or your own. */
export interface ConcurrencyLimit {
  /** Which algorithm (`aimd`, `gradient2`). */
  readonly kind: string;
  /** The current limit on requests in flight. */
  readonly limit: number;
  /** One sample: round-trip time (µs), requests in flight when it started, whether it was dropped. */
  onSample(rttUs: number, inflight: number, didDrop: boolean): void;
}

class AimdLimit implements ConcurrencyLimit {
  readonly kind = 'aimd';
  limit: number;
  constructor(
    initialLimit: number,
    readonly minLimit: number,
    readonly maxLimit: number,
    readonly backoffRatio: number,
    readonly timeoutUs: number,
  ) {
    this.limit = initialLimit;
  }
  onSample(rttUs: number, inflight: number, didDrop: boolean): void {
    let l = this.limit;
    if (didDrop || rttUs > this.timeoutUs) l = Math.floor(l * this.backoffRatio);
    else if (inflight * 2 >= l) l = l + 1;
    this.limit = Math.min(this.maxLimit, Math.max(this.minLimit, l));
  }
}

/**
 * Netflix concurrency-limits `AIMDLimit`: on a drop or an RTT above `timeout` (default 5 s) the
 * limit is multiplied by `backoffRatio` (default 0.9, in [0.5, 1)) and floored; otherwise, while
 * inflight × 2 ≥ limit, it grows by 1; clamped to [`minLimit`, `maxLimit`] (defaults 20 and 200;
 * initial 20).
 */
export function aimdLimit(
  options: { initialLimit?: number; minLimit?: number; maxLimit?: number; backoffRatio?: number; timeout?: string; timeoutMs?: number } = {},
): ConcurrencyLimit {
  const where = 'aimdLimit';
  const o = options as Opts;
  checkKnown(where, o, ['initialLimit', 'minLimit', 'maxLimit', 'backoffRatio', 'timeout', 'timeoutMs']);
  const init = numberOption(where, o, 'initialLimit', 20, { min: 1, integer: true });
  const min = numberOption(where, o, 'minLimit', 20, { min: 1, integer: true });
  const max = numberOption(where, o, 'maxLimit', 200, { min: 1, integer: true });
  if (min > max) throw new InputError(`${where}: minLimit (${min}) must be ≤ maxLimit (${max})`);
  const ratio = numberOption(where, o, 'backoffRatio', 0.9, { min: 0.5, max: 1, maxExclusive: true });
  const timeout = durationOption(where, o, 'timeout', 5_000_000, { minUs: 0, minExclusive: true });
  return new AimdLimit(init, min, max, ratio, timeout);
}

class Gradient2Limit implements ConcurrencyLimit {
  readonly kind = 'gradient2';
  estimated: number;
  private longRtt = 0;
  private samples = 0;
  private sum = 0;
  constructor(
    initialLimit: number,
    readonly minLimit: number,
    readonly maxConcurrency: number,
    readonly smoothing: number,
    readonly queueSize: number,
    readonly longWindow: number,
    readonly rttTolerance: number,
  ) {
    this.estimated = initialLimit;
  }
  get limit(): number {
    return Math.floor(this.estimated);
  }
  onSample(rttUs: number, inflight: number): void {
    const shortRtt = rttUs > 0 ? rttUs : 1;
    // ExpAvgMeasurement(longWindow, warmup 10)
    if (this.samples < 10) {
      this.samples++;
      this.sum += shortRtt;
      this.longRtt = this.sum / this.samples;
    } else {
      const f = 2 / (this.longWindow + 1);
      this.longRtt = this.longRtt * (1 - f) + shortRtt * f;
    }
    if (this.longRtt / shortRtt > 2) this.longRtt *= 0.95;
    if (inflight < this.estimated / 2) return;
    const gradient = Math.max(0.5, Math.min(1.0, (this.rttTolerance * this.longRtt) / shortRtt));
    let next = this.estimated * gradient + this.queueSize;
    next = this.estimated * (1 - this.smoothing) + next * this.smoothing;
    this.estimated = Math.max(this.minLimit, Math.min(this.maxConcurrency, next));
  }
}

/**
 * Netflix concurrency-limits `Gradient2Limit`: the limit follows the ratio of a long-window RTT
 * average to each sample's RTT (× `rttTolerance` 1.5, clamped to [0.5, 1]) plus `queueSize` (4),
 * smoothed by `smoothing` (0.2), within [`minLimit` 20, `maxConcurrency` 200]; drops are ignored,
 * as in the library.
 */
export function gradient2Limit(
  options: { initialLimit?: number; minLimit?: number; maxConcurrency?: number; smoothing?: number; queueSize?: number; longWindow?: number; rttTolerance?: number } = {},
): ConcurrencyLimit {
  const where = 'gradient2Limit';
  const o = options as Opts;
  checkKnown(where, o, ['initialLimit', 'minLimit', 'maxConcurrency', 'smoothing', 'queueSize', 'longWindow', 'rttTolerance']);
  const min = numberOption(where, o, 'minLimit', 20, { min: 1, integer: true });
  const max = numberOption(where, o, 'maxConcurrency', 200, { min: 1, integer: true });
  if (min > max) throw new InputError(`${where}: minLimit (${min}) must be ≤ maxConcurrency (${max})`);
  return new Gradient2Limit(
    numberOption(where, o, 'initialLimit', 20, { min: 1, integer: true }),
    min,
    max,
    numberOption(where, o, 'smoothing', 0.2, { min: 0, minExclusive: true, max: 1 }),
    numberOption(where, o, 'queueSize', 4, { min: 0 }),
    numberOption(where, o, 'longWindow', 600, { min: 1, integer: true }),
    numberOption(where, o, 'rttTolerance', 1.5, { min: 1 }),
  );
}

/** The options of `concurrencyLimiter`: the limit algorithm (required) and which error kinds are drops. */
export interface ConcurrencyLimiterOptions extends PolicyEnvOptions {
  /** The algorithm: `aimdLimit(...)` or `gradient2Limit(...)`. */
  limit: ConcurrencyLimit;
  /** Error kinds that count as drops (default: timeout, shed, limit-exceeded, rate-limited, bulkhead-full); other failures are ignored. */
  dropOn?: readonly string[];
}

/** A concurrency limiter instance (`SimpleLimiter`): the policy, its limit, requests in flight, and refusals. */
export interface ConcurrencyLimiter extends Policy {
  /** The limit algorithm it samples. */
  readonly limit: ConcurrencyLimit;
  /** Requests in flight now. */
  readonly inflight: number;
  /** Requests refused with `limit-exceeded`. */
  readonly rejected: Counter;
}

class ConcurrencyLimiterImpl implements ConcurrencyLimiter {
  readonly kind = 'concurrency-limiter';
  readonly name: string;
  inflight = 0;
  readonly rejected: Counter;
  private readonly limitGauge: Gauge;
  private readonly drop: ReadonlySet<string>;
  constructor(
    readonly env: PolicyEnv,
    readonly limit: ConcurrencyLimit,
    dropOn: readonly string[],
  ) {
    this.name = env.name;
    this.rejected = env.counter('rejected');
    this.limitGauge = env.gauge('limit');
    this.limitGauge.set(env.sim.now, limit.limit);
    this.drop = new Set(dropOn);
  }
  execute(ctx: CallContext, call: Call, done: Done): void {
    if (this.inflight >= this.limit.limit) {
      this.rejected.inc();
      return done(rejection(ErrorKinds.limited));
    }
    const inflightAtStart = ++this.inflight;
    const start = this.env.sim.now;
    call(ctx, (o: Outcome) => {
      this.inflight--;
      const dropped = !o.ok && this.drop.has(o.error);
      if (o.ok || dropped) {
        this.limit.onSample(this.env.sim.now - start, inflightAtStart, dropped);
        this.limitGauge.set(this.env.sim.now, this.limit.limit);
      }
      done(o);
    });
  }
}

/**
 * An adaptive concurrency limiter, as Netflix concurrency-limits' `SimpleLimiter`: a request is
 * refused with `limit-exceeded` when inflight ≥ the limit; each completion is a sample (RTT,
 * inflight at its start, dropped or not) for the limit algorithm.
 */
export function concurrencyLimiter(options: ConcurrencyLimiterOptions): ConcurrencyLimiter {
  const where = 'concurrencyLimiter';
  const o = options as unknown as Opts;
  checkKnown(where, o, [...ENV_OPTION_NAMES, 'limit', 'dropOn']);
  const l = o.limit as ConcurrencyLimit | undefined;
  if (!l || typeof l.onSample !== 'function') throw new InputError(`${where}: limit is required: aimdLimit({...}) or gradient2Limit({...})`);
  const drop = stringListOption(where, o, 'dropOn', [ErrorKinds.timeout, ErrorKinds.shed, ErrorKinds.limited, ErrorKinds.rateLimited, ErrorKinds.bulkheadFull]);
  return new ConcurrencyLimiterImpl(new PolicyEnv(where, 'concurrency-limiter', o), l, drop);
}
