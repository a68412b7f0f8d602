/**
 * Retry budgets: shared limits on how many retries (and hedges) a client may send, so retries
 * cannot multiply load on a failing backend. One budget object is shared by every retry policy
 * that should draw from it (gRPC: per server name; Envoy: per cluster; AWS SDK: per client).
 *
 * - `grpcRetryThrottling` (gRFC A6 `retryThrottling`): `token_count` starts at `maxTokens`, each
 *   failed attempt with a retryable (or non-fatal) status takes 1, each successful attempt adds
 *   `tokenRatio`; retries and hedges are allowed only while `token_count > maxTokens/2`.
 *   Token arithmetic is in thousandths, as `tokenRatio` has three decimals (grpc-java does the same).
 * - `envoyRetryBudget` (Envoy `CircuitBreakers.Thresholds.RetryBudget`, Envoy 1.31): concurrent
 *   retries may be at most `max(min_retry_concurrency, budget_percent% × active requests)`; a
 *   retry holds its slot from the decision until its attempt ends (`upstream_rq_retry_overflow`
 *   counts refusals). `envoyMaxRetries` is the older `max_retries` concurrent-retry breaker (3).
 * - `awsRetryQuota` (AWS SDK standard mode, botocore `retries/quota.py`, classic constants):
 *   capacity 500; a retry costs 5, or 10 after a timeout; a call that succeeds without retrying
 *   returns 1, one that succeeds after retrying refunds its last retry's cost.
 */
import { InputError } from '../kernel/errors.ts';
import { Counter } from '../observe/metrics.ts';
import { ErrorKinds, type Outcome } from './call.ts';
import { checkKnown, numberOption, type Opts } from './options.ts';

/**
 * A shared limit on the retries (and hedges) a client may send, asked before every retry:
 * `grpcRetryThrottling`, `envoyRetryBudget`, `envoyMaxRetries`, `awsRetryQuota`, or your own.
 * Share one object among every policy that should draw from it.
 */
export interface RetryBudget {
  /** Which budget (`grpc-retry-throttling`, `envoy-retry-budget`, …), for reports. */
  readonly kind: string;
  /** An attempt (original, retry or hedge) is sent. */
  onAttemptStart(): void;
  /** An attempt finished; `retryable` says whether its failure would qualify for a retry. */
  onAttemptEnd(o: Outcome, retryable: boolean): void;
  /** May a retry (or hedge) be sent now? When true the budget counts it as started. */
  tryAcquireRetry(o: Outcome): boolean;
  /** A retry acquired earlier has ended (its attempt finished, or the call gave up before sending it). */
  releaseRetry(): void;
  /** The whole call ended; `lastRetryCause` is the failure that triggered its last retry (null: no retry). */
  onCallEnd(o: Outcome, lastRetryCause: Outcome | null): void;
  /** Retries refused by the budget. */
  readonly refused: Counter;
}

/** gRFC A6 retry throttling (a channel's `retryThrottling`); made by `grpcRetryThrottling`. */
export class GrpcRetryThrottling implements RetryBudget {
  readonly kind = 'grpc-retry-throttling';
  readonly refused = new Counter();
  /** Token count in thousandths of a token. */
  private milli: number;
  readonly maxMilli: number;
  readonly ratioMilli: number;
  constructor(
    readonly maxTokens: number,
    readonly tokenRatio: number,
  ) {
    this.maxMilli = maxTokens * 1000;
    this.ratioMilli = Math.floor(tokenRatio * 1000 + 1e-9);
    this.milli = this.maxMilli;
  }
  get tokens(): number {
    return this.milli / 1000;
  }
  onAttemptStart(): void {}
  onAttemptEnd(o: Outcome, retryable: boolean): void {
    if (o.ok) {
      this.milli = Math.min(this.maxMilli, this.milli + this.ratioMilli);
    } else if (retryable) {
      this.milli = Math.max(0, this.milli - 1000);
    }
  }
  tryAcquireRetry(): boolean {
    if (this.milli * 2 > this.maxMilli) return true;
    this.refused.inc();
    return false;
  }
  releaseRetry(): void {}
  onCallEnd(): void {}
}

/**
 * gRPC channel `retryThrottling` (gRFC A6): tokens start at `maxTokens` (required, at most 1000);
 * a failed attempt with a retryable status takes 1, a success adds `tokenRatio` (required, three
 * decimals); retries and hedges are sent only while the tokens exceed maxTokens / 2.
 */
export function grpcRetryThrottling(options: { maxTokens: number; tokenRatio: number }): GrpcRetryThrottling {
  const where = 'grpcRetryThrottling';
  const o = options as unknown as Opts;
  checkKnown(where, o, ['maxTokens', 'tokenRatio']);
  if (o.maxTokens === undefined || o.tokenRatio === undefined) {
    throw new InputError(`${where}: maxTokens and tokenRatio are required (gRFC A6), for example { maxTokens: 10, tokenRatio: 0.1 }`);
  }
  const maxTokens = numberOption(where, o, 'maxTokens', 10, { min: 0, minExclusive: true, max: 1000 });
  const tokenRatio = numberOption(where, o, 'tokenRatio', 0.1, { min: 0, minExclusive: true });
  if (Math.floor(tokenRatio * 1000 + 1e-9) < 1) {
    throw new InputError(`${where}: tokenRatio = ${tokenRatio} rounds to 0 at three decimals (gRFC A6); use ≥ 0.001`);
  }
  return new GrpcRetryThrottling(maxTokens, tokenRatio);
}

