/**
 * GitHub, 21 October 2018: a 43-second partition, a cross-country MySQL failover, writes stranded
 * on the old primary, and an application left talking to a database across the continent.
 * Orchestrator (the failover manager) and MySQL asynchronous replication are modelled in this file,
 * on the app layer: MySQL is a service whose endpoints read the query or binlog event they carry.
 */
import { defineScenario, percentileOfValues } from 'faultline';
import type { Handling } from 'faultline/app';
import { checkNoLostWrites, kvHistory, type KvValue } from 'faultline/check';
import { errorOutcome, newCallContext, okOutcome, type Call } from 'faultline/patterns';

const PARTITION_AT_US = 10_000_000;
const PARTITION_US = 43_000_000;
const HEAL_US = PARTITION_AT_US + PARTITION_US;

/** A query's body: one write (the page's row) or a read. */
type Query = { write: boolean; key: string; value: string };
/** A binlog event: the row the primary wrote. */
type Row = { key: string; value: string };

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

**In this model.** app-east and db-east (the primary) are in the East Coast data center; db-west
(an asynchronous replica, binlog shipped with a lag) and Orchestrator are in the West. At 10 s
a 43 s partition cuts the East data center off. In \`as-it-happened\`, Orchestrator promotes
db-west after \`failoverAfterMs\` (10 s) of silence; app-east, which cannot hear the change,
keeps writing to db-east for the rest of the partition. After the partition heals app-east
follows the new primary across the continent: each page's five queries now cost a 64 ms round
trip each. The writes db-east acknowledged after the last binlog that reached the West are
missing from the new primary: the lost-write checker reports them as lost (at GitHub, stranded
until replayed by hand). The 24 h of recovery are outside the run; the run shows their two causes.

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
      expectFail: ['no-stranded-writes', 'page-latency-after-heal'],
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
  faults: [{ at: `${PARTITION_AT_US}us`, kind: 'partition', groups: [['app-east', 'db-east'], ['db-west', 'orchestrator']], for: `${PARTITION_US}us` }],
  faultKinds: ['partition', 'crash'],
  keyMetrics: ['pages', 'availability', 'failoverAtMs', 'strandedWrites', 'pageMsP99AfterHeal', 'primaryAtEnd'],
  build(ctx) {
    const { sim, params, emit, metrics, world, service, client, openLoop, every, after } = ctx;
    const endUs = params.durationMs * 1000;

    // ---- components: the East data center, the West data center, and the link between them ----
    world({
      nodes: ['app-east', 'db-east', 'db-west', 'orchestrator'],
      zones: { 'us-east': ['app-east', 'db-east'], 'us-west': ['db-west', 'orchestrator'] },
      network: { latency: { dist: 'lognormal', median: '500us', sigma: 0.2 } },
      // US coast to coast: about 64 ms round trip
      links: [{ from: 'zone:us-east', to: 'zone:us-west', latency: { dist: 'lognormal', median: '32ms', sigma: 0.05 } }],
    });
    const region: Record<string, string> = { 'db-east': 'us-east', 'db-west': 'us-west' };

    // ---- wiring: MySQL with asynchronous replication East → West ----
    const data: Record<string, Map<string, string>> = { 'db-east': new Map(), 'db-west': new Map() };
    let primary = 'db-east'; // what Orchestrator has decided
    const readOnly = new Set<string>(['db-west']);
    const ignore = (): void => {};
    const mysql = service('mysql', {
      nodes: ['db-east', 'db-west'],
      endpoints: {
        query: {
          work: '0ms',
          handler: (h: Handling<Query>, done) => {
            const db = h.node.name;
            if (!h.body.write) return done(okOutcome(0));
            if (readOnly.has(db)) return done(errorOutcome('read-only', 0));
            const { key, value } = h.body;
            data[db]!.set(key, value);
            done(okOutcome(0));
            // the binlog event reaches the West replica after the replication lag, if the network lets it
            if (db === 'db-east') after(`${params.replicationLagMs}ms`, () => h.call(binlog, ignore, { key, value }));
          },
        },
        binlog: {
          work: '0ms',
          handler: (h: Handling<Row>, done) => {
            // a promoted replica stops applying the old primary's binlog
            if (readOnly.has(h.node.name)) data[h.node.name]!.set(h.body.key, h.body.value);
            done(okOutcome(0));
          },
        },
        ping: { work: '0ms' },
        'primary-is': {
          work: '0ms',
          handler: (h: Handling<string>, done) => {
            // the demoted primary learns of the failover and goes read-only
            if (h.body !== h.node.name) readOnly.add(h.node.name);
            done(okOutcome(0));
          },
        },
      },
    });
    const binlog = mysql.replicaClient('db-east', 'binlog', 'db-west', { timeout: '1s' });

    // ---- wiring: Orchestrator in the West health-checks the primary and fails over ----
    let lastSeenUs = 0;
    let failoverAtUs = -1;
    const ping = client(mysql, 'ping', { timeout: '500ms', picker: { pick: () => primary } }).at('orchestrator');
    let appPrimary = 'db-east';
    const app = service('app', {
      nodes: ['app-east'],
      endpoints: { 'primary-is': { work: '0ms', handler: (h: Handling<string>, done) => done(okOutcome(0, (appPrimary = h.body))) } },
    });
    // service discovery: Orchestrator announces the primary to everyone it can reach, every second
    const announce = [app, mysql].flatMap((s) => s.endpointsFor('orchestrator', 'primary-is', { timeout: '1s' }).map((e) => e.call));
    const orchestrator = every('1s', () => {
      ping.call(newCallContext(sim), (o) => {
        if (o.ok) lastSeenUs = sim.now;
        else if (sim.now - lastSeenUs >= params.failoverAfterMs * 1000 && failoverAtUs < 0) {
          const candidate = 'db-west';
          if (!params.crossRegionFailover && region[candidate] !== region[primary]) return;
          failoverAtUs = sim.now;
          primary = candidate;
          readOnly.delete(candidate);
          emit({ time: sim.now, kind: 'note', node: 'orchestrator', text: `failover: ${candidate} promoted to primary (${region[candidate]})` });
        }
      });
      for (const tell of announce) tell(newCallContext(sim, { body: primary }), ignore);
      if (sim.now >= endUs) orchestrator.stop();
    });

    // ---- workload: pages at app-east, each one write and some reads to the primary it knows ----
    const query = client(mysql, 'query', { timeout: '2s', picker: { pick: () => appPrimary } }).at('app-east');
    const history = kvHistory(ctx);
    const pageLatency: { startUs: number; latencyUs: number }[] = [];
    let seq = 0;
    const page: Call = (c, done) => {
      const key = `page-${seq++}`;
      const id = history.invoke(key, 'write', key, key, { node: 'app-east' });
      let q = 0;
      const next = (): void =>
        query.request(c, { write: q === 0, key, value: key } satisfies Query, (o) => {
          if (q === 0) {
            if (o.ok) history.ok(id);
            else if (o.error === 'timeout') history.info(id, 'timeout');
            else history.fail(id, o.error);
          }
          if (!o.ok || ++q === params.queriesPerPage) return done(o);
          next();
        });
      next();
    };
    openLoop({
      name: 'app-east',
      rate: params.pageRatePerSec,
      until: `${params.durationMs}ms`,
      call: page,
      onOutcome: (o, startUs) => void (o.ok && pageLatency.push({ startUs, latencyUs: sim.now - startUs })),
    });
    emit({ time: 0, kind: 'note', node: 'app-east', text: 'application servers (US East)' });

    return {
      untilUs: endUs + 3_000_000,
      finish() {
        const final = new Map<string, KvValue>();
        for (const op of history.operations) final.set(op.key, data[primary]!.get(op.key) ?? null);
        const after = pageLatency.filter((p) => p.startUs >= HEAL_US + 5_000_000).map((p) => p.latencyUs / 1000);
        results.set(metrics, { lost: checkNoLostWrites(history.operations, { final }), pageMsAfterHeal: after });
      },
      metrics() {
        const r = results.get(metrics)!;
        return {
          pages: pageLatency.length,
          failoverAtMs: failoverAtUs < 0 ? null : Math.round(failoverAtUs / 1000),
          strandedWrites: r.lost.operations.length,
          pageMsP99AfterHeal: r.pageMsAfterHeal.length ? Math.round(percentileOfValues(r.pageMsAfterHeal, 0.99) * 10) / 10 : 0,
          primaryAtEnd: primary,
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

const results = new WeakMap<object, { lost: ReturnType<typeof checkNoLostWrites>; pageMsAfterHeal: number[] }>();
