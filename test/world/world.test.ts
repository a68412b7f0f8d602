import { describe, expect, it } from 'vitest';
import { InputError } from '../../sim/kernel/errors.ts';
import { makeWorld, recordsOf } from './helpers.ts';

const spec = {
  nodes: ['a1', 'a2', 'b1', 'b2'],
  zones: { 'zone-a': ['a1', 'a2'], 'zone-b': ['b1', 'b2'] },
  racks: { r1: ['a1', 'a2'], r2: ['b1'], r3: ['b2'] },
  nodeDefaults: { disk: { tornWritePercent: 0 } },
};

describe('createWorld', () => {
  it('rejects a fault on an unknown node naming the entry index, field, value and valid nodes', () => {
    expect(() => makeWorld(spec, [{ at: '1s', kind: 'heal' }, { at: '0s', kind: 'crash', target: 'c9' }])).toThrow(InputError);
    expect(() => makeWorld(spec, [{ at: '1s', kind: 'heal' }, { at: '0s', kind: 'crash', target: 'c9' }])).toThrow(
      'fault plan entry 1 (crash): target="c9" is not valid; known nodes: a1, a2, b1, b2',
    );
  });

  it('rejects unknown disks, zones and racks and partition group members, listing what is valid', () => {
    expect(() => makeWorld(spec, [{ at: '0s', kind: 'disk-full', target: 'zz' }])).toThrow(/entry 0 \(disk-full\): target="zz" is not valid; known disks: a1, a2, b1, b2/);
    expect(() => makeWorld(spec, [{ at: '0s', kind: 'zone-outage', zone: 'mars' }])).toThrow(/zone="mars" is not valid; known zones: zone-a, zone-b/);
    expect(() => makeWorld(spec, [{ at: '0s', kind: 'rack-power-loss', rack: 'r9' }])).toThrow(/rack="r9" is not valid; known racks: r1, r2, r3/);
    expect(() => makeWorld(spec, [{ at: '0s', kind: 'partition', groups: [['a1'], ['q']] }])).toThrow(/groups\[1\]\[0\]="q" is not valid; known nodes/);
  });

  it('traces each fault’s start and end with its index in the plan as written', () => {
    const { sim, trace } = makeWorld(spec, [
      { at: '2s', kind: 'limp', target: 'a1', factor: 2, for: '1s' },
      { at: '1s', kind: 'clock-jump', target: 'b1', byMs: 10 },
    ]);
    sim.run();
    const marks = trace.records.filter((r) => r.kind === 'fault-start' || r.kind === 'fault-end').map((r) => [r.time / 1e6, r.kind, (r as { index: number }).index]);
    expect(marks).toEqual([
      [1, 'fault-start', 1],
      [1, 'fault-end', 1],
      [2, 'fault-start', 0],
      [3, 'fault-end', 0],
    ]);
  });

  it('rack-power-loss crashes the rack’s machines together and loses their unsynced writes', () => {
    const { sim, world } = makeWorld(spec, [{ at: '1s', kind: 'rack-power-loss', rack: 'r1', for: '10s' }]);
    for (const n of ['a1', 'a2', 'b1']) world.disk(n).write(0, 'unsynced', () => {}, null);
    sim.run(2_000_000);
    expect(world.nodes.map((n) => n.state)).toEqual(['crashed', 'crashed', 'up', 'up']);
    expect(world.disk('a1').peek(0)).toMatchObject({ data: undefined });
    expect(world.disk('b1').peek(0)).toMatchObject({ data: 'unsynced' });
    sim.run(20_000_000);
    expect(world.nodes.map((n) => n.state)).toEqual(['up', 'up', 'up', 'up']);
  });

  it('zone-outage in network mode cuts the zone off without crashing it', () => {
    const { sim, world } = makeWorld(spec, [{ at: '0s', kind: 'zone-outage', zone: 'zone-b', mode: 'network', for: '1s' }]);
    sim.run(1);
    expect(world.net.isCut('a1', 'b1')).toBe(true);
    expect(world.net.isCut('a1', 'a2')).toBe(false);
    expect(world.node('b1').state).toBe('up');
    sim.run();
    expect(world.net.isCut('a1', 'b1')).toBe(false);
    expect(world.faultsActive).toBe(0);
  });

  it('a heal ends open partitions (those without for), which then count as ended', () => {
    const { sim, world, trace } = makeWorld(spec, [
      { at: '0s', kind: 'partition', mode: 'majority-minority' },
      { at: '5s', kind: 'heal' },
    ]);
    sim.run(1);
    expect(world.faultsActive).toBe(1);
    sim.run();
    expect(world.faultsActive).toBe(0);
    expect(recordsOf(trace, 'partition').map((r) => r.action)).toEqual(['cut', 'heal']);
    const groups = recordsOf(trace, 'partition')[0]!.groups;
    expect(groups.map((g) => g.length).sort()).toEqual([1, 3]);
  });

  it('rejects node names listed twice and zones naming unknown nodes', () => {
    expect(() => makeWorld({ nodes: ['a', 'a'] })).toThrow(/listed twice/);
    expect(() => makeWorld({ nodes: ['a'], zones: { z: ['b'] } })).toThrow(/zones name node "b", which is not in nodes; nodes: a/);
  });
});
