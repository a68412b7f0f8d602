// Distributions nest (a long-tail's base or tail is a distribution), so a spec built by code, a
// generated one or a cyclic one must stop at a documented depth with one clear error, not exhaust
// the stack with a RangeError.
import { describe, expect, it } from 'vitest';
import { DISTRIBUTION_DEPTH_MAX, distributionMeanUs, durationSampler, type DistributionSpec } from '../../sim/kernel/distribution.ts';
import { InputError } from '../../sim/kernel/errors.ts';
import { RandomStreams } from '../../sim/kernel/random.ts';

function longTails(levels: number): DistributionSpec {
  let d: DistributionSpec = '1ms';
  for (let i = 0; i < levels; i++) d = { dist: 'long-tail', p: 0.5, base: d, tail: '5ms' };
  return d;
}

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('nested distributions', () => {
  it(`${DISTRIBUTION_DEPTH_MAX} levels of distributions are accepted and sample like the formula`, () => {
    // levels-1 long-tails around a constant: the mean is 1 ms · 0.5^k + 5 ms · (1 − 0.5^k)
    const spec = longTails(DISTRIBUTION_DEPTH_MAX - 1);
    const k = DISTRIBUTION_DEPTH_MAX - 1;
    expect(distributionMeanUs(spec)).toBeCloseTo(1000 * 0.5 ** k + 5000 * (1 - 0.5 ** k), 6);
    const r = new RandomStreams(1).get('d');
    const draw = durationSampler(spec);
    for (let i = 0; i < 100; i++) expect([1000, 5000]).toContain(draw(r));
  });

  it('one level more is an InputError naming where and the limit', () => {
    const err = thrown(() => durationSampler(longTails(DISTRIBUTION_DEPTH_MAX), 'latency'));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(`latency${'.base'.repeat(DISTRIBUTION_DEPTH_MAX)}: distributions nest at most ${DISTRIBUTION_DEPTH_MAX} levels deep (a long-tail's base or tail is one level down)`);
    expect(thrown(() => distributionMeanUs(longTails(DISTRIBUTION_DEPTH_MAX)))).toBeInstanceOf(InputError);
  });

  it('100,000 levels and a cycle end the same way, not with a RangeError', () => {
    expect(thrown(() => durationSampler(longTails(100_000)))).toBeInstanceOf(InputError);
    const cyclic: { dist: 'long-tail'; p: number; base: unknown; tail: string } = { dist: 'long-tail', p: 0.5, base: null, tail: '1ms' };
    cyclic.base = cyclic;
    expect(thrown(() => durationSampler(cyclic as DistributionSpec))).toBeInstanceOf(InputError);
    expect(thrown(() => distributionMeanUs(cyclic as DistributionSpec))).toBeInstanceOf(InputError);
  });

  it('echoed values are short previews', () => {
    const err = thrown(() => durationSampler({ dist: 'x'.repeat(1_000_000) } as never));
    expect(err.message.length).toBeLessThan(300);
    expect(thrown(() => durationSampler({ dist: 'lognormal', median: '1ms', sigma: 'wide' } as never)).message).toMatch(/sigma: "wide" is not valid/);
  });
});
