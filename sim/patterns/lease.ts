/**
 * Leader leases measured on local clocks (Gray and Cheriton, "Leases: An Efficient
 * Fault-Tolerant Mechanism for Distributed File Cache Consistency", SOSP 1989; the leader lease
 * of the Raft thesis §6.4.1, Ongaro 2014).
 *
 * Protocol:
 *   - `nodes[0]` starts as leader in term 1. Every `renewInterval` the leader sends a renewal to
 *     every other node; when a majority (itself included) acknowledged a renewal sent at local
 *     time s, its lease runs until s + `leaseDuration` on its own clock. When its clock reaches
 *     the end of its lease it stops acting as leader.
 *   - A node that acknowledges a renewal (or grants a vote) promises not to vote for anyone else,
 *     nor to campaign, until its own clock has run `leaseDuration + safetyMargin` past that
 *     moment. When the promise has run out it campaigns (after `rank × electionStagger`, its rank
 *     in `nodes`, so candidates do not collide), and wins with a majority of votes, in term + 1.
 *   - `leaseClock: "monotonic"` measures these durations on each node's monotonic clock, so only
 *     drift (rate error) matters: leases stay exclusive while
 *     safetyMargin ≥ leaseDuration · ((1 + ρ_follower) / (1 + ρ_leader) − 1).
 *     `"realtime"` sends the lease's end as a wall-clock time (leader's clock) that followers
 *     compare with their own wall clocks, as systems that ship expiry timestamps do, so skew and
 *     jumps beyond the margin also break exclusivity.
 *
 * The model knows true time, so it measures what nodes cannot: while two nodes act as leader at
 * once their leases overlap. `leaseOverlapUs` is the total overlap in true time, and each
 * overlap episode is traced as `lease-overlap` (with `overlapUs`) when it ends and counted as
 * `lease.<name>.overlaps`. A check asserts `leaseOverlapUs === 0` (or finds no `lease-overlap`
 * records). Elections are traced as `leader-change` with `term`; lease expiries as
 * `replica-step-down`.
 *
 * Terms and votes are durable; roles, leases and promises are volatile. A restarted node waits a
 * full `leaseDuration + safetyMargin` before it votes or campaigns, since it may have promised
 * before it crashed.
 */
import { InputError } from '../kernel/errors.ts';
import type { Counter, Metrics } from '../observe/metrics.ts';
import type { Tracer } from '../observe/trace.ts';
import type { Message } from '../world/network.ts';
import type { Node } from '../world/node.ts';
import type { World } from '../world/world.ts';
import { PolicyEnv } from './env.ts';
import { booleanOption, checkKnown, durationOption, enumOption, type Opts } from './options.ts';
import { nodeListOption, worldOption } from './replication.ts';

/**
 * Which local clock measures leases: `monotonic` (only drift matters) or `realtime` (the lease's
 * end is sent as a wall-clock time, so skew and jumps matter too).
 */
export type LeaseClock = 'monotonic' | 'realtime';
/** A node's role in a `leaderLease` group: `leader`, `follower`, `candidate`, or `down` (crashed). */
export type LeaseRole = 'leader' | 'follower' | 'candidate' | 'down';

/** The options of `leaderLease`: the nodes, the lease length, renewal period, safety margin for clock error, election stagger, and the clock. */
export interface LeaderLeaseOptions {
  /** The world whose nodes run it. */
  world: World;
  /** The nodes that elect a leader; the first starts as leader. At least 2. */
  nodes: readonly string[];
  /** Lease length on the leader's clock. Default "10s" (Chubby's default session lease is 12 s). */
  leaseDuration?: string;
  /** `leaseDuration` in milliseconds. */
  leaseDurationMs?: number;
  /** Renewal period. Default leaseDuration / 3. */
  renewInterval?: string;
  /** `renewInterval` in milliseconds. */
  renewIntervalMs?: number;
  /** What followers wait beyond the lease for clock error. Default "1s". */
  safetyMargin?: string;
  /** `safetyMargin` in milliseconds. */
  safetyMarginMs?: number;
  /** Extra wait per rank in `nodes` before campaigning, so candidates do not collide. Default "50ms". */
  electionStagger?: string;
  /** `electionStagger` in milliseconds. */
  electionStaggerMs?: number;
  /** Which local clock measures leases. Default "monotonic". */
  leaseClock?: LeaseClock;
  /** Register network handlers on the nodes (default true); with false, route messages through `handle`. */
  listen?: boolean;
  /** Instance name (metrics `lease.<name>.*`). */
  name?: string;
  /** Where its records go (`leader-change`, `replica-step-down`, `lease-overlap`). Default: the world's tracer. */
  trace?: Tracer;
  /** Where its metrics go. */
  metrics?: Metrics;
}

