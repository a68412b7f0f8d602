import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { InputError, Random, RandomStreams, durationSampler, distributionMeanUs } from '../../sim/index.ts';

function draws(streams: RandomStreams, path: string, n: number): number[] {
  const r = streams.get(path);
  return Array.from({ length: n }, () => r.next());
}

describe('RandomStreams', () => {
  it('the same seed and path give the same draws', () => {
    expect(draws(new RandomStreams(7), 'client', 5)).toEqual(draws(new RandomStreams(7), 'client', 5));
    expect(draws(new RandomStreams('abc'), 'client', 5)).toEqual(draws(new RandomStreams('abc'), 'client', 5));
  });

  it('different seeds, paths, and number-vs-string seeds give different draws', () => {
    const a = draws(new RandomStreams(7), 'client', 5);
    expect(draws(new RandomStreams(8), 'client', 5)).not.toEqual(a);
    expect(draws(new RandomStreams(7), 'server', 5)).not.toEqual(a);
    expect(draws(new RandomStreams('7'), 'client', 5)).not.toEqual(a);
  });

  it('adding a component leaves the other components\' draws unchanged', () => {
    // world 1: components a and b, interleaved
    const w1 = new RandomStreams(42);
    const a1: number[] = [];
    const b1: number[] = [];
    for (let i = 0; i < 100; i++) {
      a1.push(w1.get('node/a').next());
      b1.push(w1.get('node/b').next());
    }
    // world 2: a new component c is added and drawn from heavily in between
    const w2 = new RandomStreams(42);
    const a2: number[] = [];
    const b2: number[] = [];
    for (let i = 0; i < 100; i++) {
      w2.get('node/c').next();
      a2.push(w2.get('node/a').next());
      for (let k = 0; k < 3; k++) w2.get('node/c').exponential(5);
      b2.push(w2.get('node/b').next());
    }
    expect(a2).toEqual(a1);
    expect(b2).toEqual(b1);
  });

  it("draws exactly seedrandom's alea numbers for the stream's seed text (the integer form of its step)", () => {
    for (const [seed, tag] of [[1, 'n'], [4294967295, 'n'], ['incident-42', 's']] as const) {
      for (const path of ['client/retry', 'net/link/a/b']) {
        const ref = seedrandom.alea(`${tag}:${seed}\u0000${path}`);
        const r = new RandomStreams(seed).get(path);
        const n = 200_000;
        let same = 0;
        for (let i = 0; i < n; i++) if (r.next() === ref()) same++;
        expect(same, `${seed} ${path}`).toBe(n);
      }
    }
  });

  it('create(path, make) registers a subclass of Random that get(path) returns after; a path is made once', () => {
    class Carrier extends Random {
      hops = 0;
    }
    const w = new RandomStreams(5);
    const c = w.create('net/link/a/b', (seedText) => new Carrier('net/link/a/b', seedText));
    expect(w.get('net/link/a/b')).toBe(c);
    expect(c.next()).toBe(new RandomStreams(5).get('net/link/a/b').next());
    expect(() => w.create('net/link/a/b', (t) => new Carrier('net/link/a/b', t))).toThrow(/exists already/);
  });

  it('rejects invalid seeds', () => {
    expect(() => new RandomStreams(-1)).toThrow(InputError);
    expect(() => new RandomStreams(1.5)).toThrow(/not valid/);
    expect(() => new RandomStreams(2 ** 32)).toThrow(/4294967295/);
    expect(() => new RandomStreams('')).toThrow(InputError);
  });
});

describe('distributions', () => {
  const r = () => new RandomStreams(1).get('dist');

  it('exponential, uniform, normal, lognormal, pareto have the right means', () => {
    const n = 200_000;
    const mean = (f: () => number): number => {
      let s = 0;
      for (let i = 0; i < n; i++) s += f();
      return s / n;
    };
    const g = r();
    // standard errors: exp sd=mean -> 10/sqrt(n)=0.022; tolerance 5 SE
    expect(mean(() => g.exponential(10))).toBeCloseTo(10, 0);
    expect(Math.abs(mean(() => g.exponential(10)) - 10)).toBeLessThan(0.12);
    expect(Math.abs(mean(() => g.uniform(2, 4)) - 3)).toBeLessThan(0.01);
    expect(Math.abs(mean(() => g.normal(5, 2)) - 5)).toBeLessThan(0.03);
    // lognormal(mu, sigma) mean = exp(mu + sigma^2/2)
    expect(Math.abs(mean(() => g.lognormal(0, 0.5)) - Math.exp(0.125))).toBeLessThan(0.01);
    // pareto(xm=1, alpha=3) mean = alpha xm/(alpha-1) = 1.5
    expect(Math.abs(mean(() => g.pareto(1, 3)) - 1.5)).toBeLessThan(0.02);
  });

  it('bernoulli, weighted choice and shuffle behave', () => {
    const g = r();
    let t = 0;
    for (let i = 0; i < 100_000; i++) if (g.bernoulli(0.3)) t++;
    expect(Math.abs(t / 100_000 - 0.3)).toBeLessThan(0.01);
    const counts = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 60_000; i++) counts[g.choice(['a', 'b', 'c'] as const, [1, 2, 3])]++;
    expect(Math.abs(counts.c / 60_000 - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(counts.a / 60_000 - 1 / 6)).toBeLessThan(0.01);
    const s = g.shuffle([1, 2, 3, 4, 5, 6, 7, 8]);
    expect([...s].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(g.choice(['x'], [0.0001])).toBe('x');
  });

  it('validates parameters with messages naming the parameter', () => {
    const g = r();
    expect(() => g.exponential(0)).toThrow(/mean=0/);
    expect(() => g.exponential(NaN)).toThrow(InputError);
    expect(() => g.uniform(3, 1)).toThrow(/min ≤ max/);
    expect(() => g.normal(0, -1)).toThrow(/stddev/);
    expect(() => g.pareto(0, 1)).toThrow(/xm/);
    expect(() => g.bernoulli(1.5)).toThrow(/\[0, 1\]/);
    expect(() => g.choice([], [])).toThrow(/no items/);
    expect(() => g.choice(['a', 'b'], [1])).toThrow(/2 items but 1 weights/);
    expect(() => g.choice(['a'], [-1])).toThrow(/weight -1/);
    expect(() => g.choice(['a', 'b'], [0, 0])).toThrow(/sum to 0/);
  });

  it('durationSampler reads distributions as data and rejects bad specs', () => {
    const g = r();
    expect(durationSampler('5ms')(g)).toBe(5000);
    const u = durationSampler({ dist: 'uniform', min: '1ms', max: '2ms' });
    for (let i = 0; i < 100; i++) {
      const v = u(g);
      expect(v).toBeGreaterThanOrEqual(1000);
      expect(v).toBeLessThanOrEqual(2000);
    }
    expect(distributionMeanUs({ dist: 'long-tail', base: '1ms', tail: '101ms', p: 0.01 })).toBeCloseTo(2000, 6);
    expect(() => durationSampler('-5ms')).toThrow(/negative/);
    expect(() => durationSampler('5 parsecs')).toThrow(/not a duration/);
    expect(() => durationSampler({ dist: 'gamma' } as never)).toThrow(/unknown dist "gamma"; valid: constant, uniform/);
    expect(() => durationSampler({ dist: 'long-tail', base: '1ms', tail: '2ms', p: 2 })).toThrow(/probability/);
  });
});
