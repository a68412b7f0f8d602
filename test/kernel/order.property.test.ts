import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Simulation } from '../../sim/index.ts';

describe('event order (property)', () => {
  it('for any schedule with cancellations, events run in (time, insertion) order and time never goes backwards', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ delay: fc.integer({ min: 0, max: 50 }), cancel: fc.boolean(), spawn: fc.integer({ min: 0, max: 3 }) }), {
          maxLength: 300,
        }),
        (ops) => {
          const sim = new Simulation();
          const ran: { time: number; seq: number }[] = [];
          const expected: { time: number; seq: number }[] = [];
          let seq = 0;
          let lastTime = 0;
          const add = (delay: number, cancel: boolean, spawn: number): void => {
            const mySeq = seq++;
            const at = sim.now + delay;
            const id = sim.schedule(
              delay,
              () => {
                expect(sim.now).toBeGreaterThanOrEqual(lastTime);
                lastTime = sim.now;
                ran.push({ time: sim.now, seq: mySeq });
                // children scheduled from inside an event, including same-time ones
                for (let k = 0; k < spawn; k++) add((delay * (k + 1)) % 7, false, 0);
              },
              null,
            );
            if (cancel) sim.cancel(id);
            else expected.push({ time: at, seq: mySeq });
          };
          for (const op of ops) add(op.delay, op.cancel, op.spawn);
          sim.run();
          const sorted = [...ran].sort((a, b) => a.time - b.time || a.seq - b.seq);
          expect(ran).toEqual(sorted);
          expect(ran.length).toBe(expected.length);
        },
      ),
      { numRuns: 300, seed: 20261126 },
    );
  });
});
