/**
 * Primary/backup replication with failover driven by a failure detector, with or without fencing.
 *
 * Shape (GitHub's Orchestrator over MySQL, 2018; Kleppmann, "How to do distributed locking", 2016,
 * for fencing tokens):
 *   - `replicas[0]` starts as primary in epoch 1. Clients send writes and reads to the node they
 *     believe is primary. The primary applies a write, ships it to every backup and acknowledges
 *     the client after `syncAcks` backups confirmed (`replication: "sync"`, MySQL semi-sync with
 *     `rpl_semi_sync_master_wait_for_slave_count`) or at once (`"async"`, classic MySQL
 *     replication).
 *   - Every replica heartbeats the `orchestrator` node each `heartbeatInterval`; the orchestrator
 *     runs one failure detector per replica (`failureDetectorMonitor`, phi accrual by default).
 *     When it suspects the primary it promotes the first replica in `replicas` order it trusts,
 *     under epoch + 1, and announces the new primary to replicas and clients (the service
 *     discovery update), repeating the announcement every heartbeat interval so partitioned nodes
 *     learn it after a heal.
 *   - Without fencing (`fencing: false`) promotion is immediate and replicas accept replication
 *     from any primary. A partition that isolates the primary with some clients leaves two
 *     primaries that both acknowledge writes (split brain). When the old primary learns of the
 *     newer epoch it steps down and resynchronises from the new primary: with
 *     `resolution: "new-primary-wins"` its state is replaced, so writes only it acknowledged are
 *     lost; with `"last-writer-wins"` states are merged per key by the writers' local-clock
 *     timestamps, so a write with an older timestamp loses even if it was acknowledged later.
 *   - With fencing (`fencing: true`) the epoch is a fencing token. Before promoting, the
 *     orchestrator fences a majority of the replicas at the new epoch (each replica then refuses
 *     replication from older epochs and answers with its state); the candidate must be one of
 *     them, and starts from the per-key newest state of that majority. A deposed primary's
 *     replication is refused, so it cannot gather acknowledgements and steps down.
 *
 * Fencing protects acknowledged writes only where the acknowledgement passes through the fence:
 * with `replication: "sync"` and `syncAcks` such that primary + syncAcks is a majority. With
 * `"async"` replication a deposed primary still acknowledges writes it alone holds; fencing then
 * stops it from spreading them, not from losing them. This is the honest outcome, not a gap.
 *
 * Replica data (values, epoch) is durable: it survives a crash. Roles and in-flight requests are
 * volatile. Reads are served by whoever believes it is primary, so a deposed primary serves stale
 * reads until it learns of the new epoch (fencing does not make reads linearizable; leases do).
 *
 * Read leases (`readLease`, the leader lease of the Raft thesis §6.4.1 and Gray and Cheriton
 * 1989): the primary renews with every backup each heartbeat interval; once a majority (itself
 * included) acknowledged a renewal sent at local time s, it may answer reads until s +
 * `readLease` on its own clock, and it answers them from acknowledged writes only (never a write
 * still waiting for its backups). A backup that acknowledged a renewal refuses to be fenced for
 * a newer epoch until `readLease + leaseSafetyMargin` has passed on its own clock, so no new
 * primary is made while the old one may still answer reads. A new primary pushes the state it
 * was promoted with in its renewals and answers reads only once a majority holds it.
 * `leaseClock: "monotonic"` measures the lease on each node's monotonic clock (only drift
 * matters); `"realtime"` sends the lease's end as a wall-clock time that backups compare with
 * their own wall clocks, so a clock step beyond the margin makes two leases overlap. The model
 * knows true time: `leaseOverlapUs` is the time two replicas could answer reads at once (traced
 * as `lease-overlap` when an episode ends), `dualPrimaryUs` the time two replicas acted as
 * primary. A replica that refuses a stale epoch traces `fencing-rejected`.
 *
 * Replication delay (`replicationDelay`): the primary ships each write to its backups that long
 * after applying it (MySQL's binlog shipping lag); `canPromote(candidate, old)` limits which
 * replica the orchestrator may promote (GitHub's Orchestrator after 2018: never across regions).
 *
 * Trace: `leader-change` when a replica becomes primary, `replica-step-down` when it stops,
 * `split-brain` when a replica becomes primary while another still acts as one. Metrics under
 * `failover.<name>.*`: `failovers`, `promotion-failures`, `fenced-rejections`, `writes-acked`,
 * `deposed-acks` (acknowledged by a primary a newer epoch had already replaced), `split-brains`,
 * `step-downs`, and the orchestrator's detectors under `failure-detector.<orchestrator>/<name>:<replica>.*`.
 */
import { InputError } from '../kernel/errors.ts';
import type { Counter } from '../observe/metrics.ts';
import type { Message } from '../world/network.ts';
import type { Node } from '../world/node.ts';
import type { World } from '../world/world.ts';
import { PolicyEnv } from './env.ts';
import { failureDetectorMonitor, phiAccrualFailureDetector, type FailureDetector, type FailureDetectorMonitor } from './failure-detector.ts';
import { booleanOption, checkKnown, durationOption, enumOption, functionOption, numberOption, type Opts } from './options.ts';
import { assert, historyOption, nodeListOption, worldOption, type KvDone, type KvHistorySink, type KvResult, type KvValue } from './replication.ts';

/** How a primary acknowledges writes: after `syncAcks` backups confirmed (MySQL semi-sync) or at once (classic async replication). */
export type ReplicationMode = 'sync' | 'async';
/**
 * How a deposed primary's state is reconciled when it steps down: replaced by the new primary's
 * (writes only it acknowledged are lost), or merged per key by the writers' local-clock timestamps.
 */
export type ConflictResolution = 'new-primary-wins' | 'last-writer-wins';
/** A replica's role as it believes it: `primary`, `backup`, or `down` (crashed). */
export type ReplicaRole = 'primary' | 'backup' | 'down';

/**
 * The options of `primaryBackup`: the replicas (in promotion order), the orchestrator that
 * detects failure and promotes (GitHub's Orchestrator over MySQL), the clients, replication mode,
 * fencing, conflict resolution and timings.
 */
