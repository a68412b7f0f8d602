import { describe, expect, it } from 'vitest';
import { run } from '../../sim/index.ts';
import { itMeetsVariantExpectations } from '../support/expectations.ts';
import scenario from '../../scenarios/gray-failure.ts';

describe('gray-failure', () => {
  itMeetsVariantExpectations(scenario);

  it('round robin keeps sending the limping node its 1/10 share, and its health check never fails', () => {
    const m = run(scenario, { seed: 3, variant: 'round-robin' }).metrics;
    expect(m.limpingNodeSharePct).toBeGreaterThan(9.5);
    expect(m.limpingNodeSharePct).toBeLessThan(10.5);
    // the failure is gray: the health checker sees nothing while ~1 request in 10 times out
    expect(m.healthCheckFailures).toBe(0);
    expect(m.availabilityDuringLimp).toBeLessThan(0.95);
    expect(m.latencyMsP99DuringLimp).toBeGreaterThanOrEqual(1000);
  });

  it('least-request starves the limping node but does not remove it: no failures, a slow tail', () => {
    const m = run(scenario, { seed: 3, variant: 'least-request' }).metrics;
    expect(m.limpingNodeSharePct).toBeLessThan(6);
    expect(m.limpingNodeSharePct).toBeGreaterThan(1);
    expect(m.availabilityDuringLimp).toBe(1);
    expect(m.latencyMsP99DuringLimp).toBeGreaterThan(100);
  });

  it('outlier detection ejects exactly the limping node, once, and healthy p99 returns', () => {
    const m = run(scenario, { seed: 3, variant: 'p2c-outlier-ejection' }).metrics;
    expect(m.ejections).toBe(1);
    expect(m.ejectionsOfHealthyHosts).toBe(0);
    expect(m.latencyMsP99DuringLimp).toBeLessThan(30);
  });

  it('with Envoy’s default successful_active_health_check_uneject_host, the passing TCP check keeps un-ejecting the limping host', () => {
    const m = run(scenario, { seed: 3, variant: 'p2c-outlier-ejection', params: { successful_active_health_check_uneject_host: true } }).metrics;
    expect(m.ejections).toBeGreaterThan(3);
  });

  it('with fewer than 10 hosts, the default 10 % max_ejection_percent ejects nothing (Envoy’s strict rule)', () => {
    const m = run(scenario, { seed: 3, variant: 'p2c-outlier-ejection', params: { backends: 5, ratePerSec: 200 } }).metrics;
    expect(m.ejections).toBe(0);
  });
});
