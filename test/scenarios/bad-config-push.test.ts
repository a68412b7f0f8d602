import { describe, expect, it } from 'vitest';
import { run } from '../../sim/index.ts';
import scenario from '../../scenarios/bad-config-push.ts';
import { itMeetsVariantExpectations } from '../support/expectations.ts';

describe('bad-config-push', () => {
  itMeetsVariantExpectations(scenario);

  const metricsOf = (variant: string, seed: number, params: Record<string, string | number> = {}): Record<string, number> =>
    run(scenario, { seed, variant, params }).metrics as unknown as Record<string, number>;

  it('the global push hits every server; the canary rollout hits one and rolls it back within a health-check interval', () => {
    for (const seed of [1, 2, 3]) {
      const global = metricsOf('global-push', seed);
      const canary = metricsOf('canary-auto-rollback', seed);
      expect(global.serversHit).toBe(10);
      expect(global.worstSecondAvailability).toBeLessThan(0.1);
      expect(canary.serversHit).toBe(1);
      expect(canary.rollbackAfterMs).toBeLessThanOrEqual(250);
      expect(canary.promoted).toBe(0);
    }
  });

  it('a good config passes the canary bake and is promoted to every server', () => {
    const m = metricsOf('canary-auto-rollback', 1, { configEffect: 'none' });
    expect(m.promoted).toBe(9);
    expect(m.serversHit).toBe(10);
    expect(m.availability).toBe(1);
  });

  it('a config that makes servers reject work is caught by the canary as well', () => {
    const m = metricsOf('canary-auto-rollback', 1, { configEffect: 'reject' });
    expect(m.serversHit).toBe(1);
    expect(m.promoted).toBe(0);
  });
});
