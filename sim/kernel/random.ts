/**
 * Seeded randomness. One root seed per run (a uint32 or a string); every component draws from
 * its own named stream derived from (root seed, a stable identity: a component's path, a network
 * link's sender and receiver, a fault's id or kind, target and start), so adding a component, a
 * link or a fault never changes the draws of the others.
 *
 * Generator: seedrandom's `alea` (Johannes Baagøe's Alea). On this project's 2-core machines it
 * measured 6.9 ns per draw against 10–15 ns for tychei, xor4096, xorwow, xor128 and xorshift7
 * (`node` loop of 2e7 draws, 2026-11-26); it has a 2^116 period and passes the tests its author
 * ran (Diehard, BigCrush per seedrandom's README), and its string seeding (the Mash hash) lets
 * us derive a stream from "seed/path" directly. Its output has 32 bits of resolution, which is
 * enough for every distribution here (the exponential tail is cut at about 22 means).
 *
 * seedrandom seeds each stream (Mash over "<type>:<seed>\0<path>"); the step itself runs here, on
 * the same state held as integers, and gives seedrandom's numbers bit for bit (a test compares
 * them). Why: seedrandom's generator keeps its state in closures as boxed doubles, about 300 bytes
 * in five objects per stream. With a stream per network link (9,900 links among 100 nodes) those
 * scattered objects cost a cache miss per draw and made delivery in bench/network.ts 25–35%
 * slower than with a stream per sender; as three int32 fields and a carry in the `Random` object
 * itself (a network link is its own `Random`, see `RandomStreams.create`), per-link streams run as
 * fast as per-sender ones did (2026-12-02, alternating runs against the previous commit).
 */
import seedrandom from 'seedrandom';
import { InputError } from './errors.ts';

/** A run's root seed: a uint32 or a non-empty string (`checkSeed` validates it). */
export type Seed = number | string;

interface AleaState {
  c: number;
  s0: number;
  s1: number;
  s2: number;
}

/** Validate a root seed: a uint32 or a non-empty string. */
export function checkSeed(seed: unknown): Seed {
  if (typeof seed === 'number') {
    if (Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff) return seed;
    throw new InputError(`seed ${seed} is not valid; use an integer from 0 to 4294967295 or a string`);
  }
  if (typeof seed === 'string' && seed.length > 0) return seed;
  throw new InputError(`seed ${JSON.stringify(seed)} is not valid; use an integer from 0 to 4294967295 or a string`);
}

/** One independent stream of uniform draws with validated distributions on top. */
export class Random {
  // Alea's state as integers (see the file comment): s0, s1, s2 are the 32-bit numerators of
  // seedrandom's fractions (stored as int32, so they stay small integers in the object), c the carry.
  private a0: number;
  private a1: number;
  private a2: number;
  private c: number;

  constructor(
    readonly path: string,
    seedText: string,
  ) {
    const state = (seedrandom.alea(seedText, { state: true }) as unknown as { state(): AleaState }).state();
    this.a0 = (state.s0 * 4294967296) | 0;
    this.a1 = (state.s1 * 4294967296) | 0;
    this.a2 = (state.s2 * 4294967296) | 0;
    this.c = state.c;
  }

  /** Uniform in [0, 1): the next number of seedrandom's `alea(seedText)`, bit for bit. */
  next(): number {
    // 2091639·s0 + c < 2^53: exact in a double, as in seedrandom's fractional form
    const x = 2091639 * (this.a0 >>> 0) + this.c;
    const c = Math.floor(x / 4294967296);
    const a = x - c * 4294967296;
    this.a0 = this.a1;
    this.a1 = this.a2;
    this.a2 = a | 0;
    this.c = c;
    return a * 2.3283064365386963e-10; // 2^-32
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    if (!(Number.isFinite(min) && Number.isFinite(max) && max >= min)) {
      throw new InputError(`uniform(min=${min}, max=${max}): need finite min ≤ max`);
    }
    return min + (max - min) * this.next();
  }

  /** Integer uniform in [min, max] inclusive. */
  int(min: number, max: number): number {
    if (!(Number.isInteger(min) && Number.isInteger(max) && max >= min)) {
      throw new InputError(`int(min=${min}, max=${max}): need integers min ≤ max`);
    }
    return min + Math.floor((max - min + 1) * this.next());
  }

