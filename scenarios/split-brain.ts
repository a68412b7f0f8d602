/**
 * Split brain: a partition isolates the primary of a replicated store; without fencing both
 * sides accept writes and acknowledged writes are lost when the old primary rejoins.
 *
 * The replication protocol is modelled in this file, on the app layer: the database is a service
 * whose replicas call each other's `append` and `vote` endpoints (Raft's AppendEntries and
 * RequestVote RPCs, the acknowledgement is the answer), with epochs (Raft terms, MongoDB
 * replica-set terms), a heartbeat failure detector, and two knobs named after MongoDB's:
 * `writeConcern` (w1 or majority) and `election` (promote on suspicion, or win a majority vote).
 */
import { defineScenario, type Random, type Metrics } from 'faultline';
import type { Handling } from 'faultline/app';
import { checkNoLostWrites, kvHistory, lastHealUs, type KvHistory, type KvValue, type WriteCheckResult } from 'faultline/check';
import { newCallContext, okOutcome, type Call, type Done } from 'faultline/patterns';
import type { Node } from 'faultline/world';

const REPLICAS = ['db-1', 'db-2', 'db-3'] as const;
const CLIENTS = ['client-1', 'client-2', 'client-3'] as const;
/** Bound on log entries shipped in one append message (TigerBeetle: a limit on everything). */
const ENTRIES_PER_APPEND_MAX = 256;

interface Entry {
  epoch: number;
  key: string;
  value: string;
}

/** The bodies of the database's endpoints, and their answers. */
type Write = { key: string; value: string };
type Append = { epoch: number; prevIndex: number; prevEpoch: number; entries: Entry[]; commit: number };
type AppendAck = { epoch: number; ok: boolean; match: number; hint: number };
type Vote = { epoch: number; lastIndex: number; lastEpoch: number };
type VoteAck = { epoch: number; granted: boolean };
type Heartbeat = { epoch: number };
/** A replica's calls to one peer. */
interface PeerCalls {
  append: Call;
  vote: Call;
  heartbeat: Call;
}

interface Options {
  writeConcern: string;
  election: string;
  heartbeatUs: number;
  electionTimeoutUs: number;
}

/** What the run leaves behind for the checks (keyed by the run's metrics registry). */
interface Outcome {
  lost: WriteCheckResult;
  finalFrom: string;
}
const outcomes = new WeakMap<Metrics, Outcome>();

/**
 * One database replica. Durable state (epoch, vote, log) is treated as fsynced to disk, so it
 * survives a crash; the role, the commit index and the client requests awaiting replication are
 * volatile and die with the process.
 */
class Replica {
  // durable
  epoch = 1;
  votedFor: string | null = null;
  log: Entry[] = [];
  // volatile
  role: 'primary' | 'candidate' | 'backup' = 'backup';
  primary: string | null = null;
  commit = 0;
  votes = new Set<string>();
  nextIndex = new Map<string, number>();
  matchIndex = new Map<string, number>();
  /** Majority writes awaiting replication: their answers, by log index. */
  waiting = new Map<number, Done>();
  heardUs = new Map<string, number>();
  electionDeadlineUs = 0;
  // counters for the comparison table
  staleRejected = 0;
  promotions = 0;

  constructor(
    readonly name: string,
    readonly node: Node,
    private readonly calls: ReadonlyMap<string, PeerCalls>,
    private readonly o: Options,
    private readonly random: Random,
    private readonly note: (node: string, text: string) => void,
    private readonly onRoleChange: () => void,
  ) {
    this.peers = [...calls.keys()];
    node.onCrash(() => this.loseVolatileState());
    node.onRestart(() => this.start());
  }
  private readonly peers: readonly string[];

  get now(): number {
    return this.node.sim.now;
  }

  /** Send `body` to a peer's endpoint; its answer, if one comes, goes to `then` (heard from it). */
  private tell<A>(peer: string, endpoint: keyof PeerCalls, body: unknown, then?: (answer: A) => void): void {
    this.calls.get(peer)![endpoint](newCallContext(this.node.sim, { body }), (o) => {
      if (!o.ok || then === undefined) return;
      this.heardUs.set(peer, this.now);
      then(o.value as A);
    });
  }

