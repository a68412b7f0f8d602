import { describe, expect, it } from 'vitest';
import type { NodeError } from '../../sim/world/index.ts';
import { makeWorld, recordsOf } from './helpers.ts';

/** Keep a node saturated with `n` units of work and count completions in [fromUs, toUs). */
function saturate(world: import('../../sim/world/index.ts').World, node: string, horizonUs: number) {
  const n = world.node(node);
  let completed = 0;
  const again = (): void => {
    if (world.sim.now >= horizonUs) return;
    n.execute((_, err) => {
      if (err === null) completed++;
      again();
    }, null);
  };
  for (let i = 0; i < n.cores * 2; i++) again();
  return () => completed;
}

describe('Node', () => {
  it('a limping node’s throughput falls by the limp factor', () => {
    const horizon = 10_000_000;
    const healthy = makeWorld({ nodes: [{ name: 'a', cores: 2, serviceTime: { dist: 'exponential', mean: '1ms' } }] });
    const limping = makeWorld({ nodes: [{ name: 'a', cores: 2, serviceTime: { dist: 'exponential', mean: '1ms' } }] }, [
      { at: '0s', kind: 'limp', target: 'a', factor: 4 },
    ]);
    const h = saturate(healthy.world, 'a', horizon);
    const l = saturate(limping.world, 'a', horizon);
    healthy.sim.run(horizon);
    limping.sim.run(horizon);
    const ratio = h() / l();
    expect(h()).toBeGreaterThan(19_000);
    expect(ratio).toBeGreaterThan(3.8);
    expect(ratio).toBeLessThan(4.2);
    expect(limping.world.node('a').state).toBe('limping');
  });

  it('every state change is a node-state record with a reason', () => {
    const { sim, trace } = makeWorld({ nodes: [{ name: 'a', restartDelay: '1s' }] }, [
      { at: '1s', kind: 'pause', target: 'a', for: '1s' },
      { at: '3s', kind: 'limp', target: 'a', factor: 2, for: '1s' },
      { at: '5s', kind: 'crash', target: 'a', for: '1s' },
    ]);
    sim.run();
    expect(recordsOf(trace, 'node-state').map((r) => [r.time / 1e6, r.from, r.to])).toEqual([
      [1, 'up', 'paused'],
      [2, 'paused', 'up'],
      [3, 'up', 'limping'],
      [4, 'limping', 'up'],
      [5, 'up', 'crashed'],
      [6, 'crashed', 'restarting'],
      [7, 'restarting', 'up'],
    ]);
  });

  it('a pause stops work in progress and resumes it, finishing late by the pause', () => {
    const { sim, world } = makeWorld({ nodes: [{ name: 'a', serviceTime: '10ms' }] }, [
      { at: '5ms', kind: 'pause', target: 'a', for: '100ms' },
    ]);
    let doneAt = -1;
    world.node('a').execute(() => (doneAt = sim.now), null);
    sim.run();
    expect(doneAt).toBe(110_000);
  });

  it('a crash drops queued and running work silently, loses memory, and restart brings it back', () => {
    const { sim, world } = makeWorld({ nodes: [{ name: 'a', serviceTime: '10ms', restartDelay: '1s' }] });
    const node = world.node('a');
    const results: (NodeError | null)[] = [];
    let restarted = 0;
    node.onRestart(() => restarted++);
    for (let i = 0; i < 3; i++) node.execute((_, e) => results.push(e), null);
    sim.schedule(5_000, () => node.crash('test'), null);
    sim.schedule(6_000, () => node.execute((_, e) => results.push(e), null), null);
    sim.schedule(7_000, () => node.restart(), null);
    sim.run();
    expect(results).toEqual(['node-down']);
    expect(node.state).toBe('up');
    expect(restarted).toBe(1);
    expect(node.incarnation).toBe(1);
  });

  it('a bounded queue refuses work beyond queueMax; LIFO serves the newest first', () => {
    const { sim, world } = makeWorld({ nodes: [{ name: 'a', serviceTime: '1ms', queue: 'lifo', queueMax: 2 }] });
    const order: (string | NodeError)[] = [];
    for (const tag of ['first', 'q1', 'q2', 'q3']) world.node('a').execute((t, e) => order.push(e ?? t), tag);
    sim.run();
    expect(order).toEqual(['queue-full', 'first', 'q2', 'q1']);
  });

  it('the waiting line keeps FIFO and LIFO order while it grows and wraps around', () => {
    // one core, 10 µs per item, never idle: bursts arrive at times ≡ 3 (mod 10), between completions
    const bursts: [number, number][] = [[0, 100], [203, 60], [507, 70], [911, 40], [1503, 90]];
    for (const discipline of ['fifo', 'lifo'] as const) {
      const { sim, world } = makeWorld({ nodes: [{ name: 'a', cores: 1, queue: discipline }] });
      const node = world.node('a');
      const done: number[] = [];
      let id = 0;
      const arrivals: { at: number; id: number }[] = [];
      for (const [at, n] of bursts) {
        const ids = Array.from({ length: n }, () => id++);
        for (const x of ids) arrivals.push({ at, id: x });
        sim.schedule(at, () => ids.forEach((x) => node.execute((v: number) => done.push(v), x, 10)), null);
      }
      sim.run();
      // reference: at each completion (every 10 µs) the next item is the oldest or newest arrived
      const expected: number[] = [];
      const waiting: number[] = [];
      let next = 0;
      for (let t = 0; expected.length < arrivals.length; t += 10) {
        while (next < arrivals.length && arrivals[next]!.at <= t) waiting.push(arrivals[next++]!.id);
        expected.push((discipline === 'fifo' ? waiting.shift() : expected.length === 0 ? waiting.shift() : waiting.pop())!);
      }
      expect(done, discipline).toEqual(expected);
      expect(node.queueLength).toBe(0);
    }
  });

  it('concurrencyMax caps work admitted at once', () => {
    const { sim, world } = makeWorld({ nodes: [{ name: 'a', cores: 1, concurrencyMax: 2 }] });
    const errors: (NodeError | null)[] = [];
    for (let i = 0; i < 3; i++) world.node('a').execute((_, e) => errors.push(e), null);
    sim.run();
    expect(errors).toEqual(['concurrency-limit', null, null]);
  });

  it('a leak ends in an OOM kill at the memory limit, then a supervisor restart', () => {
    const { sim, world, trace } = makeWorld({
      nodes: [{ name: 'a', memoryLimitMb: 1024, memoryBaseMb: 24, leakMbPerHour: 1000, restartDelay: '1s' }],
    });
    sim.run(3_600_000_000 + 10_000_000);
    const states = recordsOf(trace, 'node-state').map((r) => [r.time, r.to, r.reason]);
    expect(states[0]).toEqual([3_600_000_000, 'crashed', 'oom']);
    expect(states.slice(1).map((s) => s[1])).toEqual(['restarting', 'up']);
    expect(world.node('a').memoryUsedMb()).toBeLessThan(30);
  });

  it('a bad config push with effect crash makes a crash loop with backoff until rollback', () => {
    const { sim, world, trace } = makeWorld({ nodes: [{ name: 'a', restartDelay: '1s' }, 'b'] }, [
      { at: '1s', kind: 'config-push', target: 'a', version: 'v2', effect: 'crash', for: '20s' },
    ]);
    sim.run(60_000_000);
    const crashes = recordsOf(trace, 'node-state').filter((r) => r.to === 'crashed').map((r) => r.time / 1e6);
    // crash at 1 s; restarts after 1 s backoff + 1 s; after 2 s + 1 s; after 4 s + 1 s; ...
    expect(crashes).toEqual([1, 3, 6, 11, 20]);
    expect(world.node('a').state).toBe('up');
    expect(world.node('a').config.version).toBe('initial');
    expect(world.node('b').state).toBe('up');
  });

  it('a staged config push reaches nodes in waves', () => {
    const { sim, trace } = makeWorld({ nodes: ['a', 'b', 'c', 'd'] }, [
      { at: '0s', kind: 'config-push', version: 'v2', effect: 'limp', factor: 3, stages: 2, stageInterval: '10s' },
    ]);
    sim.run(30_000_000);
    const loads = recordsOf(trace, 'config-load').map((r) => [r.time / 1e6, r.node]);
    expect(loads).toEqual([
      [0, 'a'],
      [0, 'b'],
      [10, 'c'],
      [10, 'd'],
    ]);
  });

  it('spawned processes are interrupted by a crash', () => {
    const { sim, world } = makeWorld({ nodes: ['a'] });
    let ticks = 0;
    world.node('a').spawn(
      (function* () {
        for (;;) {
          yield 1_000;
          ticks++;
        }
      })(),
    );
    sim.schedule(10_500, () => world.node('a').crash('test'), null);
    sim.run();
    expect(ticks).toBe(10);
  });
});
