/**
 * Duration distributions as plain data, so scenarios, fault plans and UIs can describe latency
 * and service times without code: `"5ms"` (constant), `{ dist: "exponential", mean: "10ms" }`,
 * `{ dist: "lognormal", median: "20ms", sigma: 0.5 }`, `{ dist: "long-tail", base: ..., p: 0.01, tail: ... }`.
 * `durationSampler(spec)` validates once and returns a fast sampler in integer microseconds.
 */
import { InputError } from './errors.ts';
import type { Random } from './random.ts';
import { showValue } from './show.ts';
import { parseDuration, type Duration } from './time.ts';

/**
 * A duration distribution as plain data: a duration (constant) or `{ dist, ... }` with
 * `constant`, `uniform`, `exponential`, `normal`, `lognormal`, `pareto` or `long-tail`, times as
 * durations (`"5ms"`). `durationSampler` validates it and draws integer µs.
 */
export type DistributionSpec =
  | Duration
  | { dist: 'constant'; value: Duration }
  | { dist: 'uniform'; min: Duration; max: Duration }
  | { dist: 'exponential'; mean: Duration }
  | { dist: 'normal'; mean: Duration; stddev: Duration }
  | { dist: 'lognormal'; median: Duration; sigma: number }
  | { dist: 'pareto'; scale: Duration; alpha: number }
  /** With probability `p` draw from `tail`, else from `base`: the shape of real RPC latency. */
  | { dist: 'long-tail'; base: DistributionSpec; tail: DistributionSpec; p: number };

/** A validated distribution: draws a non-negative integer number of µs from the stream it is given. */
export type Sampler = (rng: Random) => number;

const KINDS = 'constant, uniform, exponential, normal, lognormal, pareto, long-tail';

/**
 * Deepest nesting of distributions (a `long-tail` inside a `long-tail` …), counting the outermost
 * as 1. Real latency shapes need two or three levels; the limit keeps a generated or cyclic spec
 * from exhausting the stack.
 */
export const DISTRIBUTION_DEPTH_MAX = 8;

function checkDepth(what: string, depth: number): void {
  if (depth > DISTRIBUTION_DEPTH_MAX) {
    throw new InputError(`${what}: distributions nest at most ${DISTRIBUTION_DEPTH_MAX} levels deep (a long-tail's base or tail is one level down)`);
  }
}

/** Validate a distribution spec and return a sampler of non-negative integer microseconds. */
export function durationSampler(spec: DistributionSpec, what = 'distribution'): Sampler {
  return sampler(spec, what, 1);
}

/**
 * The value in µs of a constant duration distribution (a duration, or `{ dist: "constant" }`),
 * which its sampler returns without a draw; null for any other distribution.
 */
export function constantDurationUs(spec: DistributionSpec, what = 'distribution'): number | null {
  if (typeof spec === 'string' || typeof spec === 'number') return parseDuration(spec, what);
  if (spec !== null && typeof spec === 'object' && spec.dist === 'constant') return parseDuration(spec.value, `${what}.value`);
  return null;
}

function sampler(spec: DistributionSpec, what: string, depth: number): Sampler {
  checkDepth(what, depth);
  if (typeof spec === 'string' || typeof spec === 'number') {
    const v = parseDuration(spec, what);
    return () => v;
  }
  if (spec === null || typeof spec !== 'object') {
    throw new InputError(`${what}: ${showValue(spec)} is not a distribution; use a duration or { dist: ${KINDS} }`);
  }
  switch (spec.dist) {
    case 'constant': {
      const v = parseDuration(spec.value, `${what}.value`);
      return () => v;
    }
    case 'uniform': {
      const min = parseDuration(spec.min, `${what}.min`);
      const max = parseDuration(spec.max, `${what}.max`);
      if (max < min) throw new InputError(`${what}: max ${showValue(spec.max)} is below min ${showValue(spec.min)}`);
      return (r) => Math.round(min + (max - min) * r.next());
    }
    case 'exponential': {
      const mean = parseDuration(spec.mean, `${what}.mean`);
      if (mean === 0) return () => 0;
      return (r) => Math.round(-Math.log(1 - r.next()) * mean);
    }
    case 'normal': {
      const mean = parseDuration(spec.mean, `${what}.mean`);
      const sd = parseDuration(spec.stddev, `${what}.stddev`);
      // truncated at 0: a latency cannot be negative
      return (r) => Math.max(0, Math.round(r.normal(mean, sd)));
    }
    case 'lognormal': {
      const median = parseDuration(spec.median, `${what}.median`);
      if (median <= 0) throw new InputError(`${what}.median must be > 0`);
      const sigma = spec.sigma;
      if (!(typeof sigma === 'number' && sigma >= 0 && sigma < Infinity)) throw new InputError(`${what}.sigma: ${showValue(sigma)} is not valid; use a number ≥ 0`);
      const mu = Math.log(median);
      // the same draws as r.lognormal(mu, sigma), validated once here instead of per sample
      return (r) => {
        const u1 = 1 - r.next();
        const u2 = r.next();
        return Math.round(Math.exp(mu + sigma * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)));
      };
    }
    case 'pareto': {
      const scale = parseDuration(spec.scale, `${what}.scale`);
      const alpha = spec.alpha;
      if (!(scale > 0) || !(typeof alpha === 'number' && alpha > 0 && alpha < Infinity)) {
        throw new InputError(`${what}: pareto needs scale > 0 and alpha > 0 (got scale ${showValue(spec.scale)}, alpha ${showValue(alpha)})`);
      }
      return (r) => Math.round(r.pareto(scale, alpha));
    }
    case 'long-tail': {
      const base = sampler(spec.base, `${what}.base`, depth + 1);
      const tail = sampler(spec.tail, `${what}.tail`, depth + 1);
      const p = spec.p;
      if (!(typeof p === 'number' && p >= 0 && p <= 1)) throw new InputError(`${what}.p: ${showValue(p)} is not valid; use a probability in [0, 1]`);
      return (r) => (r.next() < p ? tail(r) : base(r));
    }
    default:
      throw new InputError(
        `${what}: unknown dist ${showValue((spec as { dist?: unknown }).dist)}; valid: ${KINDS}`,
      );
  }
}

/** The mean of a distribution in microseconds (for capacity planning and theory checks). */
export function distributionMeanUs(spec: DistributionSpec): number {
  return meanUs(spec, 1);
}

function meanUs(spec: DistributionSpec, depth: number): number {
  checkDepth('distribution', depth);
  if (typeof spec === 'string' || typeof spec === 'number') return parseDuration(spec);
  switch (spec.dist) {
    case 'constant':
      return parseDuration(spec.value);
    case 'uniform':
      return (parseDuration(spec.min) + parseDuration(spec.max)) / 2;
    case 'exponential':
      return parseDuration(spec.mean);
    case 'normal':
      return parseDuration(spec.mean);
    case 'lognormal':
      return parseDuration(spec.median) * Math.exp((spec.sigma * spec.sigma) / 2);
    case 'pareto':
      return spec.alpha > 1 ? (spec.alpha * parseDuration(spec.scale)) / (spec.alpha - 1) : Infinity;
    case 'long-tail':
      return (1 - spec.p) * meanUs(spec.base, depth + 1) + spec.p * meanUs(spec.tail, depth + 1);
  }
}