/** An Envoy cap on concurrent retries: a `retry_budget` or the `max_retries` threshold; made by `envoyRetryBudget` or `envoyMaxRetries`. */
export class EnvoyRetryBudget implements RetryBudget {
  readonly kind: string;
  readonly refused = new Counter();
  /** Upstream requests (attempts) in flight. */
  activeRequests = 0;
  /** Retries holding a slot. */
  activeRetries = 0;
  /** The most retries seen holding slots at once, and the active requests at that moment. */
  constructor(
    readonly budgetPercent: number | null,
    readonly minRetryConcurrency: number,
  ) {
    this.kind = budgetPercent === null ? 'envoy-max-retries' : 'envoy-retry-budget';
  }
  /** The current limit on concurrent retries. */
  get maxRetries(): number {
    if (this.budgetPercent === null) return this.minRetryConcurrency;
    const b = Math.floor((this.budgetPercent / 100) * this.activeRequests);
    return b > this.minRetryConcurrency ? b : this.minRetryConcurrency;
  }
  onAttemptStart(): void {
    this.activeRequests++;
  }
  onAttemptEnd(): void {
    this.activeRequests--;
  }
  tryAcquireRetry(): boolean {
    if (this.activeRetries < this.maxRetries) {
      this.activeRetries++;
      return true;
    }
    this.refused.inc();
    return false;
  }
  releaseRetry(): void {
    this.activeRetries--;
  }
  onCallEnd(): void {}
}

/**
 * Envoy cluster `retry_budget` (Envoy 1.31): concurrent retries at most max(`min_retry_concurrency`,
 * `budget_percent`% of active requests), defaults 3 and 20%; refusals count as
 * `upstream_rq_retry_overflow` would.
 */
export function envoyRetryBudget(options: { budget_percent?: number; min_retry_concurrency?: number } = {}): EnvoyRetryBudget {
  const where = 'envoyRetryBudget';
  const o = options as Opts;
  checkKnown(where, o, ['budget_percent', 'min_retry_concurrency']);
  const pct = numberOption(where, o, 'budget_percent', 20, { min: 0, max: 100, unit: 'percent' });
  const min = numberOption(where, o, 'min_retry_concurrency', 3, { min: 0, integer: true });
  return new EnvoyRetryBudget(pct, min);
}

/** Envoy `max_retries` circuit-breaker threshold: a cap on concurrent retries across the cluster (default 3). */
export function envoyMaxRetries(options: { max_retries?: number } = {}): EnvoyRetryBudget {
  const where = 'envoyMaxRetries';
  const o = options as Opts;
  checkKnown(where, o, ['max_retries']);
  return new EnvoyRetryBudget(null, numberOption(where, o, 'max_retries', 3, { min: 0, integer: true }));
}

/** The AWS SDK standard-mode retry quota; made by `awsRetryQuota`. */
export class AwsRetryQuota implements RetryBudget {
  readonly kind = 'aws-retry-quota';
  readonly refused = new Counter();
  available: number;
  constructor(
    readonly maxCapacity: number,
    readonly retryCost: number,
    readonly timeoutRetryCost: number,
    readonly noRetryIncrement: number,
  ) {
    this.available = maxCapacity;
  }
  costOf(o: Outcome): number {
    return o.error === ErrorKinds.timeout ? this.timeoutRetryCost : this.retryCost;
  }
  onAttemptStart(): void {}
  onAttemptEnd(): void {}
  tryAcquireRetry(o: Outcome): boolean {
    const cost = this.costOf(o);
    if (cost > this.available) {
      this.refused.inc();
      return false;
    }
    this.available -= cost;
    return true;
  }
  releaseRetry(): void {}
  /** On success: +`noRetryIncrement` without retries, else refund the last retry's cost (capped at capacity). */
  onCallEnd(o: Outcome, lastRetryCause: Outcome | null): void {
    if (!o.ok) return;
    const add = lastRetryCause === null ? this.noRetryIncrement : this.costOf(lastRetryCause);
    this.available = Math.min(this.maxCapacity, this.available + add);
  }
}

/**
 * The AWS SDK standard-mode retry quota (botocore `retries/quota.py`): capacity 500
 * (`initialRetryTokens`); a retry costs 5 (`retryCost`), or 10 after a timeout
 * (`timeoutRetryCost`); a success without retries returns 1 (`noRetryIncrement`), one after
 * retries refunds its last retry's cost. Share one per client.
 */
export function awsRetryQuota(
  options: { initialRetryTokens?: number; retryCost?: number; timeoutRetryCost?: number; noRetryIncrement?: number } = {},
): AwsRetryQuota {
  const where = 'awsRetryQuota';
  const o = options as Opts;
  checkKnown(where, o, ['initialRetryTokens', 'retryCost', 'timeoutRetryCost', 'noRetryIncrement']);
  return new AwsRetryQuota(
    numberOption(where, o, 'initialRetryTokens', 500, { min: 0, integer: true }),
    numberOption(where, o, 'retryCost', 5, { min: 0, integer: true }),
    numberOption(where, o, 'timeoutRetryCost', 10, { min: 0, integer: true }),
    numberOption(where, o, 'noRetryIncrement', 1, { min: 0, integer: true }),
  );
}
