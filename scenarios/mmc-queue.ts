/**
 * M/M/c: the queue every other model is built from, checked against queueing theory.
 *
 * A bare model on purpose, built from the run's own factories (`resource`, `metrics.gauge`,
 * `random.get`) rather than the app layer. A service on a node with c cores fed by an open loop
 * would be an M/M/c queue too, but not one Erlang C can be checked against here: each request
 * would cross the network both ways, and the node draws each service time inside, so the wait in
 * line (Erlang C's Wq) could not be told apart from the response time; arrivals would stop at a
 * time rather than after `customers` arrivals. It is also the kernel's reference workload in
 * bench/, whose figures compare it with the reference kernel's plain M/M/c.
 */
import { defineScenario } from 'faultline';

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
/** Little's law is judged over the middle half of the expected arrival span, in this many parts. */
const LITTLE_PARTS = 10;
/** Fewer arrivals than this in the window and the Little's-law check says `unknown`. */
const LITTLE_ARRIVALS_MIN = 200;
/**
 * The slot of `LittleWindow`'s sums that gathers what falls outside the window (never read): the
 * hot paths add to a slot unconditionally, with no branch first taken a quarter into the run
 * (which would make V8 deoptimize them there).
 */
const OUTSIDE = LITTLE_PARTS;

/**
 * Little's law over a window [from, to) in the middle of the run, where it is a statistical
 * statement rather than bookkeeping: the time-average number in system L (the area under N(t)
 * inside the window, over its length) against λ·W (arrivals in the window over its length, times
 * the mean time in system of exactly those arrivals). The two differ by edge terms (time spent in
 * the window by customers already there at `from`, minus time spent after `to` by window arrivals)
 * whose mean is zero in steady state (Stidham's sample-path form, 1974). The window is cut into
 * parts; each part's difference dₖ = (areaₖ − sojournₖ)/Δ, and the tolerance is four standard
 * errors of their mean (conservative: neighbouring parts' edge terms cancel).
 */
class LittleWindow {
  /** Per part, then the OUTSIDE slot. */
  readonly area: number[] = new Array(LITTLE_PARTS + 1).fill(0);
  readonly arrivals: number[] = new Array(LITTLE_PARTS + 1).fill(0);
  readonly sojourn: number[] = new Array(LITTLE_PARTS + 1).fill(0);
  private n = 0;
  private lastUs = 0;
  /** The slot of `lastUs` (its part, or OUTSIDE), and the end of the stretch of time (a part, before or after the window) it is in. */
  private segPart = OUTSIDE;
  private segEndUs = -Infinity;
  /** Part k covers [edgesUs[k], edgesUs[k + 1]), whole microseconds. */
  private readonly edgesUs: number[];
  constructor(
    readonly fromUs: number,
    readonly toUs: number,
  ) {
    this.edgesUs = Array.from({ length: LITTLE_PARTS + 1 }, (_, k) => Math.round(fromUs + ((toUs - fromUs) * k) / LITTLE_PARTS));
  }
  /** The part a time falls in, or -1 outside the window. */
  part(tUs: number): number {
    if (tUs < this.fromUs || tUs >= this.toUs) return -1;
    let k = 0;
    while (tUs >= this.edgesUs[k + 1]!) k++;
    return k;
  }
  partUs(k: number): number {
    return this.edgesUs[k + 1]! - this.edgesUs[k]!;
  }
  /** N(t) changes by `delta` at `nowUs`: add the area since the last change, split at part edges. */
  change(nowUs: number, delta: number): void {
    if (nowUs < this.segEndUs) {
      // the common case: no edge since the last change (the same sum as the loop below makes)
      this.area[this.segPart]! += this.n * (nowUs - this.lastUs);
    } else {
      this.changeAcross(nowUs);
    }
    this.lastUs = nowUs;
    this.n += delta;
  }
  /** The slot of the last change's time: its part, or OUTSIDE. */
  get lastPart(): number {
    return this.segPart;
  }
  /** Add the area from the last change to `nowUs` across part edges, and note the stretch `nowUs` is in. */
  private changeAcross(nowUs: number): void {
    let t = this.lastUs;
    while (t < nowUs) {
      const k = this.part(t);
      // every step ends at the next edge (strictly after t) or at now, so the loop ends
      const edge = k === -1 ? (t < this.fromUs ? this.fromUs : Infinity) : this.edgesUs[k + 1]!;
      const end = Math.min(nowUs, edge);
      if (k !== -1) this.area[k]! += this.n * (end - t);
      t = end;
    }
    const k = this.part(nowUs);
    this.segPart = k === -1 ? OUTSIDE : k;
    this.segEndUs = k === -1 ? (nowUs < this.fromUs ? this.fromUs : Infinity) : this.edgesUs[k + 1]!;
  }
  result(): { L: number; lambdaW: number; tolerance: number; arrivals: number } {
    const lenUs = this.toUs - this.fromUs;
    const area = this.area.slice(0, LITTLE_PARTS);
    const sojourn = this.sojourn.slice(0, LITTLE_PARTS);
    const d = area.map((a, k) => (a - sojourn[k]!) / this.partUs(k));
    const mean = d.reduce((x, y) => x + y, 0) / LITTLE_PARTS;
    const sd = Math.sqrt(d.reduce((x, y) => x + (y - mean) ** 2, 0) / (LITTLE_PARTS - 1));
    return {
      L: area.reduce((x, y) => x + y, 0) / lenUs,
      lambdaW: sojourn.reduce((x, y) => x + y, 0) / lenUs,
      tolerance: (4 * sd) / Math.sqrt(LITTLE_PARTS),
      arrivals: this.arrivals.slice(0, LITTLE_PARTS).reduce((x, y) => x + y, 0),
    };
  }
}

