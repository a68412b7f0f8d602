/**
 * Pools as node resources: a thread pool with the semantics of Resilience4j's
 * `ThreadPoolBulkhead` (a `java.util.concurrent.ThreadPoolExecutor` over a bounded
 * `ArrayBlockingQueue`) and a connection pool with HikariCP's. Both live on a node: a crash of the
 * node kills every thread and closes every connection (their tasks and waiters vanish with the
 * process, as its other work does), and their occupancy is readable at any instant for metrics.
 *
 * Thread pool (Resilience4j 2.x `ThreadPoolBulkheadConfig`; `ThreadPoolExecutor.execute`):
 *
 * 1. fewer than `coreThreadPoolSize` threads: start a new thread for the task (even if others are idle);
 * 2. else put the task in the queue if it holds fewer than `queueCapacity` (an idle thread takes it at once);
 * 3. else, fewer than `maxThreadPoolSize` threads: start a new thread for it;
 * 4. else reject (`BulkheadFullException`: error `bulkhead-full`).
 *
 * A thread that finishes takes the next queued task; a thread idle for `keepAliveDuration` while
 * there are more than `coreThreadPoolSize` threads ends. Defaults as Resilience4j's:
 * `maxThreadPoolSize` = the node's cores (`availableProcessors`), `coreThreadPoolSize` = cores − 1
 * (at least 1), `queueCapacity` 100, `keepAliveDuration` 20 ms.
 *
 * Connection pool (HikariCP 5.x `HikariConfig`): at most `maximumPoolSize` connections (default
 * 10); `getConnection` takes an idle one, or waits for one returned or newly made, for at most
 * `connectionTimeout` (default 30 s, minimum 250 ms), then fails (`SQLTransientConnectionException`:
 * error `connection-timeout`). The pool keeps `minimumIdle` connections (default
 * `maximumPoolSize`: a fixed-size pool, as HikariCP recommends) and makes new ones in the
 * background when it has fewer, also after a broken connection is evicted or the node restarts.
 * Making a connection runs `connect` (a handshake against the target, which costs the target
 * work: reconnecting clients after a failover load their new target) or is instant without it.
 */
import { InputError } from '../kernel/errors.ts';
import type { Simulation } from '../kernel/sim.ts';
import { parseDuration, type Duration } from '../kernel/time.ts';
import type { Node } from './node.ts';

/** A thread pool's settings, as Resilience4j 2.x `ThreadPoolBulkheadConfig` names them. */
export interface ThreadPoolSpec {
  /** Most threads. Default: the node's cores. */
  maxThreadPoolSize?: number;
  /** Threads kept even when idle. Default: cores − 1, at least 1 (and at most `maxThreadPoolSize`). */
  coreThreadPoolSize?: number;
  /** Tasks waiting for a thread beyond which a task is rejected. Default 100. */
  queueCapacity?: number;
  /** How long a thread above the core count stays idle before it ends. Default "20ms". */
  keepAliveDuration?: Duration;
}

export const THREAD_POOL_KEYS: Record<keyof ThreadPoolSpec, true> = { maxThreadPoolSize: true, coreThreadPoolSize: true, queueCapacity: true, keepAliveDuration: true };

/** A task of a thread pool: it runs with `release`, which it calls once when it is done. */
export type PoolTask<A> = (arg: A, release: () => void) => void;

interface IdleThread {
  timer: number;
}

function intIn(where: string, field: string, v: unknown, min: number, max: number): number {
  if (!(typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max)) throw new InputError(`${where}: ${field}=${String(v)} is not valid; use an integer in [${min}, ${max}]`);
  return v;
}

