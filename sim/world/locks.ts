/**
 * Locks as a world resource: mutexes and read-write locks with FIFO wait queues, acquisition
 * timeouts and measured hold times, per node (a process's in-memory locks, which die with it) and
 * per key (a row lock, made when first asked for).
 *
 *   const rows = lockTable(ctx, { name: 'rows', node: 'bank', kind: 'rw', timeout: '2s' });
 *   rows.acquire('bank#7', 'account-a', 'exclusive', (err) => { ... rows.release('bank#7', 'account-a') });
 *
 * Semantics, as the locks engineers use (java.util.concurrent's ReentrantLock and
 * ReentrantReadWriteLock in fair mode, a database's row locks):
 *   - A lock is held by one owner exclusively, or by any number of owners shared (`kind: 'rw'`;
 *     a `mutex` table takes every request as exclusive).
 *   - Waiters are served strictly first come, first served: a shared request waits behind an
 *     earlier exclusive one, so writers do not starve (fair mode).
 *   - Re-entrant: an owner that holds a lock gets it again at once (in the same or a weaker mode)
 *     and must release it as often. A shared holder asking for exclusive (an upgrade) gets it when
 *     it is the only holder; two owners upgrading the same lock deadlock, as in every database.
 *   - `timeout` bounds the wait (`tryLock(timeout)`, innodb_lock_wait_timeout): the request is
 *     withdrawn and answered `lock-timeout`. Without one, a waiter waits as long as it takes.
 *   - A table on a node loses every holder and waiter when the node crashes (the process and its
 *     threads are gone); a table without a node outlives crashes (a lock service).
 *
 * What it records: gauges `lock.<table>.queue` (waiters) and `lock.<table>.held` (locks held),
 * histograms `lock.<table>.waitUs` and `lock.<table>.holdUs`, counters of acquisitions and
 * timeouts; trace records `lock-wait` (a request had to wait), `lock-acquire` and `lock-release`
 * (detail: per request), `lock-timeout` and `lock-cycle` (a wait closed a cycle in the wait-for
 * graph: a deadlock). `waitsFor`, `stuckWaiters` and `findWaitCycle` read the wait-for graph
 * across every table of a run, which the liveness check uses (`checkNoStuckWaiters`).
 */
import { InputError } from '../kernel/errors.ts';
import type { Simulation } from '../kernel/sim.ts';
import { formatDuration, parseDuration, type Duration } from '../kernel/time.ts';
import { percentile, type Counter, type Gauge, type Histogram, type Metrics } from '../observe/metrics.ts';
import { markDetailKind, type Tracer } from '../observe/trace.ts';
import type { World } from './world.ts';

declare module '../observe/trace.ts' {
  interface TraceRecordMap {
    /** A lock request had to wait (`queue`: waiters on that lock, this one included). */
    'lock-wait': { node: string; table: string; key: string; owner: string; mode: LockMode; queue: number };
    /** A lock was granted after `waitedUs` (detail). */
    'lock-acquire': { node: string; table: string; key: string; owner: string; mode: LockMode; waitedUs: number };
    /** A lock was released after being held `heldUs` (detail). */
    'lock-release': { node: string; table: string; key: string; owner: string; heldUs: number };
    /** A lock request gave up after its timeout. */
    'lock-timeout': { node: string; table: string; key: string; owner: string; waitedUs: number };
    /** A wait closed a cycle in the wait-for graph: `cycle` names who waits for whom (a deadlock). */
    'lock-cycle': { node: string; table: string; cycle: string };
  }
}
markDetailKind('lock-acquire');
markDetailKind('lock-release');
markDetailKind('lock-wait');

/** How a lock is asked for: `exclusive` (a writer, a mutex) or `shared` (a reader of a read-write lock). */
export type LockMode = 'exclusive' | 'shared';
/** What a table's locks are: `mutex` (every request exclusive) or `rw` (shared readers, exclusive writers). */
export type LockKind = 'mutex' | 'rw';
/** The answer to a lock request: `null` (granted), `lock-timeout`, or `lock-lost` (its node crashed meanwhile). */
export type LockError = 'lock-timeout' | 'lock-lost';

