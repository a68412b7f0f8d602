/**
 * Backoff between retries. A backoff is a pure function of the retry number (1 = the first retry),
 * the previous delay and a random stream, so a retry loop keeps one number of state per request
 * and every draw comes from a named, seeded stream.
 *
 * - `constantBackoff`: a fixed delay (Resilience4j `waitDuration`, default 500 ms).
 * - `exponentialBackoff`: the four curves of Marc Brooker, "Exponential Backoff and Jitter", AWS
 *   Architecture Blog (2015), exactly as written there with n = retry − 1:
 *     none:          min(cap, base·2^n)
 *     full:          U(0, min(cap, base·2^n))
 *     equal:         t = min(cap, base·2^n); t/2 + U(0, t/2)
 *     decorrelated:  min(cap, U(base, prev·3)), prev starting at base (stateful, independent of n)
 *   where U(a, b) is uniform on [a, b).
 * - `grpcBackoff`: gRFC A6 retry backoff. Pinned to the spec as revised on 2024-08-29
 *   (grpc/proposal#452): min(initialBackoff·backoffMultiplier^(n), maxBackoff)·U(0.8, 1.2); the
 *   earlier full-jitter wording U(0, min(...)) is available as `jitter: "legacy-full"` because
 *   implementations switched at different times.
 * - `envoyBackoff`: Envoy `retry_back_off` as the source implements it
 *   (`JitteredExponentialBackOffStrategy::nextBackOffMs` in source/common/common/backoff_strategy.cc,
 *   Envoy 1.31): the interval starts at `base_interval` and doubles after each retry while it is
 *   below `max_interval` / 2, after which it is `max_interval` (default 10×base); retry N waits
 *   `random() % interval` whole milliseconds, i.e. U{0, …, I_N − 1} ms with I_N = base, 2·base,
 *   4·base, … capped at max. The router documentation's "[0, (2^N − 1)·B)" agrees for the first
 *   retry only (it gives [0, 3B) for the second, where the source gives [0, 2B)); we follow the
 *   source.
 * - `awsStandardBackoff`: botocore standard mode: U(0,1)·min(base·2^(attempt−1), 20 s), base 1 s.
 */
import { InputError } from '../kernel/errors.ts';
import type { Random } from '../kernel/random.ts';
import { checkKnown, durationOption, enumOption, numberOption, type Opts } from './options.ts';

/**
 * The delay before each retry, as a pure function of the retry number, the previous delay and a
 * random stream (`constantBackoff`, `exponentialBackoff`, `grpcBackoff`, `envoyBackoff`,
 * `awsStandardBackoff`, or your own).
 */
export interface Backoff {
  /** Which curve (`constant`, `full`, `grpc-2024`, …), for reports. */
  readonly kind: string;
  /** Whether `delayUs` draws random numbers (then the retry needs a random stream). */
  readonly random: boolean;
  /** Delay in µs before retry number `retry` (1-based); `prevUs` is the previous delay (0 before the first). */
  delayUs(retry: number, prevUs: number, rng: Random | null): number;
}

/**
 * The jitter of `exponentialBackoff`, as Marc Brooker's AWS Architecture Blog post names the
 * curves: `none` min(cap, base·2^n), `full` U(0, that), `equal` half fixed and half random,
 * `decorrelated` min(cap, U(base, previous·3)).
 */
export type Jitter = 'none' | 'full' | 'equal' | 'decorrelated';
/** Every `Jitter`. */
export const JITTERS: readonly Jitter[] = ['none', 'full', 'equal', 'decorrelated'];

/** A fixed delay. Resilience4j `IntervalFunction.of(waitDuration)`; default 500 ms. */
export function constantBackoff(options: { delay?: string; delayMs?: number } = {}): Backoff {
  const where = 'constantBackoff';
  const o = options as Opts;
  checkKnown(where, o, ['delay', 'delayMs']);
  const d = durationOption(where, o, 'delay', 500_000);
  return { kind: 'constant', random: false, delayUs: () => d };
}

