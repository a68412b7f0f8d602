/**
 * Patterns benchmark: client → load balancer → 10 servers → database, with a per-attempt time
 * limit inside retries with full jitter inside a circuit breaker, tracing off. Open-loop Poisson
 * arrivals. Reports simulated requests per wall-clock second.
 *
 *   npx tsx bench/patterns.ts            # default 1,000,000 requests
 *   npx tsx bench/patterns.ts 300000
 *
 * Wall-clock reads (`performance.now`) live only here, in bench/.
 */
import { Simulation } from '../sim/kernel/sim.ts';
import { RandomStreams } from '../sim/kernel/random.ts';
import { Metrics } from '../sim/observe/metrics.ts';
import { newCallContext, type Call, type CallContext, type Done, type Outcome } from '../sim/patterns/call.ts';
import { exponentialBackoff } from '../sim/patterns/backoff.ts';
import { circuitBreaker } from '../sim/patterns/circuit-breaker.ts';
import { loadBalancer, type Endpoint } from '../sim/patterns/load-balancer.ts';
import { retry } from '../sim/patterns/retry.ts';
import { timeLimiter } from '../sim/patterns/timeout.ts';
import { wrap } from '../sim/patterns/compose.ts';

export interface BenchPatternsOptions {
  requests?: number;
  seed?: number;
  /** Arrivals per simulated second. */
  ratePerSec?: number;
}

export interface BenchPatternsResult {
  requestsPerSec: number;
  requests: number;
  wallMs: number;
  ok: number;
  failed: number;
  attempts: number;
  retries: number;
  breakerRejections: number;
  events: number;
  simTimeMs: number;
}

/** A server with `slots` workers and a FIFO line; each request does local work then one database call. */
class Server {
  busy = 0;
  private readonly qc: Done[] = [];
  private readonly qx: CallContext[] = [];
  private qh = 0;
  constructor(
    readonly sim: Simulation,
    readonly slots: number,
    readonly workUs: () => number,
    readonly db: Call,
    readonly failP: number,
    readonly rng: () => number,
  ) {}
  readonly call: Call = (ctx, done) => {
    if (this.busy < this.slots) this.start(ctx, done);
    else {
      this.qc.push(done);
      this.qx.push(ctx);
    }
  };
  private start(ctx: CallContext, done: Done): void {
    this.busy++;
    const t0 = this.sim.now;
    this.sim.schedule(this.workUs(), (s: [Server, CallContext, Done, number]) => s[0].afterWork(s[1], s[2], s[3]), [this, ctx, done, t0] as [Server, CallContext, Done, number]);
  }
  afterWork(ctx: CallContext, done: Done, t0: number): void {
    if (ctx.cancelled || this.rng() < this.failP) return this.finish(done, { ok: false, error: ctx.cancelled ? 'cancelled' : 'unavailable', latencyUs: this.sim.now - t0 });
    this.db(ctx, (o) => this.finish(done, o.ok ? { ok: true, error: '', latencyUs: this.sim.now - t0 } : o));
  }
  private finish(done: Done, o: Outcome): void {
    this.busy--;
    if (this.qh < this.qc.length) {
      const d = this.qc[this.qh]!;
      const c = this.qx[this.qh]!;
      this.qh++;
      if (this.qh === this.qc.length) {
        this.qc.length = 0;
        this.qx.length = 0;
        this.qh = 0;
      }
      this.start(c, d);
    }
    done(o);
  }
}