/** Options of `lockTable`. */
export interface LockTableOptions {
  /** Names the table in metrics and the trace (`lock.<name>.queue`). */
  name: string;
  /** The node the locks live on: its crash drops every holder and waiter. Default: none (they outlive crashes). */
  node?: string;
  /** `mutex` (default) or `rw`. */
  kind?: LockKind;
  /** Default acquisition timeout (`tryLock(timeout)`); default none: wait as long as it takes. */
  timeout?: Duration;
}

/** What a lock table needs from the run. */
export interface LockContext {
  readonly sim: Simulation;
  readonly trace: Tracer;
  readonly metrics: Metrics;
  /** Needed when a table names a node. */
  readonly world?: World;
}

interface Waiter {
  owner: string;
  mode: LockMode;
  sinceUs: number;
  then: (error: LockError | null) => void;
  timer: number;
}

interface Lock {
  key: string;
  /** owner → its hold: mode, re-entry count, since when. */
  holders: Map<string, { mode: LockMode; count: number; sinceUs: number }>;
  queue: Waiter[];
}

/** One waiter stuck beyond a bound: who, on which lock, since when, and who holds it. */
export interface StuckWaiter {
  table: string;
  node: string;
  key: string;
  owner: string;
  mode: LockMode;
  sinceUs: number;
  holders: string[];
}

/** One edge of the wait-for graph: `waiter` waits for `holder` to release `key` of `table`. */
export interface WaitEdge {
  waiter: string;
  holder: string;
  table: string;
  key: string;
  sinceUs: number;
}

const tablesOfRun = new WeakMap<Metrics, LockTable[]>();

/** Every lock table made in the run whose metrics registry this is (what a check sees as `registry`). */
export function lockTablesOf(registry: Metrics): readonly LockTable[] {
  return tablesOfRun.get(registry) ?? [];
}

/**
 * A table of locks by key, on `options.node` or on none (see the module comment). Made once per
 * run, while the model is built.
 */
export function lockTable(ctx: LockContext, options: LockTableOptions): LockTable {
  return new LockTable(ctx, options);
}

/** A table of mutexes or read-write locks by key (see `lockTable`). */
export class LockTable {
  readonly name: string;
  readonly kind: LockKind;
  readonly node: string;
  readonly timeoutUs: number | null;
  private readonly locks = new Map<string, Lock>();
  /** owner → the key it waits for in this table (an owner waits for one lock at a time). */
  private readonly waitingFor = new Map<string, string>();
  private readonly sim: Simulation;
  private readonly trace: Tracer;
  private readonly queueGauge: Gauge;
  private readonly heldGauge: Gauge;
  private readonly waitHist: Histogram;
  private readonly holdHist: Histogram;
  private readonly acquired: Counter;
  private readonly timeouts: Counter;
  private waiters = 0;
  private held = 0;

  constructor(
    private readonly ctx: LockContext,
    options: LockTableOptions,
  ) {
    if (!ctx || typeof ctx.sim?.schedule !== 'function' || !ctx.metrics || !ctx.trace) {
      throw new InputError('lockTable(ctx, options): give the build context first (it has sim, trace and metrics)');
    }
    if (!options || typeof options !== 'object') throw new InputError('lockTable: options must be { name, node?, kind?, timeout? }');
    const known = ['name', 'node', 'kind', 'timeout'];
    for (const k of Object.keys(options)) {
      if (!known.includes(k)) throw new InputError(`lockTable: unknown option ${JSON.stringify(k)}; valid: ${known.join(', ')}`);
    }
    if (typeof options.name !== 'string' || options.name.length === 0) throw new InputError('lockTable: name is required (a non-empty string)');
    const where = `lockTable ${options.name}`;
    const kind = options.kind ?? 'mutex';
    if (kind !== 'mutex' && kind !== 'rw') throw new InputError(`${where}: kind ${JSON.stringify(kind)} is not valid; valid: mutex, rw`);
    this.name = options.name;
    this.kind = kind;
    this.node = options.node ?? '';
    this.timeoutUs = options.timeout !== undefined ? parseDuration(options.timeout, `${where}: timeout`) : null;
    this.sim = ctx.sim;
    this.trace = ctx.trace;
    const m = ctx.metrics;
    const tables = tablesOfRun.get(m) ?? [];
    if (tables.some((t) => t.name === this.name)) throw new InputError(`${where}: a lock table of that name exists already in this run`);
    this.queueGauge = m.gauge(`lock.${this.name}.queue`, this.sim.now);
    this.heldGauge = m.gauge(`lock.${this.name}.held`, this.sim.now);
    this.waitHist = m.histogram(`lock.${this.name}.waitUs`);
    this.holdHist = m.histogram(`lock.${this.name}.holdUs`);
    this.acquired = m.counter(`lock.${this.name}.acquired`);
    this.timeouts = m.counter(`lock.${this.name}.timeouts`);
    if (options.node !== undefined) {
      const world = ctx.world;
      if (!world || !world.hasNode(options.node)) {
        throw new InputError(`${where}: unknown node ${JSON.stringify(options.node)}; nodes: ${world ? world.nodeNames.join(', ') : '(no world)'}`);
      }
      world.node(options.node).onCrash(() => this.clear());
    }
    tables.push(this);
    tablesOfRun.set(m, tables);
    this.sim.onDispose(() => this.locks.clear());
  }

