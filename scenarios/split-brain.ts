/**
 * Split brain: a partition isolates the primary of a replicated store; without fencing both
 * sides accept writes, acknowledged writes are lost when the old primary rejoins, and the
 * clients' history is not linearizable.
 *
 * The store is the library's `primaryBackup` (GitHub Orchestrator over MySQL replication): an
 * orchestrator runs a failure detector per replica and promotes a backup when it suspects the
 * primary, with or without fencing (epochs as fencing tokens, a majority fenced before a
 * promotion) and with or without read leases. Clients run Jepsen's register workload: reads and
 * writes of a few shared keys, recorded as a history (invoke, then ok, fail or info) in the trace.
 */
import { defineScenario, type Metrics } from 'faultline';
import { checkLinearizable, checkNoLostWrites, flagOperations, kvHistory, lastHealUs, type KvValue, type LinearizabilityResult, type WriteCheckResult } from 'faultline/check';
import { heartbeatFailureDetector } from 'faultline/patterns';

const REPLICAS = ['db-1', 'db-2', 'db-3'];
const CLIENTS = ['client-1', 'client-2', 'client-3'];
/**
 * Search bound of the linearizability checker: far above what a run of this scenario needs (a few
 * thousand steps), and a bound, so a pathological plan found by `check` ends as `unknown`.
 */
const LINEARIZABILITY_SEARCH_MAX = 500_000;

/** What the run leaves behind for the checks (keyed by the run's metrics registry). */
interface Outcome {
  lost: WriteCheckResult;
  linear: LinearizabilityResult;
  finalFrom: string;
  leaseOverlapUs: number;
  leases: boolean;
}
const outcomes = new WeakMap<Metrics, Outcome>();