  get majority(): number {
    return Math.floor((this.peers.length + 1) / 2) + 1;
  }

  /** Start the process (at t=0 and after every restart): peers get a full timeout of grace. */
  start(): void {
    for (const p of this.peers) this.heardUs.set(p, this.now);
    this.armElection();
    this.node.setTimer(this.o.heartbeatUs, tickReplica, this);
  }

  becomePrimary(reason: string): void {
    if (reason !== 'initial configuration') this.promotions++;
    this.role = 'primary';
    this.primary = this.name;
    this.votedFor = this.name;
    for (const p of this.peers) {
      this.nextIndex.set(p, this.log.length);
      this.matchIndex.set(p, 0);
    }
    this.note(this.name, `primary of epoch ${this.epoch} (${reason})`);
    this.onRoleChange();
    this.replicateAll();
  }

  /** @internal Every heartbeat interval: the primary ships its log, everyone announces itself, backups watch the primary. */
  tick(): void {
    this.node.setTimer(this.o.heartbeatUs, tickReplica, this);
    if (!this.node.serving) return; // a paused process does nothing; its next tick after resume acts
    if (this.role === 'primary') {
      this.replicateAll();
      if (this.o.election === 'majority-vote') this.checkQuorum();
    } else {
      // backups announce themselves only where the promotion rule needs to know who is alive
      if (this.o.election === 'promote-on-suspicion') {
        for (const p of this.peers) this.tell(p, 'heartbeat', { epoch: this.epoch } satisfies Heartbeat);
      }
      if (this.now >= this.electionDeadlineUs) this.onSuspicion();
    }
  }

  /**
   * The failure detector fired: the primary has been silent for the election timeout.
   *   - promote-on-suspicion (no fencing): the first replica in priority order that suspects the
   *     primary and every replica before it promotes itself, as a failover manager does;
   *   - majority-vote: stand for election in a new epoch; only a majority makes a primary.
   */
  private onSuspicion(): void {
    if (this.o.election === 'promote-on-suspicion') {
      const before = REPLICAS.slice(0, REPLICAS.indexOf(this.name as (typeof REPLICAS)[number]));
      const silentUs = this.o.electionTimeoutUs;
      if (before.every((p) => this.now - (this.heardUs.get(p) ?? -Infinity) >= silentUs)) {
        // epochs unique per replica (the next one ≡ its index mod 3), so two self-promotions never tie
        const n = REPLICAS.length;
        this.epoch = (Math.floor(this.epoch / n) + 1) * n + REPLICAS.indexOf(this.name as (typeof REPLICAS)[number]);
        this.becomePrimary(`the failure detector suspected ${this.primary ?? 'the primary'}`);
      } else {
        this.armElection();
      }
      return;
    }
    this.epoch++;
    this.role = 'candidate';
    this.primary = null;
    this.votedFor = this.name;
    this.votes = new Set([this.name]);
    this.armElection();
    const last = this.log.length;
    const vote: Vote = { epoch: this.epoch, lastIndex: last, lastEpoch: last ? this.log[last - 1]!.epoch : 0 };
    for (const p of this.peers) this.tell<VoteAck>(p, 'vote', vote, (ack) => this.onVoteAck(p, ack));
  }

  /** Raft CheckQuorum / MongoDB: a primary that has not heard a majority for an election timeout steps down. */
  private checkQuorum(): void {
    let heard = 1;
    for (const p of this.peers) if (this.now - (this.heardUs.get(p) ?? -Infinity) < this.o.electionTimeoutUs) heard++;
    if (heard < this.majority) this.stepDown(this.epoch, 'lost contact with a majority');
  }

  private armElection(): void {
    // randomized timeouts (Raft §5.2) so that candidates rarely split the vote
    this.electionDeadlineUs = this.now + this.o.electionTimeoutUs * this.random.uniform(1, 2);
  }

