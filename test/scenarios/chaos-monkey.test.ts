import { describe, expect, it } from 'vitest';
import { run, runDetailed } from '../../sim/index.ts';
import { itMeetsVariantExpectations } from '../support/expectations.ts';
import scenario from '../../scenarios/chaos-monkey.ts';

describe('chaos-monkey', () => {
  itMeetsVariantExpectations(scenario);

  it('the Chaos Monkey nemesis writes its kills into the plan: same times for every variant, victims from each fleet', () => {
    const spare = run(scenario, { seed: 7, variant: 'n-plus-one' });
    const exact = run(scenario, { seed: 7, variant: 'exactly-n' });
    const kills = (r: typeof spare) => r.faults.filter((f) => f.kind === 'crash');
    expect(kills(spare).length).toBeGreaterThan(0);
    expect(kills(spare).map((f) => f.at)).toEqual(kills(exact).map((f) => f.at));
    for (const f of kills(exact)) expect(['web1', 'web2', 'web3']).toContain(f.target);
    // minTimeBetweenKills (12 s) keeps at most one instance down at a time
    const at = kills(spare).map((f) => Number(f.at));
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(12_000_000);
  });

  it('without kills, the exactly-N fleet is fine: the failures are Chaos Monkey’s findings, not a sizing bug at rest', () => {
    const r = run(scenario, { seed: 7, variant: 'exactly-n', faults: [] });
    expect(r.checks.map((c) => c.status)).toEqual(['ok', 'ok']);
  });

  it('N+1 hides each kill: the dead instance is ejected and the few tries it swallowed are retried elsewhere', () => {
    const a = runDetailed(scenario, { seed: 7, variant: 'n-plus-one' });
    expect(a.result.metrics.ejections).toBeGreaterThanOrEqual(1);
    expect(a.requests.retries).toBeGreaterThan(0);
    expect(a.result.metrics.worstWindowAvailability).toBe(1);
  });

  it('exactly N: survivors overload, retries amplify the load, and outlier detection ejects a live survivor', () => {
    const spare = run(scenario, { seed: 7, variant: 'n-plus-one' }).metrics as Record<string, number>;
    const exact = run(scenario, { seed: 7, variant: 'exactly-n' }).metrics as Record<string, number>;
    expect(exact.retriesPerRequest!).toBeGreaterThan(5 * spare.retriesPerRequest!);
    expect(exact.ejections!).toBeGreaterThan(exact.kills!);
    expect(exact.availability).toBeLessThan(0.8);
  });

  it('health checks alone lose the requests sent to a dead instance before two checks fail', () => {
    const a = runDetailed(scenario, { seed: 7, variant: 'n-plus-one-health-checks-only' });
    expect([...a.requests.errors.keys()]).toEqual(['timeout']);
    expect(a.result.metrics.worstWindowAvailability).toBeLessThan(0.95);
  });
});
