import { describe, expect, it } from 'vitest';
import { costOfRun, EXAMPLE_PRICES } from '../../sim/world/cost.ts';
import { makeWorld, recordsOf } from './helpers.ts';

const spec = {
  nodes: ['e1', 'e2', 'w1', 'x1'],
  zones: { 'us-east-1a': ['e1'], 'us-east-1b': ['e2'], 'us-west-2a': ['w1'], 'eu-west-1a': ['x1'] },
  regions: { 'us-east-1': ['us-east-1a', 'us-east-1b'], 'us-west-2': ['us-west-2a'], 'eu-west-1': ['eu-west-1a'] },
  network: { latency: '500us' },
};

/** One-way latencies (ms) of `n` messages from a to b, sent 1 s apart so FIFO never holds one back. */
function latencies(s: object, from: string, to: string, n = 400): number[] {
  const { sim, world, trace } = makeWorld(s as never);
  world.net.listen(to, () => {});
  for (let i = 0; i < n; i++) sim.schedule(i * 1_000_000, () => world.net.send(from, to, i), null);
  sim.run();
  return recordsOf(trace, 'message-deliver').map((r) => (r.time - r.sentUs) / 1000);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('regions in createWorld', () => {
  it('knows each node’s region through its zone', () => {
    const { world } = makeWorld(spec);
    expect(world.regionOf('e2')).toBe('us-east-1');
    expect([...world.regions]).toEqual([
      ['us-east-1', ['e1', 'e2']],
      ['us-west-2', ['w1']],
      ['eu-west-1', ['x1']],
    ]);
    expect(world.select('region:us-east-1').map((n) => n.name)).toEqual(['e1', 'e2']);
  });

  it('gives links between regions the cross-region latency distribution, within a region the network’s', () => {
    // default: lognormal, median 35 ms, sigma 0.1 -> the sample median within a few percent of 35 ms
    const cross = latencies(spec, 'e1', 'w1');
    expect(median(cross)).toBeGreaterThan(33);
    expect(median(cross)).toBeLessThan(37);
    // lognormal sigma 0.1: ln(x/35) has sd 0.1, so 99 % of draws within exp(±0.258)
    const logs = cross.map((x) => Math.log(x / 35));
    const sd = Math.sqrt(logs.reduce((s, v) => s + v * v, 0) / logs.length);
    expect(sd).toBeGreaterThan(0.08);
    expect(sd).toBeLessThan(0.12);
    expect(latencies(spec, 'e1', 'e2', 20).every((x) => x === 0.5)).toBe(true);
    // a declared distribution, and a link rule by region that wins over it
    const custom = { ...spec, crossRegionLatency: '80ms', links: [{ from: 'region:us-east-1', to: 'region:eu-west-1', latency: '40ms' }] };
    expect(latencies(custom, 'e2', 'w1', 5)).toEqual([80, 80, 80, 80, 80]);
    expect(latencies(custom, 'x1', 'e1', 5)).toEqual([40, 40, 40, 40, 40]);
  });

  it('region-outage (power) crashes every node of the region and restarts them after for', () => {
    const { sim, world, trace } = makeWorld(spec, [{ at: '1s', kind: 'region-outage', region: 'us-east-1', for: '10s' }]);
    sim.run(2_000_000);
    expect(world.nodes.map((n) => n.state)).toEqual(['crashed', 'crashed', 'up', 'up']);
    expect(recordsOf(trace, 'fault-start')[0]).toMatchObject({ fault: 'region-outage', target: 'us-east-1' });
    sim.run(30_000_000);
    expect(world.nodes.map((n) => n.state)).toEqual(['up', 'up', 'up', 'up']);
  });

  it('region-outage (network) cuts the region off from the others, not within itself', () => {
    const { sim, world } = makeWorld(spec, [{ at: '0s', kind: 'region-outage', region: 'us-east-1', mode: 'network', for: '5s' }]);
    sim.run(1);
    expect(world.net.isCut('e1', 'w1')).toBe(true);
    expect(world.net.isCut('x1', 'e2')).toBe(true);
    expect(world.net.isCut('e1', 'e2')).toBe(false);
    expect(world.net.isCut('w1', 'x1')).toBe(false);
    sim.run();
    expect(world.net.isCut('e1', 'w1')).toBe(false);
  });

  it('region:<name> works as a fault target', () => {
    const { sim, world } = makeWorld(spec, [{ at: '0s', kind: 'crash', target: 'region:us-west-2' }]);
    sim.run(1);
    expect(world.nodes.map((n) => n.state)).toEqual(['up', 'up', 'crashed', 'up']);
  });

  it('names what is wrong: unknown region, a node outside every region, a zone in two regions', () => {
    expect(() => makeWorld(spec, [{ at: '0s', kind: 'region-outage', region: 'mars-1' }])).toThrow(
      'fault plan entry 0 (region-outage): region="mars-1" is not valid; known regions: us-east-1, us-west-2, eu-west-1',
    );
    expect(() => makeWorld({ nodes: ['a'] }, [{ at: '0s', kind: 'region-outage', region: 'us-east-1' }])).toThrow(/the world declares no regions/);
    expect(() => makeWorld(spec, [{ at: '0s', kind: 'crash', target: 'region:mars-1' }])).toThrow(/target="region:mars-1" is not valid; .*valid regions: us-east-1, us-west-2, eu-west-1/);
    expect(() => makeWorld({ ...spec, nodes: [...spec.nodes, 'stray'] })).toThrow(/node "stray" is in zone "default", which no region lists/);
    expect(() => makeWorld({ ...spec, regions: { a: ['us-east-1a'], b: ['us-east-1a'] } })).toThrow(/zone "us-east-1a" is in regions a and b/);
    expect(() => makeWorld({ ...spec, links: [{ from: 'region:nowhere', to: '*', latency: '1ms' }] })).toThrow(/links\[0\]\.from: "region:nowhere" names no region/);
    expect(() => makeWorld({ ...spec, regoins: {} } as never)).toThrow(/did you mean "regions"/);
  });

  it('prices traffic between declared regions as inter-region transfer, whatever the zones are called', () => {
    const s = { nodes: ['a', 'b', 'c'], zones: { east: ['a'], 'east-2': ['b'], west: ['c'] }, regions: { here: ['east', 'east-2'], there: ['west'] } };
    const { sim, world } = makeWorld(s);
    for (const n of ['b', 'c']) world.net.listen(n, () => {});
    world.net.send('a', 'b', 'x', 1e9);
    world.net.send('a', 'c', 'x', 1e9);
    sim.run();
    const cost = costOfRun({ nodes: world.billedTime(), traffic: world.net.traffic(), services: [], runUs: 3.6e9, prices: EXAMPLE_PRICES });
    expect(cost.cost.transferGB).toEqual({ sameZone: 0, crossZone: 1, crossRegion: 1 });
  });

  it('a world without regions has none, and adds no link rules', () => {
    const { world } = makeWorld({ nodes: ['a', 'b'], zones: { z: ['a', 'b'] } });
    expect(world.regions.size).toBe(0);
    expect(world.regionOf('a')).toBeUndefined();
  });
});
