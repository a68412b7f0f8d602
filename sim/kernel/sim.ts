/**
 * The discrete-event kernel: virtual time in integer microseconds, an event queue with a total
 * order (time, then insertion sequence), cancellable timers, generator processes and budgets.
 *
 * Two APIs on one core:
 *   - callbacks, for hot-path models: `sim.schedule(delayUs, fn, arg)` returns a timer id that
 *     `sim.cancel(id)` cancels; nothing is allocated per event.
 *   - generator processes, for scenario authors: `sim.process(function* () { yield 250_000; yield ev; })`
 *     where a number is a delay in microseconds and a `SimEvent` waits for that event.
 *
 * The future event list is a binary heap stored as parallel arrays (time, seq, fn, arg) so an
 * event costs no allocation of its own. Same-time work (events fired, processes resumed) goes to
 * an immediate FIFO; the next event is whichever of the heap top and the FIFO head comes first in
 * (time, seq), so the total order holds across both. Cancellation is lazy: a cancelled id is
 * remembered and skipped when it surfaces.
 */
import { BudgetExceededError, InputError, SimulationError, type BudgetName } from './errors.ts';

/** A kernel callback: `sim.schedule(delayUs, fn, arg)` calls `fn(arg)` (one argument, so no closure per event). */
export type Callback<A = any> = (arg: A) => void;

/**
 * A run's deterministic budgets: past any of them the run stops with a `BudgetExceededError`
 * instead of hanging (defaults in `DEFAULT_BUDGETS`; the CLI's `--budget name=N`).
 */
export interface Budgets {
  /** Events processed before the run stops with an error. */
  eventsMax: number;
  /** Simulated time, in microseconds, beyond which the run stops with an error. */
  simTimeMaxUs: number;
  /** Events pending at once (a runaway fan-out shows up here first). */
  liveEventsMax: number;
  /** Generator processes alive at once. */
  processesMax: number;
}

/** The default budgets: 200,000,000 events, one simulated year (µs), 5,000,000 live events, 1,000,000 processes. */
export const DEFAULT_BUDGETS: Budgets = {
  eventsMax: 200_000_000,
  simTimeMaxUs: 365 * 24 * 3_600_000_000,
  liveEventsMax: 5_000_000,
  processesMax: 1_000_000,
};

/** What a generator process yields: a delay in simulated µs, or a `SimEvent` to wait for (resuming with its value). */
export type Yieldable = number | SimEvent<any>;
/** A generator process's body, for `sim.process(...)` or `node.spawn(...)`; it returns `R` into `Process.done`. */
export type ProcessBody<R = unknown> = Generator<Yieldable, R, any>;

const PENDING = 0;
const TRIGGERED = 1;

/**
 * A one-shot event. Processes `yield` it to wait; callbacks subscribe with `then`.
 * `succeed(value)` fires it: waiters resume at the current time, in subscription order.
 */
export class SimEvent<T = unknown> {
  state: 0 | 1 = PENDING;
  value: T | undefined = undefined;
  // Subscribers: the first inline (most events have one: the process waiting on it), the others
  // as [fn, arg, tag] triples. `tag` is a number the kernel hands back to its own subscribers (a
  // waiting process's epoch, an `anyOf` input's index), so subscribing allocates nothing.
  private f0: Subscriber | null = null;
  private a0: unknown = null;
  private t0 = 0;
  private rest: unknown[] | null = null;

  constructor(readonly sim: Simulation) {}

  get triggered(): boolean {
    return this.state === TRIGGERED;
  }

  /** Call `fn(arg, value)` when the event fires (at once, through the FIFO, if it already has). */
  then<A>(fn: (arg: A, value: T) => void, arg: A): void {
    this._on(fn as Subscriber, arg, 0);
  }

  /** @internal `then` with a number handed to `fn` as its third argument. */
  _on(fn: Subscriber, arg: unknown, tag: number): void {
    if (this.state === TRIGGERED) {
      this.sim._soon(fireOne, [fn, arg, this.value, tag]);
      return;
    }
    if (this.f0 === null) {
      this.f0 = fn;
      this.a0 = arg;
      this.t0 = tag;
    } else if (this.rest === null) {
      this.rest = [fn, arg, tag];
    } else {
      this.rest.push(fn, arg, tag);
    }
  }

