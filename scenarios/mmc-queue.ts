/**
 * M/M/c: the queue every other model is built from, checked against queueing theory.
 */
import { defineScenario, Resource, Gauge } from 'faultline';

/** Erlang C: probability that an arrival waits, and the mean wait in queue (same unit as 1/mu). */
export function erlangC(lambda: number, mu: number, c: number): { pWait: number; wq: number } {
  const a = lambda / mu;
  const rho = a / c;
  if (rho >= 1) return { pWait: 1, wq: Infinity };
  // sum_{k<c} a^k/k! and a^c/c! computed iteratively (no factorial overflow)
  let term = 1;
  let sum = 0;
  for (let k = 0; k < c; k++) {
    if (k > 0) term *= a / k;
    sum += term;
  }
  const top = (term * a) / c / (1 - rho);
  const pWait = top / (sum + top);
  return { pWait, wq: pWait / (c * mu - lambda) };
}

const BATCHES = 30;

export default defineScenario({
  name: 'mmc-queue',
  title: 'M/M/c queue against Erlang C',
  description: `
**What happens.** Customers arrive as a Poisson process (rate λ) at a pool of *c* identical
servers; service times are exponential (mean 1/μ); customers wait in one FIFO line. This is the
M/M/c queue, the model behind every thread pool, connection pool and checkout line.

**Why it matters.** Queueing theory predicts the mean wait exactly (the Erlang C formula), and
Little's law (L = λW) must hold for any stable system. If a simulator cannot reproduce these,
nothing built on top of it can be trusted. Note how steeply waits grow as utilization ρ = λ/(cμ)
approaches 1: at ρ = 0.8 an M/M/1 customer waits 4 service times on average; at ρ = 0.95, 19.

**What to try.** \`--param servers=4\` at the same utilization shows pooling: four servers with a
quarter of the load each wait far less than one fast server would suggest.

Reference: A. K. Erlang (1917); J. D. C. Little, "A Proof for the Queuing Formula L = λW" (1961),
https://doi.org/10.1287/opre.9.3.383
`.trim(),
  params: {
    arrivalRatePerSec: { type: 'number', default: 32, min: 0.001, max: 1e7, unit: '1/s', description: 'λ, mean arrivals per second (Poisson)' },
    serviceTimeMsMean: { type: 'number', default: 100, min: 0.001, max: 1e6, unit: 'ms', description: '1/μ, mean service time (exponential)' },
    servers: { type: 'number', default: 4, min: 1, max: 10_000, integer: true, description: 'c, identical servers sharing one FIFO line' },
    customers: { type: 'number', default: 200_000, min: 1, max: 100_000_000, integer: true, description: 'arrivals to simulate' },
  },
  variants: {
    'mm4-rho-80': { description: 'four servers at utilization 0.8' },
    'mm1-rho-80': { description: 'one server at utilization 0.8', params: { servers: 1, arrivalRatePerSec: 8 } },
  },
  keyMetrics: ['utilization', 'waitMsMean', 'waitMsErlangC', 'responseMsMean', 'littleL', 'littleLambdaW'],
  build({ sim, random, params, requests }) {
    const lambdaPerUs = params.arrivalRatePerSec / 1e6;
    const serviceMeanUs = params.serviceTimeMsMean * 1000;
    const arrivals = random.get('arrivals');
    const service = random.get('service');
    const pool = new Resource(sim, params.servers);
    const inSystem = new Gauge(0);
    const busy = new Gauge(0);
    const batchSize = Math.max(1, Math.floor(params.customers / BATCHES));
    const batchWaitSums: number[] = [];
    let arrived = 0;
    let served = 0;
    let waitSumUs = 0;
    let responseSumUs = 0;
    let lastDepartureUs = 0;

    interface Customer {
      arriveUs: number;
      serviceUs: number;
      index: number;
    }

    function arrive(): void {
      const c: Customer = { arriveUs: sim.now, serviceUs: service.exponential(serviceMeanUs), index: arrived };
      arrived++;
      inSystem.add(sim.now, 1);
      pool.request(start, c);
      if (arrived < params.customers) sim.schedule(arrivals.exponential(1 / lambdaPerUs), arrive, null);
    }
    function start(c: Customer): void {
      const waitUs = sim.now - c.arriveUs;
      waitSumUs += waitUs;
      const b = Math.floor(c.index / batchSize);
      if (b < BATCHES) batchWaitSums[b] = (batchWaitSums[b] ?? 0) + waitUs;
      busy.add(sim.now, 1);
      sim.schedule(c.serviceUs, depart, c);
    }
    function depart(c: Customer): void {
      pool.release();
      busy.add(sim.now, -1);
      inSystem.add(sim.now, -1);
      served++;
      const responseUs = sim.now - c.arriveUs;
      responseSumUs += responseUs;
      lastDepartureUs = sim.now;
      requests.record(sim.now, true, responseUs);
    }
    sim.schedule(arrivals.exponential(1 / lambdaPerUs), arrive, null);

    return {
      metrics() {
        const end = lastDepartureUs;
        const lambda = params.arrivalRatePerSec;
        const mu = 1000 / params.serviceTimeMsMean;
        const theory = erlangC(lambda, mu, params.servers);
        const waitMsMean = waitSumUs / served / 1000;
        // batch means: the standard error of the mean wait, honest about autocorrelation
        const means = batchWaitSums.slice(0, BATCHES).map((s) => s / batchSize / 1000);
        const k = means.length;
        const grand = means.reduce((a, b) => a + b, 0) / k;
        const variance = k > 1 ? means.reduce((a, m) => a + (m - grand) ** 2, 0) / (k - 1) : NaN;
        const observedLambdaPerMs = served / (end / 1000);
        const responseMsMean = responseSumUs / served / 1000;
        return {
          customers: served,
          utilization: round(busy.mean(end) / params.servers),
          utilizationTheory: round(lambda / (params.servers * mu)),
          waitMsMean: round(waitMsMean),
          waitMsMeanStdErr: round(Math.sqrt(variance / k)),
          waitMsErlangC: round(theory.wq * 1000),
          pWaitErlangC: round(theory.pWait),
          responseMsMean: round(responseMsMean),
          littleL: round(inSystem.mean(end)),
          littleLambdaW: round(observedLambdaPerMs * responseMsMean),
        };
      },
    };
  },
  checks: [
    {
      name: 'erlang-c-wait',
      description: 'mean wait within max(3%, 4 standard errors) of Erlang C',
      check({ metrics }) {
        const sim = metrics.waitMsMean as number;
        const th = metrics.waitMsErlangC as number;
        const tol = Math.max(0.03 * th, 4 * (metrics.waitMsMeanStdErr as number));
        const ok = Math.abs(sim - th) <= tol;
        return {
          status: ok ? 'ok' : 'fail',
          detail: `simulated ${sim.toFixed(3)} ms vs Erlang C ${th.toFixed(3)} ms (±${tol.toFixed(3)} ms, ${(((sim - th) / th) * 100).toFixed(2)}%)`,
        };
      },
    },
    {
      name: 'littles-law',
      description: 'time-average number in system L equals λ·W within 1%',
      check({ metrics }) {
        const L = metrics.littleL as number;
        const lw = metrics.littleLambdaW as number;
        const ok = Math.abs(L - lw) <= 0.01 * Math.max(L, lw);
        return { status: ok ? 'ok' : 'fail', detail: `L = ${L.toFixed(4)}, λW = ${lw.toFixed(4)}` };
      },
    },
  ],
});

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
