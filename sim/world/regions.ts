/**
 * Regions: groups of availability zones far apart (AWS `us-east-1` is made of `us-east-1a`,
 * `us-east-1b`, …). A world with `regions` in its spec knows each node's region through its
 * zone; links between nodes of different regions get the cross-region latency (a distribution,
 * by default a lognormal with a 35 ms median one way: the ~70 ms round trip between AWS
 * us-east-1 and us-west-2 or eu-west-1); `region:<name>` selects a region's nodes wherever a
 * node selector is taken (link rules, fault targets); the `region-outage` fault kind takes a
 * whole region down.
 *
 * A world without `regions` is exactly as before: no link rule is added and nothing is drawn.
 */
import type { DistributionSpec } from '../kernel/distribution.ts';
import { InputError } from '../kernel/errors.ts';
import { parseDuration, type Duration } from '../kernel/time.ts';
import { handleDataDeletes } from './backup.ts';
import type { LinkRule, Message } from './network.ts';
import type { Node } from './node.ts';
import type { World, WorldSpec } from './world.ts';

/**
 * Default one-way latency between regions: lognormal, median 35 ms, σ 0.1 (p99 ≈ 44 ms). AWS
 * publishes no SLA for it; measured round trips between us-east-1 and us-west-2 or eu-west-1 are
 * about 65–75 ms.
 */
export const CROSS_REGION_LATENCY_DEFAULT: DistributionSpec = { dist: 'lognormal', median: '35ms', sigma: 0.1 };

/** Zone → region from a spec's `regions` (region → zones); a zone in two regions is an error. */
export function regionMap(regions: Readonly<Record<string, readonly string[]>> | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (regions === undefined) return out;
  if (typeof regions !== 'object' || regions === null || Array.isArray(regions)) {
    throw new InputError('createWorld: regions must map region names to lists of zone names, such as { "us-east-1": ["us-east-1a", "us-east-1b"] }');
  }
  for (const [region, zones] of Object.entries(regions)) {
    if (!Array.isArray(zones) || zones.length === 0) {
      throw new InputError(`createWorld: regions.${region} must be a non-empty list of zone names, such as ["${region}a", "${region}b"]`);
    }
    for (const z of zones) {
      if (typeof z !== 'string' || z.length === 0) throw new InputError(`createWorld: regions.${region} lists ${JSON.stringify(z)}; use zone names (non-empty strings)`);
      const prev = out.get(z);
      if (prev !== undefined && prev !== region) throw new InputError(`createWorld: zone ${JSON.stringify(z)} is in regions ${prev} and ${region}; a zone belongs to one`);
      out.set(z, region);
    }
  }
  return out;
}

/**
 * The link rules of a world with regions: first the cross-region latency between every pair of
 * zones in different regions, then the spec's own rules with `region:<name>` expanded to the
 * region's zones (so they win, as later rules do). Checks that every node's zone is in a region.
 */
export function regionLinkRules(w: World, spec: WorldSpec): LinkRule[] {
  const zones = w.regionZones;
  const regionOf = new Map<string, string>();
  for (const [r, zs] of zones) for (const z of zs) regionOf.set(z, r);
  for (const n of w.nodes) {
    if (!regionOf.has(n.zone)) {
      throw new InputError(
        `createWorld: node ${JSON.stringify(n.name)} is in zone ${JSON.stringify(n.zone)}, which no region lists; regions: ${[...zones].map(([r, zs]) => `${r} (${zs.join(', ')})`).join('; ')}`,
      );
    }
  }
  // only zones with nodes: a selector that matches no node is an error in the network
  const used = new Set(w.nodes.map((n) => n.zone));
  const latency = spec.crossRegionLatency ?? CROSS_REGION_LATENCY_DEFAULT;
  const rules: LinkRule[] = [];
  const names = [...zones.keys()];
  for (let a = 0; a < names.length; a++) {
    for (let b = a + 1; b < names.length; b++) {
      for (const za of zones.get(names[a]!)!) {
        if (!used.has(za)) continue;
        for (const zb of zones.get(names[b]!)!) if (used.has(zb)) rules.push({ from: `zone:${za}`, to: `zone:${zb}`, latency });
      }
    }
  }
  const expand = (sel: string, where: string): string[] => {
    if (!sel.startsWith('region:')) return [sel];
    const r = sel.slice(7);
    const zs = zones.get(r);
    if (zs === undefined) throw new InputError(`createWorld: ${where}: ${JSON.stringify(sel)} names no region; regions: ${names.join(', ')}`);
    return zs.filter((z) => used.has(z)).map((z) => `zone:${z}`);
  };
  (spec.links ?? []).forEach((rule, i) => {
    for (const from of expand(rule.from, `links[${i}].from`)) for (const to of expand(rule.to, `links[${i}].to`)) rules.push({ ...rule, from, to });
  });
  return rules;
}

