/**
 * Chaos Monkey: random instance terminations behind a load balancer with health checks. With one
 * spare instance (N+1) nobody notices; sized exactly for the load (N), every kill is an outage.
 */
import { defineScenario, Histogram, percentile, chaosMonkey, randomPartitions, swarm } from 'faultline';

const WINDOW_MS = 5_000;
/** A window with fewer requests than this cannot fail the availability SLO (too little evidence). */
const WINDOW_REQUESTS_MIN = 100;
const AVAILABILITY_MIN = 0.99;
const P99_MAX_MS = 400;

/** The kinds the swarm variant draws its mixes from: what can happen to an instance and its links. */
/** Occurrences per enabled kind: 1, so a run holds one to five faults of different kinds. */
const SWARM_EVENTS_MAX = 1;
const SWARM_MIX = ['crash', 'pause', 'limp', 'link-latency', 'link-loss'];

const instanceNames = (n: number): string[] => Array.from({ length: n }, (_, i) => `web${i + 1}`);

export default defineScenario({
  name: 'chaos-monkey',
  title: 'Chaos Monkey: random instance kills behind a load balancer, N vs N+1',
  description: `
**What happens.** A web tier of identical instances sits behind a load balancer with active health
checks and retries. Each instance serves about 80 requests/s (2 cores, ~25 ms of CPU per request);
users send 180 requests/s. Chaos Monkey terminates a random instance now and then (here every
few seconds of simulated time instead of every few workdays); the auto-scaling group replaces it
after a while. The kills it chose are written into the run's fault plan, so every run replays.

**Why it matters.** An instance failure is not an exceptional event at scale, it is the weather.
The question Chaos Monkey asks is whether the service was *designed* for it:

- **N+1** (4 instances, 56 % busy): when one dies, outlier detection ejects it after five timed-out
  tries (well before its health check fails twice), those few requests are retried on another
  instance (Envoy \`retry_on\` timeouts with a \`per_try_timeout\`), and the three survivors run at
  75 %. Users see nothing.
- **N** (3 instances, 75 % busy: "capacity exactly at load", the fleet that passed the load test
  and was trimmed to save money): the two survivors get 112 % of what they can serve. Queues grow
  for as long as the instance is gone, requests wait past the route timeout, and availability falls
  in every window that contains a kill. It gets worse than the missing third of capacity explains:
  retries add load on top, and the survivors' timeouts look to outlier detection like a failing
  host, so it ejects one of them (\`max_ejection_percent\` 50 allows one of three). Chaos Monkey found
  a design that only works while nothing fails.
- **N+1 with health checks only**: the spare capacity is there, but the requests routed to the
  dead instance before its health check fails (two 1-s intervals) are simply lost: redundancy has to
  be paired with request-level failover (retries, and outlier detection that ejects a host after
  five failed tries in a row).

**Other nemeses.** Kills are one fault among many. \`n-plus-two-random-partitions\` cuts one
instance at a time off from the load balancer and the others (Jepsen's \`isolate\` partition, every
3 s on average, 3 s each): to the load balancer a cut-off instance looks dead, and it comes back
warm when the partition heals. Random partitions overlap with their recoveries (two healthy checks
before traffic returns), which is why this design has two spares; without retries and outlier
detection (\`--param num_retries=0 --param max_ejection_percent=0\`) every partition costs the
requests caught behind it. \`n-plus-two-swarm\` is swarm testing (Groce et al.): each seed enables
a random subset of {crash, pause, limp, slow link, lossy link} at its own intensity, so different
seeds stress different mixes instead of each getting a thin average of everything; the plan each
seed drew is in its result, and a sweep over seeds covers the mixes.

**What fixes it.** Run N+1 (or N+2 for deploys during failures) in every group, with health checks
and bounded retries in the load balancer, and *prove* it continuously by killing instances in
production: Netflix's Chaos Monkey, and the Principles of Chaos Engineering.

**What to try.** \`--param meanTimeBetweenKillsMs=2000\` overlaps kills (N+1 is not N+2);
\`--param downForMs=20000\` makes replacements slower; \`--param instances=6 --param ratePerSec=360\`.

References: Netflix Chaos Monkey, https://netflix.github.io/chaosmonkey/ (schedule semantics:
\`meanTimeBetweenKillsInWorkDays\`, \`minTimeBetweenKillsInWorkDays\`); Y. Izrailevsky and A. Tseitlin,
"The Netflix Simian Army" (2011), https://netflixtechblog.com/the-netflix-simian-army-16e57fbab116 ;
Principles of Chaos Engineering, https://principlesofchaos.org/ ; Jepsen nemeses,
https://github.com/jepsen-io/jepsen/blob/main/jepsen/src/jepsen/nemesis.clj ; A. Groce, C. Zhang,
E. Eide, Y. Chen, J. Regehr, "Swarm Testing", ISSTA 2012, https://doi.org/10.1145/2338965.2336763 ;
Envoy health checking and retries, https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/health_checking .
`.trim(),
  params: {
    instances: { type: 'number', default: 4, min: 1, max: 100, integer: true, description: 'web instances behind the load balancer' },
    ratePerSec: { type: 'number', default: 180, min: 1, max: 100_000, unit: '1/s', description: 'offered load (Poisson); one instance serves ~80/s' },
    durationMs: { type: 'number', default: 30_000, min: 10_000, max: 3_600_000, unit: 'ms', description: 'how long the workload runs' },
    meanTimeBetweenKillsMs: { type: 'number', default: 4_000, min: 100, max: 3_600_000, unit: 'ms', description: 'Chaos Monkey meanTimeBetweenKills (compressed from workdays)' },
    minTimeBetweenKillsMs: { type: 'number', default: 12_000, min: 0, max: 3_600_000, unit: 'ms', description: 'Chaos Monkey minTimeBetweenKills: at most one instance down at a time by default' },
    downForMs: { type: 'number', default: 4_000, min: 0, max: 3_600_000, unit: 'ms', description: 'until the auto-scaling group launches a replacement (which then boots for restartDelayMs)' },
    restartDelayMs: { type: 'number', default: 3_000, min: 0, max: 600_000, unit: 'ms', description: 'boot time of a replacement instance' },
    timeoutMs: { type: 'number', default: 1_000, min: 1, max: 60_000, unit: 'ms', description: 'Envoy route timeout (the whole request, retries included)' },
    per_try_timeoutMs: { type: 'number', default: 250, min: 1, max: 60_000, unit: 'ms', description: 'Envoy retry_policy.per_try_timeout (a terminated instance never answers)' },
    num_retries: { type: 'number', default: 2, min: 0, max: 5, integer: true, description: 'Envoy retry_policy.num_retries (retry_on: 5xx, reset, timeouts; budget 20 %)' },
    chaosMonkey: { type: 'boolean', default: true, description: 'Chaos Monkey kills instances (the default nemesis)' },
    partitionMeanIntervalMs: {
      type: 'number',
      default: 0,
      min: 0,
      max: 3_600_000,
      unit: 'ms',
      description: 'random partitions (Jepsen isolate): mean quiet time between partitions that cut one instance off from the load balancer and the others; 0 = none',
    },
    partitionDurationMs: { type: 'number', default: 3_000, min: 1, max: 3_600_000, unit: 'ms', description: 'how long each random partition lasts' },
    swarm: { type: 'boolean', default: false, description: 'swarm testing: each seed enables a random subset of fault kinds against the instances, at random intensities' },
    max_ejection_percent: {
      type: 'number',
      default: 50,
      min: 0,
      max: 100,
      unit: '%',
      description: 'Envoy outlier_detection.max_ejection_percent with consecutive_5xx 5 (0: no outlier detection, health checks alone)',
    },
  },
  variants: {
    'n-plus-one': {
      description: '4 instances for the load of 3 (one spare), health checks, 2 retries',
      params: { instances: 4 },
    },
    'exactly-n': {
      description: '3 instances: capacity exactly at the load, health checks, 2 retries',
      params: { instances: 3 },
      expectFail: ['availability-every-5s', 'p99-latency'],
    },
    'n-plus-one-health-checks-only': {
      description: '4 instances and active health checks, but no retries and no outlier detection: requests caught before detection are lost',
      params: { instances: 4, num_retries: 0, max_ejection_percent: 0 },
      expectFail: ['availability-every-5s'],
    },
    'n-plus-two-random-partitions': {
      description: '5 instances (two spare), 2 retries and outlier detection, under random partitions instead of kills: one instance at a time cut off for 3 s, every 3 s on average (Jepsen isolate)',
      params: { instances: 5, chaosMonkey: false, partitionMeanIntervalMs: 3_000 },
    },
    'n-plus-two-swarm': {
      description: '5 instances under swarm testing: each seed enables its own mix of a crash, a pause, a limp, a slow link and a lossy link',
      params: { instances: 5, chaosMonkey: false, swarm: true },
    },
  },
  // Chaos Monkey (sim/faults/nemesis.ts) writes its random choices into the plan: which instance,
  // when. Kills start after 5 s of warm-up and stop 5 s before the end so each outage is observed.
  faults: (p, random) => [
    ...(p.chaosMonkey
      ? chaosMonkey(random, {
          group: instanceNames(p.instances),
          meanTimeBetweenKills: `${p.meanTimeBetweenKillsMs}ms`,
          minTimeBetweenKills: `${p.minTimeBetweenKillsMs}ms`,
          period: `${Math.max(1, Math.round(p.meanTimeBetweenKillsMs / 2))}ms`,
          start: '5s',
          end: `${p.durationMs - 5_000}ms`,
          downFor: `${p.downForMs}ms`,
          scope: 'machine',
        })
      : []),
    // Random partitions (Jepsen's isolate nemesis over the instances): one instance at a time is
    // cut off from the others and from the load balancer, which stays on the majority side.
    ...(p.partitionMeanIntervalMs > 0
      ? randomPartitions(random, {
          nodes: instanceNames(p.instances),
          modes: ['isolate'],
          meanInterval: `${p.partitionMeanIntervalMs}ms`,
          duration: `${p.partitionDurationMs}ms`,
          start: '5s',
          end: `${p.durationMs - 5_000}ms`,
        }).map((e) => ({ ...e, groups: (e.groups as string[][]).map((g, i) => (i === 0 ? g : [...g, 'lb'])) }))
      : []),
    // Swarm testing: this seed's mix of kinds, aimed at the instances (never the load balancer).
    ...(p.swarm ? swarm(random, { nodes: instanceNames(p.instances), kinds: SWARM_MIX, start: '5s', end: `${p.durationMs - 5_000}ms`, eventsMaxPerKind: SWARM_EVENTS_MAX }) : []),
  ],
  faultKinds: ['crash', 'restart', 'zone-outage', 'partition'],
  keyMetrics: ['kills', 'availability', 'worstWindowAvailability', 'latencyMs.p99', 'retriesPerRequest', 'ejections', 'healthCheckFailures'],
  build({ sim, params: p, requests, faults, world, service, client, openLoop, envoyRetry, envoyRetryBudget }) {
    // ── components ──────────────────────────────────────────────────────────────
    // One load balancer host and the web instances (2 cores, ~25 ms of CPU per request: ~80/s).
    world({
      nodes: [{ name: 'lb', cores: 64 }],
      nodeDefaults: { cores: 2, serviceTime: { dist: 'lognormal', median: '22ms', sigma: 0.5 }, restartDelay: `${p.restartDelayMs}ms` },
      network: { latency: { dist: 'lognormal', median: '300us', sigma: 0.3 } },
    });
    const web = service('web', { nodes: instanceNames(p.instances), endpoints: { page: {}, health: { work: '1ms' } } });

    // ── wiring ──────────────────────────────────────────────────────────────────
    // Envoy at the edge. Its HTTP health check goes through the instance's cores like any request,
    // so a dead instance fails it (no answer) and so, under overload, may a live one. Passive
    // health: five timed-out tries in a row eject a host long before two health-check intervals
    // have passed (Envoy counts a per-try timeout as a gateway failure, a 5xx). Retries are bounded
    // by a retry budget whose min_retry_concurrency is raised from the default 3 to 10 because
    // this fleet serves 180 requests/s, not thousands: at the default, the budget (20 % of ~15
    // active requests) would refuse most of the retries a kill calls for.
    const route = client(web, 'page', {
      name: 'web',
      timeout: `${p.per_try_timeoutMs}ms`,
      loadBalancer: {
        lbPolicy: 'ROUND_ROBIN',
        healthCheck: { http_health_check: { path: 'health' }, interval: '1s', timeout: '500ms', unhealthy_threshold: 2, healthy_threshold: 2 },
        outlierDetection: p.max_ejection_percent > 0 ? { consecutive_5xx: 5, max_ejection_percent: p.max_ejection_percent, base_ejection_time: '30s', interval: '1s' } : undefined,
      },
      policies: p.num_retries > 0
        ? [envoyRetry({ name: 'web-route', num_retries: p.num_retries, retry_on: ['timeout', 'unavailable', 'error', 'no-healthy-upstream'], budget: envoyRetryBudget({ budget_percent: 20, min_retry_concurrency: 10 }) })]
        : [],
      countAttempts: true,
    });

    // ── workload ────────────────────────────────────────────────────────────────
    const windows: { requests: number; ok: number }[] = [];
    const okLatency = new Histogram();
    openLoop({
      name: 'users',
      from: 'lb',
      rate: p.ratePerSec,
      until: `${p.durationMs}ms`,
      call: route,
      deadline: `${p.timeoutMs}ms`,
      onOutcome(o, startUs) {
        const w = Math.floor(startUs / 1000 / WINDOW_MS);
        while (windows.length <= w) windows.push({ requests: 0, ok: 0 });
        windows[w]!.requests++;
        if (o.ok) {
          windows[w]!.ok++;
          okLatency.record(sim.now - startUs);
        }
      },
    });

    return {
      metrics() {
        const lb = route.at('lb').loadBalancer!;
        const judged = windows.map((w, i) => ({ startMs: i * WINDOW_MS, requests: w.requests, availability: w.requests === 0 ? 1 : w.ok / w.requests }));
        const worst = judged.filter((w) => w.requests >= WINDOW_REQUESTS_MIN).reduce((a, w) => Math.min(a, w.availability), 1);
        return {
          kills: faults.filter((f) => f.kind === 'crash').length,
          worstWindowAvailability: round(worst),
          windows: judged.map((w) => ({ startMs: w.startMs, requests: w.requests, availability: round(w.availability) })),
          okLatencyMsP99: round(percentile(okLatency, 0.99) / 1000),
          retriesPerRequest: round(requests.retries / Math.max(1, requests.requests)),
          healthCheckFailures: lb.hcFailures.value,
          ejections: lb.ejectionsTotal.value,
          noHealthyUpstream: lb.noHealthy.value,
        };
      },
    };
  },
  checks: [
    {
      name: 'availability-every-5s',
      description: `in every 5-s window (by request start, ≥ ${WINDOW_REQUESTS_MIN} requests) at least ${AVAILABILITY_MIN * 100} % of requests succeed`,
      check({ metrics }) {
        const ws = metrics.windows as { startMs: number; requests: number; availability: number }[];
        const bad = ws.filter((w) => w.requests >= WINDOW_REQUESTS_MIN && w.availability < AVAILABILITY_MIN);
        const worst = metrics.worstWindowAvailability as number;
        const kills = metrics.kills as number;
        if (bad.length === 0) {
          return { status: 'ok', detail: `worst window ${(worst * 100).toFixed(2)} % across ${kills} Chaos Monkey kills` };
        }
        const list = bad.map((w) => `[${w.startMs / 1000}s, ${(w.startMs + WINDOW_MS) / 1000}s) ${(w.availability * 100).toFixed(1)} %`).join(', ');
        return { status: 'fail', detail: `${bad.length} windows under ${AVAILABILITY_MIN * 100} % after ${kills} kills: ${list}`, firstFailedAtMs: bad[0]!.startMs };
      },
    },
    {
      name: 'p99-latency',
      description: `p99 latency over the whole run (every request, ok or not) stays under ${P99_MAX_MS} ms`,
      check({ metrics }) {
        const v = metrics.latencyMs.p99 as number;
        return {
          status: v < P99_MAX_MS ? 'ok' : 'fail',
          detail: `p99 ${v.toFixed(1)} ms (SLO ${P99_MAX_MS} ms), ${metrics.retriesPerRequest} retries per request, ${metrics.kills} kills`,
        };
      },
    },
  ],
});

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
