/**
 * Graceful degradation: a product page depends on a catalog (behind an HTTP cache) and on a
 * recommendation service; when either dies, serve-stale and default responses keep the page up.
 * Uses the patterns' `serveStaleCache` (RFC 5861 stale-if-error) and `fallback` (Polly/Resilience4j).
 */
import { defineScenario } from 'faultline';

const WEB = ['web-1', 'web-2'];
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

**Watch in the table.** \`availability\` (pages served), \`pagesDegraded\` (served without fresh
data or personalization), \`staleServed\` and \`fallbacksServed\`.

References: M. Nottingham, RFC 5861 "HTTP Cache-Control Extensions for Stale Content" (2010),
https://www.rfc-editor.org/rfc/rfc5861 ; AWS Well-Architected, "REL05-BP01 Implement graceful
degradation to transform applicable hard dependencies into soft dependencies",
https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_mitigate_interaction_failure_graceful_degradation.html ;
Netflix Tech Blog, "Fault Tolerance in a High Volume, Distributed System" (2012),
https://netflixtechblog.com/fault-tolerance-in-a-high-volume-distributed-system-91ab4faae74a
`.trim(),
  params: {
    staleIfErrorMs: { type: 'number', default: 0, min: 0, max: 86_400_000, unit: 'ms', description: 'RFC 5861 stale-if-error window beyond max-age (0: never serve stale)' },
    maxAgeMs: { type: 'number', default: 1000, min: 1, max: 86_400_000, unit: 'ms', description: 'RFC 9111 max-age of cached catalog responses' },
    recommendationFallback: { type: 'boolean', default: false, description: 'answer a failed recommendation call with a default list (best sellers)' },
    dependencyTimeoutMs: { type: 'number', default: 100, min: 1, max: 60_000, unit: 'ms', description: 'timeout of the web tier’s calls to the catalog and to recommendations' },
    pageRatePerSec: { type: 'number', default: 100, min: 1, max: 100_000, unit: '1/s', description: 'page views per second (Poisson)' },
    products: { type: 'number', default: 20, min: 1, max: 1_000_000, integer: true, description: 'distinct products viewed (uniform)' },
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
  },
  faults: [
    { at: '4s', kind: 'crash', target: 'catalog-1', for: '3s' },
    { at: '10s', kind: 'crash', target: 'reco-1', for: '3s' },
  ],
  faultKinds: ['crash', 'partition', 'limp'],
  keyMetrics: ['availability', 'pagesFull', 'pagesDegraded', 'pagesFailed', 'staleServed', 'fallbacksServed', 'latencyMs.p99'],
  build({ sim, params: p, metrics, world, service, client, openLoop }) {
    const timeout = `${p.dependencyTimeoutMs}ms`;
    world({ nodeDefaults: { cores: 4, restartDelay: '1s' }, network: { latency: { dist: 'lognormal', median: '500us', sigma: 0.3 } } });
    // components: the catalog, the recommendation service, and two web servers that render the page
    const catalog = service('catalog', { nodes: ['catalog-1'], endpoints: { product: { work: { dist: 'exponential', mean: '2ms' } } } });
    const reco = service('recommendations', { nodes: ['reco-1'], endpoints: { recommend: { work: { dist: 'exponential', mean: '5ms' } } } });
    // wiring: each web server has its own HTTP cache in front of the catalog (stale-if-error in
    // the degrading designs) and, with recommendationFallback, a default list for recommendations
    const product = client(catalog, 'product', { timeout, cache: { name: 'catalog-cache', ttlMs: p.maxAgeMs, staleIfErrorMs: p.staleIfErrorMs, maxEntries: 10_000 } });
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
    return {
      metrics: () => ({
        pagesFull: pages.filter((x) => x.kind === 'full').length,
        pagesDegraded: pages.filter((x) => x.kind === 'degraded').length,
        pagesFailed: pages.filter((x) => x.kind === 'failed').length,
        staleServed: sum((n) => product.at(n).cache!.staleServed.value),
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
  ],
});

const pagesOf = new WeakMap<object, Page[]>();
