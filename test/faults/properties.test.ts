import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DROP_REASONS } from '../../sim/world/index.ts';
import { makeWorld } from '../world/helpers.ts';

const NODES = ['a', 'b', 'c', 'd'];
const spec = {
  nodes: NODES.map((name) => ({ name, restartDelay: '1s' })),
  zones: { z1: ['a', 'b'], z2: ['c', 'd'] },
  network: { latency: { dist: 'exponential' as const, mean: '2ms' } },
};

const node = fc.constantFrom(...NODES);
const ms = (lo: number, hi: number) => fc.integer({ min: lo, max: hi }).map((x) => `${x}ms`);
/** Every generated fault has a `for` (or is instant), so every fault ends. */
const entry = fc.oneof(
  fc.record({ at: ms(0, 5000), kind: fc.constant('crash'), target: node, for: ms(1, 3000) }),
  fc.record({ at: ms(0, 5000), kind: fc.constant('restart'), target: node }),
  fc.record({ at: ms(0, 5000), kind: fc.constant('pause'), target: node, for: ms(1, 2000) }),
  fc.record({ at: ms(0, 5000), kind: fc.constant('limp'), target: node, factor: fc.integer({ min: 1, max: 50 }), for: ms(1, 3000) }),
  fc.record({ at: ms(0, 5000), kind: fc.constant('partition'), groups: fc.shuffledSubarray(NODES, { minLength: 1, maxLength: 3 }).map((g) => [g, NODES.filter((n) => !g.includes(n))]), direction: fc.constantFrom('both', 'to', 'from'), for: ms(1, 3000) }),
  fc.record({ at: ms(0, 5000), kind: fc.constant('link-loss'), from: node, to: fc.constantFrom('*', ...NODES), percent: fc.integer({ min: 0, max: 100 }), for: ms(1, 3000) }),
  fc.record({ at: ms(0, 5000), kind: fc.constant('link-duplicate'), from: node, to: fc.constant('*'), percent: fc.integer({ min: 0, max: 100 }), for: ms(1, 3000) }),
  fc.record({ at: ms(0, 5000), kind: fc.constant('link-reorder'), from: fc.constant('*'), to: node, percent: fc.integer({ min: 0, max: 100 }), for: ms(1, 3000) }),
  fc.record({ at: ms(0, 5000), kind: fc.constant('link-latency'), from: node, latency: ms(0, 500), jitter: ms(0, 100), direction: fc.constantFrom('to', 'both'), for: ms(1, 3000) }),
  fc.record({ at: ms(0, 5000), kind: fc.constant('clock-drift'), target: node, driftPpm: fc.integer({ min: -100_000, max: 100_000 }), for: ms(1, 3000) }),
  fc.record({ at: ms(0, 5000), kind: fc.constant('clock-jump'), target: node, byMs: fc.integer({ min: -10_000, max: 10_000 }) }),
  fc.record({ at: ms(0, 5000), kind: fc.constant('zone-outage'), zone: fc.constantFrom('z1', 'z2'), mode: fc.constantFrom('power', 'network'), for: ms(1, 3000) }),
  fc.record({ at: ms(0, 5000), kind: fc.constant('config-push'), target: node, effect: fc.constantFrom('crash', 'limp', 'reject'), for: ms(1, 3000) }),
  fc.record({ at: ms(0, 5000), kind: fc.constant('oom'), target: node }),
);
const plans = fc.array(entry, { maxLength: 12 });

/** Traffic between every pair, plus heartbeats on each node's local clock, in a world under `plan`. */
function runUnder(plan: unknown[]) {
  const w = makeWorld(spec, plan);
  const { sim, world } = w;
  const sent = new Set<number>();
  for (const n of NODES) world.net.listen(n, () => {});
  let k = 0;
  const tick = (): void => {
    const from = NODES[k % 4]!;
    const to = NODES[(k + 1 + (k >> 2)) % 4]!;
    if (from !== to && world.node(from).serving) sent.add(world.net.send(from, to, k));
    k++;
    if (sim.now < 8_000_000) sim.schedule(5_000, tick, null);
  };
  tick();
  for (const n of world.nodes) n.onRestart(() => n.setTimer(100_000, () => {}, null));
  return { ...w, sent };
}

describe('properties under any generated fault plan', () => {
  it('time never goes backwards', () => {
    fc.assert(
      fc.property(plans, (plan) => {
        const { sim, trace } = runUnder(plan);
        let last = 0;
        let backwards = 0;
        const probe = (): void => {
          if (sim.now < last) backwards++;
          last = sim.now;
          if (sim.now < 9_000_000) sim.schedule(777, probe, null);
        };
        probe();
        sim.run(10_000_000);
        for (let i = 1; i < trace.records.length; i++) if (trace.records[i]!.time < trace.records[i - 1]!.time) backwards++;
        expect(backwards).toBe(0);
      }),
      { numRuns: 60, seed: 20261126 },
    );
  });

  it('every message sent is delivered or dropped, and every drop has a valid reason', () => {
    fc.assert(
      fc.property(plans, (plan) => {
        const { sim, trace, sent } = runUnder(plan);
        sim.run(60_000_000);
        const seen = new Set<number>();
        for (const r of trace.records) {
          if (r.kind === 'message-drop') {
            expect(DROP_REASONS).toContain(r.reason);
            seen.add(r.id);
          } else if (r.kind === 'message-deliver') seen.add(r.id);
        }
        for (const id of sent) expect(seen.has(id)).toBe(true);
      }),
      { numRuns: 60, seed: 20261127 },
    );
  });

  it('once every fault has healed, messages between every pair are delivered again', () => {
    fc.assert(
      fc.property(plans, (plan) => {
        const { sim, world } = runUnder(plan);
        sim.run(10_000_000);
        expect(world.faultsActive + world.faultsPending).toBe(0);
        // crash loops back off up to 5 minutes (CrashLoopBackOff); give them time to come back
        sim.run(sim.now + 400_000_000);
        for (const n of world.nodes) expect(n.state).toBe('up');
        const got = new Set<string>();
        for (const n of NODES) world.net.listen(n, (m) => got.add(`${m.from}->${m.to}`));
        for (const a of NODES) for (const b of NODES) if (a !== b) world.net.send(a, b, 'ping');
        sim.run(sim.now + 10_000_000);
        expect(got.size).toBe(12);
      }),
      { numRuns: 60, seed: 20261128 },
    );
  });
});