  private stepDown(epoch: number, why: string): void {
    const wasPrimary = this.role === 'primary';
    if (epoch > this.epoch) {
      this.epoch = epoch;
      this.votedFor = null;
    }
    this.role = 'backup';
    if (this.primary === this.name) this.primary = null;
    this.waiting.clear(); // their clients time out: the outcome of those writes is unknown
    if (wasPrimary) {
      this.note(this.name, `steps down in epoch ${this.epoch} (${why})`);
      this.onRoleChange();
    }
  }

  private loseVolatileState(): void {
    const wasPrimary = this.role === 'primary';
    this.role = 'backup';
    this.primary = null;
    this.commit = 0;
    this.waiting.clear();
    this.votes.clear();
    if (wasPrimary) this.onRoleChange();
  }

  /** A request from `from` arrived: it is alive (the failure detector's input). */
  heard(from: string): this {
    this.heardUs.set(from, this.now);
    return this;
  }

  onHeartbeat(hb: Heartbeat): void {
    if (hb.epoch > this.epoch && this.role !== 'backup') this.stepDown(hb.epoch, `heard epoch ${hb.epoch}`);
  }

  onWrite(w: Write, done: Done): void {
    // not the primary: refuse, with a hint of who is (MongoDB NotWritablePrimary)
    if (this.role !== 'primary') return done({ ok: false, error: 'not-primary', latencyUs: 0, value: this.primary });
    this.log.push({ epoch: this.epoch, key: w.key, value: w.value });
    const index = this.log.length;
    if (this.o.writeConcern === 'w1') {
      // acknowledged once on the primary's own disk; replication is asynchronous
      done(okOutcome(0));
    } else {
      this.waiting.set(index, done);
    }
    this.replicateAll();
  }

  private replicateAll(): void {
    for (const p of this.peers) this.replicateTo(p);
  }

  private replicateTo(peer: string): void {
    const next = this.nextIndex.get(peer) ?? this.log.length;
    const entries = this.log.slice(next, next + ENTRIES_PER_APPEND_MAX);
    const append: Append = { epoch: this.epoch, prevIndex: next, prevEpoch: next ? this.log[next - 1]!.epoch : 0, entries, commit: this.commit };
    this.tell<AppendAck>(peer, 'append', append, (ack) => this.onAppendAck(peer, ack));
    // pipelined: assume delivery; a rejection sends nextIndex back
    this.nextIndex.set(peer, next + entries.length);
  }

  onAppend(from: string, a: Append): AppendAck {
    if (a.epoch < this.epoch) {
      // the fencing token: an append from a deposed primary is refused, and the refusal tells it so
      this.staleRejected++;
      return { epoch: this.epoch, ok: false, match: 0, hint: 0 };
    }
    if (a.epoch > this.epoch || this.role !== 'backup') this.stepDown(a.epoch, `${from} is primary of epoch ${a.epoch}`);
    this.primary = from;
    this.armElection();
    const log = this.log;
    if (log.length < a.prevIndex || (a.prevIndex > 0 && log[a.prevIndex - 1]!.epoch !== a.prevEpoch)) {
      // log mismatch: ask for entries from the start of the conflicting epoch (Raft §5.3 optimization)
      let hint = Math.min(log.length, a.prevIndex - 1);
      if (hint > 0 && hint < log.length) {
        const e = log[hint]!.epoch;
        while (hint > 0 && log[hint - 1]!.epoch === e) hint--;
      }
      return { epoch: this.epoch, ok: false, match: 0, hint: Math.max(0, hint) };
    }
    for (let i = 0; i < a.entries.length; i++) {
      const at = a.prevIndex + i;
      const have = log[at];
      if (have !== undefined && have.epoch !== a.entries[i]!.epoch) log.length = at; // divergent tail: discarded
      if (log.length === at) log.push(a.entries[i]!);
    }
    const match = a.prevIndex + a.entries.length;
    this.commit = Math.max(this.commit, Math.min(a.commit, match));
    return { epoch: this.epoch, ok: true, match, hint: 0 };
  }

