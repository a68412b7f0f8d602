/**
 * Metastable retries: stability-sim's `metastable-retry` example on faultline's public API. Two
 * servers that are 70% busy, a client that retries every failure at once, and five seconds in
 * which one server rejects everything: the overload outlives its trigger for good. A retry budget
 * lets the system recover.
 *
 *   client ──retry ×3, round robin──► server-1   5 slots, FIFO ≤ 10,000, exp(100 ms)
 *   70 req/s, open loop, 1 s timeout  server-2   5 slots, FIFO ≤ 10,000, exp(100 ms)
 *                                     server-1 rejects every arrival from t = 5 s to 10 s
 */
import { defineScenario } from 'faultline';
import { checkRecovery, lastHealUs, sloWindows } from 'faultline/check';
import { okOutcome } from 'faultline/patterns';

/** A window recovered when at least this share of its requests succeeded. */
const AVAILABILITY_MIN = 0.99;
/** After the recovery deadline, at most this many attempts per client request reach the servers. */
const ATTEMPTS_PER_REQUEST_MAX = 1.2;

export default defineScenario({
  name: 'metastable-retry',
  title: 'Metastable retries: five seconds of rejections, overloaded for good',
  description: `
**What happens.** One client sends 70 requests/s (open loop, Poisson) to two servers, round
robin. Each server has 5 slots and serves a request in 100 ms on average (exponential), so the
pair can serve 2 × 5 / 0.1 s = 100 requests/s: 70% busy, every request answered in about 100 ms.
The client gives each attempt 1 s (a socket timeout the server is not told about) and retries any
failure at once, up to 3 times. At t = 5 s a bad config makes server-1 reject every request for
5 seconds. Its rejections are retried on server-2, which now receives all 70 requests/s against a
capacity of 50: its queue grows by 20 a second, and after 2.5 s the wait passes the 1 s timeout.
From then on every attempt that waited too long is retried, while the server still serves it for
nobody. When server-1 comes back at t = 10 s the client is sending up to 4 attempts per request,
about 280/s against a capacity of 100: both queues fill up to their 10,000 places, every answer
comes back after its caller gave up, and goodput stays at zero to the end of the run, although the
offered load is the 70/s both servers served without an error before the trigger. (A five-second
trigger is close to the edge: on about 2 seeds in 100, 31 and 51 among the first hundred, server-2's
queue stays short enough that the system recovers; with \`--param triggerForMs=6000\` none of seeds
1..200 does.)

**Why.** A *metastable failure* (Bronson et al.): at the same offered load the system has a good
and a bad stable state. The trigger (five seconds of rejections) moves it to the bad one; the
retries are the sustaining effect, which only happens in the bad state and keeps it there.
Removing the trigger does not help; removing the sustaining effect does.

**What fixes it.** A retry budget (variant \`retry-budget\`: gRPC \`retryThrottling\`; a failed
attempt costs a token, a success returns \`tokenRatio\`, and retries stop while the tokens are at
or below half of \`maxTokens\`). While server-1 rejects, half of the first tries fail and the
budget soon stops the retries: those requests fail instead of piling onto server-2, which stays
below its capacity. The servers never see more than the offered load plus a few retries, and the
system is healthy again as soon as server-1 is. (Backoff alone would not do: in an open system the
retries still come, only later; see the \`retry-storm\` scenario.)

**What to look at.** In the table: availability and goodput after the trigger, the attempts per
request the servers see, and the queues at the end. In the report: first tries vs retries, and the
two queues that keep growing after the trigger ends.

**References.**
M. Brooker, stability-sim, example "Metastable Failure (Retry Storm)",
https://github.com/marcbrooker/stability-sim;
N. Bronson, A. Aghayev, A. Charapko, T. Zhu, "Metastable Failures in Distributed Systems",
HotOS 2021, https://sigops.org/s/conferences/hotos/2021/papers/hotos21-s11-bronson.pdf;
M. Brooker, "Timeouts, retries, and backoff with jitter", Amazon Builders' Library,
https://aws.amazon.com/builders-library/timeouts-retries-and-backoff-with-jitter/;
gRFC A6 client retries (retry throttling), https://github.com/grpc/proposal/blob/master/A6-client-retries.md.
`.trim(),
  params: {
    offeredLoadPerSec: { type: 'number', default: 70, min: 1, max: 100_000, unit: '1/s', description: 'client requests per second (open loop, Poisson)' },
    servers: { type: 'number', default: 2, min: 1, max: 64, integer: true, description: 'servers behind the round-robin client' },
    slotsPerServer: { type: 'number', default: 5, min: 1, max: 1024, integer: true, description: 'requests a server serves at once' },
    serviceTimeMs: { type: 'number', default: 100, min: 0.01, max: 60_000, unit: 'ms', description: 'mean service time (exponential)' },
    queueMax: { type: 'number', default: 10_000, min: 0, max: 1_000_000, integer: true, description: 'places in each server’s FIFO queue; a full queue rejects' },
    timeoutMs: { type: 'number', default: 1000, min: 1, max: 600_000, unit: 'ms', description: 'per-attempt timeout (the server is not told)' },
    attemptsMax: { type: 'number', default: 4, min: 1, max: 10, integer: true, description: 'attempts per request, including the first (immediate retries on any failure)' },
    retryThrottling: { type: 'boolean', default: false, description: 'gRPC retryThrottling (a retry budget) on the client' },
    maxTokens: { type: 'number', default: 10, min: 1, max: 1000, description: 'gRPC retryThrottling.maxTokens: retries stop at or below maxTokens / 2' },
    tokenRatio: { type: 'number', default: 0.1, min: 0.001, max: 1000, description: 'gRPC retryThrottling.tokenRatio: tokens regained per successful attempt' },
    triggerAtMs: { type: 'number', default: 5000, min: 0, max: 3_600_000, unit: 'ms', description: 'when server-1 starts to reject (default fault plan)' },
    triggerForMs: { type: 'number', default: 5000, min: 1, max: 3_600_000, unit: 'ms', description: 'how long it rejects (default fault plan)' },
    recoveryWithinMs: { type: 'number', default: 10_000, min: 0, max: 3_600_000, unit: 'ms', description: 'time allowed to recover after the last fault ends' },
    durationMs: { type: 'number', default: 60_000, min: 1000, max: 36_000_000, unit: 'ms', description: 'how long the client sends requests' },
  },
  variants: {
    'immediate-retries': {
      description: 'stability-sim’s client: 3 immediate retries on any failure; the overload outlives the trigger',
      expectFail: ['recovers-after-trigger', 'load-bounded'],
    },
    'retry-budget': {
      description: 'the same retries under gRPC retry throttling: they stop while most attempts fail',
      params: { retryThrottling: true },
    },
  },

  build({ sim, params: p, metrics, requests, faults, world, service, client, openLoop, every, constantBackoff, grpcRetryThrottling }) {
    const endUs = p.durationMs * 1000;
    const afterUs = lastHealUs(faults) + p.recoveryWithinMs * 1000;

    // ---- components: a client and the servers, over hops that take no time ----
    world({ network: { latency: '0ms' } });
    let servedAfter = 0;
    const servers = service('server', {
      replicas: p.servers,
      node: { cores: p.slotsPerServer, queueMax: p.queueMax, serviceTime: { dist: 'exponential', mean: `${p.serviceTimeMs}ms` } },
      endpoints: { get: { handler: (_h, done) => (sim.now >= afterUs && sim.now < endUs && servedAfter++, done(okOutcome(0))) } },
    });

    // ---- wiring: round robin (the client's default picker), a timeout, immediate retries ----
    const get = client(servers, 'get', {
      timeout: `${p.timeoutMs}ms`,
      countAttempts: true,
      retry: {
        attemptsMax: p.attemptsMax,
        backoff: constantBackoff({ delayMs: 0 }),
        ...(p.retryThrottling ? { budget: grpcRetryThrottling({ maxTokens: p.maxTokens, tokenRatio: p.tokenRatio }) } : {}),
      },
    });

    // ---- workload: open loop, so arrivals do not slow down when the servers do ----
    openLoop({ rate: p.offeredLoadPerSec, until: endUs, call: get });

    // ---- observation: each server's queue, sampled every 100 ms ----
    const nodes = world().nodes.filter((n) => n.name.startsWith('server-'));
    const queues = nodes.map((n) => metrics.seriesOf(`${n.name}.queue`));
    const sample = (): void => {
      for (let i = 0; i < nodes.length; i++) queues[i]!.add(sim.now, nodes[i]!.queueLength);
      if (sim.now + 100_000 >= endUs) sampler.stop();
    };
    const sampler = every('100ms', sample);
    sample();

    const attempts = get.at('client').retry!.attempts;
    let attemptsAtDeadline = 0;
    sim.schedule(Math.max(0, afterUs - sim.now), () => (attemptsAtDeadline = attempts.value), null);
    return {
      // Requests still queued when the client stops are abandoned, not awaited: a full queue takes
      // minutes to drain and shows nothing new.
      untilUs: endUs + p.timeoutMs * 1000,
      metrics() {
        const after = sloWindows(requests, { availabilityMin: AVAILABILITY_MIN }, { fromUs: afterUs, toUs: endUs });
        const total = after.reduce((s, w) => s + w.requests, 0);
        const ok = after.reduce((s, w) => s + w.ok, 0);
        const seconds = Math.max(1e-9, (endUs - afterUs) / 1e6);
        return {
          availabilityAfterTrigger: round(total === 0 ? 1 : ok / total, 4),
          goodputPerSecAfter: round(ok / seconds, 1),
          servedPerSecAfter: round(servedAfter / seconds, 1),
          attemptsPerRequestAfter: round(total === 0 ? 0 : (attempts.value - attemptsAtDeadline) / total, 2),
          queuedAtEnd: nodes.reduce((s, n) => s + n.queueLength, 0),
        };
      },
    };
  },

  // ---- faults: the trigger, one server rejecting every arrival for a while ----
  faults: (p) => [{ at: `${p.triggerAtMs}ms`, kind: 'config-push', target: 'server-1', effect: 'reject', for: `${p.triggerForMs}ms` }],
  faultKinds: ['config-push', 'crash', 'limp', 'pause'],

  // ---- what to look at: the guided tour's own steps (the moments follow the trigger's params) ----
  lookAt: (p) => [
    {
      at: `${p.triggerAtMs + 2500}ms`,
      text: 'server-1 rejects, so every request lands on server-2: watch its queue bar climb about 20 a second. Once the wait passes the 1 s timeout, each attempt that waited too long is retried while server-2 still serves it for nobody.',
      nodes: ['server-2'],
    },
    {
      at: `${p.triggerAtMs + p.triggerForMs + 2000}ms`,
      text: 'The trigger is over and server-1 serves again, yet both queues keep growing: the client sends up to 4 attempts per request. In the retry-budget design the queues are short here and requests succeed.',
      nodes: ['server-1', 'server-2'],
    },
  ],

  // ---- checks ----
  checks: [
    {
      name: 'healthy-before-trigger',
      description: 'before the first fault the same load is served: availability ≥ 99.9% in every 1 s window (the good state exists)',
      check({ requests, faults }) {
        const startUs = faults.length ? Math.min(...faults.map((f) => f.at)) : Infinity;
        const before = sloWindows(requests, { availabilityMin: 0.999 }, { toUs: Math.min(startUs, requests.throughput.windows().length * requests.throughput.widthUs) });
        const whole = before.filter((w) => w.endUs <= startUs && w.pass !== null);
        if (whole.length === 0) return { status: 'unknown', detail: 'no request finished in a whole window before the first fault' };
        const total = whole.reduce((s, w) => s + w.requests, 0);
        const ok = whole.reduce((s, w) => s + w.ok, 0);
        return { status: ok / total >= 0.999 ? 'ok' : 'fail', detail: `${ok} of ${total} requests ok before the first fault (${pct(ok / total)})` };
      },
    },
    {
      name: 'recovers-after-trigger',
      description: `within recoveryWithinMs after the last fault ends, every 1 s window to the end of the run has availability ≥ ${AVAILABILITY_MIN * 100}%`,
      check({ requests, faults, params }) {
        const r = checkRecovery(requests, {
          healedAtUs: lastHealUs(faults),
          within: `${params.recoveryWithinMs}ms`,
          slo: { availabilityMin: AVAILABILITY_MIN },
          endUs: params.durationMs * 1000,
        });
        return { status: r.status, detail: r.status === 'fail' ? `${r.detail}: the overload outlived its trigger` : r.detail, firstFailedAtMs: r.firstFailedAtMs };
      },
    },
    {
      name: 'load-bounded',
      description: `after the recovery deadline the servers receive at most ${ATTEMPTS_PER_REQUEST_MAX} attempts per client request`,
      check({ metrics }) {
        const a = metrics.attemptsPerRequestAfter as number;
        return {
          status: a <= ATTEMPTS_PER_REQUEST_MAX ? 'ok' : 'fail',
          detail: `${a} attempts per client request after the recovery deadline (allowed ${ATTEMPTS_PER_REQUEST_MAX}): retries multiply the load by ${a.toFixed(1)}`,
        };
      },
    },
  ],
  keyMetrics: ['availabilityAfterTrigger', 'goodputPerSecAfter', 'servedPerSecAfter', 'attemptsPerRequestAfter', 'queuedAtEnd'],
});

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function pct(x: number): string {
  return `${+(x * 100).toFixed(2)}%`;
}