  /**
   * Ask `owner` for the lock `key` in `mode` (a mutex table takes every request as exclusive);
   * `then(null)` when it is held, `then('lock-timeout')` when the wait exceeded `timeout` (default
   * the table's). The answer always comes from the event loop, never inside this call.
   */
  acquire(owner: string, key: string, mode: LockMode, then: (error: LockError | null) => void, timeout?: Duration): void {
    if (typeof owner !== 'string' || owner.length === 0) throw new InputError(`lockTable ${this.name}: acquire needs an owner id (a non-empty string)`);
    if (typeof key !== 'string') throw new InputError(`lockTable ${this.name}: a lock key must be a string`);
    if (mode !== 'exclusive' && mode !== 'shared') throw new InputError(`lockTable ${this.name}: mode ${JSON.stringify(mode)} is not valid; valid: exclusive, shared`);
    if (this.waitingFor.has(owner)) throw new InputError(`lockTable ${this.name}: ${owner} asks for ${key} while it waits for ${this.waitingFor.get(owner)}; one wait at a time`);
    const m: LockMode = this.kind === 'mutex' ? 'exclusive' : mode;
    const lock = this.lockOf(key);
    const mine = lock.holders.get(owner);
    if (mine !== undefined && (mine.mode === 'exclusive' || m === 'shared' || lock.holders.size === 1)) {
      // re-entry, or an upgrade by the only holder
      mine.count++;
      if (m === 'exclusive') mine.mode = 'exclusive';
      this.sim.schedule(0, then, null);
      return;
    }
    const now = this.sim.now;
    if (lock.queue.length === 0 && this.compatible(lock, owner, m)) {
      this.grant(lock, owner, m, now);
      this.sim.schedule(0, then, null);
      return;
    }
    const tUs = timeout !== undefined ? parseDuration(timeout, `lockTable ${this.name}: timeout`) : this.timeoutUs;
    const w: Waiter = { owner, mode: m, sinceUs: now, then, timer: -1 };
    lock.queue.push(w);
    this.waitingFor.set(owner, key);
    this.waiters++;
    this.queueGauge.set(now, this.waiters);
    this.trace.emit({ time: now, kind: 'lock-wait', node: this.node, table: this.name, key, owner, mode: m, queue: lock.queue.length });
    if (tUs !== null) w.timer = this.sim.schedule(tUs, () => this.expire(lock, w), null);
    const cycle = findWaitCycle(lockTablesOf(this.ctx.metrics), owner);
    if (cycle !== null) this.trace.emit({ time: now, kind: 'lock-cycle', node: this.node, table: this.name, cycle: describeCycle(cycle) });
  }

  /** `owner` gives back one hold of `key` (the last one frees it for the next waiters). Releasing a lock not held does nothing. */
  release(owner: string, key: string): void {
    const lock = this.locks.get(key);
    const mine = lock?.holders.get(owner);
    if (lock === undefined || mine === undefined) return;
    if (--mine.count > 0) return;
    this.drop(lock, owner, mine.sinceUs);
    this.serve(lock);
  }

  /** `owner` gives back every lock it holds here and withdraws its wait, if any. */
  releaseAll(owner: string): void {
    const waiting = this.waitingFor.get(owner);
    if (waiting !== undefined) {
      const lock = this.locks.get(waiting)!;
      const i = lock.queue.findIndex((w) => w.owner === owner);
      if (i >= 0) this.withdraw(lock, i);
      this.serve(lock);
    }
    for (const lock of [...this.locks.values()]) {
      const mine = lock.holders.get(owner);
      if (mine === undefined) continue;
      this.drop(lock, owner, mine.sinceUs);
      this.serve(lock);
    }
  }