type LMsg =
  | { fl: 'lease'; svc: string; t: 'renew'; term: number; leader: string; expiresAt: number }
  | { fl: 'lease'; svc: string; t: 'renew-ok'; term: number }
  | { fl: 'lease'; svc: string; t: 'vote'; term: number; expiresAt: number }
  | { fl: 'lease'; svc: string; t: 'vote-ok'; term: number }
  | { fl: 'lease'; svc: string; t: 'no'; term: number };

class Member {
  // durable
  term = 1;
  votedTerm = 1;
  // volatile
  role: 'leader' | 'follower' | 'candidate' = 'follower';
  leaseUntil = -Infinity;
  promiseUntil = -Infinity;
  expiryTimer = -1;
  electionTimer = -1;
  renewTimer = -1;
  constructor(
    readonly name: string,
    readonly node: Node,
    readonly rank: number,
  ) {}
}

/**
 * Leader leases on local clocks (Gray and Cheriton 1989; the Raft thesis §6.4.1): the leader
 * renews with a majority every `renewInterval`; followers promise not to vote or campaign until
 * `leaseDuration + safetyMargin` has passed on their own clocks. Knowing true time, the model
 * measures what nodes cannot: `leaseOverlapUs`, the total time two nodes acted as leader at once.
 */
export class LeaderLease {
  readonly name: string;
  readonly nodes: readonly string[];
  readonly leaseDurationUs: number;
  readonly renewIntervalUs: number;
  readonly safetyMarginUs: number;
  readonly leaseClock: LeaseClock;
  readonly electionStaggerUs: number;
  readonly elections: Counter;
  readonly overlaps: Counter;
  readonly expiries: Counter;

  private readonly env: PolicyEnv;
  private readonly world: World;
  private readonly members = new Map<string, Member>();
  private readonly believers = new Set<string>();
  private overlapAccUs = 0;
  private overlapSinceUs = 0;
  private episodeLeaders = new Set<string>();

  constructor(c: LeaderLeaseConfig, env: PolicyEnv) {
    this.env = env;
    this.name = env.name;
    this.world = c.world;
    this.nodes = c.nodes;
    this.leaseDurationUs = c.leaseDurationUs;
    this.renewIntervalUs = c.renewIntervalUs;
    this.safetyMarginUs = c.safetyMarginUs;
    this.leaseClock = c.leaseClock;
    this.electionStaggerUs = c.electionStaggerUs;
    this.elections = env.counter('elections');
    this.overlaps = env.counter('overlaps');
    this.expiries = env.counter('expiries');
    this.nodes.forEach((name, rank) => {
      const node = this.world.node(name);
      const m = new Member(name, node, rank);
      this.members.set(name, m);
      node.onCrash(() => {
        if (m.role === 'leader') this.setBelief(m, false);
        m.role = 'follower';
        m.expiryTimer = -1;
        m.electionTimer = -1;
        m.renewTimer = -1;
      });
      node.onRestart(() => {
        m.promiseUntil = this.local(m) + this.leaseDurationUs + this.safetyMarginUs;
        this.armElection(m, 0);
      });
    });
    if (c.listen) {
      const h = (msg: Message<any>): void => void this.handle(msg);
      for (const n of this.nodes) this.world.net.listen(n, h);
    }
    const first = this.members.get(this.nodes[0]!)!;
    for (const m of this.members.values()) {
      if (m === first) continue;
      m.promiseUntil = this.local(m) + this.leaseDurationUs + this.safetyMarginUs;
      this.armElection(m, 0);
    }
    this.becomeLeader(first, this.local(first), 'initial configuration');
  }

  // ---- queries ----