  succeed(value?: T): this {
    if (this.state === TRIGGERED) return this;
    this.state = TRIGGERED;
    this.value = value;
    if (this.f0 !== null) this.sim._soon(fireAll, this);
    return this;
  }

  /**
   * @internal `succeed` from a kernel callback that ends right after it (a timeout's timer, a
   * resource's grant): when the firing would be the very next event anyway, the subscribers run
   * now, counted as the event they would have been, so nothing changes but the queue hop.
   */
  _succeedLast(value: T): void {
    if (this.state === TRIGGERED) return;
    this.state = TRIGGERED;
    this.value = value;
    if (this.f0 === null) return;
    if (this.sim._nextIsNow()) this._fire(true);
    else this.sim._soon(fireAll, this);
  }

  /**
   * @internal run the subscribers; called by the kernel at the firing time. `last`: this firing
   * ends the current event, so the last subscriber may fire an `anyOf` without a queue hop too.
   */
  _fire(last: boolean): void {
    const f0 = this.f0!;
    const a0 = this.a0;
    const t0 = this.t0;
    const rest = this.rest;
    this.f0 = null;
    this.a0 = null;
    this.rest = null;
    const value = this.value;
    if (rest === null) {
      if (last && f0 === anyOfFire) (a0 as SimEvent<number>)._succeedLast(t0);
      else f0(a0, value, t0);
      return;
    }
    f0(a0, value, t0);
    const n = rest.length - 3;
    for (let i = 0; i < n; i += 3) (rest[i] as Subscriber)(rest[i + 1], value, rest[i + 2] as number);
    const fn = rest[n] as Subscriber;
    if (last && fn === anyOfFire) (rest[n + 1] as SimEvent<number>)._succeedLast(rest[n + 2] as number);
    else fn(rest[n + 1], value, rest[n + 2] as number);
  }
}

type Subscriber = (arg: any, value: any, tag: number) => void;

function fireAll(ev: SimEvent<any>): void {
  ev._fire(true);
}
function fireOne(t: [Subscriber, unknown, unknown, number]): void {
  t[0](t[1], t[2], t[3]);
}

/** Thrown into a generator process by `interrupt()`, for example when its node crashes. */
export class Interrupt extends Error {
  override readonly name = 'Interrupt';
  constructor(override readonly cause: unknown) {
    super(`process interrupted: ${String(cause)}`);
  }
}

/** A running generator process. `done` fires with the generator's return value. */
export class Process<R = unknown> {
  alive = true;
  /** Timer id of the pending delay, or -1 while waiting on an event or running. */
  timer = -1;
  /** Bumped on every resume so a stale event subscription is ignored after an interrupt. */
  epoch = 0;
  // made when first asked for (most processes are never waited on)
  private doneEvent: SimEvent<R> | null = null;
  private result: R | undefined = undefined;

  constructor(
    readonly sim: Simulation,
    readonly gen: ProcessBody<R>,
    readonly name: string,
  ) {}

  /** Fires with the generator's return value when the process ends (undefined if interrupted out). */
  get done(): SimEvent<R> {
    if (this.doneEvent === null) {
      const ev = new SimEvent<R>(this.sim);
      if (!this.alive) {
        // ended before anyone asked: the event has fired, with nobody to tell
        ev.state = TRIGGERED;
        ev.value = this.result;
      }
      this.doneEvent = ev;
    }
    return this.doneEvent;
  }

  /** @internal the generator returned (or was interrupted out) with `value`. */
  _end(value: R | undefined): void {
    this.alive = false;
    this.result = value;
    if (this.doneEvent !== null) this.doneEvent.succeed(value);
  }

  /** Throw an `Interrupt` into the process at the current time (its pending wait is dropped). */
  interrupt(cause: unknown): void {
    if (!this.alive) return;
    if (this.timer !== -1) {
      this.sim.cancel(this.timer);
      this.timer = -1;
    }
    this.epoch++;
    this.sim.schedule(0, interruptProcess, [this, cause]);
  }
}

function resumeDelay(p: Process<any>): void {
  p.timer = -1;
  p.sim._step(p, undefined, false);
}
function resumeEvent(p: Process<any>, value: unknown, epoch: number): void {
  if (!p.alive || p.epoch !== epoch) return;
  p.sim._step(p, value, false);
}
function interruptProcess(t: [Process<any>, unknown]): void {
  const p = t[0];
  if (!p.alive) return;
  p.sim._step(p, new Interrupt(t[1]), true);
}

