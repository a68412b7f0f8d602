import { describe, expect, it } from 'vitest';
import { makeWorld, recordsOf } from './helpers.ts';

describe('Clock', () => {
  it('a node whose clock runs fast fires its timers early in true time', () => {
    const { sim, world } = makeWorld({ nodes: [{ name: 'a', clock: { driftPpm: 100_000 } }, 'b'] });
    const fired: Record<string, number> = {};
    world.node('a').setTimer(11_000_000, () => (fired.a = sim.now), null);
    world.node('b').setTimer(11_000_000, () => (fired.b = sim.now), null);
    sim.run();
    expect(fired).toEqual({ a: 10_000_000, b: 11_000_000 });
  });

  it('clock-drift applied mid-run reschedules pending timers', () => {
    const { sim, world, trace } = makeWorld({ nodes: ['a'] }, [{ at: '1s', kind: 'clock-drift', target: 'a', driftPpm: -50_000 }]);
    let at = -1;
    world.node('a').setTimer(2_000_000, () => (at = sim.now), null);
    sim.run();
    // 1 s at rate 1, then the remaining 1 s of local time at rate 0.95
    expect(at).toBe(1_000_000 + Math.ceil(1_000_000 / 0.95));
    expect(recordsOf(trace, 'clock-change')[0]).toMatchObject({ node: 'a', change: 'drift', driftPpm: -50_000 });
  });

  it('a forward jump fires wall-clock timers at once and leaves monotonic timers alone', () => {
    const { sim, world } = makeWorld({ nodes: ['a'] }, [{ at: '1s', kind: 'clock-jump', target: 'a', byMs: 60_000 }]);
    const clock = world.node('a').clock;
    const fired: Record<string, number> = {};
    clock.schedule(30_000_000, () => (fired.realtime = sim.now), null, 'realtime');
    clock.schedule(30_000_000, () => (fired.monotonic = sim.now), null, 'monotonic');
    sim.run();
    expect(fired).toEqual({ realtime: 1_000_000, monotonic: 30_000_000 });
    expect(clock.now() - clock.monotonic()).toBe(60_000_000);
  });

  it('clock-skew shifts the wall clock for its duration only', () => {
    const { sim, world } = makeWorld({ nodes: ['a'] }, [{ at: '1s', kind: 'clock-skew', target: 'a', offsetMs: -5000, for: '2s' }]);
    const errors: number[] = [];
    for (const t of [500_000, 1_500_000, 3_500_000]) sim.schedule(t, () => errors.push(world.node('a').clock.errorUs()), null);
    sim.run();
    expect(errors).toEqual([0, -5_000_000, 0]);
  });
});