  /** Whether `node` acts as leader now (its lease has not run out on its own clock). */
  isLeader(node: string): boolean {
    const m = this.member(node);
    return m.node.alive && m.role === 'leader';
  }

  role(node: string): LeaseRole {
    const m = this.member(node);
    return m.node.alive ? m.role : 'down';
  }

  /** Nodes acting as leader now (two or more: the leases overlap). */
  leaders(): string[] {
    return this.nodes.filter((n) => this.isLeader(n));
  }

  termOf(node: string): number {
    return this.member(node).term;
  }

  /** Total true time during which two or more nodes acted as leader, µs (including an overlap still going on). */
  get leaseOverlapUs(): number {
    return this.overlapAccUs + (this.believers.size >= 2 ? this.world.sim.now - this.overlapSinceUs : 0);
  }

  // ---- protocol ----

  private local(m: Member): number {
    return this.leaseClock === 'monotonic' ? m.node.clock.monotonic() : m.node.clock.now();
  }

  /** Set a timer for when `m`'s lease clock reads `deadline`. */
  private timerAt(m: Member, deadline: number, fn: (x: readonly [LeaderLease, Member]) => void): number {
    if (this.leaseClock === 'realtime') return m.node.clock.at(deadline, fn, [this, m] as const);
    return m.node.clock.schedule(Math.max(0, deadline - m.node.clock.monotonic()), fn, [this, m] as const, 'monotonic');
  }

  private armElection(m: Member, extraRanks: number): void {
    if (m.electionTimer !== -1) m.node.clock.cancel(m.electionTimer);
    const at = Math.max(m.promiseUntil, this.local(m)) + (m.rank + extraRanks) * this.electionStaggerUs;
    m.electionTimer = this.timerAt(m, at, electionDue);
  }

  /** @internal */
  _electionDue(m: Member): void {
    m.electionTimer = -1;
    if (m.role === 'leader') return;
    if (m.node.paused) return this.armElection(m, 1);
    if (this.local(m) < m.promiseUntil) return this.armElection(m, 0);
    this.campaign(m);
  }

  private campaign(m: Member): void {
    // the term becomes the node's own only when it wins (as with Raft's pre-vote), so a node
    // cut off from the majority does not come back with an inflated term and depose the leader
    m.role = 'candidate';
    const term = Math.max(m.term, m.votedTerm) + 1;
    m.votedTerm = term;
    const startedAt = this.local(m);
    let votes = 1;
    let outstanding = this.nodes.length - 1;
    const majority = Math.floor(this.nodes.length / 2) + 1;
    const inc = m.node.incarnation;
    const body: LMsg = { fl: 'lease', svc: this.name, t: 'vote', term, expiresAt: startedAt + this.leaseDurationUs };
    for (const other of this.nodes) {
      if (other === m.name) continue;
      this.world.net.call(m.name, other, body, this.renewIntervalUs, (_: null, reply) => {
        if (m.node.incarnation !== inc) return;
        outstanding--;
        const p = reply?.payload as LMsg | undefined;
        if (p?.t === 'no' && p.term > m.term) m.term = p.term;
        if (p?.t === 'vote-ok' && p.term === term) votes++;
        if (m.role !== 'candidate' || m.votedTerm !== term) return;
        if (votes >= majority) {
          this.elections.inc();
          m.term = term;
          this.becomeLeader(m, startedAt, `won ${votes} of ${this.nodes.length} votes`);
        } else if (outstanding === 0) {
          m.role = 'follower';
          this.armElection(m, 1);
        }
      }, null);
    }
  }

  private becomeLeader(m: Member, leaseStart: number, reason: string): void {
    m.role = 'leader';
    this.extendLease(m, leaseStart + this.leaseDurationUs);
    this.env.trace?.emit({ time: this.world.sim.now, kind: 'leader-change', node: m.name, service: this.name, leader: m.name, term: m.term, reason });
    this.setBelief(m, true);
    this.renew(m);
  }

  private extendLease(m: Member, until: number): void {
    if (until <= m.leaseUntil && m.expiryTimer !== -1) return;
    m.leaseUntil = Math.max(m.leaseUntil, until);
    if (m.expiryTimer !== -1) m.node.clock.cancel(m.expiryTimer);
    m.expiryTimer = this.timerAt(m, m.leaseUntil, leaseExpired);
  }