/** The options of a `Simulation`: its seed (default 1, reported in errors) and budgets over `DEFAULT_BUDGETS`. */
export interface SimulationOptions {
  /** The run's seed, reported in errors. Default 1. */
  seed?: string | number;
  /** Budgets over `DEFAULT_BUDGETS`. */
  budgets?: Partial<Budgets>;
}

/**
 * The discrete-event kernel: virtual time in integer microseconds (`now`), an event queue in a
 * total order (time, then insertion sequence), cancellable timers (`schedule`, `at`, `cancel`),
 * generator processes (`process`) and budgets. Inside a scenario it is `ctx.sim`.
 */
export class Simulation {
  /** Current simulated time in microseconds. */
  now = 0;
  /** Events processed so far. */
  events = 0;
  readonly seed: string | number;
  readonly budgets: Budgets;
  processes = 0;

  private seq = 0;
  // heap, struct of arrays
  private hn = 0;
  private hcap = 1024;
  // time and sequence of each entry, with four slots of padding past the capacity; slots past the
  // last entry hold time +Infinity (see `pop`)
  private ht = new Float64Array(1024 + 4).fill(Infinity);
  private hs = new Float64Array(1024 + 4);
  /** Heap entry → slot of its callback and argument (moving an int avoids pointer write barriers). */
  private hk = new Int32Array(1024);
  private sf: (Callback | null)[] = new Array(1024).fill(null);
  private sa: unknown[] = new Array(1024).fill(null);
  /** Free slots, a stack. */
  private freeSlots = new Int32Array(1024);
  private freeTop = 0;
  // immediate FIFO (all at time `now`): arrays indexed [qh, qt); reset to 0 when drained (never
  // truncated: changing an array's length is costly in V8 and the capacity is reused). Allocated
  // up front and grown by doubling away from the hot path, so that path only ever assigns
  // (code compiled before the arrays first grew would otherwise be thrown away when they do).
  private qcap = 1024;
  private qs = new Float64Array(1024);
  private qf: (Callback | null)[] = new Array(1024).fill(null);
  private qa: unknown[] = new Array(1024).fill(null);
  private qh = 0;
  private qt = 0;
  private cancelled = new Set<number>();
  private readonly liveMax: number;
  private stopped = false;
  private running = false;
  private disposed = false;
  private disposeHooks: (() => void)[] = [];

  constructor(options: SimulationOptions = {}) {
    this.seed = options.seed ?? 1;
    this.budgets = { ...DEFAULT_BUDGETS, ...options.budgets };
    this.liveMax = this.budgets.liveEventsMax;
    for (const [k, v] of Object.entries(this.budgets)) {
      if (!(typeof v === 'number' && v > 0 && (Number.isInteger(v) || v === Infinity))) {
        throw new InputError(`budget ${k}: ${v} is not valid; use a positive integer`);
      }
    }
  }

  /** Events waiting to run (heap plus immediate FIFO, including lazily cancelled ones). */
  get pending(): number {
    return this.hn + (this.qt - this.qh);
  }

  /**
   * Run `fn(arg)` after `delayUs` microseconds (rounded to an integer). Returns a timer id for
   * `cancel`. A negative, NaN or infinite delay is a bug in the caller and throws at once.
   */
  schedule<A>(delayUs: number, fn: Callback<A>, arg: A): number {
    // (the throws are in functions of their own, here and on every hot path: a function's bytecode
    // size decides whether V8 inlines it into its callers and how soon it optimizes it, and
    // building an error message takes more bytecode than the rest of this method)
    if (!(delayUs >= 0 && delayUs < Infinity)) badDelay(delayUs);
    // the budget counts both queues: a zero-delay fan-out must stop at it as a timed one does
    if (this.hn + (this.qt - this.qh) >= this.liveMax) this.overBudget('liveEventsMax');
    const seq = this.seq++;
    if (delayUs < 0.5) {
      const i = this.qt++;
      if (i === this.qcap) this.growFifo();
      this.qs[i] = seq;
      this.qf[i] = fn;
      this.qa[i] = arg;
    } else {
      this.push(this.now + Math.round(delayUs), seq, fn, arg);
    }
    return seq;
  }

