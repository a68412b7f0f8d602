/**
 * The network: messages between nodes over directed links, each with its own latency
 * distribution, bandwidth, loss, duplication, reordering and corruption (the knobs of Linux
 * netem, which Chaos Mesh NetworkChaos and LitmusChaos drive), partitions, and a
 * request/response helper with a per-call timeout.
 *
 * Semantics a reader should know:
 * - A link is FIFO by default (as a TCP connection is): a message never overtakes an earlier one
 *   on the same link, unless a reorder fault picks it. Set `fifo: false` for datagram semantics.
 * - Bandwidth serializes messages on the link: a message departs when the previous one has been
 *   transmitted, taking `sizeBytes / rate`; propagation latency comes on top.
 * - A message is dropped, and the drop traced with its reason, when its sender is down
 *   (`source-down`), its link is cut at send or at arrival (`partition`: faults hit messages in
 *   flight, as in turmoil ≥ 0.7.1), netem-style loss picks it (`loss`), its receiver is down on
 *   arrival (`target-down`) or nothing listens (`no-listener`). A message to a paused node waits
 *   in its socket buffer and is handled at resume.
 * - A duplicated message arrives twice, with the same id and independent latencies.
 * - A corrupted message arrives with `corrupted: true` and, for string, number or byte
 *   payloads, one bit flipped; models that checksum payloads should drop it.
 *
 * Randomness: each sending node has its own stream, `net/node/<from>`, shared by its outgoing
 * links. A stream per link (`net/link/a->b`) would also keep a->b's draws fixed when a sends to
 * a new node, but 100 nodes make 9,900 seedrandom states, whose creation (~46 µs each) and
 * scattered memory (a cache miss per draw) made delivery 2× slower in bench/network.ts; a
 * stream per sender keeps every other node's draws unchanged when a node or a fault is added.
 *
 * Hot path: one message object and one kernel event per delivery, draws only for the effects
 * that are on, and one small trace
 * record per outcome (`message-deliver` or `message-drop`, detail kinds: hashed at every level,
 * kept only at `full`). Call timeouts live in per-timeout FIFO lanes with one kernel timer each,
 * so a call costs no heap entry for its timeout.
 */
import { constantDurationUs, durationSampler, type DistributionSpec, type Sampler } from '../kernel/distribution.ts';
import { InputError } from '../kernel/errors.ts';
import { Random, type RandomStreams } from '../kernel/random.ts';
import type { SimEvent, Simulation } from '../kernel/sim.ts';
import { pre1, pre2 } from '../observe/hash.ts';
import { markDetailKind, type RecordEmitter, type Tracer } from '../observe/trace.ts';
import type { Node } from './node.ts';
import type { PartitionDirection } from './partition.ts';

declare module '../observe/trace.ts' {
  interface TraceRecordMap {
    /** A message arrived (sent at `sentUs`). */
    'message-deliver': { from: string; to: string; id: number; sentUs: number };
    /** A message was lost, and why. */
    'message-drop': { from: string; to: string; id: number; reason: DropReason };
    /** A partition began (`cut`) or ended (`heal`). */
    partition: { id: number; action: 'cut' | 'heal'; groups: string[][]; direction: PartitionDirection };
  }
}
markDetailKind('message-deliver');
markDetailKind('message-drop');

/**
 * Why the network dropped a message: its sender was down (`source-down`), its receiver was down on
 * arrival (`target-down`), its link was cut at send or arrival (`partition`), loss picked it
 * (`loss`), or nothing listens at the receiver (`no-listener`).
 */
export type DropReason = 'source-down' | 'target-down' | 'partition' | 'loss' | 'no-listener';
/** Every `DropReason` (the keys of `Network.dropsByReason`). */
export const DROP_REASONS: readonly DropReason[] = ['source-down', 'target-down', 'partition', 'loss', 'no-listener'];

/**
 * A message as its receiver's `MessageHandler` sees it: sender, receiver, payload and size, when
 * it was sent, and whether the network corrupted or duplicated it.
 */
export interface Message<P = unknown> {
  /** Unique per send (a duplicate carries the original's id). */
  readonly id: number;
  readonly from: string;
  readonly to: string;
  payload: P;
  readonly sizeBytes: number;
  readonly sentUs: number;
  /** The payload was damaged on the wire. */
  corrupted: boolean;
  /** This copy is a duplicate made by the network. */
  duplicate: boolean;
  /** Positive: a request awaiting a reply with this call id; negative: a reply to call -callId; 0: one-way. */
  readonly callId: number;
  /** @internal */ readonly src: number;
  /** @internal */ readonly dst: number;
  /**
   * @internal the pending call a request or its reply belongs to (saves a map lookup per reply);
   * null once that call has finished, so a request queued at a slow server holds no caller state.
   */
  call: Call | null;
}

