/**
 * The patterns benchmark (bench/patterns.ts: client → retry with full jitter → circuit breaker →
 * 20 ms time limiter → least-request load balancer → 10 servers → database, tracing off) with
 * the servers as world nodes (`sim/world/node.ts`, 4 cores each) and their resources coupled:
 * every request holds 2 MiB from arrival to reply (`holdMemory` / `releaseMemory`), and the
 * nodes have a garbage collector (`gc`), so work allocates and full heaps pause. The same
 * workload with coupling off runs in the same process for comparison: the difference is the
 * cost of the coupling itself.
 *
 *   npx tsx bench/patterns-coupled.ts            # default 1,000,000 requests
 *   npx tsx bench/patterns-coupled.ts 300000
 *
 * Wall-clock reads (`performance.now`) live only here, in bench/.
 */
import { Simulation } from '../sim/kernel/sim.ts';
import { RandomStreams, type Random } from '../sim/kernel/random.ts';
import { Metrics } from '../sim/observe/metrics.ts';
import { Tracer } from '../sim/observe/trace.ts';
import { Node } from '../sim/world/node.ts';
import { type Call, type CallContext, type Done, type Outcome } from '../sim/patterns/call.ts';
import type { Endpoint } from '../sim/patterns/load-balancer.ts';
import { drivePatterns } from './patterns.ts';

export interface BenchCoupledResult {
  /** Requests per wall-clock second with coupling on (memory per request, GC). */
  requestsPerSec: number;
  /** The same workload on world nodes with coupling off. */
  offRequestsPerSec: number;
  /** requestsPerSec / offRequestsPerSec. */
  ratioOnToOff: number;
  requests: number;
  gcCollections: number;
  gcPauseMs: number;
  oomKills: number;
}

const MEMORY_PER_REQUEST_MB = 2;

interface Pending {
  s: NodeServer;
  ctx: CallContext;
  done: Done;
  t0: number;
}

/** A world node serving each request's CPU work, then one database call; coupled: it holds memory meanwhile. */
class NodeServer {
  constructor(
    readonly node: Node,
    readonly sampleUs: () => number,
    readonly db: Call,
    readonly failP: number,
    readonly rng: Random,
    readonly memoryMb: number,
  ) {}
  readonly call: Call = (ctx, done) => {
    if (this.memoryMb > 0) this.node.holdMemory(this.memoryMb);
    this.node.execute(afterWork, { s: this, ctx, done, t0: this.node.sim.now } as Pending, this.sampleUs());
  };
  finish(p: Pending, o: Outcome): void {
    if (this.memoryMb > 0) this.node.releaseMemory(this.memoryMb);
    p.done(o);
  }
}

function afterWork(p: Pending, error: string | null): void {
  const s = p.s;
  const now = s.node.sim.now;
  if (error !== null || p.ctx.cancelled || s.rng.next() < s.failP) {
    s.finish(p, { ok: false, error: p.ctx.cancelled ? 'cancelled' : 'unavailable', latencyUs: now - p.t0 });
    return;
  }
  s.db(p.ctx, (o) => s.finish(p, o.ok ? { ok: true, error: '', latencyUs: s.node.sim.now - p.t0 } : o));
}

function once(requests: number, coupled: boolean, seed = 1, rate = 8_000): { perSec: number; nodes: Node[] } {
  const sim = new Simulation({ seed, budgets: { eventsMax: 1e12 } });
  const streams = new RandomStreams(seed);
  const metrics = new Metrics();
  const tracer = new Tracer({ level: 'off' });
  const arrivals = streams.get('arrivals');
  const work = streams.get('work');
  const dbLat = streams.get('db');
  const fails = streams.get('faults');
  const db: Call = (_ctx, done) => {
    const l = Math.round(dbLat.exponential(1000));
    sim.schedule(l, done, { ok: true, error: '', latencyUs: l });
  };
  const nodes: Node[] = [];
  const endpoints: Endpoint[] = [];
  for (let i = 0; i < 10; i++) {
    const mean = i === 0 ? 3000 : 1000;
    const node = new Node(sim, { name: `server-${i}`, cores: 4, memoryLimitMb: 4096, memoryBaseMb: 512, ...(coupled ? { gc: { allocationMbPerCpuSec: 200 } } : {}) }, streams, tracer);
    nodes.push(node);
    const s = new NodeServer(node, () => Math.round(work.exponential(mean)), db, i === 0 ? 0.2 : 0.01, fails, coupled ? MEMORY_PER_REQUEST_MB : 0);
    endpoints.push({ id: node.name, call: s.call });
  }
  const { wallMs } = drivePatterns({ sim, streams, metrics, endpoints, arrivals, rate, requests, onDone: () => {} });
  return { perSec: Math.round((requests / wallMs) * 1000), nodes };
}

/** Coupling off and on, alternating three times after a warm-up; medians of each. */
export function benchPatternsCoupled(opts: { requests?: number } = {}): BenchCoupledResult {
  const requests = opts.requests ?? 1_000_000;
  once(20_000, false);
  once(20_000, true);
  const off: number[] = [];
  const on: number[] = [];
  let nodes: Node[] = [];
  for (let i = 0; i < 3; i++) {
    off.push(once(requests, false).perSec);
    const r = once(requests, true);
    on.push(r.perSec);
    nodes = r.nodes;
  }
  const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[1]!;
  return {
    requestsPerSec: median(on),
    offRequestsPerSec: median(off),
    ratioOnToOff: Math.round((median(on) / median(off)) * 100) / 100,
    requests,
    gcCollections: nodes.reduce((a, n) => a + n.gcCollections, 0),
    gcPauseMs: Math.round(nodes.reduce((a, n) => a + n.gcPauseUs, 0) / 1000),
    oomKills: nodes.reduce((a, n) => a + n.oomKills, 0),
  };
}

const isMain = typeof process !== 'undefined' && process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) console.log(JSON.stringify(benchPatternsCoupled({ requests: Number(process.argv[2] ?? 1_000_000) })));
