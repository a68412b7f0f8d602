// Locks as a world resource: the semantics of java.util.concurrent's fair ReentrantLock and
// ReentrantReadWriteLock (FIFO grants, shared readers, exclusive writers, re-entry, tryLock
// timeouts), crash behaviour, metrics, trace records and the wait-for graph.
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../sim/observe/metrics.ts';
import { findWaitCycle, lockTable, lockTablesOf, describeCycle } from '../../sim/world/locks.ts';
import { checkNoStuckWaiters } from '../../sim/check/stuck.ts';
import { makeWorld, recordsOf } from './helpers.ts';

function setup(kind: 'mutex' | 'rw' = 'mutex', timeout?: string) {
  const { sim, trace, world } = makeWorld({ nodes: ['bank', 'other'] }, [{ at: '50ms', kind: 'crash', target: 'bank' }]);
  world.seal();
  const metrics = new Metrics();
  const table = lockTable({ sim, trace, metrics, world }, { name: 't', node: 'bank', kind, ...(timeout ? { timeout } : {}) });
  const log: string[] = [];
  const take = (owner: string, key: string, mode: 'exclusive' | 'shared' = 'exclusive', at = 0, holdUs?: number) =>
    sim.schedule(at, () =>
      table.acquire(owner, key, mode, (err) => {
        log.push(`${sim.now} ${owner} ${err ?? 'got'} ${key}`);
        if (err === null && holdUs !== undefined) sim.schedule(holdUs, () => table.release(owner, key), null);
      }),
    null);
  return { sim, trace, metrics, table, log, take };
}