  private onAppendAck(from: string, r: AppendAck): void {
    if (r.epoch > this.epoch) return this.stepDown(r.epoch, `${from} is in epoch ${r.epoch}`);
    if (this.role !== 'primary' || r.epoch !== this.epoch) return;
    if (!r.ok) {
      this.nextIndex.set(from, r.hint);
      this.replicateTo(from);
      return;
    }
    this.matchIndex.set(from, Math.max(this.matchIndex.get(from) ?? 0, r.match));
    if (this.o.writeConcern !== 'majority') return;
    // commit the highest index held by a majority, if it is of this epoch (Raft §5.4.2)
    const held = [this.log.length, ...this.peers.map((p) => this.matchIndex.get(p) ?? 0)].sort((x, y) => y - x);
    const n = held[this.majority - 1]!;
    if (n > this.commit && this.log[n - 1]!.epoch === this.epoch) {
      for (let i = this.commit + 1; i <= n; i++) {
        const done = this.waiting.get(i);
        if (done) {
          this.waiting.delete(i);
          done(okOutcome(0));
        }
      }
      this.commit = n;
    }
  }

  onVote(from: string, v: Vote): VoteAck {
    if (v.epoch > this.epoch) this.stepDown(v.epoch, `${from} stands in epoch ${v.epoch}`);
    const last = this.log.length;
    const lastEpoch = last ? this.log[last - 1]!.epoch : 0;
    const upToDate = v.lastEpoch > lastEpoch || (v.lastEpoch === lastEpoch && v.lastIndex >= last);
    const granted = v.epoch === this.epoch && (this.votedFor === null || this.votedFor === from) && upToDate;
    if (granted) {
      this.votedFor = from;
      this.armElection();
    }
    return { epoch: this.epoch, granted };
  }

  private onVoteAck(from: string, v: VoteAck): void {
    if (v.epoch > this.epoch) return this.stepDown(v.epoch, `${from} is in epoch ${v.epoch}`);
    if (this.role !== 'candidate' || v.epoch !== this.epoch || !v.granted) return;
    this.votes.add(from);
    if (this.votes.size >= this.majority) this.becomePrimary(`won ${this.votes.size} of ${this.peers.length + 1} votes`);
  }
}

function tickReplica(r: Replica): void {
  r.tick();
}

