/**
 * A Dynamo-style quorum-replicated key-value store (DeCandia et al., "Dynamo: Amazon's Highly
 * Available Key-value Store", SOSP 2007; parameter names N, R, W as in the paper, read repair as
 * in Cassandra 4.x with `read_repair: BLOCKING` replaced by repair after the read answers).
 *
 *   - Placement: consistent hashing with `vnodes` tokens per node (Cassandra's `num_tokens`); a
 *     key's preference list is the first `n` distinct nodes clockwise from the key's hash.
 *   - Coordination is client-driven (Dynamo §6.4): the client sends a write to all N replicas and
 *     reports success after W acknowledgements; a read asks all N and answers with the newest
 *     version among the first R replies.
 *   - Versions are (timestamp, writer): the writing client's local wall clock in microseconds
 *     (strictly increasing per client) and its name to break ties, compared last-writer-wins as
 *     Cassandra does. A replica keeps the newer version. Clock skew between clients therefore
 *     reorders writes, as it does in Cassandra.
 *   - Read repair: when a read has heard from every replica (or the request timed out), replicas
 *     that answered with an older version are sent the newest one.
 *   - Strict quorums only: the preference list is fixed, there is no sloppy quorum and no hinted
 *     handoff, so a key with fewer than W (R) reachable replicas refuses writes (reads).
 *
 * With R + W > N a read's R replies overlap every acknowledged write's W replicas, so a read
 * returns the latest acknowledged write (or something newer) as long as at most N − max(R, W)
 * replicas are unreachable. With R + W ≤ N a read can miss it: the `stale-reads` metric counts
 * reads that returned a version older than the newest write acknowledged before the read began
 * (measured omnisciently by the model, not by the clients).
 *
 * Replica data is durable (it survives a crash, as an fsynced SSTable would). Outcomes recorded
 * to the history: a write with W acks is `ok`, with fewer `info` (it may have landed on some
 * replicas); a read with R replies is `ok`, with fewer `fail`.
 *
 * Metrics under `quorum-kv.<name>.*`: `writes-acked`, `writes-indeterminate`, `reads`,
 * `reads-failed`, `stale-reads`, `read-repairs` (repair messages sent).
 */
import { InputError } from '../kernel/errors.ts';
import type { Counter, Metrics } from '../observe/metrics.ts';
import type { Tracer } from '../observe/trace.ts';
import type { Message } from '../world/network.ts';
import type { World } from '../world/world.ts';
import { PolicyEnv } from './env.ts';
import { hash32 } from './load-balancer.ts';
import { booleanOption, checkKnown, durationOption, numberOption, type Opts } from './options.ts';
import { historyOption, nodeListOption, worldOption, type KvDone, type KvHistorySink, type KvResult, type KvValue } from './replication.ts';

/** A write's version in `quorumKv`: the writer's local wall-clock timestamp, then its name; compared last-writer-wins, as Cassandra does. */
export interface QuorumVersion {
  /** The writer's local wall clock, µs. */
  ts: number;
  /** The writing client's name (breaks ties). */
  writer: string;
}

/** A value a `quorumKv` replica stores, with its version. */
export interface QuorumValue {
  /** The value. */
  value: KvValue;
  /** Its version. */
  version: QuorumVersion;
}

/**
 * The options of `quorumKv`, with Dynamo's N, R, W (defaults 3, 2, 2): the replicas on the ring,
 * the clients that coordinate, vnodes, timeout and read repair.
 */
export interface QuorumKvOptions {
  /** The world whose nodes run it. */
  world: World;
  /** The nodes that store data (the ring). At least `n`. */
  replicas: readonly string[];
  /** Client nodes that coordinate their own requests. */
  clients: readonly string[];
  /** Replicas per key. Default 3. */
  n?: number;
  /** Replies a read waits for. Default 2. */
  r?: number;
  /** Acknowledgements a write waits for. Default 2. */
  w?: number;
  /** Tokens per node on the ring. Default 16 (Cassandra 4.0 `num_tokens`). */
  vnodes?: number;
  /** Client request timeout. Default "1s". */
  requestTimeout?: string;
  /** `requestTimeout` in milliseconds. */
  requestTimeoutMs?: number;
  /** Repair stale replicas seen by a read. Default true. */
  readRepair?: boolean;
  /** Where client operations are recorded (`kvHistory(ctx)` from faultline/check). */
  history?: KvHistorySink;
  /** Register network handlers on the nodes (default true); with false, route messages through `handle`. */
  listen?: boolean;
  /** Instance name (metrics `quorum-kv.<name>.*`). */
  name?: string;
  /** Where its records go. Default: the world's tracer. */
  trace?: Tracer;
  /** Where its metrics go. */
  metrics?: Metrics;
}

