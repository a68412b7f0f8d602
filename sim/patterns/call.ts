/**
 * The call abstraction every policy wraps (DESIGN.md, "patterns/").
 *
 * A `Call` is a callback-style operation: `call(ctx, done)` starts the work and later invokes
 * `done(outcome)` exactly once, also after its context was cancelled (a policy that already gave
 * up ignores such late completions, but budgets that count work in flight need them). Callbacks, not promises or generators, because policies sit on the
 * hot path of every simulated request (DESIGN.md, "Performance shape").
 *
 * The `CallContext` carries what travels with a request between simulated services:
 *   - `deadlineUs`: the absolute simulated time by which the whole operation must finish
 *     (`Infinity` when none). Downstream calls made on behalf of this one inherit it, so they get
 *     only the remaining budget (gRPC deadline propagation).
 *   - `attempt`: which attempt of the enclosing retry/hedge this is (1 = the original call).
 *   - `key`: the request's hash key for ring-hash load balancing and feature-flag bucketing.
 *   - cancellation: a policy that gives up on an attempt (a timeout, a losing hedge) calls
 *     `ctx.cancel(reason)`; the callee may register one hook with `ctx.onCancel(fn, arg)` to stop
 *     its work cooperatively. A callee that ignores cancellation keeps running, as real servers do.
 *
 * An `Outcome` is `{ ok, error, latencyUs, value? }`. `error` is '' when ok, otherwise a short kind
 * such as 'timeout', 'unavailable' or 'breaker-open' (see `ErrorKinds`). Policies reuse the few
 * shared outcomes of their own rejections, so a rejected call allocates nothing.
 */
import type { Simulation } from '../kernel/sim.ts';

/** Error kinds produced by the patterns themselves; callees may use any other short string. */
export const ErrorKinds = {
  /** A per-attempt timeout fired (R4j TimeLimiter, Envoy per_try_timeout). */
  timeout: 'timeout',
  /** The propagated overall deadline passed (gRPC DEADLINE_EXCEEDED). */
  deadlineExceeded: 'deadline-exceeded',
  /** The attempt was cancelled by an enclosing policy. */
  cancelled: 'cancelled',
  /** Circuit breaker refused the call (R4j CallNotPermittedException). */
  breakerOpen: 'breaker-open',
  /** Bulkhead full (R4j BulkheadFullException). */
  bulkheadFull: 'bulkhead-full',
  /** Rate limiter refused (R4j RequestNotPermitted, Envoy local rate limit 429). */
  rateLimited: 'rate-limited',
  /** Server-side load shedding dropped the request (queue full, CoDel). */
  shed: 'shed',
  /** Client-side adaptive throttling rejected the request locally (Google SRE). */
  throttled: 'throttled',
  /** Adaptive concurrency limiter rejected the request (Netflix concurrency-limits). */
  limited: 'limit-exceeded',
  /** Load balancer found no host to send to (Envoy "no healthy upstream"). */
  noHealthyUpstream: 'no-healthy-upstream',
  /** A generic server failure (HTTP 5xx / gRPC UNAVAILABLE). */
  unavailable: 'unavailable',
  /** A generic failure of a call of your own. */
  error: 'error',
} as const;

/**
 * How a call ended: `ok`, the error kind ('' when ok; see `ErrorKinds`), the latency in µs from
 * the start of this (sub-)call, an optional value, and whether a fallback or stale cache produced
 * it. Outcomes are values: never changed after they are made.
 */
export interface Outcome {
  readonly ok: boolean;
  /** '' when ok; otherwise the error kind. */
  readonly error: string;
  /** Time from the start of this (sub-)call to its completion, in µs. */
  readonly latencyUs: number;
  /** An optional payload (a read value, a cached response). */
  readonly value?: unknown;
  /** True when a fallback or stale cache entry produced this outcome. */
  readonly degraded?: boolean;
}

/** The completion callback of a `Call`, invoked exactly once with the outcome. */
export type Done = (outcome: Outcome) => void;
/**
 * A callback-style operation every policy wraps: `call(ctx, done)` starts the work and later
 * calls `done(outcome)` exactly once, also after its context was cancelled.
 */
