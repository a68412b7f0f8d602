import { describe, expect, it } from 'vitest';
import '../../sim/faults/kinds.ts';
import { chaosMonkey, randomPartitions, swarm } from '../../sim/faults/nemesis.ts';
import { parseFaultPlan } from '../../sim/faults/plan.ts';
import { RandomStreams } from '../../sim/kernel/random.ts';
import { makeWorld } from '../world/helpers.ts';

const rnd = (seed: number) => new RandomStreams(seed).get('faults');

describe('nemeses', () => {
  it('chaosMonkey kills about one member per mean time between kills, deterministically by seed', () => {
    const o = { group: ['w1', 'w2', 'w3'], meanTimeBetweenKills: '10m', end: '1000m', downFor: '30s' } as const;
    const plan = chaosMonkey(rnd(7), o);
    expect(chaosMonkey(rnd(7), o)).toEqual(plan);
    expect(chaosMonkey(rnd(8), o)).not.toEqual(plan);
    // 200 periods of 5 min with p = 1/2: 100 kills expected, sd ≈ 7
    expect(plan.length).toBeGreaterThan(70);
    expect(plan.length).toBeLessThan(130);
    expect(new Set(plan.map((e) => e.target))).toEqual(new Set(['w1', 'w2', 'w3']));
    expect(plan.every((e) => e.kind === 'crash' && e.for === '30s')).toBe(true);
    expect(parseFaultPlan(plan)).toHaveLength(plan.length);
  });

  it('chaosMonkey honours minTimeBetweenKills', () => {
    const plan = parseFaultPlan(chaosMonkey(rnd(1), { group: ['a'], meanTimeBetweenKills: '1m', period: '1m', minTimeBetweenKills: '5m', end: '600m' }));
    for (let i = 1; i < plan.length; i++) expect(plan[i]!.at - plan[i - 1]!.at).toBeGreaterThanOrEqual(300_000_000);
  });

  it('randomPartitions writes explicit groups, one partition at a time', () => {
    const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
    const plan = parseFaultPlan(randomPartitions(rnd(3), { nodes, meanInterval: '30s', duration: '10s', end: '30m' }));
    expect(plan.length).toBeGreaterThan(10);
    for (const e of plan) {
      const groups = e.groups as string[][];
      expect(groups.length).toBe(2);
      for (const g of groups) for (const n of g) expect(nodes).toContain(n);
    }
    for (let i = 1; i < plan.length; i++) expect(plan[i]!.at).toBeGreaterThanOrEqual(plan[i - 1]!.at + plan[i - 1]!.for!);
  });

  it('swarm enables a random subset of kinds per seed, and its plans run on the world they name', () => {
    const o = { nodes: ['a', 'b', 'c'], disks: ['a'], zones: ['z1'], racks: ['r1'], end: '5m' };
    const kindSets = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const plan = swarm(rnd(seed), o);
      const kinds = [...new Set(plan.map((e) => e.kind as string))].sort();
      expect(kinds.length).toBeGreaterThan(0);
      kindSets.add(kinds.join(','));
      const { sim } = makeWorld(
        { nodes: ['a', 'b', 'c'], zones: { z1: ['a'] }, racks: { r1: ['b'] }, disks: [{ node: 'a' }] },
        plan,
      );
      sim.run(400_000_000);
    }
    expect(kindSets.size).toBeGreaterThan(15);
  });

  it('a nemesis plan replays: the same plan gives the same trace hash', () => {
    const plan = swarm(rnd(11), { nodes: ['a', 'b', 'c'], end: '1m' });
    const hashes = [0, 1].map(() => {
      const { sim, world, trace } = makeWorld({ nodes: ['a', 'b', 'c'] }, plan, { level: 'off' });
      for (const n of world.nodeNames) world.net.listen(n, () => {});
      for (let i = 0; i < 500; i++) sim.schedule(i * 100_000, () => world.net.send('a', i % 2 ? 'b' : 'c', i), null);
      sim.run(120_000_000);
      return trace.hash;
    });
    expect(hashes[0]).toBe(hashes[1]);
  });
});
