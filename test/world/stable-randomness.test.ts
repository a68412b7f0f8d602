// Randomness that survives edits: every draw derives from a stable identity (a link's sender and
// receiver, a fault's id or kind + target + start), never from a position in a list or a stream
// shared with other links, so editing a model or a plan leaves everything else's draws alone.
import { describe, expect, it } from 'vitest';
import type { World } from '../../sim/world/index.ts';
import { makeWorld, recordsOf } from './helpers.ts';

/** Latency of every message delivered on each link, in send order. */
function latencies(world: World, nodes: readonly string[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const n of nodes) {
    world.net.listen(n, (m) => {
      const k = `${m.from}->${m.to}`;
      if (!out.has(k)) out.set(k, []);
      out.get(k)!.push(world.sim.now - m.sentUs);
    });
  }
  return out;
}

const NETWORK = { latency: { dist: 'lognormal', median: '1ms', sigma: 0.8 }, lossPercent: 5, duplicatePercent: 2 } as const;

describe('per-link network randomness', () => {
  it('adding a node that only talks to a new client leaves every existing link’s draws unchanged', () => {
    const before = ['client', 'api', 'db'];
    const traffic = (world: World, withNew: boolean): void => {
      for (let k = 0; k < 200; k++) {
        world.sim.schedule(1_000 + k * 5_000, () => {
          world.net.send('client', 'api', k);
          world.net.send('api', 'db', k);
          world.net.send('db', 'api', k);
          // the new pair interleaves its sends with the old links' sends at the same instants
          if (withNew) for (let j = 0; j < 3; j++) world.net.send('client2', 'cache', k);
        }, null);
      }
    };
    const a = makeWorld({ nodes: before, network: NETWORK });
    const gotA = latencies(a.world, before);
    traffic(a.world, false);
    a.sim.run();

    const after = ['client', 'client2', 'api', 'cache', 'db'];
    const b = makeWorld({ nodes: after, network: NETWORK });
    const gotB = latencies(b.world, after);
    traffic(b.world, true);
    b.sim.run();

    expect(gotB.get('client2->cache')!.length).toBeGreaterThan(500);
    for (const link of ['client->api', 'api->db', 'db->api']) {
      // losses and duplicates drawn on the link too: the same messages arrive with the same latencies
      expect(gotA.get(link)!.length).toBeGreaterThan(180);
      expect(gotB.get(link), link).toEqual(gotA.get(link));
    }
    // and a sender that starts talking to a new node keeps its latencies to the old one
    const c = makeWorld({ nodes: after, network: NETWORK });
    const gotC = latencies(c.world, after);
    for (let k = 0; k < 200; k++) {
      c.sim.schedule(1_000 + k * 5_000, () => {
        c.world.net.send('client', 'api', k);
        c.world.net.send('client', 'cache', k);
      }, null);
    }
    c.sim.run();
    expect(gotC.get('client->api')).toEqual(gotA.get('client->api'));
  });
});

/** Which links a lossy fault with toxicity cuts: (from->to) pairs that lost every message. */
function cutLinks(plan: unknown[]): string[] {
  const nodes = Array.from({ length: 6 }, (_, i) => `n${i}`);
  const { sim, world, trace } = makeWorld({ nodes, network: { latency: '1ms' } }, plan);
  for (const n of nodes) world.net.listen(n, () => {});
  // messages only while the lossy fault (20s..30s) lasts
  for (let k = 0; k < 10; k++) {
    sim.schedule(20_000_000 + 1_000 + k * 100_000, () => {
      for (const a of nodes) for (const b of nodes) if (a !== b) world.net.send(a, b, k);
    }, null);
  }
  sim.run();
  const lost = new Map<string, number>();
  for (const r of recordsOf(trace, 'message-drop')) if (r.reason === 'loss') lost.set(`${r.from}->${r.to}`, (lost.get(`${r.from}->${r.to}`) ?? 0) + 1);
  return [...lost.entries()].filter(([, n]) => n === 10).map(([l]) => l).sort();
}

/** The groups each random partition made, read from its fault-start record. */
function partitionDetails(plan: unknown[]): string[] {
  const nodes = Array.from({ length: 7 }, (_, i) => `n${i}`);
  const { sim, trace } = makeWorld({ nodes }, plan);
  sim.run();
  return recordsOf(trace, 'fault-start').filter((r) => r.fault === 'partition').map((r) => r.detail!);
}

describe('per-fault randomness', () => {
  const lossy = { at: '20s', kind: 'link-loss', percent: 100, toxicity: 0.5, for: '10s' };
  const halves = { at: '40s', kind: 'partition', mode: 'random-halves', for: '5s' };

  it('inserting an unrelated fault earlier in a plan leaves a later fault’s effects unchanged', () => {
    const alone = cutLinks([lossy]);
    expect(alone.length).toBeGreaterThan(3); // 30 links at 0.5: some cut, some not
    expect(alone.length).toBeLessThan(27);
    const inserted = cutLinks([
      { at: '5s', kind: 'partition', mode: 'random-halves', for: '1s' },
      { at: '10s', kind: 'link-loss', percent: 100, toxicity: 0.5, for: '1s' },
      lossy,
    ]);
    expect(inserted).toEqual(alone);

    const before = partitionDetails([halves]);
    const after = partitionDetails([{ at: '10s', kind: 'partition', mode: 'random-halves', for: '1s' }, { at: '1s', kind: 'crash', target: 'n3', for: '1s' }, halves]);
    expect(after.at(-1)).toBe(before[0]);
  });

  it('shrinking a plan (removing entries) keeps the remaining faults’ effects', () => {
    const full = [
      { at: '1s', kind: 'partition', mode: 'majority-minority', for: '1s' },
      { at: '3s', kind: 'partition', mode: 'random-halves', for: '1s' },
      { at: '5s', kind: 'partition', mode: 'bridge', for: '1s' },
      halves,
    ];
    const all = partitionDetails(full);
    // every sub-plan a shrinker may try keeps each remaining fault's groups
    for (let mask = 1; mask < 1 << full.length; mask++) {
      const kept = full.map((e, i) => [e, i] as const).filter(([, i]) => mask & (1 << i));
      const details = partitionDetails(kept.map(([e]) => e));
      expect(details).toEqual(kept.map(([, i]) => all[i]));
    }
    expect(cutLinks([lossy])).toEqual(cutLinks([{ at: '2s', kind: 'crash', target: 'n1', for: '1s' }, lossy]));
  });

  it('a fault’s id, when given, names its stream: moving it keeps its choices, another id changes them', () => {
    const detail = (e: Record<string, unknown>): string => partitionDetails([e])[0]!;
    const a = detail({ ...halves, id: 'split' });
    expect(detail({ ...halves, id: 'split', at: '45s' })).toBe(a);
    const others = ['x', 'y', 'z', 'w'].map((id) => detail({ ...halves, id }));
    expect(others.some((d) => d !== a)).toBe(true);
  });

  it('two ids alike in one plan are an input error naming both entries', () => {
    expect(() => makeWorld({ nodes: ['a', 'b'] }, [{ ...halves, id: 'p' }, { ...halves, at: '50s', id: 'p' }])).toThrow(
      /fault plan entry 1: id="p" is not valid; entry 0 has the same id/,
    );
  });
});