/** The nodes of region `name` (for `World.select("region:<name>")`). */
export function selectRegion(w: World, name: string, what: string): Node[] {
  const members = w.regions.get(name);
  if (members === undefined || members.length === 0) {
    const known = [...w.regions.keys()];
    throw new InputError(`${what}: "region:${name}" matches no node; ${known.length > 0 ? `valid regions: ${known.join(', ')}` : 'the world declares no regions (give createWorld regions: { name: [zones] })'}`);
  }
  return members.map((n) => w.node(n));
}

// ---------------------------------------------------------------------------------------------
// Asynchronous replication between copies of a store, typically across regions.

/** A value a store holds (JSON primitives, as the checkers' histories take them). */
export type StoreValue = string | number | boolean | null;

/** One entry of a copy's log (its write-ahead log, binlog): a put, or a statement that drops the table. */
export interface LogEntry {
  /** Position in its origin's log, from 1. */
  readonly seq: number;
  /** The copy that committed it. */
  readonly origin: string;
  readonly op: 'put' | 'drop';
  readonly key: string;
  readonly value: StoreValue;
  /** Commit time (µs). */
  readonly atUs: number;
}

/** An acknowledged write as the store's clients saw it: what `rpoWrites` and lost-write counts are judged on. */
export interface AckedWrite {
  readonly key: string;
  readonly value: StoreValue;
  readonly origin: string;
  readonly seq: number;
  /** Commit time at its origin (µs). */
  readonly atUs: number;
}

/** The options of `asyncReplicatedStore`. */
export interface AsyncReplicatedStoreOptions {
  world: World;
  /** Names the store in errors and trace records. */
  name: string;
  /** The nodes holding a copy each (the store listens on them: give it nodes of its own). */
  nodes: readonly string[];
  /** The copy that takes writes at first (default the first node); the others are read-only replicas until promoted. */
  primary?: string;
  /** Every copy takes writes and ships them to the others (active-active; last writer wins by commit time, then node name). Default false. */
  multiPrimary?: boolean;
  /** How often a copy ships the log entries a peer has not acknowledged (default "100ms"). */
  shipInterval?: Duration;
  /** Per replica: apply entries this long after their commit (PostgreSQL `recovery_min_apply_delay`, MySQL `SOURCE_DELAY`). */
  applyDelay?: Readonly<Record<string, Duration>>;
  /** Bytes per log entry on the wire (default 200). */
  entryBytes?: number;
  /** Client call timeout (default "1s"). */
  timeout?: Duration;
}

declare module '../observe/trace.ts' {
  interface TraceRecordMap {
    /** A store's copy changed role (promoted, demoted, restored) or lost its data. */
    'store-role': { node: string; store: string; role: string; reason: string };
  }
}

interface Copy {
  readonly node: string;
  role: 'primary' | 'replica';
  readonly data: Map<string, { value: StoreValue; atUs: number; origin: string }>;
  /** Entries this copy committed. */
  log: LogEntry[];
  /** Per origin: the highest seq applied here. */
  readonly applied: Map<string, number>;
  /** Per origin: the highest seq received here (≥ applied; more with an apply delay). */
  readonly received: Map<string, number>;
  /** Received entries waiting for their apply delay, in arrival order. */
  pending: LogEntry[];
  /** Per peer: how many of this copy's log entries it has acknowledged. */
  readonly ackedBy: Map<string, number>;
  readonly delayUs: number;
  /** Replay stopped by an operator (a delayed replica being recovered). */
  replayPaused: boolean;
  /** The table was dropped here (writes fail until a restore). */
  dropped: boolean;
  /** The volume was deleted here: no data, no log; requests fail. */
  lost: boolean;
  applyTimer: number;
  /** The next shipment's timer, or -1: armed while a peer has not acknowledged everything. */
  shipTimer: number;
}

