/**
 * A region is lost: active-passive behind DNS failover, active-active behind a global load
 * balancer, or a single region. Availability during the outage, the traffic stale DNS answers
 * keep sending to the dead region, and the writes asynchronous replication had not shipped.
 */
import { defineScenario, percentileOfValues } from 'faultline';
import type { Handling, ReplicaPicker } from 'faultline/app';
import { checkNoLostWrites, kvHistory } from 'faultline/check';
import { errorOutcome, globalLoadBalancer, okOutcome } from 'faultline/patterns';
import { asyncReplicatedStore, dnsFailover, nodeProbe } from 'faultline/world';

/** Half-way between two log shipments (every second from the start): the replica is half a second behind. */
const OUTAGE_AT_S = 30.5;
const END_S = 250;
/** Requests started this long after the failure are "after the failover" (every design has had its time). */
const SETTLED_AFTER_S = 150;
/** Client processes per coast (app servers, mobile apps): each places an order every 10 s on average. */
const CLIENTS_PER_SIDE = 200;
const REGIONS = ['us-east-1', 'us-west-2'] as const;
const WEB: Record<string, string[]> = { 'us-east-1': ['web-east-1', 'web-east-2'], 'us-west-2': ['web-west-1', 'web-west-2'] };
const DB: Record<string, string> = { 'us-east-1': 'db-east', 'us-west-2': 'db-west' };

