import { describe, expect, it } from 'vitest';
import { run } from '../../sim/index.ts';
import scenario from '../../scenarios/slow-dependency.ts';
import { itMeetsVariantExpectations } from '../support/expectations.ts';

describe('slow-dependency', () => {
  itMeetsVariantExpectations(scenario);

  it('without timeouts the slow database holds all 20 worker threads and /catalog, which never calls it, fails too', () => {
    for (const seed of [1, 2, 3]) {
      const m = run(scenario, { seed, variant: 'no-timeouts' }).metrics as Record<string, number>;
      expect(m.workerThreadsInUseMax).toBe(20);
      expect(m.catalogAvailability).toBeLessThan(0.9);
      expect(m.catalogP99MsDuringSlowdown).toBeGreaterThanOrEqual(1000);
    }
  });

  it('a timeout alone still lets 100 orders/s × 250 ms exhaust the 20 threads', () => {
    for (const seed of [1, 2, 3]) {
      const m = run(scenario, { seed, variant: 'timeouts-only' }).metrics as Record<string, number>;
      expect(m.workerThreadsInUseMax).toBe(20);
      expect(m.catalogAvailability).toBeLessThan(0.99);
    }
  });

  it('with the bulkhead, /orders is rejected fast while /catalog keeps every request and its latency', () => {
    for (const seed of [1, 2, 3]) {
      const m = run(scenario, { seed, variant: 'timeouts-and-bulkhead' }).metrics as Record<string, number>;
      expect(m.bulkheadRejections).toBeGreaterThan(100);
      expect(m.catalogAvailability).toBe(1);
      expect(m.workerThreadsInUseMax).toBeLessThan(20);
      // orders still fail during the slowdown: the bulkhead contains the damage, it does not undo it
      expect(m.ordersAvailabilityDuringSlowdown).toBeLessThan(0.5);
    }
  });

  it('with a healthy database every design passes every check', () => {
    for (const variant of scenario.variantNames) {
      const r = run(scenario, { seed: 5, variant, faults: [] });
      expect(r.checks.every((c) => c.status === 'ok')).toBe(true);
      expect(r.metrics.availability).toBe(1);
    }
  });
});