export interface PrimaryBackupOptions {
  /** The world whose nodes run it. */
  world: World;
  /** Replica nodes in promotion priority order; the first starts as primary. At least 2. */
  replicas: readonly string[];
  /** The node that runs the failure detectors and promotes (not one of the replicas). */
  orchestrator: string;
  /** Client nodes that issue reads and writes (they learn the primary from announcements). */
  clients: readonly string[];
  /** Default "sync". */
  replication?: ReplicationMode;
  /** sync: backups that must confirm before the client is acknowledged. Default: enough for a majority with the primary. */
  syncAcks?: number;
  /** Epochs as fencing tokens, checked by replicas; majority fence before promotion. Default false. */
  fencing?: boolean;
  /** How a deposed primary's state is reconciled. Default "new-primary-wins". */
  resolution?: ConflictResolution;
  /** Replica → orchestrator heartbeats, and the orchestrator's announcement period. Default "1s". */
  heartbeatInterval?: string;
  /** `heartbeatInterval` in milliseconds. */
  heartbeatIntervalMs?: number;
  /** A fresh detector per replica. Default phi accrual with Akka defaults and `firstHeartbeatEstimate` = heartbeatInterval. */
  detector?: () => FailureDetector;
  /** Client → primary request timeout (the client reports `info` after it). Default "2s". */
  requestTimeout?: string;
  /** `requestTimeout` in milliseconds. */
  requestTimeoutMs?: number;
  /** Primary → backup replication timeout, and orchestrator → replica fence timeout. Default "1s". */
  replicationTimeout?: string;
  /** `replicationTimeout` in milliseconds. */
  replicationTimeoutMs?: number;
  /** Distinct keys the store holds; a write to a new key beyond it fails. Default 100,000. */
  keysMax?: number;
  /** Read leases of this length (see the file comment); without it the primary answers reads from its local data. */
  readLease?: string;
  /** `readLease` in milliseconds. */
  readLeaseMs?: number;
  /** What backups wait beyond a lease before they may be fenced, for clock error. Default readLease / 5. */
  leaseSafetyMargin?: string;
  /** `leaseSafetyMargin` in milliseconds. */
  leaseSafetyMarginMs?: number;
  /** Which local clock measures read leases. Default "monotonic". */
  leaseClock?: 'monotonic' | 'realtime';
  /** Delay between a write on the primary and its shipping to the backups. Default "0ms". */
  replicationDelay?: string;
  /** `replicationDelay` in milliseconds. */
  replicationDelayMs?: number;
  /** Which replica the orchestrator may promote in place of `old`. Default: any it trusts. */
  canPromote?: (candidate: string, old: string) => boolean;
  /** Where client operations are recorded (`kvHistory(ctx)` from sim/check). */
  history?: KvHistorySink;
  /** Register network handlers on the nodes (default true); with false, route messages through `handle`. */
  listen?: boolean;
  /** Instance name (metrics `failover.<name>.*`, trace field). */
  name?: string;
  /** Where its records go (`leader-change`, `replica-step-down`, `split-brain`). Default: the world's tracer. */
  trace?: import('../observe/trace.ts').Tracer;
  /** Where its metrics go. */
  metrics?: import('../observe/metrics.ts').Metrics;
}

/** A stored value with its version: (epoch, seq) orders one primary's writes after another's. */
export interface VersionedValue {
  value: KvValue;
  epoch: number;
  seq: number;
  /** The writing primary's local wall clock at the write (used by last-writer-wins). */
  stampUs: number;
  writer: string;
}

type State = [string, VersionedValue][];

type PbMsg =
  | { fl: 'pb'; svc: string; t: 'write'; key: string; value: KvValue }
  | { fl: 'pb'; svc: string; t: 'read'; key: string }
  | { fl: 'pb'; svc: string; t: 'write-ok'; epoch: number }
  | { fl: 'pb'; svc: string; t: 'read-ok'; value: KvValue }
  | { fl: 'pb'; svc: string; t: 'refused'; reason: string; epoch: number; hint: string | null }
  | { fl: 'pb'; svc: string; t: 'indeterminate'; reason: string }
  | { fl: 'pb'; svc: string; t: 'replicate'; epoch: number; key: string; entry: VersionedValue }
  | { fl: 'pb'; svc: string; t: 'replicate-ok'; epoch: number }
  | { fl: 'pb'; svc: string; t: 'fenced'; epoch: number }
  | { fl: 'pb'; svc: string; t: 'hb'; epoch: number; role: ReplicaRole }
  | { fl: 'pb'; svc: string; t: 'fence'; epoch: number }
  | { fl: 'pb'; svc: string; t: 'fence-ok'; epoch: number; state: State }
  | { fl: 'pb'; svc: string; t: 'promote'; epoch: number; state: State | null }
  | { fl: 'pb'; svc: string; t: 'announce'; epoch: number; primary: string }
  | { fl: 'pb'; svc: string; t: 'sync-req'; epoch: number; state: State }
  | { fl: 'pb'; svc: string; t: 'sync'; epoch: number; state: State }
  | { fl: 'pb'; svc: string; t: 'renew'; epoch: number; expiresAt: number; state: State | null }
  | { fl: 'pb'; svc: string; t: 'renew-ok'; epoch: number };

type Body<T extends PbMsg['t']> = Omit<Extract<PbMsg, { t: T }>, 'fl' | 'svc'>;

class Replica {
  // durable (survives a crash)
  epoch = 1;
  data = new Map<string, VersionedValue>();
  seq = 0;
  // volatile
  role: 'primary' | 'backup' = 'backup';
  primary: string | null = null;
  needsSync = false;
  // read leases (volatile)
  leaseUntil = -Infinity;
  promiseUntil = -Infinity;
  /** Acknowledged values, the only ones a leased read returns. */
  committed = new Map<string, VersionedValue>();
  /** The state it was promoted with is held by a majority (pushed in renewals until then). */
  stateDurable = false;
  expiryTimer = -1;
  constructor(
    readonly name: string,
    readonly node: Node,
  ) {}
}

interface PendingWrite {
  key: string;
  entry: VersionedValue;
  request: Message<PbMsg>;
  replica: Replica;
  acks: number;
  outstanding: number;
  replied: boolean;
  incarnation: number;
}

/** Options after validation, with durations in microseconds. */
export interface PrimaryBackupConfig {
  world: World;
  replicas: readonly string[];
  orchestrator: string;
  clients: readonly string[];
  replication: ReplicationMode;
  syncAcks: number;
  fencing: boolean;
  resolution: ConflictResolution;
  heartbeatIntervalUs: number;
  requestTimeoutUs: number;
  replicationTimeoutUs: number;
  keysMax: number;
  history: KvHistorySink | undefined;
  listen: boolean;
  detector: () => FailureDetector;
  /** 0: no read leases. */
  readLeaseUs: number;
  leaseSafetyMarginUs: number;
  leaseClock: 'monotonic' | 'realtime';
  replicationDelayUs: number;
  canPromote: ((candidate: string, old: string) => boolean) | undefined;
}

