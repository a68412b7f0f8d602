// Feature flags "changed by the fault plan or at a time" (issue 4, item 8): a plan entry of kind
// feature-flag reaches the flags through the world, and is traced like any fault.
import { describe, expect, it } from 'vitest';
import { defineScenario, runDetailed, run, InputError } from '../../sim/index.ts';
import { createWorld } from '../../sim/world/index.ts';
import { featureFlags } from '../../sim/patterns/index.ts';

function scenario(withFlags: boolean) {
  return defineScenario({
    name: 'flag-plan',
    title: 'a kill switch pulled by the fault plan',
    description: '',
    params: {},
    faults: [{ at: '2s', kind: 'feature-flag', flag: 'new-checkout', killed: true }],
    build(ctx) {
      const world = createWorld(ctx, { nodes: ['web'] });
      const seen: boolean[] = [];
      if (withFlags) {
        const flags = featureFlags({ sim: ctx.sim, trace: ctx.trace, node: 'web', flags: { 'new-checkout': { rolloutPercent: 100 } }, world });
        for (let t = 0; t < 4; t++) ctx.sim.schedule(t * 1_000_000 + 500_000, () => seen.push(flags.isEnabled('new-checkout', 'user-1')), null);
      }
      return { metrics: () => ({ seen: seen.map((b) => (b ? 1 : 0)).join('') }) };
    },
  });
}

describe('feature-flag fault kind', () => {
  it('a plan entry pulls the kill switch at its time, and the change is traced', () => {
    const a = runDetailed(scenario(true), { seed: 1, traceLevel: 'summary' });
    expect(a.result.metrics.seen).toBe('1100');
    const kinds = a.records.map((r) => r.kind);
    expect(kinds).toContain('flag-change');
    expect(a.records.find((r) => r.kind === 'fault-start')).toMatchObject({ fault: 'feature-flag', time: 2_000_000 });
    expect(a.result.faults).toEqual([{ at: '2s', kind: 'feature-flag', flag: 'new-checkout', killed: true }]);
  });

  it('a feature-flag entry in a scenario without flags is an input error, not silently ignored', () => {
    expect(() => run(scenario(false), { seed: 1 })).toThrow(InputError);
    expect(() => run(scenario(false), { seed: 1 })).toThrow(/fault plan entry 0 \(feature-flag\): kind="feature-flag" is not valid; nothing in this scenario applies it/);
  });

  it('the plan validates the entry like any other kind', () => {
    expect(() => run(scenario(true), { seed: 1, faults: [{ at: '1s', kind: 'feature-flag', killed: true }] })).toThrow(/needs flag/);
  });
});
