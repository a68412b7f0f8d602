/**
 * Gray failure: one limping backend behind a load balancer. Round robin keeps feeding it its
 * share; least-request (power of two choices) starves it; outlier ejection removes it.
 */
import { defineScenario, Histogram, percentile } from 'faultline';
import type { LbPolicy } from 'faultline/patterns';

/** The backend that limps in the default fault plan. */
const LIMPING = 'web3';
const LIMP_AT_MS = 2_000;

export default defineScenario({
  name: 'gray-failure',
  title: 'Gray failure: one limping node behind a load balancer',
  description: `
**What happens.** Ten identical web servers sit behind an Envoy-style load balancer. At t = 2 s one
of them (\`web3\`) starts to *limp*: it still answers, but every request takes ${'`limpFactor`'}× longer
(a failing disk, a noisy neighbour, a CPU throttled by a bad BIOS setting). It is not down: its
process is alive and the load balancer's active health check, a TCP connect that the kernel
completes on the application's behalf, keeps passing.

**Why it hurts.** This is a *gray failure* (Huang et al.): the component is failing from its clients'
point of view while the failure detector says it is fine (*differential observability*). Round robin
keeps sending the limping node one request in ten. At its slowed rate it cannot keep up, its queue
grows without bound, and one request in ten waits until the route timeout: p99 latency and
availability of the **whole** service are ruined by one bad machine out of ten.

**What fixes it.** Load balancing that looks at *how the hosts are doing* instead of taking turns.
With \`LEAST_REQUEST\` (Envoy's power of two choices: pick two hosts at random, send to the one with
fewer requests outstanding) the slow host's outstanding requests pile up, so it loses almost every
comparison and its queue stays short: no request times out. But the few requests it still gets are
slow, enough to hold p99 above the SLO. Adding a per-try timeout, one retry, and **outlier
detection** (Envoy \`consecutive_5xx\`: a timed-out try counts as a 5xx) ejects the limping host after
a handful of failures, and the retry hides those few from the user: p99 returns to normal.

**Hedging** (variant \`least-request-hedging\`: gRPC \`hedgingPolicy\` with \`maxAttempts\` 2 and
\`hedgingDelay\` 10 ms, about the healthy p95, as Dean and Barroso's "The Tail at Scale" advises)
fixes least-request's tail without ejecting anything: a try still unanswered after 10 ms is raced
by a copy that the load balancer sends to another host, the first answer wins and the other is
cancelled. The few requests the limping host gets are answered by their copy, so p99 stays near
the healthy one, for about 7 % more tries.

A trap on the way: Envoy's \`successful_active_health_check_uneject_host\` defaults to true, so
the passing TCP health check returns the ejected host a second later and it is ejected again and
again; the fixed variant turns it off (or use an HTTP health check that exercises the slow path).

**What to try.** \`--param successful_active_health_check_uneject_host=true\` on the fixed variant
shows the trap; \`--param max_ejection_percent=0\` turns ejection off again; \`--param limpFactor=3\`
makes the gray failure milder (round robin then only drags p99); \`--param backends=5\` with the
default \`max_ejection_percent\` of 10 shows Envoy's strict rule: (ejected + 1) / hosts must stay
≤ 10 %, so a 5-host cluster ejects nothing.

References: P. Huang, C. Guo, L. Zhou, J. R. Lorch, Y. Dang, M. Chintalapati, R. Yao, "Gray Failure:
The Achilles' Heel of Cloud-Scale Systems", HotOS 2017,
https://www.microsoft.com/en-us/research/publication/gray-failure-achilles-heel-cloud-scale-systems/ ;
M. Mitzenmacher, "The Power of Two Choices in Randomized Load Balancing" (2001),
https://doi.org/10.1109/71.963420 ; Envoy outlier detection,
https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/outlier ; J. Dean and
L. A. Barroso, "The Tail at Scale", CACM 56(2), 2013, https://doi.org/10.1145/2408776.2408794 ;
gRFC A6 hedging, https://github.com/grpc/proposal/blob/master/A6-client-retries.md .
`.trim(),
  params: {
    backends: { type: 'number', default: 10, min: 3, max: 200, integer: true, description: 'web servers behind the load balancer (web3 limps)' },
    ratePerSec: { type: 'number', default: 400, min: 1, max: 100_000, unit: '1/s', description: 'offered load, Poisson arrivals' },
    limpFactor: { type: 'number', default: 25, min: 1, max: 1000, description: 'service-time multiplier on the limping node' },
    durationMs: { type: 'number', default: 12_000, min: 4_000, max: 3_600_000, unit: 'ms', description: 'how long the workload runs (the limp lasts from 2 s to the end)' },
    lbPolicy: { type: 'enum', default: 'ROUND_ROBIN', values: ['ROUND_ROBIN', 'RANDOM', 'LEAST_REQUEST'], description: 'Envoy cluster lb_policy (LEAST_REQUEST picks choice_count = 2: power of two choices)' },
    timeoutMs: { type: 'number', default: 1000, min: 1, max: 60_000, unit: 'ms', description: 'Envoy route timeout: the whole request, retries included' },
    per_try_timeoutMs: { type: 'number', default: 0, min: 0, max: 60_000, unit: 'ms', description: 'Envoy retry_policy.per_try_timeout (0: none, each try may use the whole route timeout)' },
    num_retries: { type: 'number', default: 0, min: 0, max: 5, integer: true, description: 'Envoy retry_policy.num_retries (retry_on: 5xx, reset, timeouts)' },
    consecutive_5xx: { type: 'number', default: 5, min: 1, max: 1000, integer: true, description: 'Envoy outlier_detection.consecutive_5xx' },
    base_ejection_timeMs: { type: 'number', default: 30_000, min: 1, max: 3_600_000, unit: 'ms', description: 'Envoy outlier_detection.base_ejection_time' },
    max_ejection_percent: { type: 'number', default: 0, min: 0, max: 100, unit: '%', description: 'Envoy outlier_detection.max_ejection_percent (0: outlier detection off)' },
    hedgingMaxAttempts: {
      type: 'number',
      default: 1,
      min: 1,
      max: 5,
      integer: true,
      description: 'gRPC hedgingPolicy.maxAttempts, the original included (1: no hedging)',
    },
    hedgingDelayMs: { type: 'number', default: 10, min: 0, max: 3_600_000, unit: 'ms', description: 'gRPC hedgingPolicy.hedgingDelay: a copy goes out after this long without an answer (about the healthy p95)' },
    successful_active_health_check_uneject_host: {
      type: 'boolean',
      default: true,
      description: 'Envoy outlier_detection field (default true): a passing active health check returns an ejected host at once',
    },
  },
  variants: {
    'round-robin': {
      description: 'ROUND_ROBIN, no outlier detection: the limping node keeps its 1/10 of the traffic',
      params: { lbPolicy: 'ROUND_ROBIN' },
      expectFail: ['availability-during-limp', 'p99-during-limp'],
    },
    'least-request': {
      description: 'LEAST_REQUEST (power of two choices): the slow node is starved, but what it still gets is slow',
      params: { lbPolicy: 'LEAST_REQUEST' },
      expectFail: ['p99-during-limp'],
    },
    'p2c-outlier-ejection': {
      description: 'LEAST_REQUEST + per_try_timeout 40 ms, 1 retry, outlier detection (consecutive_5xx 5, max_ejection_percent 10)',
      params: { lbPolicy: 'LEAST_REQUEST', per_try_timeoutMs: 40, num_retries: 1, max_ejection_percent: 10, successful_active_health_check_uneject_host: false },
    },
    'least-request-hedging': {
      description: 'LEAST_REQUEST + gRPC hedging (maxAttempts 2, hedgingDelay 10 ms, the healthy p95): a slow try is raced by a copy on another host',
      params: { lbPolicy: 'LEAST_REQUEST', hedgingMaxAttempts: 2 },
    },
  },
  faults: (p) => [{ at: `${LIMP_AT_MS}ms`, kind: 'limp', target: LIMPING, factor: p.limpFactor, for: `${p.durationMs - LIMP_AT_MS}ms` }],
  faultKinds: ['limp', 'pause', 'link-latency'],
  keyMetrics: ['availabilityDuringLimp', 'latencyMsP99DuringLimp', 'latencyMs.p50', 'limpingNodeSharePct', 'ejections', 'healthCheckFailures', 'retriesPerRequest', 'hedgesPerRequest'],
  presets: {
    healthy: { description: 'no limp: every web server is as fast as the others', params: { limpFactor: 1 } },
    trigger: { description: 'the default: web3 serves 25× slower from t = 2 s', params: {} },
    overload: { description: 'no limp, but 5,000 requests/s against ten servers that serve about 4,400/s', params: { ratePerSec: 5000, durationMs: 4000, limpFactor: 1 } },
  },
  build({ sim, params: p, requests, world, service, client, openLoop, envoyRetry, hedging }) {
    const backends = Array.from({ length: p.backends }, (_, i) => `web${i + 1}`);

    // ── components ──────────────────────────────────────────────────────────────
    // An edge proxy (the load balancer's host) and identical web servers: 2 cores each, ~4 ms of
    // CPU per request, so each can serve ~500 requests/s and the fleet runs at about 10 % load.
    world({
      nodes: [{ name: 'lb', cores: 64 }],
      nodeDefaults: { cores: 2, serviceTime: { dist: 'lognormal', median: '4ms', sigma: 0.5 } },
      network: { latency: { dist: 'lognormal', median: '250us', sigma: 0.3 } },
    });
    const web = service('web', { nodes: backends, endpoints: { get: {} } });

    // ── wiring ──────────────────────────────────────────────────────────────────
    // Envoy at the edge: the load balancer sees every outcome (outstanding counts, passive
    // health). Its TCP health check succeeds while the process is alive, however slowly the
    // application serves; that is exactly why a limping node looks healthy.
    const hedge = p.hedgingMaxAttempts > 1 ? hedging({ name: 'web-hedge', maxAttempts: p.hedgingMaxAttempts, hedgingDelayMs: p.hedgingDelayMs }) : null;
    const route = client(web, 'get', {
      name: 'web',
      timeout: p.per_try_timeoutMs > 0 ? `${p.per_try_timeoutMs}ms` : undefined,
      loadBalancer: {
        lbPolicy: p.lbPolicy as LbPolicy,
        healthCheck: { tcp_health_check: {}, interval: '1s', timeout: '100ms', unhealthy_threshold: 3, healthy_threshold: 2 },
        outlierDetection: p.max_ejection_percent > 0
          ? {
              consecutive_5xx: p.consecutive_5xx,
              base_ejection_timeMs: p.base_ejection_timeMs,
              max_ejection_percent: p.max_ejection_percent,
              successful_active_health_check_uneject_host: p.successful_active_health_check_uneject_host,
              interval: '1s',
            }
          : undefined,
      },
      // Hedging (gRFC A6 hedgingPolicy; "The Tail at Scale"): after hedgingDelay without an answer
      // a copy goes to another host (the load balancer picks again); the first answer wins and the
      // loser is cancelled. Outside the retries, as in gRPC, where a call is hedged or retried.
      policies: [
        ...(hedge !== null ? [hedge] : []),
        ...(p.num_retries > 0 ? [envoyRetry({ name: 'web-route', num_retries: p.num_retries, retry_on: ['timeout', 'unavailable', 'error'] })] : []),
      ],
      countAttempts: true,
    });

    // ── workload ────────────────────────────────────────────────────────────────
    const limpFromUs = LIMP_AT_MS * 1000;
    const latencyDuringLimp = new Histogram();
    let limpRequests = 0;
    let limpOk = 0;
    let firstBadMs: number | null = null;
    openLoop({
      name: 'users',
      from: 'lb',
      rate: p.ratePerSec,
      until: `${p.durationMs}ms`,
      call: route,
      deadline: `${p.timeoutMs}ms`,
      onOutcome(o, startUs) {
        if (startUs < limpFromUs) return;
        limpRequests++;
        if (o.ok) limpOk++;
        latencyDuringLimp.record(sim.now - startUs);
        if (firstBadMs === null && (!o.ok || sim.now - startUs > 100_000)) firstBadMs = Math.round(sim.now / 1000);
      },
    });

    return {
      metrics() {
        const lb = route.at('lb').loadBalancer!;
        const limping = lb.hosts.find((h) => h.id === LIMPING)!;
        const routed = lb.hosts.reduce((a, h) => a + h.requests, 0);
        return {
          requestsDuringLimp: limpRequests,
          availabilityDuringLimp: round(limpRequests === 0 ? 1 : limpOk / limpRequests),
          latencyMsP99DuringLimp: round(percentile(latencyDuringLimp, 0.99) / 1000),
          limpingNodeSharePct: round((100 * limping.requests) / Math.max(1, routed)),
          ejections: lb.ejectionsTotal.value,
          ejectionsOfHealthyHosts: lb.hosts.filter((h) => h.id !== LIMPING && h.ejections > 0).length,
          healthCheckFailures: lb.hcFailures.value,
          retriesPerRequest: round(requests.retries / Math.max(1, requests.requests)),
          hedgesPerRequest: round((hedge?.hedges.value ?? 0) / Math.max(1, requests.requests)),
          firstBadRequestAtMs: firstBadMs,
        };
      },
    };
  },
  checks: [
    {
      name: 'availability-during-limp',
      description: 'at least 99.9 % of the requests started after the limp began succeed within the route timeout',
      check({ metrics }) {
        const a = metrics.availabilityDuringLimp as number;
        return {
          status: a >= 0.999 ? 'ok' : 'fail',
          detail: `${(a * 100).toFixed(2)} % of ${metrics.requestsDuringLimp} requests succeeded; ${metrics.limpingNodeSharePct} % of tries went to the limping node`,
          firstFailedAtMs: a >= 0.999 ? null : (metrics.firstBadRequestAtMs as number | null),
        };
      },
    },
    {
      name: 'p99-during-limp',
      description: 'p99 latency of the requests started after the limp began stays under 100 ms (healthy p99 is ~15 ms)',
      check({ metrics }) {
        const v = metrics.latencyMsP99DuringLimp as number;
        return {
          status: v < 100 ? 'ok' : 'fail',
          detail: `p99 ${v.toFixed(1)} ms (SLO 100 ms); limping node served ${metrics.limpingNodeSharePct} % of tries, ejections ${metrics.ejections}`,
          firstFailedAtMs: v < 100 ? null : (metrics.firstBadRequestAtMs as number | null),
        };
      },
    },
    {
      name: 'no-healthy-host-ejected',
      description: 'outlier detection never ejects a healthy host (and no health check fails: the limp is invisible to it)',
      check({ metrics }) {
        const bad = metrics.ejectionsOfHealthyHosts as number;
        const hc = metrics.healthCheckFailures as number;
        return { status: bad === 0 && hc === 0 ? 'ok' : 'fail', detail: `${bad} healthy hosts ejected; ${hc} health-check failures` };
      },
    },
  ],
});

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