  /** @internal `schedule(0, fn, arg)` for the kernel's own same-time work: no delay to check. */
  _soon<A>(fn: Callback<A>, arg: A): void {
    if (this.hn + (this.qt - this.qh) >= this.liveMax) this.overBudget('liveEventsMax');
    const seq = this.seq++;
    const i = this.qt++;
    if (i === this.qcap) this.growFifo();
    this.qs[i] = seq;
    this.qf[i] = fn;
    this.qa[i] = arg;
  }

  /** Run `fn(arg)` at absolute simulated time `timeUs` (not before now). */
  at<A>(timeUs: number, fn: Callback<A>, arg: A): number {
    if (!(timeUs >= this.now && timeUs < Infinity)) {
      throw new InputError(`at: time ${timeUs} us is not valid; it must be finite and not before now (${this.now} us)`);
    }
    return this.schedule(timeUs - this.now, fn, arg);
  }

  /** Cancel a pending timer. Cancelling one that already ran or was cancelled does nothing. */
  cancel(id: number): void {
    if (id >= 0 && id < this.seq) this.cancelled.add(id);
  }

  event<T = unknown>(): SimEvent<T> {
    return new SimEvent<T>(this);
  }

  /** An event that fires after `delayUs`. */
  timeout(delayUs: number): SimEvent<void> {
    const ev = new SimEvent<void>(this);
    this.schedule(delayUs, succeedEvent, ev);
    return ev;
  }

  /** An event that fires with the index of the first of `events` to fire. */
  anyOf(events: readonly SimEvent<any>[]): SimEvent<number> {
    const out = new SimEvent<number>(this);
    for (let i = 0; i < events.length; i++) events[i]!._on(anyOfFire, out, i);
    return out;
  }

  /** Start a generator process now. `yield n` waits n microseconds; `yield ev` waits for ev. */
  process<R>(gen: ProcessBody<R>, name = 'process'): Process<R> {
    if (this.processes >= this.budgets.processesMax) {
      throw new BudgetExceededError('processesMax', this.budgets.processesMax, this.seed, this.now);
    }
    const p = new Process<R>(this, gen, name);
    this.processes++;
    this.schedule(0, resumeDelay, p);
    return p;
  }

  /** @internal advance a process by one step. */
  _step(p: Process<any>, value: unknown, isThrow: boolean): void {
    let r: IteratorResult<Yieldable, unknown>;
    try {
      r = isThrow ? p.gen.throw(value) : p.gen.next(value);
    } catch (err) {
      this.processes--;
      if (err instanceof Interrupt) {
        p._end(undefined);
        return;
      }
      p.alive = false;
      throw err;
    }
    if (r.done) {
      this.processes--;
      p._end(r.value);
      return;
    }
    const y = r.value;
    if (typeof y === 'number') {
      p.timer = this.schedule(y, resumeDelay, p);
    } else if (y instanceof SimEvent) {
      y._on(resumeEvent, p, p.epoch);
    } else {
      this.badYield(p, y);
    }
  }

  private badYield(p: Process<any>, y: unknown): never {
    p.alive = false;
    this.processes--;
    throw new InputError(`process "${p.name}" yielded ${String(y)}; yield a delay in microseconds (a number) or a SimEvent`);
  }

  /**
   * @internal true when an event scheduled now, at zero delay, would run next: nothing is waiting
   * in the same-time FIFO and the heap holds nothing else for this instant. Then it is counted as
   * the event it would have been (its sequence number, the events budget, the live-events budget)
   * and its work may run at once.
   */
  _nextIsNow(): boolean {
    if (!this.running || this.stopped || this.qh !== this.qt) return false;
    const n = this.hn;
    if (n > 0 && this.ht[0]! <= this.now) return false;
    if (n >= this.liveMax) this.overBudget('liveEventsMax');
    this.seq++;
    if (++this.events > this.budgets.eventsMax) this.overBudget('eventsMax');
    return true;
  }

