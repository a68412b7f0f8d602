/**
 * Retry: send the call again after a retryable failure, up to a bound, after a backoff, within a
 * budget and never past the propagated deadline.
 *
 * Counting is named so it cannot be misread (the third of the reference's ten most misunderstood
 * semantics): give exactly one of
 *   - `attemptsMax`: total attempts *including* the original call (Resilience4j `maxAttempts`,
 *     gRPC `maxAttempts`, AWS `max_attempts`), or
 *   - `retriesMax`: retries *after* the original (Polly v8 `MaxRetryAttempts`, Envoy `num_retries`,
 *     cockatiel `maxAttempts` as implemented).
 * The library presets below translate each library's own name: `resilience4jRetry({ maxAttempts: 3 })`
 * makes 3 calls, `envoyRetry({ num_retries: 3 })` makes 4, `grpcRetry({ maxAttempts: 9 })` makes 5
 * (gRPC caps `maxAttempts` at 5).
 *
 * Defaults follow Resilience4j 2.x `RetryConfig`: 3 attempts, constant 500 ms wait, every failure
 * retried. A retry is not sent when the call's context is cancelled, when the deadline would pass
 * before the backoff ends (gRPC: the deadline covers all attempts), or when the budget refuses.
 */
import { InputError } from '../kernel/errors.ts';
import type { Random } from '../kernel/random.ts';
import type { Counter } from '../observe/metrics.ts';
import { markDetailKind, type Tracer } from '../observe/trace.ts';
import { constantBackoff, grpcBackoff, envoyBackoff, awsStandardBackoff, type Backoff, type EnvoyBackoffOptions } from './backoff.ts';
import { ErrorKinds, rejection, withLatency, type Call, type CallContext, type Done, type Outcome, type Policy } from './call.ts';
import { ENV_OPTION_NAMES, PolicyEnv, type PolicyEnvOptions } from './env.ts';
import { booleanOption, checkKnown, functionOption, numberOption, stringListOption, type Opts } from './options.ts';
import { awsRetryQuota, envoyMaxRetries, type RetryBudget } from './retry-budget.ts';
import { timeLimiter } from './timeout.ts';
import { wrap } from './compose.ts';

declare module '../observe/trace.ts' {
  interface TraceRecordMap {
    /** A retry was scheduled (detail; emitted only with `traceAttempts: true`). */
    'retry-scheduled': { node: string; policy: string; attempt: number; delayUs: number; error: string };
    /** A retry was wanted but refused (budget, deadline, attempts exhausted); detail. */
    'retry-refused': { node: string; policy: string; attempt: number; reason: string; error: string };
  }
}
markDetailKind('retry-scheduled');
markDetailKind('retry-refused');

/** The most attempts any retry accepts (1,000,000): a bound against runaway input, not a library default. */
export const ATTEMPTS_LIMIT = 1_000_000;

/**
 * The options of the generic `retry`: how many attempts (exactly one of `attemptsMax`, counting
 * the original call, or `retriesMax`, not counting it; default 3 attempts), the backoff (default
 * constant 500 ms), which failures to retry (default all) and an optional shared budget.
 */
export interface RetryOptions extends PolicyEnvOptions {
  /** Total attempts including the original call. Exactly one of attemptsMax / retriesMax (default attemptsMax 3). */
  attemptsMax?: number;
  /** Retries after the original call. */
  retriesMax?: number;
  /** Delay before each retry (default: constant 500 ms, Resilience4j `waitDuration`). */
  backoff?: Backoff;
  /** Error kinds to retry (default: every failure). */
  retryOn?: readonly string[];
  /** Or a predicate over the failed outcome (takes precedence over retryOn). */
  shouldRetry?: (o: Outcome) => boolean;
  /** A shared retry budget (gRPC throttling, Envoy budget, AWS quota). */
  budget?: RetryBudget;
  /** Emit `retry-scheduled` / `retry-refused` detail records. */
  traceAttempts?: boolean;
}

/** A retry instance: the policy, its bounds and backoff, and its counters. */
export interface RetryPolicy extends Policy {
  /** Total attempts allowed, the original call included. */
  readonly attemptsMax: number;
  /** The delay before each retry. */
  readonly backoff: Backoff;
  /** The shared retry budget it asks before each retry, or null. */
  readonly budget: RetryBudget | null;
  /** Attempts sent (originals + retries), retries sent, retries refused by the budget, calls that exhausted attempts. */
  readonly attempts: Counter;
  /** Retries sent. */
  readonly retries: Counter;
  /** Retries the budget refused. */
  readonly budgetRefusals: Counter;
  /** Calls that failed after using every attempt. */
  readonly exhausted: Counter;
}

