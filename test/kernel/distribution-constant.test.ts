// constantDurationUs names the value a constant duration distribution's sampler returns (a link
// with one needs no draw per message), and only for constant ones.
import { describe, expect, it } from 'vitest';
import { constantDurationUs, durationSampler, type DistributionSpec } from '../../sim/kernel/distribution.ts';
import { RandomStreams } from '../../sim/kernel/random.ts';

describe('constantDurationUs', () => {
  it('is the duration in µs for a duration or { dist: "constant" }, as the sampler returns it', () => {
    const r = new RandomStreams(1).get('test');
    for (const [spec, us] of [['5ms', 5000], [250, 250], ['1.5s', 1_500_000], [{ dist: 'constant', value: '2ms' }, 2000], ['0us', 0]] as [DistributionSpec, number][]) {
      expect(constantDurationUs(spec)).toBe(us);
      expect(durationSampler(spec)(r)).toBe(us);
    }
  });

  it('is null for a distribution that draws', () => {
    for (const spec of [{ dist: 'exponential', mean: '10ms' }, { dist: 'uniform', min: '1ms', max: '1ms' }, { dist: 'lognormal', median: '1ms', sigma: 0.5 }] as DistributionSpec[]) {
      expect(constantDurationUs(spec)).toBeNull();
    }
  });
});
