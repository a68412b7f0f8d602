import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseFaultPlan, type FaultEntry } from '../../sim/faults/plan.ts';
import { faultPlan, scenarioParams, targetPoolOf } from '../../sim/check/index.ts';
import { TOY_LINKS, TOY_NODES, toyScenario } from './toy.ts';

const space = {
  kinds: ['toy-crash', 'toy-partition', 'toy-delay', 'toy-heal'],
  targets: { nodes: TOY_NODES, links: TOY_LINKS },
  horizon: '8s',
  maxFaults: 4,
};

describe('faultPlan arbitrary', () => {
  it('faultPlan({ kinds, targets, horizon, maxFaults }) generates plans parseFaultPlan accepts, within the horizon and pools', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(faultPlan(space), (plan) => {
        expect(plan.length).toBeLessThanOrEqual(4);
        const parsed = parseFaultPlan(plan);
        expect(parsed).toHaveLength(plan.length);
        for (const e of plan) {
          seen.add(e.kind);
          expect(e.at).toBeGreaterThanOrEqual(0);
          expect(e.at + (e.for ?? 0)).toBeLessThanOrEqual(8_000_000);
          expect(e.at % 1000).toBe(0);
          if (e.kind === 'toy-crash') expect(TOY_NODES).toContain(e.target);
          if (e.kind === 'toy-delay') expect(TOY_LINKS).toContain(e.target);
          if (e.kind === 'toy-partition') {
            const groups = e.groups as string[][];
            expect(groups.length).toBeGreaterThanOrEqual(2);
            expect(groups.every((g) => g.length > 0)).toBe(true);
            expect(groups.flat().every((n) => TOY_NODES.includes(n))).toBe(true);
          }
          if (e.kind === 'toy-heal') expect(e.for).toBeUndefined();
        }
        // sorted by start, as the validator would order them
        expect(plan.map((e) => e.at)).toEqual([...plan.map((e) => e.at)].sort((a, b) => a - b));
      }),
      { seed: 7, numRuns: 300 },
    );
    expect([...seen].sort()).toEqual(['toy-crash', 'toy-delay', 'toy-heal', 'toy-partition']);
  });

  it('shrinks toward fewer faults', () => {
    const r = fc.check(fc.property(faultPlan(space), (plan) => plan.length < 3), { seed: 3, numRuns: 200 });
    expect(r.failed).toBe(true);
    expect(r.counterexample![0]).toHaveLength(3);
  });

  it('shrinks toward shorter and later faults', () => {
    // "no crash of n2 lasting 1s or more": the smallest counterexample is one crash of exactly 1s ending at the horizon
    const r = fc.check(
      fc.property(faultPlan({ ...space, kinds: ['toy-crash'] }), (plan) => !plan.some((e) => e.target === 'n2' && e.for! >= 1_000_000)),
      { seed: 11, numRuns: 300 },
    );
    expect(r.failed).toBe(true);
    const plan = r.counterexample![0] as FaultEntry[];
    expect(plan).toEqual([{ at: 7_000_000, kind: 'toy-crash', target: 'n2', for: 1_000_000 }]);
  });

  it('shrinks a partition toward isolating one node and optional fields toward absent', () => {
    const r = fc.check(
      fc.property(faultPlan({ ...space, kinds: ['toy-partition', 'toy-delay'] }), (plan) => plan.length === 0),
      { seed: 5, numRuns: 100 },
    );
    const [e] = r.counterexample![0] as FaultEntry[];
    expect(e!.at + e!.for!).toBe(8_000_000);
    expect(e!.for).toBe(1000);
    if (e!.kind === 'toy-partition') expect(e!.groups).toEqual([['n1', 'n2'], ['n3']]);
    else expect(Object.keys(e!).sort()).toEqual(['at', 'for', 'kind', 'target']);
  });

  it('rejects what it cannot generate, naming what is missing', () => {
    expect(() => faultPlan({ ...space, kinds: ['no-such-kind'] })).toThrow(/unknown fault kind "no-such-kind"/);
    expect(() => faultPlan({ ...space, targets: { nodes: TOY_NODES } })).toThrow(/toy-delay needs target from links/);
    expect(() => faultPlan({ ...space, maxFaults: -1 })).toThrow(/maxFaults=-1/);
    expect(() => faultPlan({ ...space, kinds: [] })).toThrow(/no fault kinds/);
    expect(() => faultPlan({ ...space, durationMin: '9s' })).toThrow(/durationMin/);
  });

  it('honours byKind target overrides', () => {
    fc.assert(
      fc.property(faultPlan({ ...space, kinds: ['toy-crash'], targets: { nodes: TOY_NODES, byKind: { 'toy-crash': { target: ['n3'] } } } }), (plan) =>
        plan.every((e) => e.target === 'n3'),
      ),
      { seed: 1, numRuns: 50 },
    );
  });

  it('targetPoolOf maps fields to pools by declaration, field name and kind', () => {
    expect(targetPoolOf('link-loss', 'target', { type: 'string', description: '' })).toBe('links');
    expect(targetPoolOf('disk-slow', 'target', { type: 'string', description: '' })).toBe('disks');
    expect(targetPoolOf('crash', 'target', { type: 'string', description: '' })).toBe('nodes');
    expect(targetPoolOf('zone-outage', 'target', { type: 'string', description: '' })).toBe('zones');
    expect(targetPoolOf('partition', 'groups', { type: 'groups', description: '' })).toBe('nodes');
    expect(targetPoolOf('x', 'disk', { type: 'string', description: '' })).toBe('disks');
    expect(targetPoolOf('x', 'reason', { type: 'string', description: '' })).toBeUndefined();
    expect(targetPoolOf('x', 'target', { type: 'string', description: '', targets: 'rack' } as never)).toBe('racks');
  });
});

describe('scenarioParams arbitrary', () => {
  it('stays within declared ranges and shrinks toward the variant value', () => {
    fc.assert(
      fc.property(scenarioParams(toyScenario, { names: ['writeEveryMs', 'explode'] }), (p) => {
        expect(p.writeEveryMs).toBeGreaterThanOrEqual(10);
        expect(p.writeEveryMs).toBeLessThanOrEqual(1000);
        expect(typeof p.explode).toBe('boolean');
      }),
      { seed: 2, numRuns: 100 },
    );
    const r = fc.check(fc.property(scenarioParams(toyScenario, { names: ['writeEveryMs'] }), () => false), { seed: 2 });
    expect(r.counterexample![0]).toEqual({ writeEveryMs: 100 });
    expect(() => scenarioParams(toyScenario, { names: ['nope'] })).toThrow(/no param "nope"/);
  });
});
