/**
 * Pools as node resources, against the documented behaviour of the libraries they follow:
 * `java.util.concurrent.ThreadPoolExecutor.execute` as Resilience4j's ThreadPoolBulkhead configures
 * it (core threads first, then the bounded queue, then threads up to the maximum, then reject;
 * idle threads above the core size end after keepAlive), and HikariCP's `getConnection`
 * (wait up to connectionTimeout, at least 250 ms).
 */
import { describe, expect, it } from 'vitest';
import { makeWorld } from './helpers.ts';
import { ConnectionPool, ThreadPool } from '../../sim/world/pools.ts';

describe('ThreadPool (Resilience4j ThreadPoolBulkhead / ThreadPoolExecutor)', () => {
  it('fills core threads, then the queue, then threads up to the maximum, then rejects', () => {
    const { sim, world } = makeWorld({ nodes: [{ name: 'a', cores: 4 }] });
    const pool = new ThreadPool(sim, 'p', { coreThreadPoolSize: 2, maxThreadPoolSize: 4, queueCapacity: 2, keepAliveDuration: '20ms' }, world.node('a'));
    const started: [number, number][] = [];
    const accepted: boolean[] = [];
    for (let i = 1; i <= 8; i++) {
      accepted.push(
        pool.submit((id: number, release) => {
          started.push([id, sim.now]);
          sim.schedule(10_000, release, null);
        }, i),
      );
    }
    expect(accepted).toEqual([true, true, true, true, true, true, false, false]);
    expect(pool.threads).toBe(4);
    expect(pool.queued).toBe(2);
    expect(pool.rejected).toBe(2);
    sim.run(15_000);
    // 1, 2 on core threads and 5, 6 on the extra threads at once; 3, 4 from the queue when threads free up
    expect(started).toEqual([
      [1, 0],
      [2, 0],
      [5, 0],
      [6, 0],
      [3, 10_000],
      [4, 10_000],
    ]);
    sim.run(25_000);
    expect(pool.threads).toBe(4); // two idle since 10 ms, two since 20 ms: no keepAlive over yet
    sim.run(50_000);
    expect(pool.threads).toBe(2); // the two idle since 10 ms ended at 30 ms; then the pool is at its core size
    expect(pool.completed).toBe(6);
  });

  it('defaults as Resilience4j: max = cores, core = cores − 1, queue 100', () => {
    const { sim, world } = makeWorld({ nodes: [{ name: 'a', cores: 8 }] });
    const pool = new ThreadPool(sim, 'p', {}, world.node('a'));
    expect([pool.maxThreadPoolSize, pool.coreThreadPoolSize, pool.queueCapacity, pool.keepAliveUs]).toEqual([8, 7, 100, 20_000]);
    expect(() => new ThreadPool(sim, 'q', { coreThreadPoolSize: 5, maxThreadPoolSize: 4 })).toThrow(/coreThreadPoolSize=5 is above maxThreadPoolSize=4/);
  });

  it('a crash of its node kills every thread and queued task', () => {
    const { sim, world } = makeWorld({ nodes: ['a'] });
    const pool = new ThreadPool(sim, 'p', { coreThreadPoolSize: 1, maxThreadPoolSize: 1, queueCapacity: 5 }, world.node('a'));
    let ran = 0;
    for (let i = 0; i < 4; i++) pool.submit((_: null, release) => (ran++, sim.schedule(5_000, release, null)), null);
    world.node('a').crash('test');
    expect([pool.threads, pool.active, pool.queued]).toEqual([0, 0, 0]);
    sim.run(100_000);
    expect(ran).toBe(1);
    expect(pool.submit(() => {}, null)).toBe(false);
  });
});

describe('ConnectionPool (HikariCP)', () => {
  it('waits up to connectionTimeout for a connection, then fails with connection-timeout', () => {
    const { sim, world } = makeWorld({ nodes: ['a'] });
    const pool = new ConnectionPool(sim, 'db', { maximumPoolSize: 2, connectionTimeout: '250ms' }, world.node('a'));
    const got: [number, string | null][] = [];
    sim.schedule(1, () => {
      for (let i = 0; i < 4; i++) {
        pool.acquire((_: null, c, error) => {
          got.push([sim.now, error]);
          if (error === null) sim.schedule(i === 0 ? 100_000 : 1_000_000, () => pool.release(c), null);
        }, null);
      }
    }, null);
    sim.run(2_000_000);
    // two at once; the third gets the first one back at 100 ms; the fourth gives up at 250 ms
    expect(got).toEqual([
      [1, null],
      [1, null],
      [100_001, null],
      [250_001, 'connection-timeout'],
    ]);
    expect(pool.timeouts).toBe(1);
    expect(() => new ConnectionPool(sim, 'x', { connectionTimeout: '100ms' })).toThrow(/below HikariCP's minimum of 250ms/);
  });

  it('makes minimumIdle connections at start and again after its node restarts; a broken connection is replaced', () => {
    const { sim, world } = makeWorld({ nodes: [{ name: 'a', restartDelay: '1s' }] });
    let handshakes = 0;
    const pool = new ConnectionPool(sim, 'db', { maximumPoolSize: 3 }, world.node('a'), (done) => (handshakes++, sim.schedule(2_000, done, true)));
    sim.run(10_000);
    expect([handshakes, pool.idle]).toEqual([3, 3]);
    let c = -2;
    pool.acquire((_: null, conn) => (c = conn), null);
    pool.release(c, true);
    sim.run(20_000);
    expect([handshakes, pool.idle, pool.evicted]).toEqual([4, 3, 1]);
    world.node('a').restart('test');
    expect(pool.total).toBe(0);
    sim.run(2_000_000);
    expect([handshakes, pool.idle]).toEqual([7, 3]);
  });
});