class RetryRun {
  attempt = 0;
  prevDelayUs = 0;
  holdsRetry = false;
  lastRetryCause: Outcome | null = null;
  readonly startUs: number;
  /** Where every attempt reports (one closure per call, not per attempt). */
  readonly onAttempt: Done;
  constructor(
    readonly p: RetryImpl,
    readonly ctx: CallContext,
    readonly call: Call,
    readonly done: Done,
  ) {
    this.startUs = p.sim.now;
    this.onAttempt = (o: Outcome) => p.attemptDone(this, o);
  }
}

function runAttempt(r: RetryRun): void {
  r.p.startAttempt(r);
}

class RetryImpl implements RetryPolicy {
  readonly kind = 'retry';
  readonly name: string;
  readonly sim: PolicyEnv['sim'];
  readonly attempts: Counter;
  readonly retries: Counter;
  readonly budgetRefusals: Counter;
  readonly exhausted: Counter;
  readonly budget: RetryBudget | null;
  private readonly rng: Random | null;
  private readonly trace: Tracer | undefined;

  constructor(
    readonly env: PolicyEnv,
    readonly attemptsMax: number,
    readonly backoff: Backoff,
    /** Which failures to retry; null: every one. */
    private readonly retryable: ((o: Outcome) => boolean) | null,
    budget: RetryBudget | undefined,
    traceAttempts: boolean,
  ) {
    this.name = env.name;
    this.sim = env.sim;
    this.attempts = env.counter('attempts');
    this.retries = env.counter('retries');
    this.budgetRefusals = env.counter('budget-refusals');
    this.exhausted = env.counter('exhausted');
    this.budget = budget ?? null;
    this.rng = backoff.random ? env.random() : null;
    this.trace = traceAttempts ? env.trace : undefined;
  }

  execute(ctx: CallContext, call: Call, done: Done): void {
    this.startAttempt(new RetryRun(this, ctx, call, done));
  }

  startAttempt(r: RetryRun): void {
    const ctx = r.ctx;
    if (ctx.cancelled) return this.finish(r, rejection(ctx.cancelReason || ErrorKinds.cancelled));
    if (this.sim.now >= ctx.deadlineUs) return this.finish(r, rejection(ErrorKinds.deadlineExceeded));
    r.attempt++;
    this.attempts.inc();
    if (r.attempt > 1) this.retries.inc();
    const actx = ctx.child();
    actx.attempt = r.attempt;
    this.budget?.onAttemptStart();
    r.call(actx, r.onAttempt);
  }

  attemptDone(r: RetryRun, o: Outcome): void {
    const retryable = !o.ok && (this.retryable === null || this.retryable(o));
    const b = this.budget;
    if (b !== null) {
      b.onAttemptEnd(o, retryable);
      if (r.holdsRetry) {
        r.holdsRetry = false;
        b.releaseRetry();
      }
    }
    if (!retryable) return this.finish(r, o);
    if (r.attempt >= this.attemptsMax) {
      this.exhausted.inc();
      this.refused(r, o, 'attempts-exhausted');
      return this.finish(r, o);
    }
    if (r.ctx.cancelled) return this.finish(r, o);
    const delay = this.backoff.delayUs(r.attempt, r.prevDelayUs, this.rng);
    if (this.sim.now + delay >= r.ctx.deadlineUs) {
      this.refused(r, o, 'deadline');
      return this.finish(r, o);
    }
    if (b !== null) {
      if (!b.tryAcquireRetry(o)) {
        this.budgetRefusals.inc();
        this.refused(r, o, 'budget');
        return this.finish(r, o);
      }
      r.holdsRetry = true;
    }
    r.prevDelayUs = delay;
    r.lastRetryCause = o;
    if (this.trace !== undefined) {
      this.trace.emit({ time: this.sim.now, kind: 'retry-scheduled', node: this.env.node, policy: this.name, attempt: r.attempt + 1, delayUs: delay, error: o.error });
    }
    this.sim.schedule(delay, runAttempt, r);
  }

  private refused(r: RetryRun, o: Outcome, reason: string): void {
    if (this.trace !== undefined) {
      this.trace.emit({ time: this.sim.now, kind: 'retry-refused', node: this.env.node, policy: this.name, attempt: r.attempt, reason, error: o.error });
    }
  }

