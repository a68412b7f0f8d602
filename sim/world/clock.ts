/**
 * A node's local clock: what the software on a node believes the time is. True time is the
 * kernel's `sim.now`; the local clock runs at rate (1 + driftPpm / 1e6) and carries a step
 * offset that skews and jumps move.
 *
 *   monotonic(t) = anchorMono + (t - anchorTrue) · (1 + driftPpm/1e6)    (CLOCK_MONOTONIC: drifts, never steps)
 *   realtime(t)  = monotonic(t) + stepOffsetUs                            (CLOCK_REALTIME: drifts and steps)
 *
 * Why both: leases and timeouts in real systems are often measured on the monotonic clock, which
 * an NTP step cannot move but crystal drift still bends, while timestamps (and timers set on
 * wall time) feel every step. Chaos Mesh's TimeChaos shifts CLOCK_REALTIME by default
 * (`clockIds: ["CLOCK_REALTIME"]`); TigerBeetle's `TimeSim` models drift, steps and offsets.
 *
 * Timers set in local time (`schedule`, `at`) fire when the local clock reaches their deadline,
 * so a node whose clock runs fast fires its timers early in true time, and a forward jump fires
 * realtime timers at once. When the drift or the offset changes, pending timers are rescheduled
 * (in the order they were set, so the result is deterministic).
 */
import { InputError } from '../kernel/errors.ts';
import type { Callback, Simulation } from '../kernel/sim.ts';

declare module '../observe/trace.ts' {
  interface TraceRecordMap {
    /** A node's clock changed: its step offset (skew, jump) or its rate (drift). */
    'clock-change': { node: string; change: 'skew' | 'drift' | 'jump'; offsetUs: number; driftPpm: number };
  }
}

/** Which local clock a timer follows (Linux clock ids). */
export type ClockBasis = 'realtime' | 'monotonic';

interface LocalTimer {
  id: number;
  deadlineUs: number;
  basis: ClockBasis;
  fn: Callback;
  arg: unknown;
  kernelId: number;
}

/** Drift beyond ±10% is not a clock, it is a bug in the input. Real crystals drift tens of ppm. */
const DRIFT_PPM_LIMIT = 100_000;

/** A local clock's initial step offset (µs) and drift (ppm); both default 0. */
export interface ClockOptions {
  /** Initial step offset from true time, in microseconds (negative: behind). */
  offsetUs?: number;
  /** Rate error in parts per million: +100 runs fast by 100 µs per second. */
  driftPpm?: number;
}

/**
 * A node's local clock: a monotonic clock that drifts at `driftPpm` and a realtime (wall) clock
 * that also carries a step offset that skews and jumps move, as CLOCK_MONOTONIC and
 * CLOCK_REALTIME do. Timers set on it (`schedule`, `at`) fire when the local clock reaches their
 * deadline, so a fast clock fires them early in true time.
 */
export class Clock {
  private anchorTrueUs: number;
  private anchorMonoUs: number;
  private rate: number;
  private _driftPpm: number;
  private _offsetUs: number;
  private readonly timers = new Map<number, LocalTimer>();
  private nextId = 1;
  /** Called when the clock changes, to write a trace record; set by the world. */
  onChange: ((change: 'skew' | 'drift' | 'jump') => void) | null = null;

  constructor(
    readonly sim: Simulation,
    readonly node: string,
    options: ClockOptions = {},
  ) {
    const offsetUs = options.offsetUs ?? 0;
    const driftPpm = options.driftPpm ?? 0;
    checkOffset(`clock of ${node}: offsetUs`, offsetUs);
    checkDrift(`clock of ${node}: driftPpm`, driftPpm);
    this.anchorTrueUs = sim.now;
    this.anchorMonoUs = sim.now;
    this._driftPpm = driftPpm;
    this.rate = 1 + driftPpm / 1e6;
    this._offsetUs = offsetUs;
  }

  get driftPpm(): number {
    return this._driftPpm;
  }

  /** The step offset (from skews and jumps), in microseconds. */
  get offsetUs(): number {
    return this._offsetUs;
  }

  /** Local monotonic time in microseconds (drifts, never steps). */
  monotonic(): number {
    return this.anchorMonoUs + (this.sim.now - this.anchorTrueUs) * this.rate;
  }

  /** Local wall-clock time in microseconds (drifts and steps): what the host wall clock would say. */
  now(): number {
    return this.monotonic() + this._offsetUs;
  }