/** A `ThreadPoolExecutor` as Resilience4j's `ThreadPoolBulkhead` configures it (see the file's documentation). */
export class ThreadPool {
  readonly maxThreadPoolSize: number;
  readonly coreThreadPoolSize: number;
  readonly queueCapacity: number;
  readonly keepAliveUs: number;
  /** Threads alive (busy + idle). */
  threads = 0;
  /** Threads running a task. */
  active = 0;
  peakThreads = 0;
  rejected = 0;
  completed = 0;
  private readonly qFns: PoolTask<any>[] = [];
  private readonly qArgs: unknown[] = [];
  private qHead = 0;
  /** Idle threads, oldest first. */
  private idle: IdleThread[] = [];
  private life = 0;

  constructor(
    readonly sim: Simulation,
    readonly name: string,
    spec: ThreadPoolSpec = {},
    readonly node: Node | null = null,
  ) {
    const where = `thread pool ${name}`;
    const cpus = node?.cores ?? 1;
    this.maxThreadPoolSize = intIn(where, 'maxThreadPoolSize', spec.maxThreadPoolSize ?? cpus, 1, 1_000_000);
    this.coreThreadPoolSize = intIn(where, 'coreThreadPoolSize', spec.coreThreadPoolSize ?? Math.min(this.maxThreadPoolSize, Math.max(1, cpus - 1)), 0, 1_000_000);
    if (this.coreThreadPoolSize > this.maxThreadPoolSize) {
      throw new InputError(`${where}: coreThreadPoolSize=${this.coreThreadPoolSize} is above maxThreadPoolSize=${this.maxThreadPoolSize}; use at most maxThreadPoolSize`);
    }
    this.queueCapacity = intIn(where, 'queueCapacity', spec.queueCapacity ?? 100, 0, 100_000_000);
    this.keepAliveUs = parseDuration(spec.keepAliveDuration ?? '20ms', `${where}: keepAliveDuration`);
    node?.onCrash(() => this.die());
  }

  /** Tasks waiting for a thread. */
  get queued(): number {
    return this.qFns.length - this.qHead;
  }

  /** Submit a task; false when the pool rejects it (queue full at `maxThreadPoolSize` threads, or its node is down). */
  submit<A>(task: PoolTask<A>, arg: A): boolean {
    if (this.node !== null && !this.node.alive) return false;
    if (this.threads < this.coreThreadPoolSize) {
      this.addThread();
      this.run(task, arg);
      return true;
    }
    if (this.queued < this.queueCapacity) {
      if (this.idle.length > 0) {
        // an idle thread blocked on the queue takes the task at once
        const t = this.idle.shift()!;
        if (t.timer !== -1) this.sim.cancel(t.timer);
        this.run(task, arg);
      } else {
        this.qFns.push(task);
        this.qArgs.push(arg);
      }
      return true;
    }
    if (this.threads < this.maxThreadPoolSize) {
      this.addThread();
      this.run(task, arg);
      return true;
    }
    this.rejected++;
    return false;
  }

  private addThread(): void {
    this.threads++;
    if (this.threads > this.peakThreads) this.peakThreads = this.threads;
  }

  private run<A>(task: PoolTask<A>, arg: A): void {
    this.active++;
    const life = this.life;
    let done = false;
    task(arg, () => {
      if (done || life !== this.life) return;
      done = true;
      this.completed++;
      this.active--;
      this.next();
    });
  }

  /** A thread finished its task: the next queued one, or idle (ending after keepAlive above the core size). */
  private next(): void {
    if (this.queued > 0) {
      const fn = this.qFns[this.qHead]!;
      const arg = this.qArgs[this.qHead];
      this.qFns[this.qHead] = undefined as never;
      this.qArgs[this.qHead] = undefined;
      this.qHead++;
      if (this.qHead > 1024 && this.qHead * 2 > this.qFns.length) {
        this.qFns.splice(0, this.qHead);
        this.qArgs.splice(0, this.qHead);
        this.qHead = 0;
      }
      this.run(fn, arg);
      return;
    }
    const t: IdleThread = { timer: -1 };
    if (this.threads > this.coreThreadPoolSize) t.timer = this.sim.schedule(this.keepAliveUs, keepAliveEnded, [this, t, this.life] as const);
    this.idle.push(t);
  }

