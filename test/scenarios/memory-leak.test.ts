import { describe, expect, it } from 'vitest';
import { run, runDetailed } from '../../sim/index.ts';
import { itMeetsVariantExpectations } from '../support/expectations.ts';
import scenario from '../../scenarios/memory-leak.ts';

type M = Record<string, number>;

describe('memory-leak', () => {
  itMeetsVariantExpectations(scenario);

  it('without mitigation the OOM kills cascade: every instance dies, and some more than once (CrashLoopBackOff)', () => {
    const a = runDetailed(scenario, { seed: 2, variant: 'no-mitigation', traceLevel: 'summary' });
    const ooms = a.records.filter((r) => r.kind === 'node-state' && r.reason === 'oom');
    const victims = new Set(ooms.map((r) => (r.kind === 'node-state' ? r.node : '')));
    expect(victims.size).toBe(4);
    expect(ooms.length).toBeGreaterThan(4);
  });

  it('the survivors leak faster: the second OOM kill follows the first sooner than the first followed the start', () => {
    const a = runDetailed(scenario, { seed: 2, variant: 'no-mitigation', traceLevel: 'summary' });
    const t = a.records.filter((r) => r.kind === 'node-state' && r.reason === 'oom').map((r) => r.time);
    expect(t.length).toBeGreaterThan(2);
    // the stagger is 100 MiB per instance ≈ 4.4 s of leak at 22.5 requests/s; the load shift must beat it
    expect(t[1]! - t[0]!).toBeLessThan(4_400_000);
  });

  it('rolling restarts keep every instance well under its limit and lose no window', () => {
    const m = run(scenario, { seed: 2, variant: 'rolling-restarts' }).metrics as M;
    expect(m.oomKills).toBe(0);
    expect(m.proactiveRestarts).toBeGreaterThanOrEqual(12);
    expect(m.peakMemoryMb).toBeLessThan(0.9 * 1024);
  });

  it('more headroom only postpones the cascade', () => {
    const m = run(scenario, { seed: 2, variant: 'more-headroom', params: { durationMs: 240_000 } }).metrics as M;
    expect(m.oomKills).toBeGreaterThan(0);
  });
});