type Wire =
  | { s: string; t: 'write'; key: string; value: StoreValue }
  | { s: string; t: 'read'; key: string }
  | { s: string; t: 'ship'; origin: string; entries: LogEntry[] }
  | { s: string; t: 'ack'; origin: string; upto: number };

/**
 * A key-value store with one copy per node and asynchronous log shipping between them: a write
 * commits on the copy it reaches and is acknowledged at once; the copy ships its log to every
 * peer every `shipInterval` (at least once: what a peer has not acknowledged goes again), and a
 * peer applies entries in order, once each (by origin and seq, as MySQL GTIDs or PostgreSQL LSNs
 * do). So a replica lags by the shipping interval plus the link's latency, and a copy that fails
 * takes the writes it had not shipped with it: the replication-lag data loss of an asynchronous
 * failover. Clients call it over the world's network (`write`, `read`); operators `promote` a
 * replica, `pauseReplay` a delayed one and `recover` it to a point in time.
 */
export class AsyncReplicatedStore {
  readonly world: World;
  readonly name: string;
  readonly multiPrimary: boolean;
  /** Every acknowledged write, in acknowledgement order. */
  readonly acked: AckedWrite[] = [];
  private readonly copies = new Map<string, Copy>();
  private readonly shipUs: number;
  private readonly entryBytes: number;
  private readonly timeoutUs: number;
  private readonly lagSamplesMs: number[] = [];
  private readonly deleteListeners: ((node: string, mode: 'table' | 'volume') => void)[] = [];

  constructor(o: AsyncReplicatedStoreOptions) {
    const w = `asyncReplicatedStore(${String(o?.name)})`;
    if (!o || typeof o !== 'object' || !o.world) throw new InputError(`${w}: give { world, name, nodes }`);
    this.world = o.world;
    this.name = o.name;
    if (!Array.isArray(o.nodes) || o.nodes.length === 0) throw new InputError(`${w}: nodes must list the nodes holding a copy`);
    for (const n of o.nodes) if (!o.world.hasNode(n)) throw new InputError(`${w}: unknown node ${JSON.stringify(n)}; nodes: ${o.world.nodeNames.join(', ')}`);
    const primary = o.primary ?? o.nodes[0]!;
    if (!o.nodes.includes(primary)) throw new InputError(`${w}: primary ${JSON.stringify(primary)} is not one of nodes (${o.nodes.join(', ')})`);
    this.multiPrimary = o.multiPrimary ?? false;
    this.shipUs = parseDuration(o.shipInterval ?? '100ms', `${w}: shipInterval`);
    if (!(this.shipUs >= 1000)) throw new InputError(`${w}: shipInterval must be at least "1ms"`);
    this.entryBytes = o.entryBytes ?? 200;
    if (!(Number.isInteger(this.entryBytes) && this.entryBytes >= 1 && this.entryBytes <= 1e9)) throw new InputError(`${w}: entryBytes=${String(o.entryBytes)} is not valid; use an integer from 1 to 1e9`);
    this.timeoutUs = parseDuration(o.timeout ?? '1s', `${w}: timeout`);
    for (const k of Object.keys(o.applyDelay ?? {})) if (!o.nodes.includes(k)) throw new InputError(`${w}: applyDelay names ${JSON.stringify(k)}, which holds no copy; nodes: ${o.nodes.join(', ')}`);
    for (const node of o.nodes) {
      const d = o.applyDelay?.[node];
      this.copies.set(node, {
        node,
        role: this.multiPrimary || node === primary ? 'primary' : 'replica',
        data: new Map(),
        log: [],
        applied: new Map(),
        received: new Map(),
        pending: [],
        ackedBy: new Map(),
        delayUs: d === undefined ? 0 : parseDuration(d, `${w}: applyDelay.${node}`),
        replayPaused: false,
        dropped: false,
        lost: false,
        applyTimer: -1,
        shipTimer: -1,
      });
    }
    o.world.onSeal(() => {
      for (const c of this.copies.values()) o.world.net.listen(c.node, (m) => this.onMessage(c, m as Message<Wire>));
    });
    // the data-delete fault kind reaches its copies (sim/world/backup.ts)
    handleDataDeletes(this);
  }

