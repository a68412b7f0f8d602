/**
 * Bulkhead with Resilience4j 2.x `SemaphoreBulkhead` semantics (`BulkheadConfig`):
 * `maxConcurrentCalls` (default 25) permits; a caller that finds none waits up to
 * `maxWaitDuration` (default 0 = reject at once) in a fair FIFO line
 * (`fairCallHandlingStrategyEnabled`, default true), then fails with `bulkhead-full`
 * (`BulkheadFullException`). A waiting caller whose context is cancelled leaves the line.
 */
import type { Counter, Gauge } from '../observe/metrics.ts';
import { ErrorKinds, errorOutcome, rejection, type Call, type CallContext, type Done, type Outcome, type Policy } from './call.ts';
import { ENV_OPTION_NAMES, PolicyEnv, type PolicyEnvOptions } from './env.ts';
import { checkKnown, durationOption, numberOption, type Opts } from './options.ts';

/** The options of `bulkhead`, as Resilience4j 2.x `BulkheadConfig` names them. */
export interface BulkheadOptions extends PolicyEnvOptions {
  /** Calls allowed in flight at once. Default 25. */
  maxConcurrentCalls?: number;
  /** How long a caller waits for a permit in a fair FIFO line before `bulkhead-full`. Default "0s": reject at once. */
  maxWaitDuration?: string;
  /** `maxWaitDuration` in milliseconds. */
  maxWaitDurationMs?: number;
}

/** A Resilience4j semaphore bulkhead instance: the policy, its limits, its occupancy and its counters. */
export interface Bulkhead extends Policy {
  /** Calls allowed in flight at once. */
  readonly maxConcurrentCalls: number;
  /** Longest wait for a permit, µs. */
  readonly maxWaitDurationUs: number;
  /** Calls holding a permit now. */
  readonly inFlight: number;
  /** Callers waiting for a permit now. */
  readonly waiting: number;
  /** Calls refused with `bulkhead-full`. */
  readonly rejected: Counter;
  /** Calls let through. */
  readonly permitted: Counter;
}

class Waiter {
  timer = -1;
  granted = false;
  gone = false;
  constructor(
    readonly b: BulkheadImpl,
    readonly ctx: CallContext,
    readonly call: Call,
    readonly done: Done,
    readonly sinceUs: number,
  ) {}
}

function waitExpired(w: Waiter): void {
  w.timer = -1;
  if (w.granted || w.gone) return;
  w.gone = true;
  w.b._leave();
  w.b.rejected.inc();
  w.done(errorOutcome(ErrorKinds.bulkheadFull, w.b.sim.now - w.sinceUs));
}

class BulkheadImpl implements Bulkhead {
  readonly kind = 'bulkhead';
  readonly name: string;
  readonly sim: PolicyEnv['sim'];
  inFlight = 0;
  waiting = 0;
  private readonly line: Waiter[] = [];
  private head = 0;
  readonly rejected: Counter;
  readonly permitted: Counter;
  private readonly inFlightGauge: Gauge;

  constructor(
    env: PolicyEnv,
    readonly maxConcurrentCalls: number,
    readonly maxWaitDurationUs: number,
  ) {
    this.name = env.name;
    this.sim = env.sim;
    this.rejected = env.counter('rejected');
    this.permitted = env.counter('permitted');
    this.inFlightGauge = env.gauge('in-flight');
  }

  _leave(): void {
    this.waiting--;
  }

  execute(ctx: CallContext, call: Call, done: Done): void {
    if (this.inFlight < this.maxConcurrentCalls && this.waiting === 0) return this.run(ctx, call, done);
    if (this.maxWaitDurationUs === 0) {
      this.rejected.inc();
      return done(rejection(ErrorKinds.bulkheadFull));
    }
    const w = new Waiter(this, ctx, call, done, this.sim.now);
    w.timer = this.sim.schedule(this.maxWaitDurationUs, waitExpired, w);
    this.line.push(w);
    this.waiting++;
  }

  private run(ctx: CallContext, call: Call, done: Done): void {
    this.inFlight++;
    this.permitted.inc();
    this.inFlightGauge.set(this.sim.now, this.inFlight);
    call(ctx, (o: Outcome) => {
      this.inFlight--;
      this.inFlightGauge.set(this.sim.now, this.inFlight);
      this.grantNext();
      done(o);
    });
  }

  private grantNext(): void {
    while (this.inFlight < this.maxConcurrentCalls && this.head < this.line.length) {
      const w = this.line[this.head]!;
      this.line[this.head++] = undefined as unknown as Waiter;
      if (this.head > 1024 && this.head * 2 > this.line.length) {
        this.line.splice(0, this.head);
        this.head = 0;
      }
      if (w.gone) continue;
      if (w.ctx.cancelled) {
        w.gone = true;
        this.waiting--;
        this.sim.cancel(w.timer);
        w.done(errorOutcome(w.ctx.cancelReason || ErrorKinds.cancelled, this.sim.now - w.sinceUs));
        continue;
      }
      w.granted = true;
      this.waiting--;
      this.sim.cancel(w.timer);
      this.run(w.ctx, w.call, w.done);
    }
  }
}

/**
 * A Resilience4j 2.x semaphore bulkhead: at most `maxConcurrentCalls` (default 25) calls in
 * flight; a caller that finds none free waits up to `maxWaitDuration` (default 0: not at all) in
 * a fair FIFO line, then fails with `bulkhead-full`.
 */
export function bulkhead(options: BulkheadOptions): Bulkhead {
  const where = 'bulkhead';
  const o = options as unknown as Opts;
  checkKnown(where, o, [...ENV_OPTION_NAMES, 'maxConcurrentCalls', 'maxWaitDuration', 'maxWaitDurationMs']);
  const max = numberOption(where, o, 'maxConcurrentCalls', 25, { min: 1, integer: true, max: 10_000_000 });
  const wait = durationOption(where, o, 'maxWaitDuration', 0);
  return new BulkheadImpl(new PolicyEnv(where, 'bulkhead', o), max, wait);
}