  /** @internal */
  _leaseExpired(m: Member): void {
    m.expiryTimer = -1;
    if (m.role !== 'leader') return;
    if (this.local(m) < m.leaseUntil) {
      m.expiryTimer = this.timerAt(m, m.leaseUntil, leaseExpired);
      return;
    }
    m.role = 'follower';
    this.expiries.inc();
    this.setBelief(m, false);
    this.env.trace?.emit({ time: this.world.sim.now, kind: 'replica-step-down', node: m.name, service: this.name, role: 'follower', term: m.term, reason: 'lease expired on its own clock' });
    m.promiseUntil = this.local(m);
    this.armElection(m, 0);
  }

  private renew(m: Member): void {
    if (m.role !== 'leader') return;
    // a paused leader sends nothing (the world keeps local timers running through a pause)
    if (!m.node.paused) {
      const sentAt = this.local(m);
      const term = m.term;
      let acks = 1;
      const majority = Math.floor(this.nodes.length / 2) + 1;
      const inc = m.node.incarnation;
      const body: LMsg = { fl: 'lease', svc: this.name, t: 'renew', term, leader: m.name, expiresAt: sentAt + this.leaseDurationUs };
      for (const other of this.nodes) {
        if (other === m.name) continue;
        this.world.net.call(m.name, other, body, this.renewIntervalUs, (_: null, reply) => {
          if (m.node.incarnation !== inc) return;
          const p = reply?.payload as LMsg | undefined;
          if (p?.t === 'no' && p.term > m.term) m.term = p.term;
          if (p?.t !== 'renew-ok' || m.role !== 'leader' || m.term !== term) return;
          if (++acks === majority) this.extendLease(m, sentAt + this.leaseDurationUs);
        }, null);
      }
    }
    if (m.renewTimer !== -1) m.node.clock.cancel(m.renewTimer);
    m.renewTimer = m.node.clock.schedule(this.renewIntervalUs, renewDue, [this, m] as const, 'monotonic');
  }

  /** @internal */
  _renewDue(m: Member): void {
    m.renewTimer = -1;
    this.renew(m);
  }

  /** The local time until which `m` promises, having heard from a leader or candidate now. */
  private promiseFrom(m: Member, expiresAt: number): number {
    return this.leaseClock === 'realtime' ? expiresAt + this.safetyMarginUs : this.local(m) + this.leaseDurationUs + this.safetyMarginUs;
  }

  /** Handle a message addressed to this service; false when it is not one of ours. */
  handle(msg: Message<any>): boolean {
    const p = msg.payload as LMsg | undefined;
    if (!p || p.fl !== 'lease' || p.svc !== this.name || msg.corrupted) return false;
    if (msg.callId < 0) return true;
    const m = this.members.get(msg.to);
    if (!m) return true;
    const no: LMsg = { fl: 'lease', svc: this.name, t: 'no', term: m.term };
    if (p.t === 'renew') {
      if (p.term < m.term) {
        this.world.net.reply(msg, no);
        return true;
      }
      m.term = p.term;
      if (m.role === 'leader' && p.leader !== m.name) {
        // a newer leader exists: stop at once (exclusivity already depended on the clocks)
        m.role = 'follower';
        this.setBelief(m, false);
        this.env.trace?.emit({ time: this.world.sim.now, kind: 'replica-step-down', node: m.name, service: this.name, role: 'follower', term: m.term, reason: `renewal from ${p.leader} in term ${p.term}` });
      }
      if (m.role === 'candidate') m.role = 'follower';
      m.promiseUntil = Math.max(m.promiseUntil, this.promiseFrom(m, p.expiresAt));
      this.armElection(m, 0);
      this.world.net.reply(msg, { fl: 'lease', svc: this.name, t: 'renew-ok', term: m.term } satisfies LMsg);
      return true;
    }
    if (p.t === 'vote') {
      const free = this.local(m) >= m.promiseUntil && m.role !== 'leader';
      if (p.term <= m.votedTerm || !free) {
        this.world.net.reply(msg, no);
        return true;
      }
      m.term = p.term;
      m.votedTerm = p.term;
      if (m.role === 'candidate') m.role = 'follower';
      m.promiseUntil = this.promiseFrom(m, p.expiresAt);
      this.armElection(m, 0);
      this.world.net.reply(msg, { fl: 'lease', svc: this.name, t: 'vote-ok', term: p.term } satisfies LMsg);
    }
    return true;
  }