/** The options of `exponentialBackoff`: `base` (default 100 ms), `cap` (default 20 s) and the jitter (default full). */
export interface ExponentialBackoffOptions {
  /** `base` in the AWS blog's formulas (default "100ms"), or `baseMs`. */
  base?: string;
  /** `base` in milliseconds. */
  baseMs?: number;
  /** `cap` (default "20s"), or `capMs`. */
  cap?: string;
  /** `cap` in milliseconds. */
  capMs?: number;
  /** none | full | equal | decorrelated (default "full", the blog's recommendation). */
  jitter?: Jitter;
}

/**
 * Exponential backoff with jitter as Marc Brooker's AWS Architecture Blog post ("Exponential
 * Backoff and Jitter", 2015) writes the curves, with n = retry − 1: `none` min(cap, base·2^n),
 * `full` U(0, min(cap, base·2^n)), `equal` half of that fixed plus U(0, half), `decorrelated`
 * min(cap, U(base, previous·3)). Defaults: base 100 ms, cap 20 s, full jitter.
 */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): Backoff {
  const where = 'exponentialBackoff';
  const o = options as Opts;
  checkKnown(where, o, ['base', 'baseMs', 'cap', 'capMs', 'jitter']);
  const base = durationOption(where, o, 'base', 100_000, { minUs: 0, minExclusive: true });
  const cap = durationOption(where, o, 'cap', 20_000_000, { minUs: 0, minExclusive: true });
  if (cap < base) throw new InputError(`${where}: cap (${cap / 1000}ms) must be ≥ base (${base / 1000}ms)`);
  const jitter = enumOption(where, o, 'jitter', 'full', JITTERS);
  const expo = (retry: number): number => {
    const n = retry - 1;
    // 2^n overflows to Infinity for huge n, and min() then yields cap, which is what we want.
    const x = base * Math.pow(2, n);
    return x < cap ? x : cap;
  };
  switch (jitter) {
    case 'none':
      return { kind: 'exponential-none', random: false, delayUs: (r) => Math.round(expo(r)) };
    case 'full':
      return { kind: 'exponential-full', random: true, delayUs: (r, _p, rng) => Math.round(rng!.next() * expo(r)) };
    case 'equal':
      return {
        kind: 'exponential-equal',
        random: true,
        delayUs: (r, _p, rng) => {
          const t = expo(r);
          return Math.round(t / 2 + rng!.next() * (t / 2));
        },
      };
    case 'decorrelated':
      return {
        kind: 'exponential-decorrelated',
        random: true,
        delayUs: (_r, prev, rng) => {
          const p = prev > 0 ? prev : base;
          const hi = p * 3;
          const v = base + rng!.next() * (hi - base);
          return Math.round(v < cap ? v : cap);
        },
      };
  }
}

/**
 * The backoff fields of a gRPC service config `retryPolicy` (gRFC A6): `initialBackoff`,
 * `maxBackoff` and `backoffMultiplier`, all required, and the jitter.
 */
export interface GrpcBackoffOptions {
  /** The first retry's backoff before jitter ("0.1s"), or `initialBackoffMs`. Required. */
  initialBackoff?: string;
  /** `initialBackoff` in milliseconds. */
  initialBackoffMs?: number;
  /** The cap on the backoff before jitter ("1s"), or `maxBackoffMs`. Required. */
  maxBackoff?: string;
  /** `maxBackoff` in milliseconds. */
  maxBackoffMs?: number;
  /** Factor per retry (positive). Required. */
  backoffMultiplier?: number;
  /** "gRFC-A6-2024" (default): ×U(0.8, 1.2); "legacy-full": U(0, value) as the spec said before 2024-08-29. */
  jitter?: 'gRFC-A6-2024' | 'legacy-full';
}

/**
 * gRFC A6 retry backoff (service config `retryPolicy`), as revised on 2024-08-29:
 * min(initialBackoff·backoffMultiplier^(retry−1), maxBackoff)·U(0.8, 1.2); `jitter: "legacy-full"`
 * gives the earlier U(0, min(...)). All three numbers are required, as in the spec.
 */