type QMsg =
  | { fl: 'qkv'; svc: string; t: 'put'; key: string; entry: QuorumValue }
  | { fl: 'qkv'; svc: string; t: 'put-ok' }
  | { fl: 'qkv'; svc: string; t: 'get'; key: string }
  | { fl: 'qkv'; svc: string; t: 'get-ok'; entry: QuorumValue | null };

/** a newer than b (null is older than anything). */
export function quorumVersionNewer(a: QuorumVersion | null | undefined, b: QuorumVersion | null | undefined): boolean {
  if (!a) return false;
  if (!b) return true;
  if (a.ts !== b.ts) return a.ts > b.ts;
  return a.writer > b.writer;
}

interface ClientState {
  busy: boolean;
  lastTs: number;
  finish: ((r: KvResult) => void) | null;
}

/**
 * A Dynamo-style quorum-replicated key-value store (DeCandia et al., SOSP 2007): consistent
 * hashing with vnodes, client-coordinated writes to N replicas acknowledged after W, reads
 * answered from the newest of R replies, last-writer-wins versions, read repair, strict quorums.
 * With R + W ≤ N reads can be stale (the `stale-reads` metric counts them).
 */
export class QuorumKv {
  readonly name: string;
  readonly replicas: readonly string[];
  readonly clients: readonly string[];
  readonly n: number;
  readonly r: number;
  readonly w: number;
  readonly vnodes: number;
  readonly requestTimeoutUs: number;
  readonly readRepair: boolean;
  readonly writesAcked: Counter;
  readonly writesIndeterminate: Counter;
  readonly reads: Counter;
  readonly readsFailed: Counter;
  readonly staleReads: Counter;
  readonly readRepairs: Counter;

  private readonly world: World;
  private readonly history: KvHistorySink | undefined;
  private readonly ring: { token: number; node: string }[] = [];
  private readonly stores = new Map<string, Map<string, QuorumValue>>();
  private readonly clientState = new Map<string, ClientState>();
  /** Per key, the newest version acknowledged to a client so far (ground truth for stale reads). */
  private readonly latestAcked = new Map<string, QuorumVersion>();

