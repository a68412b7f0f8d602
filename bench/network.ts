/**
 * Network workload: 100 nodes exchanging request/response messages over links with lognormal
 * latency and 1% loss, with a random-halves partition that heals, tracing off. Reports delivered
 * messages per wall-clock second (requests and replies both count; drops do not).
 *
 *   npx tsx -e "import('./bench/network.ts').then(m => console.log(m.benchNetwork()))"
 */
import '../sim/faults/kinds.ts';
import { parseFaultPlan } from '../sim/faults/plan.ts';
import { RandomStreams } from '../sim/kernel/random.ts';
import { Simulation } from '../sim/kernel/sim.ts';
import { Tracer } from '../sim/observe/trace.ts';
import { createWorld, type Message } from '../sim/world/index.ts';

export interface BenchNetworkOptions {
  nodes?: number;
  /** Calls each node keeps outstanding (closed loop). */
  inflightPerNode?: number;
  /** Simulated seconds to run. */
  simSeconds?: number;
  seed?: number;
}

export interface BenchNetworkResult {
  deliveredPerSec: number;
  delivered: number;
  dropped: number;
  calls: number;
  timeouts: number;
  events: number;
  wallMs: number;
  simSeconds: number;
  traceHash: string;
  /** CPU time of this process during the run (less sensitive than wall time to a busy machine). */
  cpuMs: number;
  deliveredPerCpuSec: number;
  /** Bare kernel callback timers per second, measured in the same run (the closest kernel workload). */
  kernelEventsPerSec: number;
  /** deliveredPerSec / kernelEventsPerSec: the network's cost relative to one bare kernel event. */
  ratioToKernel: number;
}

/** Bare callback timers with as many pending events as the network workload keeps. */
function kernelBaseline(pending: number, events: number): number {
  const sim = new Simulation({ seed: 1 });
  const r = new RandomStreams(1).get('baseline');
  let count = 0;
  const tick = (): void => {
    if (++count < events) sim.schedule(r.exponential(1000), tick, null);
  };
  for (let i = 0; i < pending; i++) sim.schedule(r.exponential(1000), tick, null);
  const t0 = performance.now();
  sim.run();
  return count / ((performance.now() - t0) / 1000);
}

export function benchNetwork(opts: BenchNetworkOptions = {}): BenchNetworkResult {
  const n = opts.nodes ?? 100;
  const inflight = opts.inflightPerNode ?? 4;
  const simSeconds = opts.simSeconds ?? 10;
  const seed = opts.seed ?? 1;
  const sim = new Simulation({ seed });
  const random = new RandomStreams(seed);
  const trace = new Tracer({ level: 'off' });
  const names = Array.from({ length: n }, (_, i) => `n${i}`);
  const third = Math.round((simSeconds * 1000) / 3);
  const faults = parseFaultPlan([{ at: `${third}ms`, kind: 'partition', mode: 'random-halves', for: `${third}ms` }]);
  const world = createWorld(
    { sim, random, trace, faults },
    { nodes: names, network: { latency: { dist: 'lognormal', median: '500us', sigma: 0.5 }, lossPercent: 1 } },
  );
  const net = world.net;
  const peers = random.get('bench/peers');
  const endUs = simSeconds * 1_000_000;
  let calls = 0;
  let timeouts = 0;
  const reply = (m: Message<number>): void => void net.reply(m, m.payload, 64);
  for (const name of names) net.listen(name, reply);
  const issue = (from: number): void => {
    if (sim.now >= endUs) return;
    let to = Math.floor(peers.next() * (n - 1));
    if (to >= from) to++;
    calls++;
    net.call(names[from]!, names[to]!, from, 20_000, done, from, 64);
  };
  const done = (from: number, r: Message<number> | null): void => {
    if (r === null) timeouts++;
    issue(from);
  };
  for (let i = 0; i < n; i++) for (let k = 0; k < inflight; k++) issue(i);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  sim.run(endUs + 100_000);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const kernelEventsPerSec = kernelBaseline(n * inflight * 2, 2_000_000);
  const deliveredPerSec = net.delivered / (wallMs / 1000);
  return {
    deliveredPerSec: Math.round(net.delivered / (wallMs / 1000)),
    delivered: net.delivered,
    dropped: net.dropped,
    calls,
    timeouts,
    events: sim.events,
    wallMs: Math.round(wallMs),
    simSeconds,
    traceHash: trace.hash,
    cpuMs: Math.round(cpuMs),
    deliveredPerCpuSec: Math.round(net.delivered / (cpuMs / 1000)),
    kernelEventsPerSec: Math.round(kernelEventsPerSec),
    ratioToKernel: Math.round((deliveredPerSec / kernelEventsPerSec) * 1000) / 1000,
  };
}
