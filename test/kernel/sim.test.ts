import { describe, expect, it } from 'vitest';
import { BudgetExceededError, InputError, Interrupt, Resource, Simulation } from '../../sim/index.ts';

describe('Simulation', () => {
  it('runs events in (time, insertion sequence) order', () => {
    const sim = new Simulation();
    const seen: string[] = [];
    sim.schedule(20, (x: string) => seen.push(x), 'c@20');
    sim.schedule(10, (x: string) => seen.push(x), 'a@10');
    sim.schedule(10, (x: string) => seen.push(x), 'b@10');
    sim.schedule(0, (x: string) => seen.push(x), 'z@0');
    sim.run();
    expect(seen).toEqual(['z@0', 'a@10', 'b@10', 'c@20']);
    expect(sim.now).toBe(20);
  });

  it('keeps the total order between same-time heap events and immediate work', () => {
    const sim = new Simulation();
    const seen: string[] = [];
    sim.schedule(5, () => {
      seen.push('first@5');
      sim.schedule(0, () => seen.push('immediate-from-first'), null);
    }, null);
    sim.schedule(5, () => seen.push('second@5'), null);
    sim.run();
    // second@5 was scheduled before the immediate work, so it runs first
    expect(seen).toEqual(['first@5', 'second@5', 'immediate-from-first']);
  });

  it('rounds delays to integer microseconds', () => {
    const sim = new Simulation();
    let at = -1;
    sim.schedule(2.6, () => (at = sim.now), null);
    sim.run();
    expect(at).toBe(3);
  });

  it('cancel(id) stops a pending timer and ignores unknown or fired ids', () => {
    const sim = new Simulation();
    const seen: number[] = [];
    const a = sim.schedule(10, (x: number) => seen.push(x), 1);
    sim.schedule(20, (x: number) => seen.push(x), 2);
    const c = sim.schedule(0, (x: number) => seen.push(x), 3);
    sim.cancel(a);
    sim.cancel(c);
    sim.cancel(999);
    sim.run();
    expect(seen).toEqual([2]);
  });

  it('rejects negative, NaN and infinite delays with a clear error', () => {
    const sim = new Simulation();
    expect(() => sim.schedule(-1, () => {}, null)).toThrow(InputError);
    expect(() => sim.schedule(NaN, () => {}, null)).toThrow(/not valid/);
    expect(() => sim.schedule(Infinity, () => {}, null)).toThrow(/finite/);
  });

  it('run(untilUs) stops at the horizon and leaves later events pending', () => {
    const sim = new Simulation();
    const seen: number[] = [];
    for (const t of [5, 10, 15]) sim.schedule(t, (x: number) => seen.push(x), t);
    sim.run(10);
    expect(seen).toEqual([5, 10]);
    expect(sim.now).toBe(10);
    sim.run();
    expect(seen).toEqual([5, 10, 15]);
  });

  it('dispose drops pending events, runs the dispose hooks once and ends the simulation', () => {
    const sim = new Simulation();
    const seen: string[] = [];
    const r = new Resource(sim, 1);
    r.request(() => seen.push('granted'), null);
    r.request(() => seen.push('never granted'), null);
    sim.schedule(10, () => seen.push('pending'), null);
    let hooks = 0;
    sim.onDispose(() => hooks++);
    sim.run(5);
    expect(r.queueLength).toBe(1);
    sim.dispose();
    expect(hooks).toBe(1);
    expect(r.queueLength).toBe(0);
    expect(() => sim.run()).toThrow(/after dispose/);
    expect(seen).toEqual(['granted']);
    sim.dispose();
    expect(hooks).toBe(1);
  });

  it('dispose during a run is refused', () => {
    const sim = new Simulation();
    let err: unknown;
    sim.schedule(1, () => {
      try {
        sim.dispose();
      } catch (e) {
        err = e;
      }
    }, null);
    sim.run();
    expect(String(err)).toMatch(/dispose during run/);
  });

  it('eventsMax stops a runaway run with an error naming the budget, seed and time', () => {
    const sim = new Simulation({ seed: 42, budgets: { eventsMax: 100 } });
    const tick = (): void => void sim.schedule(1000, tick, null);
    tick();
    try {
      sim.run();
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(BudgetExceededError);
      const e = err as BudgetExceededError;
      expect(e.budget).toBe('eventsMax');
      // events 1..100 ran at 1..100 ms; the 101st, due at 101 ms, is refused
      expect(e.message).toMatch(/eventsMax=100/);
      expect(e.message).toMatch(/seed 42/);
      expect(e.message).toMatch(/simulated time 101\.000 ms/);
    }
  });

  it('simTimeMax stops a run that would go past its simulated-time budget', () => {
    const sim = new Simulation({ seed: 'abc', budgets: { simTimeMaxUs: 5_000 } });
    const tick = (): void => void sim.schedule(1000, tick, null);
    tick();
    expect(() => sim.run()).toThrow(/simTimeMax=5000 exceeded at simulated time 5\.000 ms \(seed abc\)/);
  });

  it('liveEventsMax catches an exploding fan-out', () => {
    const sim = new Simulation({ budgets: { liveEventsMax: 1000 } });
    const boom = (): void => {
      sim.schedule(1, boom, null);
      sim.schedule(1, boom, null);
    };
    boom();
    expect(() => sim.run()).toThrow(/liveEventsMax/);
  });

  it('liveEventsMax holds for zero-delay work too (same-time events count against it)', () => {
    const sim = new Simulation({ budgets: { liveEventsMax: 1000, eventsMax: 100_000 } });
    const boom = (): void => {
      sim.schedule(0, boom, null);
      sim.schedule(0.4, boom, null); // rounds to now: the same-time queue
    };
    boom();
    expect(() => sim.run()).toThrow(/liveEventsMax=1000/);
    expect(sim.pending).toBe(1000);
    expect(sim.now).toBe(0);
    // and the budget counts both queues together
    const mixed = new Simulation({ budgets: { liveEventsMax: 10 } });
    for (let i = 0; i < 5; i++) mixed.schedule(1, () => {}, null);
    for (let i = 0; i < 5; i++) mixed.schedule(0, () => {}, null);
    expect(() => mixed.schedule(0, () => {}, null)).toThrow(/liveEventsMax=10/);
    expect(() => mixed.schedule(7, () => {}, null)).toThrow(/liveEventsMax=10/);
  });
});