  /** The nodes holding a copy. */
  get nodes(): string[] {
    return [...this.copies.keys()];
  }

  /** The copies that take writes now. */
  get primaries(): string[] {
    return [...this.copies.values()].filter((c) => c.role === 'primary').map((c) => c.node);
  }

  /** The role of a copy. */
  roleOf(node: string): 'primary' | 'replica' {
    return this.copy(node).role;
  }

  /**
   * Write `key` = `value` from node `from` to the copy on `to` (default: the primary): `done(null)`
   * once that copy committed it (before it is replicated), `done(error)` otherwise (`read-only`,
   * `no such table`, `volume lost`, `timeout`).
   */
  write(from: string, key: string, value: StoreValue, done: (error: string | null) => void, to?: string): void {
    const target = to ?? this.primaries[0];
    if (target === undefined) return done('no primary');
    this.world.net.call(from, target, { s: this.name, t: 'write', key, value } satisfies Wire, this.timeoutUs, replyDone, done);
  }

  /** Read `key` from the copy on `to` (default: the primary): `done(error, value)`. */
  read(from: string, key: string, done: (error: string | null, value?: StoreValue) => void, to?: string): void {
    const target = to ?? this.primaries[0];
    if (target === undefined) return done('no primary');
    this.world.net.call(from, target, { s: this.name, t: 'read', key } satisfies Wire, this.timeoutUs, readDone, done);
  }

  /** The value a copy holds for `key` now (no network; for checks), or undefined. */
  peek(node: string, key: string): StoreValue | undefined {
    return this.copy(node).data.get(key)?.value;
  }

  /** Everything a copy holds now (for checks: the `final` state of a lost-write check). */
  snapshotOf(node: string): Map<string, StoreValue> {
    return new Map([...this.copy(node).data].map(([k, v]) => [k, v.value]));
  }

  /**
   * How far a copy is behind: per origin it replicates, the entries committed there and not yet
   * applied here, and the age of the oldest of them (ms; 0 when caught up).
   */
  lag(node: string): { entries: number; ms: number } {
    const c = this.copy(node);
    let entries = 0;
    let oldestUs = Infinity;
    for (const o of this.copies.values()) {
      if (o === c) continue;
      const applied = c.applied.get(o.node) ?? 0;
      const behind = o.log.length - applied;
      if (behind > 0) {
        entries += behind;
        oldestUs = Math.min(oldestUs, o.log[applied]!.atUs);
      }
    }
    return { entries, ms: entries === 0 ? 0 : (this.world.sim.now - oldestUs) / 1000 };
  }

  /** Record the lag of `node` now (a sampler calls it, say every second); `lagMsSamples` returns them. */
  sampleLag(node: string): void {
    this.lagSamplesMs.push(this.lag(node).ms);
  }

  /** The lag samples taken with `sampleLag` (ms), in order. */
  get lagMsSamples(): readonly number[] {
    return this.lagSamplesMs;
  }

  /**
   * Acknowledged writes that the copy on `node` does not hold (its value for the key is another
   * write's, or none): with unique keys, the writes a failover to that copy loses.
   */
  missingOn(node: string, acked: readonly AckedWrite[] = this.acked): AckedWrite[] {
    const c = this.copy(node);
    return acked.filter((a) => {
      const v = c.data.get(a.key);
      return v === undefined || v.origin !== a.origin || v.atUs < a.atUs;
    });
  }

  /** Make the copy on `node` a primary (a failover); the others become replicas unless multi-primary. */
  promote(node: string, reason = 'promoted'): void {
    const c = this.copy(node);
    if (!this.multiPrimary) {
      for (const o of this.copies.values()) if (o !== c && o.role === 'primary') this.setRole(o, 'replica', `demoted: ${node} promoted`);
    }
    if (c.role !== 'primary') this.setRole(c, 'primary', reason);
  }

  /** Stop applying received entries on a (delayed) replica (PostgreSQL `pg_wal_replay_pause()`). */
  pauseReplay(node: string): void {
    this.copy(node).replayPaused = true;
  }