  /** Who holds `key` now (owner ids, in the order they got it). */
  holdersOf(key: string): string[] {
    return [...(this.locks.get(key)?.holders.keys() ?? [])];
  }

  /** Waiters on `key`, first come first. */
  queueOf(key: string): string[] {
    return (this.locks.get(key)?.queue ?? []).map((w) => w.owner);
  }

  /** Waiters in the whole table now. */
  get queueLength(): number {
    return this.waiters;
  }

  /** The edges of the wait-for graph this table contributes: each waiter waits for each holder of its lock. */
  waitEdges(): WaitEdge[] {
    const out: WaitEdge[] = [];
    for (const owner of this.waitingFor.keys()) out.push(...this.waitTargets(owner));
    return out;
  }

  /** The edges from `owner`, if it waits here: to each holder of the lock it waits for. */
  waitTargets(owner: string): WaitEdge[] {
    const key = this.waitingFor.get(owner);
    if (key === undefined) return [];
    const lock = this.locks.get(key)!;
    const w = lock.queue.find((x) => x.owner === owner)!;
    const out: WaitEdge[] = [];
    for (const h of lock.holders.keys()) if (h !== owner) out.push({ waiter: owner, holder: h, table: this.name, key, sinceUs: w.sinceUs });
    return out;
  }

  /** Waiters that have waited at least `boundUs` at `nowUs`, oldest first. */
  stuckWaiters(nowUs: number, boundUs: number): StuckWaiter[] {
    const out: StuckWaiter[] = [];
    for (const lock of this.locks.values()) {
      for (const w of lock.queue) {
        if (nowUs - w.sinceUs >= boundUs) {
          out.push({ table: this.name, node: this.node, key: lock.key, owner: w.owner, mode: w.mode, sinceUs: w.sinceUs, holders: [...lock.holders.keys()] });
        }
      }
    }
    return out.sort((a, b) => a.sinceUs - b.sinceUs || (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0));
  }

  /** Figures for a scenario's metrics: acquisitions, timeouts, waits and holds (ms), the longest queue. */
  stats(): { acquired: number; timeouts: number; waitMsP99: number; waitMsMax: number; holdMsP99: number; queueMax: number } {
    const ms = (h: Histogram, q: number): number => (h.count ? Math.round(percentile(h, q)) / 1000 : 0);
    return {
      acquired: this.acquired.value,
      timeouts: this.timeouts.value,
      waitMsP99: ms(this.waitHist, 0.99),
      waitMsMax: ms(this.waitHist, 1),
      holdMsP99: ms(this.holdHist, 0.99),
      queueMax: this.queueGauge.max,
    };
  }

  private lockOf(key: string): Lock {
    let lock = this.locks.get(key);
    if (lock === undefined) this.locks.set(key, (lock = { key, holders: new Map(), queue: [] }));
    return lock;
  }

  private compatible(lock: Lock, owner: string, mode: LockMode): boolean {
    if (lock.holders.size === 0) return true;
    if (mode === 'exclusive') return lock.holders.size === 1 && lock.holders.has(owner);
    for (const h of lock.holders.values()) if (h.mode === 'exclusive') return false;
    return true;
  }

  private grant(lock: Lock, owner: string, mode: LockMode, sinceUs: number): void {
    const now = this.sim.now;
    const mine = lock.holders.get(owner);
    if (mine !== undefined) {
      // an upgrade that waited
      mine.count++;
      mine.mode = 'exclusive';
    } else {
      lock.holders.set(owner, { mode, count: 1, sinceUs: now });
      this.held++;
      this.heldGauge.set(now, this.held);
    }
    this.acquired.inc();
    this.waitHist.record(now - sinceUs);
    this.trace.emit({ time: now, kind: 'lock-acquire', node: this.node, table: this.name, key: lock.key, owner, mode, waitedUs: now - sinceUs });
  }

  private drop(lock: Lock, owner: string, sinceUs: number): void {
    const now = this.sim.now;
    lock.holders.delete(owner);
    this.held--;
    this.heldGauge.set(now, this.held);
    this.holdHist.record(now - sinceUs);
    this.trace.emit({ time: now, kind: 'lock-release', node: this.node, table: this.name, key: lock.key, owner, heldUs: now - sinceUs });
  }

