import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KvHistory } from '../../sim/check/history.ts';
import { checkNoLostWrites } from '../../sim/check/writes.ts';
import { Metrics } from '../../sim/observe/metrics.ts';
import { quorumKv, type QuorumKvOptions } from '../../sim/patterns/quorum-kv.ts';
import { makeWorld } from '../world/helpers.ts';

const STORES = ['s1', 's2', 's3', 's4', 's5'];

function setup(o: Partial<QuorumKvOptions>, seed = 1) {
  const { sim, world } = makeWorld({ nodes: [...STORES, 'app-1', 'app-2'], network: { latency: '1ms' } }, [], { seed, level: 'summary' });
  const history = new KvHistory({ now: () => sim.now });
  const metrics = new Metrics();
  const kv = quorumKv({ world, replicas: STORES, clients: ['app-1', 'app-2'], history, metrics, ...o });
  const at = (us: number, f: () => void): void => void sim.schedule(us - sim.now, f, null);
  const m = (name: string): number => metrics.counter(`quorum-kv.quorum-kv.${name}`).value;
  return { sim, world, history, kv, at, m };
}

describe('quorumKv (Dynamo N, R, W)', () => {
  it('preferenceList(key) gives n distinct replicas, the same for every call', () => {
    const { kv } = setup({ n: 3 });
    for (const key of ['a', 'b', 'cart:7', 'x']) {
      const p = kv.preferenceList(key);
      expect(p).toHaveLength(3);
      expect(new Set(p).size).toBe(3);
      expect(kv.preferenceList(key)).toEqual(p);
    }
  });

  it('R + W > N: after a replica crash a read returns the latest acknowledged write, and read repair converges the replicas', () => {
    const s = setup({ n: 3, r: 2, w: 2 });
    const [p0] = s.kv.preferenceList('x');
    const got: unknown[] = [];
    s.at(1_000_000, () => s.kv.write('app-1', 'x', 'v1'));
    s.at(2_000_000, () => s.world.node(p0!).crash('test'));
    s.at(3_000_000, () => s.kv.write('app-1', 'x', 'v2', (r) => got.push(r.outcome)));
    s.at(4_000_000, () => s.world.node(p0!).restart('test', 0));
    s.at(5_000_000, () => s.kv.read('app-2', 'x', (r) => got.push(r)));
    s.sim.run(10_000_000);
    expect(got).toEqual(['ok', { outcome: 'ok', value: 'v2' }]);
    expect(s.m('stale-reads')).toBe(0);
    // p0 missed v2 while down; the read saw its old version and repaired it
    expect(s.m('read-repairs')).toBeGreaterThan(0);
    expect(s.kv.valueAt(p0!, 'x')?.value).toBe('v2');
    expect(s.kv.converged('x')).toBe(true);
  });

  it('without read repair the stale replica stays stale', () => {
    const s = setup({ n: 3, r: 2, w: 2, readRepair: false });
    const [p0] = s.kv.preferenceList('x');
    s.at(1_000_000, () => s.kv.write('app-1', 'x', 'v1'));
    s.at(2_000_000, () => s.world.node(p0!).crash('test'));
    s.at(3_000_000, () => s.kv.write('app-1', 'x', 'v2'));
    s.at(4_000_000, () => s.world.node(p0!).restart('test', 0));
    s.at(5_000_000, () => s.kv.read('app-2', 'x'));
    s.sim.run(10_000_000);
    expect(s.kv.valueAt(p0!, 'x')?.value).toBe('v1');
    expect(s.kv.converged('x')).toBe(false);
  });

  /** Write v2 while the third replica is cut off, then read while the other two are cut off. */
  function missedWrite(o: Partial<QuorumKvOptions>) {
    const s = setup(o);
    const [a, b, c] = s.kv.preferenceList('x') as [string, string, string];
    const got: unknown[] = [];
    s.at(1_000_000, () => s.kv.write('app-1', 'x', 'v1'));
    s.at(2_000_000, () => s.world.inject({ at: 2_000_000, kind: 'partition', groups: [[c], ['app-1']], for: 2_000_000 }));
    s.at(3_000_000, () => s.kv.write('app-1', 'x', 'v2', (r) => got.push(r.outcome)));
    s.at(5_000_000, () => s.world.inject({ at: 5_000_000, kind: 'partition', groups: [[a, b], ['app-2']], for: 2_000_000 }));
    s.at(6_000_000, () => s.kv.read('app-2', 'x', (r) => got.push(r)));
    s.sim.run(10_000_000);
    return { ...s, got };
  }

  it('R + W ≤ N can return stale data: N=3, R=1, W=1 reads the replica that missed an acknowledged write', () => {
    const s = missedWrite({ n: 3, r: 1, w: 1 });
    expect(s.got).toEqual(['ok', { outcome: 'ok', value: 'v1' }]);
    expect(s.m('stale-reads')).toBe(1);
  });

  it('the same faults with R + W > N (N=3, R=2, W=2) refuse the read instead of returning stale data', () => {
    const s = missedWrite({ n: 3, r: 2, w: 2 });
    expect(s.got).toEqual(['ok', { outcome: 'fail', error: '1 of R=2 replies' }]);
    expect(s.m('stale-reads')).toBe(0);
  });

  it('property: with R + W > N and at most one replica down at a time, reads are never stale and no acknowledged write is lost', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ node: fc.constantFrom(...STORES), atUs: fc.integer({ min: 0, max: 9_000_000 }), forUs: fc.integer({ min: 1, max: 3_000_000 }) }), { maxLength: 4 }),
        fc.integer({ min: 1, max: 1000 }),
        (crashes, seed) => {
          const s = setup({ n: 3, r: 2, w: 2 }, seed);
          // serialise the crashes so that at most one replica is down at a time
          let free = 0;
          for (const c of crashes) {
            const start = Math.max(c.atUs, free);
            free = start + c.forUs + 1;
            s.at(start, () => s.world.node(c.node).crash('test'));
            s.at(start + c.forUs, () => s.world.node(c.node).restart('test', 0));
          }
          let i = 0;
          const writeLoop = (): void => {
            if (s.sim.now > 12_000_000) return;
            s.kv.write('app-1', `k${i % 3}`, `v${++i}`, () => s.sim.schedule(100_000, writeLoop, null));
          };
          let j = 0;
          const readLoop = (): void => {
            if (s.sim.now > 12_000_000) return;
            s.kv.read('app-2', `k${j++ % 3}`, () => s.sim.schedule(70_000, readLoop, null));
          };
          s.at(10, writeLoop);
          s.at(20, readLoop);
          s.sim.run(Math.max(free, 12_000_000) + 3_000_000);
          // final reads of every key after everything is back up
          const t = s.sim.now;
          for (let k = 0; k < 3; k++) s.at(t + (k + 1) * 100_000, () => s.kv.read('app-2', `k${k}`));
          s.sim.run(t + 2_000_000);
          expect(s.m('stale-reads')).toBe(0);
          const verdict = checkNoLostWrites(s.history.operations);
          expect(verdict.status, verdict.detail).toBe('ok');
        },
      ),
      { numRuns: 30, seed: 7 },
    );
  });

  it('validates n, r and w against each other', () => {
    const { world } = makeWorld({ nodes: STORES });
    expect(() => quorumKv({ world, replicas: ['s1', 's2'], clients: [], n: 3 })).toThrow(/n = 3 is out of range/);
    expect(() => quorumKv({ world, replicas: STORES, clients: [], n: 3, r: 4 })).toThrow(/r = 4 is out of range/);
    expect(() => quorumKv({ world, replicas: STORES, clients: [], w: 0 })).toThrow(/w = 0 is out of range/);
  });
});