/**
 * A message on the wire: one object of one shape per send (what waits in a server's queue is this
 * and its payload), the names of its ends read from the network's list.
 */
class Msg implements Message {
  corrupted: boolean;
  duplicate = false;
  constructor(
    readonly names: readonly string[],
    readonly id: number,
    readonly src: number,
    readonly dst: number,
    public payload: unknown,
    readonly sizeBytes: number,
    readonly sentUs: number,
    corrupted: boolean,
    readonly callId: number,
    public call: Call | null,
  ) {
    this.corrupted = corrupted;
  }
  get from(): string {
    return this.names[this.src]!;
  }
  get to(): string {
    return this.names[this.dst]!;
  }
}

/** Handles every message and request arriving at a node (`Network.listen`); answer a request with `Network.reply`. */
export type MessageHandler = (msg: Message<any>) => void;
/** Why a `Network.call` got no reply: `timeout` (no reply within its `timeoutUs`). */
export type CallError = 'timeout';
/** The callback of `Network.call`: the reply, or null with the error. */
export type CallCallback<A> = (arg: A, reply: Message<any> | null, error: CallError | null) => void;

/** Link properties. Percentages follow netem / Chaos Mesh (`loss: "25"` is 25%). */
export interface LinkOptions {
  /** One-way latency (propagation), as a distribution. Default "500us" (same datacenter). */
  latency?: DistributionSpec;
  /** Percent of messages lost (netem `loss`). Default 0. */
  lossPercent?: number;
  /** Percent of messages delivered twice (netem `duplicate`). Default 0. */
  duplicatePercent?: number;
  /** Percent of messages delivered with `corrupted: true` and one bit flipped (netem `corrupt`). Default 0. */
  corruptPercent?: number;
  /** Share of messages held back by up to `reorderDelay` so later ones overtake them. */
  reorderPercent?: number;
  reorderDelay?: DistributionSpec;
  /** Bandwidth in bytes per second (0 or absent: unlimited). */
  bandwidthBytesPerSec?: number;
  /** In-order delivery per link (TCP-like). Default true. */
  fifo?: boolean;
}

/** A fault's effect on a link; effects stack and are removed when the fault ends. */
export interface LinkEffect {
  extraLatency?: Sampler;
  lossPercent?: number;
  duplicatePercent?: number;
  corruptPercent?: number;
  reorderPercent?: number;
  reorderDelay?: Sampler;
  bandwidthBytesPerSec?: number;
}

class Link extends Random {
  latency: Sampler;
  extra: Sampler[] = [];
  lossP = 0;
  dupP = 0;
  corruptP = 0;
  reorderP = 0;
  reorderDelay: Sampler;
  usPerByte = 0;
  fifo: boolean;
  lastArrivalUs = 0;
  txFreeUs = 0;
  effects: LinkEffect[] = [];
  /** Messages put on this link (past the source and partition checks) and their declared bytes: the cost model's transfer. */
  messages = 0;
  bytes = 0;
  /** No effect, bandwidth or reordering on a FIFO link with a constant latency (`latencyUs`): a message's delay takes no draw and no call. */
  plain = false;
  latencyUs = 0;

  constructor(
    path: string,
    seedText: string,
    readonly base: ResolvedLink,
  ) {
    super(path, seedText);
    this.latency = base.latency;
    this.reorderDelay = base.reorderDelay;
    this.fifo = base.fifo;
    this.recompute();
  }

  recompute(): void {
    const b = this.base;
    let keep = 1 - b.lossP;
    let nodup = 1 - b.dupP;
    let nocorrupt = 1 - b.corruptP;
    let reorder = b.reorderP;
    let reorderDelay = b.reorderDelay;
    let bw = b.bytesPerSec;
    const extra: Sampler[] = [];
    for (const e of this.effects) {
      if (e.extraLatency) extra.push(e.extraLatency);
      if (e.lossPercent) keep *= 1 - e.lossPercent / 100;
      if (e.duplicatePercent) nodup *= 1 - e.duplicatePercent / 100;
      if (e.corruptPercent) nocorrupt *= 1 - e.corruptPercent / 100;
      if (e.reorderPercent && e.reorderPercent / 100 > reorder) {
        reorder = e.reorderPercent / 100;
        if (e.reorderDelay) reorderDelay = e.reorderDelay;
      }
      if (e.bandwidthBytesPerSec && (bw === 0 || e.bandwidthBytesPerSec < bw)) bw = e.bandwidthBytesPerSec;
    }
    this.extra = extra;
    this.lossP = 1 - keep;
    this.dupP = 1 - nodup;
    this.corruptP = 1 - nocorrupt;
    this.reorderP = reorder;
    this.reorderDelay = reorderDelay;
    this.usPerByte = bw > 0 ? 1e6 / bw : 0;
    this.plain = extra.length === 0 && this.usPerByte === 0 && reorder === 0 && this.fifo && b.latencyUs !== null;
    this.latencyUs = b.latencyUs ?? 0;
  }
}

