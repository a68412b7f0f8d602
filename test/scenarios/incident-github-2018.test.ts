import { describe, expect, it } from 'vitest';
import { run } from '../../sim/index.ts';
import scenario from '../../scenarios/incident-github-2018.ts';
import { itMeetsVariantExpectations } from '../support/expectations.ts';

describe('incident-github-2018', () => {
  itMeetsVariantExpectations(scenario);

  const metricsOf = (variant: string, seed: number): Record<string, number | string | null> =>
    run(scenario, { seed, variant }).metrics as unknown as Record<string, number | string | null>;

  it('as it happened: failover to the West during the 43 s partition, the East’s writes since the last shipped binlog stranded, queries cross-country', () => {
    for (const seed of [1, 2, 3]) {
      const m = metricsOf('as-it-happened', seed);
      expect(m.primaryAtEnd).toBe('db-west');
      // the partition starts at 10 s and lasts 43 s: the failover falls inside it
      expect(m.failoverAtMs as number).toBeGreaterThan(10_000);
      expect(m.failoverAtMs as number).toBeLessThan(53_000);
      // about 43 s of writes at 20 pages/s were acknowledged in the East and never reached the West
      expect(m.strandedWrites as number).toBeGreaterThan(600);
      // five queries at a ~64 ms coast-to-coast round trip each
      expect(m.pageMsP99AfterHeal as number).toBeGreaterThan(300);
    }
  });

  it('with a longer suspicion window or region-pinned failover the East keeps its primary and loses nothing', () => {
    for (const variant of ['long-suspicion', 'region-pinned']) {
      const m = metricsOf(variant, 1);
      expect(m.failoverAtMs).toBeNull();
      expect(m.primaryAtEnd).toBe('db-east');
      expect(m.strandedWrites).toBe(0);
      expect(m.pageMsP99AfterHeal as number).toBeLessThan(20);
    }
  });
});