  private finish(r: RetryRun, o: Outcome): void {
    const b = this.budget;
    if (b !== null) {
      if (r.holdsRetry) {
        r.holdsRetry = false;
        b.releaseRetry();
      }
      b.onCallEnd(o, r.lastRetryCause);
    }
    r.done(withLatency(o, this.sim.now - r.startUs));
  }
}

const RETRY_OPTIONS = [...ENV_OPTION_NAMES, 'attemptsMax', 'retriesMax', 'backoff', 'retryOn', 'shouldRetry', 'budget', 'traceAttempts'];

function checkBackoff(where: string, b: unknown): Backoff | undefined {
  if (b === undefined) return undefined;
  if (typeof b !== 'object' || b === null || typeof (b as Backoff).delayUs !== 'function') {
    throw new InputError(`${where}: backoff must be a Backoff, for example exponentialBackoff({ base: "100ms", jitter: "full" })`);
  }
  return b as Backoff;
}

function checkBudget(where: string, b: unknown): RetryBudget | undefined {
  if (b === undefined) return undefined;
  if (typeof b !== 'object' || b === null || typeof (b as RetryBudget).tryAcquireRetry !== 'function') {
    throw new InputError(`${where}: budget must be a RetryBudget (grpcRetryThrottling, envoyRetryBudget, awsRetryQuota)`);
  }
  return b as RetryBudget;
}

/** The failures to retry, as a predicate; null for every failure. */
function retryPredicate(where: string, o: Opts): ((x: Outcome) => boolean) | null {
  const fn = functionOption<(x: Outcome) => boolean>(where, o, 'shouldRetry');
  if (fn) return fn;
  const kinds = stringListOption(where, o, 'retryOn', []);
  if (o.retryOn === undefined) return null;
  const set = new Set(kinds);
  return (x) => set.has(x.error);
}

/**
 * Retry a failed call after a backoff, up to `attemptsMax` attempts (the original included) or
 * `retriesMax` retries, within an optional shared budget and never past the propagated deadline.
 * Defaults follow Resilience4j 2.x `RetryConfig`: 3 attempts, a constant 500 ms wait, every
 * failure retried.
 */
export function retry(options: RetryOptions): RetryPolicy {
  const where = 'retry';
  const o = options as unknown as Opts;
  checkKnown(where, o, RETRY_OPTIONS);
  if (o.attemptsMax !== undefined && o.retriesMax !== undefined) {
    throw new InputError(`${where}: give attemptsMax (total attempts, including the first) or retriesMax (retries after the first), not both`);
  }
  let attemptsMax: number;
  if (o.retriesMax !== undefined) {
    attemptsMax = numberOption(where, o, 'retriesMax', 2, { min: 0, max: ATTEMPTS_LIMIT - 1, integer: true }) + 1;
  } else {
    attemptsMax = numberOption(where, o, 'attemptsMax', 3, { min: 1, max: ATTEMPTS_LIMIT, integer: true });
  }
  const backoff = checkBackoff(where, o.backoff) ?? constantBackoff({ delay: '500ms' });
  const pred = retryPredicate(where, o);
  const budget = checkBudget(where, o.budget);
  const traceAttempts = booleanOption(where, o, 'traceAttempts', false);
  return new RetryImpl(new PolicyEnv(where, 'retry', o), attemptsMax, backoff, pred, budget, traceAttempts);
}

/**
 * Resilience4j 2.x `Retry`: `maxAttempts` (default 3) counts the original call; constant
 * `waitDuration` (default 500 ms) unless `backoff` is given; `retryExceptions` as error kinds.
 */
export function resilience4jRetry(
  options: PolicyEnvOptions & { maxAttempts?: number; waitDuration?: string; waitDurationMs?: number; retryExceptions?: readonly string[]; backoff?: Backoff; budget?: RetryBudget },
): RetryPolicy {
  const where = 'resilience4jRetry';
  const o = options as unknown as Opts;
  checkKnown(where, o, [...ENV_OPTION_NAMES, 'maxAttempts', 'waitDuration', 'waitDurationMs', 'retryExceptions', 'backoff', 'budget']);
  const maxAttempts = numberOption(where, o, 'maxAttempts', 3, { min: 1, max: ATTEMPTS_LIMIT, integer: true });
  if (o.backoff !== undefined && (o.waitDuration !== undefined || o.waitDurationMs !== undefined)) {
    throw new InputError(`${where}: give waitDuration or backoff, not both`);
  }
  const backoff = checkBackoff(where, o.backoff) ?? constantBackoff({ ...(o.waitDuration !== undefined ? { delay: o.waitDuration as string } : {}), ...(o.waitDurationMs !== undefined ? { delayMs: o.waitDurationMs as number } : {}) });
  return retry({
    ...envOf(options),
    attemptsMax: maxAttempts,
    backoff,
    ...(o.retryExceptions !== undefined ? { retryOn: o.retryExceptions as string[] } : {}),
    ...(options.budget ? { budget: options.budget } : {}),
  });
}