/**
 * The customers in the system, as columns indexed by slot, with a list of free slots: taking and
 * giving back a slot allocates nothing (the columns double when every slot is taken).
 */
class Customers {
  arriveUs = new Float64Array(64);
  /** The customer's arrival number (0 for the first). */
  index = new Float64Array(64);
  /** The Little's-law window part it arrived in, or OUTSIDE. */
  part = new Int32Array(64);
  private free = Int32Array.from({ length: 64 }, (_, i) => 63 - i);
  private freeN = 64;
  take(): number {
    if (this.freeN === 0) this.grow();
    return this.free[--this.freeN]!;
  }
  give(slot: number): void {
    this.free[this.freeN++] = slot;
  }
  private grow(): void {
    const n = this.arriveUs.length;
    const wider = <A extends Float64Array | Int32Array>(a: A, make: (n: number) => A): A => {
      const b = make(2 * n);
      b.set(a);
      return b;
    };
    this.arriveUs = wider(this.arriveUs, (m) => new Float64Array(m));
    this.index = wider(this.index, (m) => new Float64Array(m));
    this.part = wider(this.part, (m) => new Int32Array(m));
    // every slot was taken: the new ones are free, lowest on top
    this.free = new Int32Array(2 * n);
    for (let i = 0; i < n; i++) this.free[i] = 2 * n - 1 - i;
    this.freeN = n;
  }
}