export default defineScenario({
  name: 'split-brain',
  title: 'Split brain: a partitioned primary without fencing loses acknowledged writes',
  description: `
**What happens.** Three database replicas (db-1 primary, db-2 and db-3 backups) serve three
clients that write new keys. At t=2 s a network partition cuts db-1 and client-1 off from the
rest for 5 s. The backups stop hearing db-1's heartbeats; after the election timeout one of them
becomes primary of epoch 2 and the clients that can reach it carry on. db-1 cannot know it has
been replaced, so client-1 keeps writing to it.

**Why writes are lost.** In the \`unfenced\` design db-1 acknowledges a write as soon as it is on
its own disk (\`writeConcern: w1\`, asynchronous replication) and a backup promotes itself when
its failure detector fires. For 5 s there are two primaries that both say "ok". When the
partition heals db-1 hears epoch 2, steps down and discards its divergent log to follow the new
primary (MongoDB calls this a rollback): every write client-1 was told had succeeded is gone.
A process pause of the primary (GC, SIGSTOP) longer than the election timeout does the same
without any network fault, when clients wait longer than the pause: the writes queued during the
pause are acknowledged on resume, before db-1 reads the new primary's messages behind them.

**What fixes it.** Make the old primary unable to acknowledge anything once it could have been
replaced. In the \`fenced-quorum\` design a write is acknowledged only after a majority of
replicas hold it (\`writeConcern: majority\`), a primary is made only by a majority vote, and
every replica refuses appends that carry an older epoch: the epoch is a *fencing token*
(Kleppmann). Any majority that elects the new primary overlaps any majority that acknowledged
a write, so the winner has every acknowledged write, and the deposed primary can gather no
majority for new ones. client-1's writes during the partition time out (outcome unknown)
instead of being acknowledged and then lost: the minority side gives up availability, the
majority side keeps it (CAP, as it plays out).

**Watch in the table.** \`writesLost\` (acknowledged, then gone), \`writesIndeterminate\`
(timeouts: the honest answer of the fenced minority), \`staleAppendsRejected\` (fencing at work)
and \`dualPrimaryMs\` (time two replicas believed they were primary).

References: M. Kleppmann, "How to do distributed locking" (2016),
https://martin.kleppmann.com/2016/02/08/how-to-do-distributed-locking.html ; D. Ongaro and
J. Ousterhout, "In Search of an Understandable Consensus Algorithm (Raft)" (USENIX ATC 2014),
https://raft.github.io/raft.pdf ; Jepsen, "MongoDB stale reads" and rollback analyses,
https://jepsen.io/analyses ; MongoDB write concern, https://www.mongodb.com/docs/manual/reference/write-concern/
`.trim(),
  params: {
    writeConcern: { type: 'enum', default: 'w1', values: ['w1', 'majority'], description: 'acknowledge after the primary alone (w1, async replication) or after a majority holds the write (MongoDB writeConcern)' },
    election: {
      type: 'enum',
      default: 'promote-on-suspicion',
      values: ['promote-on-suspicion', 'majority-vote'],
      description: 'promote the next backup when the failure detector fires, or require a majority vote and epoch fencing (Raft)',
    },
    heartbeatIntervalMs: { type: 'number', default: 100, min: 10, max: 10_000, unit: 'ms', description: 'primary heartbeat/append interval (MongoDB heartbeatIntervalMillis)' },
    electionTimeoutMs: { type: 'number', default: 1000, min: 50, max: 60_000, unit: 'ms', description: 'silence before the primary is suspected; randomized in [1x, 2x] (MongoDB electionTimeoutMillis, Raft)' },
    thinkTimeMs: { type: 'number', default: 80, min: 1, max: 10_000, unit: 'ms', description: 'mean pause between a client’s writes (exponential)' },
    requestTimeoutMs: { type: 'number', default: 300, min: 5, max: 60_000, unit: 'ms', description: 'client write timeout; a timed-out write has an unknown outcome' },
    durationMs: { type: 'number', default: 12_000, min: 1000, max: 3_600_000, unit: 'ms', description: 'run length; clients stop writing 1 s before the end so the store settles' },
    recoveryWithinMs: { type: 'number', default: 3000, min: 100, max: 600_000, unit: 'ms', description: 'after the last fault ends, a write must be acknowledged within this long' },
  },
  variants: {
    unfenced: {
      description: 'w1 writes, async replication, the failure detector promotes a backup: two primaries during the partition',
      params: { writeConcern: 'w1', election: 'promote-on-suspicion' },
      expectFail: ['no-lost-acknowledged-write'],
    },
    'fenced-quorum': {
      description: 'majority writes, majority-vote elections, replicas refuse stale epochs (fencing tokens)',
      params: { writeConcern: 'majority', election: 'majority-vote' },
    },
  },
  faults: [{ at: '2s', kind: 'partition', groups: [['db-1', 'client-1'], ['db-2', 'db-3', 'client-2', 'client-3']], for: '5s' }],
  faultKinds: ['partition', 'crash', 'pause', 'clock-skew'],
  keyMetrics: ['writesAcked', 'writesLost', 'writesIndeterminate', 'writesRefused', 'availability', 'failovers', 'dualPrimaryMs', 'staleAppendsRejected'],
  build(ctx) {
    const { sim, params, random, requests, emit, metrics, world, service, client } = ctx;
    const endUs = params.durationMs * 1000;
    const workloadEndUs = Math.max(0, endUs - 1_000_000);
    const note = (node: string, text: string): void => emit({ time: sim.now, kind: 'note', node, text });

    // ---- components: three replicas and three clients in one datacenter ----
    world({
      nodes: [...REPLICAS, ...CLIENTS],
      nodeDefaults: { restartDelay: '500ms' },
      network: { latency: { dist: 'lognormal', median: '500us', sigma: 0.3 } },
    });
    const byNode = new Map<string, Replica>();
    /** The replica a request arrived at, which has now heard from its sender. */
    const at = (h: Handling): Replica => byNode.get(h.node.name)!.heard(h.from);
    const db = service('db', {
      nodes: REPLICAS,
      endpoints: {
        write: { work: '0ms', handler: (h: Handling<Write>, done) => at(h).onWrite(h.body, done) },
        append: { work: '0ms', handler: (h: Handling<Append>, done) => done(okOutcome(0, at(h).onAppend(h.from, h.body))) },
        vote: { work: '0ms', handler: (h: Handling<Vote>, done) => done(okOutcome(0, at(h).onVote(h.from, h.body))) },
        heartbeat: { work: '0ms', handler: (h: Handling<Heartbeat>, done) => done(okOutcome(0, at(h).onHeartbeat(h.body))) },
      },
    });

    // ---- wiring: the replication protocol; db-1 starts as primary of epoch 1 ----
    let primariesNow = 0;
    let dualSinceUs = -1;
    let dualPrimaryUs = 0;
    const replicas: Replica[] = [];
    const roleChanged = (): void => {
      const n = replicas.filter((r) => r.role === 'primary' && r.node.alive).length;
      if (n >= 2 && dualSinceUs < 0) dualSinceUs = sim.now;
      if (n < 2 && dualSinceUs >= 0) {
        dualPrimaryUs += sim.now - dualSinceUs;
        dualSinceUs = -1;
      }
      primariesNow = n;
    };
    const options: Options = {
      writeConcern: params.writeConcern,
      election: params.election,
      heartbeatUs: params.heartbeatIntervalMs * 1000,
      electionTimeoutUs: params.electionTimeoutMs * 1000,
    };
    // peers' acknowledgements that come later than an election timeout are of no use
    const peerTimeout = `${params.electionTimeoutMs}ms`;
    for (const name of REPLICAS) {
      const peer = (p: string, e: keyof PeerCalls): Call => db.replicaClient(name, e, p, { timeout: peerTimeout });
      const calls = new Map(REPLICAS.filter((p) => p !== name).map((p) => [p, { append: peer(p, 'append'), vote: peer(p, 'vote'), heartbeat: peer(p, 'heartbeat') }] as const));
      const r = new Replica(name, world().node(name), calls, options, random.get(`replica/${name}/election`), note, roleChanged);
      replicas.push(r);
      byNode.set(name, r);
    }
    for (const r of replicas) {
      r.votedFor = 'db-1';
      r.primary = 'db-1';
      note(r.name, 'replica');
    }
    replicas[0]!.becomePrimary('initial configuration');
    for (const r of replicas) r.start();

    // ---- workload: each client writes fresh keys one at a time and follows the primary ----
    const history: KvHistory = kvHistory(ctx);
    let writesRefused = 0;
    for (const name of CLIENTS) {
      note(name, 'client');
      const node = world().node(name);
      const rnd = random.get(`client/${name}`);
      let guess: string = REPLICAS[0];
      const write = client(db, 'write', { timeout: `${params.requestTimeoutMs}ms`, picker: { pick: () => guess } }).at(name);
      let n = 0;
      let open = -1;
      const rotate = (from: string): string => REPLICAS[(REPLICAS.indexOf(from as (typeof REPLICAS)[number]) + 1) % REPLICAS.length]!;
      // think-time timers live on the client's clock, so they die with the client process
      const next = (): void => {
        if (sim.now < workloadEndUs) node.setTimer(rnd.exponential(params.thinkTimeMs * 1000), writeOne, null);
      };
      const writeOne = (): void => {
        if (sim.now >= workloadEndUs) return;
        const key = `${name}/${++n}`;
        const id = (open = history.invoke(name, 'write', key, key, { node: name }));
        const target = guess;
        write.request(newCallContext(sim), { key, value: key } satisfies Write, (o) => {
          open = -1;
          requests.record(sim.now, o.ok, o.latencyUs, o.error, name);
          if (o.ok) history.ok(id);
          else if (o.error === 'not-primary') {
            writesRefused++;
            history.fail(id, `${target} is not primary`);
            const hint = o.value as string | null;
            guess = hint && hint !== target ? hint : rotate(target);
          } else {
            history.info(id, `timeout after ${params.requestTimeoutMs} ms at ${target}`);
            guess = rotate(target);
          }
          next();
        });
      };
      // a crashed client never hears its reply: the write in flight has an unknown outcome
      node.onCrash(() => {
        if (open >= 0) history.info(open, 'client crashed');
        open = -1;
      });
      node.onRestart(next);
      next();
    }

    return {
      untilUs: endUs,
      finish() {
        if (dualSinceUs >= 0) dualPrimaryUs += sim.now - dualSinceUs;
        // The state a reader sees at the end: the primary of the highest epoch (after healing
        // there is one), else the most up-to-date replica.
        const rank = (r: Replica): [number, number, number, number] => {
          const last = r.log.length ? r.log[r.log.length - 1]!.epoch : 0;
          return [r.role === 'primary' && r.node.alive ? 1 : 0, r.epoch, last, r.log.length];
        };
        const best = [...replicas].sort((a, b) => {
          const x = rank(a);
          const y = rank(b);
          for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return y[i]! - x[i]!;
          return 0;
        })[0]!;
        const final = new Map<string, KvValue>();
        for (const op of history.operations) final.set(op.key, null);
        for (const e of best.log) final.set(e.key, e.value);
        outcomes.set(metrics, { lost: checkNoLostWrites(history.operations, { final }), finalFrom: best.name });
      },
      metrics() {
        const ops = history.operations;
        const out = outcomes.get(metrics);
        return {
          writesAcked: ops.filter((o) => o.outcome === 'ok').length,
          writesLost: out ? out.lost.operations.length : 0,
          writesIndeterminate: ops.filter((o) => o.outcome === 'info').length,
          writesRefused,
          failovers: replicas.reduce((s, r) => s + r.promotions, 0),
          dualPrimaryMs: Math.round(dualPrimaryUs / 1000),
          primariesAtEnd: primariesNow,
          staleAppendsRejected: replicas.reduce((s, r) => s + r.staleRejected, 0),
        };
      },
    };
  },
  checks: [
    {
      name: 'no-lost-acknowledged-write',
      description: 'every acknowledged write is in the final state of the store (Jepsen lost updates; sim/check checkNoLostWrites)',
      check(ctx) {
        const out = outcomes.get(ctx.registry);
        if (!out) return { status: 'unknown', detail: 'the run did not finish' };
        const r = out.lost;
        return { status: r.status, detail: `${r.detail} (final state read from ${out.finalFrom})`, firstFailedAtMs: r.firstFailedAtMs };
      },
    },
    {
      name: 'writes-resume-after-heal',
      description: 'within recoveryWithinMs after the last fault ends, a write invoked after it is acknowledged',
      check(ctx) {
        const healedUs = lastHealUs(ctx.faults);
        const deadlineUs = healedUs + ctx.params.recoveryWithinMs * 1000;
        if (deadlineUs > ctx.params.durationMs * 1000 - 1_000_000) {
          return { status: 'unknown', detail: `the last fault ends at ${healedUs / 1000} ms, too close to the end of the workload to judge` };
        }
        const first = kvHistory(ctx).operations.find((o) => o.outcome === 'ok' && o.invokeUs >= healedUs && o.completeUs !== null);
        if (first && first.completeUs! <= deadlineUs) {
          return { status: 'ok', detail: `first acknowledged write ${((first.completeUs! - healedUs) / 1000).toFixed(1)} ms after the last fault ended` };
        }
        return {
          status: 'fail',
          detail: first
            ? `no write acknowledged until ${((first.completeUs! - healedUs) / 1000).toFixed(0)} ms after the last fault ended (limit ${ctx.params.recoveryWithinMs} ms)`
            : 'no write was acknowledged after the last fault ended',
          firstFailedAtMs: deadlineUs / 1000,
        };
      },
    },
  ],
});
