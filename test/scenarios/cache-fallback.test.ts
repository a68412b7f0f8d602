import { describe, expect, it } from 'vitest';
import { run } from '../../sim/index.ts';
import scenario from '../../scenarios/cache-fallback.ts';
import { itMeetsVariantExpectations } from '../support/expectations.ts';

describe('cache-fallback', () => {
  itMeetsVariantExpectations(scenario);

  const metricsOf = (variant: string, seed: number, faults?: Record<string, unknown>[]): Record<string, number> =>
    run(scenario, { seed, variant, ...(faults ? { faults } : {}) }).metrics as unknown as Record<string, number>;

  it('without faults every design serves only full pages', () => {
    for (const variant of scenario.variantNames) {
      const m = metricsOf(variant, 1, []);
      expect(m.pagesFailed).toBe(0);
      expect(m.pagesDegraded).toBe(0);
    }
  });

  it('the degrading design turns every failure the plain design shows into a degraded page', () => {
    for (const seed of [1, 2, 3]) {
      const plain = metricsOf('no-fallbacks', seed);
      const degrade = metricsOf('serve-stale-and-defaults', seed);
      expect(plain.pagesFailed).toBeGreaterThan(300);
      expect(degrade.pagesFailed).toBe(0);
      // same arrivals (same seed): degraded pages replace the failed ones, nearly one for one
      expect(Math.abs(degrade.pagesDegraded! - plain.pagesFailed!)).toBeLessThan(0.03 * plain.pagesFailed!);
      expect(degrade.staleServed).toBeGreaterThan(0);
      expect(degrade.fallbacksServed).toBeGreaterThan(0);
    }
  });

  it('stale-if-error covers the catalog outage but not the recommendation outage', () => {
    const catalogOnly = [{ at: '4s', kind: 'crash', target: 'catalog-1', for: '3s' }];
    const recoOnly = [{ at: '4s', kind: 'crash', target: 'reco-1', for: '3s' }];
    expect(metricsOf('stale-only', 1, catalogOnly).pagesFailed).toBe(0);
    expect(metricsOf('stale-only', 1, recoOnly).pagesFailed).toBeGreaterThan(100);
  });
});
