// The resilience library at work in the built-in scenarios: for each piece, the variant that uses
// it passes the check the piece is there for, and the same variant with the piece turned off fails
// it. A few seeds each: the scenario's own test runs every variant on seeds 1..20.
import { describe, expect, it } from 'vitest';
import { run, type Scenario } from '../../sim/index.ts';
import grayFailure from '../../scenarios/gray-failure.ts';
import zoneOutage from '../../scenarios/zone-outage.ts';
import cacheFallback from '../../scenarios/cache-fallback.ts';
import badConfigPush from '../../scenarios/bad-config-push.ts';
import chaosMonkey from '../../scenarios/chaos-monkey.ts';
import retryStorm from '../../scenarios/retry-storm.ts';
import slowDependency from '../../scenarios/slow-dependency.ts';

const SEEDS = [1, 2, 3];

/** The status of `check` in `variant` on each seed, with `params` over the variant's own. */
function statuses(scenario: Scenario<any>, variant: string, check: string, params: Record<string, unknown> = {}): string[] {
  return SEEDS.map((seed) => {
    const r = run(scenario, { seed, variant, params: params as Record<string, number | boolean | string> });
    const c = r.checks.find((x) => x.name === check);
    if (c === undefined) throw new Error(`${scenario.name} has no check ${check}`);
    return c.status;
  });
}

