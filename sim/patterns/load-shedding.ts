/**
 * Server-side load shedding: a bounded admission queue in front of `concurrency` workers.
 *
 * - Queue-length limit: a request arriving to a full queue (`queueLengthMax`, default 1000, the
 *   `tc-codel` packet limit) is shed at once.
 * - CoDel for request queues, as Ben Maurer describes it in "Fail at Scale" (ACM Queue 13(8), 2015)
 *   after RFC 8289: if the queue has not been empty at any time in the last `interval` (N, default
 *   100 ms), a queued request is shed once it has waited more than `target` (M, default 5 ms);
 *   otherwise after `interval`. As in CoDel the check happens when a request is dequeued.
 * - Adaptive LIFO (same article; Netflix `LifoBlockingLimiter` in library form): first-in-first-out
 *   normally, last-in-first-out while the queue is standing (not empty for `interval`), so the
 *   freshest requests, whose clients are still waiting, are served first.
 * Shed requests fail with `shed`.
 */
import type { Counter, Gauge, Histogram } from '../observe/metrics.ts';
import { ErrorKinds, errorOutcome, rejection, type Call, type CallContext, type Done, type Outcome, type Policy } from './call.ts';
import { ENV_OPTION_NAMES, PolicyEnv, type PolicyEnvOptions } from './env.ts';
import { booleanOption, checkKnown, durationOption, numberOption, type Opts } from './options.ts';

/**
 * The options of `loadShedder`: workers, the queue-length limit (default 1000), and CoDel
 * queue-delay shedding (`target` 5 ms, `interval` 100 ms) and adaptive LIFO as in Facebook's
 * "Fail at Scale", both off by default.
 */
export interface LoadShedderOptions extends PolicyEnvOptions {
  /** Requests served at once (workers). Default 1. */
  concurrency?: number;
  /** Requests waiting beyond which an arrival is shed at once (the `tc-codel` packet limit). Default 1000. */
  queueLengthMax?: number;
  /** Enable CoDel-style queue-delay shedding (default false). */
  codel?: boolean;
  /** CoDel's M: while overloaded, a request that waited longer is shed. Default "5ms". */
  target?: string;
  /** `target` in milliseconds. */
  targetMs?: number;
  /** CoDel's N: the queue counts as standing when it has not been empty for this long; otherwise requests are shed after waiting this long. Default "100ms". */
  interval?: string;
  /** `interval` in milliseconds. */
  intervalMs?: number;
  /** Serve LIFO while the queue is standing (default false). */
  adaptiveLifo?: boolean;
}

/** A load shedder instance: the policy (shed requests fail with `shed`), its occupancy and counters. */
export interface LoadShedder extends Policy {
  /** Requests being served now. */
  readonly inService: number;
  /** Requests waiting now. */
  readonly queueLength: number;
  /** True while the queue has not been empty for `interval` (CoDel's overload signal). */
  readonly overloaded: boolean;
  /** Requests shed on arrival to a full queue. */
  readonly shedQueueFull: Counter;
  /** Requests shed by CoDel after waiting too long. */
  readonly shedCodel: Counter;
  /** Requests served. */
  readonly served: Counter;
  /** Time served requests waited in the queue, µs. */
  readonly queueDelayUs: Histogram;
}

interface Item {
  ctx: CallContext;
  call: Call;
  done: Done;
  sinceUs: number;
}

class LoadShedderImpl implements LoadShedder {
  readonly kind = 'load-shedder';
  readonly name: string;
  readonly sim: PolicyEnv['sim'];
  inService = 0;
  private q: (Item | null)[] = [];
  private head = 0;
  /** Last time the queue was empty (µs). */
  private lastEmptyUs: number;
  readonly shedQueueFull: Counter;
  readonly shedCodel: Counter;
  readonly served: Counter;
  readonly queueDelayUs: Histogram;
  private readonly queueGauge: Gauge;