describe('lock tables', () => {
  it('a mutex grants one owner at a time, waiters first come first served', () => {
    const { sim, table, log, take } = setup();
    take('a', 'k', 'exclusive', 0, 1000);
    take('b', 'k', 'exclusive', 10, 1000);
    take('c', 'k', 'shared', 20, 1000); // a mutex takes every request as exclusive
    sim.run(10_000);
    expect(log).toEqual(['0 a got k', '1000 b got k', '2000 c got k']);
    expect(table.holdersOf('k')).toEqual([]);
    expect(table.stats()).toMatchObject({ acquired: 3, timeouts: 0, queueMax: 2, waitMsMax: 1.98 });
  });

  it('a read-write lock shares readers, and a reader waits behind an earlier writer (fair mode)', () => {
    const { sim, log, take } = setup('rw');
    take('r1', 'k', 'shared', 0, 1000);
    take('r2', 'k', 'shared', 10, 1000); // shares with r1
    take('w', 'k', 'exclusive', 20, 1000); // waits for both readers
    take('r3', 'k', 'shared', 30, 1000); // behind the writer, though readers hold the lock
    sim.run(10_000);
    expect(log).toEqual(['0 r1 got k', '10 r2 got k', '1010 w got k', '2010 r3 got k']);
  });

  it('is re-entrant: a holder gets the lock again at once and frees it on its last release', () => {
    const { sim, table, log, take } = setup();
    take('a', 'k');
    take('a', 'k', 'exclusive', 10);
    take('b', 'k', 'exclusive', 20);
    sim.schedule(100, () => table.release('a', 'k'), null);
    sim.schedule(200, () => table.release('a', 'k'), null);
    sim.run(1000);
    expect(log).toEqual(['0 a got k', '10 a got k', '200 b got k']);
  });

  it('an acquisition timeout withdraws the waiter and answers lock-timeout; the next waiter keeps its place', () => {
    const { sim, trace, table, log, take } = setup('mutex', '500us');
    take('a', 'k', 'exclusive', 0, 2000);
    take('b', 'k', 'exclusive', 10);
    sim.schedule(20, () => table.acquire('c', 'k', 'exclusive', (e) => log.push(`${sim.now} c ${e ?? 'got'} k`), '5ms'), null);
    sim.run(10_000);
    expect(log).toEqual(['0 a got k', '510 b lock-timeout k', '2000 c got k']);
    expect(recordsOf(trace, 'lock-timeout')).toMatchObject([{ time: 510, owner: 'b', key: 'k', waitedUs: 500 }]);
    expect(table.stats().timeouts).toBe(1);
  });

  it('a crash of the node drops every holder and waiter; nothing is granted to the dead', () => {
    const { sim, metrics, table, log, take } = setup();
    take('a', 'k', 'exclusive', 0);
    take('b', 'k', 'exclusive', 10);
    sim.run(100_000);
    expect(log).toEqual(['0 a got k']);
    expect(table.holdersOf('k')).toEqual([]);
    expect(table.queueLength).toBe(0);
    expect(metrics.gauge('lock.t.queue').value).toBe(0);
    expect(metrics.gauge('lock.t.queue').max).toBe(1);
  });

  it('finds the cycle of two owners taking two locks in opposite order, and records it in the trace', () => {
    const { sim, trace, metrics, table, take } = setup();
    take('t1', 'a');
    take('t2', 'b');
    sim.schedule(10, () => table.acquire('t1', 'b', 'exclusive', () => {}), null);
    sim.schedule(20, () => table.acquire('t2', 'a', 'exclusive', () => {}), null);
    sim.run(30_000);
    const cycle = findWaitCycle(lockTablesOf(metrics), 't1')!;
    expect(cycle.map((e) => [e.waiter, e.key, e.holder])).toEqual([
      ['t1', 'b', 't2'],
      ['t2', 'a', 't1'],
    ]);
    expect(describeCycle(cycle)).toBe('t1 waits for t:b held by t2, which waits for t:a held by t1');
    expect(recordsOf(trace, 'lock-cycle')).toMatchObject([{ time: 20, cycle: 't2 waits for t:a held by t1, which waits for t:b held by t2' }]);
    expect(recordsOf(trace, 'lock-wait').map((r) => r.owner)).toEqual(['t1', 't2']);
    // the liveness check: both stuck for 30 ms − their wait start; bound 25 ms names the cycle
    const stuck = checkNoStuckWaiters({ registry: metrics, simTimeUs: 30_000 }, { bound: '25ms' });
    expect(stuck.status).toBe('fail');
    expect(stuck.detail).toContain('deadlock: t1 waits for t:b held by t2, which waits for t:a held by t1');
    expect(stuck.firstFailedAtMs).toBe(25.01);
    expect(checkNoStuckWaiters({ registry: metrics, simTimeUs: 30_000 }, { bound: '40ms' }).status).toBe('ok');
  });

  it('a stuck waiter without a cycle is named with the holder it waits behind', () => {
    const { sim, metrics, take } = setup();
    take('a', 'k');
    take('b', 'k', 'exclusive', 10);
    sim.run(40_000);
    const r = checkNoStuckWaiters({ registry: metrics, simTimeUs: 40_000 }, { bound: '20ms' });
    expect(r.cycle).toBeNull();
    expect(r.detail).toContain('b has waited 39.99ms for t:k (held by a)');
  });

  it('rejects bad options with a line naming what is valid', () => {
    const { sim, trace, world } = makeWorld({ nodes: ['n'] });
    const metrics = new Metrics();
    const ctx = { sim, trace, metrics, world };
    expect(() => lockTable(ctx, { name: 'x', kind: 'spin' as never })).toThrow('kind "spin" is not valid; valid: mutex, rw');
    expect(() => lockTable(ctx, { name: 'x', node: 'nope' })).toThrow('unknown node "nope"; nodes: n');
    expect(() => lockTable(ctx, { name: 'x', wait: '1s' } as never)).toThrow('unknown option "wait"; valid: name, node, kind, timeout');
    lockTable(ctx, { name: 'x' });
    expect(() => lockTable(ctx, { name: 'x' })).toThrow('exists already');
  });
});
