import { describe, expect, it } from 'vitest';
import { run } from '../../sim/index.ts';
import { itMeetsVariantExpectations } from '../support/expectations.ts';
import scenario from '../../scenarios/gc-pause-detector.ts';

type Eviction = { node: string; atMs: number; alive: boolean; gapMs: number };

describe('gc-pause-detector', () => {
  itMeetsVariantExpectations(scenario);

  it('a 2 s timeout evicts only members that were paused, each after more than 2 s of silence', () => {
    const r = run(scenario, { seed: 5, variant: 'fixed-timeout-2s' });
    const paused = new Set(r.faults.filter((f) => f.kind === 'pause').map((f) => f.target));
    const wrong = (r.metrics.evictions as Eviction[]).filter((e) => e.alive);
    expect(wrong.length).toBeGreaterThan(0);
    for (const e of wrong) {
      expect(paused.has(e.node)).toBe(true);
      expect(e.gapMs).toBeGreaterThanOrEqual(2000);
    }
  });

  it('phi accrual detects the real crash faster than the timeout long enough to ride out the pauses', () => {
    for (const seed of [1, 2, 3]) {
      const phi = run(scenario, { seed, variant: 'phi-accrual' }).metrics.crashDetectionMs as number;
      const slow = run(scenario, { seed, variant: 'fixed-timeout-10s' }).metrics.crashDetectionMs as number;
      expect(phi).toBeLessThan(slow - 4000);
    }
  });

  it('phi accrual without an acceptable heartbeat pause suspects GC-paused members too', () => {
    const r = run(scenario, { seed: 5, variant: 'phi-accrual', params: { acceptableHeartbeatPauseMs: 0 } });
    expect(r.metrics.falseSuspicions).toBeGreaterThan(0);
  });

  it('phi accrual suspects pauses longer than its acceptable pause: measure your GC pauses', () => {
    const r = run(scenario, { seed: 5, variant: 'phi-accrual', params: { pauseMsMin: 5000, pauseMsMax: 7000 } });
    expect(r.metrics.falseSuspicions).toBeGreaterThan(0);
  });
});
