// race-and-deadlock: the racy design loses an update only when two transfers overlap, and the
// search over its concurrency params finds it and shrinks it to two clients with one transfer
// each; the deadlock design is caught by the liveness check, which names the cycle; lock
// ordering and optimistic concurrency pass 200 runs of the same search.
import { describe, expect, it } from 'vitest';
import scenario from '../../scenarios/race-and-deadlock.ts';
import { run } from '../../sim/run/runner.ts';
import { checkScenario } from '../../sim/check/index.ts';
import '../../sim/faults/register.ts';
import { itMeetsVariantExpectations } from '../support/expectations.ts';

const exploreParams = ['clients', 'transfers'];
const status = (r: ReturnType<typeof run>, name: string) => r.checks.find((c) => c.name === name)!;

describe('race-and-deadlock', () => {
  itMeetsVariantExpectations(scenario);

  it('one client: every design holds; two overlapping clients: racy loses an update, deadlock deadlocks', () => {
    for (const variant of scenario.variantNames) {
      const r = run(scenario, { seed: 1, variant });
      expect(r.checks.map((c) => c.status)).toEqual(['ok', 'ok']);
    }
    const racy = run(scenario, { seed: 1, variant: 'racy', params: { clients: 2 } });
    expect(status(racy, 'no-lost-updates').status).toBe('fail');
    expect(racy.metrics.lostUpdates).toBeGreaterThan(0);
    expect(racy.metrics.balanceError).toBeGreaterThan(0);
    const dead = run(scenario, { seed: 1, variant: 'deadlock', params: { clients: 2 } });
    expect(status(dead, 'no-stuck-workers').detail).toMatch(
      /^deadlock: bank\/transfer#\d waits for accounts:account-[ab] held by bank\/transfer#\d, which waits for accounts:account-[ab] held by bank\/transfer#\d; 2 worker\(s\) stuck/,
    );
    // three accounts, three clients: a cycle of three
    const three = run(scenario, { seed: 1, variant: 'deadlock', params: { clients: 3, accounts: 3 } });
    expect((status(three, 'no-stuck-workers').detail.match(/waits for/g) ?? []).length).toBe(3);
    for (const variant of ['lock-ordering', 'optimistic']) {
      const r = run(scenario, { seed: 1, variant, params: { clients: 8, transfers: 5 } });
      expect(r.checks.map((c) => c.status)).toEqual(['ok', 'ok']);
      expect(r.metrics.balanceError).toBe(0);
    }
  });

  it('racy: the search over clients and transfers finds the lost update and shrinks it to two overlapping requests', () => {
    const report = checkScenario(scenario, { variant: 'racy', runs: 100, exploreParams, onlyUnexpected: true });
    const v = report.violation!;
    expect(v.invariant).toBe('no-lost-updates');
    expect(v.params).toEqual({ clients: 2, transfers: 1 });
    expect(v.detail).toMatch(/^lost update on account-[ab]: .* 2 transaction\(s\)$/);
    expect(v.confirmed).toBe(true);
    expect(report.replay).toContain('--param clients=2 --param transfers=1');
  });

  it('deadlock: caught by the liveness check naming the cycle; lock ordering passes 200 runs', () => {
    const report = checkScenario(scenario, { variant: 'deadlock', runs: 100, exploreParams, onlyUnexpected: true });
    expect(report.violation!.invariant).toBe('no-stuck-workers');
    expect(report.violation!.params).toEqual({ clients: 2, transfers: 1 });
    expect(report.violation!.detail).toMatch(/^deadlock: .* which waits for .* held by /);
    const fixed = checkScenario(scenario, { variant: 'lock-ordering', runs: 200, exploreParams, onlyUnexpected: true });
    expect(fixed.violation).toBeNull();
    expect(fixed.runs).toBe(200);
  });

  it('optimistic concurrency with retries passes 200 runs of the same search', () => {
    const report = checkScenario(scenario, { variant: 'optimistic', runs: 200, exploreParams, onlyUnexpected: true });
    expect(report.violation).toBeNull();
    expect(report.runs).toBe(200);
    expect(Object.keys(report.coverage).sort()).toEqual(['crash', 'link-loss']);
  });
});