  /** Exponential with the given mean (the inverse of the rate). */
  exponential(mean: number): number {
    if (!(mean > 0 && mean < Infinity)) throw new InputError(`exponential(mean=${mean}): mean must be finite and > 0`);
    return -Math.log(1 - this.next()) * mean;
  }

  /** Normal (Gaussian) by Box–Muller; one draw pair per call keeps the stream position simple. */
  normal(mean: number, stddev: number): number {
    if (!(Number.isFinite(mean) && stddev >= 0 && stddev < Infinity)) {
      throw new InputError(`normal(mean=${mean}, stddev=${stddev}): need finite mean and stddev ≥ 0`);
    }
    const u1 = 1 - this.next();
    const u2 = this.next();
    return mean + stddev * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Lognormal where ln(X) ~ Normal(mu, sigma). */
  lognormal(mu: number, sigma: number): number {
    if (!(Number.isFinite(mu) && sigma >= 0 && sigma < Infinity)) {
      throw new InputError(`lognormal(mu=${mu}, sigma=${sigma}): need finite mu and sigma ≥ 0`);
    }
    return Math.exp(this.normal(mu, sigma));
  }

  /** Pareto (type I) with scale `xm > 0` and shape `alpha > 0`: `P(X > x) = (xm/x)^alpha`. */
  pareto(xm: number, alpha: number): number {
    if (!(xm > 0 && xm < Infinity && alpha > 0 && alpha < Infinity)) {
      throw new InputError(`pareto(xm=${xm}, alpha=${alpha}): need finite xm > 0 and alpha > 0`);
    }
    return xm / Math.pow(1 - this.next(), 1 / alpha);
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    if (!(p >= 0 && p <= 1)) throw new InputError(`bernoulli(p=${p}): p must be in [0, 1]`);
    return this.next() < p;
  }

  /** Pick one item; weights (if given) must be ≥ 0 with a positive sum. */
  choice<T>(items: readonly T[], weights?: readonly number[]): T {
    if (items.length === 0) throw new InputError('choice: no items to choose from');
    if (weights === undefined) return items[Math.floor(this.next() * items.length)]!;
    if (weights.length !== items.length) {
      throw new InputError(`choice: ${items.length} items but ${weights.length} weights`);
    }
    let total = 0;
    for (const w of weights) {
      if (!(w >= 0 && w < Infinity)) throw new InputError(`choice: weight ${w} is not valid; weights must be finite and ≥ 0`);
      total += w;
    }
    if (!(total > 0)) throw new InputError('choice: weights sum to 0');
    let x = this.next() * total;
    for (let i = 0; i < items.length; i++) {
      x -= weights[i]!;
      if (x < 0) return items[i]!;
    }
    return items[items.length - 1]!;
  }

  /** Fisher–Yates shuffle into a new array. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = out[i]!;
      out[i] = out[j]!;
      out[j] = t;
    }
    return out;
  }
}

/** The run's streams: `streams.get("client/retry")` returns the same stream for the same path. */
export class RandomStreams {
  private readonly streams = new Map<string, Random>();
  readonly seed: Seed;

  constructor(seed: Seed) {
    this.seed = checkSeed(seed);
  }

  get(path: string): Random {
    return this.streams.get(path) ?? this.create(path, (seedText) => new Random(path, seedText));
  }

  /**
   * The stream at `path`, made the first time by `make(seedText)`: a subclass of `Random` that
   * carries a model's own state beside the generator's (a network link keeps its draws and its
   * fields in one object, so a draw costs no extra memory access). `get(path)` returns it after.
   */
  create<R extends Random>(path: string, make: (seedText: string) => R): R {
    if (this.streams.has(path)) throw new InputError(`random stream ${JSON.stringify(path)} exists already`);
    if (path.length === 0) throw new InputError('random stream path must not be empty');
    // type-tag the seed so that 1 and "1" are different roots
    const r = make(`${typeof this.seed === 'number' ? 'n' : 's'}:${this.seed}\u0000${path}`);
    this.streams.set(path, r);
    return r;
  }
}
