/**
 * GitHub, 21 October 2018: a 43-second partition, a cross-country MySQL failover, writes stranded
 * on the old primary, and an application left talking to a database across the continent.
 * MySQL with asynchronous replication and Orchestrator (the failover manager) are the library's
 * `primaryBackup`: binlog shipping with a lag, a fixed-timeout failure detector, and a promotion
 * rule that may or may not cross regions. The app servers' queries are recorded as a history
 * (invoke, then ok, fail or info) that the lost-writes and linearizability checkers judge.
 */
import { defineScenario, percentileOfValues } from 'faultline';
import { checkLinearizable, checkNoLostWrites, flagOperations, kvHistory, type KvValue, type LinearizabilityResult } from 'faultline/check';
import { errorOutcome, heartbeatFailureDetector, okOutcome, type Call, type KvResult } from 'faultline/patterns';

const PARTITION_AT_US = 10_000_000;
const PARTITION_US = 43_000_000;
const HEAL_US = PARTITION_AT_US + PARTITION_US;
/** Application servers in the East (each runs one query at a time: a history process). */
const APPS = Array.from({ length: 8 }, (_, i) => `app-east-${i + 1}`);
/** Pages waiting for a free app server, at most (beyond it a page is refused). */
const PAGES_WAITING_MAX = 1000;
/** Recent pages a page's "recent activity" read picks from. */
const RECENT_PAGES = 50;