describe('the library in the scenarios', () => {
  it('gray-failure least-request-hedging: gRPC hedging holds p99 under the SLO; with hedgingDelay beyond the route timeout it does not', () => {
    expect(statuses(grayFailure, 'least-request-hedging', 'p99-during-limp')).toEqual(['ok', 'ok', 'ok']);
    expect(statuses(grayFailure, 'least-request-hedging', 'p99-during-limp', { hedgingDelayMs: 3_600_000 })).toEqual(['fail', 'fail', 'fail']);
    const m = run(grayFailure, { seed: 1, variant: 'least-request-hedging' }).metrics;
    // a hedge goes out only for the slow tail: a few percent more tries, not twice the load
    expect(m.hedgesPerRequest).toBeGreaterThan(0.01);
    expect(m.hedgesPerRequest).toBeLessThan(0.15);
  });

  it('zone-outage target-tracking: EC2 target tracking settles the service on two zones; with no headroom to scale to it does not', () => {
    expect(statuses(zoneOutage, 'target-tracking', 'settled-on-two-zones')).toEqual(['ok', 'ok', 'ok']);
    // targetValue 100: desired = ceil(in service × CPU / 100) never exceeds what runs
    expect(statuses(zoneOutage, 'target-tracking', 'settled-on-two-zones', { targetValue: 100 })).toEqual(['fail', 'fail', 'fail']);
    const m = run(zoneOutage, { seed: 1, variant: 'target-tracking' }).metrics;
    expect(m.scaleUps).toBeGreaterThan(0);
  });

  it('cache-fallback cache-tier-ring-hash: RING_HASH keeps the tier’s hit ratio through the loss of a cache server; ROUND_ROBIN does not', () => {
    expect(statuses(cacheFallback, 'cache-tier-ring-hash', 'cache-tier-hit-ratio')).toEqual(['ok', 'ok', 'ok']);
    expect(statuses(cacheFallback, 'cache-tier-ring-hash', 'cache-tier-hit-ratio', { cacheLbPolicy: 'ROUND_ROBIN' })).toEqual(['fail', 'fail', 'fail']);
    // the node loss is in the plan and the load balancers noticed it
    const r = run(cacheFallback, { seed: 1, variant: 'cache-tier-ring-hash' });
    expect(r.faults.some((f) => f.kind === 'crash' && f.target === 'cache-2')).toBe(true);
  });

  it('bad-config-push flag-rollout: a feature-flag plan entry at 5 % degrades the service by 5 %; flipped for everyone it is an outage', () => {
    expect(statuses(badConfigPush, 'flag-rollout', 'no-global-outage')).toEqual(['ok', 'ok', 'ok']);
    expect(statuses(badConfigPush, 'flag-rollout', 'no-global-outage', { flagRolloutPercent: 100 })).toEqual(['fail', 'fail', 'fail']);
    const m = run(badConfigPush, { seed: 1, variant: 'flag-rollout' }).metrics;
    // sticky buckets: about the rollout's share of requests takes the new path while it is on
    expect(m.newPathRequestShare).toBeGreaterThan(0.03);
    expect(m.newPathRequestShare).toBeLessThan(0.07);
    // the kill switch (the plan's second entry) ends it: without it the flagged path fails to the end
    const plan = run(badConfigPush, { seed: 1, variant: 'flag-rollout' }).faults;
    expect(plan.map((f) => f.kind)).toEqual(['feature-flag', 'feature-flag']);
    const noKill = run(badConfigPush, { seed: 1, variant: 'flag-rollout', faults: [{ at: '5s', kind: 'feature-flag', flag: 'v2-config', rolloutPercent: 5 }] });
    expect(noKill.metrics.availability).toBeLessThan((m.availability as number) - 0.01);
  });

  it('retry-storm codel-adaptive-lifo: CoDel shedding at the backend ends the storm; with target and interval beyond reach it does not', () => {
    expect(statuses(retryStorm, 'codel-adaptive-lifo', 'recovers-after-trigger')).toEqual(['ok', 'ok', 'ok']);
    expect(statuses(retryStorm, 'codel-adaptive-lifo', 'recovers-after-trigger', { codelTargetMs: 3_600_000, codelIntervalMs: 3_600_000 })).toEqual(['fail', 'fail', 'fail']);
  });

  it('retry-storm codel-adaptive-throttling: SRE adaptive throttling bounds the backend’s load under costly rejections; with K out of reach it does not', () => {
    expect(statuses(retryStorm, 'codel-adaptive-throttling', 'backend-load-bounded')).toEqual(['ok', 'ok', 'ok']);
    expect(statuses(retryStorm, 'codel-adaptive-throttling', 'backend-load-bounded', { K: 1_000_000 })).toEqual(['fail', 'fail', 'fail']);
    const m = run(retryStorm, { seed: 1, variant: 'codel-adaptive-throttling' }).metrics;
    expect(m.throttledPerRequest).toBeGreaterThan(0.5);
  });

  it('slow-dependency timeouts-and-adaptive-limit: a Gradient2 limit keeps /catalog unaffected; with a limit of 1000 it does not', () => {
    expect(statuses(slowDependency, 'timeouts-and-adaptive-limit', 'catalog-unaffected')).toEqual(['ok', 'ok', 'ok']);
    expect(statuses(slowDependency, 'timeouts-and-adaptive-limit', 'catalog-unaffected', { maxConcurrency: 1000 })).toEqual(['fail', 'fail', 'fail']);
    // the limit fell from 10 when the database slowed down: it found the bulkhead's size itself
    const m = run(slowDependency, { seed: 1, variant: 'timeouts-and-adaptive-limit' }).metrics;
    expect(m.limitAtEnd).toBeLessThan(10);
    expect(m.limitRejections).toBeGreaterThan(0);
  });

  // A nemesis is turned off by writing no faults: what its test shows is that the weak design's
  // failure is the nemesis's finding, and that the sound design survives what it finds.
  const WEAK = { num_retries: 0, max_ejection_percent: 0 };

  it('chaos-monkey n-plus-two-random-partitions: retries and ejection ride out random partitions; health checks alone fail under them, and hold without them', () => {
    expect(statuses(chaosMonkey, 'n-plus-two-random-partitions', 'availability-every-5s')).toEqual(['ok', 'ok', 'ok']);
    expect(statuses(chaosMonkey, 'n-plus-two-random-partitions', 'availability-every-5s', WEAK)).toEqual(['fail', 'fail', 'fail']);
    expect(statuses(chaosMonkey, 'n-plus-two-random-partitions', 'availability-every-5s', { ...WEAK, partitionMeanIntervalMs: 0 })).toEqual(['ok', 'ok', 'ok']);
    // the nemesis wrote explicit groups: one instance cut off, the load balancer with the rest
    const plan = run(chaosMonkey, { seed: 1, variant: 'n-plus-two-random-partitions' }).faults;
    expect(plan.length).toBeGreaterThan(1);
    for (const e of plan) {
      const groups = (e as unknown as { groups: string[][] }).groups;
      expect(e.kind).toBe('partition');
      expect(groups[0]).toHaveLength(1);
      expect(groups[1]).toContain('lb');
    }
  });

  it('chaos-monkey n-plus-two-swarm: each seed draws its own mix of kinds; two spares survive every mix, health checks alone fail most, and hold without the swarm', () => {
    const mixes = new Set([1, 2, 3, 4, 5, 6].map((seed) => [...new Set(run(chaosMonkey, { seed, variant: 'n-plus-two-swarm' }).faults.map((f) => f.kind))].sort().join('+')));
    expect(mixes.size).toBeGreaterThanOrEqual(3);
    expect(statuses(chaosMonkey, 'n-plus-two-swarm', 'availability-every-5s')).toEqual(['ok', 'ok', 'ok']);
    expect(statuses(chaosMonkey, 'n-plus-two-swarm', 'availability-every-5s', WEAK)).toEqual(['fail', 'fail', 'fail']);
    expect(statuses(chaosMonkey, 'n-plus-two-swarm', 'availability-every-5s', { ...WEAK, swarm: false })).toEqual(['ok', 'ok', 'ok']);
  });
});
