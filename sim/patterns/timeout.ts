/**
 * Timeouts: a per-attempt time limit and an overall deadline, with deadline propagation.
 *
 * `timeLimiter` follows Resilience4j 2.x `TimeLimiter` (`timeoutDuration`, default 1 s;
 * `cancelRunningFuture`, default true): the caller gets a `timeout` failure when the limit passes,
 * and the attempt's context is cancelled so a cooperative callee can stop. Put it *inside* a retry
 * for a per-attempt timeout (Envoy `per_try_timeout`), *outside* for one limit on everything.
 *
 * `deadline` follows gRPC deadlines (gRFC A6: "the deadline covers the whole chain of attempts"):
 * it sets an absolute deadline `now + timeout` on the context. Every policy and every downstream
 * call made with `ctx.child()` inherits it, so a downstream call gets only the remaining budget;
 * a time limiter never waits past the inherited deadline, and a retry never starts an attempt after
 * it. When the deadline passes the caller gets `deadline-exceeded`.
 */
import { checkKnown, booleanOption, durationOption, type Opts } from './options.ts';
import { ENV_OPTION_NAMES, PolicyEnv, type PolicyEnvOptions } from './env.ts';
import { ErrorKinds, errorOutcome, rejection, type Call, type CallContext, type Done, type Outcome, type Policy } from './call.ts';
import type { Counter } from '../observe/metrics.ts';
import type { Simulation } from '../kernel/sim.ts';
import { InputError } from '../kernel/errors.ts';

/** The options of `timeLimiter`, as Resilience4j 2.x `TimeLimiterConfig` names them. */
export interface TimeLimiterOptions extends PolicyEnvOptions {
  /** R4j `timeoutDuration` (default "1s"), or `timeoutDurationMs`. */
  timeoutDuration?: string;
  /** `timeoutDuration` in milliseconds. */
  timeoutDurationMs?: number;
  /** R4j `cancelRunningFuture` (default true): cancel the attempt's context on timeout. */
  cancelRunningFuture?: boolean;
}

/** The options of `deadline`: the gRPC per-call timeout (required) from which the absolute deadline is set. */
export interface DeadlineOptions extends PolicyEnvOptions {
  /** gRPC per-call timeout from which the absolute deadline is set ("5s"), or `timeoutMs`. */
  timeout?: string;
  /** `timeout` in milliseconds. */
  timeoutMs?: number;
}

class Pending {
  finished = false;
  timer = -1;
  constructor(
    readonly policy: TimerPolicy,
    readonly child: CallContext,
    readonly done: Done,
    readonly startUs: number,
    readonly kind: string,
  ) {}
}

function onTimer(p: Pending): void {
  if (p.finished) return;
  p.finished = true;
  const pol = p.policy;
  pol.timeouts.inc();
  if (pol.cancelOnTimeout) p.child.cancel(p.kind);
  p.done(errorOutcome(p.kind, pol.sim.now - p.startUs));
}

/** Shared machinery: run the call under a timer; the first of (completion, timer) wins. */
abstract class TimerPolicy implements Policy {
  abstract readonly kind: string;
  readonly sim: Simulation;
  readonly name: string;
  readonly timeouts: Counter;
  readonly calls: Counter;
  constructor(
    readonly env: PolicyEnv,
    readonly limitUs: number,
    readonly cancelOnTimeout: boolean,
    readonly setsDeadline: boolean,
  ) {
    this.sim = env.sim;
    this.name = env.name;
    this.timeouts = env.counter(setsDeadline ? 'deadline-exceeded' : 'timeouts');
    this.calls = env.counter('calls');
  }

  execute(ctx: CallContext, call: Call, done: Done): void {
    const now = this.sim.now;
    this.calls.inc();
    if (now >= ctx.deadlineUs) {
      this.timeouts.inc();
      done(rejection(ErrorKinds.deadlineExceeded));
      return;
    }
    const own = now + this.limitUs;
    // Deadline propagation: never wait past the deadline we inherited.
    const until = own < ctx.deadlineUs ? own : ctx.deadlineUs;
    const kind = this.setsDeadline || own >= ctx.deadlineUs ? ErrorKinds.deadlineExceeded : ErrorKinds.timeout;
    const child = ctx.child(this.setsDeadline ? own : until);
    const p = new Pending(this, child, done, now, kind);
    p.timer = this.sim.schedule(until - now, onTimer, p);
    call(child, (o: Outcome) => {
      if (p.finished) return;
      p.finished = true;
      this.sim.cancel(p.timer);
      done(o);
    });
  }
}

class TimeLimiterPolicy extends TimerPolicy {
  readonly kind = 'time-limiter';
}
class DeadlinePolicy extends TimerPolicy {
  readonly kind = 'deadline';
}

/** A Resilience4j TimeLimiter instance: the policy, its limit in µs, and the count of attempts it timed out. */
export type TimeLimiter = Policy & { readonly limitUs: number; readonly timeouts: Counter };

/**
 * Resilience4j 2.x TimeLimiter: the caller gets `timeout` once `timeoutDuration` (default 1 s)
 * passes, and with `cancelRunningFuture` (default true) the attempt's context is cancelled. Inside
 * a retry it is a per-attempt timeout (Envoy `per_try_timeout`); outside, one limit on everything.
 */
export function timeLimiter(options: TimeLimiterOptions): TimeLimiter {
  const where = 'timeLimiter';
  const o = options as unknown as Opts;
  checkKnown(where, o, [...ENV_OPTION_NAMES, 'timeoutDuration', 'timeoutDurationMs', 'cancelRunningFuture']);
  const limitUs = durationOption(where, o, 'timeoutDuration', 1_000_000, { minUs: 0, minExclusive: true });
  const cancel = booleanOption(where, o, 'cancelRunningFuture', true);
  return new TimeLimiterPolicy(new PolicyEnv(where, 'time-limiter', o), limitUs, cancel, false);
}

/**
 * A gRPC deadline: sets the absolute deadline now + `timeout` on the call's context, so every
 * attempt and downstream call gets only the remaining budget; past it the caller gets
 * `deadline-exceeded`.
 */
export function deadline(options: DeadlineOptions): TimeLimiter {
  const where = 'deadline';
  const o = options as unknown as Opts;
  checkKnown(where, o, [...ENV_OPTION_NAMES, 'timeout', 'timeoutMs']);
  if (o.timeout === undefined && o.timeoutMs === undefined) {
    throw new InputError(`${where}: timeout is required (for example "5s"), or timeoutMs`);
  }
  const limitUs = durationOption(where, o, 'timeout', 0, { minUs: 0, minExclusive: true });
  return new DeadlinePolicy(new PolicyEnv(where, 'deadline', o), limitUs, true, true);
}