  /** Grant the head of the queue while it is compatible (strict FIFO). */
  private serve(lock: Lock): void {
    while (lock.queue.length > 0) {
      const w = lock.queue[0]!;
      if (!this.compatible(lock, w.owner, w.mode)) break;
      lock.queue.shift();
      this.unwait(w);
      this.grant(lock, w.owner, w.mode, w.sinceUs);
      this.sim.schedule(0, w.then, null);
    }
    if (lock.queue.length === 0 && lock.holders.size === 0) this.locks.delete(lock.key);
  }

  private unwait(w: Waiter): void {
    if (w.timer >= 0) this.sim.cancel(w.timer);
    this.waitingFor.delete(w.owner);
    this.waiters--;
    this.queueGauge.set(this.sim.now, this.waiters);
  }

  private withdraw(lock: Lock, i: number): Waiter {
    const [w] = lock.queue.splice(i, 1);
    this.unwait(w!);
    return w!;
  }

  private expire(lock: Lock, w: Waiter): void {
    const i = lock.queue.indexOf(w);
    if (i < 0) return;
    this.withdraw(lock, i);
    this.timeouts.inc();
    const now = this.sim.now;
    this.trace.emit({ time: now, kind: 'lock-timeout', node: this.node, table: this.name, key: lock.key, owner: w.owner, waitedUs: now - w.sinceUs });
    this.serve(lock);
    w.then('lock-timeout');
  }

  /** The node crashed: every holder and waiter is gone with its process. */
  private clear(): void {
    const now = this.sim.now;
    for (const lock of this.locks.values()) for (const w of lock.queue) if (w.timer >= 0) this.sim.cancel(w.timer);
    this.locks.clear();
    this.waitingFor.clear();
    this.waiters = 0;
    this.held = 0;
    this.queueGauge.set(now, 0);
    this.heldGauge.set(now, 0);
  }
}

/** Every wait-for edge across `tables`, sorted by waiter, then holder. */
export function waitsFor(tables: readonly LockTable[]): WaitEdge[] {
  const edges = tables.flatMap((t) => t.waitEdges());
  return edges.sort((a, b) => cmp(a.waiter, b.waiter) || cmp(a.holder, b.holder) || cmp(a.table, b.table) || cmp(a.key, b.key));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A cycle in the wait-for graph across `tables` (a deadlock): the edges from `from` (default:
 * the first owner that is on one) back to it, or null when there is none. Depth-first search in
 * a fixed order, so the same state names the same cycle.
 */
export function findWaitCycle(tables: readonly LockTable[], from?: string): WaitEdge[] | null {
  const next = (owner: string): WaitEdge[] =>
    tables.flatMap((t) => t.waitTargets(owner)).sort((a, b) => cmp(a.holder, b.holder) || cmp(a.table, b.table) || cmp(a.key, b.key));
  const starts = from !== undefined ? [from] : [...new Set(waitsFor(tables).map((e) => e.waiter))];
  for (const start of starts) {
    // depth-first, keeping the path; a cycle is a path back to `start`
    const path: WaitEdge[] = [];
    const seen = new Set<string>([start]);
    const stack: { edges: WaitEdge[]; i: number }[] = [{ edges: next(start), i: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.i >= top.edges.length) {
        stack.pop();
        path.pop();
        continue;
      }
      const e = top.edges[top.i++]!;
      if (e.holder === start) return [...path, e];
      if (seen.has(e.holder)) continue;
      seen.add(e.holder);
      path.push(e);
      stack.push({ edges: next(e.holder), i: 0 });
    }
  }
  return null;
}

/** "bank#1 waits for rows:b held by bank#2, which waits for rows:a held by bank#1". */
export function describeCycle(cycle: readonly WaitEdge[]): string {
  return cycle
    .map((e, i) => `${i === 0 ? e.waiter : 'which'} waits for ${e.table}:${e.key} held by ${e.holder}`)
    .join(', ');
}

/** A waiter's wait as people read it: "bank#3 has waited 4.2s for rows:a (held by bank#1)". */
export function describeStuck(s: StuckWaiter, nowUs: number): string {
  return `${s.owner} has waited ${formatDuration(nowUs - s.sinceUs)} for ${s.table}:${s.key}${s.holders.length ? ` (held by ${s.holders.join(', ')})` : ''}`;
}