describe('processes', () => {
  it('a generator yields delays in microseconds and events', () => {
    const sim = new Simulation();
    const log: string[] = [];
    const ev = sim.event<string>();
    sim.process(
      (function* () {
        yield 100;
        log.push(`woke@${sim.now}`);
        const v: string = yield ev;
        log.push(`got ${v}@${sim.now}`);
      })(),
    );
    sim.schedule(250, () => ev.succeed('hello'), null);
    sim.run();
    expect(log).toEqual(['woke@100', 'got hello@250']);
  });

  it('done fires with the return value; anyOf reports the first event', () => {
    const sim = new Simulation();
    const p = sim.process(
      (function* () {
        yield 50;
        return 7;
      })(),
    );
    let which = -1;
    let value: unknown;
    sim.anyOf([sim.timeout(80), p.done]).then((_: null, i: number) => (which = i), null);
    p.done.then((_: null, v: unknown) => (value = v), null);
    sim.run();
    expect(which).toBe(1);
    expect(value).toBe(7);
  });

  it('interrupt() throws Interrupt into the process and drops its pending wait', () => {
    const sim = new Simulation();
    const log: string[] = [];
    const p = sim.process(
      (function* () {
        try {
          yield 1_000;
          log.push('not reached');
        } catch (e) {
          log.push(`interrupted@${sim.now}:${(e as Interrupt).cause}`);
        }
      })(),
    );
    sim.schedule(10, () => p.interrupt('crash'), null);
    sim.run();
    expect(log).toEqual(['interrupted@10:crash']);
    expect(sim.now).toBe(10);
    expect(p.alive).toBe(false);
  });

  it('a process yielding something else fails with a message naming it', () => {
    const sim = new Simulation();
    sim.process(
      (function* () {
        yield 'soon' as unknown as number;
      })(),
      'bad-actor',
    );
    expect(() => sim.run()).toThrow(/process "bad-actor" yielded soon/);
  });

  it('a process woken by a timeout or a grant resumes after all work already due at that instant', () => {
    // the documented order: a fired event's waiters run after everything scheduled before the
    // firing for the same instant (heap timers and same-time work alike)
    const sim = new Simulation();
    const log: string[] = [];
    const r = new Resource(sim, 1);
    sim.schedule(100, () => {
      log.push('early-timer@100');
      sim.schedule(0, () => log.push('zero-delay-from-early@100'), null);
    }, null);
    sim.process(
      (function* () {
        yield sim.timeout(100);
        log.push(`timeout-woke@${sim.now}`);
        yield sim.anyOf([sim.timeout(50), sim.timeout(80)]);
        log.push(`anyOf-woke@${sim.now}`);
        yield r.acquire();
        log.push(`granted@${sim.now}`);
      })(),
    );
    sim.schedule(100, () => log.push('later-timer@100'), null);
    sim.schedule(150, () => log.push('timer@150'), null);
    sim.schedule(150, () => r.request(() => log.push(`other-grant@${sim.now}`), null), null);
    sim.run();
    // at 100: the timers in order of scheduling, then the zero-delay work (scheduled last), then
    // the waiter; at 150 the other request's grant was due before the anyOf's timeout fired
    expect(log).toEqual([
      'early-timer@100',
      'later-timer@100',
      'zero-delay-from-early@100',
      'timeout-woke@100',
      'timer@150',
      'other-grant@150',
      'anyOf-woke@150',
    ]);
    // the other request took the slot first, so the process waits
    expect(r.queueLength).toBe(1);
  });

  it('an acquire can be withdrawn while it waits; withdraw says false once it was granted', () => {
    const sim = new Simulation();
    const r = new Resource(sim, 1);
    const log: string[] = [];
    sim.process(
      (function* () {
        yield r.acquire();
        yield 100;
        r.release();
      })(),
    );
    sim.process(
      (function* () {
        const req = r.acquire();
        const first: number = yield sim.anyOf([req, sim.timeout(30)]);
        log.push(`first=${first} withdrawn=${r.withdraw(req)}@${sim.now}`);
        const again = r.acquire();
        yield again;
        log.push(`granted@${sim.now} withdraw=${r.withdraw(again)}`);
        r.release();
      })(),
    );
    sim.run();
    expect(log).toEqual(['first=1 withdrawn=true@30', 'granted@100 withdraw=false']);
    expect([r.inUse, r.queueLength]).toEqual([0, 0]);
  });

  it('done is the same event however late it is asked for, and has fired once the process ended', () => {
    const sim = new Simulation();
    const p = sim.process(
      (function* () {
        yield 10;
        return 'x';
      })(),
    );
    sim.run();
    expect(p.done.triggered).toBe(true);
    expect(p.done).toBe(p.done);
    let got: unknown;
    p.done.then((_: null, v: unknown) => (got = v), null);
    sim.run();
    expect(got).toBe('x');
  });

  it('processesMax bounds live processes', () => {
    const sim = new Simulation({ budgets: { processesMax: 3 } });
    const forever = function* () {
      for (;;) yield 10;
    };
    for (let i = 0; i < 3; i++) sim.process(forever());
    expect(() => sim.process(forever())).toThrow(/processesMax=3/);
  });
});