interface ResolvedLink {
  latency: Sampler;
  /** The latency when it is a constant (what `latency` returns, without a draw), else null. */
  latencyUs: number | null;
  lossP: number;
  dupP: number;
  corruptP: number;
  reorderP: number;
  reorderDelay: Sampler;
  bytesPerSec: number;
  fifo: boolean;
}

/**
 * @internal What a pending call's request is known by until the call finishes (its message, or
 * what a server keeps of it instead: `Network._handOver`): the call then unlinks itself from it.
 */
export interface CallLink {
  call: Call | null;
}

/** @internal A pending call (what a request message's `call` points at). */
export type PendingCall = Call;

/**
 * @internal `CallCallback` as the network calls it: also with the call's second argument (see
 * `Network._call`) and the time it was made, so a caller needs no record of its own per call.
 */
export type CallDone = (arg: any, reply: Message<any> | null, error: CallError | null, arg2: any, startUs: number) => void;

/** A pending call (a class: an object literal would carry an allocation-site record through every young collection it survives). */
class Call {
  finished = false;
  /** The request message (or what a server keeps of it) while the call is pending (a finished call unlinks itself from it). */
  req: CallLink | null = null;
  constructor(
    /** Released (set to a no-op) once the call has finished, so queued requests do not keep the caller's state alive. */
    public done: CallDone,
    public arg: unknown,
    /** A second argument for `done` (null unless given to `_call`). */
    public arg2: unknown,
    readonly caller: Node,
    readonly incarnation: number,
    readonly deadlineUs: number,
    readonly lane: Lane,
  ) {}
}

/**
 * The calls of one timeout in the order they were made (so in deadline order), a ring: its
 * positions `head` to `tail` (counted from the start, taken modulo the capacity `mask + 1`).
 */
class Lane {
  calls: (Call | undefined)[] = new Array(16).fill(undefined);
  mask = 15;
  head = 0;
  tail = 0;
  armed = false;
  /** Kernel timer of the lane's next deadline (valid while armed). */
  timer = -1;
  /** Calls in the lane still waiting; at 0 the timer is cancelled so a finished run ends on time. */
  live = 0;
  constructor(
    /** The network it belongs to (the argument of its timer's event). */
    readonly net: Network,
    readonly timeoutUs: number,
  ) {}

  push(c: Call): void {
    if (this.tail - this.head > this.mask) this.grow();
    this.calls[this.tail++ & this.mask] = c;
  }

  /** Forget every call (all finished, or the run is over). */
  clear(): void {
    for (let i = this.head; i < this.tail; i++) this.calls[i & this.mask] = undefined;
    this.head = 0;
    this.tail = 0;
  }

  private grow(): void {
    const n = this.mask + 1;
    const calls: (Call | undefined)[] = new Array(2 * n).fill(undefined);
    for (let k = 0; k < n; k++) calls[k] = this.calls[(this.head + k) & this.mask];
    this.calls = calls;
    this.mask = 2 * n - 1;
    this.head = 0;
    this.tail = n;
  }
}

/** A rule that overrides link properties for matching (from, to) pairs; later rules win. */
export interface LinkRule extends LinkOptions {
  /** A node name, `*`, `zone:<name>` or `rack:<name>`. */
  from: string;
  to: string;
  /** Apply to both directions. Default true. */
  bidirectional?: boolean;
}

/**
 * The network between a world's nodes: one-way messages (`send`) and request/response with a
 * per-call timeout (`call`, `reply`) over directed links with latency, bandwidth, netem-style
 * loss, duplication, reordering and corruption, plus partitions (`partition`, `heal`). A link is
 * FIFO by default, as a TCP connection is. Every drop is counted and traced with its reason.
 */