interface ClientState {
  primary: string;
  epoch: number;
  busy: boolean;
}

/**
 * Primary/backup replication with failover by an orchestrator's failure detectors, with or
 * without fencing (epochs as fencing tokens, a majority fenced before promotion). Clients `write`
 * and `read` through the primary they believe in; without fencing a partition can make a split
 * brain that loses acknowledged writes. Replica data is durable; roles are volatile.
 */
export class PrimaryBackup {
  readonly name: string;
  readonly replicas: readonly string[];
  readonly orchestrator: string;
  readonly clients: readonly string[];
  readonly replication: ReplicationMode;
  readonly syncAcks: number;
  readonly fencing: boolean;
  readonly resolution: ConflictResolution;
  readonly heartbeatIntervalUs: number;
  readonly requestTimeoutUs: number;
  readonly replicationTimeoutUs: number;
  readonly keysMax: number;
  /** Read lease length, µs (0: reads are answered from the primary's local data, without a lease). */
  readonly readLeaseUs: number;
  readonly leaseSafetyMarginUs: number;
  readonly leaseClock: 'monotonic' | 'realtime';
  readonly replicationDelayUs: number;
  /** Per-replica failure detectors run by the orchestrator. */
  readonly monitors = new Map<string, FailureDetectorMonitor>();

  readonly failovers: Counter;
  readonly promotionFailures: Counter;
  readonly fencedRejections: Counter;
  readonly writesAcked: Counter;
  readonly deposedAcks: Counter;
  readonly splitBrains: Counter;
  readonly stepDowns: Counter;

  private readonly env: PolicyEnv;
  private readonly world: World;
  private readonly history: KvHistorySink | undefined;
  private readonly byName = new Map<string, Replica>();
  private readonly clientState = new Map<string, ClientState>();
  private readonly pendingFinish = new Map<string, (res: KvResult) => void>();
  private readonly canPromote: ((candidate: string, old: string) => boolean) | undefined;
  // omniscient measurements (true time): replicas acting as primary, replicas holding a read lease
  private primariesNow = new Set<string>();
  private dualSinceUs = -1;
  private dualAccUs = 0;
  private holders = new Set<string>();
  private overlapSinceUs = -1;
  private overlapAccUs = 0;
  private episodeHolders = new Set<string>();
  // orchestrator (its decisions are durable, as Orchestrator keeps them in its backend database)
  private orcEpoch = 1;
  private orcPrimary: string;
  private promoting = false;
  private fenceEpoch = 1;
  private lastPromote: { to: string; body: Body<'promote'> } | null = null;
  /** The highest epoch ever granted (omniscient, for the deposed-acks metric). */
  private epochGranted = 1;
  private lastPromotionUs: number | null = null;

  constructor(o: PrimaryBackupConfig, env: PolicyEnv) {
    this.env = env;
    this.name = env.name;
    this.world = o.world;
    this.replicas = o.replicas;
    this.orchestrator = o.orchestrator;
    this.clients = o.clients;
    this.replication = o.replication;
    this.syncAcks = o.syncAcks;
    this.fencing = o.fencing;
    this.resolution = o.resolution;
    this.heartbeatIntervalUs = o.heartbeatIntervalUs;
    this.requestTimeoutUs = o.requestTimeoutUs;
    this.replicationTimeoutUs = o.replicationTimeoutUs;
    this.keysMax = o.keysMax;
    this.readLeaseUs = o.readLeaseUs;
    this.leaseSafetyMarginUs = o.leaseSafetyMarginUs;
    this.leaseClock = o.leaseClock;
    this.replicationDelayUs = o.replicationDelayUs;
    this.canPromote = o.canPromote;
    this.history = o.history;
    const detector = o.detector;
    this.failovers = env.counter('failovers');
    this.promotionFailures = env.counter('promotion-failures');
    this.fencedRejections = env.counter('fenced-rejections');
    this.writesAcked = env.counter('writes-acked');
    this.deposedAcks = env.counter('deposed-acks');
    this.splitBrains = env.counter('split-brains');
    this.stepDowns = env.counter('step-downs');
    this.orcPrimary = this.replicas[0]!;

    for (const name of this.replicas) {
      const node = this.world.node(name);
      const r = new Replica(name, node);
      this.byName.set(name, r);
      node.onCrash(() => {
        const wasPrimary = r.role === 'primary';
        r.role = 'backup';
        r.primary = null;
        this.loseLease(r);
        r.expiryTimer = -1; // the clock's timers die with the process
        if (wasPrimary) this.emitStepDown(r, 'crashed');
        this.monitors.get(name)?.targetCrashed();
      });
      node.onRestart(() => {
        // it may have promised a lease before it crashed: keep the promise for a whole lease
        if (this.readLeaseUs > 0) r.promiseUntil = this.leaseNow(r) + this.readLeaseUs + this.leaseSafetyMarginUs;
        r.needsSync = true;
        this.monitors.get(name)?.targetRecovered();
        this.armHeartbeat(r);
      });
      const mon = failureDetectorMonitor({
        sim: this.world.sim,
        name: `${this.name}:${name}`,
        node: this.orchestrator,
        ...(env.trace ? { trace: env.trace } : {}),
        ...(env.metrics ? { metrics: env.metrics } : {}),
        detector: detector(),
        target: name,
        onSuspect: () => this.onSuspect(name),
      });
      this.monitors.set(name, mon);
    }
    for (const c of this.clients) this.clientState.set(c, { primary: this.orcPrimary, epoch: 1, busy: false });

    const first = this.byName.get(this.orcPrimary)!;
    first.role = 'primary';
    first.primary = first.name;
    for (const r of this.byName.values()) r.primary = this.orcPrimary;
    first.stateDurable = true;
    this.emitLeader(first, 'initial configuration');

    for (const c of this.clients) {
      // a client that crashes never learns its outcome: the operation stays indeterminate
      this.world.node(c).onCrash(() => this.pendingFinish.get(c)?.({ outcome: 'info', error: 'client crashed' }));
    }
    if (o.listen) {
      const h = (m: Message<any>): void => void this.handle(m);
      for (const n of [...this.replicas, this.orchestrator, ...this.clients]) this.world.net.listen(n, h);
    }
    for (const r of this.byName.values()) this.armHeartbeat(r);
    if (this.readLeaseUs > 0) this.renew(first);
    const orc = this.world.node(this.orchestrator);
    orc.onRestart(() => this.armOrchestrator());
    this.armOrchestrator();
  }