  /**
   * End the simulation for good: drop every pending event and run the hooks registered with
   * `onDispose` (models empty their queues there). A finished run's containers may have been
   * promoted to V8's old generation; until the next full collection, whatever they still point at
   * would survive young-generation collections during the next run (measured: disposing the
   * retry-storm's queue at the end of each run halves what the next run's scavenges promote).
   * `run` after `dispose` is an error.
   */
  dispose(): void {
    if (this.running) throw new Error('Simulation.dispose during run');
    this.stopped = true;
    this.disposed = true;
    this.sf.fill(null);
    this.sa.fill(null);
    this.qf.fill(null);
    this.qa.fill(null);
    this.hn = 0;
    this.ht.fill(Infinity);
    this.qh = 0;
    this.qt = 0;
    this.cancelled.clear();
    const hooks = this.disposeHooks;
    this.disposeHooks = [];
    for (const h of hooks) h();
  }

  /** Register a hook run by `dispose` (release references to the run's objects). */
  onDispose(fn: () => void): void {
    this.disposeHooks.push(fn);
  }

  /** Stop the run loop after the current event. */
  stop(): void {
    this.stopped = true;
  }

  /**
   * Run until no events remain, `untilUs` is reached (events at exactly `untilUs` run), or `stop()`.
   * Budgets are checked as events are processed.
   */
  run(untilUs = Infinity): void {
    if (this.running) throw new Error('Simulation.run is not re-entrant');
    if (this.disposed) throw new Error('Simulation.run after dispose');
    this.running = true;
    this.stopped = false;
    try {
      this.loop(untilUs);
      if (untilUs !== Infinity && !this.stopped && this.now < untilUs) this.now = untilUs;
    } catch (err) {
      if (err instanceof BudgetExceededError || err instanceof InputError || err instanceof SimulationError) throw err;
      const message = err instanceof Error ? err.message : String(err);
      throw new SimulationError(`simulation failed: ${message}`, this.seed, this.now, { cause: err });
    } finally {
      this.running = false;
    }
  }

  /**
   * The event loop of `run`, on its own and small: V8 compiles it sooner, and a rarely taken path
   * that throws it back to the interpreter costs less to compile again.
   */
  private loop(untilUs: number): void {
    const eventsMax = this.budgets.eventsMax;
    const simTimeMaxUs = this.budgets.simTimeMaxUs;
    // the heap top may run only up to here; beyond it, the run ends or a budget is hit
    const limitUs = untilUs < simTimeMaxUs ? untilUs : simTimeMaxUs;
    for (;;) {
      if (this.stopped) return;
      // choose between the FIFO head (time now) and the heap top
      let fn: Callback | null;
      let arg: unknown;
      let seq: number;
      // (an empty heap's top has time +Infinity; both comparisons are always made, so V8 has seen
      // the one that decides only same-time ties before it compiles this loop)
      if (this.qh !== this.qt && (+(this.ht[0]! > this.now) | +(this.hs[0]! > this.qs[this.qh]!)) !== 0) {
        const i = this.qh++;
        seq = this.qs[i]!;
        fn = this.qf[i]!;
        arg = this.qa[i];
        this.qf[i] = null;
        this.qa[i] = null;
        if (this.qh === this.qt) {
          this.qh = 0;
          this.qt = 0;
        }
        if (this.cancelled.size !== 0 && this.cancelled.delete(seq)) continue;
        if (++this.events > eventsMax) this.overBudget('eventsMax');
        fn(arg);
      } else if (this.hn > 0) {
        const t = this.ht[0]!;
        if (t > limitUs) {
          if (t > untilUs) return;
          this.overBudget('simTimeMax');
        }
        seq = this.hs[0]!;
        const k = this.hk[0]!;
        fn = this.sf[k]!;
        arg = this.sa[k];
        this.sf[k] = null;
        this.sa[k] = null;
        this.freeSlots[this.freeTop++] = k;
        this.pop();
        // a cancelled timer must not move the clock
        if (this.cancelled.size !== 0 && this.cancelled.delete(seq)) continue;
        this.now = t;
        if (++this.events > eventsMax) this.overBudget('eventsMax');
        fn(arg);
      } else {
        return;
      }
    }
  }

  private overBudget(name: 'simTimeMax' | 'eventsMax' | 'liveEventsMax'): never {
    const limit = name === 'eventsMax' ? this.budgets.eventsMax : name === 'liveEventsMax' ? this.liveMax : this.budgets.simTimeMaxUs;
    throw new BudgetExceededError(name, limit, this.seed, this.now);
  }

  // ---- 4-ary heap on (time, seq) ----
  // A 4-ary heap has half the levels of a binary one; the entries it moves are two doubles and an
  // int (the callback lives in a slot that does not move), so a pop touches few cache lines.

