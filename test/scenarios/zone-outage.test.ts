import { describe, expect, it } from 'vitest';
import { run, runDetailed } from '../../sim/index.ts';
import { itMeetsVariantExpectations } from '../support/expectations.ts';
import scenario from '../../scenarios/zone-outage.ts';

describe('zone-outage', () => {
  itMeetsVariantExpectations(scenario);

  it('static stability needs no action: no pod is launched and four survivors carry the load', () => {
    const m = run(scenario, { seed: 4, variant: 'static-stability' }).metrics;
    expect(m.scaleUps).toBe(0);
    expect(m.podsAtEnd).toBe(4);
    expect(m.availabilityDuringOutage).toBeGreaterThan(0.99);
  });

  it('the HPA adds one pod in a live zone after the outage, not before it', () => {
    const a = runDetailed(scenario, { seed: 4, variant: 'autoscaling', traceLevel: 'summary' });
    const scaled = a.records.filter((r) => r.kind === 'autoscale');
    expect(scaled.length).toBe(1);
    expect(scaled[0]!.time).toBeGreaterThan(10_000_000);
    expect(a.result.metrics.podsAtEnd).toBe(3);
    // degraded until the new pod is ready, then it holds on two zones
    expect(a.result.metrics.availabilityDuringOutage).toBeLessThan(0.95);
    expect(a.result.metrics.availabilitySettled).toBeGreaterThanOrEqual(0.999);
  });

  it('without spare capacity, the two survivors shed load for the whole outage', () => {
    const a = runDetailed(scenario, { seed: 4, variant: 'no-spare' });
    expect(a.requests.errors.get('shed') ?? 0).toBeGreaterThan(100);
    expect(a.result.metrics.availabilitySettled).toBeLessThan(0.9);
  });

  it('without the outage, the one-per-zone fleet is fine: the zone, not the steady state, breaks it', () => {
    const r = run(scenario, { seed: 4, variant: 'no-spare', faults: [] });
    expect(r.checks.map((c) => c.status)).toEqual(['ok', 'ok']);
  });
});