  // ---- public queries ----

  /** What `node` believes it is now (`down` when its process is not alive). */
  role(node: string): ReplicaRole {
    const r = this.replica(node);
    if (!r.node.alive) return 'down';
    return r.role;
  }

  /** Replicas that act as primary now (two or more is a split brain). */
  primaries(): string[] {
    return this.replicas.filter((n) => this.role(n) === 'primary');
  }

  /** Total true time during which two or more replicas acted as primary, µs (an episode still going on included). */
  get dualPrimaryUs(): number {
    return this.dualAccUs + (this.dualSinceUs >= 0 ? this.world.sim.now - this.dualSinceUs : 0);
  }

  /** Total true time during which two or more replicas held a read lease at once, µs (0 without `readLease`). */
  get leaseOverlapUs(): number {
    return this.overlapAccUs + (this.overlapSinceUs >= 0 ? this.world.sim.now - this.overlapSinceUs : 0);
  }

  /** Whether `node` may answer reads now: it is primary, holds a lease on its own clock and its state is durable (always false without `readLease`). */
  holdsLease(node: string): boolean {
    const r = this.replica(node);
    return this.readLeaseUs > 0 && r.node.alive && r.role === 'primary' && r.stateDurable && this.leaseNow(r) < r.leaseUntil;
  }

  /** When the orchestrator last promoted a replica (µs), or null when it never failed over. */
  get lastFailoverAtUs(): number | null {
    return this.lastPromotionUs;
  }

  /** The primary the orchestrator last promoted, and its epoch. */
  get designatedPrimary(): { primary: string; epoch: number } {
    return { primary: this.orcPrimary, epoch: this.orcEpoch };
  }

  epochOf(node: string): number {
    return this.replica(node).epoch;
  }

  /** The value `node` holds for `key` (its local copy, whatever its role), or undefined. */
  valueAt(node: string, key: string): VersionedValue | undefined {
    return this.replica(node).data.get(key);
  }

  /** Which primary `client` sends to now. */
  primaryOf(client: string): string {
    return this.client(client).primary;
  }

  // ---- client operations ----

  /** `client` writes `value` to `key` through the primary it knows. One operation per client at a time. */
  write(client: string, key: string, value: KvValue, done?: KvDone): void {
    this.request(client, 'write', key, value, done);
  }

  /** `client` reads `key` from the primary it knows. */
  read(client: string, key: string, done?: KvDone): void {
    this.request(client, 'read', key, undefined, done);
  }

  /** True while `client` has an operation in flight. */
  busy(client: string): boolean {
    return this.client(client).busy;
  }

  private request(client: string, op: 'read' | 'write', key: string, value: KvValue | undefined, done: KvDone | undefined): void {
    const c = this.client(client);
    if (c.busy) throw new InputError(`${this.name}: client ${JSON.stringify(client)} already has an operation in flight; a client runs one at a time (wait for done)`);
    const node = this.world.node(client);
    if (!node.alive) {
      done?.({ outcome: 'fail', error: 'client-down' });
      return;
    }
    c.busy = true;
    const id = this.history?.invoke(client, op, key, op === 'write' ? value : undefined, { node: client }) ?? -1;
    const body = op === 'write' ? { t: 'write' as const, key, value: value ?? null } : { t: 'read' as const, key };
    const finish = (res: KvResult): void => {
      if (!c.busy) return;
      c.busy = false;
      this.pendingFinish.delete(client);
      if (id >= 0 && this.history) {
        if (res.outcome === 'ok') this.history.ok(id, op === 'read' ? (res.value ?? null) : undefined);
        else if (res.outcome === 'fail') this.history.fail(id, res.error);
        else this.history.info(id, res.error);
      }
      done?.(res);
    };
    this.pendingFinish.set(client, finish);
    this.world.net.call(client, c.primary, this.msg(body), this.requestTimeoutUs, (_: null, reply, error) => {
      if (error !== null || reply === null) return finish({ outcome: 'info', error: 'timeout' });
      const p = reply.payload as PbMsg;
      if (p.t === 'write-ok') return finish({ outcome: 'ok' });
      if (p.t === 'read-ok') return finish({ outcome: 'ok', value: p.value });
      if (p.t === 'refused') {
        if (p.hint !== null && p.epoch > c.epoch) {
          c.epoch = p.epoch;
          c.primary = p.hint;
        }
        return finish({ outcome: 'fail', error: p.reason });
      }
      if (p.t === 'indeterminate') return finish({ outcome: 'info', error: p.reason });
      return finish({ outcome: 'info', error: `unexpected reply ${p.t}` });
    }, null);
  }

  // ---- messages ----

  /** Handle a message addressed to this service; false when it is not one of ours. */
  handle(m: Message<any>): boolean {
    const p = m.payload as PbMsg | undefined;
    if (!p || p.fl !== 'pb' || p.svc !== this.name || m.corrupted) return false;
    if (m.callId < 0) return true; // replies are routed by the network to the caller
    const r = this.byName.get(m.to);
    if (m.to === this.orchestrator) this.orchestratorReceive(m as Message<PbMsg>);
    else if (r) this.replicaReceive(r, m as Message<PbMsg>);
    else if (this.clientState.has(m.to)) this.clientReceive(m.to, p);
    return true;
  }

  private msg<T extends PbMsg['t']>(body: Body<T>): PbMsg {
    return { fl: 'pb', svc: this.name, ...body } as unknown as PbMsg;
  }

  private clientReceive(client: string, p: PbMsg): void {
    if (p.t !== 'announce') return;
    const c = this.client(client);
    // the orchestrator's word is final for its epoch (a refusal may have told the epoch before its primary)
    if (p.epoch >= c.epoch) {
      c.epoch = p.epoch;
      c.primary = p.primary;
    }
  }

