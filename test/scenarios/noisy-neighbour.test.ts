import { describe, expect, it } from 'vitest';
import { run } from '../../sim/index.ts';
import { itMeetsVariantExpectations } from '../support/expectations.ts';
import scenario from '../../scenarios/noisy-neighbour.ts';

describe('noisy-neighbour', () => {
  itMeetsVariantExpectations(scenario);

  // AWS Builders' Library, "Workload isolation using shuffle-sharding": 8 workers, shards of 2:
  // a tenant that takes down its shard fully impacts 1/28 of the others with shuffle sharding,
  // 1/4 with 4 plain shards
  it('over seeds 1..20 the poison pill fully impacts ~1/28 of the other tenants with shuffle sharding and ~1/4 with plain sharding', () => {
    const mean = (variant: string): number => {
      let sum = 0;
      for (let seed = 1; seed <= 20; seed++) sum += run(scenario, { variant, seed }).metrics.tenantsFullyImpactedPct as number;
      return sum / 20;
    };
    expect(Math.abs(mean('shuffle-sharding') - 100 / 28)).toBeLessThan(1.5);
    expect(Math.abs(mean('plain-sharding') - 25)).toBeLessThan(3);
  });

  it('without sharding the poison pill reaches every worker', () => {
    for (let seed = 1; seed <= 3; seed++) {
      const m = run(scenario, { variant: 'fair-queuing', seed }).metrics;
      expect(m.workersDown).toBe(8);
      expect(m.tenantsFullyImpactedPct).toBe(100);
    }
  });
});