  /** @internal an idle thread's keep-alive ran out. */
  _keepAliveEnded(t: IdleThread, life: number): void {
    if (life !== this.life) return;
    t.timer = -1;
    const i = this.idle.indexOf(t);
    if (i < 0 || this.threads <= this.coreThreadPoolSize) return;
    this.idle.splice(i, 1);
    this.threads--;
  }

  /** The node crashed: every thread and queued task is gone. */
  private die(): void {
    this.life++;
    for (const t of this.idle) if (t.timer !== -1) this.sim.cancel(t.timer);
    this.idle = [];
    this.qFns.length = 0;
    this.qArgs.length = 0;
    this.qHead = 0;
    this.threads = 0;
    this.active = 0;
  }
}

function keepAliveEnded(x: readonly [ThreadPool, IdleThread, number]): void {
  x[0]._keepAliveEnded(x[1], x[2]);
}

/** A connection pool's settings, as HikariCP 5.x names them. */
export interface ConnectionPoolSpec {
  /** Most connections, idle and in use. Default 10. */
  maximumPoolSize?: number;
  /** Longest wait for a connection before `connection-timeout`. Default "30s"; at least "250ms". */
  connectionTimeout?: Duration;
  /** Idle connections the pool keeps made (a fixed-size pool when equal to `maximumPoolSize`). Default `maximumPoolSize`. */
  minimumIdle?: number;
}

export const CONNECTION_POOL_KEYS: Record<keyof ConnectionPoolSpec, true> = { maximumPoolSize: true, connectionTimeout: true, minimumIdle: true };

/** Makes one connection: calls `done(true)` when it is open, `done(false)` when it failed. */
export type Connector = (done: (ok: boolean) => void) => void;

/** What `ConnectionPool.acquire` calls back with: the connection's number, or null and the error. */
export type ConnectionCallback<A> = (arg: A, connection: number, error: 'connection-timeout' | 'node-down' | null) => void;

class ConnectionWaiter {
  timer = -1;
  constructor(
    readonly fn: ConnectionCallback<any>,
    readonly arg: unknown,
  ) {}
}

/** A HikariCP connection pool on a node (see the file's documentation). */
export class ConnectionPool {
  readonly maximumPoolSize: number;
  readonly connectionTimeoutUs: number;
  readonly minimumIdle: number;
  /** Connections in use. */
  active = 0;
  /** Open connections not in use. */
  idle = 0;
  /** Connections being made. */
  pending = 0;
  /** Connections made (the target's handshakes). */
  connects = 0;
  /** Connections evicted as broken. */
  evicted = 0;
  timeouts = 0;
  private waiters: ConnectionWaiter[] = [];
  private wHead = 0;
  private life = 0;

  constructor(
    readonly sim: Simulation,
    readonly name: string,
    spec: ConnectionPoolSpec = {},
    readonly node: Node | null = null,
    private readonly connect: Connector | null = null,
  ) {
    const where = `connection pool ${name}`;
    this.maximumPoolSize = intIn(where, 'maximumPoolSize', spec.maximumPoolSize ?? 10, 1, 1_000_000);
    this.connectionTimeoutUs = parseDuration(spec.connectionTimeout ?? '30s', `${where}: connectionTimeout`);
    if (this.connectionTimeoutUs < 250_000) throw new InputError(`${where}: connectionTimeout is below HikariCP's minimum of 250ms; use "250ms" or more`);
    this.minimumIdle = intIn(where, 'minimumIdle', spec.minimumIdle ?? this.maximumPoolSize, 0, this.maximumPoolSize);
    node?.onCrash(() => this.die());
    node?.onRestart(() => this.fill());
    // the first connections are made when the run starts (a model may still be wiring its network now)
    sim.schedule(0, fillPool, this);
  }

  /** @internal make connections up to `minimumIdle`. */
  _fill(): void {
    this.fill();
  }