  private replicaReceive(r: Replica, m: Message<PbMsg>): void {
    const p = m.payload;
    const net = this.world.net;
    switch (p.t) {
      case 'write':
      case 'read': {
        if (r.role !== 'primary') {
          net.reply(m, this.msg<'refused'>({ t: 'refused', reason: 'not-primary', epoch: r.epoch, hint: r.primary }));
          return;
        }
        if (p.t === 'read') {
          if (this.readLeaseUs === 0) {
            net.reply(m, this.msg<'read-ok'>({ t: 'read-ok', value: r.data.get(p.key)?.value ?? null }));
          } else if (this.holdsLease(r.name)) {
            net.reply(m, this.msg<'read-ok'>({ t: 'read-ok', value: r.committed.get(p.key)?.value ?? null }));
          } else {
            // no lease: it may have been replaced; the read did not happen (MongoDB NotPrimaryOrSecondary)
            net.reply(m, this.msg<'refused'>({ t: 'refused', reason: 'no-lease', epoch: r.epoch, hint: null }));
          }
          return;
        }
        if (!r.data.has(p.key) && r.data.size >= this.keysMax) {
          net.reply(m, this.msg<'refused'>({ t: 'refused', reason: `keysMax=${this.keysMax} reached`, epoch: r.epoch, hint: null }));
          return;
        }
        this.primaryWrite(r, m, p.key, p.value);
        return;
      }
      case 'replicate': {
        if (this.fencing && p.epoch < r.epoch) {
          this.rejectStale(r, m.from, p.epoch);
          net.reply(m, this.msg<'fenced'>({ t: 'fenced', epoch: r.epoch }));
          return;
        }
        if (this.fencing && p.epoch > r.epoch) r.epoch = p.epoch;
        this.apply(r, p.key, p.entry);
        net.reply(m, this.msg<'replicate-ok'>({ t: 'replicate-ok', epoch: r.epoch }));
        return;
      }
      case 'renew': {
        if (this.fencing && p.epoch < r.epoch) {
          this.rejectStale(r, m.from, p.epoch);
          net.reply(m, this.msg<'fenced'>({ t: 'fenced', epoch: r.epoch }));
          return;
        }
        if (p.epoch < r.epoch) return;
        if (p.state) for (const [k, v] of p.state) this.apply(r, k, v);
        r.promiseUntil = Math.max(r.promiseUntil, this.leaseClock === 'realtime' ? p.expiresAt + this.leaseSafetyMarginUs : this.leaseNow(r) + this.readLeaseUs + this.leaseSafetyMarginUs);
        net.reply(m, this.msg<'renew-ok'>({ t: 'renew-ok', epoch: p.epoch }));
        return;
      }
      case 'fence': {
        if (p.epoch <= r.epoch) return; // an older or repeated fence: let the orchestrator time out
        // a promised lease: the primary may still answer reads, so no new epoch until it has run out
        if (this.readLeaseUs > 0 && r.role !== 'primary' && this.leaseNow(r) < r.promiseUntil) return;
        r.epoch = p.epoch;
        if (r.role === 'primary') this.stepDown(r, `fenced at epoch ${p.epoch}`);
        r.primary = null; // the new epoch's primary is not known until it is announced
        net.reply(m, this.msg<'fence-ok'>({ t: 'fence-ok', epoch: p.epoch, state: [...r.data] }));
        return;
      }
      case 'promote': {
        if (p.epoch < r.epoch || (p.epoch === r.epoch && r.role === 'primary')) return;
        if (p.state) for (const [k, v] of p.state) this.apply(r, k, v);
        r.epoch = p.epoch;
        r.role = 'primary';
        r.primary = r.name;
        r.needsSync = false;
        r.seq = Math.max(r.seq, ...[...r.data.values()].map((v) => v.seq));
        // what it was promoted with counts as acknowledged once a majority holds it (its renewals push it)
        r.committed = new Map(r.data);
        r.stateDurable = false;
        r.leaseUntil = -Infinity;
        this.emitLeader(r, `promoted by ${this.orchestrator}`);
        this.sendHeartbeat(r);
        if (this.readLeaseUs > 0) this.renew(r);
        return;
      }
      case 'announce': {
        if (p.epoch > r.epoch || (p.epoch === r.epoch && r.primary !== p.primary)) {
          const newer = p.epoch > r.epoch;
          r.epoch = p.epoch;
          r.primary = p.primary;
          if (r.role === 'primary' && p.primary !== r.name) this.stepDown(r, `epoch ${p.epoch} announced with primary ${p.primary}`);
          if (newer) r.needsSync = true;
        }
        if (r.needsSync && r.role !== 'primary' && p.primary !== r.name && p.epoch === r.epoch) this.requestSync(r, p.primary);
        return;
      }
      case 'sync-req': {
        if (r.role !== 'primary') return;
        if (this.resolution === 'last-writer-wins') for (const [k, v] of p.state) this.apply(r, k, v);
        net.reply(m, this.msg<'sync'>({ t: 'sync', epoch: r.epoch, state: [...r.data] }));
        return;
      }
      default:
        return;
    }
  }

  private requestSync(r: Replica, primary: string): void {
    const inc = r.node.incarnation;
    this.world.net.call(r.name, primary, this.msg<'sync-req'>({ t: 'sync-req', epoch: r.epoch, state: [...r.data] }), this.replicationTimeoutUs, (_: null, reply) => {
      if (reply === null || r.node.incarnation !== inc || r.role === 'primary') return;
      const p = reply.payload as PbMsg;
      if (p.t !== 'sync' || p.epoch < r.epoch) return;
      // the primary's history wins: replace (last-writer-wins already merged ours into it)
      r.data = new Map(p.state);
      r.needsSync = false;
    }, null);
  }

  private primaryWrite(r: Replica, m: Message<PbMsg>, key: string, value: KvValue): void {
    r.seq++;
    const entry: VersionedValue = { value, epoch: r.epoch, seq: r.seq, stampUs: Math.round(r.node.clock.now()), writer: r.name };
    r.data.set(key, entry);
    const backups = this.replicas.filter((n) => n !== r.name);
    const w: PendingWrite = { key, entry, request: m, replica: r, acks: 0, outstanding: backups.length, replied: false, incarnation: r.node.incarnation };
    const body = this.msg<'replicate'>({ t: 'replicate', epoch: r.epoch, key, entry });
    const ship = (): void => {
      if (r.node.incarnation !== w.incarnation) return;
      for (const b of backups) this.world.net.call(r.name, b, body, this.replicationTimeoutUs, onReplicateReply, [this, w] as const);
    };
    if (this.replicationDelayUs > 0) r.node.setTimer(this.replicationDelayUs, ship, null);
    else ship();
    if (this.replication === 'async' || this.syncAcks === 0) this.ackWrite(w, key, entry);
  }

