import { describe, expect, it } from 'vitest';
import { run } from '../../sim/index.ts';
import scenario from '../../scenarios/backoff-jitter.ts';
import { itMeetsVariantExpectations } from '../support/expectations.ts';

const SEEDS = [1, 2, 3, 4, 5];

/** Mean of a metric over SEEDS for a variant. */
function mean(variant: string, metric: 'writeCalls' | 'completionMs'): number {
  let sum = 0;
  for (const seed of SEEDS) sum += run(scenario, { seed, variant }).metrics[metric] as number;
  return sum / SEEDS.length;
}

describe('backoff-jitter', () => {
  itMeetsVariantExpectations(scenario);

  it('reproduces the AWS post: full jitter does the least work, no backoff the most; exponential without jitter takes longest', () => {
    const calls = Object.fromEntries(scenario.variantNames.map((v) => [v, mean(v, 'writeCalls')]));
    const time = Object.fromEntries(scenario.variantNames.map((v) => [v, mean(v, 'completionMs')]));
    expect(Math.min(...Object.values(calls))).toBe(calls['full-jitter']);
    expect(Math.max(...Object.values(calls))).toBe(calls['no-backoff']);
    expect(calls['no-backoff']!).toBeGreaterThan(2.5 * calls['full-jitter']!);
    expect(calls.exponential!).toBeGreaterThan(2 * calls['full-jitter']!);
    expect(Math.max(...Object.values(time))).toBe(time.exponential);
    expect(time.exponential!).toBeGreaterThan(10 * time['full-jitter']!);
    // equal jitter keeps half of the exponential sleep: it is slower than full and decorrelated jitter
    expect(time['equal-jitter']!).toBeGreaterThan(time['full-jitter']!);
    expect(time['equal-jitter']!).toBeGreaterThan(time['decorrelated-jitter']!);
    // decorrelated jitter trades a little more work for a little less time than full jitter
    expect(calls['decorrelated-jitter']!).toBeGreaterThan(calls['full-jitter']!);
    expect(time['decorrelated-jitter']!).toBeLessThan(time['full-jitter']!);
  });

  it('every client updates the row exactly once on a reliable network, whatever the backoff', () => {
    for (const variant of scenario.variantNames) {
      const m = run(scenario, { seed: 7, variant }).metrics;
      expect([m.finalVersion, m.clientsDone, m.clientsAppliedTwice]).toEqual([100, 100, 0]);
    }
  });

  it('on a lossy network a retried write whose reply was lost applies twice, and the invariant catches it', () => {
    const r = run(scenario, { seed: 1, variant: 'full-jitter', faults: [{ at: '0s', kind: 'link-loss', from: '*', to: '*', percent: 5, for: '1m' }] });
    expect(r.metrics.clientsAppliedTwice).toBeGreaterThan(0);
    expect(r.metrics.finalVersion).toBe(100 + (r.metrics.clientsAppliedTwice as number));
    expect(r.checks.find((c) => c.name === 'every-update-applied-once')!.status).toBe('fail');
  });
});
