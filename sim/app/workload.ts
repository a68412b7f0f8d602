/**
 * Workloads drive a system: open-loop Poisson arrivals at a rate that may change over time (ramps,
 * bursts, steps, a diurnal curve), and closed-loop users with think time. Every request gets a
 * root `CallContext` (an optional end-to-end deadline, a key) and its outcome is recorded in the
 * run's `RequestStats`, which feeds availability, latency, throughput and goodput.
 *
 * Open loop is the right model for internet traffic (arrivals do not slow down when the service
 * does, which is what makes retry storms possible); closed loop models a fixed population such as
 * batch workers, whose arrival rate falls as latency rises.
 */
import { tenantPicker, tenantStats, type TenantMix } from './tenants.ts';
import { durationSampler, type DistributionSpec } from '../kernel/distribution.ts';
import { InputError } from '../kernel/errors.ts';
import { checkKeys, expectObject } from '../kernel/suggest.ts';
import { parseDuration, type Duration } from '../kernel/time.ts';
import { CallContext, type Call, type Outcome } from '../patterns/call.ts';
import { isClient, type Client } from './client.ts';
import type { RunEnd } from './run-end.ts';
import type { AppContext } from './service.ts';

/**
 * An arrival rate for `openLoop`: a number per second, a string with its unit (`"100/s"`,
 * `"6000/min"`), or a shape that changes over time (`constant`, `ramp`, `burst`, `steps`,
 * `diurnal`) with rates per second and times as durations.
 */
export type RateShape =
  /** Requests per second. */
  | number
  /** With its unit: "100/s", "6000/min", "2/ms", "3600/h". */
  | string
  | { shape: 'constant'; perSec: number }
  /** Linear from `fromPerSec` at `at` to `toPerSec` at `at + over`, then flat. */
  | { shape: 'ramp'; fromPerSec: number; toPerSec: number; at?: Duration; over: Duration }
  /** `basePerSec`, except `burstPerSec` during [at, at + for). */
  | { shape: 'burst'; basePerSec: number; burstPerSec: number; at: Duration; for: Duration }
  /** Piecewise constant: each step's rate from its `at` on. */
  | { shape: 'steps'; steps: readonly { at: Duration; perSec: number }[] }
  /** mean·(1 + amplitude·sin(2πt/period)), a day's traffic curve compressed into `period`. */
  | { shape: 'diurnal'; meanPerSec: number; amplitude: number; period: Duration };

