/**
 * The noisy neighbour: one tenant's requests crash whatever serves them (a poison pill). How many
 * of the other tenants lose every server they could use depends on how tenants are spread over
 * the workers: AWS Builders' Library, "Workload isolation using shuffle-sharding".
 */
import { defineScenario } from 'faultline';
import type { ShardPicker } from 'faultline/patterns';

const WORKERS = 8;

export default defineScenario({
  name: 'noisy-neighbour',
  title: 'Noisy neighbour: a poison-pill tenant, plain vs shuffle sharding vs fair queuing',
  description: `A multi-tenant API: ${WORKERS} workers serve 1,000 tenants. At 2 s one tenant (\`tenant-0\`, a customer's
batch job) starts sending a request that crashes the worker that reads it; a crashed worker takes a
minute to come back.

**Plain sharding** cuts the workers into 4 shards of 2 and puts each tenant on one: the poison pill takes
down its shard, and every tenant on that shard, **25 %** of them, loses all its workers.
**Shuffle sharding** gives each tenant its own random pair of the ${WORKERS} workers: there are
C(8, 2) = 28 pairs, so only the tenants that drew the poison tenant's exact pair, **1/28 ≈ 3.6 %**,
lose both workers; the rest keep at least one, and a retry finds it (the Builders' Library figure).
**Fair queuing** (deficit round robin per tenant in front of the workers, with a per-tenant rate limit)
and no sharding shares every worker with every tenant: it keeps a tenant that floods the service from
starving the others, but it does not contain a poison pill: the poison tenant's requests reach every
worker in turn, all 8 die, and every tenant loses everything.

\`tenantsFullyImpactedPct\` is the share of the other tenants all of whose workers are down at the end.`,
  params: {
    tenants: { type: 'number', default: 1000, min: 10, max: 100_000, integer: true, description: 'tenants sharing the workers' },
    shardSize: { type: 'number', default: 2, min: 1, max: WORKERS, integer: true, description: 'workers per tenant (AWS: shard size)' },
    sharding: { type: 'enum', default: 'shuffle', values: ['plain', 'shuffle', 'none'], description: 'how tenants are spread over the workers' },
    durationS: { type: 'number', default: 10, min: 4, max: 600, integer: true, unit: 's', description: 'how long the tenants send (the poison pill starts at 2 s)' },
    fairQueuing: { type: 'boolean', default: false, description: 'deficit round robin per tenant and a per-tenant rate limit in front of the workers' },
  },
  variants: {
    'plain-sharding': {
      params: { sharding: 'plain' },
      description: '4 fixed shards of 2 workers: the poison tenant takes its shard and a quarter of the tenants with it',
      expectFail: ['few-tenants-fully-impacted', 'others-available'],
    },
    'shuffle-sharding': { params: { sharding: 'shuffle' }, description: 'a random pair of workers per tenant: 1/28 of the tenants share the poison tenant’s pair' },
    'fair-queuing': {
      params: { sharding: 'none', fairQueuing: true },
      description: 'every worker for every tenant, fair queuing and per-tenant quotas: a flood is contained, a poison pill is not',
      expectFail: ['few-tenants-fully-impacted', 'others-available'],
    },
  },
  build({ params: p, service, client, openLoop, shuffleSharding, plainSharding, fairQueue, perTenantRateLimit, at, world, tenantStats }) {
    // ── components ──────────────────────────────────────────────────────────────
    const w = world({ nodeDefaults: { cores: 2, restartDelay: '60s', serviceTime: { dist: 'lognormal', median: '2ms', sigma: 0.4 } } });
    const api = service('api', { replicas: WORKERS, endpoints: { get: {} } });

    // ── wiring ──────────────────────────────────────────────────────────────────
    const picker: ShardPicker =
      p.sharding === 'shuffle' ? shuffleSharding({ shardSize: p.shardSize }) : p.sharding === 'plain' ? plainSharding({ shardSize: p.shardSize }) : shuffleSharding({ shardSize: WORKERS }); // none: every worker, in turn per tenant
    const policies = p.fairQueuing
      ? [perTenantRateLimit({ max_tokens: 50, tokens_per_fill: 50, fill_interval: '1s' }), fairQueue({ concurrency: 1000 })]
      : [];
    const get = client(api, 'get', { timeout: '100ms', retry: { attemptsMax: 2 }, policies, picker });

    // ── workload ────────────────────────────────────────────────────────────────
    // 1,000 tenants at 1 request/s each, and the poison tenant's batch job at 20 requests/s
    openLoop({ name: 'tenants', rate: `${p.tenants}/s`, until: `${p.durationS}s`, deadline: '1s', tenants: p.tenants, call: get });
    openLoop({ name: 'batch', rate: '20/s', start: '2s', until: `${p.durationS}s`, deadline: '1s', tenant: 'tenant-0', call: get });

    // ── the measurement ─────────────────────────────────────────────────────────
    let fullyImpacted = NaN;
    let workersDown = 0;
    at(`${p.durationS * 1000 - 1}ms`, () => {
      const down = new Set(api.replicas.filter((r: string) => !w.node(r).alive));
      workersDown = down.size;
      let n = 0;
      let hit = 0;
      for (let i = 1; i < p.tenants; i++) {
        const shard = picker.shardOf(`tenant-${i}`, api.replicas);
        n++;
        if (shard.every((r) => down.has(r))) hit++;
      }
      fullyImpacted = (100 * hit) / n;
    });
    return {
      metrics: () => ({ tenantsFullyImpactedPct: +fullyImpacted.toFixed(3), workersDown, othersAvailability: +tenantStats().others(['tenant-0']).availability.toFixed(4) }),
    };
  },
  faults: [{ at: '2s', kind: 'poison-pill', tenant: 'tenant-0' }],
  faultKinds: ['poison-pill', 'crash'],
  keyMetrics: ['tenantsFullyImpactedPct', 'workersDown', 'othersAvailability'],
  checks: [
    {
      name: 'few-tenants-fully-impacted',
      description: 'at most 10 % of the other tenants lose every worker they may use',
      check: ({ metrics }) => ({ status: (metrics.tenantsFullyImpactedPct as number) <= 10 ? 'ok' : 'fail', detail: `${metrics.tenantsFullyImpactedPct} % of the other tenants have every worker down (${metrics.workersDown} of ${WORKERS} down)` }),
    },
    {
      name: 'others-available',
      description: 'the other tenants keep 85 % of their requests',
      check: ({ metrics }) => ({ status: (metrics.othersAvailability as number) >= 0.85 ? 'ok' : 'fail', detail: `other tenants: ${((metrics.othersAvailability as number) * 100).toFixed(2)} % of their requests succeeded` }),
    },
  ],
});