  /** @internal */
  _replicateReply(w: PendingWrite, reply: Message<any> | null): void {
    const r = w.replica;
    if (r.node.incarnation !== w.incarnation) return;
    w.outstanding--;
    const p = reply?.payload as PbMsg | undefined;
    if (p?.t === 'replicate-ok') w.acks++;
    else if (p?.t === 'fenced') {
      if (p.epoch > r.epoch) r.epoch = p.epoch;
      if (r.role === 'primary') this.stepDown(r, `replication refused: fenced by epoch ${p.epoch}`);
      if (!w.replied) {
        w.replied = true;
        this.world.net.reply(w.request, this.msg<'indeterminate'>({ t: 'indeterminate', reason: 'fenced' }));
      }
      return;
    }
    if (w.replied) return;
    if (w.acks >= this.syncAcks) this.ackWrite(w, w.key, w.entry);
    else if (w.acks + w.outstanding < this.syncAcks) {
      w.replied = true;
      this.world.net.reply(w.request, this.msg<'indeterminate'>({ t: 'indeterminate', reason: 'replication-timeout' }));
    }
  }

  private ackWrite(w: PendingWrite, key: string, entry: VersionedValue): void {
    w.replied = true;
    const r = w.replica;
    const cur = r.committed.get(key);
    if (r.role === 'primary' && (cur === undefined || this.newer(entry, cur))) r.committed.set(key, entry);
    this.writesAcked.inc();
    if (w.replica.epoch < this.epochGranted) this.deposedAcks.inc();
    this.world.net.reply(w.request, this.msg<'write-ok'>({ t: 'write-ok', epoch: w.replica.epoch }));
  }

  private apply(r: Replica, key: string, v: VersionedValue): void {
    const cur = r.data.get(key);
    if (cur === undefined || this.newer(v, cur)) r.data.set(key, v);
  }

  private newer(a: VersionedValue, b: VersionedValue): boolean {
    if (this.resolution === 'last-writer-wins') {
      if (a.stampUs !== b.stampUs) return a.stampUs > b.stampUs;
      if (a.writer !== b.writer) return a.writer > b.writer;
      return a.seq > b.seq;
    }
    if (a.epoch !== b.epoch) return a.epoch > b.epoch;
    return a.seq > b.seq;
  }

  private stepDown(r: Replica, reason: string): void {
    r.role = 'backup';
    if (r.primary === r.name) r.primary = null;
    r.needsSync = true;
    this.loseLease(r);
    this.stepDowns.inc();
    this.emitStepDown(r, reason);
  }

  // ---- heartbeats and the orchestrator ----

  private armHeartbeat(r: Replica): void {
    r.node.setTimer(this.heartbeatIntervalUs, heartbeatTick, [this, r] as const);
  }

  /** @internal */
  _heartbeat(r: Replica): void {
    // a paused (stopped) process sends nothing; the world keeps local timers running through a pause
    if (!r.node.paused) {
      this.sendHeartbeat(r);
      if (this.readLeaseUs > 0 && r.role === 'primary') this.renew(r);
    }
    this.armHeartbeat(r);
  }

  // ---- read leases ----

  /** Local time on the clock that measures leases. */
  private leaseNow(r: Replica): number {
    return this.leaseClock === 'monotonic' ? r.node.clock.monotonic() : r.node.clock.now();
  }

  /** Ask every backup to renew `r`'s lease; a majority's acknowledgements extend it from the moment of sending. */
  private renew(r: Replica): void {
    const sentAt = this.leaseNow(r);
    const epoch = r.epoch;
    const inc = r.node.incarnation;
    const durable = r.stateDurable;
    const body = this.msg<'renew'>({ t: 'renew', epoch, expiresAt: sentAt + this.readLeaseUs, state: durable ? null : [...r.committed] });
    const needed = Math.floor(this.replicas.length / 2); // backups that make a majority with the primary
    let acks = 0;
    for (const b of this.replicas) {
      if (b === r.name) continue;
      this.world.net.call(r.name, b, body, this.heartbeatIntervalUs, (_: null, reply) => {
        if (r.node.incarnation !== inc || r.role !== 'primary' || r.epoch !== epoch) return;
        const p = reply?.payload as PbMsg | undefined;
        if (p?.t === 'fenced') {
          if (p.epoch > r.epoch) r.epoch = p.epoch;
          this.stepDown(r, `lease renewal refused: fenced by epoch ${p.epoch}`);
          return;
        }
        if (p?.t !== 'renew-ok' || ++acks !== needed) return;
        if (!durable) r.stateDurable = true;
        this.extendLease(r, sentAt + this.readLeaseUs);
      }, null);
    }
  }

  private extendLease(r: Replica, until: number): void {
    if (until <= r.leaseUntil) return;
    r.leaseUntil = until;
    if (r.expiryTimer !== -1) r.node.clock.cancel(r.expiryTimer);
    r.expiryTimer =
      this.leaseClock === 'realtime'
        ? r.node.clock.at(until, leaseExpiry, [this, r] as const)
        : r.node.clock.schedule(Math.max(0, until - r.node.clock.monotonic()), leaseExpiry, [this, r] as const, 'monotonic');
    this.setHolder(r, this.holdsLease(r.name));
  }

  /** @internal The lease ran out on the replica's own clock. */
  _leaseExpiry(r: Replica): void {
    r.expiryTimer = -1;
    this.setHolder(r, this.holdsLease(r.name));
    // no majority renewed it for a whole lease: step down (Raft's CheckQuorum); the orchestrator
    // promotes it again if it is still the designated primary
    if (r.role === 'primary' && r.stateDurable && !this.holdsLease(r.name)) this.stepDown(r, 'read lease ran out without a majority');
  }

  private loseLease(r: Replica): void {
    r.leaseUntil = -Infinity;
    r.stateDurable = false;
    r.committed = new Map();
    if (r.expiryTimer !== -1) r.node.clock.cancel(r.expiryTimer);
    r.expiryTimer = -1;
    this.setHolder(r, false);
  }

  private rejectStale(r: Replica, from: string, stale: number): void {
    this.fencedRejections.inc();
    this.env.trace?.emit({ time: this.world.sim.now, kind: 'fencing-rejected', node: r.name, service: this.name, from, epoch: r.epoch, stale });
  }

  // ---- omniscient measurements ----

