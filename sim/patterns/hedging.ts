/**
 * Hedged requests with gRPC semantics (gRFC A6 `hedgingPolicy`): send the original, and every
 * `hedgingDelay` without a final answer send another copy, up to `maxAttempts` in total (the
 * original included; values above 5 are treated as 5). The first successful response wins and
 * every other attempt is cancelled. A response with a status in `nonFatalStatusCodes` does not end
 * the call: it makes the next hedge go out at once, skipping the rest of its delay. Any other
 * failure is fatal and ends the call (outstanding attempts are cancelled). When every attempt has
 * failed non-fatally the last failure is returned. `hedgingDelay: "0s"` sends all attempts at once.
 * With `retryThrottling`, hedges beyond the original are sent only while the budget allows, and
 * non-fatal failures take tokens as retryable failures do.
 */
import { InputError } from '../kernel/errors.ts';
import type { Counter } from '../observe/metrics.ts';
import { ErrorKinds, rejection, withLatency, type Call, type CallContext, type Done, type Outcome, type Policy } from './call.ts';
import { ENV_OPTION_NAMES, PolicyEnv, type PolicyEnvOptions } from './env.ts';
import { checkKnown, durationOption, numberOption, stringListOption, type Opts } from './options.ts';
import { GRPC_MAX_ATTEMPTS_CAP } from './retry.ts';
import type { RetryBudget } from './retry-budget.ts';

/**
 * A gRPC service config `hedgingPolicy` (gRFC A6): `maxAttempts` (≥ 2, capped at 5),
 * `hedgingDelay` between copies (default 0 s: all at once), `nonFatalStatusCodes`, and the
 * channel's `retryThrottling`.
 */
export interface HedgingOptions extends PolicyEnvOptions {
  /** Total attempts including the original; at least 2; capped at 5 (gRPC). */
  maxAttempts: number;
  /** Delay between hedges (default "0s"), or `hedgingDelayMs`. */
  hedgingDelay?: string;
  /** `hedgingDelay` in milliseconds. */
  hedgingDelayMs?: number;
  /** Error kinds that are not fatal (default none: every failure ends the call). */
  nonFatalStatusCodes?: readonly string[];
  /** The channel's retry throttling: hedges beyond the original go out only while it allows. */
  retryThrottling?: RetryBudget;
  /** Channel argument overriding the cap of 5 on `maxAttempts`. */
  maxAttemptsCap?: number;
}

/** A hedging instance: the policy, its bounds, and its counters. */
export interface HedgingPolicy extends Policy {
  /** Total attempts allowed (after the cap), the original included. */
  readonly maxAttempts: number;
  /** Delay between hedges, µs. */
  readonly hedgingDelayUs: number;
  /** Attempts sent (original + hedges), hedges sent, attempts cancelled as losers. */
  readonly attempts: Counter;
  /** Hedges sent beyond the original. */
  readonly hedges: Counter;
  /** Attempts cancelled as losers. */
  readonly cancelled: Counter;
}

class HedgeRun {
  started = 0;
  inflight = 0;
  finished = false;
  timer = -1;
  readonly kids: CallContext[] = [];
  readonly kidDone: boolean[] = [];
  readonly startUs: number;
  constructor(
    readonly p: HedgingImpl,
    readonly ctx: CallContext,
    readonly call: Call,
    readonly done: Done,
  ) {
    this.startUs = p.sim.now;
  }
}

function onHedgeTimer(r: HedgeRun): void {
  r.timer = -1;
  r.p.launch(r);
}

class HedgingImpl implements HedgingPolicy {
  readonly kind = 'hedging';
  readonly name: string;
  readonly sim: PolicyEnv['sim'];
  readonly attempts: Counter;
  readonly hedges: Counter;
  readonly cancelled: Counter;
  private readonly nonFatal: ReadonlySet<string>;

  constructor(
    env: PolicyEnv,
    readonly maxAttempts: number,
    readonly hedgingDelayUs: number,
    nonFatal: readonly string[],
    private readonly budget: RetryBudget | null,
  ) {
    this.name = env.name;
    this.sim = env.sim;
    this.attempts = env.counter('attempts');
    this.hedges = env.counter('hedges');
    this.cancelled = env.counter('cancelled');
    this.nonFatal = new Set(nonFatal);
  }

