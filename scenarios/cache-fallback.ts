/**
 * Graceful degradation: a product page depends on a catalog (behind an HTTP cache) and on a
 * recommendation service; when either dies, serve-stale and default responses keep the page up.
 * Uses the patterns' `serveStaleCache` (RFC 5861 stale-if-error) and `fallback` (Polly/Resilience4j).
 */
import { defineScenario } from 'faultline';

const WEB = ['web-1', 'web-2'];
/** A shared cache tier must answer at least this share of catalog lookups from its caches. */
const HIT_RATIO_MIN = 0.9;
/** The tier's hit ratio is judged from here on (a cold cache misses every first lookup). */
const WARM_FROM_MS = 4_000;
/** When a cache server of the tier dies in the default plan. */
const TIER_NODE_LOSS_MS = 6_000;

type Page = { atUs: number; kind: 'full' | 'degraded' | 'failed' };

export default defineScenario({
  name: 'cache-fallback',
  title: 'Graceful degradation: serve stale, answer with defaults, stay up',
  description: `
**What happens.** A product page is rendered by two web servers. Each page needs the product
from the catalog service (through a local HTTP cache, \`max-age\` 1 s) and a list of
recommendations from the recommendation service. At 4 s the catalog crashes (back after about
4 s); at 10 s the recommendation service crashes (back after about 4 s).

**Why the page fails.** Without fallbacks a page is only as available as the product of its
dependencies' availabilities: when either dependency is down, every page that needs it fails,
even though the cache holds a product description that was correct a few seconds ago and the
page would be perfectly useful without personalized recommendations.

**What fixes it.** Degrade instead of failing. With \`stale-if-error\` (RFC 5861) the cache serves
an expired entry when the origin fails, for up to \`staleIfErrorMs\`; with a fallback
(Resilience4j \`withFallback\`, Polly \`Fallback\`, Hystrix \`getFallback\`) a failed
recommendation call answers with a default list (best sellers). The page stays up and is marked
**degraded**; degraded pages are counted apart from full ones, so the dashboards still show the
outage. \`stale-only\` shows that one fallback is not enough: every hard dependency needs one.

**A shared cache tier and its hash ring** (variant \`cache-tier-ring-hash\`). With more products
than one server's cache holds, the product cache moves to a tier of four cache servers in front of
the catalog (each keeps at most 160 of the 400 products, \`max-age\` 60 s), and the web servers pick
the cache server by product: Envoy \`RING_HASH\` on the product key (Ketama: each server owns arcs
of a ring, a key goes to the next point clockwise). Each product then lives on one cache server, so
the tier holds the whole catalog and almost every lookup is a hit. At 6 s \`cache-2\` dies; outlier
detection ejects it within a few tries, and only about a third of the keys move, one miss each:
cache-2's quarter, and the arcs taken by the points the survivors gain (Envoy keeps the ring at
\`minimum_ring_size\` points, so each of three servers gets 342 instead of 256). The hit ratio
holds. With \`--param cacheLbPolicy=ROUND_ROBIN\` every cache server
sees every product and evicts what it cannot hold: about four lookups in ten hit, and the catalog
takes the rest. (Hashing modulo the number of servers would move almost every key when one dies.)

**Watch in the table.** \`availability\` (pages served), \`pagesDegraded\` (served without fresh
data or personalization), \`staleServed\` and \`fallbacksServed\`.

References: M. Nottingham, RFC 5861 "HTTP Cache-Control Extensions for Stale Content" (2010),
https://www.rfc-editor.org/rfc/rfc5861 ; AWS Well-Architected, "REL05-BP01 Implement graceful
degradation to transform applicable hard dependencies into soft dependencies",
https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_mitigate_interaction_failure_graceful_degradation.html ;
Netflix Tech Blog, "Fault Tolerance in a High Volume, Distributed System" (2012),
https://netflixtechblog.com/fault-tolerance-in-a-high-volume-distributed-system-91ab4faae74a ;
D. Karger et al., "Consistent Hashing and Random Trees", STOC 1997, https://doi.org/10.1145/258533.258660 ;
Envoy ring hash load balancing,
https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/load_balancers#ring-hash
`.trim(),
  params: {
    staleIfErrorMs: { type: 'number', default: 0, min: 0, max: 86_400_000, unit: 'ms', description: 'RFC 5861 stale-if-error window beyond max-age (0: never serve stale)' },
    maxAgeMs: { type: 'number', default: 1000, min: 1, max: 86_400_000, unit: 'ms', description: 'RFC 9111 max-age of cached catalog responses' },
    recommendationFallback: { type: 'boolean', default: false, description: 'answer a failed recommendation call with a default list (best sellers)' },
    dependencyTimeoutMs: { type: 'number', default: 100, min: 1, max: 60_000, unit: 'ms', description: 'timeout of the web tier’s calls to the catalog and to recommendations' },
    pageRatePerSec: { type: 'number', default: 100, min: 1, max: 100_000, unit: '1/s', description: 'page views per second (Poisson)' },
    products: { type: 'number', default: 20, min: 1, max: 1_000_000, integer: true, description: 'distinct products viewed (uniform)' },
    cacheNodes: { type: 'number', default: 0, min: 0, max: 64, integer: true, description: 'catalog cache: 0 = one on each web server; n ≥ 2 = a shared tier of n cache servers' },
    cacheLbPolicy: { type: 'enum', default: 'RING_HASH', values: ['RING_HASH', 'ROUND_ROBIN'], description: 'how web servers pick a cache server: Envoy RING_HASH on the product key, or ROUND_ROBIN' },
    cacheMaxEntries: { type: 'number', default: 10_000, min: 1, max: 10_000_000, integer: true, description: 'products each cache holds (the oldest stored is dropped first)' },
    durationMs: { type: 'number', default: 18_000, min: 1000, max: 3_600_000, unit: 'ms', description: 'run length' },
  },
  variants: {
    'no-fallbacks': {
      description: 'a plain cache (no stale-if-error) and no default for recommendations: a dead dependency fails the page',
      params: { staleIfErrorMs: 0, recommendationFallback: false },
      expectFail: ['page-availability'],
    },
    'stale-only': {
      description: 'stale-if-error 60 s on the catalog, but recommendations are still a hard dependency',
      params: { staleIfErrorMs: 60_000, recommendationFallback: false },
      expectFail: ['page-availability'],
    },
    'serve-stale-and-defaults': {
      description: 'stale-if-error 60 s on the catalog and a default recommendation list: degraded, never down',
      params: { staleIfErrorMs: 60_000, recommendationFallback: true },
    },
    'cache-tier-ring-hash': {
      description: '400 products, a shared tier of 4 cache servers (160 products each, max-age 60 s) picked by RING_HASH on the product key; cache-2 dies at 8 s',
      params: { staleIfErrorMs: 60_000, recommendationFallback: true, cacheNodes: 4, cacheLbPolicy: 'RING_HASH', cacheMaxEntries: 160, maxAgeMs: 60_000, products: 400, pageRatePerSec: 200 },
    },
  },
  // With a cache tier, a cache server dies instead of the catalog.
  faults: (p) =>
    p.cacheNodes >= 2
      ? [
          { at: `${TIER_NODE_LOSS_MS}ms`, kind: 'crash', target: 'cache-2' },
          { at: '10s', kind: 'crash', target: 'reco-1', for: '3s' },
        ]
      : [
          { at: '4s', kind: 'crash', target: 'catalog-1', for: '3s' },
          { at: '10s', kind: 'crash', target: 'reco-1', for: '3s' },
        ],
  faultKinds: ['crash', 'partition', 'limp'],
  keyMetrics: ['availability', 'pagesFull', 'pagesDegraded', 'pagesFailed', 'staleServed', 'fallbacksServed', 'cacheHitRatio', 'latencyMs.p99'],
  build({ sim, params: p, metrics, world, service, client, openLoop, at }) {
    const timeout = `${p.dependencyTimeoutMs}ms`;
    world({ nodeDefaults: { cores: 4, restartDelay: '1s' }, network: { latency: { dist: 'lognormal', median: '500us', sigma: 0.3 } } });
    // components: the catalog, the recommendation service, and two web servers that render the page
    const catalog = service('catalog', { nodes: ['catalog-1'], endpoints: { product: { work: { dist: 'exponential', mean: '2ms' } } } });
    const reco = service('recommendations', { nodes: ['reco-1'], endpoints: { recommend: { work: { dist: 'exponential', mean: '5ms' } } } });
    // wiring: each web server has its own HTTP cache in front of the catalog (stale-if-error in
    // the degrading designs) and, with recommendationFallback, a default list for recommendations
    const cached = client(catalog, 'product', { timeout, cache: { name: 'catalog-cache', ttlMs: p.maxAgeMs, staleIfErrorMs: p.staleIfErrorMs, maxEntries: p.cacheMaxEntries } });
    // With a cache tier, each cache server has that cache in front of the catalog and the web
    // servers pick one by product: the key travels with the request. A dead cache server is
    // ejected by outlier detection after five failed tries (and by its health check), so the ring
    // is rebuilt without it.
    const cacheServers = Array.from({ length: p.cacheNodes >= 2 ? p.cacheNodes : 0 }, (_, i) => `cache-${i + 1}`);
    const tier = cacheServers.length > 0 ? service('catalog-cache', { nodes: cacheServers, endpoints: { product: { work: '0.2ms', calls: [cached] } } }) : null;
    const product =
      tier === null
        ? cached
        : client(tier, 'product', {
            // longer than the cache server's own call to the catalog, so a stale answer can arrive
            timeout: `${2 * p.dependencyTimeoutMs}ms`,
            loadBalancer: {
              lbPolicy: p.cacheLbPolicy as 'RING_HASH' | 'ROUND_ROBIN',
              healthCheck: { tcp_health_check: {}, interval: '1s', timeout: '100ms', unhealthy_threshold: 2, healthy_threshold: 1 },
              outlierDetection: { consecutive_5xx: 5, max_ejection_percent: 50, base_ejection_time: '30s', interval: '1s' },
            },
          });
    const recs = client(reco, 'recommend', { timeout, fallback: p.recommendationFallback ? { name: 'reco-fallback', value: 'best-sellers' } : undefined });
    // a page needs the product, then the recommendations; a fallback or stale answer marks it degraded
    const web = service('web', { nodes: WEB, endpoints: { page: { work: '1ms', calls: [product, recs] } } });

    // workload: page views for a few popular products
    const pages: Page[] = [];
    openLoop({
      rate: p.pageRatePerSec,
      until: `${p.durationMs}ms`,
      deadline: '1s',
      keys: p.products,
      call: client(web, 'page', { timeout: '1s' }),
      onOutcome: (o) => pages.push({ atUs: sim.now, kind: !o.ok ? 'failed' : o.degraded ? 'degraded' : 'full' }),
    });
    pagesOf.set(metrics, pages);

    const sum = (f: (n: string) => number): number => WEB.reduce((s, n) => s + f(n), 0);
    // The catalog caches: on the web servers, or on the cache tier's servers.
    const caches = () => (tier === null ? WEB : cacheServers).map((n) => cached.at(n).cache!);
    const counts = (): { hits: number; lookups: number } => {
      const cs = caches();
      const hits = cs.reduce((a, c) => a + c.hits.value, 0);
      return { hits, lookups: hits + cs.reduce((a, c) => a + c.misses.value, 0) };
    };
    let warm = { hits: 0, lookups: 0 };
    if (tier !== null) at(`${WARM_FROM_MS}ms`, () => (warm = counts()));
    const hitRatio = (): number => {
      const c = counts();
      const lookups = c.lookups - warm.lookups;
      return lookups === 0 ? 1 : Math.round(((c.hits - warm.hits) / lookups) * 10_000) / 10_000;
    };
    return {
      metrics: () => ({
        pagesFull: pages.filter((x) => x.kind === 'full').length,
        pagesDegraded: pages.filter((x) => x.kind === 'degraded').length,
        pagesFailed: pages.filter((x) => x.kind === 'failed').length,
        staleServed: caches().reduce((s, c) => s + c.staleServed.value, 0),
        cacheHitRatio: hitRatio(),
        fallbacksServed: p.recommendationFallback ? sum((n) => recs.at(n).fallback!.fallbacks.value) : 0,
      }),
    };
  },
  checks: [
    {
      name: 'page-availability',
      description: 'at least 99% of page views are served (full or degraded) over the whole run, outages included',
      check: ({ metrics }) => {
        const a = metrics.availability as number;
        return {
          status: a >= 0.99 ? 'ok' : 'fail',
          detail: `${(a * 100).toFixed(2)}% of ${metrics.requests} pages served (${metrics.pagesDegraded} degraded, ${metrics.pagesFailed} failed); SLO 99%`,
        };
      },
    },
    {
      name: 'full-pages-after-recovery',
      description: 'from 2 s after the last dependency is back, at least 99% of pages are full (degradation is temporary)',
      check: ({ registry, faults, simTimeUs }) => {
        // a crash's `for` ends at restart; the node then takes its restartDelay (1 s) to serve
        const fromUs = faults.reduce((t, e) => Math.max(t, e.at + (e.for ?? 0)), 0) + 2_000_000;
        const after = (pagesOf.get(registry) ?? []).filter((p) => p.atUs >= fromUs);
        if (after.length < 50 || fromUs >= simTimeUs) return { status: 'unknown', detail: `only ${after.length} pages after ${fromUs / 1000} ms` };
        const full = after.filter((p) => p.kind === 'full').length;
        const bad = after.find((p) => p.kind !== 'full');
        return {
          status: full / after.length >= 0.99 ? 'ok' : 'fail',
          detail: `${full} of ${after.length} pages full after ${fromUs / 1000} ms`,
          firstFailedAtMs: full / after.length >= 0.99 || !bad ? null : bad.atUs / 1000,
        };
      },
    },
    {
      name: 'cache-tier-hit-ratio',
      description: `with a shared cache tier, at least ${HIT_RATIO_MIN * 100}% of catalog lookups from ${WARM_FROM_MS / 1000} s on (the loss of a cache server included) are cache hits`,
      check: ({ metrics, params }) => {
        if (params.cacheNodes < 2) return { status: 'ok', detail: 'no shared cache tier in this design: each web server caches for itself' };
        const h = metrics.cacheHitRatio as number;
        return { status: h >= HIT_RATIO_MIN ? 'ok' : 'fail', detail: `${(h * 100).toFixed(1)}% of catalog lookups from ${WARM_FROM_MS / 1000} s on hit the tier's caches (${params.cacheLbPolicy}); at least ${HIT_RATIO_MIN * 100}% needed` };
      },
    },
  ],
});

const pagesOf = new WeakMap<object, Page[]>();