const RATE_RE = /^\s*(\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*\/\s*(ms|s|sec|min|m|h)\s*$/i;
const PER_US: Record<string, number> = { ms: 1e-3, s: 1e-6, sec: 1e-6, min: 1e-6 / 60, m: 1e-6 / 60, h: 1e-6 / 3600 };
const SHAPE_KEYS: Record<string, readonly string[]> = {
  constant: ['shape', 'perSec'],
  ramp: ['shape', 'fromPerSec', 'toPerSec', 'at', 'over'],
  burst: ['shape', 'basePerSec', 'burstPerSec', 'at', 'for'],
  steps: ['shape', 'steps'],
  diurnal: ['shape', 'meanPerSec', 'amplitude', 'period'],
};

/**
 * Compile a rate shape into its rate at simulated time t (requests per µs) and its maximum (per
 * µs, the thinning bound `openLoop` draws candidates at). Throws an input error naming `what`
 * for an invalid rate.
 *
 * @param rate - the rate to compile
 * @param what - where the rate was written, for error messages (default `"rate"`)
 */
export function compileRate(rate: RateShape, what = 'rate'): { at: (tUs: number) => number; maxPerUs: number } {
  const check = (v: number, name: string): number => {
    if (!(typeof v === 'number' && v >= 0 && v < Infinity)) throw new InputError(`${what}.${name}: ${v} is not valid; use a finite rate ≥ 0 per second`);
    return v / 1e6;
  };
  if (typeof rate === 'number') {
    const r = check(rate, 'perSec');
    return { at: () => r, maxPerUs: r };
  }
  if (typeof rate === 'string') {
    const m = RATE_RE.exec(rate);
    if (!m) throw new InputError(`${what}: ${JSON.stringify(rate)} is not a rate; write it with its unit, such as "100/s" or "6000/min"`);
    const r = Number(m[1]) * PER_US[m[2]!.toLowerCase()]!;
    return { at: () => r, maxPerUs: r };
  }
  expectObject(what, rate, 'a rate: "100/s", a number per second or a shape such as { shape: "ramp", … }');
  const keys = SHAPE_KEYS[(rate as { shape?: string }).shape ?? ''];
  if (keys !== undefined) checkKeys(`${what} (${rate.shape})`, rate, keys);
  switch (rate.shape) {
    case 'constant': {
      const r = check(rate.perSec, 'perSec');
      return { at: () => r, maxPerUs: r };
    }
    case 'ramp': {
      const a = check(rate.fromPerSec, 'fromPerSec');
      const b = check(rate.toPerSec, 'toPerSec');
      const t0 = rate.at !== undefined ? parseDuration(rate.at, `${what}.at`) : 0;
      const span = Math.max(1, parseDuration(rate.over, `${what}.over`));
      return { at: (t) => (t <= t0 ? a : t >= t0 + span ? b : a + ((b - a) * (t - t0)) / span), maxPerUs: Math.max(a, b) };
    }
    case 'burst': {
      const base = check(rate.basePerSec, 'basePerSec');
      const burst = check(rate.burstPerSec, 'burstPerSec');
      const t0 = parseDuration(rate.at, `${what}.at`);
      const t1 = t0 + parseDuration(rate.for, `${what}.for`);
      return { at: (t) => (t >= t0 && t < t1 ? burst : base), maxPerUs: Math.max(base, burst) };
    }
    case 'steps': {
      if (!rate.steps.length) throw new InputError(`${what}.steps: give at least one step`);
      const steps = rate.steps
        .map((s, i) => ({ at: parseDuration(s.at, `${what}.steps[${i}].at`), r: check(s.perSec, `steps[${i}].perSec`) }))
        .sort((x, y) => x.at - y.at);
      return {
        at: (t) => {
          let r = 0;
          for (const s of steps) if (t >= s.at) r = s.r;
          return r;
        },
        maxPerUs: Math.max(...steps.map((s) => s.r)),
      };
    }
    case 'diurnal': {
      const mean = check(rate.meanPerSec, 'meanPerSec');
      const amp = rate.amplitude;
      if (!(amp >= 0 && amp <= 1)) throw new InputError(`${what}.amplitude: ${amp} is not valid; use a number in [0, 1]`);
      const period = Math.max(1, parseDuration(rate.period, `${what}.period`));
      return { at: (t) => mean * (1 + amp * Math.sin((2 * Math.PI * t) / period)), maxPerUs: mean * (1 + amp) };
    }
    default:
      throw new InputError(`${what}: unknown shape ${JSON.stringify((rate as { shape?: unknown }).shape)}; valid: constant, ramp, burst, steps, diurnal`);
  }
}

/**
 * The options of `openLoop`: Poisson arrivals at `rate` from `start` (default 0) until `until`
 * (required), each request calling `call` with an optional end-to-end `deadline`. Unknown keys
 * are rejected with a did-you-mean.
 */
export interface OpenLoopOptions {
  /** Names the workload's random stream and is the `node` of its request records. Default `"client"`. */
  name?: string;
  /** Arrivals: "100/s", a number per second, or a shape that changes over time. */
  rate: RateShape;
  /** When it starts sending. Default 0. */
  start?: Duration;
  /** When it stops sending (required); requests in flight still finish. */
  until: Duration;
  /** What each request calls: a `Client` (called from node `from`) or any `Call`. */
  call: Call | Client<any>;
  /**
   * The node a `Client` is called from; added to the world (a client machine) if it does not
   * exist yet. Default: the workload's name.
   */
  from?: string;
  /** End-to-end deadline per request (propagated to every downstream call). */
  deadline?: Duration;
  /** Keys are drawn uniformly from [0, keys) for hashing load balancers. Default 1,000,000. */
  keys?: number;
  /** Called with each finished request's outcome (after it is recorded). */
  onOutcome?: (outcome: Outcome, startUs: number, tenant: string) => void;
  /** Who sends: each request gets a tenant from this mix (see `TenantMix`), recorded per tenant in `tenantStats`. */
  tenants?: TenantMix;
  /** Every request of this workload belongs to this tenant. */
  tenant?: string;
}

/** What a workload needs from the run: the app context, and where it reports for the run's default end. */
export interface WorkloadContext extends AppContext {
  /** @internal the run's default end (the build context has it). */
  readonly runEnd?: RunEnd;
}

const OPEN_LOOP_KEYS: Record<keyof OpenLoopOptions, true> = { name: true, rate: true, start: true, until: true, call: true, from: true, deadline: true, keys: true, onOutcome: true, tenants: true, tenant: true };
const CLOSED_LOOP_KEYS: Record<keyof ClosedLoopOptions, true> = { name: true, users: true, thinkTime: true, start: true, until: true, call: true, from: true, deadline: true, keys: true, onOutcome: true, tenants: true, tenant: true };

/** Check a workload's arguments (`openLoop(ctx, options)`), its keys, and resolve its call. */
function workloadCall(fn: string, ctx: AppContext, o: OpenLoopOptions | ClosedLoopOptions, known: readonly string[], name: string): Call {
  if (!ctx || typeof (ctx as { sim?: { schedule?: unknown } }).sim?.schedule !== 'function') {
    const looksLikeOptions = ctx && typeof ctx === 'object' && ('call' in ctx || 'until' in ctx);
    throw new InputError(
      `${fn}(ctx, options): the first argument must be the build context${looksLikeOptions ? ' (got the options: pass the context first)' : ''}; inside build, ${fn}({ ... }) from the build context needs no context`,
    );
  }
  expectObject(`${fn}(ctx, options)`, o);
  const where = `workload ${name}`;
  checkKeys(where, o, known, 'option');
  if (o.until === undefined) throw new InputError(`${where}: until is required: when it stops sending, such as "30s"`);
  const c = o.call;
  if (isClient(c)) {
    const from = o.from ?? name;
    const world = c.service.app.world;
    if (!world.hasNode(from)) world.addNode({ name: from }, where);
    return c.callFrom(from);
  }
  if (typeof c !== 'function') throw new InputError(`${where}: call is required: a client (client(service, "endpoint")) or a call`);
  if (o.from !== undefined) throw new InputError(`${where}: from applies to a client; this workload's call is a plain call`);
  return c;
}

/** The workload's tenant per request: '' without tenants; its own random stream, so the arrivals do not change. */
function tenancy(ctx: AppContext, o: OpenLoopOptions | ClosedLoopOptions, name: string): () => string {
  if (o.tenants !== undefined && o.tenant !== undefined) throw new InputError(`workload ${name}: give tenants or tenant, not both`);
  if (o.tenant !== undefined) {
    if (typeof o.tenant !== 'string' || o.tenant.length === 0) throw new InputError(`workload ${name}.tenant: use a non-empty string`);
    const t = o.tenant;
    return () => t;
  }
  if (o.tenants === undefined) return () => '';
  const picker = tenantPicker(o.tenants, `workload ${name}`);
  const rng = ctx.random.get(`workload/${name}/tenants`);
  return () => picker.pick(rng);
}

/** Open-loop Poisson arrivals (non-homogeneous by thinning when the rate changes over time). */
export function openLoop(ctx: WorkloadContext, o: OpenLoopOptions): { readonly sent: number } {
  const name = o?.name ?? 'client';
  const call = workloadCall('openLoop', ctx, o, Object.keys(OPEN_LOOP_KEYS), name);
  const rng = ctx.random.get(`workload/${name}`);
  const { at, maxPerUs } = compileRate(o.rate, `workload ${name}.rate`);
  const startUs = o.start !== undefined ? parseDuration(o.start, `workload ${name}.start`) : 0;
  const untilUs = parseDuration(o.until, `workload ${name}.until`);
  const deadlineUs = o.deadline !== undefined ? parseDuration(o.deadline, `workload ${name}.deadline`) : Infinity;
  const keys = o.keys ?? 1_000_000;
  const sim = ctx.sim;
  const state = { sent: 0 };
  const end = ctx.runEnd?.workload(name, Math.max(startUs, untilUs), deadlineUs) ?? null;
  if (maxPerUs <= 0 || untilUs <= startUs) return state;
  const meanGapUs = 1 / maxPerUs;
  const tenantOf = tenancy(ctx, o, name);
  const finish = (startedUs: number, outcome: Outcome, tenant: string): void => {
    ctx.requests.record(sim.now, outcome.ok, sim.now - startedUs, outcome.error, name);
    if (outcome.degraded) ctx.metrics.counter(`${name}.degraded`).inc();
    if (tenant !== '') tenantStats(ctx).record(tenant, outcome.ok, sim.now - startedUs);
    o.onOutcome?.(outcome, startedUs, tenant);
    end?.finished();
  };
  const arrive = (): void => {
    const now = sim.now;
    if (now >= untilUs) return;
    // thinning: accept a candidate arrival with probability rate(t)/max
    if (rng.next() * maxPerUs < at(now)) {
      state.sent++;
      end?.sent();
      const callCtx = new CallContext(sim, deadlineUs === Infinity ? Infinity : now + deadlineUs, Math.floor(rng.next() * keys), null);
      const tenant = tenantOf();
      callCtx.tenant = tenant;
      call(callCtx, (outcome) => finish(now, outcome, tenant));
    }
    sim.schedule(rng.exponential(meanGapUs), arrive, null);
  };
  sim.schedule(startUs + rng.exponential(meanGapUs), arrive, null);
  return state;
}

/**
 * The options of `closedLoop`: `users` users (an integer ≥ 1), each calling `call`, waiting for
 * the outcome, then thinking for a `thinkTime` draw before the next request, from `start`
 * (default 0) until `until` (required). Unknown keys are rejected with a did-you-mean.
 */
export interface ClosedLoopOptions {
  /** Names the workload's random stream and is the `node` of its request records. Default `"users"`. */
  name?: string;
  /** How many users (an integer ≥ 1), each with at most one request in flight. */
  users: number;
  /** Each user's pause before its first request and after each outcome. */
  thinkTime: DistributionSpec;
  /** When the users start (each after a first think time). Default 0. */
  start?: Duration;
  /** When they stop sending (required); requests in flight still finish. */
  until: Duration;
  /** What each request calls: a `Client` (called from node `from`) or any `Call`. */
  call: Call | Client<any>;
  /** The node a `Client` is called from (see `OpenLoopOptions.from`). Default: the workload's name. */
  from?: string;
  /** End-to-end deadline per request (propagated to every downstream call). Default: none. */
  deadline?: Duration;
  /** Keys are drawn uniformly from [0, keys) for hashing load balancers. Default 1,000,000. */
  keys?: number;
  /** Called with each finished request's outcome (after it is recorded). */
  onOutcome?: (outcome: Outcome, startUs: number, tenant: string) => void;
  /** Each user is one tenant of this mix, drawn when the user starts (see `TenantMix`). */
  tenants?: TenantMix;
  /** Every user belongs to this tenant. */
  tenant?: string;
}

/** A fixed population of users: call, wait for the outcome, think, repeat. */
export function closedLoop(ctx: WorkloadContext, o: ClosedLoopOptions): { readonly sent: number } {
  const name = o?.name ?? 'users';
  const call = workloadCall('closedLoop', ctx, o, Object.keys(CLOSED_LOOP_KEYS), name);
  if (!(Number.isInteger(o.users) && o.users >= 1)) throw new InputError(`workload ${name}.users: ${o.users} is not valid; use an integer ≥ 1`);
  const rng = ctx.random.get(`workload/${name}`);
  const think = durationSampler(o.thinkTime, `workload ${name}.thinkTime`);
  const startUs = o.start !== undefined ? parseDuration(o.start, `workload ${name}.start`) : 0;
  const untilUs = parseDuration(o.until, `workload ${name}.until`);
  const deadlineUs = o.deadline !== undefined ? parseDuration(o.deadline, `workload ${name}.deadline`) : Infinity;
  const keys = o.keys ?? 1_000_000;
  const sim = ctx.sim;
  const state = { sent: 0 };
  const end = ctx.runEnd?.workload(name, Math.max(startUs, untilUs), deadlineUs) ?? null;
  const tenantOf = tenancy(ctx, o, name);
  const go = (tenant: string): void => {
    const now = sim.now;
    if (now >= untilUs) return;
    state.sent++;
    end?.sent();
    const callCtx = new CallContext(sim, deadlineUs === Infinity ? Infinity : now + deadlineUs, Math.floor(rng.next() * keys), null);
    callCtx.tenant = tenant;
    call(callCtx, (outcome) => {
      ctx.requests.record(sim.now, outcome.ok, sim.now - now, outcome.error, name);
      if (outcome.degraded) ctx.metrics.counter(`${name}.degraded`).inc();
      if (tenant !== '') tenantStats(ctx).record(tenant, outcome.ok, sim.now - now);
      o.onOutcome?.(outcome, now, tenant);
      sim.schedule(think(rng), go, tenant);
      end?.finished();
    });
  };
  for (let u = 0; u < o.users; u++) sim.schedule(startUs + think(rng), go, tenantOf());
  return state;
}

/**
 * Wrap the innermost call of a client so each attempt is counted as a first try or a retry in the
 * run's request series (the "first tries vs retries" panel).
 */
export function countAttempts(ctx: AppContext, call: Call): Call {
  return (c, done) => {
    ctx.requests.attempt(ctx.sim.now, c.attempt > 1);
    call(c, done);
  };
}
