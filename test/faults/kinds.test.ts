import { describe, expect, it } from 'vitest';
import { CANONICAL_FAULT_KINDS, FAULT_KINDS } from '../../sim/faults/kinds.ts';
import { faultKinds, faultPlanJsonSchema, parseFaultPlan, serializeFaultPlan } from '../../sim/faults/plan.ts';
import { worldFaultKinds } from '../../sim/world/index.ts';
import { makeWorld } from '../world/helpers.ts';

const spec = {
  nodes: ['a', 'b', 'c', 'db1'],
  zones: { 'us-east-1a': ['a', 'b'], 'us-east-1b': ['c', 'db1'] },
  racks: { r1: ['a', 'b'], r2: ['c', 'db1'] },
  regions: { 'us-east-1': ['us-east-1a', 'us-east-1b'] },
  disks: [{ node: 'db1' }],
};

describe('fault kinds', () => {
  it('registers all 24 canonical kinds, each applicable by the world', () => {
    for (const k of CANONICAL_FAULT_KINDS) expect(faultKinds()).toContain(k);
    expect(CANONICAL_FAULT_KINDS).toHaveLength(24);
    expect([...worldFaultKinds()].sort()).toEqual(FAULT_KINDS.map((k) => k.kind).sort());
  });

  it.each(FAULT_KINDS.map((k) => [k.kind, k.example] as const))('%s: its example validates, applies and runs', (kind, example) => {
    const plan = parseFaultPlan([example]);
    expect(plan[0]!.kind).toBe(kind);
    const { sim, trace } = makeWorld(spec, [example]);
    sim.run(3_600_000_000);
    expect(trace.records.some((r) => r.kind === 'fault-start' && r.fault === kind)).toBe(true);
  });

  it('a bad entry names its index, the field, the value and what is valid', () => {
    expect(() => parseFaultPlan([{ at: '1s', kind: 'heal' }, { at: '1s', kind: 'link-loss', percent: 150 }])).toThrow(
      'fault plan entry 1: percent=150 is not valid; use a number from 0 to 100',
    );
    expect(() => parseFaultPlan([{ at: '1s', kind: 'partiton' }])).toThrow(/entry 0: kind="partiton" is not valid; did you mean "partition"\? valid kinds: crash, restart/);
    expect(() => parseFaultPlan([{ at: '1s', kind: 'pause', target: 'a' }])).toThrow(/entry 0: for=undefined is not valid; kind pause needs "for"/);
    expect(() => parseFaultPlan([{ at: '1s', kind: 'link-latency', from: 'a' }])).toThrow(/give latency \(with optional jitter\) or distribution/);
  });

  it('the JSON Schema lists every kind, and plans round-trip through serialization', () => {
    const schema = JSON.stringify(faultPlanJsonSchema());
    for (const k of FAULT_KINDS) expect(schema).toContain(`"const":"${k.kind}"`);
    const plan = parseFaultPlan(FAULT_KINDS.map((k) => k.example));
    expect(parseFaultPlan(serializeFaultPlan(plan))).toEqual(plan);
  });
});
