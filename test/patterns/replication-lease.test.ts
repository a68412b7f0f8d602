import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Metrics } from '../../sim/observe/metrics.ts';
import { leaderLease, type LeaderLeaseOptions } from '../../sim/patterns/lease.ts';
import { makeWorld, recordsOf } from '../world/helpers.ts';

const NODES = ['n1', 'n2', 'n3'];

/** n1 leads; at `cutUs` it is cut off from n2 and n3 for `forUs`, so they elect a new leader. */
function isolateLeader(o: Partial<LeaderLeaseOptions>, clocks: Record<string, { offsetUs?: number; driftPpm?: number }>, cutUs = 5_000_000, forUs = 10_000_000, seed = 1) {
  const nodes = NODES.map((name) => ({ name, clock: clocks[name] ?? {} }));
  const plan = [{ at: `${cutUs}us`, kind: 'partition', groups: [['n1'], ['n2', 'n3']], for: `${forUs}us` }];
  const { sim, world, trace } = makeWorld({ nodes, network: { latency: '1ms' } }, plan, { seed, level: 'summary' });
  const metrics = new Metrics();
  const lease = leaderLease({ world, nodes: NODES, leaseDuration: '2s', renewInterval: '500ms', safetyMargin: '100ms', metrics, ...o });
  sim.run(cutUs + forUs + 10_000_000);
  return { sim, world, trace, lease, metrics };
}

describe('leaderLease on local clocks', () => {
  it('a partitioned leader loses its lease on its own clock and the majority elects a new leader in a higher term', () => {
    const r = isolateLeader({}, {});
    const changes = recordsOf(r.trace, 'leader-change');
    expect(changes[0]).toMatchObject({ leader: 'n1', term: 1 });
    expect(changes[1]).toMatchObject({ leader: 'n2', term: 2 });
    expect(recordsOf(r.trace, 'replica-step-down').some((x) => x.node === 'n1')).toBe(true);
    expect(r.lease.leaders()).toEqual(['n2']);
    expect(r.lease.leaseOverlapUs).toBe(0);
    expect(recordsOf(r.trace, 'lease-overlap')).toEqual([]);
  });

  it('property: with drift within the margin (|ρ| ≤ 1000 ppm, 2 s lease, 100 ms margin) two leases never overlap', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: -1000, max: 1000 })),
        fc.integer({ min: 1_000_000, max: 8_000_000 }),
        fc.integer({ min: 100_000, max: 8_000_000 }),
        fc.constantFrom<'monotonic' | 'realtime'>('monotonic', 'realtime'),
        ([d1, d2, d3], cutUs, forUs, leaseClock) => {
          const r = isolateLeader({ leaseClock }, { n1: { driftPpm: d1 }, n2: { driftPpm: d2 }, n3: { driftPpm: d3 } }, cutUs, forUs);
          expect(r.lease.leaseOverlapUs).toBe(0);
          expect(r.lease.leaders().length).toBe(1);
        },
      ),
      { numRuns: 40, seed: 11 },
    );
  });

  it('with drift beyond the margin (leader 5% slow, followers 5% fast) the leases overlap and lease-overlap is traced', () => {
    const r = isolateLeader({}, { n1: { driftPpm: -50_000 }, n2: { driftPpm: 50_000 }, n3: { driftPpm: 50_000 } });
    expect(r.lease.leaseOverlapUs).toBeGreaterThan(0);
    const overlaps = recordsOf(r.trace, 'lease-overlap');
    expect(overlaps).toHaveLength(1);
    expect(overlaps[0]!.leaders.sort()).toEqual(['n1', 'n2']);
    expect(overlaps[0]!.overlapUs).toBe(r.lease.leaseOverlapUs);
    expect(r.metrics.counter('lease.lease.overlaps').value).toBe(1);
  });

  it('leaseClock "realtime": followers whose wall clocks run 500 ms ahead (beyond the 100 ms margin) elect while the old lease still holds', () => {
    const ahead = { n2: { offsetUs: 500_000 }, n3: { offsetUs: 500_000 } };
    const r = isolateLeader({ leaseClock: 'realtime' }, ahead);
    expect(r.lease.leaseOverlapUs).toBeGreaterThan(200_000);
    expect(recordsOf(r.trace, 'lease-overlap')).toHaveLength(1);
    // the same skew does not matter when leases are measured on monotonic clocks
    expect(isolateLeader({ leaseClock: 'monotonic' }, ahead).lease.leaseOverlapUs).toBe(0);
  });

  it('a skew within the margin does not break realtime leases', () => {
    const r = isolateLeader({ leaseClock: 'realtime' }, { n2: { offsetUs: 50_000 }, n3: { offsetUs: -50_000 } });
    expect(r.lease.leaseOverlapUs).toBe(0);
  });

  it('validates durations at once', () => {
    const { world } = makeWorld({ nodes: NODES });
    expect(() => leaderLease({ world, nodes: NODES, leaseDuration: '1s', renewInterval: '2s' })).toThrow(/renewInterval \(2000ms\) must be shorter than leaseDuration/);
    expect(() => leaderLease({ world, nodes: NODES, leaseDuration: 5 as unknown as string })).toThrow(/leaseDuration = 5 has no unit/);
    expect(() => leaderLease({ world, nodes: NODES, leaseClock: 'tsc' as 'realtime' })).toThrow(/leaseClock = "tsc" is not valid/);
  });
});