/** gRPC's client-side cap on `maxAttempts` (gRFC A6; changeable by channel argument). */
export const GRPC_MAX_ATTEMPTS_CAP = 5;

/**
 * A gRPC service config `retryPolicy` (gRFC A6): `maxAttempts` (≥ 2, capped at 5), the backoff
 * fields, `retryableStatusCodes` (as error kinds), and the channel's `retryThrottling`.
 */
export interface GrpcRetryOptions extends PolicyEnvOptions {
  /** Includes the original call; must be at least 2; values above 5 are treated as 5. */
  maxAttempts: number;
  /** See `GrpcBackoffOptions.initialBackoff`. Required (or `initialBackoffMs`). */
  initialBackoff?: string;
  /** `initialBackoff` in milliseconds. */
  initialBackoffMs?: number;
  /** See `GrpcBackoffOptions.maxBackoff`. Required (or `maxBackoffMs`). */
  maxBackoff?: string;
  /** `maxBackoff` in milliseconds. */
  maxBackoffMs?: number;
  /** Factor per retry (positive). */
  backoffMultiplier: number;
  /** Error kinds standing for the retryable status codes, e.g. ["unavailable"]. Required, non-empty. */
  retryableStatusCodes: readonly string[];
  /** The channel's `retryThrottling` (shared per server name). */
  retryThrottling?: RetryBudget;
  /** See `GrpcBackoffOptions.jitter` (default the 2024 revision). */
  jitter?: 'gRFC-A6-2024' | 'legacy-full';
  /** Channel argument overriding the cap of 5. */
  maxAttemptsCap?: number;
}

/** gRFC A6 `retryPolicy` with the 2024 backoff jitter; see `grpcBackoff`. */
export function grpcRetry(options: GrpcRetryOptions): RetryPolicy {
  const where = 'grpcRetry';
  const o = options as unknown as Opts;
  checkKnown(where, o, [...ENV_OPTION_NAMES, 'maxAttempts', 'initialBackoff', 'initialBackoffMs', 'maxBackoff', 'maxBackoffMs', 'backoffMultiplier', 'retryableStatusCodes', 'retryThrottling', 'jitter', 'maxAttemptsCap']);
  if (o.maxAttempts === undefined) throw new InputError(`${where}: maxAttempts is required (gRFC A6; > 1, includes the original call)`);
  const maxAttempts = numberOption(where, o, 'maxAttempts', 2, { min: 2, integer: true });
  const cap = numberOption(where, o, 'maxAttemptsCap', GRPC_MAX_ATTEMPTS_CAP, { min: 2, integer: true, max: ATTEMPTS_LIMIT });
  const codes = stringListOption(where, o, 'retryableStatusCodes', []);
  if (codes.length === 0) throw new InputError(`${where}: retryableStatusCodes is required and must not be empty (gRFC A6), for example ["unavailable"]`);
  const backoff = grpcBackoff({
    ...(o.initialBackoff !== undefined ? { initialBackoff: o.initialBackoff as string } : {}),
    ...(o.initialBackoffMs !== undefined ? { initialBackoffMs: o.initialBackoffMs as number } : {}),
    ...(o.maxBackoff !== undefined ? { maxBackoff: o.maxBackoff as string } : {}),
    ...(o.maxBackoffMs !== undefined ? { maxBackoffMs: o.maxBackoffMs as number } : {}),
    backoffMultiplier: o.backoffMultiplier as number,
    ...(o.jitter !== undefined ? { jitter: o.jitter as 'gRFC-A6-2024' } : {}),
  });
  return retry({
    ...envOf(options),
    name: options.name ?? 'grpc-retry',
    attemptsMax: Math.min(maxAttempts, cap),
    backoff,
    retryOn: codes,
    ...(options.retryThrottling ? { budget: options.retryThrottling } : {}),
  });
}

/**
 * An Envoy route `retry_policy`: `num_retries` (default 1, not counting the original),
 * `retry_on`, `per_try_timeout`, `retry_back_off`, and the cluster's retry budget or
 * `max_retries` circuit breaker.
 */
