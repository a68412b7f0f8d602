import { describe, expect, it } from 'vitest';
import type { Message } from '../../sim/world/index.ts';
import { makeWorld, recordsOf } from './helpers.ts';

function collect(world: import('../../sim/world/index.ts').World, node: string): Message<any>[] {
  const got: Message<any>[] = [];
  world.net.listen(node, (m) => got.push(m));
  return got;
}

describe('Network', () => {
  it('drops messages across a partition with reason "partition" and delivers again after heal', () => {
    const { sim, world, trace } = makeWorld({ nodes: ['a', 'b', 'c'], network: { latency: '1ms' } }, [
      { at: '10ms', kind: 'partition', groups: [['a'], ['b', 'c']] },
      { at: '30ms', kind: 'heal' },
    ]);
    const got = collect(world, 'b');
    for (const t of [5_000, 15_000, 25_000, 35_000]) sim.schedule(t, () => world.net.send('a', 'b', t), null);
    sim.run();
    expect(got.map((m) => m.payload)).toEqual([5_000, 35_000]);
    expect(recordsOf(trace, 'message-drop').map((r) => r.reason)).toEqual(['partition', 'partition']);
    expect(recordsOf(trace, 'fault-end').map((r) => r.fault)).toEqual(['partition', 'heal']);
  });

  it('a message in flight when a partition starts is dropped on arrival', () => {
    const { sim, world, trace } = makeWorld({ nodes: ['a', 'b'], network: { latency: '10ms' } }, [
      { at: '5ms', kind: 'partition', mode: 'isolate', target: 'b', for: '1s' },
    ]);
    const got = collect(world, 'b');
    world.net.send('a', 'b', 'x');
    sim.run();
    expect(got).toEqual([]);
    expect(recordsOf(trace, 'message-drop')[0]).toMatchObject({ time: 10_000, reason: 'partition' });
  });

  it('a one-way partition (direction "to") cuts only the first group’s outgoing messages', () => {
    const { sim, world } = makeWorld({ nodes: ['a', 'b'] }, [
      { at: '0s', kind: 'partition', groups: [['a'], ['b']], direction: 'to', for: '1s' },
    ]);
    const atA = collect(world, 'a');
    const atB = collect(world, 'b');
    sim.schedule(1, () => {
      world.net.send('a', 'b', 'a->b');
      world.net.send('b', 'a', 'b->a');
    }, null);
    sim.run();
    expect(atB).toEqual([]);
    expect(atA.map((m) => m.payload)).toEqual(['b->a']);
  });

  it('link-duplicate at 100% delivers each message twice with the same id', () => {
    const { sim, world } = makeWorld({ nodes: ['a', 'b'] }, [
      { at: '0s', kind: 'link-duplicate', from: 'a', to: 'b', percent: 100, for: '1s' },
    ]);
    const got = collect(world, 'b');
    sim.schedule(1, () => world.net.send('a', 'b', 'hello'), null);
    sim.run();
    expect(got.map((m) => [m.payload, m.duplicate])).toEqual([
      ['hello', false],
      ['hello', true],
    ]);
    expect(got[0]!.id).toBe(got[1]!.id);
  });

  it('link-loss drops about the share asked for, each drop traced with reason "loss"', () => {
    const { sim, world, trace } = makeWorld({ nodes: ['a', 'b'] }, [
      { at: '0s', kind: 'link-loss', from: 'a', to: 'b', percent: 30, for: '10s' },
    ]);
    const got = collect(world, 'b');
    for (let i = 0; i < 2000; i++) sim.schedule(1 + i, () => world.net.send('a', 'b', i), null);
    sim.run();
    const drops = recordsOf(trace, 'message-drop');
    expect(drops.every((d) => d.reason === 'loss')).toBe(true);
    expect(drops.length + got.length).toBe(2000);
    expect(drops.length).toBeGreaterThan(500);
    expect(drops.length).toBeLessThan(700);
  });

  it('links are FIFO by default even with random latency; fifo: false lets messages overtake', () => {
    for (const fifo of [true, false]) {
      const { sim, world } = makeWorld({
        nodes: ['a', 'b'],
        network: { latency: { dist: 'exponential', mean: '10ms' }, fifo },
      });
      const got = collect(world, 'b');
      for (let i = 0; i < 200; i++) sim.schedule(i * 100, () => world.net.send('a', 'b', i), null);
      sim.run();
      const order = got.map((m) => m.payload as number);
      const sorted = [...order].sort((x, y) => x - y);
      if (fifo) expect(order).toEqual(sorted);
      else expect(order).not.toEqual(sorted);
    }
  });

  it('link-reorder lets held-back messages be overtaken on a FIFO link', () => {
    const { sim, world } = makeWorld({ nodes: ['a', 'b'], network: { latency: '1ms' } }, [
      { at: '0s', kind: 'link-reorder', from: 'a', to: 'b', percent: 50, delay: '20ms', for: '1s' },
    ]);
    const got = collect(world, 'b');
    for (let i = 0; i < 100; i++) sim.schedule(1 + i * 100, () => world.net.send('a', 'b', i), null);
    sim.run();
    const order = got.map((m) => m.payload as number);
    expect(order).toHaveLength(100);
    expect(order).not.toEqual([...order].sort((x, y) => x - y));
  });

  it('bandwidth adds transmission time by size and queues messages behind each other', () => {
    const { sim, world } = makeWorld({ nodes: ['a', 'b'], network: { latency: '1ms', bandwidthBytesPerSec: 1_000_000 } });
    const at: number[] = [];
    world.net.listen('b', () => at.push(sim.now));
    world.net.send('a', 'b', 'x', 10_000); // 10 ms on the wire
    world.net.send('a', 'b', 'y', 10_000); // waits for the first
    sim.run();
    expect(at).toEqual([11_000, 21_000]);
  });

  it('a message to a crashed node is dropped with reason "target-down"; from one, "source-down"', () => {
    const { sim, world, trace } = makeWorld({ nodes: ['a', 'b'] }, [{ at: '0s', kind: 'crash', target: 'b' }]);
    collect(world, 'a');
    collect(world, 'b');
    sim.schedule(10, () => {
      world.net.send('a', 'b', 1);
      world.net.send('b', 'a', 2);
    }, null);
    sim.run();
    expect(recordsOf(trace, 'message-drop').map((r) => r.reason)).toEqual(['source-down', 'target-down']);
  });

  it('messages to a paused node wait and are handled when it resumes', () => {
    const { sim, world } = makeWorld({ nodes: ['a', 'b'], network: { latency: '1ms' } }, [
      { at: '0s', kind: 'pause', target: 'b', for: '50ms' },
    ]);
    const at: number[] = [];
    world.net.listen('b', () => at.push(sim.now));
    sim.schedule(10, () => world.net.send('a', 'b', 1), null);
    sim.run();
    expect(at).toEqual([50_000]);
  });

  it('call() returns the reply, or "timeout" when none comes in time', () => {
    const { sim, world } = makeWorld({ nodes: ['client', 'server'], network: { latency: '2ms' } });
    world.net.listen('server', (m) => world.net.reply(m, `echo ${m.payload}`));
    const results: unknown[] = [];
    const done = (tag: string, reply: Message<any> | null, err: string | null) => results.push([tag, reply?.payload ?? null, err, sim.now]);
    world.net.call('client', 'server', 'fast', 10_000, done, 'fast');
    world.net.call('client', 'server', 'slow', 3_000, done, 'slow');
    sim.run();
    expect(results).toEqual([
      ['slow', null, 'timeout', 3_000],
      ['fast', 'echo fast', null, 4_000],
    ]);
    expect(world.net.lateReplies).toBe(1);
    expect(world.net.pendingCalls).toBe(0);
  });

  it('a request held by a server after its call timed out lets go of the call; its reply arrives late', () => {
    const { sim, world } = makeWorld({ nodes: ['client', 'server'], network: { latency: '1ms' } });
    const held: Message<any>[] = [];
    world.net.listen('server', (m) => held.push(m));
    const results: unknown[] = [];
    world.net.call('client', 'server', 'slow', 5_000, (_: null, reply, err) => results.push([reply?.payload ?? null, err]), null);
    sim.run(2_000);
    expect(held).toHaveLength(1);
    expect(held[0]!.call).not.toBeNull();
    sim.run(6_000);
    expect(results).toEqual([[null, 'timeout']]);
    // the server still holds the request (a long queue), but no longer the caller's state
    expect(held[0]!.call).toBeNull();
    world.net.reply(held[0]!, 'too late');
    sim.run();
    expect(results).toHaveLength(1);
    expect(world.net.lateReplies).toBe(1);
  });

  it('link-latency adds latency on the selected direction only', () => {
    const { sim, world } = makeWorld({ nodes: ['a', 'b'], network: { latency: '1ms' } }, [
      { at: '0s', kind: 'link-latency', from: 'a', to: 'b', latency: '100ms', for: '1s' },
    ]);
    const at: Record<string, number> = {};
    world.net.listen('a', () => (at.toA = sim.now));
    world.net.listen('b', () => (at.toB = sim.now));
    sim.schedule(1, () => {
      world.net.send('a', 'b', 1);
      world.net.send('b', 'a', 1);
    }, null);
    sim.run();
    expect(at).toEqual({ toA: 1_001, toB: 101_001 });
  });

  it('link-corrupt flips a bit of the payload and marks the message', () => {
    const { sim, world } = makeWorld({ nodes: ['a', 'b'] }, [
      { at: '0s', kind: 'link-corrupt', from: 'a', to: 'b', percent: 100, for: '1s' },
    ]);
    const got = collect(world, 'b');
    sim.schedule(1, () => world.net.send('a', 'b', 'payload'), null);
    sim.run();
    expect(got[0]!.corrupted).toBe(true);
    expect(got[0]!.payload).not.toBe('payload');
    expect((got[0]!.payload as string).length).toBe(7);
  });

  it('link rules set latency between zones', () => {
    const { sim, world } = makeWorld({
      nodes: ['a1', 'a2', 'b1'],
      zones: { a: ['a1', 'a2'], b: ['b1'] },
      network: { latency: '100us' },
      links: [{ from: 'zone:a', to: 'zone:b', latency: '5ms' }],
    });
    const at: number[] = [];
    world.net.listen('b1', () => at.push(sim.now));
    world.net.listen('a2', () => at.push(sim.now));
    world.net.send('a1', 'a2', 0);
    world.net.send('a1', 'b1', 0);
    sim.run();
    expect(at).toEqual([100, 5_000]);
  });
});