  constructor(
    env: PolicyEnv,
    readonly concurrency: number,
    readonly queueLengthMax: number,
    readonly codel: boolean,
    readonly targetUs: number,
    readonly intervalUs: number,
    readonly adaptiveLifo: boolean,
  ) {
    this.name = env.name;
    this.sim = env.sim;
    this.lastEmptyUs = env.sim.now;
    this.shedQueueFull = env.counter('shed-queue-full');
    this.shedCodel = env.counter('shed-codel');
    this.served = env.counter('served');
    this.queueDelayUs = env.histogram('queue-delay-us');
    this.queueGauge = env.gauge('queue-length');
  }

  get queueLength(): number {
    return this.q.length - this.head;
  }

  get overloaded(): boolean {
    return this.queueLength > 0 && this.sim.now - this.lastEmptyUs > this.intervalUs;
  }

  execute(ctx: CallContext, call: Call, done: Done): void {
    if (this.inService < this.concurrency && this.queueLength === 0) {
      this.lastEmptyUs = this.sim.now;
      return this.start(ctx, call, done, 0);
    }
    if (this.queueLength >= this.queueLengthMax) {
      this.shedQueueFull.inc();
      return done(rejection(ErrorKinds.shed));
    }
    if (this.queueLength === 0) this.lastEmptyUs = this.sim.now;
    this.q.push({ ctx, call, done, sinceUs: this.sim.now });
    this.queueGauge.set(this.sim.now, this.queueLength);
  }

  private start(ctx: CallContext, call: Call, done: Done, waitedUs: number): void {
    this.inService++;
    this.served.inc();
    this.queueDelayUs.record(waitedUs);
    call(ctx, (o: Outcome) => {
      this.inService--;
      this.next();
      done(o);
    });
  }

  private take(lifo: boolean): Item {
    let it: Item;
    if (lifo) {
      it = this.q.pop()!;
    } else {
      it = this.q[this.head]!;
      this.q[this.head++] = null;
    }
    if (this.head === this.q.length) {
      this.q.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.q.length) {
      this.q.splice(0, this.head);
      this.head = 0;
    }
    return it;
  }

  private next(): void {
    while (this.inService < this.concurrency && this.queueLength > 0) {
      const now = this.sim.now;
      const standing = now - this.lastEmptyUs > this.intervalUs;
      const it = this.take(this.adaptiveLifo && standing);
      const waited = now - it.sinceUs;
      if (this.queueLength === 0) this.lastEmptyUs = now;
      this.queueGauge.set(now, this.queueLength);
      if (this.codel && waited > (standing ? this.targetUs : this.intervalUs)) {
        this.shedCodel.inc();
        it.done(errorOutcome(ErrorKinds.shed, waited));
        continue;
      }
      this.start(it.ctx, it.call, it.done, waited);
    }
  }
}

/**
 * Server-side load shedding in front of `concurrency` workers (Facebook's "Fail at Scale"): a full
 * queue sheds arrivals at once; with `codel`, a request that waited longer than `target` (5 ms)
 * while the queue has not been empty for `interval` (100 ms) is shed, else after `interval`; with
 * `adaptiveLifo`, the queue is served newest first while it stands. Shed requests fail with `shed`.
 */
export function loadShedder(options: LoadShedderOptions): LoadShedder {
  const where = 'loadShedder';
  const o = options as unknown as Opts;
  checkKnown(where, o, [...ENV_OPTION_NAMES, 'concurrency', 'queueLengthMax', 'codel', 'target', 'targetMs', 'interval', 'intervalMs', 'adaptiveLifo']);
  return new LoadShedderImpl(
    new PolicyEnv(where, 'load-shedder', o),
    numberOption(where, o, 'concurrency', 1, { min: 1, integer: true }),
    numberOption(where, o, 'queueLengthMax', 1000, { min: 0, integer: true }),
    booleanOption(where, o, 'codel', false),
    durationOption(where, o, 'target', 5000, { minUs: 0, minExclusive: true }),
    durationOption(where, o, 'interval', 100_000, { minUs: 0, minExclusive: true }),
    booleanOption(where, o, 'adaptiveLifo', false),
  );
}