export default defineScenario({
  name: 'region-evacuation',
  title: 'Region evacuation: DNS failover vs a global load balancer vs one region',
  description: `
**What happens.** An order service runs in \`us-east-1\` and, depending on the design, in
\`us-west-2\` too. Users on the East coast and on the West coast place 20 orders a second each.
At ${OUTAGE_AT_S} s the whole of \`us-east-1\` goes dark (every node of both its zones loses power) and
stays down for the rest of the run.

**The designs.**

- \`single-region\`: everything in \`us-east-1\`. Nothing can take over: every order fails until
  the region returns. No acknowledged order is lost, though: the data is on disks in the dark
  region, and comes back with it.
- \`active-passive-dns\`: \`us-west-2\` is a warm standby with an asynchronous replica of the
  database. Users find the service through a Route 53 failover record (TTL 60 s, health checks
  every 10 s, failure threshold 3). Route 53 notices in 20–30 s and answers \`us-west-2\`; the
  standby database is promoted \`promotionMs\` (60 s) after that. But answers are cached:
  resolvers keep the old answer for up to one TTL, and a share of clients (\`ttlIgnoringShare\`,
  10 %: JVMs caching forever, pooled connections never re-resolved) never ask again and keep
  sending orders to the dead region for as long as the run lasts.
- \`active-active-glb\`: both regions take orders, each into its own database copy, replicated
  to the other asynchronously (last writer wins, as DynamoDB global tables do). Users reach an
  anycast address (AWS Global Accelerator): the edge sends each connection to the nearest healthy
  region. When \`us-east-1\` fails its health checks (every 10 s, threshold 3) the East users'
  traffic moves to \`us-west-2\` at once, for every client: no cache to expire.

**What it shows.** Availability during the outage (\`availabilityDuringOutage\`), the share of
orders still sent to the failed region ${SETTLED_AFTER_S} s after it failed (\`staleTrafficShare\`: stale
DNS answers), and the orders acknowledged in \`us-east-1\` whose log entries had not reached
\`us-west-2\` when it failed (\`lostWrites\`, checked against the operation history): asynchronous
replication trades that window (\`replicationLagMsP99\`: here the log ships every second, as
Aurora Global Database's typical lag is under a second, plus the 35 ms between regions; the
outage falls half-way between two shipments) for not waiting on another region at every write. Only \`single-region\` keeps
every write — by being down.

References: AWS, "Summary of the AWS Service Event in the Northern Virginia (US-EAST-1) Region"
(2021-12-07), https://aws.amazon.com/message/12721/ ; Microsoft Azure, status history,
South Central US (2018-09-04, a data-center cooling failure after lightning),
https://azure.status.microsoft/en-us/status/history/ ; Amazon Route 53 Developer Guide, "How
Amazon Route 53 determines whether a health check is healthy" and "Failover routing",
https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html ;
AWS Global Accelerator, "Health check options",
https://docs.aws.amazon.com/global-accelerator/latest/dg/introduction-how-it-works.html ;
AWS Well-Architected, "Disaster recovery options in the cloud" (warm standby, multi-site
active/active), https://docs.aws.amazon.com/whitepapers/latest/disaster-recovery-workloads-on-aws/disaster-recovery-options-in-the-cloud.html
`.trim(),
  params: {
    design: { type: 'enum', values: ['single-region', 'active-passive-dns', 'active-active-glb'], default: 'active-passive-dns', description: 'how traffic and data span the regions' },
    ttlS: { type: 'number', default: 60, min: 1, max: 86_400, integer: true, unit: 's', description: 'TTL of the failover DNS records' },
    ttlIgnoringShare: { type: 'number', default: 0.1, min: 0, max: 1, description: 'share of clients that ignore the TTL and keep their first answer' },
    healthCheckIntervalS: { type: 'number', default: 10, min: 1, max: 300, integer: true, unit: 's', description: 'Route 53 / Global Accelerator health-check interval (10 or 30 in AWS)' },
    failureThreshold: { type: 'number', default: 3, min: 1, max: 10, integer: true, description: 'consecutive failed health checks before a region is unhealthy' },
    promotionMs: { type: 'number', default: 60_000, min: 0, max: 3_600_000, unit: 'ms', description: 'active-passive: from the DNS failover to the standby database taking writes' },
    shipIntervalMs: { type: 'number', default: 1000, min: 1, max: 600_000, unit: 'ms', description: 'how often a database copy ships its new log entries to the other region' },
    ratePerSec: { type: 'number', default: 20, min: 1, max: 1000, unit: '1/s', description: 'orders per second from each coast (Poisson)' },
  },
  variants: {
    'single-region': {
      description: 'one region, no standby: down with it, every write kept',
      params: { design: 'single-region' },
      expectFail: ['available-during-outage', 'serving-after-failover'],
    },
    'active-passive-dns': {
      description: 'warm standby behind Route 53 failover (TTL 60 s, 10 % of clients ignore it), async replica promoted after 60 s',
      params: { design: 'active-passive-dns' },
      expectFail: ['available-during-outage', 'serving-after-failover', 'no-acknowledged-write-lost'],
    },
    'active-active-glb': {
      description: 'both regions serve behind an anycast global load balancer; async multi-primary replication',
      params: { design: 'active-active-glb' },
      expectFail: ['no-acknowledged-write-lost'],
    },
  },
  faults: [{ at: `${OUTAGE_AT_S}s`, kind: 'region-outage', region: 'us-east-1', mode: 'power' }],
  faultKinds: ['region-outage', 'zone-outage', 'crash', 'partition'],
  keyMetrics: ['availabilityDuringOutage', 'staleTrafficShare', 'lostWrites', 'replicationLagMsP99', 'failoverAtMs', 'requests'],
  build(ctx) {
    const { sim, random, trace, params: p, world, service, client, openLoop, every, metrics } = ctx;

    // ── components: two regions of two zones, and users on both coasts ─────────────────────
    const w = world({
      nodes: [
        { name: 'users-east', zone: 'clients-east' },
        { name: 'users-west', zone: 'clients-west' },
        { name: 'web-east-1', zone: 'us-east-1a' },
        { name: 'web-east-2', zone: 'us-east-1b' },
        { name: 'db-east', zone: 'us-east-1a' },
        { name: 'web-west-1', zone: 'us-west-2a' },
        { name: 'web-west-2', zone: 'us-west-2b' },
        { name: 'db-west', zone: 'us-west-2a' },
      ],
      regions: { 'us-east-1': ['us-east-1a', 'us-east-1b'], 'us-west-2': ['us-west-2a', 'us-west-2b'], internet: ['clients-east', 'clients-west'] },
      network: { latency: { dist: 'lognormal', median: '500us', sigma: 0.2 } },
      // between regions: the default 35 ms one way; users are 10 ms from the region on their coast
      links: [
        { from: 'zone:clients-east', to: 'region:us-east-1', latency: { dist: 'lognormal', median: '10ms', sigma: 0.2 } },
        { from: 'zone:clients-west', to: 'region:us-west-2', latency: { dist: 'lognormal', median: '10ms', sigma: 0.2 } },
      ],
    });
    const design = p.design;
    const serving = design === 'single-region' ? ['us-east-1'] : [...REGIONS];

    // ── wiring: the database, one copy per region, asynchronous log shipping ────────────────
    const store = asyncReplicatedStore({
      world: w,
      name: 'orders',
      nodes: design === 'single-region' ? ['db-east'] : ['db-east', 'db-west'],
      primary: 'db-east',
      multiPrimary: design === 'active-active-glb',
      shipInterval: `${p.shipIntervalMs}ms`,
    });
    const history = kvHistory(ctx);
    let orders = 0;
    const web = service('web', {
      nodes: serving.flatMap((r) => WEB[r]!),
      endpoints: {
        order: {
          work: '2ms',
          handler: (h: Handling, done) => {
            const key = `order-${orders++}`;
            const id = history.invoke(key, 'write', key, key, { node: h.node.name });
            // an app server writes to its region's copy when that copy takes writes, else to the primary
            const local = DB[w.regionOf(h.node.name)!]!;
            const to = store.nodes.includes(local) && store.roleOf(local) === 'primary' ? local : undefined;
            store.write(h.node.name, key, key, (error) => {
              if (error === null) history.ok(id);
              else if (error === 'timeout') history.info(id, error);
              else history.fail(id, error);
              done(error === null ? okOutcome(0) : errorOutcome(error, 0));
            }, to);
          },
        },
      },
    });

    // ── wiring: how users reach a region ──────────────────────────────────────────────────
    const probe = nodeProbe(w, WEB);
    const dns =
      design === 'active-passive-dns'
        ? dnsFailover({
            sim,
            random,
            trace,
            name: 'orders.example.com',
            ttl: `${p.ttlS}s`,
            primary: 'us-east-1',
            secondary: 'us-west-2',
            healthCheck: { requestInterval: `${p.healthCheckIntervalS}s`, failureThreshold: p.failureThreshold, probe },
            resolvers: 50,
            clients: 2 * CLIENTS_PER_SIDE,
            ttlIgnoringShare: p.ttlIgnoringShare,
          })
        : null;
    const glb =
      design === 'active-active-glb'
        ? globalLoadBalancer({ sim, random, trace, name: 'orders', regions: [...REGIONS], healthCheckInterval: `${p.healthCheckIntervalS}s`, thresholdCount: p.failureThreshold, probe })
        : null;
    const sentTo: { startUs: number; region: string }[] = [];
    const picker = (side: 'east' | 'west'): ReplicaPicker => {
      const rr = new Map<string, number>();
      const nearest = side === 'east' ? [...REGIONS] : [...REGIONS].reverse();
      return {
        pick: (c) => {
          const region = dns ? dns.resolve(Number(c.key) + (side === 'west' ? CLIENTS_PER_SIDE : 0)) : glb ? glb.route(nearest) : 'us-east-1';
          sentTo.push({ startUs: sim.now, region });
          // the region's own load balancer sends to a live instance when it has one
          const nodes = WEB[region]!;
          const live = nodes.filter((n) => w.node(n).alive);
          const pool = live.length > 0 ? live : nodes;
          const i = rr.get(region) ?? 0;
          rr.set(region, i + 1);
          return pool[i % pool.length]!;
        },
      };
    };

    // active-passive: the runbook promotes the standby database once DNS has failed over
    if (dns !== null) {
      const watch = every('1s', () => {
        if (dns.failoverAtUs < 0) return;
        watch.stop();
        sim.schedule(Math.max(0, dns.failoverAtUs + p.promotionMs * 1000 - sim.now), () => store.promote('db-west', 'promoted by the DR runbook after the DNS failover'), null);
      });
    }
    // replication lag, sampled every second while both regions are up
    const lagNode = design === 'single-region' ? null : 'db-west';
    if (lagNode !== null) {
      const sampler = every('100ms', () => {
        if (sim.now >= OUTAGE_AT_S * 1e6) return sampler.stop();
        store.sampleLag(lagNode);
      });
    }

    // ── workload: orders from both coasts ─────────────────────────────────────────────────
    const outcomes: { startUs: number; ok: boolean }[] = [];
    for (const side of ['east', 'west'] as const) {
      openLoop({
        name: `users-${side}`,
        rate: p.ratePerSec,
        until: `${END_S}s`,
        keys: CLIENTS_PER_SIDE,
        call: client(web, 'order', { timeout: '2s', picker: picker(side), name: `web-${side}` }),
        from: `users-${side}`,
        onOutcome: (o, startUs) => void outcomes.push({ startUs, ok: o.ok }),
      });
    }

    return {
      untilUs: (END_S + 3) * 1e6,
      finish() {
        // the copy that serves at the end holds what survived: us-west-2's, or for a single region its only one
        const survivor = design === 'single-region' ? 'db-east' : 'db-west';
        const kept = store.snapshotOf(survivor);
        const final = new Map(history.operations.map((op) => [op.key, kept.get(op.key) ?? null]));
        const lost = checkNoLostWrites(history.operations, { final });
        const outageUs = OUTAGE_AT_S * 1e6;
        const during = outcomes.filter((o) => o.startUs >= outageUs);
        const settled = outcomes.filter((o) => o.startUs >= outageUs + SETTLED_AFTER_S * 1e6);
        const late = sentTo.filter((s) => s.startUs >= outageUs + SETTLED_AFTER_S * 1e6);
        const share = (xs: { ok: boolean }[]): number => (xs.length === 0 ? 0 : xs.filter((x) => x.ok).length / xs.length);
        const lag = store.lagMsSamples;
        results.set(metrics, {
          lost,
          availabilityDuringOutage: share(during),
          requestsDuringOutage: during.length,
          availabilitySettled: share(settled),
          requestsSettled: settled.length,
          staleTrafficShare: late.length === 0 ? 0 : late.filter((s) => s.region === 'us-east-1').length / late.length,
          replicationLagMsP99: lag.length === 0 ? 0 : Math.round(percentileOfValues([...lag], 0.99) * 10) / 10,
          failoverAtMs: dns !== null ? (dns.failoverAtUs < 0 ? null : dns.failoverAtUs / 1000) : null,
        });
      },
      metrics() {
        const r = results.get(metrics)!;
        return {
          availabilityDuringOutage: round4(r.availabilityDuringOutage),
          requestsDuringOutage: r.requestsDuringOutage,
          availabilitySettled: round4(r.availabilitySettled),
          staleTrafficShare: round4(r.staleTrafficShare),
          lostWrites: r.lost.operations.length,
          replicationLagMsP99: r.replicationLagMsP99,
          failoverAtMs: r.failoverAtMs,
          ...(glb !== null ? { glbRoutedWest: glb.routed.get('us-west-2') ?? 0 } : {}),
        };
      },
    };
  },
  checks: [
    {
      name: 'available-during-outage',
      description: 'at least 85 % of the orders placed while us-east-1 is down succeed',
      check({ registry }) {
        const r = results.get(registry)!;
        const a = r.availabilityDuringOutage;
        return { status: a >= 0.85 ? 'ok' : 'fail', detail: `${(a * 100).toFixed(2)} % of ${r.requestsDuringOutage} orders after ${OUTAGE_AT_S} s succeeded (limit 85 %)`, firstFailedAtMs: a >= 0.85 ? null : OUTAGE_AT_S * 1000 };
      },
    },
    {
      name: 'serving-after-failover',
      description: `from ${SETTLED_AFTER_S} s after the failure on, at least 99 % of orders succeed (no traffic left on the dead region)`,
      check({ registry }) {
        const r = results.get(registry)!;
        const a = r.availabilitySettled;
        return {
          status: a >= 0.99 ? 'ok' : 'fail',
          detail: `${(a * 100).toFixed(2)} % of ${r.requestsSettled} orders succeeded; ${(r.staleTrafficShare * 100).toFixed(1)} % were still sent to us-east-1`,
          firstFailedAtMs: a >= 0.99 ? null : (OUTAGE_AT_S + SETTLED_AFTER_S) * 1000,
        };
      },
    },
    {
      name: 'no-acknowledged-write-lost',
      description: 'every acknowledged order is in the copy that serves at the end (checkNoLostWrites over the operation history)',
      check({ registry }) {
        const r = results.get(registry)!.lost;
        return { status: r.status, detail: r.detail, firstFailedAtMs: r.firstFailedAtMs };
      },
    },
  ],
});

const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

const results = new WeakMap<
  object,
  {
    lost: ReturnType<typeof checkNoLostWrites>;
    availabilityDuringOutage: number;
    requestsDuringOutage: number;
    availabilitySettled: number;
    requestsSettled: number;
    staleTrafficShare: number;
    replicationLagMsP99: number;
    failoverAtMs: number | null;
  }
>();