export type Call = (ctx: CallContext, done: Done) => void;

type CancelHook = (arg: any, reason: string) => void;

/**
 * What travels with a request between simulated services: its absolute deadline (inherited by
 * sub-calls, so they get only the remaining budget, as gRPC propagates deadlines), the attempt
 * number, the hash key, the tenant, and cooperative cancellation (`cancel`, `onCancel`).
 */
export class CallContext {
  /**
   * The deadline, null for none: a field that holds small integers or null is stored in the
   * object, where one that ever held Infinity would make every context box its number (contexts
   * are made for every attempt of every call).
   */
  private dl: number | null;
  /** 1-based attempt number within the enclosing retry or hedge. */
  attempt = 1;
  /** Request key for hashing (ring hash, rollout bucketing). */
  key: string | number;
  /** Who the request belongs to ('' when the workload has no tenants); sub-calls inherit it. */
  tenant = '';
  /**
   * The request's body (an HTTP body, a gRPC request message): what the callee's handler reads
   * as `h.body`. Attempts of a retry or hedge inherit it; an app handler's sub-call gets the
   * body it is given (none by default). `undefined` when the request carries none.
   */
  body: unknown = undefined;
  /** Set once `cancel` ran. */
  cancelled = false;
  cancelReason = '';
  /** The request's start time, for end-to-end latency. */
  readonly startUs: number;
  private hook: CancelHook | null = null;
  private hookArg: unknown = undefined;

  constructor(
    readonly sim: Simulation,
    deadlineUs = Infinity,
    key: string | number = 0,
    readonly parent: CallContext | null = null,
  ) {
    this.dl = deadlineUs === Infinity ? null : deadlineUs;
    this.key = key;
    this.startUs = sim.now;
  }

  /** Absolute deadline in simulated µs, `Infinity` when none. */
  get deadlineUs(): number {
    const d = this.dl;
    return d === null ? Infinity : d;
  }
  set deadlineUs(us: number) {
    this.dl = us === Infinity ? null : us;
  }

  /** Budget left before the deadline (µs); `Infinity` without a deadline, 0 once it has passed. */
  remainingUs(): number {
    const r = this.deadlineUs - this.sim.now;
    return r > 0 ? r : 0;
  }

  /** True when a deadline exists and has passed. */
  get expired(): boolean {
    return this.sim.now >= this.deadlineUs;
  }

  /**
   * A context for a sub-call: same key and attempt, a deadline no later than this one's (deadline
   * propagation), and cancellation that follows this one's.
   */
  child(deadlineUs = Infinity): CallContext {
    const c = new CallContext(this.sim, deadlineUs < this.deadlineUs ? deadlineUs : this.deadlineUs, this.key, this);
    c.attempt = this.attempt;
    c.tenant = this.tenant;
    c.body = this.body;
    if (this.cancelled) c.cancel(this.cancelReason);
    else this.addChild(c);
    return c;
  }

  /** Register the one cooperative-cancellation hook; a second registration replaces the first. */
  onCancel<A>(fn: (arg: A, reason: string) => void, arg: A): void {
    if (this.cancelled) {
      fn(arg, this.cancelReason);
      return;
    }
    this.hook = fn;
    this.hookArg = arg;
  }

  /** Cancel this context and its children (idempotent). */
  cancel(reason: string = ErrorKinds.cancelled): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.cancelReason = reason;
    const h = this.hook;
    this.hook = null;
    if (h !== null) h(this.hookArg, reason);
    // children in the order they were made
    let kid = this.firstKid;
    this.firstKid = null;
    this.lastKid = null;
    while (kid !== null) {
      const next = kid.nextSibling;
      kid.nextSibling = null;
      kid.cancel(reason);
      kid = next;
    }
  }

  // Children, a list threaded through the children themselves (no array per context: contexts
  // are made for every attempt of every call). Children are only tracked while the parent can
  // still be cancelled; a long-lived parent keeps them, bounded by its attempts (retries, hedges).
  private firstKid: CallContext | null = null;
  private lastKid: CallContext | null = null;
  private nextSibling: CallContext | null = null;
  private addChild(c: CallContext): void {
    if (this.lastKid === null) this.firstKid = c;
    else this.lastKid.nextSibling = c;
    this.lastKid = c;
  }
}

