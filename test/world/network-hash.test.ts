// The network hashes its per-message records on a fast path (names' hashes kept per node, words
// precomputed per record kind); the trace hash must be the one of emitting the record objects.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tracer, type TraceRecord } from '../../sim/index.ts';
import { pre1, pre2 } from '../../sim/observe/hash.ts';
import { makeWorld } from './helpers.ts';

describe('network trace hashing', () => {
  it('recordNamesNumbers hashes the words of the record object, for any numbers', () => {
    const num = fc.oneof(fc.integer(), fc.nat({ max: 2 ** 53 - 1 }), fc.double({ noNaN: true }), fc.constantFrom(2 ** 31, 2 ** 32 + 5, -(2 ** 31) - 1, -0));
    const name = fc.constantFrom('a', 'server-1', 'a-much-longer-node-name');
    fc.assert(
      fc.property(fc.array(fc.tuple(num, name, name, num, num), { maxLength: 20 }), (rows) => {
        const viaObjects = new Tracer({ level: 'off' });
        const fast = new Tracer({ level: 'off' });
        const e = fast.recordEmitter('message-deliver', ['from', 'to', 'id', 'sentUs']);
        const h = fast._hasher;
        const halves = (s: string): [number, number] => [pre1(h.hashOfString(s)), pre2(h.hashOfString(s))];
        for (const [time, from, to, id, sentUs] of rows) {
          viaObjects.emit({ time, kind: 'message-deliver', from, to, id, sentUs } as TraceRecord);
          const [a1, a2] = halves(from);
          const [b1, b2] = halves(to);
          h.recordNamesNumbers(e._keys, time, a1, a2, b1, b2, id, sentUs);
        }
        expect(fast.hash).toBe(viaObjects.hash);
      }),
      { numRuns: 300, seed: 5 },
    );
  });

  it('a run hashes its deliveries and drops the same whether the records are kept or not', () => {
    const hashes = (['off', 'summary', 'full'] as const).map((level) => {
      const { sim, world, trace } = makeWorld({ nodes: ['client', 'server-1', 'db'], network: { latency: '1ms', lossPercent: 20 } }, [], { level });
      world.net.listen('server-1', (m) => world.net.reply(m, m.payload));
      world.net.listen('db', () => {});
      for (let i = 0; i < 200; i++) {
        sim.schedule(i * 1_000, () => world.net.call('client', 'server-1', i, 5_000, () => {}, null), null);
        sim.schedule(i * 1_000 + 7, () => world.net.send('server-1', 'db', i), null);
      }
      sim.run();
      expect(world.net.delivered).toBeGreaterThan(300);
      expect(world.net.dropped).toBeGreaterThan(30);
      return trace.hash;
    });
    expect(new Set(hashes).size).toBe(1);
  });
});
