/**
 * Token bucket with Envoy semantics (`envoy.type.v3.TokenBucket`, as used by the local rate limit
 * filter, Envoy 1.31): the bucket starts full with `max_tokens`; every `fill_interval` (aligned to
 * the bucket's creation) it gains `tokens_per_fill` (default 1), never above `max_tokens`; a
 * request takes one token or is refused at once with `rate-limited` (HTTP 429).
 */
import { InputError } from '../kernel/errors.ts';
import type { Counter } from '../observe/metrics.ts';
import { ErrorKinds, rejection, type Call, type CallContext, type Done, type Policy } from './call.ts';
import { ENV_OPTION_NAMES, PolicyEnv, type PolicyEnvOptions } from './env.ts';
import { checkKnown, durationOption, numberOption, type Opts } from './options.ts';

/** An Envoy `TokenBucket` (local rate limit filter): `max_tokens` and `fill_interval` required, `tokens_per_fill` default 1. */
export interface TokenBucketOptions extends PolicyEnvOptions {
  /** Capacity; the bucket starts full. */
  max_tokens: number;
  /** Tokens added every `fill_interval`, never above `max_tokens`. Default 1. */
  tokens_per_fill?: number;
  /** The refill period ("1s"), aligned to the bucket's creation. Required (or `fill_intervalMs`). */
  fill_interval?: string;
  /** `fill_interval` in milliseconds. */
  fill_intervalMs?: number;
}

/** An Envoy token bucket instance: the policy (a request takes a token or gets `rate-limited`), its settings and its tokens. */
export interface TokenBucket extends Policy {
  /** Capacity. */
  readonly maxTokens: number;
  /** Tokens per refill. */
  readonly tokensPerFill: number;
  /** The refill period, µs. */
  readonly fillIntervalUs: number;
  /** Tokens available now. */
  tokens(): number;
  /** Take a token if there is one. */
  tryConsume(): boolean;
  /** Requests refused with `rate-limited`. */
  readonly rejected: Counter;
}

class TokenBucketImpl implements TokenBucket {
  readonly kind = 'token-bucket';
  readonly name: string;
  private readonly createdUs: number;
  private fills = 0;
  private count: number;
  readonly rejected: Counter;
  constructor(
    readonly env: PolicyEnv,
    readonly maxTokens: number,
    readonly tokensPerFill: number,
    readonly fillIntervalUs: number,
  ) {
    this.name = env.name;
    this.createdUs = env.sim.now;
    this.count = maxTokens;
    this.rejected = env.counter('rejected');
  }
  tokens(): number {
    const fills = Math.floor((this.env.sim.now - this.createdUs) / this.fillIntervalUs);
    if (fills !== this.fills) {
      this.count = Math.min(this.maxTokens, this.count + (fills - this.fills) * this.tokensPerFill);
      this.fills = fills;
    }
    return this.count;
  }
  tryConsume(): boolean {
    if (this.tokens() >= 1) {
      this.count--;
      return true;
    }
    this.rejected.inc();
    return false;
  }
  execute(ctx: CallContext, call: Call, done: Done): void {
    if (!this.tryConsume()) return done(rejection(ErrorKinds.rateLimited));
    call(ctx, done);
  }
}

/**
 * An Envoy token bucket (local rate limit filter, Envoy 1.31): starts full with `max_tokens`,
 * gains `tokens_per_fill` (default 1) every `fill_interval`; a request takes a token or is refused
 * at once with `rate-limited` (HTTP 429). `max_tokens` and `fill_interval` are required, as in Envoy.
 */
export function tokenBucket(options: TokenBucketOptions): TokenBucket {
  const where = 'tokenBucket';
  const o = options as unknown as Opts;
  checkKnown(where, o, [...ENV_OPTION_NAMES, 'max_tokens', 'tokens_per_fill', 'fill_interval', 'fill_intervalMs']);
  if (o.max_tokens === undefined) throw new InputError(`${where}: max_tokens is required (Envoy TokenBucket)`);
  if (o.fill_interval === undefined && o.fill_intervalMs === undefined) throw new InputError(`${where}: fill_interval is required (Envoy TokenBucket), for example "1s"`);
  const max = numberOption(where, o, 'max_tokens', 1, { min: 1, integer: true });
  const per = numberOption(where, o, 'tokens_per_fill', 1, { min: 1, integer: true });
  const interval = durationOption(where, o, 'fill_interval', 0, { minUs: 0, minExclusive: true });
  return new TokenBucketImpl(new PolicyEnv(where, 'token-bucket', o), max, per, interval);
}
