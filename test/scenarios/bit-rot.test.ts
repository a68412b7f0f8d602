import { describe, expect, it } from 'vitest';
import { run } from '../../sim/index.ts';
import scenario from '../../scenarios/bit-rot.ts';
import { itMeetsVariantExpectations } from '../support/expectations.ts';

describe('bit-rot', () => {
  itMeetsVariantExpectations(scenario);

  const metricsOf = (variant: string, seed: number, faults?: Record<string, unknown>[]): Record<string, number> =>
    run(scenario, { seed, variant, ...(faults ? { faults } : {}) }).metrics as Record<string, number>;

  it('without faults no design serves a corrupt value or repairs anything', () => {
    for (const variant of scenario.variantNames) {
      const m = metricsOf(variant, 1, []);
      expect(m.corruptServed).toBe(0);
      expect(m.repairs).toBe(0);
    }
  });

  it('no-checksums notices nothing; disk-blocks repairs the disk but serves RAM flips; end-to-end catches both', () => {
    for (const seed of [1, 2, 3]) {
      const none = metricsOf('no-checksums', seed);
      const disk = metricsOf('disk-blocks', seed);
      const e2e = metricsOf('end-to-end', seed);
      expect(none.corruptionDetected).toBe(0);
      expect(disk.corruptionDetected).toBeGreaterThan(0);
      expect(disk.corruptServed).toBeGreaterThan(0);
      expect(disk.corruptServed).toBeLessThan(none.corruptServed!);
      expect(e2e.corruptServed).toBe(0);
      expect(e2e.corruptionDetected).toBeGreaterThan(disk.corruptionDetected!);
    }
  });

  it('RAM flips alone are what separates disk-blocks from end-to-end', () => {
    const flips = [{ at: '1s', kind: 'bitflip', target: 'store-1', count: 40, bits: 3 }];
    expect(metricsOf('disk-blocks', 1, flips).corruptServed).toBeGreaterThan(0);
    expect(metricsOf('end-to-end', 1, flips).corruptServed).toBe(0);
  });
});