  execute(ctx: CallContext, call: Call, done: Done): void {
    if (this.sim.now >= ctx.deadlineUs) return done(rejection(ErrorKinds.deadlineExceeded));
    this.launch(new HedgeRun(this, ctx, call, done));
  }

  launch(r: HedgeRun): boolean {
    if (r.finished || r.started >= this.maxAttempts || r.ctx.cancelled || this.sim.now >= r.ctx.deadlineUs) return false;
    if (r.started > 0 && this.budget !== null && !this.budget.tryAcquireRetry(rejection(ErrorKinds.unavailable))) return false;
    r.started++;
    r.inflight++;
    this.attempts.inc();
    if (r.started > 1) this.hedges.inc();
    const c = r.ctx.child();
    c.attempt = r.started;
    const index = r.kids.length;
    r.kids.push(c);
    r.kidDone.push(false);
    if (r.started < this.maxAttempts) r.timer = this.sim.schedule(this.hedgingDelayUs, onHedgeTimer, r);
    this.budget?.onAttemptStart();
    r.call(c, (o: Outcome) => this.attemptDone(r, index, o));
    return true;
  }

  private attemptDone(r: HedgeRun, index: number, o: Outcome): void {
    if (r.kidDone[index]) return;
    r.kidDone[index] = true;
    r.inflight--;
    const c = r.kids[index]!;
    const nonFatal = !o.ok && this.nonFatal.has(o.error);
    if (this.budget !== null) {
      this.budget.onAttemptEnd(o, nonFatal);
      if (c.attempt > 1) this.budget.releaseRetry();
    }
    if (r.finished) return;
    if (o.ok || !nonFatal) return this.finish(r, o);
    // Non-fatal: the next hedge goes out now, skipping the rest of its delay.
    if (r.timer !== -1) {
      this.sim.cancel(r.timer);
      r.timer = -1;
    }
    this.launch(r);
    if (r.inflight === 0) this.finish(r, o);
  }

  private finish(r: HedgeRun, o: Outcome): void {
    r.finished = true;
    if (r.timer !== -1) {
      this.sim.cancel(r.timer);
      r.timer = -1;
    }
    for (let i = 0; i < r.kids.length; i++) {
      if (!r.kidDone[i]) {
        r.kids[i]!.cancel(ErrorKinds.cancelled);
        this.cancelled.inc();
      }
    }
    this.budget?.onCallEnd(o, r.started > 1 ? o : null);
    r.done(withLatency(o, this.sim.now - r.startUs));
  }
}

/**
 * gRPC hedging (gRFC A6 `hedgingPolicy`): send the original, and another copy every
 * `hedgingDelay` without a final answer, up to `maxAttempts` (capped at 5); the first success
 * wins and the others are cancelled; a status in `nonFatalStatusCodes` sends the next copy at
 * once, any other failure ends the call.
 */
export function hedging(options: HedgingOptions): HedgingPolicy {
  const where = 'hedging';
  const o = options as unknown as Opts;
  checkKnown(where, o, [...ENV_OPTION_NAMES, 'maxAttempts', 'hedgingDelay', 'hedgingDelayMs', 'nonFatalStatusCodes', 'retryThrottling', 'maxAttemptsCap']);
  if (o.maxAttempts === undefined) throw new InputError(`${where}: maxAttempts is required (gRFC A6; > 1, includes the original call)`);
  const max = numberOption(where, o, 'maxAttempts', 2, { min: 2, integer: true });
  const cap = numberOption(where, o, 'maxAttemptsCap', GRPC_MAX_ATTEMPTS_CAP, { min: 2, integer: true, max: 1000 });
  const delay = durationOption(where, o, 'hedgingDelay', 0);
  const nonFatal = stringListOption(where, o, 'nonFatalStatusCodes', []);
  return new HedgingImpl(new PolicyEnv(where, 'hedging', o), Math.min(max, cap), delay, nonFatal, (options.retryThrottling as RetryBudget | undefined) ?? null);
}