export function benchPatterns(opts: BenchPatternsOptions = {}): BenchPatternsResult {
  const requests = opts.requests ?? 1_000_000;
  const seed = opts.seed ?? 1;
  const rate = opts.ratePerSec ?? 8_000;
  const sim = new Simulation({ seed, budgets: { eventsMax: 1e12 } });
  const streams = new RandomStreams(seed);
  const metrics = new Metrics();
  const arrivals = streams.get('arrivals');
  const work = streams.get('work');
  const dbLat = streams.get('db');
  const fails = streams.get('faults');
  // database: exponential latency, mean 1 ms
  const db: Call = (_ctx, done) => {
    const l = Math.round(dbLat.exponential(1000));
    sim.schedule(l, done, { ok: true, error: '', latencyUs: l });
  };
  const endpoints: Endpoint[] = [];
  for (let i = 0; i < 10; i++) {
    // server 0 is slow and flaky: timeouts and retries do real work
    const mean = i === 0 ? 3000 : 1000;
    const s = new Server(sim, 4, () => Math.round(work.exponential(mean)), db, i === 0 ? 0.2 : 0.01, () => fails.next());
    endpoints.push({ id: `server-${i}`, call: s.call });
  }
  let ok = 0;
  let failed = 0;
  const onDone = (o: Outcome): void => {
    if (o.ok) ok++;
    else failed++;
  };
  const { wallMs, retryPolicy: r, breaker } = drivePatterns({ sim, streams, metrics, endpoints, arrivals, rate, requests, onDone });
  return {
    requestsPerSec: Math.round((requests / wallMs) * 1000),
    requests,
    wallMs: Math.round(wallMs),
    ok,
    failed,
    attempts: r.attempts.value,
    retries: r.retries.value,
    breakerRejections: breaker.notPermitted.value,
    events: sim.events,
    simTimeMs: Math.round(sim.now / 1000),
  };
}

const isMain = typeof process !== 'undefined' && process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;

/**
 * The benchmark's client stack (retries with full jitter, a circuit breaker and a 20 ms time
 * limiter over a least-request balancer) fed by Poisson arrivals until `requests` are sent; runs
 * the simulation and returns its wall time, the retry policy and the breaker. Shared by both pattern benchmarks.
 */
export function drivePatterns(o: {
  sim: Simulation;
  streams: RandomStreams;
  metrics: Metrics;
  endpoints: Endpoint[];
  arrivals: { exponential(mean: number): number };
  rate: number;
  requests: number;
  onDone: Done;
}): { wallMs: number; retryPolicy: ReturnType<typeof retry>; breaker: ReturnType<typeof circuitBreaker> } {
  const { sim, streams, metrics, endpoints, arrivals, rate, requests, onDone } = o;
  const lb = loadBalancer({ sim, metrics, name: 'lb', endpoints, lbPolicy: 'LEAST_REQUEST', random: streams });
  const r = retry({ sim, metrics, name: 'client', attemptsMax: 3, backoff: exponentialBackoff({ base: '1ms', cap: '50ms', jitter: 'full' }), random: streams });
  const breaker = circuitBreaker({ sim, metrics, name: 'lb', slidingWindowSize: 100, minimumNumberOfCalls: 20, waitDurationInOpenState: '1s' });
  const tl = timeLimiter({ sim, metrics, timeoutDuration: '20ms' });
  const client = wrap(r, breaker, tl).wrapCall(lb.call);
  let sent = 0;
  const meanGapUs = 1e6 / rate;
  const arrive = (): void => {
    sent++;
    client(newCallContext(sim, { key: sent }), onDone);
    if (sent < requests) sim.schedule(arrivals.exponential(meanGapUs), arrive, null);
  };
  sim.schedule(0, arrive, null);
  const t0 = performance.now();
  sim.run();
  return { wallMs: performance.now() - t0, retryPolicy: r, breaker };
}

/** The reference kernel's callback fan-out workload, run as a child process in the same run (requests/s). */
export async function referenceFanoutPerSec(): Promise<number | null> {
  const { execFileSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const script = fileURLToPath(new URL('../../shared/reference-kernel/fanout.mjs', import.meta.url));
  try {
    const out = execFileSync(process.execPath, [script, 'cb'], { encoding: 'utf8' });
    return Number(JSON.parse(out.trim().split('\n').pop()!).requests_per_s);
  } catch {
    return null;
  }
}

if (isMain) {
  const n = Number(process.argv[2] ?? 1_000_000);
  benchPatterns({ requests: 20_000 }); // warm-up
  const result = benchPatterns({ requests: n });
  const ref = await referenceFanoutPerSec();
  console.log(JSON.stringify({ ...result, referenceFanoutCbPerSec: ref, ratioToReference: ref ? Math.round((result.requestsPerSec / ref) * 100) / 100 : null }));
}