  constructor(c: QuorumKvConfig, env: PolicyEnv) {
    this.name = env.name;
    this.world = c.world;
    this.replicas = c.replicas;
    this.clients = c.clients;
    this.n = c.n;
    this.r = c.r;
    this.w = c.w;
    this.vnodes = c.vnodes;
    this.requestTimeoutUs = c.requestTimeoutUs;
    this.readRepair = c.readRepair;
    this.history = c.history;
    this.writesAcked = env.counter('writes-acked');
    this.writesIndeterminate = env.counter('writes-indeterminate');
    this.reads = env.counter('reads');
    this.readsFailed = env.counter('reads-failed');
    this.staleReads = env.counter('stale-reads');
    this.readRepairs = env.counter('read-repairs');
    for (const node of this.replicas) {
      this.stores.set(node, new Map());
      for (let i = 0; i < this.vnodes; i++) this.ring.push({ token: hash32(`${node}#${i}`), node });
    }
    this.ring.sort((a, b) => a.token - b.token || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
    for (const cl of this.clients) {
      const st: ClientState = { busy: false, lastTs: -Infinity, finish: null };
      this.clientState.set(cl, st);
      // a client that crashes never learns its outcome: the operation stays indeterminate
      this.world.node(cl).onCrash(() => st.finish?.({ outcome: 'info', error: 'client crashed' }));
    }
    if (c.listen) {
      const h = (m: Message<any>): void => void this.handle(m);
      for (const node of new Set([...this.replicas, ...this.clients])) this.world.net.listen(node, h);
    }
  }

  /** The N nodes that hold `key`, in ring order from its token. */
  preferenceList(key: string): string[] {
    const h = hash32(key);
    let lo = 0;
    let hi = this.ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ring[mid]!.token < h) lo = mid + 1;
      else hi = mid;
    }
    const out: string[] = [];
    for (let i = 0; i < this.ring.length && out.length < this.n; i++) {
      const node = this.ring[(lo + i) % this.ring.length]!.node;
      if (!out.includes(node)) out.push(node);
    }
    return out;
  }

  /** What `node` stores for `key` (its local copy), or undefined. */
  valueAt(node: string, key: string): QuorumValue | undefined {
    const s = this.stores.get(node);
    if (!s) throw new InputError(`${this.name}: ${JSON.stringify(node)} is not a replica; replicas: ${this.replicas.join(', ')}`);
    return s.get(key);
  }

  /** True when every replica of `key` holds the same version. */
  converged(key: string): boolean {
    const vs = this.preferenceList(key).map((n) => this.valueAt(n, key)?.version);
    return vs.every((v) => !quorumVersionNewer(v, vs[0]) && !quorumVersionNewer(vs[0], v));
  }

  busy(client: string): boolean {
    return this.client(client).busy;
  }

  write(client: string, key: string, value: KvValue, done?: KvDone): void {
    const c = this.start(client, 'write', key, value, done);
    if (!c) return;
    const node = this.world.node(client);
    const ts = Math.max(Math.round(node.clock.now()), c.st.lastTs + 1);
    c.st.lastTs = ts;
    const entry: QuorumValue = { value, version: { ts, writer: client } };
    const targets = this.preferenceList(key);
    let acks = 0;
    let outstanding = targets.length;
    let answered = false;
    const body: QMsg = { fl: 'qkv', svc: this.name, t: 'put', key, entry };
    for (const t of targets) {
      this.world.net.call(client, t, body, this.requestTimeoutUs, (_: null, reply) => {
        outstanding--;
        if ((reply?.payload as QMsg | undefined)?.t === 'put-ok') acks++;
        if (answered) return;
        if (acks >= this.w) {
          answered = true;
          this.writesAcked.inc();
          const cur = this.latestAcked.get(key);
          if (quorumVersionNewer(entry.version, cur)) this.latestAcked.set(key, entry.version);
          c.finish({ outcome: 'ok' });
        } else if (acks + outstanding < this.w) {
          answered = true;
          this.writesIndeterminate.inc();
          c.finish({ outcome: 'info', error: `${acks} of W=${this.w} acknowledgements` });
        }
      }, null);
    }
  }

  read(client: string, key: string, done?: KvDone): void {
    const c = this.start(client, 'read', key, undefined, done);
    if (!c) return;
    this.reads.inc();
    const expected = this.latestAcked.get(key);
    const targets = this.preferenceList(key);
    const replies: { from: string; entry: QuorumValue | null }[] = [];
    let outstanding = targets.length;
    let answered = false;
    const body: QMsg = { fl: 'qkv', svc: this.name, t: 'get', key };
    for (const t of targets) {
      this.world.net.call(client, t, body, this.requestTimeoutUs, (_: null, reply) => {
        outstanding--;
        const p = reply?.payload as QMsg | undefined;
        if (p?.t === 'get-ok') replies.push({ from: reply!.from, entry: p.entry });
        if (!answered && replies.length >= this.r) {
          answered = true;
          const newest = newestOf(replies);
          if (expected && quorumVersionNewer(expected, newest?.version)) this.staleReads.inc();
          c.finish({ outcome: 'ok', value: newest ? newest.value : null });
        } else if (!answered && replies.length + outstanding < this.r) {
          answered = true;
          this.readsFailed.inc();
          c.finish({ outcome: 'fail', error: `${replies.length} of R=${this.r} replies` });
        }
        if (outstanding === 0 && this.readRepair) this.repair(client, key, replies);
      }, null);
    }
  }

  private repair(client: string, key: string, replies: readonly { from: string; entry: QuorumValue | null }[]): void {
    const newest = newestOf(replies);
    if (!newest) return;
    for (const r of replies) {
      if (!quorumVersionNewer(newest.version, r.entry?.version)) continue;
      this.readRepairs.inc();
      this.world.net.send(client, r.from, { fl: 'qkv', svc: this.name, t: 'put', key, entry: newest } satisfies QMsg);
    }
  }

  private start(client: string, op: 'read' | 'write', key: string, value: KvValue | undefined, done: KvDone | undefined): { st: ClientState; finish: (r: KvResult) => void } | null {
    const st = this.client(client);
    if (st.busy) throw new InputError(`${this.name}: client ${JSON.stringify(client)} already has an operation in flight; a client runs one at a time (wait for done)`);
    if (!this.world.node(client).alive) {
      done?.({ outcome: 'fail', error: 'client-down' });
      return null;
    }
    st.busy = true;
    const id = this.history?.invoke(client, op, key, op === 'write' ? value : undefined, { node: client }) ?? -1;
    const finish = (res: KvResult): void => {
      if (!st.busy) return;
      st.busy = false;
      st.finish = null;
      if (id >= 0 && this.history) {
        if (res.outcome === 'ok') this.history.ok(id, op === 'read' ? (res.value ?? null) : undefined);
        else if (res.outcome === 'fail') this.history.fail(id, res.error);
        else this.history.info(id, res.error);
      }
      done?.(res);
    };
    st.finish = finish;
    return { st, finish };
  }

  /** Handle a message addressed to this store; false when it is not one of ours. */
  handle(m: Message<any>): boolean {
    const p = m.payload as QMsg | undefined;
    if (!p || p.fl !== 'qkv' || p.svc !== this.name || m.corrupted) return false;
    if (m.callId < 0) return true;
    const store = this.stores.get(m.to);
    if (!store) return true;
    if (p.t === 'put') {
      const cur = store.get(p.key);
      if (!cur || quorumVersionNewer(p.entry.version, cur.version)) store.set(p.key, p.entry);
      if (m.callId > 0) this.world.net.reply(m, { fl: 'qkv', svc: this.name, t: 'put-ok' } satisfies QMsg);
    } else if (p.t === 'get') {
      this.world.net.reply(m, { fl: 'qkv', svc: this.name, t: 'get-ok', entry: store.get(p.key) ?? null } satisfies QMsg);
    }
    return true;
  }

  private client(node: string): ClientState {
    const c = this.clientState.get(node);
    if (!c) throw new InputError(`${this.name}: ${JSON.stringify(node)} is not a client; clients: ${this.clients.join(', ')}`);
    return c;
  }
}

