/**
 * Client-side adaptive throttling as in the Google SRE book, chapter 21 "Handling Overload":
 * over a trailing window (default 2 minutes) the client counts `requests` (every request the
 * application attempted, including those it rejected locally) and `accepts` (requests the backend
 * accepted), and rejects a new request locally with probability
 *
 *     p = max(0, (requests − K × accepts) / (requests + 1))
 *
 * with K = 2 by default (1.1 is more aggressive). The probability is computed from the counts
 * *before* the new request, which is then counted (zeromicro/go-zero#5011 on why the order and the
 * window length matter). The window is kept as 120 buckets of `window/120`.
 * By default an outcome counts as accepted when it is ok; `acceptedErrors` lists error kinds that
 * still mean the backend accepted the request (such as "not-found").
 * Local rejections fail with `throttled`.
 *
 * `protection` (default 0, the book's formula) subtracts a floor from `requests`, as go-zero's
 * `googlebreaker` does (`(total − protection − K·accepts) / (total + 1)`, protection 5): without
 * it a client that has just started rejects its second concurrent request with p = 1/2, before any
 * answer could have been accepted.
 */
import type { Counter } from '../observe/metrics.ts';
import { ErrorKinds, rejection, type Call, type CallContext, type Done, type Outcome, type Policy } from './call.ts';
import { ENV_OPTION_NAMES, PolicyEnv, type PolicyEnvOptions } from './env.ts';
import { checkKnown, durationOption, numberOption, stringListOption, type Opts } from './options.ts';
import type { Random } from '../kernel/random.ts';

/** The options of `adaptiveThrottling` (Google SRE book, "Handling Overload"): the multiplier K and the trailing window. */
export interface AdaptiveThrottlingOptions extends PolicyEnvOptions {
  /** The multiplier K in max(0, (requests − K·accepts) / (requests + 1)), ≥ 1. Default 2 (1.1 is more aggressive). */
  K?: number;
  /** The trailing window the counts cover (120 buckets). Default "2min". */
  window?: string;
  /** `window` in milliseconds. */
  windowMs?: number;
  /** Error kinds that still mean the backend accepted the request (such as "not-found"). Default none. */
  acceptedErrors?: readonly string[];
  /** Requests in the window that are never rejected for (go-zero `googlebreaker`'s protection, 5 there). Default 0. */
  protection?: number;
}

/** A client-side adaptive throttling instance: the policy (local rejections fail with `throttled`), its counts and its rejection probability. */
export interface AdaptiveThrottling extends Policy {
  /** The multiplier K. */
  readonly K: number;
  /** Current rejection probability. */
  rejectionProbability(): number;
  /** Requests attempted in the window, local rejections included. */
  readonly requests: number;
  /** Requests the backend accepted in the window. */
  readonly accepts: number;
  /** Requests rejected locally. */
  readonly throttled: Counter;
}

const BUCKETS = 120;

class AdaptiveThrottlingImpl implements AdaptiveThrottling {
  readonly kind = 'adaptive-throttling';
  readonly name: string;
  private readonly req = new Float64Array(BUCKETS);
  private readonly acc = new Float64Array(BUCKETS);
  private reqSum = 0;
  private accSum = 0;
  private bucket = 0;
  private readonly bucketUs: number;
  private readonly rng: Random;
  private readonly accepted: ReadonlySet<string>;
  readonly throttled: Counter;

  constructor(
    readonly env: PolicyEnv,
    readonly K: number,
    windowUs: number,
    acceptedErrors: readonly string[],
    readonly protection: number,
  ) {
    this.name = env.name;
    this.bucketUs = Math.max(1, windowUs / BUCKETS);
    this.rng = env.random();
    this.accepted = new Set(acceptedErrors);
    this.throttled = env.counter('throttled');
    this.bucket = Math.floor(env.sim.now / this.bucketUs);
  }

  private advance(): number {
    const b = Math.floor(this.env.sim.now / this.bucketUs);
    if (b !== this.bucket) {
      const steps = Math.min(b - this.bucket, BUCKETS);
      for (let i = 1; i <= steps; i++) {
        const k = (this.bucket + i) % BUCKETS;
        this.reqSum -= this.req[k]!;
        this.accSum -= this.acc[k]!;
        this.req[k] = 0;
        this.acc[k] = 0;
      }
      this.bucket = b;
    }
    return b % BUCKETS;
  }

  get requests(): number {
    this.advance();
    return this.reqSum;
  }
  get accepts(): number {
    this.advance();
    return this.accSum;
  }

  rejectionProbability(): number {
    this.advance();
    const p = (this.reqSum - this.protection - this.K * this.accSum) / (this.reqSum + 1);
    return p > 0 ? p : 0;
  }

  execute(ctx: CallContext, call: Call, done: Done): void {
    const p = this.rejectionProbability();
    const k = this.advance();
    this.req[k]!++;
    this.reqSum++;
    if (p > 0 && this.rng.next() < p) {
      this.throttled.inc();
      return done(rejection(ErrorKinds.throttled));
    }
    call(ctx, (o: Outcome) => {
      if (o.ok || this.accepted.has(o.error)) {
        const kk = this.advance();
        this.acc[kk]!++;
        this.accSum++;
      }
      done(o);
    });
  }
}

/**
 * Client-side adaptive throttling (Google SRE book, "Handling Overload"): a request is rejected
 * locally with `throttled` with probability max(0, (requests − K·accepts) / (requests + 1)) over
 * the trailing `window` (default 2 min, K default 2). Needs a random stream.
 */
export function adaptiveThrottling(options: AdaptiveThrottlingOptions): AdaptiveThrottling {
  const where = 'adaptiveThrottling';
  const o = options as unknown as Opts;
  checkKnown(where, o, [...ENV_OPTION_NAMES, 'K', 'window', 'windowMs', 'acceptedErrors', 'protection']);
  const K = numberOption(where, o, 'K', 2, { min: 1 });
  const windowUs = durationOption(where, o, 'window', 120_000_000, { minUs: 1000 });
  const acc = stringListOption(where, o, 'acceptedErrors', []);
  const protection = numberOption(where, o, 'protection', 0, { min: 0, max: 1_000_000 });
  return new AdaptiveThrottlingImpl(new PolicyEnv(where, 'adaptive-throttling', o), K, windowUs, acc, protection);
}