export default defineScenario({
  name: 'mmc-queue',
  title: 'M/M/c queue against Erlang C',
  description: `
**What happens.** Customers arrive as a Poisson process (rate λ) at a pool of *c* identical
servers; service times are exponential (mean 1/μ); customers wait in one FIFO line. This is the
M/M/c queue, the model behind every thread pool, connection pool and checkout line.

**Why it matters.** Queueing theory predicts the mean wait exactly (the Erlang C formula), and
Little's law (L = λW) must hold for any stable system. If a simulator cannot reproduce these,
nothing built on top of it can be trusted. Little's law is checked over a window in the middle of
the run (where the system is neither empty at the start nor drained at the end), so it is a
measurement with a statistical tolerance, not bookkeeping that holds by construction. Note how steeply waits grow as utilization ρ = λ/(cμ)
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
  build({ sim, random, params, requests, metrics, resource }) {
    const lambdaPerUs = params.arrivalRatePerSec / 1e6;
    const serviceMeanUs = params.serviceTimeMsMean * 1000;
    const arrivals = random.get('arrivals');
    const service = random.get('service');
    const pool = resource(params.servers);
    const inSystem = metrics.gauge('mmc.inSystem');
    const busy = metrics.gauge('mmc.busy');
    const batchSize = Math.max(1, Math.floor(params.customers / BATCHES));
    // the wait sums of batches 0 .. batches - 1 (those customers have started in)
    const batchWaitSums = new Float64Array(BATCHES);
    let batches = 0;
    let arrived = 0;
    let served = 0;
    // the run's sums as fields of one object, not closure variables: a closure variable holding a
    // fractional number is a new heap number at every assignment, a field is updated in place
    const sums = { waitUs: 0, responseUs: 0, lastDepartureUs: 0 };

    // the middle half of the expected arrival span (known before the run, so no extra events)
    const spanUs = params.customers / lambdaPerUs;
    const little = new LittleWindow(Math.round(spanUs / 4), Math.round((3 * spanUs) / 4));

    const customers = new Customers();
    const customersMax = params.customers;
    const gapMeanUs = 1 / lambdaPerUs;

    // a customer is its slot in `customers` (the events carry the slot number, so an arrival
    // allocates nothing)
    function arrive(): void {
      const now = sim.now;
      const c = customers.take();
      customers.arriveUs[c] = now;
      customers.index[c] = arrived;
      arrived++;
      inSystem.add(now, 1);
      little.change(now, 1);
      const part = little.lastPart;
      customers.part[c] = part;
      little.arrivals[part]!++;
      pool.request(start, c);
      if (arrived < customersMax) sim.schedule(arrivals.exponential(gapMeanUs), arrive, null);
    }
    function start(c: number): void {
      const now = sim.now;
      const waitUs = now - customers.arriveUs[c]!;
      sums.waitUs += waitUs;
      const b = Math.floor(customers.index[c]! / batchSize);
      if (b < BATCHES) {
        batchWaitSums[b]! += waitUs;
        if (b >= batches) batches = b + 1;
      }
      busy.add(now, 1);
      // the service time is drawn as service starts: one FIFO line, so customers start in the
      // order they arrived and the k-th draw is the k-th customer's, as if drawn on arrival
      sim.schedule(service.exponential(serviceMeanUs), depart, c);
    }
    function depart(c: number): void {
      const now = sim.now;
      pool.release();
      busy.add(now, -1);
      inSystem.add(now, -1);
      little.change(now, -1);
      served++;
      const responseUs = now - customers.arriveUs[c]!;
      little.sojourn[customers.part[c]!]! += responseUs;
      customers.give(c);
      sums.responseUs += responseUs;
      sums.lastDepartureUs = now;
      requests.record(now, true, responseUs);
    }
    sim.schedule(arrivals.exponential(1 / lambdaPerUs), arrive, null);

    return {
      metrics() {
        const end = sums.lastDepartureUs;
        const lambda = params.arrivalRatePerSec;
        const mu = 1000 / params.serviceTimeMsMean;
        const theory = erlangC(lambda, mu, params.servers);
        const waitMsMean = sums.waitUs / served / 1000;
        // batch means: the standard error of the mean wait, honest about autocorrelation
        const means = Array.from(batchWaitSums.subarray(0, batches), (s) => s / batchSize / 1000);
        const k = means.length;
        const grand = means.reduce((a, b) => a + b, 0) / k;
        const variance = k > 1 ? means.reduce((a, m) => a + (m - grand) ** 2, 0) / (k - 1) : NaN;
        const responseMsMean = sums.responseUs / served / 1000;
        const lw = little.result();
        return {
          customers: served,
          utilization: round(busy.mean(end) / params.servers),
          utilizationTheory: round(lambda / (params.servers * mu)),
          waitMsMean: round(waitMsMean),
          waitMsMeanStdErr: round(Math.sqrt(variance / k)),
          waitMsErlangC: round(theory.wq * 1000),
          pWaitErlangC: round(theory.pWait),
          responseMsMean: round(responseMsMean),
          // Little's law in the window [littleFromMs, littleToMs): L against λ·W, and L in theory
          littleFromMs: round(little.fromUs / 1000),
          littleToMs: round(little.toUs / 1000),
          littleArrivals: lw.arrivals,
          littleL: round(lw.L),
          littleLambdaW: round(lw.lambdaW),
          littleTolerance: round(lw.tolerance),
          littleLTheory: round(lambda * (theory.wq + 1 / mu)),
          littleLWholeRun: round(inSystem.mean(end)),
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
      description: 'over a window in the middle of the run, the time-average number in system L equals λ·W within 4 standard errors',
      check({ metrics }) {
        const L = metrics.littleL as number;
        const lw = metrics.littleLambdaW as number;
        const tol = metrics.littleTolerance as number;
        const where = `in [${((metrics.littleFromMs as number) / 1000).toFixed(1)} s, ${((metrics.littleToMs as number) / 1000).toFixed(1)} s)`;
        if ((metrics.littleArrivals as number) < LITTLE_ARRIVALS_MIN) {
          return { status: 'unknown', detail: `${metrics.littleArrivals} arrivals ${where}; at least ${LITTLE_ARRIVALS_MIN} are needed (raise customers)` };
        }
        // rounding to 1e-6 in the metrics is the floor of what can be told apart
        const ok = Math.abs(L - lw) <= Math.max(tol, 2e-6);
        return { status: ok ? 'ok' : 'fail', detail: `${where}: L = ${L.toFixed(6)}, λW = ${lw.toFixed(6)} (±${tol.toFixed(6)})` };
      },
    },
  ],
});

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