  private setHolder(r: Replica, on: boolean): void {
    const before = this.holders.size;
    if (on) this.holders.add(r.name);
    else this.holders.delete(r.name);
    const after = this.holders.size;
    const now = this.world.sim.now;
    if (before < 2 && after >= 2) {
      this.overlapSinceUs = now;
      this.episodeHolders = new Set(this.holders);
    } else if (after >= 2) {
      for (const h of this.holders) this.episodeHolders.add(h);
    } else if (before >= 2) {
      const overlapUs = now - this.overlapSinceUs;
      this.overlapAccUs += overlapUs;
      this.overlapSinceUs = -1;
      this.env.trace?.emit({ time: now, kind: 'lease-overlap', node: r.name, service: this.name, leaders: [...this.episodeHolders], overlapUs });
    }
  }

  private countPrimaries(): void {
    const now = this.world.sim.now;
    this.primariesNow = new Set(this.replicas.filter((n) => this.role(n) === 'primary'));
    const dual = this.primariesNow.size >= 2;
    if (dual && this.dualSinceUs < 0) this.dualSinceUs = now;
    else if (!dual && this.dualSinceUs >= 0) {
      this.dualAccUs += now - this.dualSinceUs;
      this.dualSinceUs = -1;
    }
  }

  private sendHeartbeat(r: Replica): void {
    this.world.net.send(r.name, this.orchestrator, this.msg<'hb'>({ t: 'hb', epoch: r.epoch, role: r.role }));
  }

  private armOrchestrator(): void {
    this.world.node(this.orchestrator).setTimer(this.heartbeatIntervalUs, orchestratorTick, this);
  }

  /** @internal Every heartbeat interval: announce the primary, retry a failover that did not finish. */
  _orchestratorTick(): void {
    this.armOrchestrator();
    if (this.world.node(this.orchestrator).paused) return;
    const announce = this.msg<'announce'>({ t: 'announce', epoch: this.orcEpoch, primary: this.orcPrimary });
    for (const n of [...this.replicas, ...this.clients]) this.world.net.send(this.orchestrator, n, announce);
    if (this.monitors.get(this.orcPrimary)!.suspecting) this.failover();
  }

  private orchestratorReceive(m: Message<PbMsg>): void {
    const p = m.payload;
    if (p.t !== 'hb') return;
    this.monitors.get(m.from)?.heartbeat();
    if (m.from !== this.orcPrimary || p.role === 'primary') return;
    // the designated primary reports as backup: either the promotion message was lost (send it
    // again) or it stepped down, fenced by a newer epoch from a fence that failed (elect anew)
    if (this.lastPromote?.to === m.from && p.epoch <= this.orcEpoch) {
      this.world.net.send(this.orchestrator, m.from, this.msg<'promote'>(this.lastPromote.body));
    } else if (p.epoch > this.orcEpoch) {
      this.failover();
    } else if (p.epoch === this.orcEpoch) {
      // it restarted (roles are volatile) or its read lease ran out before the detector noticed
      // anything: it is still the designated primary, with its own durable data, so promote it again
      this.world.net.send(this.orchestrator, m.from, this.msg<'promote'>({ t: 'promote', epoch: p.epoch, state: null }));
    }
  }

  private onSuspect(replica: string): void {
    if (replica === this.orcPrimary && this.world.node(this.orchestrator).alive) this.failover();
  }

  private candidates(exclude: string): string[] {
    return this.replicas.filter((n) => n !== exclude && !this.monitors.get(n)!.suspecting && (this.canPromote === undefined || this.canPromote(n, exclude)));
  }

  private failover(): void {
    if (this.promoting) return;
    const old = this.orcPrimary;
    // an epoch used by a fence that failed is burnt: some replicas may already have adopted it
    const epoch = Math.max(this.orcEpoch, this.fenceEpoch) + 1;
    this.fenceEpoch = epoch;
    if (!this.fencing) {
      const c = this.candidates(old)[0];
      if (c === undefined) {
        this.promotionFailures.inc();
        return;
      }
      this.promote(c, epoch, null);
      return;
    }
    // fence a majority at the new epoch first; the candidate must be among them
    this.promoting = true;
    const majority = Math.floor(this.replicas.length / 2) + 1;
    const states = new Map<string, State>();
    let outstanding = this.replicas.length;
    const orc = this.world.node(this.orchestrator);
    const inc = orc.incarnation;
    const decide = (): void => {
      this.promoting = false;
      if (orc.incarnation !== inc) return;
      const c = this.candidates(old).find((n) => states.has(n));
      if (states.size < majority || c === undefined) {
        this.promotionFailures.inc();
        return;
      }
      const merged = new Map<string, VersionedValue>();
      for (const s of states.values()) {
        for (const [k, v] of s) {
          const cur = merged.get(k);
          if (cur === undefined || this.newer(v, cur)) merged.set(k, v);
        }
      }
      this.promote(c, epoch, [...merged]);
    };
    const body = this.msg<'fence'>({ t: 'fence', epoch });
    for (const n of this.replicas) {
      this.world.net.call(this.orchestrator, n, body, this.replicationTimeoutUs, (_: null, reply) => {
        outstanding--;
        const p = reply?.payload as PbMsg | undefined;
        if (p?.t === 'fence-ok' && p.epoch === epoch) states.set(reply!.from, p.state);
        if (outstanding === 0) decide();
      }, null);
    }
  }

  private promote(candidate: string, epoch: number, state: State | null): void {
    this.failovers.inc();
    this.lastPromotionUs = this.world.sim.now;
    this.orcEpoch = epoch;
    this.orcPrimary = candidate;
    this.epochGranted = Math.max(this.epochGranted, epoch);
    const body: Body<'promote'> = { t: 'promote', epoch, state };
    this.lastPromote = { to: candidate, body };
    this.world.net.send(this.orchestrator, candidate, this.msg<'promote'>(body));
    const announce = this.msg<'announce'>({ t: 'announce', epoch, primary: candidate });
    for (const n of [...this.replicas, ...this.clients]) if (n !== candidate) this.world.net.send(this.orchestrator, n, announce);
  }

  // ---- trace ----

  private emitLeader(r: Replica, reason: string): void {
    this.countPrimaries();
    const others = this.replicas.filter((n) => n !== r.name && this.role(n) === 'primary');
    this.env.trace?.emit({ time: this.world.sim.now, kind: 'leader-change', node: r.name, service: this.name, leader: r.name, term: r.epoch, reason });
    if (others.length > 0) {
      this.splitBrains.inc();
      const leaders = [...others, r.name];
      this.env.trace?.emit({ time: this.world.sim.now, kind: 'split-brain', node: r.name, service: this.name, leaders, terms: leaders.map((n) => this.byName.get(n)!.epoch) });
    }
  }