export default defineScenario({
  name: 'incident-github-2018',
  title: 'GitHub 2018-10-21: a 43 s partition, a cross-country failover and stranded writes',
  description: `
**What happened.** On 21 October 2018 at 22:52 UTC, replacing failing optical equipment cut the
network between GitHub's US East Coast network hub and its primary US East Coast data center
for **43 seconds**. Orchestrator, which manages GitHub's MySQL topologies and runs its own
consensus across sites, saw the East Coast primaries vanish and **failed them over to the US
West Coast**. The East Coast primaries had meanwhile accepted writes that had **not been
replicated** West; the West Coast primaries then took new writes, so the two sets could not
simply be merged. And the applications, still in the East, now paid **cross-country latency** on
every query, which they were not built for. GitHub chose data integrity over speed: it ran
degraded for **24 hours and 11 minutes** while restoring from backups, replaying the stranded
writes and moving the primaries back.

**In this model.** Eight app servers and db-east (the primary) are in the East Coast data
center; db-west (an asynchronous replica, binlog shipped with a lag) and Orchestrator are in the
West. Each page is five sequential queries: it writes its own row, reads one of the last 50 pages'
rows ("recent activity"), then reads its own row back. At 10 s a 43 s partition cuts the East
data center off. In \`as-it-happened\`, Orchestrator promotes db-west after
\`failoverAfterMs\` (10 s) of silence; the East, which cannot hear the change, keeps writing to
db-east for the rest of the partition. After the partition heals db-east learns of the new
primary, steps down and takes its state, and the app servers follow it across the continent:
each query now costs a 64 ms round trip. The writes db-east acknowledged after the last binlog
that reached the West are missing from the new primary: the lost-write checker reports them as
lost (at GitHub, stranded until replayed by hand), and pages after the heal that read a stranded
row find nothing there, which no order of the operations explains (the linearizability checker
fails too; before this model had a history, the variant's expectations named only the first
two checks). The 24 h of recovery are outside the run; the run shows their two causes.

**What would have avoided it.** Do not fail over across regions on a short partition:
\`long-suspicion\` requires 60 s of silence (longer than the partition); \`region-pinned\`
never promotes a replica in another region automatically (GitHub's own follow-up: Orchestrator
would no longer promote across regions, and it moved toward multi-data-center active/active
designs). In both the East keeps its primary: nothing is stranded, latency stays local, and
only the West (here: nothing but Orchestrator) waits out the 43 s.

Reference: GitHub, "October 21 post-incident analysis" (2018-10-30),
https://github.blog/2018-10-30-oct21-post-incident-analysis/ ; Orchestrator,
https://github.com/openark/orchestrator
`.trim(),
  params: {
    failoverAfterMs: { type: 'number', default: 10_000, min: 1000, max: 3_600_000, unit: 'ms', description: 'how long Orchestrator must see the primary unreachable before promoting a replica' },
    crossRegionFailover: { type: 'boolean', default: true, description: 'may Orchestrator promote a replica in another region' },
    replicationLagMs: { type: 'number', default: 1000, min: 0, max: 600_000, unit: 'ms', description: 'asynchronous binlog shipping delay East → West' },
    queriesPerPage: { type: 'number', default: 5, min: 1, max: 1000, integer: true, description: 'sequential queries per page (one write, the rest reads)' },
    pageRatePerSec: { type: 'number', default: 20, min: 1, max: 100_000, unit: '1/s', description: 'page views per second at app-east (Poisson)' },
    durationMs: { type: 'number', default: 90_000, min: 60_000, max: 3_600_000, unit: 'ms', description: 'run length (the partition is at 10–53 s)' },
  },
  variants: {
    'as-it-happened': {
      description: 'Orchestrator promotes db-west after 10 s of silence: stranded writes, cross-country queries',
      params: { failoverAfterMs: 10_000, crossRegionFailover: true },
      expectFail: ['no-stranded-writes', 'page-latency-after-heal', 'linearizable'],
    },
    'long-suspicion': {
      description: 'failover only after 60 s of silence: the 43 s partition passes without one',
      params: { failoverAfterMs: 60_000, crossRegionFailover: true },
    },
    'region-pinned': {
      description: 'no automatic promotion across regions: the East keeps its primary',
      params: { failoverAfterMs: 10_000, crossRegionFailover: false },
    },
  },
  faults: [{ at: `${PARTITION_AT_US}us`, kind: 'partition', groups: [[...APPS, 'db-east'], ['db-west', 'orchestrator']], for: `${PARTITION_US}us` }],
  faultKinds: ['partition', 'crash'],
  keyMetrics: ['pages', 'availability', 'failoverAtMs', 'strandedWrites', 'pageMsP99AfterHeal', 'primaryAtEnd', 'dualPrimaryMs'],
  build(ctx) {
    const { sim, params, emit, metrics, world, openLoop } = ctx;
    const endUs = params.durationMs * 1000;

    // ---- components: the East data center, the West data center, and the link between them ----
    world({
      nodes: [...APPS, 'db-east', 'db-west', 'orchestrator'],
      zones: { 'us-east': [...APPS, 'db-east'], 'us-west': ['db-west', 'orchestrator'] },
      network: { latency: { dist: 'lognormal', median: '500us', sigma: 0.2 } },
      // US coast to coast: about 64 ms round trip
      links: [{ from: 'zone:us-east', to: 'zone:us-west', latency: { dist: 'lognormal', median: '32ms', sigma: 0.05 } }],
    });
    const region: Record<string, string> = { 'db-east': 'us-east', 'db-west': 'us-west' };

    // ---- wiring: MySQL with asynchronous replication East → West, Orchestrator in the West ----
    const history = kvHistory(ctx);
    const mysql = ctx.primaryBackup({
      name: 'mysql',
      replicas: ['db-east', 'db-west'],
      orchestrator: 'orchestrator',
      clients: APPS,
      replication: 'async',
      fencing: false,
      replicationDelayMs: params.replicationLagMs,
      heartbeatIntervalMs: 1000,
      detector: () => heartbeatFailureDetector({ timeoutMs: params.failoverAfterMs }),
      // GitHub's follow-up: never promote a replica in another region automatically
      ...(params.crossRegionFailover ? {} : { canPromote: (candidate: string, old: string) => region[candidate] === region[old] }),
      requestTimeoutMs: 2000,
      history,
    });
    emit({ time: 0, kind: 'note', node: 'orchestrator', text: 'Orchestrator (US West)' });

    // ---- workload: pages at the East app servers: a write, a recent-activity read, reads of its own row ----
    const idle = [...APPS];
    const waiting: (() => void)[] = [];
    const recent: string[] = [];
    const pageLatency: { startUs: number; latencyUs: number }[] = [];
    let seq = 0;
    const page: Call = (c, done) => {
      const start = (): void => {
        const app = idle.shift()!;
        const key = `page-${seq++}`;
        const other = recent.length ? recent[seq % recent.length]! : key;
        recent.push(key);
        if (recent.length > RECENT_PAGES) recent.shift();
        let q = 0;
        const next = (r: KvResult | null): void => {
          if (r !== null && r.outcome !== 'ok') return finish(false, r.error);
          if (q === params.queriesPerPage) return finish(true);
          const i = q++;
          if (i === 0) mysql.write(app, key, key, next);
          else mysql.read(app, i === 1 ? other : key, next);
        };
        const finish = (ok: boolean, error?: string): void => {
          idle.push(app);
          waiting.shift()?.();
          done(ok ? okOutcome(0) : errorOutcome(error ?? 'query failed', 0));
        };
        next(null);
      };
      if (idle.length > 0) start();
      else if (waiting.length < PAGES_WAITING_MAX) waiting.push(start);
      else done(errorOutcome('app servers saturated', 0));
    };
    openLoop({
      name: 'pages',
      rate: params.pageRatePerSec,
      until: `${params.durationMs}ms`,
      call: page,
      onOutcome: (o, startUs) => void (o.ok && pageLatency.push({ startUs, latencyUs: sim.now - startUs })),
    });
    for (const app of APPS) emit({ time: 0, kind: 'note', node: app, text: 'application server (US East)' });

    return {
      untilUs: endUs + 3_000_000,
      finish() {
        const primary = mysql.designatedPrimary.primary;
        const final = new Map<string, KvValue>();
        for (const op of history.operations) if (op.op === 'write') final.set(op.key, mysql.valueAt(primary, op.key)?.value ?? null);
        const after = pageLatency.filter((p) => p.startUs >= HEAL_US + 5_000_000).map((p) => p.latencyUs / 1000);
        const lost = checkNoLostWrites(history.operations, { final });
        const linear = checkLinearizable(history.operations, { searchMax: 500_000 });
        flagOperations(ctx, 'no-stranded-writes', lost.operations);
        if (linear.operation) flagOperations(ctx, 'linearizable', [linear.operation]);
        results.set(metrics, { lost, linear, pageMsAfterHeal: after, primary });
      },
      metrics() {
        const r = results.get(metrics)!;
        const failoverAtUs = mysql.lastFailoverAtUs;
        return {
          pages: pageLatency.length,
          failoverAtMs: failoverAtUs === null ? null : Math.round(failoverAtUs / 1000),
          strandedWrites: r.lost.operations.length,
          pageMsP99AfterHeal: r.pageMsAfterHeal.length ? Math.round(percentileOfValues(r.pageMsAfterHeal, 0.99) * 10) / 10 : 0,
          primaryAtEnd: r.primary,
          dualPrimaryMs: Math.round(mysql.dualPrimaryUs / 1000),
        };
      },
    };
  },
  checks: [
    {
      name: 'no-stranded-writes',
      description: 'every acknowledged write is on the primary at the end (sim/check checkNoLostWrites)',
      check: ({ registry }) => {
        const r = results.get(registry)!.lost;
        return { status: r.status, detail: r.detail, firstFailedAtMs: r.firstFailedAtMs };
      },
    },
    {
      name: 'linearizable',
      description: 'some order of the app servers’ queries, each placed between its invocation and its completion, explains every read (checkLinearizable)',
      check: ({ registry }) => {
        const r = results.get(registry)!.linear;
        return { status: r.status, detail: r.detail, firstFailedAtMs: r.firstFailedAtMs };
      },
    },
    {
      name: 'page-latency-after-heal',
      description: 'from 5 s after the partition heals, page p99 latency is under 100 ms',
      check: ({ registry }) => {
        const after = results.get(registry)!.pageMsAfterHeal;
        if (after.length < 20) return { status: 'unknown', detail: `only ${after.length} pages after the partition healed` };
        const p99 = percentileOfValues(after, 0.99);
        return { status: p99 < 100 ? 'ok' : 'fail', detail: `page p99 ${p99.toFixed(1)} ms over ${after.length} pages after heal + 5 s (limit 100 ms)`, firstFailedAtMs: p99 < 100 ? null : (HEAL_US + 5_000_000) / 1000 };
      },
    },
  ],
});

const results = new WeakMap<object, { lost: ReturnType<typeof checkNoLostWrites>; linear: LinearizabilityResult; pageMsAfterHeal: number[]; primary: string }>();