  /** Callers waiting for a connection. */
  get waiting(): number {
    return this.waiters.length - this.wHead;
  }

  /** Open or being made. */
  get total(): number {
    return this.active + this.idle + this.pending;
  }

  /** Get a connection: `fn(arg, connection, null)` now or when one frees up, or `fn(arg, -1, error)`. */
  acquire<A>(fn: ConnectionCallback<A>, arg: A): void {
    if (this.node !== null && !this.node.alive) {
      fn(arg, -1, 'node-down');
      return;
    }
    if (this.idle > 0 && this.waiting === 0) {
      this.idle--;
      this.active++;
      fn(arg, this.life, null);
      return;
    }
    const w = new ConnectionWaiter(fn, arg);
    w.timer = this.sim.schedule(this.connectionTimeoutUs, connectionWaitExpired, [this, w, this.life] as const);
    this.waiters.push(w);
    // HikariCP adds a connection for a waiter when the pool is below its maximum
    if (this.total < this.maximumPoolSize) this.open();
  }

  /** Give a connection back; `broken` closes it (the pool makes a new one when below `minimumIdle` or a caller waits). */
  release(connection: number, broken = false): void {
    if (connection !== this.life) return; // a connection of an earlier life of the node
    this.active--;
    if (broken) {
      this.evicted++;
      if (this.waiting > 0 || this.total < this.minimumIdle) this.open();
      return;
    }
    this.idle++;
    this.serveWaiters();
  }

  /** @internal a waiter's connectionTimeout ran out. */
  _expired(w: ConnectionWaiter, life: number): void {
    if (life !== this.life) return;
    w.timer = -1;
    const i = this.waiters.indexOf(w, this.wHead);
    if (i < 0) return;
    this.waiters.splice(i, 1);
    this.timeouts++;
    w.fn(w.arg, -1, 'connection-timeout');
  }

  private serveWaiters(): void {
    while (this.idle > 0 && this.wHead < this.waiters.length) {
      const w = this.waiters[this.wHead++]!;
      if (this.wHead > 1024 && this.wHead * 2 > this.waiters.length) {
        this.waiters.splice(0, this.wHead);
        this.wHead = 0;
      }
      this.sim.cancel(w.timer);
      this.idle--;
      this.active++;
      w.fn(w.arg, this.life, null);
    }
  }

  private fill(): void {
    while (this.total < this.minimumIdle) this.open();
  }

  private open(): void {
    if (this.node !== null && !this.node.alive) return;
    this.pending++;
    const life = this.life;
    const opened = (ok: boolean): void => {
      if (life !== this.life) return;
      this.pending--;
      if (!ok) {
        // HikariCP retries in the background; a waiter keeps waiting until its connectionTimeout
        if (this.waiting > this.pending || this.total < this.minimumIdle) this.sim.schedule(250_000, reopen, [this, life] as const);
        return;
      }
      this.connects++;
      this.idle++;
      this.serveWaiters();
    };
    if (this.connect === null) opened(true);
    else this.connect(opened);
  }

  /** @internal a failed connection attempt is tried again. */
  _reopen(life: number): void {
    if (life !== this.life || this.total >= this.maximumPoolSize) return;
    if (this.waiting > this.pending || this.total < this.minimumIdle) this.open();
  }

  private die(): void {
    this.life++;
    for (let i = this.wHead; i < this.waiters.length; i++) this.sim.cancel(this.waiters[i]!.timer);
    this.waiters = [];
    this.wHead = 0;
    this.active = 0;
    this.idle = 0;
    this.pending = 0;
  }
}

function connectionWaitExpired(x: readonly [ConnectionPool, ConnectionWaiter, number]): void {
  x[0]._expired(x[1], x[2]);
}
function fillPool(p: ConnectionPool): void {
  p._fill();
}
function reopen(x: readonly [ConnectionPool, number]): void {
  x[0]._reopen(x[1]);
}