  /**
   * Point-in-time recovery of a replica from what it has received: apply every received entry
   * committed before `beforeUs` (and nothing after), stop replicating, and promote it. Returns the
   * number of entries applied now. (PostgreSQL: `recovery_target_time`, then `pg_promote()`.)
   */
  recover(node: string, beforeUs: number, reason = 'recovered to a point in time and promoted'): number {
    const c = this.copy(node);
    c.replayPaused = true;
    let n = 0;
    for (const e of c.pending) {
      if (e.atUs >= beforeUs) break;
      this.apply(c, e);
      n++;
    }
    c.pending = [];
    this.promote(node, reason);
    return n;
  }

  /**
   * Replace the contents of the copy on `node` with `entries` replayed in order (a restore from a
   * backup), clear its dropped or lost state and promote it.
   */
  restore(node: string, entries: readonly LogEntry[], reason = 'restored'): void {
    const c = this.copy(node);
    c.data.clear();
    c.dropped = false;
    c.lost = false;
    c.pending = [];
    c.replayPaused = true;
    for (const e of entries) this.applyData(c, e);
    // the restored copy starts a new timeline: its own log from here (PostgreSQL: a new timeline ID)
    c.log = [];
    this.promote(node, reason);
  }

  /** The log entries committed on `node`, in order (its WAL; empty once its volume is lost). */
  logOf(node: string): readonly LogEntry[] {
    return this.copy(node).log;
  }

  /**
   * @internal A destructive human error on the copy at `node` (the `data-delete` fault kind):
   * `table` drops the table with a logged statement, which replicas apply like any other;
   * `volume` deletes the copy's data and its log (unshipped entries are gone), and the copy fails
   * every request until restored.
   */
  _dataDelete(node: string, mode: 'table' | 'volume'): void {
    this.deleteNow(node, mode);
    for (const fn of this.deleteListeners) fn(node, mode);
  }

  private deleteNow(node: string, mode: 'table' | 'volume'): void {
    const c = this.copy(node);
    if (mode === 'volume') {
      c.data.clear();
      c.log = [];
      c.pending = [];
      c.lost = true;
      this.emitRole(c, 'lost', 'data-delete: volume deleted');
      return;
    }
    const e: LogEntry = { seq: c.log.length + 1, origin: c.node, op: 'drop', key: '*', value: null, atUs: this.world.sim.now };
    c.log.push(e);
    this.applyData(c, e);
    this.armShip(c);
    this.emitRole(c, c.role, 'data-delete: table dropped');
  }

  /** Call `fn(node, mode)` when a `data-delete` fault hits a copy (an alert that pages the operator). */
  onDataDelete(fn: (node: string, mode: 'table' | 'volume') => void): void {
    this.deleteListeners.push(fn);
  }

  private copy(node: string): Copy {
    const c = this.copies.get(node);
    if (!c) throw new InputError(`store ${this.name}: no copy on ${JSON.stringify(node)}; copies: ${this.nodes.join(', ')}`);
    return c;
  }

  private setRole(c: Copy, role: 'primary' | 'replica', reason: string): void {
    c.role = role;
    this.emitRole(c, role, reason);
  }

  private emitRole(c: Copy, role: string, reason: string): void {
    this.world.trace.emit({ time: this.world.sim.now, kind: 'store-role', node: c.node, store: this.name, role, reason });
  }

  private onMessage(c: Copy, m: Message<Wire>): void {
    const p = m.payload;
    if (!p || p.s !== this.name) return;
    const net = this.world.net;
    switch (p.t) {
      case 'write': {
        const error = c.lost ? 'volume lost' : c.role !== 'primary' ? 'read-only' : c.dropped ? 'no such table' : null;
        if (error !== null) return void net.reply(m, { error });
        const e: LogEntry = { seq: c.log.length + 1, origin: c.node, op: 'put', key: p.key, value: p.value, atUs: this.world.sim.now };
        c.log.push(e);
        this.applyData(c, e);
        this.acked.push({ key: e.key, value: e.value, origin: e.origin, seq: e.seq, atUs: e.atUs });
        this.armShip(c);
        return void net.reply(m, { error: null });
      }
      case 'read': {
        const error = c.lost ? 'volume lost' : c.dropped ? 'no such table' : null;
        return void net.reply(m, error !== null ? { error } : { error: null, value: c.data.get(p.key)?.value ?? null });
      }
      case 'ship': {
        if (c.lost) return;
        let received = c.received.get(p.origin) ?? 0;
        for (const e of p.entries) {
          if (e.seq !== received + 1) continue;
          received = e.seq;
          if (c.delayUs > 0 || c.replayPaused || c.pending.length > 0) c.pending.push(e);
          else this.apply(c, e);
        }
        c.received.set(p.origin, received);
        if (c.pending.length > 0) this.armApply(c);
        net.send(c.node, m.from, { s: this.name, t: 'ack', origin: p.origin, upto: received } satisfies Wire, 64);
        return;
      }
      case 'ack': {
        if (p.origin !== c.node) return;
        if (p.upto > (c.ackedBy.get(m.from) ?? 0)) c.ackedBy.set(m.from, p.upto);
        return;
      }
    }
  }

