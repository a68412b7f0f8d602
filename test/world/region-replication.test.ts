import { describe, expect, it } from 'vitest';
import { parseFaultPlan } from '../../sim/faults/plan.ts';
import '../../sim/faults/register.ts';
import { RandomStreams } from '../../sim/kernel/random.ts';
import { Simulation } from '../../sim/kernel/sim.ts';
import { Tracer } from '../../sim/observe/trace.ts';
import { globalLoadBalancer } from '../../sim/patterns/global-lb.ts';
import { nodeProbe } from '../../sim/world/dns.ts';
import { asyncReplicatedStore } from '../../sim/world/regions.ts';
import { World } from '../../sim/world/world.ts';

const spec = {
  nodes: ['app', 'east', 'west', 'web-east', 'web-west', 'checker'],
  zones: { 'us-east-1a': ['app', 'east', 'web-east'], 'us-west-2a': ['west', 'web-west'], internet: ['checker'] },
  regions: { 'us-east-1': ['us-east-1a'], 'us-west-2': ['us-west-2a'], internet: ['internet'] },
  network: { latency: '500us' },
  crossRegionLatency: '35ms',
};

function world(plan: unknown[] = []) {
  const sim = new Simulation({ seed: 1 });
  const random = new RandomStreams(1);
  const trace = new Tracer({ level: 'summary' });
  const w = new World({ sim, random, trace, faults: parseFaultPlan(plan) }, spec, { deferred: true });
  return { sim, random, trace, w };
}

describe('asynchronous cross-region replication', () => {
  it('a replica lags by the time since the last shipment plus the one-way latency between regions', () => {
    const { sim, w } = world();
    const store = asyncReplicatedStore({ world: w, name: 's', nodes: ['east', 'west'], shipInterval: '200ms' });
    w.seal();
    let i = 0;
    const write = (): void => {
      store.write('app', `k${i++}`, i, () => {});
      sim.schedule(10_000, write, null);
    };
    sim.schedule(5_000, write, null);
    const sample = (): void => {
      store.sampleLag('west');
      sim.schedule(7_000, sample, null);
    };
    sim.schedule(1_000_000, sample, null);
    sim.run(20_000_000);
    const lag = [...store.lagMsSamples];
    // the oldest unapplied write waits for the next shipment (≤ 200 ms) and the crossing (35 ms),
    // plus the 0.5 ms hop from the app; just after a shipment lands, the lag is at most the ~35 ms
    // written while it was on the way
    expect(Math.max(...lag)).toBeLessThanOrEqual(200 + 35 + 1 + 10);
    expect(Math.max(...lag)).toBeGreaterThan(200);
    const mean = lag.reduce((a, b) => a + b, 0) / lag.length;
    // between shipments the lag grows from ~35 to ~235 ms: a sawtooth with mean ≈ 135 ms
    expect(mean).toBeGreaterThan(110);
    expect(mean).toBeLessThan(160);
  });

  it('a primary that loses power takes the writes it had not shipped: the replica has all the others', () => {
    const { sim, w } = world([{ at: '10.1s', kind: 'region-outage', region: 'us-east-1' }]);
    // app is in us-east-1 too: the writes stop with the region
    const store = asyncReplicatedStore({ world: w, name: 's', nodes: ['east', 'west'], shipInterval: '1s' });
    w.seal();
    let i = 0;
    const write = (): void => {
      store.write('app', `k${i++}`, 1, () => {});
      sim.schedule(10_000, write, null);
    };
    sim.schedule(0, write, null);
    sim.run(30_000_000);
    const missing = store.missingOn('west');
    // shipments every second: the last one at 10 s; everything acknowledged after it is gone
    expect(missing.length).toBeGreaterThan(5);
    expect(missing.every((a) => a.atUs >= 10_000_000)).toBe(true);
    expect(store.acked.filter((a) => a.atUs < 10_000_000).every((a) => store.peek('west', a.key) !== undefined)).toBe(true);
    // the replica is read-only until promoted
    let error: string | null = 'not called';
    store.write('web-west', 'x', 1, (e) => (error = e), 'west');
    sim.run(31_000_000);
    expect(error).toBe('read-only');
    store.promote('west');
    store.write('web-west', 'y', 1, (e) => (error = e));
    sim.run(32_000_000);
    expect(error).toBeNull();
  });
});

describe('global load balancer (anycast, health-checked regions)', () => {
  it('moves traffic to the next region within thresholdCount checks of a failure, and back after it recovers', () => {
    const { sim, random, trace, w } = world([{ at: '100s', kind: 'region-outage', region: 'us-east-1', mode: 'network', for: '100s' }]);
    const glb = globalLoadBalancer({ sim, random, trace, name: 'g', regions: ['us-east-1', 'us-west-2'], healthCheckInterval: '10s', thresholdCount: 3, probe: nodeProbe(w, { 'us-east-1': ['web-east'], 'us-west-2': ['web-west'] }, { from: ['checker'] }) });
    w.seal();
    const route: [number, string][] = [];
    const tick = (): void => {
      route.push([sim.now, glb.route()]);
      sim.schedule(100_000, tick, null);
    };
    sim.schedule(0, tick, null);
    sim.run(300_000_000);
    const firstWest = route.find(([, r]) => r === 'us-west-2')![0];
    // third failed check of the only checker: in (T + 2I, T + 3I]
    expect(firstWest).toBeGreaterThan(120_000_000);
    expect(firstWest).toBeLessThanOrEqual(130_000_000);
    const backEast = route.find(([t, r]) => t > firstWest && r === 'us-east-1')![0];
    expect(backEast).toBeGreaterThan(220_000_000);
    expect(backEast).toBeLessThanOrEqual(230_000_000);
    // every client at once: no answer is cached
    expect(route.filter(([t, r]) => t > firstWest && t < 220_000_000 && r === 'us-east-1')).toEqual([]);
    // a client nearer us-west-2 goes there while it is healthy
    expect(glb.route(['us-west-2', 'us-east-1'])).toBe('us-west-2');
  });

  it('fails open to the nearest region when none is healthy, and rejects bad options', () => {
    const { sim, random, trace } = world();
    const glb = globalLoadBalancer({ sim, random, trace, name: 'g', regions: ['a', 'b'], healthCheckInterval: '10s', thresholdCount: 1, probe: (_r, done) => done(false) });
    sim.run(11_000_000);
    expect(glb.isHealthy('a')).toBe(false);
    expect(glb.isHealthy('b')).toBe(false);
    expect(glb.route()).toBe('a');
    expect(() => globalLoadBalancer({ sim, random, trace, name: 'h', regions: ['a'], thresholdCount: 0, probe: (_r, d) => d(true) })).toThrow('globalLoadBalancer(h): thresholdCount=0 is not valid; use an integer from 1 to 10');
  });
});
