/**
 * A zone outage: one of three availability zones loses power. Statically stable capacity holds;
 * reactive autoscaling recovers after its delay; a fleet sized for the load overloads for as long
 * as the zone is gone.
 */
import { defineScenario } from 'faultline';
import type { ScalableTarget } from 'faultline/patterns';

const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
const FAILED_ZONE = 'us-east-1a';
/** Instances provisioned per zone (at least): the ones running plus a pool the autoscaler may launch. */
const SLOTS_PER_ZONE = 3;
const OUTAGE_AT_MS = 10_000;
const OUTAGE_MS = 60_000;
/** The last stretch of the outage, by when the service must have settled on two zones. */
const SETTLED_MS = 15_000;
/** Mean CPU time per request (lognormal, median 44 ms, σ 0.5: mean ≈ 50 ms). */
const SERVICE_MEAN_US = 44_000 * Math.exp(0.125);
const CORES = 2;

export default defineScenario({
  name: 'zone-outage',
  title: 'Zone outage: static stability vs autoscaling vs no spare',
  description: `
**What happens.** A web service runs in three availability zones behind a zone-aware load balancer
with health checks and retries. Each instance serves about 40 requests/s; users
send 90/s. At 10 s, \`us-east-1a\` loses power for 60 s: every instance in it stops at once.

**Why it hurts.** A zone is a unit of *correlated* failure: losing one takes a third of the
capacity at once. A fleet of three instances, one per zone, runs at 75 % busy: fine, until the two
survivors are asked for 112 % of what they can serve. Their queues grow for as long as the zone is
down, requests time out, retries add load, and the outage of one zone becomes an outage of the
service.

**What fixes it.**

- **Static stability** (AWS Builders' Library): provision every zone so that the others can carry the
  whole load *without doing anything* when one disappears: with three zones, 150 % of peak (here two
  instances per zone). When the zone fails, the survivors go from 37 % to 56 % busy. Nothing has to
  be launched, so nothing depends on a control plane that may itself be impaired by the same event.
- **Autoscaling** (a Kubernetes HorizontalPodAutoscaler on CPU, target 80 %) gets there too, but only
  after its sync period (15 s) notices the overload and the new pod passes readiness (20 s). The
  service is degraded in between, then holds on two zones.
- **Target tracking** (an EC2 Auto Scaling group with a target tracking policy on average CPU,
  target 50 %, evaluated every minute, 60-s instance warm-up and 60-s boot; variant
  \`target-tracking\`, with a 4-minute outage) is the same idea on AWS's clock: desired capacity =
  ceil(in-service instances × CPU / target), scale-out at once to it, counting instances still
  warming up as capacity so it does not launch them twice. The first evaluation after the outage
  sees the survivors saturated and asks for four instances; they serve a minute later, and once
  warmed up their 56 % average is still above target, so a fifth follows. The service is degraded
  for about two minutes, then holds on two zones: a zone that stays down for minutes is the case
  reactive scaling is for.
- **Neither**: the survivors stay overloaded for the whole outage.

**Modelling notes.** Each instance has 4 worker threads and an accept queue of 8 (a 503 beyond
it), honours the per-try deadline, and answers health checks on a separate admin port; without
these, the overload turns into a metastable failure that outlives the outage even after new capacity
arrives (see \`retry-storm\`). The autoscaler's pool is pre-provisioned nodes that fail readiness until
launched, so the load balancer's panic threshold is off (Envoy's default 50 % would otherwise send
traffic to them). Pods of the failed zone leave the HPA's count at once (Kubernetes keeps them for
\`tolerationSeconds\` but they have no metrics and serve nothing); new pods go to the live zones,
as a topology spread constraint with a dead zone's nodes NotReady would place them.

References: AWS Builders' Library, "Static stability using Availability Zones" (B. Brooker and
D. Kumar), https://aws.amazon.com/builders-library/static-stability-using-availability-zones/ ;
Kubernetes HorizontalPodAutoscaler, https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/ ;
AWS, "Summary of the Amazon EC2 and Amazon RDS Service Disruption in the US East Region" (2011),
https://aws.amazon.com/message/65648/ .
`.trim(),
  params: {
    instancesPerZone: { type: 'number', default: 2, min: 1, max: 8, integer: true, description: 'instances running in each zone before the outage' },
    autoscaling: { type: 'boolean', default: false, description: 'a Kubernetes HPA on CPU utilization (target 80 %, sync 15 s)' },
    targetTracking: {
      type: 'boolean',
      default: false,
      description: 'an EC2 Auto Scaling target tracking policy on average CPU utilization (instead of the HPA)',
    },
    targetValue: { type: 'number', default: 50, min: 1, max: 100, unit: '%', description: 'target tracking: the average CPU utilization to keep' },
    evaluationPeriodMs: { type: 'number', default: 60_000, min: 1000, max: 3_600_000, unit: 'ms', description: 'target tracking: time between evaluations (CloudWatch 1-minute metrics)' },
    estimatedInstanceWarmupMs: { type: 'number', default: 60_000, min: 0, max: 3_600_000, unit: 'ms', description: 'target tracking: EstimatedInstanceWarmup, after readiness, before a new instance counts in the average' },
    outageMs: { type: 'number', default: OUTAGE_MS, min: 20_000, max: 3_600_000, unit: 'ms', description: 'how long the zone stays down (default fault plan)' },
    readinessDelayMs: { type: 'number', default: 20_000, min: 0, max: 600_000, unit: 'ms', description: 'from the HPA’s decision to a new pod passing readiness (schedule, pull, start)' },
    ratePerSec: { type: 'number', default: 90, min: 1, max: 10_000, unit: '1/s', description: 'offered load (Poisson); one instance serves ~40/s' },
    timeoutMs: { type: 'number', default: 1_000, min: 1, max: 60_000, unit: 'ms', description: 'Envoy route timeout (retries included)' },
  },
  variants: {
    'static-stability': {
      description: 'two instances per zone (150 % of peak): losing a zone leaves enough, with no action',
      params: { instancesPerZone: 2 },
    },
    autoscaling: {
      description: 'one instance per zone (75 % busy) and an HPA that adds pods after the outage',
      params: { instancesPerZone: 1, autoscaling: true },
      expectFail: ['availability-during-outage'],
    },
    'no-spare': {
      description: 'one instance per zone (75 % busy), no autoscaling: the survivors stay overloaded',
      params: { instancesPerZone: 1 },
      expectFail: ['availability-during-outage', 'settled-on-two-zones'],
    },
    'target-tracking': {
      description: 'one instance per zone and an EC2 Auto Scaling target tracking policy (CPU 50 %, 1-min evaluations, 60-s boot and warm-up); a 4-min outage',
      params: { instancesPerZone: 1, targetTracking: true, readinessDelayMs: 60_000, outageMs: 240_000 },
      expectFail: ['availability-during-outage'],
    },
  },
  faults: (p) => [{ at: `${OUTAGE_AT_MS}ms`, kind: 'zone-outage', zone: FAILED_ZONE, mode: 'power', for: `${p.outageMs}ms` }],
  faultKinds: ['zone-outage', 'crash', 'partition'],
  keyMetrics: ['availabilityDuringOutage', 'availabilitySettled', 'latencyMs.p99', 'retriesPerRequest', 'podsAtEnd', 'scaleUps', 'costPerHourUsd'],
  build({ sim, params: p, requests, world: makeWorld, service, client, openLoop, envoyRetry, envoyRetryBudget, horizontalPodAutoscaler, targetTracking }) {
    const perZone = Math.max(SLOTS_PER_ZONE, p.instancesPerZone);
    const slots = ZONES.flatMap((z, zi) => Array.from({ length: perZone }, (_, i) => ({ zone: z, name: `web-${'abc'[zi]}${i + 1}` })));

    // ── components ──────────────────────────────────────────────────────────────
    // Which slots run a pod from the start; the rest are the autoscaler's pool, paid for only once
    // launched (the cost model bills a node while it is billed).
    const running = new Set(ZONES.flatMap((z) => slots.filter((x) => x.zone === z).slice(0, p.instancesPerZone).map((x) => x.name)));
    const world = makeWorld({
      nodes: [
        { name: 'lb', cores: 64, zone: 'us-east-1b', instanceType: 'alb' },
        ...slots.map((s) => ({ name: s.name, zone: s.zone, instanceType: 'm5.large', billed: running.has(s.name) })),
      ],
      nodeDefaults: { cores: CORES, serviceTime: { dist: 'lognormal', median: '44ms', sigma: 0.5 } },
      network: { latency: { dist: 'lognormal', median: '300us', sigma: 0.3 } },
      links: [{ from: 'zone:us-east-1a', to: 'zone:us-east-1b', latency: '1ms' }, { from: 'zone:us-east-1a', to: 'zone:us-east-1c', latency: '1ms' }, { from: 'zone:us-east-1b', to: 'zone:us-east-1c', latency: '1ms' }],
    });
    const names = slots.map((s) => s.name);
    // Which slots run a pod, and since when it is ready. A pod is launched into a live zone with
    // the fewest pods (topology spread); it passes readiness after readinessDelayMs.
    const readyAtUs = new Map<string, number>();
    for (const n of running) readyAtUs.set(n, 0);
    const isReady = (n: string): boolean => world.node(n).alive && (readyAtUs.get(n) ?? Infinity) <= sim.now;
    const pods: ScalableTarget = {
      get replicas() {
        return [...readyAtUs.keys()].filter((n) => world.node(n).alive).length;
      },
      get readyReplicas() {
        return [...readyAtUs.keys()].filter(isReady).length;
      },
      // in service: ready, and past the warm-up (target tracking's EstimatedInstanceWarmup)
      inService: (warmupUs) => [...readyAtUs.keys()].filter((n) => isReady(n) && readyAtUs.get(n)! + warmupUs <= sim.now).length,
      setReplicas(n) {
        while (this.replicas < n) {
          const free = slots.filter((s) => !readyAtUs.has(s.name) && world.node(s.name).alive);
          if (free.length === 0) return;
          const podsIn = (z: string): number => [...readyAtUs.keys()].filter((x) => world.node(x).zone === z && world.node(x).alive).length;
          free.sort((a, b) => podsIn(a.zone) - podsIn(b.zone));
          readyAtUs.set(free[0]!.name, sim.now + p.readinessDelayMs * 1000);
          world.setBilled(free[0]!.name, true);
        }
      },
    };

    // Four worker threads per instance (2 per core) and an accept queue of 8 (Tomcat's maxThreads
    // and acceptCount): beyond it an instance answers 503 at once instead of queueing work that
    // would wait past the caller's timeout; a request whose deadline passed while it waited for a
    // thread is dropped, not served (gRPC semantics). The health endpoint is served outside the
    // thread pool (an admin port), so a busy instance still answers it; a dead one does not.
    const web = service('web', { nodes: names, workers: 4, acceptQueueMax: 8, endpoints: { page: {}, health: { work: '1ms', workers: false } } });

    // ── wiring ──────────────────────────────────────────────────────────────────
    // Envoy at the edge: round robin over ready instances, two retries under a retry budget
    // (min_retry_concurrency raised from 3 for a fleet this small, see chaos-monkey). Each try
    // carries its own deadline (Envoy's per_try_timeout, sent to the server as
    // x-envoy-expected-rq-timeout-ms; gRPC servers see it as the call's deadline), so an instance
    // drops a request that waited for a thread past it instead of serving a caller who has left.
    const route = client(web, 'page', {
      name: 'web',
      loadBalancer: {
        lbPolicy: 'ROUND_ROBIN',
        healthy_panic_threshold: 0,
        // readiness: a slot without a ready pod fails its check without a request; a ready pod must answer
        healthCheck: {
          http_health_check: { path: 'health' },
          probe: (ep, done, check) => ((readyAtUs.get(ep.id) ?? Infinity) <= sim.now ? check(ep, done) : done(false)),
          interval: '1s',
          timeout: '500ms',
          unhealthy_threshold: 2,
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

    // The HPA's metric: CPU utilization of the ready pods over the last sync period, from the
    // requests they completed (metrics-server reports a CPU average in the same way).
    let lastSampleUs = 0;
    const lastCompleted = new Map(names.map((n) => [n, 0]));
    // Target tracking averages over in-service instances only (warming ones are left out).
    const cpuUtilization = (warmupUs = 0): number => {
      const elapsed = Math.max(1, sim.now - lastSampleUs);
      let busy = 0;
      let ready = 0;
      for (const n of names) {
        const node = world.node(n);
        const done = node.completed - (lastCompleted.get(n) ?? 0);
        lastCompleted.set(n, node.completed);
        if (!isReady(n) || readyAtUs.get(n)! + warmupUs > sim.now) continue;
        ready++;
        busy += Math.min(1, (done * SERVICE_MEAN_US) / (CORES * elapsed));
      }
      lastSampleUs = sim.now;
      return ready === 0 ? 0 : (100 * busy) / ready;
    };
    if (p.autoscaling) {
      horizontalPodAutoscaler({ name: 'web', node: 'lb', target: pods, metric: () => cpuUtilization(), targetAverageUtilization: 80, minReplicas: 1, maxReplicas: slots.length, syncPeriod: '15s' });
    }
    if (p.targetTracking) {
      // ASGAverageCPUUtilization over the in-service instances; scale-in is left at its default
      // (300-s cooldown), which this run never reaches.
      targetTracking({
        name: 'web',
        node: 'lb',
        target: pods,
        metric: () => cpuUtilization(p.estimatedInstanceWarmupMs * 1000),
        targetValue: p.targetValue,
        minCapacity: 1,
        maxCapacity: slots.length,
        evaluationPeriodMs: p.evaluationPeriodMs,
        estimatedInstanceWarmupMs: p.estimatedInstanceWarmupMs,
      });
    }

    // ── workload ────────────────────────────────────────────────────────────────
    const durationMs = OUTAGE_AT_MS + p.outageMs;
    const outage = { requests: 0, ok: 0, firstFailMs: null as number | null };
    const settled = { requests: 0, ok: 0, firstFailMs: null as number | null };
    let scaleUps = 0;
    let lastReplicas = pods.replicas;
    openLoop({
      name: 'users',
      from: 'lb',
      rate: p.ratePerSec,
      until: `${durationMs}ms`,
      call: route,
      deadline: `${p.timeoutMs}ms`,
      onOutcome(o, startUs) {
        const tMs = startUs / 1000;
        if (pods.replicas > lastReplicas) scaleUps++;
        lastReplicas = pods.replicas;
        for (const [w, from] of [[outage, OUTAGE_AT_MS], [settled, durationMs - SETTLED_MS]] as const) {
          if (tMs < from) continue;
          w.requests++;
          if (o.ok) w.ok++;
          else w.firstFailMs ??= Math.round(tMs);
        }
      },
    });

    return {
      untilUs: (durationMs + p.timeoutMs + 100) * 1000,
      metrics: () => ({
        requestsDuringOutage: outage.requests,
        availabilityDuringOutage: round(outage.requests ? outage.ok / outage.requests : 1),
        firstFailureDuringOutageMs: outage.firstFailMs,
        requestsSettled: settled.requests,
        availabilitySettled: round(settled.requests ? settled.ok / settled.requests : 1),
        firstFailureSettledMs: settled.firstFailMs,
        retriesPerRequest: round(requests.retries / Math.max(1, requests.requests)),
        podsAtEnd: pods.readyReplicas,
        scaleUps,
      }),
    };
  },
  checks: [
    {
      name: 'availability-during-outage',
      description: 'at least 99 % of the requests started while the zone is down succeed',
      check({ metrics, params }) {
        const a = metrics.availabilityDuringOutage as number;
        return {
          status: a >= 0.99 ? 'ok' : 'fail',
          detail: `${(a * 100).toFixed(2)} % of ${metrics.requestsDuringOutage} requests during the ${(params.outageMs as number) / 1000}-s outage of ${FAILED_ZONE}`,
          firstFailedAtMs: a >= 0.99 ? null : (metrics.firstFailureDuringOutageMs as number | null),
        };
      },
    },
    {
      name: 'settled-on-two-zones',
      description: `in the last ${SETTLED_MS / 1000} s of the outage the service holds on two zones: ≥ 99.9 % of requests succeed`,
      check({ metrics }) {
        const a = metrics.availabilitySettled as number;
        return {
          status: a >= 0.999 ? 'ok' : 'fail',
          detail: `${(a * 100).toFixed(2)} % of ${metrics.requestsSettled} requests in the last ${SETTLED_MS / 1000} s of the outage; ${metrics.podsAtEnd} pods ready at the end`,
          firstFailedAtMs: a >= 0.999 ? null : (metrics.firstFailureSettledMs as number | null),
        };
      },
    },
  ],
});

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