  /** Local time minus true time, in microseconds: the error a node's timestamps carry. */
  errorUs(): number {
    return this.now() - this.sim.now;
  }

  /** Set the rate error. Pending timers are rescheduled to the new rate. */
  setDrift(driftPpm: number): void {
    checkDrift(`clock of ${this.node}: driftPpm`, driftPpm);
    this.anchorMonoUs = this.monotonic();
    this.anchorTrueUs = this.sim.now;
    this._driftPpm = driftPpm;
    this.rate = 1 + driftPpm / 1e6;
    this.rescheduleAll(null);
    this.onChange?.('drift');
  }

  /** Move the step offset by `byUs` (a skew or an NTP step). Realtime timers are rescheduled. */
  step(byUs: number, change: 'skew' | 'jump' = 'jump'): void {
    checkOffset(`clock of ${this.node}: step`, byUs);
    this._offsetUs += byUs;
    this.rescheduleAll('realtime');
    this.onChange?.(change);
  }

  /**
   * Run `fn(arg)` when `delayUs` of local time has passed (on the given clock). Returns an id for
   * `cancel`. A fast clock fires early in true time; a slow one late.
   */
  schedule<A>(delayUs: number, fn: Callback<A>, arg: A, basis: ClockBasis = 'monotonic'): number {
    if (!(delayUs >= 0 && delayUs < Infinity)) {
      throw new InputError(`clock of ${this.node}: timer delay ${delayUs} us is not valid; use a finite delay ≥ 0`);
    }
    const base = basis === 'realtime' ? this.now() : this.monotonic();
    return this.arm(base + delayUs, basis, fn as Callback, arg);
  }

  /** Run `fn(arg)` when the local wall clock reads `localTimeUs` (at once if it already has). */
  at<A>(localTimeUs: number, fn: Callback<A>, arg: A): number {
    if (!Number.isFinite(localTimeUs)) {
      throw new InputError(`clock of ${this.node}: timer deadline ${localTimeUs} us is not finite`);
    }
    return this.arm(localTimeUs, 'realtime', fn as Callback, arg);
  }

  cancel(id: number): void {
    const t = this.timers.get(id);
    if (t === undefined) return;
    this.sim.cancel(t.kernelId);
    this.timers.delete(id);
  }

  /** Drop every pending timer (the process that set them died). */
  cancelAll(): void {
    for (const t of this.timers.values()) this.sim.cancel(t.kernelId);
    this.timers.clear();
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  private arm(deadlineUs: number, basis: ClockBasis, fn: Callback, arg: unknown): number {
    const t: LocalTimer = { id: this.nextId++, deadlineUs, basis, fn, arg, kernelId: -1 };
    this.timers.set(t.id, t);
    t.kernelId = this.sim.schedule(this.trueDelay(t), fireLocalTimer, [this, t] as const);
    return t.id;
  }

  /** True-time delay until the local clock reaches the timer's deadline (rounded up, so never early). */
  private trueDelay(t: LocalTimer): number {
    const local = t.basis === 'realtime' ? this.now() : this.monotonic();
    const remaining = t.deadlineUs - local;
    if (remaining <= 0) return 0;
    return Math.ceil(remaining / this.rate - 1e-9);
  }

  private rescheduleAll(only: ClockBasis | null): void {
    for (const t of this.timers.values()) {
      if (only !== null && t.basis !== only) continue;
      this.sim.cancel(t.kernelId);
      t.kernelId = this.sim.schedule(this.trueDelay(t), fireLocalTimer, [this, t] as const);
    }
  }

  /** @internal */
  _fire(t: LocalTimer): void {
    if (this.timers.get(t.id) !== t) return;
    this.timers.delete(t.id);
    t.fn(t.arg);
  }
}

function fireLocalTimer(x: readonly [Clock, LocalTimer]): void {
  x[0]._fire(x[1]);
}

function checkDrift(what: string, driftPpm: number): void {
  if (!(Number.isFinite(driftPpm) && Math.abs(driftPpm) <= DRIFT_PPM_LIMIT)) {
    throw new InputError(`${what}=${driftPpm} is not valid; use a number of ppm in [-${DRIFT_PPM_LIMIT}, ${DRIFT_PPM_LIMIT}]`);
  }
}

function checkOffset(what: string, us: number): void {
  if (!Number.isFinite(us)) throw new InputError(`${what}=${us} is not valid; use a finite number of microseconds`);
}