describe('Resource', () => {
  it('grants up to capacity, queues FIFO and honours cancel', () => {
    const sim = new Simulation();
    const r = new Resource(sim, 1);
    const order: string[] = [];
    const grant = (x: string): void => {
      order.push(`${x}@${sim.now}`);
      sim.schedule(10, () => r.release(), null);
    };
    r.request(grant, 'a');
    r.request(grant, 'b');
    const t = r.request(grant, 'c');
    r.request(grant, 'd');
    expect(r.cancel(t)).toBe(true);
    sim.run();
    expect(order).toEqual(['a@0', 'b@10', 'd@20']);
  });

  it('passes a freed slot to the oldest waiter still waiting, and to nobody while more are held than a shrunk capacity', () => {
    const sim = new Simulation();
    const r = new Resource(sim, 2);
    const order: string[] = [];
    const grant = (x: string): void => {
      order.push(`${x}@${sim.now}`);
    };
    r.request(grant, 'a');
    r.request(grant, 'b');
    const c = r.request(grant, 'c');
    const d = r.request(grant, 'd');
    r.request(grant, 'e');
    const f = r.request(grant, 'f');
    r.request(grant, 'h');
    expect(r.cancel(c)).toBe(true);
    expect(r.cancel(d)).toBe(true);
    expect(r.cancel(f)).toBe(true);
    expect(r.queueLength).toBe(2);
    sim.schedule(5, () => r.release(), null);
    sim.schedule(10, () => r.release(), null);
    sim.run();
    expect(order).toEqual(['a@0', 'b@0', 'e@5', 'h@10']);
    expect([r.inUse, r.queueLength]).toEqual([2, 0]);
    r.request(grant, 'g');
    r.resize(1);
    sim.schedule(5, () => r.release(), null);
    sim.run();
    expect(order).toEqual(['a@0', 'b@0', 'e@5', 'h@10']);
    expect([r.inUse, r.queueLength]).toEqual([1, 1]);
    sim.schedule(5, () => r.release(), null);
    sim.run();
    expect(order).toEqual(['a@0', 'b@0', 'e@5', 'h@10', 'g@20']);
    expect([r.inUse, r.queueLength]).toEqual([1, 0]);
    r.release();
    expect(() => r.release()).toThrow(/without a matching grant/);
  });

  it('LIFO serves the newest waiter first', () => {
    const sim = new Simulation();
    const r = new Resource(sim, 1, 'lifo');
    const order: string[] = [];
    const grant = (x: string): void => {
      order.push(x);
      sim.schedule(10, () => r.release(), null);
    };
    for (const x of ['a', 'b', 'c', 'd']) r.request(grant, x);
    sim.run();
    expect(order).toEqual(['a', 'd', 'c', 'b']);
  });
});