  /**
   * Shipments happen at multiples of `shipInterval` from the start of the run, while some peer has
   * not acknowledged every entry (an idle store schedules nothing).
   */
  private armShip(c: Copy): void {
    if (c.shipTimer >= 0 || this.copies.size < 2) return;
    const now = this.world.sim.now;
    const at = (Math.floor(now / this.shipUs) + 1) * this.shipUs;
    c.shipTimer = this.world.sim.schedule(at - now, () => {
      c.shipTimer = -1;
      if (this.ship(c)) this.armShip(c);
    }, null);
  }

  /** Ship what each peer has not acknowledged yet (at most 10,000 entries a message); true while something is unacknowledged. */
  private ship(c: Copy): boolean {
    if (c.lost || c.log.length === 0) return false;
    const node = this.world.node(c.node);
    // a crashed copy ships nothing; it ships again once it is back (its log is on its disk)
    if (!node.alive) return true;
    let behind = false;
    for (const peer of this.copies.keys()) {
      if (peer === c.node) continue;
      const from = c.ackedBy.get(peer) ?? 0;
      if (from >= c.log.length) continue;
      behind = true;
      const entries = c.log.slice(from, Math.min(c.log.length, from + 10_000));
      this.world.net.send(c.node, peer, { s: this.name, t: 'ship', origin: c.node, entries } satisfies Wire, entries.length * this.entryBytes);
    }
    return behind;
  }

  private armApply(c: Copy): void {
    if (c.applyTimer >= 0 || c.replayPaused) return;
    const head = c.pending[0]!;
    const wait = Math.max(0, head.atUs + c.delayUs - this.world.sim.now);
    c.applyTimer = this.world.sim.schedule(wait, () => {
      c.applyTimer = -1;
      if (c.replayPaused) return;
      const now = this.world.sim.now;
      let i = 0;
      while (i < c.pending.length && c.pending[i]!.atUs + c.delayUs <= now) this.apply(c, c.pending[i++]!);
      c.pending = c.pending.slice(i);
      if (c.pending.length > 0) this.armApply(c);
    }, null);
  }

  private apply(c: Copy, e: LogEntry): void {
    if ((c.applied.get(e.origin) ?? 0) >= e.seq) return;
    c.applied.set(e.origin, e.seq);
    this.applyData(c, e);
  }

  private applyData(c: Copy, e: LogEntry): void {
    if (e.op === 'drop') {
      c.data.clear();
      c.dropped = true;
      return;
    }
    const cur = c.data.get(e.key);
    // last writer wins by commit time, then by node name (DynamoDB global tables, Cassandra)
    if (cur !== undefined && (cur.atUs > e.atUs || (cur.atUs === e.atUs && cur.origin > e.origin))) return;
    c.data.set(e.key, { value: e.value, atUs: e.atUs, origin: e.origin });
  }
}

function replyDone(done: (error: string | null) => void, reply: Message<any> | null, error: string | null): void {
  done(reply === null ? (error ?? 'timeout') : (reply.payload as { error: string | null }).error);
}

function readDone(done: (error: string | null, value?: StoreValue) => void, reply: Message<any> | null, error: string | null): void {
  if (reply === null) return done(error ?? 'timeout');
  const p = reply.payload as { error: string | null; value?: StoreValue };
  done(p.error, p.value);
}

/** A store with one copy per node and asynchronous log shipping between them (see `AsyncReplicatedStore`). */
export function asyncReplicatedStore(options: AsyncReplicatedStoreOptions): AsyncReplicatedStore {
  return new AsyncReplicatedStore(options);
}