  private push(t: number, s: number, f: Callback, a: unknown): void {
    if (this.hn === this.hcap) this.grow();
    const k = this.freeTop > 0 ? this.freeSlots[--this.freeTop]! : this.hn;
    this.sf[k] = f;
    this.sa[k] = a;
    let i = this.hn++;
    const ht = this.ht;
    const hs = this.hs;
    const hk = this.hk;
    // the new entry has the largest sequence number so far, so a parent at the same time stays
    // above it: one comparison per level
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pt = ht[p]!;
      if (pt <= t) break;
      ht[i] = pt;
      hs[i] = hs[p]!;
      hk[i] = hk[p]!;
      i = p;
    }
    ht[i] = t;
    hs[i] = s;
    hk[i] = k;
  }

  /**
   * Remove the heap top (its slot was already read and freed by the caller). Floyd's way: the hole
   * at the root moves down along the smallest children to a leaf, and the last entry goes up from
   * there (it usually belongs near the bottom). The smallest of four children is picked without
   * branches (comparisons as 0/1 integers): which child is smallest is random in a timer heap, so
   * branches there are mispredicted half the time. Slots past the last entry hold time +Infinity,
   * so every node with a child has four to compare.
   */
  private pop(): void {
    const n = --this.hn;
    const ht = this.ht;
    const hs = this.hs;
    const hk = this.hk;
    const t = ht[n]!;
    const s = hs[n]!;
    const k = hk[n]!;
    ht[n] = Infinity;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const c0 = 4 * i + 1;
      if (c0 >= n) break;
      const c1 = c0 + 1;
      const c2 = c0 + 2;
      const c3 = c0 + 3;
      const t0 = ht[c0]!;
      const t1 = ht[c1]!;
      const t2 = ht[c2]!;
      const t3 = ht[c3]!;
      const a = c0 + (+(t1 < t0) | (+(t1 === t0) & +(hs[c1]! < hs[c0]!)));
      const b = c2 + (+(t3 < t2) | (+(t3 === t2) & +(hs[c3]! < hs[c2]!)));
      const ta = ht[a]!;
      const tb = ht[b]!;
      const c = a + (b - a) * (+(tb < ta) | (+(tb === ta) & +(hs[b]! < hs[a]!)));
      ht[i] = ht[c]!;
      hs[i] = hs[c]!;
      hk[i] = hk[c]!;
      i = c;
    }
    // up from the leaf while the parent comes after the entry (the tie test always made: see `loop`)
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pt = ht[p]!;
      if ((+(pt < t) | (+(pt === t) & +(hs[p]! < s))) !== 0) break;
      ht[i] = pt;
      hs[i] = hs[p]!;
      hk[i] = hk[p]!;
      i = p;
    }
    ht[i] = t;
    hs[i] = s;
    hk[i] = k;
  }

  private growFifo(): void {
    const cap = this.qcap * 2;
    const qs = new Float64Array(cap);
    qs.set(this.qs);
    this.qs = qs;
    for (let i = this.qcap; i < cap; i++) {
      this.qf.push(null);
      this.qa.push(null);
    }
    this.qcap = cap;
  }

  private grow(): void {
    const cap = this.hcap * 2;
    const t = new Float64Array(cap + 4).fill(Infinity);
    t.set(this.ht.subarray(0, this.hcap));
    this.ht = t;
    const s = new Float64Array(cap + 4);
    s.set(this.hs.subarray(0, this.hcap));
    this.hs = s;
    const hk = new Int32Array(cap);
    hk.set(this.hk);
    this.hk = hk;
    const free = new Int32Array(cap);
    free.set(this.freeSlots);
    this.freeSlots = free;
    for (let i = this.hcap; i < cap; i++) {
      this.sf.push(null);
      this.sa.push(null);
    }
    this.hcap = cap;
  }
}

function badDelay(delayUs: number): never {
  throw new InputError(`schedule: delay ${delayUs} us is not valid; delays must be finite and ≥ 0`);
}

function succeedEvent(ev: SimEvent<void>): void {
  ev._succeedLast(undefined);
}
function anyOfFire(out: SimEvent<number>, _value: unknown, index: number): void {
  out.succeed(index);
}

export type { BudgetName };