export class Network {
  readonly n: number;
  readonly names: readonly string[];
  sent = 0;
  delivered = 0;
  dropped = 0;
  readonly dropsByReason: Record<DropReason, number> = {
    'source-down': 0,
    'target-down': 0,
    partition: 0,
    loss: 0,
    'no-listener': 0,
  };
  /** Replies that arrived after their call had timed out (or a duplicate reply). */
  lateReplies = 0;

  private readonly index = new Map<string, number>();
  private readonly links: (Link | undefined)[];
  private readonly cut: Uint16Array;
  private readonly handlers: (MessageHandler | undefined)[];
  private readonly partitions = new Map<number, { pairs: Int32Array; groups: string[][]; direction: PartitionDirection }>();
  private nextPartition = 1;
  private nextMessageId = 1;
  private nextCallId = 1;
  /** Calls awaiting a reply or a timeout. */
  private pending = 0;
  private readonly lanes = new Map<number, Lane>();
  /** The lane of the last call (most calls of a run share one timeout). */
  private lastLane: Lane | null = null;
  private readonly defaults: ResolvedLink;
  private readonly rules: { from: Set<number>; to: Set<number>; link: ResolvedLink }[] = [];
  private readonly deliverEmitter: RecordEmitter;
  private readonly dropEmitter: RecordEmitter;
  /** The event that delivers a message (one function per network: a message need not point at its network). */
  private readonly deliverFn = (m: Message): void => this._deliver(m);
  /** Per node: its name's string hash through each lane's word half (see `Hasher.recordNamesNumbers`). */
  private readonly name1: Int32Array;
  private readonly name2: Int32Array;

  constructor(
    readonly sim: Simulation,
    readonly nodes: readonly Node[],
    private readonly random: RandomStreams,
    private readonly trace: Tracer,
    options: LinkOptions = {},
    rules: readonly LinkRule[] = [],
  ) {
    this.n = nodes.length;
    this.deliverEmitter = trace.recordEmitter('message-deliver', ['from', 'to', 'id', 'sentUs']);
    this.dropEmitter = trace.recordEmitter('message-drop', ['from', 'to', 'id', 'reason']);
    this.names = nodes.map((x) => x.name);
    this.name1 = Int32Array.from(this.names, (x) => pre1(trace._hasher.hashOfString(x)));
    this.name2 = Int32Array.from(this.names, (x) => pre2(trace._hasher.hashOfString(x)));
    nodes.forEach((x, i) => this.index.set(x.name, i));
    this.links = new Array(this.n * this.n).fill(undefined);
    this.cut = new Uint16Array(this.n * this.n);
    this.handlers = new Array(this.n).fill(undefined);
    this.defaults = resolveLink('network', options, undefined);
    rules.forEach((r, i) => {
      const where = `links[${i}]`;
      const from = new Set(this.select(r.from, `${where}.from`));
      const to = new Set(this.select(r.to, `${where}.to`));
      const link = resolveLink(where, r, this.defaults);
      this.rules.push({ from, to, link });
      if (r.bidirectional ?? true) this.rules.push({ from: to, to: from, link });
    });
    // pending calls (and through them their requests) must not outlive the run (Simulation.dispose)
    sim.onDispose(() => {
      for (const lane of this.lanes.values()) lane.clear();
    });
  }

  /** Index of a node by name, or -1. */
  indexOf(name: string): number {
    return this.index.get(name) ?? -1;
  }

  /**
   * Node indices matching a selector: a node name, `*` (every node), `zone:<name>` or
   * `rack:<name>`. Unknown selectors are an InputError listing the valid names.
   */
  select(selector: string, what = 'selector'): number[] {
    if (selector === '*') return this.nodes.map((_, i) => i);
    const i = this.index.get(selector);
    if (i !== undefined) return [i];
    if (selector.startsWith('zone:') || selector.startsWith('rack:')) {
      const isZone = selector.startsWith('zone:');
      const name = selector.slice(5);
      const out: number[] = [];
      this.nodes.forEach((x, j) => {
        if ((isZone ? x.zone : x.rack) === name) out.push(j);
      });
      if (out.length > 0) return out;
      const valid = [...new Set(this.nodes.map((x) => (isZone ? x.zone : x.rack)))];
      throw new InputError(`${what}: ${JSON.stringify(selector)} matches no node; valid ${isZone ? 'zones' : 'racks'}: ${valid.join(', ')}`);
    }
    throw new InputError(
      `${what}: ${JSON.stringify(selector)} is not a node; valid: ${this.names.join(', ')}, "*", "zone:<name>" or "rack:<name>"`,
    );
  }

