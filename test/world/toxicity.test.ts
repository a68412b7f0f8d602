// Toxiproxy's `toxicity` is rolled once per link (connection direction), not per message: a
// misunderstood semantics (patterns-and-faults.md §10, #9) that faultline models on every link fault.
import { describe, expect, it } from 'vitest';
import { makeWorld } from './helpers.ts';

describe('link faults with toxicity (Toxiproxy semantics)', () => {
  it('link-loss { percent: 100, toxicity: 0.5 } cuts some links entirely and leaves the others untouched', () => {
    const nodes = Array.from({ length: 8 }, (_, i) => `n${i}`);
    const { sim, world } = makeWorld({ nodes, network: { latency: '1ms' } }, [
      { at: '0s', kind: 'link-loss', percent: 100, toxicity: 0.5, for: '10s' },
    ]);
    const got = new Map<string, number>();
    for (const n of nodes) world.net.listen(n, (m) => got.set(`${m.from}->${m.to}`, (got.get(`${m.from}->${m.to}`) ?? 0) + 1));
    for (let k = 0; k < 20; k++) {
      sim.schedule(1_000 + k * 10_000, () => {
        for (const a of nodes) for (const b of nodes) if (a !== b) world.net.send(a, b, k);
      }, null);
    }
    sim.run();
    const links = nodes.flatMap((a) => nodes.filter((b) => b !== a).map((b) => `${a}->${b}`));
    const counts = links.map((l) => got.get(l) ?? 0);
    // all-or-nothing per link: every link got all 20 messages or none
    expect(counts.every((c) => c === 0 || c === 20)).toBe(true);
    const cut = counts.filter((c) => c === 0).length;
    // 56 links, each cut with probability 0.5: far from 0 and from 56
    expect(cut).toBeGreaterThan(14);
    expect(cut).toBeLessThan(42);
  });

  it('toxicity 1 (the default) applies to every link and toxicity 0 to none', () => {
    for (const [toxicity, expected] of [[1, 0], [0, 2]] as const) {
      const { sim, world } = makeWorld({ nodes: ['a', 'b'] }, [{ at: '0s', kind: 'link-loss', percent: 100, toxicity, for: '1s' }]);
      let n = 0;
      world.net.listen('b', () => n++);
      sim.schedule(10, () => world.net.send('a', 'b', 1), null);
      sim.schedule(20, () => world.net.send('a', 'b', 2), null);
      sim.run();
      expect(n).toBe(expected);
    }
  });
});