export interface EnvoyRetryOptions extends PolicyEnvOptions {
  /** Retries after the original (default 1). */
  num_retries?: number;
  /** Error kinds standing for the `retry_on` conditions (default ["unavailable", "error", "timeout"], i.e. 5xx + reset). */
  retry_on?: readonly string[];
  /** Per-try timeout ("250ms"); none by default. */
  per_try_timeout?: string;
  /** `per_try_timeout` in milliseconds. */
  per_try_timeoutMs?: number;
  /** The backoff between retries (default: 25 ms base, 250 ms max). */
  retry_back_off?: EnvoyBackoffOptions;
  /** The cluster's retry budget or `max_retries` breaker (default: envoyMaxRetries(), 3 concurrent). */
  budget?: RetryBudget;
}

/**
 * Envoy 1.31 route `retry_policy`: `num_retries` (default 1) counts retries, jittered exponential
 * `retry_back_off` (25 ms base), optional `per_try_timeout`; retries are subject to the cluster's
 * `max_retries` (3 concurrent) unless a retry budget replaces it. Returns one policy: a retry
 * around a per-try time limiter when `per_try_timeout` is set.
 */
export function envoyRetry(options: EnvoyRetryOptions): Policy {
  const where = 'envoyRetry';
  const o = options as unknown as Opts;
  checkKnown(where, o, [...ENV_OPTION_NAMES, 'num_retries', 'retry_on', 'per_try_timeout', 'per_try_timeoutMs', 'retry_back_off', 'budget']);
  const numRetries = numberOption(where, o, 'num_retries', 1, { min: 0, integer: true, max: ATTEMPTS_LIMIT - 1 });
  const retryOn = stringListOption(where, o, 'retry_on', [ErrorKinds.unavailable, ErrorKinds.error, ErrorKinds.timeout]);
  const r = retry({
    ...envOf(options),
    name: options.name ?? 'envoy-retry',
    retriesMax: numRetries,
    backoff: envoyBackoff(options.retry_back_off ?? {}),
    retryOn,
    budget: options.budget ?? envoyMaxRetries(),
  });
  if (o.per_try_timeout === undefined && o.per_try_timeoutMs === undefined) return r;
  const t = timeLimiter({
    ...envOf(options),
    name: `${options.name ?? 'envoy-retry'}/per-try`,
    ...(o.per_try_timeout !== undefined ? { timeoutDuration: o.per_try_timeout as string } : {}),
    ...(o.per_try_timeoutMs !== undefined ? { timeoutDurationMs: o.per_try_timeoutMs as number } : {}),
  });
  return wrap(r, t);
}


/** The AWS SDK standard retry mode: `max_attempts` (default 3, counting the first) and the client's retry quota. */
export interface AwsStandardRetryOptions extends PolicyEnvOptions {
  /** Total attempts including the first (default 3). */
  max_attempts?: number;
  /** The client's retry quota (default: a new awsRetryQuota(); share one per client). */
  quota?: RetryBudget;
  /** Error kinds considered transient or throttling (default: every failure). */
  retryOn?: readonly string[];
}

/** AWS SDK standard retry mode (botocore, classic constants); see `awsStandardBackoff` and `awsRetryQuota`. */
export function awsStandardRetry(options: AwsStandardRetryOptions): RetryPolicy {
  const where = 'awsStandardRetry';
  const o = options as unknown as Opts;
  checkKnown(where, o, [...ENV_OPTION_NAMES, 'max_attempts', 'quota', 'retryOn']);
  const maxAttempts = numberOption(where, o, 'max_attempts', 3, { min: 1, integer: true, max: ATTEMPTS_LIMIT });
  return retry({
    ...envOf(options),
    name: options.name ?? 'aws-standard-retry',
    attemptsMax: maxAttempts,
    backoff: awsStandardBackoff(),
    budget: options.quota ?? awsRetryQuota(),
    ...(options.retryOn ? { retryOn: options.retryOn } : {}),
  });
}

/** The environment fields of an options object (to forward to an inner builder). */
export function envOf(o: PolicyEnvOptions): PolicyEnvOptions {
  const e: PolicyEnvOptions = { sim: o.sim };
  if (o.name !== undefined) e.name = o.name;
  if (o.node !== undefined) e.node = o.node;
  if (o.trace !== undefined) e.trace = o.trace;
  if (o.metrics !== undefined) e.metrics = o.metrics;
  if (o.random !== undefined) e.random = o.random;
  return e;
}