export default defineScenario({
  name: 'split-brain',
  title: 'Split brain: a partitioned primary without fencing loses acknowledged writes',
  description: `
**What happens.** Three database replicas (db-1 primary, db-2 and db-3 backups) and an
orchestrator serve three clients that write new keys and read keys written recently (Jepsen's
register workload, each key written once). At t=2 s a network partition cuts db-1 and client-1 off from the rest for 5 s. The
orchestrator stops hearing db-1's heartbeats; after \`failoverAfterMs\` it promotes db-2 in
epoch 2 and tells everyone it can reach. db-1 cannot hear that, so client-1 keeps using it.

**Why writes are lost.** In the \`unfenced\` design db-1 acknowledges a write as soon as it is on
its own disk (asynchronous replication) and answers reads from its own copy. For about 4 s there
are two primaries that both say "ok". client-1 reads values that db-2 has already overwritten
(stale reads) and is told its own writes succeeded. When the partition heals db-1 hears epoch 2,
steps down and takes the new primary's state (MongoDB calls this a rollback): every write only
db-1 acknowledged is gone. The lost-writes check finds them in the final state, and the
linearizability checker (Knossos' and Porcupine's algorithm) finds no order of the clients'
operations that explains what they saw.

**What fixes it.** Make the old primary unable to acknowledge anything once it could have been
replaced. In \`fenced-quorum\` a write is acknowledged only after a majority holds it
(synchronous replication to one backup), the orchestrator fences a majority at the new epoch
before it promotes (each refuses older epochs from then on: the epoch is a *fencing token*,
Kleppmann), and reads are served under a *read lease*: the primary answers reads only while a
majority has renewed its lease within the last \`readLeaseMs\`, and a backup that renewed it
refuses to be fenced until the lease has run out on its own clock. The isolated db-1 can gather
no majority: its writes time out (outcome unknown), its lease runs out and it steps down before
db-2 is promoted. The minority side gives up availability, the majority side keeps it (CAP, as
it plays out), and the history is linearizable.

**Clocks matter for leases.** The plan also steps db-1's wall clock 4 s back while it is cut
off (an NTP correction). Leases on monotonic clocks do not notice. In \`wall-clock-lease\` the
lease's end travels as a wall-clock time (as systems that ship expiry timestamps do): db-1
believes its lease lasts 4 s longer than the backups do, so for about 3.4 s db-1 and db-2 both
answer reads. No acknowledged write is lost (fencing still holds), but client-1 reads stale
values: the history is not linearizable and the leases overlap.

**Watch.** The roles lane (who is primary, in which epoch, and where two claims overlap, with
fencing rejections as marks), the history view (one row per client; the operations a check
flags are outlined and listed in the checks panel), and in the table \`writesLost\`,
\`writesIndeterminate\` (the honest answer of the fenced minority), \`dualPrimaryMs\`,
\`leaseOverlapMs\` and \`fencingRejections\`.

References: M. Kleppmann, "How to do distributed locking" (2016),
https://martin.kleppmann.com/2016/02/08/how-to-do-distributed-locking.html ; D. Ongaro,
"Consensus: Bridging Theory and Practice" (2014), §6.4.1 leader leases ; K. Kingsbury, Jepsen
analyses and Knossos, https://jepsen.io/analyses ; G. Lowe, "Testing for linearizability" (2017) ;
MongoDB write concern, https://www.mongodb.com/docs/manual/reference/write-concern/ ; GitHub
Orchestrator, https://github.com/openark/orchestrator
`.trim(),
  params: {
    replication: { type: 'enum', default: 'async', values: ['async', 'sync'], description: 'acknowledge after the primary alone (async, MySQL replication) or after a majority holds the write (sync, semi-sync to one backup)' },
    fencing: { type: 'boolean', default: false, description: 'epochs as fencing tokens: the orchestrator fences a majority before promoting and replicas refuse older epochs' },
    reads: { type: 'enum', default: 'primary', values: ['primary', 'lease'], description: 'reads answered by whoever believes it is primary, or only under a read lease renewed by a majority' },
    leaseClock: { type: 'enum', default: 'monotonic', values: ['monotonic', 'realtime'], description: 'the clock that measures read leases: monotonic (only drift matters) or the wall clock (steps matter too)' },
    readLeaseMs: { type: 'number', default: 1000, min: 50, max: 60_000, unit: 'ms', description: 'read lease length; backups wait a fifth more before they may be fenced' },
    heartbeatIntervalMs: { type: 'number', default: 100, min: 10, max: 10_000, unit: 'ms', description: 'replica heartbeats to the orchestrator, its announcements and lease renewals' },
    failoverAfterMs: { type: 'number', default: 1000, min: 50, max: 60_000, unit: 'ms', description: 'silence before the orchestrator suspects a replica (a fixed-timeout failure detector)' },
    readWindow: { type: 'number', default: 10, min: 1, max: 1000, integer: true, description: 'a read picks one of the last readWindow keys any client began to write' },
    thinkTimeMs: { type: 'number', default: 80, min: 1, max: 10_000, unit: 'ms', description: 'mean pause between a client’s operations (exponential)' },
    requestTimeoutMs: { type: 'number', default: 300, min: 5, max: 60_000, unit: 'ms', description: 'client timeout; a timed-out write has an unknown outcome' },
    durationMs: { type: 'number', default: 12_000, min: 1000, max: 3_600_000, unit: 'ms', description: 'run length; clients stop 1 s before the end so the store settles' },
    recoveryWithinMs: { type: 'number', default: 3000, min: 100, max: 600_000, unit: 'ms', description: 'after the last fault ends, a write must be acknowledged within this long' },
  },
  variants: {
    unfenced: {
      description: 'async replication, no fencing, reads from whoever believes it is primary: two primaries during the partition',
      params: { replication: 'async', fencing: false, reads: 'primary' },
      expectFail: ['no-lost-acknowledged-write', 'linearizable'],
    },
    'fenced-quorum': {
      description: 'majority writes, a majority fenced before each promotion, reads under a lease on monotonic clocks',
      params: { replication: 'sync', fencing: true, reads: 'lease', leaseClock: 'monotonic' },
    },
    'wall-clock-lease': {
      description: 'as fenced-quorum, but the lease is measured on wall clocks: db-1’s clock step makes two leases overlap and reads go stale',
      params: { replication: 'sync', fencing: true, reads: 'lease', leaseClock: 'realtime' },
      expectFail: ['linearizable', 'exclusive-read-lease'],
    },
  },
  faults: [
    { at: '2s', kind: 'partition', groups: [['db-1', 'client-1'], ['db-2', 'db-3', 'orchestrator', 'client-2', 'client-3']], for: '5s' },
    { at: '2s', kind: 'clock-skew', target: 'db-1', offsetMs: -4000, for: '5s' },
  ],
  faultKinds: ['partition', 'crash', 'pause', 'clock-skew'],
  keyMetrics: ['writesAcked', 'writesLost', 'writesIndeterminate', 'readsOk', 'availability', 'failovers', 'dualPrimaryMs', 'leaseOverlapMs', 'fencingRejections'],
  build(ctx) {
    const { sim, params, random, requests, emit, metrics, world } = ctx;
    const endUs = params.durationMs * 1000;
    const workloadEndUs = Math.max(0, endUs - 1_000_000);

    // ---- components: three replicas, the orchestrator and three clients in one datacenter ----
    world({
      nodes: [...REPLICAS, 'orchestrator', ...CLIENTS],
      nodeDefaults: { restartDelay: '500ms' },
      network: { latency: { dist: 'lognormal', median: '500us', sigma: 0.3 } },
    });

    // ---- wiring: primary/backup with an orchestrator; db-1 starts as primary of epoch 1 ----
    const history = kvHistory(ctx);
    const db = ctx.primaryBackup({
      name: 'db',
      replicas: REPLICAS,
      orchestrator: 'orchestrator',
      clients: CLIENTS,
      replication: params.replication as 'async' | 'sync',
      syncAcks: 1,
      fencing: params.fencing,
      ...(params.reads === 'lease' ? { readLeaseMs: params.readLeaseMs, leaseClock: params.leaseClock as 'monotonic' | 'realtime' } : {}),
      heartbeatIntervalMs: params.heartbeatIntervalMs,
      detector: () => heartbeatFailureDetector({ timeoutMs: params.failoverAfterMs }),
      requestTimeoutMs: params.requestTimeoutMs,
      // a fence or replication round gives up on a silent replica after this long
      replicationTimeoutMs: 200,
      history,
    });
    for (const r of REPLICAS) emit({ time: 0, kind: 'note', node: r, text: 'replica' });
    emit({ time: 0, kind: 'note', node: 'orchestrator', text: 'failure detectors and promotion' });

    // ---- workload: each client writes fresh keys and reads recently written ones, one operation at a time ----
    // (every key is written once, so an acknowledged write that later reads or the final state do
    // not show is lost, and a read that misses a write acknowledged before it began is stale)
    const recent: string[] = [];
    const written: string[] = [];
    for (const name of CLIENTS) {
      emit({ time: 0, kind: 'note', node: name, text: 'client' });
      const node = world().node(name);
      const rnd = random.get(`client/${name}`);
      let n = 0;
      // think-time timers live on the client's clock, so they die with the client process
      const next = (): void => {
        if (sim.now < workloadEndUs) node.setTimer(rnd.exponential(params.thinkTimeMs * 1000), operate, null);
      };
      const operate = (): void => {
        if (sim.now >= workloadEndUs || db.busy(name)) return;
        const startUs = sim.now;
        const done = (r: { outcome: string; error?: string }): void => {
          requests.record(sim.now, r.outcome === 'ok', sim.now - startUs, r.outcome === 'ok' ? undefined : r.error, name);
          next();
        };
        if (recent.length > 0 && rnd.next() < 0.5) {
          db.read(name, recent[rnd.int(0, recent.length - 1)]!, done);
        } else {
          const key = `${name}/${++n}`;
          written.push(key);
          recent.push(key);
          if (recent.length > params.readWindow) recent.shift();
          db.write(name, key, key, done);
        }
      };
      node.onRestart(next);
      next();
    }


    return {
      untilUs: endUs,
      finish() {
        // The state a reader sees at the end: the designated primary's copy (after healing every
        // replica follows it).
        const primary = db.designatedPrimary.primary;
        const final = new Map<string, KvValue>();
        for (const key of written) final.set(key, db.valueAt(primary, key)?.value ?? null);
        const ops = history.operations;
        const lost = checkNoLostWrites(ops, { final });
        const linear = checkLinearizable(ops, { searchMax: LINEARIZABILITY_SEARCH_MAX });
        // the operations each verdict names, for the report's history view
        flagOperations(ctx, 'no-lost-acknowledged-write', lost.operations);
        if (linear.operation) flagOperations(ctx, 'linearizable', [linear.operation]);
        outcomes.set(metrics, {
          lost,
          linear,
          finalFrom: primary,
          leaseOverlapUs: db.leaseOverlapUs,
          leases: params.reads === 'lease',
        });
      },
      metrics() {
        const ops = history.operations;
        const out = outcomes.get(metrics);
        const writes = ops.filter((o) => o.op === 'write');
        return {
          writesAcked: writes.filter((o) => o.outcome === 'ok').length,
          writesLost: out ? out.lost.operations.length : 0,
          writesIndeterminate: writes.filter((o) => o.outcome === 'info').length,
          writesRefused: writes.filter((o) => o.outcome === 'fail').length,
          readsOk: ops.filter((o) => o.op === 'read' && o.outcome === 'ok').length,
          failovers: db.failovers.value,
          dualPrimaryMs: Math.round(db.dualPrimaryUs / 1000),
          leaseOverlapMs: Math.round(db.leaseOverlapUs / 1000),
          primariesAtEnd: db.primaries().length,
          fencingRejections: db.fencedRejections.value,
        };
      },
    };
  },
  checks: [
    {
      name: 'no-lost-acknowledged-write',
      description: 'every acknowledged write is in the final state of the store, or overwritten by a later one (Jepsen lost updates; checkNoLostWrites)',
      check(ctx) {
        const out = outcomes.get(ctx.registry);
        if (!out) return { status: 'unknown', detail: 'the run did not finish' };
        const r = out.lost;
        return { status: r.status, detail: `${r.detail} (final state read from ${out.finalFrom})`, firstFailedAtMs: r.firstFailedAtMs };
      },
    },
    {
      name: 'linearizable',
      description: 'some order of the clients’ operations, each placed between its invocation and its completion, explains every read (Knossos/Porcupine semantics; checkLinearizable)',
      check(ctx) {
        const out = outcomes.get(ctx.registry);
        if (!out) return { status: 'unknown', detail: 'the run did not finish' };
        const r = out.linear;
        return { status: r.status, detail: r.detail, firstFailedAtMs: r.firstFailedAtMs };
      },
    },
    {
      name: 'exclusive-read-lease',
      description: 'no two replicas hold a read lease at the same moment of true time (measured by the model, which nodes cannot)',
      check(ctx) {
        const out = outcomes.get(ctx.registry);
        if (!out) return { status: 'unknown', detail: 'the run did not finish' };
        if (!out.leases) return { status: 'ok', detail: 'this design serves reads without leases' };
        const ms = out.leaseOverlapUs / 1000;
        return ms > 0
          ? { status: 'fail', detail: `two replicas held a read lease at once for ${ms.toFixed(1)} ms in total`, firstFailedAtMs: firstOverlapMs(ctx.records) }
          : { status: 'ok', detail: 'the read leases never overlapped' };
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
        const first = kvHistory(ctx).operations.find((o) => o.op === 'write' && o.outcome === 'ok' && o.invokeUs >= healedUs && o.completeUs !== null);
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

/** The first lease-overlap episode's start, from its trace record (kept at trace level summary). */
function firstOverlapMs(records: readonly { kind: string; time: number; overlapUs?: number }[]): number | null {
  for (const r of records) if (r.kind === 'lease-overlap') return (r.time - (r.overlapUs ?? 0)) / 1000;
  return null;
}
