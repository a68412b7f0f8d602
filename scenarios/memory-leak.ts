/**
 * A memory leak behind a load balancer: OOM kills shift load to the survivors, which leak faster
 * and fall in turn. Proactive rolling restarts or more headroom keep the service up.
 */
import { defineScenario } from 'faultline';

const WINDOW_MS = 5_000;
const AVAILABILITY_MIN = 0.99;

export default defineScenario({
  name: 'memory-leak',
  title: 'Memory leak: OOM kills cascade through a fleet; rolling restarts vs headroom',
  description: `
**What happens.** Four instances behind a load balancer each leak a little memory with every
request they serve (a cache without eviction, a listener never removed). They were deployed at
slightly different times, so one reaches its container memory limit first and is OOM-killed. Its
traffic moves to the other three, which now serve a third more requests each and so leak a third
faster; the next one dies sooner, the last two faster still. Kubernetes restarts each killed
container, but with CrashLoopBackOff: a container that keeps dying waits 2×, 4×, 8× longer before
each restart, so capacity comes back ever more slowly while the leak keeps taking it away.

**Why it hurts.** The leak is proportional to load, and an instance failure raises the load on the
others: a positive feedback loop that turns a slow, per-instance problem into a fleet-wide outage.
This is the shape of the AWS EBS event of 22 October 2012, where a memory leak in a reporting
agent on storage servers degraded a whole Availability Zone (https://aws.amazon.com/message/680342/).

**What fixes it** (until the leak itself is fixed):

- **Proactive rolling restarts**: restart one instance at a time, drained first (its health check is
  failed on purpose so the load balancer stops sending to it), well before any can reach its limit.
  Memory is reset on restart, and the three others carry the load meanwhile (75 % busy).
- **More headroom**: a higher memory limit buys time to fix the leak, but only time:
  \`--param durationMs=600000\` with it shows the same cascade later.

The checks: no instance is OOM-killed, and every 5-s window keeps 99 % availability.

References: Kubernetes container restart policy and CrashLoopBackOff,
https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#restart-policy ; AWS,
"Summary of the October 22, 2012 AWS Service Event in the US-East Region", https://aws.amazon.com/message/680342/ .
`.trim(),
  params: {
    instances: { type: 'number', default: 4, min: 2, max: 50, integer: true, description: 'web instances behind the load balancer' },
    ratePerSec: { type: 'number', default: 90, min: 1, max: 10_000, unit: '1/s', description: 'offered load (Poisson); one instance serves ~40/s' },
    durationMs: { type: 'number', default: 70_000, min: 20_000, max: 3_600_000, unit: 'ms', description: 'how long the workload runs' },
    leakMbPerRequest: { type: 'number', default: 1, min: 0, max: 1000, unit: 'MiB', description: 'memory leaked per request served (freed only by a restart)' },
    memoryLimitMb: { type: 'number', default: 1024, min: 64, max: 1_048_576, unit: 'MiB', description: 'container memory limit (exceeding it is an OOM kill)' },
    deployStaggerMb: { type: 'number', default: 100, min: 0, max: 100_000, unit: 'MiB', description: 'instance i starts with i × this already leaked (staggered deploys)' },
    restartDelayMs: { type: 'number', default: 3_000, min: 0, max: 600_000, unit: 'ms', description: 'container start time; CrashLoopBackOff doubles it per consecutive crash' },
    rollingRestartEveryMs: { type: 'number', default: 0, min: 0, max: 3_600_000, unit: 'ms', description: 'proactive restarts: one instance every this long, oldest first (0: none)' },
    drainMs: { type: 'number', default: 1_500, min: 0, max: 600_000, unit: 'ms', description: 'time between failing an instance’s health check and restarting it' },
  },
  variants: {
    'no-mitigation': {
      description: 'the leak runs its course: OOM kill, load shift, cascade, CrashLoopBackOff',
      expectFail: ['no-oom-kill', 'availability-every-5s'],
    },
    'rolling-restarts': {
      description: 'one instance drained and restarted every 5 s, so each is restarted every 20 s',
      params: { rollingRestartEveryMs: 5_000 },
    },
    'more-headroom': {
      description: 'memory limit 4 GiB instead of 1 GiB: no OOM within the run (the leak is still there)',
      params: { memoryLimitMb: 4096 },
    },
  },
  // The leak is the fault: it is in the code, not injected. Crashes and pauses can be explored on top.
  faults: [],
  faultKinds: ['crash', 'pause', 'oom'],
  keyMetrics: ['oomKills', 'proactiveRestarts', 'availability', 'worstWindowAvailability', 'peakMemoryMb', 'firstOomAtMs', 'retriesPerRequest'],
  build({ sim, params: p, requests, world: makeWorld, service, client, openLoop, every, after, envoyRetry, envoyRetryBudget }) {
    const names = Array.from({ length: p.instances }, (_, i) => `web${i + 1}`);
    const untilDuration = (interval: string, fn: () => void): void => {
      const t = every(interval, () => (fn(), sim.now >= p.durationMs * 1000 && t.stop()));
    };

    // ── components ──────────────────────────────────────────────────────────────
    // Instances: 2 cores, ~50 ms of CPU per request (~40/s), a 1 GiB container limit, restarted by
    // Kubernetes after an OOM kill with CrashLoopBackOff (the node model implements it).
    const world = makeWorld({
      nodes: [{ name: 'lb', cores: 64, memoryLimitMb: 65_536 }, ...names],
      nodeDefaults: {
        cores: 2,
        serviceTime: { dist: 'lognormal', median: '44ms', sigma: 0.5 },
        memoryLimitMb: p.memoryLimitMb,
        memoryBaseMb: 256,
        restartDelay: `${p.restartDelayMs}ms`,
      },
      network: { latency: { dist: 'lognormal', median: '300us', sigma: 0.3 } },
    });
    // Every request served leaks: the handler allocates and never frees. The health endpoint is
    // served outside the worker pool (an admin port).
    const web = service('web', {
      nodes: names,
      workers: 4,
      acceptQueueMax: 8,
      endpoints: {
        page: { handler: (h, done) => (h.node.allocate(p.leakMbPerRequest), done({ ok: true, error: '', latencyUs: 0 })) },
        health: { work: '1ms', workers: false },
      },
    });
    // Staggered deploys: instance i has already leaked i × deployStaggerMb.
    names.forEach((n, i) => world.node(n).allocate(i * p.deployStaggerMb));

    let oomKills = 0;
    let firstOomUs: number | null = null;
    let peakMemoryMb = 0;
    for (const n of names) {
      world.node(n).onCrash((reason) => {
        if (reason !== 'oom') return;
        oomKills++;
        firstOomUs ??= sim.now;
      });
    }

    // ── wiring ──────────────────────────────────────────────────────────────────
    // A draining instance fails its health check on purpose (Kubernetes: readiness fails after SIGTERM).
    const draining = new Set<string>();
    // Envoy in front: round robin over healthy instances, a 300 ms per-try timeout, two retries
    // under a retry budget (min_retry_concurrency raised from 3 for a fleet this small, see chaos-monkey)
    const route = client(web, 'page', {
      name: 'web',
      loadBalancer: {
        lbPolicy: 'ROUND_ROBIN',
        healthy_panic_threshold: 0,
        healthCheck: {
          http_health_check: { path: 'health' },
          probe: (ep, done, check) => (draining.has(ep.id) ? done(false) : check(ep, done)),
          interval: '1s',
          timeout: '500ms',
          unhealthy_threshold: 1,
          healthy_threshold: 1,
        },
      },
      timeLimiter: { timeoutDurationMs: 300 },
      policies: [
        envoyRetry({
          name: 'web-route',
          num_retries: 2,
          retry_on: ['timeout', 'unavailable', 'error', 'shed', 'no-healthy-upstream'],
          budget: envoyRetryBudget({ budget_percent: 20, min_retry_concurrency: 10 }),
        }),
      ],
      countAttempts: true,
    });

    // Proactive rolling restarts: every rollingRestartEveryMs, drain the instance with the most
    // memory in use, then restart it (memory is reset), one at a time.
    let proactiveRestarts = 0;
    if (p.rollingRestartEveryMs > 0) {
      untilDuration(`${p.rollingRestartEveryMs}ms`, () => {
        const live = names.filter((n) => world.node(n).serving && !draining.has(n));
        if (live.length < names.length) return;
        const target = live.reduce((a, b) => (world.node(b).memoryUsedMb() > world.node(a).memoryUsedMb() ? b : a));
        draining.add(target);
        after(`${p.drainMs}ms`, () => {
          proactiveRestarts++;
          world.node(target).restart('proactive rolling restart');
          draining.delete(target);
        });
      });
    }
    // memory sampling for the peak (the node model computes usage on demand)
    const sample = (): void => {
      for (const n of names) peakMemoryMb = Math.max(peakMemoryMb, world.node(n).alive ? world.node(n).memoryUsedMb() : 0);
    };
    sample();
    untilDuration('500ms', sample);

    // ── workload ────────────────────────────────────────────────────────────────
    const windows: { requests: number; ok: number }[] = [];
    openLoop({
      name: 'users',
      from: 'lb',
      rate: p.ratePerSec,
      until: `${p.durationMs}ms`,
      call: route,
      deadline: '1s',
      onOutcome(o, startUs) {
        const w = Math.floor(startUs / 1000 / WINDOW_MS);
        while (windows.length <= w) windows.push({ requests: 0, ok: 0 });
        windows[w]!.requests++;
        if (o.ok) windows[w]!.ok++;
      },
    });

    return {
      untilUs: (p.durationMs + 1_100) * 1000,
      metrics() {
        const judged = windows.map((w, i) => ({ startMs: i * WINDOW_MS, requests: w.requests, availability: w.requests ? w.ok / w.requests : 1 }));
        const worst = judged.filter((w) => w.requests >= 100).reduce((a, w) => Math.min(a, w.availability), 1);
        return {
          oomKills,
          firstOomAtMs: firstOomUs === null ? null : Math.round(firstOomUs / 1000),
          proactiveRestarts,
          peakMemoryMb: Math.round(peakMemoryMb),
          worstWindowAvailability: Math.round(worst * 1000) / 1000,
          windows: judged.map((w) => ({ ...w, availability: Math.round(w.availability * 1000) / 1000 })),
          retriesPerRequest: Math.round((requests.retries / Math.max(1, requests.requests)) * 1000) / 1000,
        };
      },
    };
  },
  checks: [
    {
      name: 'no-oom-kill',
      description: 'no instance reaches its memory limit',
      check({ metrics, params }) {
        const k = metrics.oomKills as number;
        if (k === 0) return { status: 'ok', detail: `peak ${metrics.peakMemoryMb} MiB of ${params.memoryLimitMb} MiB; ${metrics.proactiveRestarts} proactive restarts` };
        return { status: 'fail', detail: `${k} OOM kills, the first at ${((metrics.firstOomAtMs as number) / 1000).toFixed(1)} s`, firstFailedAtMs: metrics.firstOomAtMs as number };
      },
    },
    {
      name: 'availability-every-5s',
      description: `every 5-s window (≥ 100 requests) keeps ${AVAILABILITY_MIN * 100} % availability`,
      check({ metrics }) {
        const ws = metrics.windows as { startMs: number; requests: number; availability: number }[];
        const bad = ws.filter((w) => w.requests >= 100 && w.availability < AVAILABILITY_MIN);
        if (bad.length === 0) return { status: 'ok', detail: `worst window ${((metrics.worstWindowAvailability as number) * 100).toFixed(1)} %` };
        return {
          status: 'fail',
          detail: `${bad.length} windows under ${AVAILABILITY_MIN * 100} %, worst ${((metrics.worstWindowAvailability as number) * 100).toFixed(1)} %, after ${metrics.oomKills} OOM kills`,
          firstFailedAtMs: bad[0]!.startMs,
        };
      },
    },
  ],
});