  /** Register the handler of messages (and requests) arriving at `node`. */
  listen(node: string, handler: MessageHandler): void {
    const i = this.index.get(node);
    if (i === undefined) throw new InputError(`listen: unknown node ${JSON.stringify(node)}; nodes: ${this.names.join(', ')}`);
    this.handlers[i] = handler;
  }

  /** Send a one-way message. Returns its id (also for messages dropped at once). */
  send<P>(from: string, to: string, payload: P, sizeBytes = 0): number {
    return this.sendIdx(this.idx(from, 'from'), this.idx(to, 'to'), payload, sizeBytes, 0);
  }

  /**
   * Request/response: send `payload` to `to`; `done(arg, reply, null)` when the reply arrives,
   * `done(arg, null, "timeout")` after `timeoutUs` without one. A late or duplicate reply is
   * ignored (counted in `lateReplies`). If the caller crashes, `done` is never called.
   */
  call<P, A>(from: string, to: string, payload: P, timeoutUs: number, done: CallCallback<A>, arg: A, sizeBytes = 0): number {
    if (!(timeoutUs > 0 && timeoutUs < Infinity)) {
      throw new InputError(`call: timeoutUs=${timeoutUs} is not valid; use a finite timeout > 0 µs`);
    }
    return this._call(this.idx(from, 'from'), this.idx(to, 'to'), payload, timeoutUs, done, arg, sizeBytes);
  }

  /**
   * @internal `call` between node indices, with a valid timeout; `done` is also given `arg2` and
   * the time of the call (`CallDone`).
   */
  _call<P, A>(src: number, dst: number, payload: P, timeoutUs: number, done: CallCallback<A> | CallDone, arg: A, sizeBytes: number, arg2: unknown = null): number {
    const id = this.nextCallId++;
    const t = Math.round(timeoutUs);
    let lane = this.lastLane;
    if (lane === null || lane.timeoutUs !== t) {
      lane = this.lanes.get(t) ?? null;
      if (lane === null) {
        lane = new Lane(this, t);
        this.lanes.set(t, lane);
      }
      this.lastLane = lane;
    }
    const caller = this.nodes[src]!;
    const c = new Call(done as CallDone, arg, arg2, caller, caller.incarnation, this.sim.now + t, lane);
    this.pending++;
    lane.push(c);
    lane.live++;
    if (!lane.armed) {
      lane.armed = true;
      lane.timer = this.sim.schedule(t, laneFire, lane);
    }
    this.sendIdx(src, dst, payload, sizeBytes, id, c);
    return id;
  }

  /** Generator style: `const [reply, error] = yield net.callEvent(...)`. */
  callEvent<P>(from: string, to: string, payload: P, timeoutUs: number, sizeBytes = 0): SimEvent<[Message<any> | null, CallError | null]> {
    const ev = this.sim.event<[Message<any> | null, CallError | null]>();
    this.call(from, to, payload, timeoutUs, succeedCall, ev, sizeBytes);
    return ev;
  }

  /** Answer a request (a message with `callId > 0`). */
  reply<P>(request: Message<any>, payload: P, sizeBytes = 0): number {
    if (!(request.callId > 0)) throw new InputError(`reply: message ${request.id} is not a request (it was sent with send, not call)`);
    return this.sendIdx(request.dst, request.src, payload, sizeBytes, -request.callId, request.call);
  }

  /**
   * @internal A server keeps `holder` (with the request's call) instead of the request message:
   * while the call is pending, it unlinks itself from the holder when it finishes.
   */
  _handOver(request: Message, holder: CallLink): void {
    const c = request.call;
    if (c !== null && c.req === request) c.req = holder;
  }

  /** Calls awaiting a reply. */
  get pendingCalls(): number {
    return this.pending;
  }

  // ---- partitions and link faults ----

  /** Cut links between groups (see partition.ts for shapes). Returns an id for `heal`. */
  partition(groups: readonly (readonly string[])[], direction: PartitionDirection = 'both'): number {
    const idx = groups.map((g, gi) => g.map((name, ni) => this.idx(name, `groups[${gi}][${ni}]`)));
    const pairs: number[] = [];
    for (let a = 0; a < idx.length; a++) {
      for (let b = 0; b < idx.length; b++) {
        if (a === b) continue;
        const forward = a === 0; // from the first group to another
        const backward = b === 0; // from another group into the first
        const cutThis = direction === 'both' || (direction === 'to' && forward) || (direction === 'from' && backward);
        if (!cutThis) continue;
        for (const s of idx[a]!) for (const d of idx[b]!) if (s !== d) pairs.push(s * this.n + d);
      }
    }
    const p = Int32Array.from(pairs);
    for (let i = 0; i < p.length; i++) this.cut[p[i]!]!++;
    const id = this.nextPartition++;
    const g = groups.map((x) => [...x]);
    this.partitions.set(id, { pairs: p, groups: g, direction });
    this.trace.emit({ time: this.sim.now, kind: 'partition', id, action: 'cut', groups: g, direction });
    return id;
  }

