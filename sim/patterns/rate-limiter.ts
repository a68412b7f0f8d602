/**
 * Rate limiter with Resilience4j 2.x `AtomicRateLimiter` semantics (`RateLimiterConfig`):
 *
 * - Time since the limiter was created is cut into fixed cycles of `limitRefreshPeriod`
 *   (default **500 ns**, kept as 0.5 µs: at simulation resolution the default limits almost nothing,
 *   which is the point of the reference's misunderstanding #10). At a cycle boundary the
 *   available permits become `min(permits + elapsedCycles × limitForPeriod, limitForPeriod)`, in
 *   one step, with no carry-over beyond `limitForPeriod` (default 50).
 * - Because cycles are fixed windows aligned to creation, up to 2 × `limitForPeriod` calls can
 *   pass within one period-long interval that straddles a boundary.
 * - A caller without a permit *reserves* a future one (available permits go negative) when the
 *   wait fits in `timeoutDuration` (default 5 s) and then waits; otherwise it is refused at once
 *   with `rate-limited` (`RequestNotPermitted`). `timeoutDuration: "0s"` fails fast.
 */
import { InputError } from '../kernel/errors.ts';
import type { Counter } from '../observe/metrics.ts';
import { ErrorKinds, rejection, type Call, type CallContext, type Done, type Policy } from './call.ts';
import { ENV_OPTION_NAMES, PolicyEnv, type PolicyEnvOptions } from './env.ts';
import { checkKnown, durationOption, numberOption, type Opts } from './options.ts';

/**
 * The options of `rateLimiter`, as Resilience4j 2.x `RateLimiterConfig` names them, with its
 * defaults: 50 permits per 500 ns cycle (which at simulation resolution limits almost nothing:
 * set a period), and a 5 s wait for a reserved permit.
 */
export interface RateLimiterOptions extends PolicyEnvOptions {
  /** Permits per cycle. Default 50. */
  limitForPeriod?: number;
  /** The cycle length ("1s"). Default 500 ns. */
  limitRefreshPeriod?: string;
  /** `limitRefreshPeriod` in milliseconds. */
  limitRefreshPeriodMs?: number;
  /** For sub-microsecond periods such as the library default (500). */
  limitRefreshPeriodNs?: number;
  /** Longest wait for a reserved permit; beyond it the call is refused with `rate-limited`. Default "5s"; "0s" fails fast. */
  timeoutDuration?: string;
  /** `timeoutDuration` in milliseconds. */
  timeoutDurationMs?: number;
}

/** A Resilience4j `AtomicRateLimiter` instance: the policy, its settings, `reservePermission`, and its counters. */
export interface RateLimiter extends Policy {
  /** Permits per cycle. */
  readonly limitForPeriod: number;
  /** Cycle length in µs (0.5 for the default 500 ns). */
  readonly limitRefreshPeriodUs: number;
  /** Longest wait for a reserved permit, µs. */
  readonly timeoutDurationUs: number;
  /** Permits available now (negative when reserved ahead). */
  availablePermissions(): number;
  /**
   * Reserve one permit: returns the µs to wait before using it (0 = now), or −1 when the wait
   * would exceed `timeoutDuration` (nothing is reserved then).
   */
  reservePermission(): number;
  /** Calls let through (at once or after a wait). */
  readonly permitted: Counter;
  /** Calls refused with `rate-limited`. */
  readonly rejected: Counter;
  /** Calls that waited for a reserved permit. */
  readonly waited: Counter;
}

function runLater(a: [Call, CallContext, Done]): void {
  a[0](a[1], a[2]);
}

class RateLimiterImpl implements RateLimiter {
  readonly kind = 'rate-limiter';
  readonly name: string;
  private readonly createdUs: number;
  private activeCycle = 0;
  private permits: number;
  readonly permitted: Counter;
  readonly rejected: Counter;
  readonly waited: Counter;

  constructor(
    readonly env: PolicyEnv,
    readonly limitForPeriod: number,
    readonly limitRefreshPeriodUs: number,
    readonly timeoutDurationUs: number,
  ) {
    this.name = env.name;
    this.createdUs = env.sim.now;
    this.permits = limitForPeriod;
    this.permitted = env.counter('permitted');
    this.rejected = env.counter('rejected');
    this.waited = env.counter('waited');
  }

  private refresh(): number {
    const elapsed = this.env.sim.now - this.createdUs;
    const cycle = Math.floor(elapsed / this.limitRefreshPeriodUs);
    if (cycle !== this.activeCycle) {
      const add = (cycle - this.activeCycle) * this.limitForPeriod;
      this.permits = Math.min(this.permits + add, this.limitForPeriod);
      this.activeCycle = cycle;
    }
    return elapsed;
  }

  availablePermissions(): number {
    this.refresh();
    return this.permits;
  }

  reservePermission(): number {
    const elapsed = this.refresh();
    let wait = 0;
    if (this.permits < 1) {
      const toNextCycle = (this.activeCycle + 1) * this.limitRefreshPeriodUs - elapsed;
      const atNextCycle = this.permits + this.limitForPeriod;
      const fullCycles = atNextCycle >= 1 ? 0 : Math.ceil((1 - atNextCycle) / this.limitForPeriod);
      wait = Math.ceil(fullCycles * this.limitRefreshPeriodUs + toNextCycle);
    }
    if (wait > this.timeoutDurationUs) return -1;
    this.permits -= 1;
    return wait;
  }

  execute(ctx: CallContext, call: Call, done: Done): void {
    const wait = this.reservePermission();
    if (wait < 0) {
      this.rejected.inc();
      return done(rejection(ErrorKinds.rateLimited));
    }
    this.permitted.inc();
    if (wait === 0) return call(ctx, done);
    this.waited.inc();
    this.env.sim.schedule(wait, runLater, [call, ctx, done] as [Call, CallContext, Done]);
  }
}

/**
 * Resilience4j 2.x `AtomicRateLimiter`: `limitForPeriod` permits (default 50) per fixed cycle of
 * `limitRefreshPeriod` (default 500 ns), no carry-over; a caller without a permit reserves one if
 * the wait fits in `timeoutDuration` (default 5 s), else is refused with `rate-limited`.
 */
export function rateLimiter(options: RateLimiterOptions): RateLimiter {
  const where = 'rateLimiter';
  const o = options as unknown as Opts;
  checkKnown(where, o, [...ENV_OPTION_NAMES, 'limitForPeriod', 'limitRefreshPeriod', 'limitRefreshPeriodMs', 'limitRefreshPeriodNs', 'timeoutDuration', 'timeoutDurationMs']);
  const limit = numberOption(where, o, 'limitForPeriod', 50, { min: 1, integer: true });
  let periodUs: number;
  if (o.limitRefreshPeriodNs !== undefined) {
    if (o.limitRefreshPeriod !== undefined || o.limitRefreshPeriodMs !== undefined) {
      throw new InputError(`${where}: give one of limitRefreshPeriod, limitRefreshPeriodMs, limitRefreshPeriodNs`);
    }
    periodUs = numberOption(where, o, 'limitRefreshPeriodNs', 500, { min: 1, integer: true }) / 1000;
  } else {
    periodUs = durationOption(where, o, 'limitRefreshPeriod', 0.5, { minUs: 0, minExclusive: true });
  }
  const timeout = durationOption(where, o, 'timeoutDuration', 5_000_000);
  return new RateLimiterImpl(new PolicyEnv(where, 'rate-limiter', o), limit, periodUs, timeout);
}