function newestOf(replies: readonly { entry: QuorumValue | null }[]): QuorumValue | null {
  let best: QuorumValue | null = null;
  for (const r of replies) if (r.entry && (best === null || quorumVersionNewer(r.entry.version, best.version))) best = r.entry;
  return best;
}

/** Options after validation, with durations in microseconds. */
export interface QuorumKvConfig {
  world: World;
  replicas: readonly string[];
  clients: readonly string[];
  n: number;
  r: number;
  w: number;
  vnodes: number;
  requestTimeoutUs: number;
  readRepair: boolean;
  history: KvHistorySink | undefined;
  listen: boolean;
}

/**
 * A Dynamo-style store with N, R, W and read repair; see the file comment.
 *
 * ```ts
 *   const kv = quorumKv({ world, replicas: ['s1', 's2', 's3', 's4', 's5'], clients: ['app'], n: 3, r: 2, w: 2 });
 *   kv.write('app', 'cart:7', 'book', (res) => ...);
 * ```
 */
export function quorumKv(options: QuorumKvOptions): QuorumKv {
  const where = 'quorumKv';
  const o = options as unknown as Opts;
  checkKnown(where, o, ['world', 'replicas', 'clients', 'n', 'r', 'w', 'vnodes', 'requestTimeout', 'requestTimeoutMs', 'readRepair', 'history', 'listen', 'name', 'trace', 'metrics']);
  const world = worldOption(where, o);
  const replicas = nodeListOption(where, o, 'replicas', world, 1);
  const clients = nodeListOption(where, o, 'clients', world, 0);
  const n = numberOption(where, o, 'n', Math.min(3, replicas.length), { min: 1, max: replicas.length, integer: true, unit: 'replicas per key, at most the number of replicas' });
  const r = numberOption(where, o, 'r', Math.min(2, n), { min: 1, max: n, integer: true, unit: 'replies, at most n' });
  const w = numberOption(where, o, 'w', Math.min(2, n), { min: 1, max: n, integer: true, unit: 'acknowledgements, at most n' });
  const vnodes = numberOption(where, o, 'vnodes', 16, { min: 1, max: 4096, integer: true });
  const requestTimeoutUs = durationOption(where, o, 'requestTimeout', 1_000_000, { minUs: 0, minExclusive: true });
  const readRepair = booleanOption(where, o, 'readRepair', true);
  const history = historyOption(where, o);
  const listen = booleanOption(where, o, 'listen', true);
  const env = new PolicyEnv(where, 'quorum-kv', { name: o.name, sim: world.sim, trace: o.trace ?? world.trace, metrics: o.metrics });
  return new QuorumKv({ world, replicas, clients, n, r, w, vnodes, requestTimeoutUs, readRepair, history, listen }, env);
}
