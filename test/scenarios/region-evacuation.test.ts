import { describe, expect, it } from 'vitest';
import { run, runDetailed } from '../../sim/index.ts';
import { itMeetsVariantExpectations } from '../support/expectations.ts';
import scenario from '../../scenarios/region-evacuation.ts';

describe('region-evacuation', () => {
  itMeetsVariantExpectations(scenario);

  it('active-passive: Route 53 fails over within 2-3 health-check intervals; then only the TTL-ignoring share stays on the dead region', () => {
    const a = runDetailed(scenario, { seed: 3, variant: 'active-passive-dns', traceLevel: 'summary' });
    const m = a.result.metrics;
    const failoverS = (m.failoverAtMs as number) / 1000;
    // failure at 30.5 s; interval 10 s, threshold 3: the third failed probe of each checker
    expect(failoverS).toBeGreaterThan(30.5 + 20);
    expect(failoverS).toBeLessThanOrEqual(30.5 + 30);
    // 10 % of the clients ignore the TTL: their share of the traffic, long after the TTL (200 clients per coast)
    expect(m.staleTrafficShare as number).toBeGreaterThan(0.05);
    expect(m.staleTrafficShare as number).toBeLessThan(0.16);
    expect(a.records.some((r) => r.kind === 'store-role' && r.node === 'db-west' && r.role === 'primary')).toBe(true);
  });

  it('the writes lost are the ones acknowledged in us-east-1 after its last shipment: about half a second of them', () => {
    for (const seed of [1, 2, 3]) {
      const aa = run(scenario, { seed, variant: 'active-active-glb' }).metrics;
      // the East coast's 20 orders/s for the 0.5 s since the last shipment: Poisson with mean 10
      expect(aa.lostWrites as number).toBeGreaterThan(0);
      expect(aa.lostWrites as number).toBeLessThan(25);
      expect(aa.replicationLagMsP99 as number).toBeGreaterThan(900);
      expect(aa.replicationLagMsP99 as number).toBeLessThan(1100);
    }
  });

  it('synchronous-enough shipping shrinks the loss: with 10 ms shipments nearly nothing is lost', () => {
    const m = run(scenario, { seed: 1, variant: 'active-active-glb', params: { shipIntervalMs: 10 } }).metrics;
    expect(m.lostWrites as number).toBeLessThanOrEqual(2);
  });

  it('without the outage every design serves every order and loses nothing', () => {
    for (const variant of scenario.variantNames) {
      const r = run(scenario, { seed: 1, variant, faults: [] });
      expect(r.checks.map((c) => c.status)).toEqual(['ok', 'ok', 'ok']);
    }
  });
});