  heal(id: number): boolean {
    const p = this.partitions.get(id);
    if (p === undefined) return false;
    this.partitions.delete(id);
    for (let i = 0; i < p.pairs.length; i++) this.cut[p.pairs[i]!]!--;
    this.trace.emit({ time: this.sim.now, kind: 'partition', id, action: 'heal', groups: p.groups, direction: p.direction });
    return true;
  }

  /** Heal every partition (Jepsen's `:stop-partition`). Returns how many were healed. */
  healAll(): number {
    const ids = [...this.partitions.keys()];
    for (const id of ids) this.heal(id);
    return ids.length;
  }

  get activePartitions(): number {
    return this.partitions.size;
  }

  /** True when messages from `from` to `to` are cut now. */
  isCut(from: string, to: string): boolean {
    return this.cut[this.idx(from, 'from') * this.n + this.idx(to, 'to')]! > 0;
  }

  /** Apply an effect to the links from each of `fromIdx` to each of `toIdx` until the returned function is called. */
  addLinkEffect(fromIdx: readonly number[], toIdx: readonly number[], effect: LinkEffect): () => void {
    const touched: Link[] = [];
    for (const s of fromIdx) {
      for (const d of toIdx) {
        if (s === d) continue;
        const l = this.link(s, d);
        l.effects.push(effect);
        l.recompute();
        touched.push(l);
      }
    }
    return () => {
      for (const l of touched) {
        const i = l.effects.indexOf(effect);
        if (i >= 0) l.effects.splice(i, 1);
        l.recompute();
      }
    };
  }

  // ---- hot path ----

  private idx(name: string, what: string): number {
    const i = this.index.get(name);
    if (i === undefined) throw new InputError(`${what}: unknown node ${JSON.stringify(name)}; nodes: ${this.names.join(', ')}`);
    return i;
  }

  /** Traffic per directed link that carried any, in node order: messages sent and their declared bytes. */
  traffic(): { from: string; to: string; messages: number; bytes: number }[] {
    const out: { from: string; to: string; messages: number; bytes: number }[] = [];
    for (let k = 0; k < this.links.length; k++) {
      const l = this.links[k];
      if (l === undefined || l.messages === 0) continue;
      out.push({ from: this.names[Math.floor(k / this.n)]!, to: this.names[k % this.n]!, messages: l.messages, bytes: l.bytes });
    }
    return out;
  }

  private link(src: number, dst: number): Link {
    const k = src * this.n + dst;
    let l = this.links[k];
    if (l === undefined) {
      let base = this.defaults;
      for (const r of this.rules) if (r.from.has(src) && r.to.has(dst)) base = r.link;
      const path = `net/link/${this.names[src]}/${this.names[dst]}`;
      l = this.random.create(path, (seedText) => new Link(path, seedText, base));
      this.links[k] = l;
    }
    return l;
  }

  /** @internal */
  sendIdx(src: number, dst: number, payload: unknown, sizeBytes: number, callId: number, call: Call | null = null): number {
    const id = this.nextMessageId++;
    this.sent++;
    const now = this.sim.now;
    if (!this.nodes[src]!.alive) {
      this.drop(src, dst, id, 'source-down');
      return id;
    }
    if (this.cut[src * this.n + dst]! > 0) {
      this.drop(src, dst, id, 'partition');
      return id;
    }
    const l = this.link(src, dst);
    l.messages++;
    l.bytes += sizeBytes;
    if (l.lossP > 0 && l.next() < l.lossP) {
      this.drop(src, dst, id, 'loss');
      return id;
    }
    let corrupted = false;
    if (l.corruptP > 0 && l.next() < l.corruptP) {
      corrupted = true;
      payload = corruptPayload(payload, l);
    }
    const msg = new Msg(this.names, id, src, dst, payload, sizeBytes, now, corrupted, callId, call);
    if (call !== null && callId > 0) call.req = msg;
    this.sim.schedule(this.delay(l, sizeBytes, now), this.deliverFn, msg);
    if (l.dupP > 0 && l.next() < l.dupP) {
      const copy = new Msg(this.names, id, src, dst, payload, sizeBytes, now, corrupted, callId, call);
      copy.duplicate = true;
      this.sim.schedule(this.delay(l, 0, now), this.deliverFn, copy);
    }
    return id;
  }