  // ---- omniscient overlap measurement ----

  private setBelief(m: Member, leader: boolean): void {
    const now = this.world.sim.now;
    const before = this.believers.size;
    if (leader) this.believers.add(m.name);
    else this.believers.delete(m.name);
    const after = this.believers.size;
    if (before < 2 && after >= 2) {
      this.overlapSinceUs = now;
      this.episodeLeaders = new Set(this.believers);
      this.overlaps.inc();
    } else if (before >= 2 && after >= 2) {
      for (const b of this.believers) this.episodeLeaders.add(b);
    } else if (before >= 2 && after < 2) {
      const overlapUs = now - this.overlapSinceUs;
      this.overlapAccUs += overlapUs;
      this.env.trace?.emit({ time: now, kind: 'lease-overlap', node: m.name, service: this.name, leaders: [...this.episodeLeaders], overlapUs });
    }
  }

  private member(node: string): Member {
    const m = this.members.get(node);
    if (!m) throw new InputError(`${this.name}: ${JSON.stringify(node)} is not a member; nodes: ${this.nodes.join(', ')}`);
    return m;
  }
}

function electionDue(x: readonly [LeaderLease, Member]): void {
  x[0]._electionDue(x[1]);
}
function leaseExpired(x: readonly [LeaderLease, Member]): void {
  x[0]._leaseExpired(x[1]);
}
function renewDue(x: readonly [LeaderLease, Member]): void {
  x[0]._renewDue(x[1]);
}

/** Options after validation, with durations in microseconds. */
export interface LeaderLeaseConfig {
  world: World;
  nodes: readonly string[];
  leaseDurationUs: number;
  renewIntervalUs: number;
  safetyMarginUs: number;
  leaseClock: LeaseClock;
  electionStaggerUs: number;
  listen: boolean;
}

/**
 * Leader election with leases on local clocks; see the file comment.
 *
 * ```ts
 *   const lease = leaderLease({ world, nodes: ['n1', 'n2', 'n3'], leaseDuration: '10s', safetyMargin: '500ms' });
 *   // later, in a check: lease.leaseOverlapUs === 0
 * ```
 */
export function leaderLease(options: LeaderLeaseOptions): LeaderLease {
  const where = 'leaderLease';
  const o = options as unknown as Opts;
  checkKnown(where, o, ['world', 'nodes', 'leaseDuration', 'leaseDurationMs', 'renewInterval', 'renewIntervalMs', 'safetyMargin', 'safetyMarginMs', 'electionStagger', 'electionStaggerMs', 'leaseClock', 'listen', 'name', 'trace', 'metrics']);
  const world = worldOption(where, o);
  const nodes = nodeListOption(where, o, 'nodes', world, 2);
  const leaseDurationUs = durationOption(where, o, 'leaseDuration', 10_000_000, { minUs: 0, minExclusive: true });
  const renewIntervalUs = durationOption(where, o, 'renewInterval', Math.max(1, Math.floor(leaseDurationUs / 3)), { minUs: 0, minExclusive: true });
  if (renewIntervalUs >= leaseDurationUs) {
    throw new InputError(`${where}: renewInterval (${renewIntervalUs / 1000}ms) must be shorter than leaseDuration (${leaseDurationUs / 1000}ms), or the lease lapses between renewals`);
  }
  const safetyMarginUs = durationOption(where, o, 'safetyMargin', 1_000_000);
  const electionStaggerUs = durationOption(where, o, 'electionStagger', 50_000);
  const leaseClock = enumOption<LeaseClock>(where, o, 'leaseClock', 'monotonic', ['monotonic', 'realtime']);
  const listen = booleanOption(where, o, 'listen', true);
  const env = new PolicyEnv(where, 'lease', { name: o.name, sim: world.sim, trace: o.trace ?? world.trace, metrics: o.metrics });
  return new LeaderLease({ world, nodes, leaseDurationUs, renewIntervalUs, safetyMarginUs, leaseClock, electionStaggerUs, listen }, env);
}