  private emitStepDown(r: Replica, reason: string): void {
    this.countPrimaries();
    this.env.trace?.emit({ time: this.world.sim.now, kind: 'replica-step-down', node: r.name, service: this.name, role: 'backup', term: r.epoch, reason });
  }

  private replica(node: string): Replica {
    const r = this.byName.get(node);
    if (!r) throw new InputError(`${this.name}: ${JSON.stringify(node)} is not a replica; replicas: ${this.replicas.join(', ')}`);
    return r;
  }

  private client(node: string): ClientState {
    const c = this.clientState.get(node);
    if (!c) throw new InputError(`${this.name}: ${JSON.stringify(node)} is not a client; clients: ${this.clients.join(', ')}`);
    return c;
  }
}

function onReplicateReply(x: readonly [PrimaryBackup, PendingWrite], reply: Message<any> | null): void {
  x[0]._replicateReply(x[1], reply);
}

function leaseExpiry(x: readonly [PrimaryBackup, Replica]): void {
  x[0]._leaseExpiry(x[1]);
}

function heartbeatTick(x: readonly [PrimaryBackup, Replica]): void {
  x[0]._heartbeat(x[1]);
}

function orchestratorTick(s: PrimaryBackup): void {
  s._orchestratorTick();
}

const OPTION_NAMES = [
  'world',
  'replicas',
  'orchestrator',
  'clients',
  'replication',
  'syncAcks',
  'fencing',
  'resolution',
  'heartbeatInterval',
  'heartbeatIntervalMs',
  'detector',
  'requestTimeout',
  'requestTimeoutMs',
  'replicationTimeout',
  'replicationTimeoutMs',
  'keysMax',
  'history',
  'listen',
  'readLease',
  'readLeaseMs',
  'leaseSafetyMargin',
  'leaseSafetyMarginMs',
  'leaseClock',
  'replicationDelay',
  'replicationDelayMs',
  'canPromote',
];

/**
 * A primary/backup replicated key-value service with orchestrator-driven failover (GitHub
 * Orchestrator + MySQL semantics), with or without fencing tokens (Kleppmann 2016). See the file
 * comment for the protocol and what fencing does and does not protect.
 *
 * ```ts
 *   const db = primaryBackup({ world, replicas: ['db-1', 'db-2', 'db-3'], orchestrator: 'orc',
 *     clients: ['app-1', 'app-2'], replication: 'async', fencing: false, history: kvHistory(ctx) });
 *   db.write('app-1', 'x', 1, (r) => ...);
 * ```
 */
export function primaryBackup(options: PrimaryBackupOptions): PrimaryBackup {
  const where = 'primaryBackup';
  const o = options as unknown as Opts;
  checkKnown(where, o, [...OPTION_NAMES, 'name', 'trace', 'metrics']);
  const world = worldOption(where, o);
  const replicas = nodeListOption(where, o, 'replicas', world, 2);
  const orchestrator = o.orchestrator;
  if (typeof orchestrator !== 'string' || !world.hasNode(orchestrator)) {
    throw new InputError(`${where}: orchestrator = ${JSON.stringify(orchestrator)} is not valid; name a node of the world that is not a replica; nodes: ${world.nodeNames.join(', ')}`);
  }
  if (replicas.includes(orchestrator)) throw new InputError(`${where}: orchestrator ${JSON.stringify(orchestrator)} is also a replica; run it on a node of its own (as GitHub runs Orchestrator)`);
  const clients = nodeListOption(where, o, 'clients', world, 0);
  for (const c of clients) {
    if (replicas.includes(c) || c === orchestrator) throw new InputError(`${where}: client ${JSON.stringify(c)} is also a replica or the orchestrator; clients need nodes of their own`);
  }
  const replication = enumOption<ReplicationMode>(where, o, 'replication', 'sync', ['sync', 'async']);
  const syncAcks = numberOption(where, o, 'syncAcks', Math.floor(replicas.length / 2), { min: 0, max: replicas.length - 1, integer: true, unit: 'backups' });
  const fencing = booleanOption(where, o, 'fencing', false);
  const resolution = enumOption<ConflictResolution>(where, o, 'resolution', 'new-primary-wins', ['new-primary-wins', 'last-writer-wins']);
  const hb = durationOption(where, o, 'heartbeatInterval', 1_000_000, { minUs: 0, minExclusive: true });
  const rq = durationOption(where, o, 'requestTimeout', 2_000_000, { minUs: 0, minExclusive: true });
  const rp = durationOption(where, o, 'replicationTimeout', 1_000_000, { minUs: 0, minExclusive: true });
  const keysMax = numberOption(where, o, 'keysMax', 100_000, { min: 1, integer: true });
  const readLeaseUs = o.readLease === undefined && o.readLeaseMs === undefined ? 0 : durationOption(where, o, 'readLease', 0, { minUs: 0, minExclusive: true });
  const leaseSafetyMarginUs = durationOption(where, o, 'leaseSafetyMargin', Math.floor(readLeaseUs / 5));
  const leaseClock = enumOption<'monotonic' | 'realtime'>(where, o, 'leaseClock', 'monotonic', ['monotonic', 'realtime']);
  const replicationDelayUs = durationOption(where, o, 'replicationDelay', 0);
  const canPromote = functionOption<(candidate: string, old: string) => boolean>(where, o, 'canPromote');
  const history = historyOption(where, o);
  const listen = booleanOption(where, o, 'listen', true);
  const detectorFactory = functionOption<() => FailureDetector>(where, o, 'detector') ?? (() => phiAccrualFailureDetector({ firstHeartbeatEstimateMs: hb / 1000 }));
  const probe = detectorFactory();
  if (!probe || typeof probe.suspectAtUs !== 'function') throw new InputError(`${where}: detector must return a failure detector, for example () => heartbeatFailureDetector({ timeout: "3s" })`);
  const env = new PolicyEnv(where, 'failover', { name: o.name, sim: world.sim, trace: o.trace ?? world.trace, metrics: o.metrics });
  assert(syncAcks <= replicas.length - 1, 'syncAcks bounded by the backups');
  return new PrimaryBackup(
    { world, replicas, orchestrator, clients, replication, syncAcks, fencing, resolution, heartbeatIntervalUs: hb, requestTimeoutUs: rq, replicationTimeoutUs: rp, keysMax, history, listen, detector: detectorFactory, readLeaseUs, leaseSafetyMarginUs, leaseClock, replicationDelayUs, canPromote },
    env,
  );
}