  private delay(l: Link, sizeBytes: number, now: number): number {
    if (l.plain) {
      // as below for a constant latency and nothing else
      let at = Math.round(now + l.latencyUs);
      if (at < l.lastArrivalUs) at = l.lastArrivalUs;
      l.lastArrivalUs = at;
      return at - now;
    }
    let d = l.latency(l);
    for (let i = 0; i < l.extra.length; i++) d += l.extra[i]!(l);
    if (l.usPerByte > 0 && sizeBytes > 0) {
      const depart = Math.max(now, l.txFreeUs) + sizeBytes * l.usPerByte;
      l.txFreeUs = depart;
      d += depart - now;
    }
    if (l.reorderP > 0 && l.next() < l.reorderP) {
      // held back and overtaken; it does not hold later messages back
      return Math.round(d + l.reorderDelay(l));
    }
    if (l.fifo) {
      let at = Math.round(now + d);
      if (at < l.lastArrivalUs) at = l.lastArrivalUs;
      l.lastArrivalUs = at;
      return at - now;
    }
    return Math.round(d);
  }

  /** @internal */
  _deliver(msg: Message): void {
    const target = this.nodes[msg.dst]!;
    if (!target.alive) {
      this.drop(msg.src, msg.dst, msg.id, 'target-down');
      return;
    }
    if (this.cut[msg.src * this.n + msg.dst]! > 0) {
      this.drop(msg.src, msg.dst, msg.id, 'partition');
      return;
    }
    if (target.paused) {
      target._whenServing(redeliver, [this, msg] as const);
      return;
    }
    const callId = msg.callId;
    if (callId >= 0) {
      const h = this.handlers[msg.dst];
      if (h === undefined) {
        this.drop(msg.src, msg.dst, msg.id, 'no-listener');
        return;
      }
      this.delivered++;
      this.emitDeliver(msg);
      h(msg);
      return;
    }
    this.delivered++;
    this.emitDeliver(msg);
    const c = msg.call;
    if (c === null || c.finished) {
      this.lateReplies++;
      return;
    }
    this.pending--;
    c.finished = true;
    const lane = c.lane;
    if (--lane.live === 0 && lane.armed) {
      // nothing left to time out: drop the lane's timer so it does not hold the run open
      this.sim.cancel(lane.timer);
      lane.clear();
      lane.armed = false;
    }
    const done = c.done;
    const arg = c.arg;
    const arg2 = c.arg2;
    release(c);
    if (c.caller.incarnation !== c.incarnation) return;
    done(arg, msg, null, arg2, c.deadlineUs - lane.timeoutUs);
  }

  /** @internal */
  _laneFire(lane: Lane): void {
    const now = this.sim.now;
    // (a callback may make calls of this lane, which may grow its ring: it is read afresh each time)
    while (lane.head !== lane.tail) {
      const i = lane.head & lane.mask;
      const c = lane.calls[i]!;
      if (!c.finished) {
        if (c.deadlineUs > now) break;
        c.finished = true;
        lane.live--;
        this.pending--;
        lane.calls[i] = undefined;
        lane.head++;
        // the request may sit in a queue far longer: it no longer needs its call
        unlink(c);
        if (c.caller.incarnation === c.incarnation) {
          // a paused caller learns of the timeout when it resumes (its code is not running)
          if (c.caller.paused) {
            c.caller._whenServing(timeoutLater, c);
            continue;
          }
          c.done(c.arg, null, 'timeout', c.arg2, c.deadlineUs - lane.timeoutUs);
        }
        // ... nor the caller's state
        c.done = noCall;
        c.arg = null;
        c.arg2 = null;
        continue;
      }
      lane.calls[i] = undefined;
      lane.head++;
    }
    if (lane.head === lane.tail) {
      lane.head = 0;
      lane.tail = 0;
      lane.armed = false;
      return;
    }
    lane.timer = this.sim.schedule(lane.calls[lane.head & lane.mask]!.deadlineUs - now, laneFire, lane);
  }