export function grpcBackoff(options: GrpcBackoffOptions): Backoff {
  const where = 'grpcBackoff';
  const o = options as Opts;
  checkKnown(where, o, ['initialBackoff', 'initialBackoffMs', 'maxBackoff', 'maxBackoffMs', 'backoffMultiplier', 'jitter']);
  for (const f of ['initialBackoff', 'maxBackoff']) {
    if (o[f] === undefined && o[`${f}Ms`] === undefined) throw new InputError(`${where}: ${f} is required (gRFC A6), for example "0.1s"`);
  }
  if (o.backoffMultiplier === undefined) throw new InputError(`${where}: backoffMultiplier is required (gRFC A6), for example 2`);
  const init = durationOption(where, o, 'initialBackoff', 0, { minUs: 0, minExclusive: true });
  const max = durationOption(where, o, 'maxBackoff', 0, { minUs: 0, minExclusive: true });
  const mult = numberOption(where, o, 'backoffMultiplier', 2, { min: 0, minExclusive: true });
  const jitter = enumOption(where, o, 'jitter', 'gRFC-A6-2024', ['gRFC-A6-2024', 'legacy-full'] as const);
  const value = (retry: number): number => {
    const x = init * Math.pow(mult, retry - 1);
    return x < max ? x : max;
  };
  if (jitter === 'legacy-full') {
    return { kind: 'grpc-legacy-full', random: true, delayUs: (r, _p, rng) => Math.round(rng!.next() * value(r)) };
  }
  return { kind: 'grpc-2024', random: true, delayUs: (r, _p, rng) => Math.round(value(r) * (0.8 + 0.4 * rng!.next())) };
}

/** Envoy's route `retry_back_off`: `base_interval` (default 25 ms) and `max_interval` (default 10 × base). */
export interface EnvoyBackoffOptions {
  /** `base_interval` (default "25ms"), or `base_intervalMs`. */
  base_interval?: string;
  /** `base_interval` in milliseconds. */
  base_intervalMs?: number;
  /** `max_interval` (default 10 × base_interval), or `max_intervalMs`. */
  max_interval?: string;
  /** `max_interval` in milliseconds. */
  max_intervalMs?: number;
}

/**
 * Envoy `retry_back_off` as its source implements it (Envoy 1.31,
 * `JitteredExponentialBackOffStrategy`): retry N waits a whole number of milliseconds drawn
 * uniformly from [0, I_N), where I_N starts at `base_interval` (default 25 ms) and doubles per
 * retry up to `max_interval` (default 10 × base).
 */
export function envoyBackoff(options: EnvoyBackoffOptions = {}): Backoff {
  const where = 'envoyBackoff';
  const o = options as Opts;
  checkKnown(where, o, ['base_interval', 'base_intervalMs', 'max_interval', 'max_intervalMs']);
  const base = durationOption(where, o, 'base_interval', 25_000, { minUs: 1000 });
  const max = durationOption(where, o, 'max_interval', base * 10, { minUs: base });
  // Envoy converts the durations to whole milliseconds (sub-millisecond base rounds up to 1 ms)
  const baseMs = Math.max(1, Math.floor(base / 1000));
  const maxMs = Math.max(baseMs, Math.floor(max / 1000));
  const doublingLimitMs = Math.floor(maxMs / 2);
  return {
    kind: 'envoy',
    random: true,
    delayUs: (retry, _p, rng) => {
      let intervalMs = baseMs;
      for (let k = 1; k < retry && intervalMs < maxMs; k++) intervalMs = intervalMs < doublingLimitMs ? intervalMs * 2 : maxMs;
      return Math.floor(rng!.next() * intervalMs) * 1000;
    },
  };
}

/** The AWS SDK standard retry mode backoff (botocore): U(0, 1) · min(base · 2^(retry−1), maxBackoff), `base` 1 s and `maxBackoff` 20 s by default. */
export function awsStandardBackoff(options: { base?: string; baseMs?: number; maxBackoff?: string; maxBackoffMs?: number } = {}): Backoff {
  const where = 'awsStandardBackoff';
  const o = options as Opts;
  checkKnown(where, o, ['base', 'baseMs', 'maxBackoff', 'maxBackoffMs']);
  const base = durationOption(where, o, 'base', 1_000_000, { minUs: 0, minExclusive: true });
  const max = durationOption(where, o, 'maxBackoff', 20_000_000, { minUs: 0, minExclusive: true });
  return {
    kind: 'aws-standard',
    random: true,
    delayUs: (retry, _p, rng) => {
      const x = base * Math.pow(2, retry - 1);
      return Math.round(rng!.next() * (x < max ? x : max));
    },
  };
}