/** A new root context for a request starting now; `deadlineUs` is absolute (default none); `body` is the request's body. */
export function newCallContext(sim: Simulation, options: { deadlineUs?: number; key?: string | number; tenant?: string; body?: unknown } = {}): CallContext {
  const c = new CallContext(sim, options.deadlineUs ?? Infinity, options.key ?? 0, null);
  if (options.tenant !== undefined) c.tenant = options.tenant;
  if (options.body !== undefined) c.body = options.body;
  return c;
}

const OK_OUTCOMES: Outcome[] = [];
/** An ok outcome (cached per latency below 1 ms so hot paths do not allocate). */
export function okOutcome(latencyUs: number, value?: unknown): Outcome {
  if (value === undefined && latencyUs < 1000 && Number.isInteger(latencyUs) && latencyUs >= 0) {
    let o = OK_OUTCOMES[latencyUs];
    if (o === undefined) OK_OUTCOMES[latencyUs] = o = Object.freeze({ ok: true, error: '', latencyUs });
    return o;
  }
  return value === undefined ? { ok: true, error: '', latencyUs } : { ok: true, error: '', latencyUs, value };
}

const LAST_ERROR_OUTCOME = new Map<string, Outcome>();
/** The outcome `errorOutcome` returned last (most calls in a row are of one kind: no map lookup then). */
let lastErrorOutcome: Outcome = Object.freeze({ ok: false, error: '', latencyUs: -1 });
/**
 * A failed outcome of kind `error`. Outcomes are values, never changed: the last one made for
 * each kind is reused when the latency is the same (a timeout's latency usually is its timeout).
 */
export function errorOutcome(error: string, latencyUs: number): Outcome {
  if (latencyUs === 0) return rejection(error);
  if (lastErrorOutcome.error === error && lastErrorOutcome.latencyUs === latencyUs) return lastErrorOutcome;
  const last = LAST_ERROR_OUTCOME.get(error);
  if (last !== undefined && last.latencyUs === latencyUs) return (lastErrorOutcome = last);
  const o: Outcome = Object.freeze({ ok: false, error, latencyUs });
  LAST_ERROR_OUTCOME.set(error, o);
  return (lastErrorOutcome = o);
}

const REJECTIONS = new Map<string, Outcome>();
/** The rejection `rejection` returned last. */
let lastRejection: Outcome = Object.freeze({ ok: false, error: '', latencyUs: 0 });
/** The shared zero-latency outcome of a local rejection (breaker open, bulkhead full, ...). */
export function rejection(error: string): Outcome {
  if (lastRejection.error === error) return lastRejection;
  let o = REJECTIONS.get(error);
  if (o === undefined) REJECTIONS.set(error, (o = Object.freeze({ ok: false, error, latencyUs: 0 })));
  return (lastRejection = o);
}

/** An outcome with its latency replaced (policies report latency as seen from their own start). */
export function withLatency(o: Outcome, latencyUs: number): Outcome {
  if (o.latencyUs === latencyUs) return o;
  if (o.value === undefined && o.degraded === undefined) return o.ok ? okOutcome(latencyUs) : { ok: false, error: o.error, latencyUs };
  return { ok: o.ok, error: o.error, latencyUs, value: o.value, degraded: o.degraded };
}

/**
 * A policy wraps a call. `execute(ctx, call, done)` runs `call` under the policy.
 * `kind` is the pattern ('retry', 'circuit-breaker', ...); `name` is this instance's name, used in
 * metric names and trace records.
 */
export interface Policy {
  readonly kind: string;
  readonly name: string;
  execute(ctx: CallContext, call: Call, done: Done): void;
}

/** Wrap a call in one policy, giving a call (so policies and services compose as calls). */
export function applyPolicy(policy: Policy, call: Call): Call {
  return (ctx, done) => policy.execute(ctx, call, done);
}