  /**
   * Per-message records are hashed at every trace level but kept only at `full`. Record emitters
   * hash the fields directly when the record is not kept (no object per message) and produce the
   * same hash as emitting the object, so `traceHash` does not depend on the level.
   */
  private emitDeliver(msg: Message): void {
    const e = this.deliverEmitter;
    if (e._hashOnly) {
      // the same words as the emitter's, with the names' hashes kept per node
      this.trace.emitted++;
      const s = msg.src;
      const d = msg.dst;
      this.trace._hasher.recordNamesNumbers(e._keys, this.sim.now, this.name1[s]!, this.name2[s]!, this.name1[d]!, this.name2[d]!, msg.id, msg.sentUs);
      return;
    }
    e.emit(this.sim.now, msg.from, msg.to, msg.id, msg.sentUs);
  }

  private drop(src: number, dst: number, id: number, reason: DropReason): void {
    this.dropped++;
    this.dropsByReason[reason]++;
    this.dropEmitter.emit(this.sim.now, this.names[src]!, this.names[dst]!, id, reason);
  }
}

function redeliver(x: readonly [Network, Message]): void {
  x[0]._deliver(x[1]);
}
function laneFire(lane: Lane): void {
  lane.net._laneFire(lane);
}
function succeedCall(ev: SimEvent<[Message<any> | null, CallError | null]>, reply: Message<any> | null, error: CallError | null): void {
  ev.succeed([reply, error]);
}

function resolveLink(where: string, o: LinkOptions, base: ResolvedLink | undefined): ResolvedLink {
  const pct = (field: string, v: number | undefined, dflt: number): number => {
    if (v === undefined) return dflt;
    if (!(v >= 0 && v <= 100)) throw new InputError(`${where}: ${field}=${v} is not valid; use a percentage from 0 to 100`);
    return v / 100;
  };
  const bw = o.bandwidthBytesPerSec ?? base?.bytesPerSec ?? 0;
  if (!(bw >= 0 && bw < Infinity)) {
    throw new InputError(`${where}: bandwidthBytesPerSec=${o.bandwidthBytesPerSec} is not valid; use a number ≥ 0 (0: unlimited)`);
  }
  const latency = o.latency !== undefined ? durationSampler(o.latency, `${where}: latency`) : (base?.latency ?? durationSampler('500us'));
  return {
    latency,
    latencyUs: o.latency !== undefined ? constantDurationUs(o.latency, `${where}: latency`) : base !== undefined ? base.latencyUs : 500,
    lossP: pct('lossPercent', o.lossPercent, base?.lossP ?? 0),
    dupP: pct('duplicatePercent', o.duplicatePercent, base?.dupP ?? 0),
    corruptP: pct('corruptPercent', o.corruptPercent, base?.corruptP ?? 0),
    reorderP: pct('reorderPercent', o.reorderPercent, base?.reorderP ?? 0),
    reorderDelay:
      o.reorderDelay !== undefined
        ? durationSampler(o.reorderDelay, `${where}: reorderDelay`)
        : (base?.reorderDelay ?? durationSampler({ dist: 'uniform', min: '0us', max: '10ms' })),
    bytesPerSec: bw,
    fifo: o.fifo ?? base?.fifo ?? true,
  };
}

/** Flip one bit of a string, number or byte payload (bytes are copied: the sender keeps its buffer). */
function corruptPayload(p: unknown, random: Random): unknown {
  if (typeof p === 'string' && p.length > 0) {
    const i = Math.floor(random.next() * p.length);
    return p.slice(0, i) + String.fromCharCode(p.charCodeAt(i) ^ (1 << Math.floor(random.next() * 7))) + p.slice(i + 1);
  }
  if (typeof p === 'number') {
    const f = new Float64Array([p]);
    const u = new Uint32Array(f.buffer);
    const bit = Math.floor(random.next() * 64);
    u[bit >> 5]! ^= 1 << (bit & 31);
    return f[0];
  }
  if (p instanceof Uint8Array && p.length > 0) {
    const c = p.slice();
    c[Math.floor(random.next() * c.length)]! ^= 1 << Math.floor(random.next() * 8);
    return c;
  }
  return p;
}

function timeoutLater(c: Call): void {
  const done = c.done;
  const arg = c.arg;
  const arg2 = c.arg2;
  release(c);
  if (c.caller.incarnation === c.incarnation) done(arg, null, 'timeout', arg2, c.deadlineUs - c.lane.timeoutUs);
}
/** A finished call lets go of its request message (and the message of it). */
function unlink(c: Call): void {
  const r = c.req;
  if (r !== null) {
    r.call = null;
    c.req = null;
  }
}
/** A finished call lets go of everything: the request and the caller's state. */
function release(c: Call): void {
  unlink(c);
  c.done = noCall;
  c.arg = null;
  c.arg2 = null;
}
function noCall(): void {}
