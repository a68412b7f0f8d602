/**
 * Kernel workloads, the same models as the reference kernel's scripts (timers, M/M/c, fan-out
 * with retries), written against faultline's public kernel API. Time unit: the reference uses
 * abstract time units with mean 1; here 1 unit = 1 ms = 1000 µs.
 *
 * Run as a script, it runs one workload in this fresh process and prints its figure as one JSON
 * line, as the reference's scripts do (`npm run bench` alternates such processes with theirs):
 *
 *   node --import tsx bench/kernel.ts timers-cb|timers-gen|mm1-cb|mm4-cb|fanout-cb|fanout-gen|mmc-queue
 */
import { pathToFileURL } from 'node:url';
// the kernel's own modules, not the package's entry point: loading the whole simulator (its YAML
// parser, property-testing library and the rest) leaves V8 compiling that code on its background
// threads while the timed loop runs, which the reference's processes do not have to share
import { Simulation, type ProcessBody } from '../sim/kernel/sim.ts';
import { Resource } from '../sim/kernel/resource.ts';
import { RandomStreams, type Random } from '../sim/kernel/random.ts';

const UNIT = 1000;

export interface BenchFigure {
  name: string;
  count: number;
  wallMs: number;
  perSec: number;
  extra?: Record<string, number | string>;
}

function timed(name: string, fn: () => { count: number; extra?: Record<string, number | string> }): BenchFigure {
  const t0 = performance.now();
  const r = fn();
  const wallMs = performance.now() - t0;
  return { name, count: r.count, wallMs, perSec: r.count / (wallMs / 1000), extra: r.extra };
}

/** N callback timers, each re-arming with an exponential(mean 1 unit) delay until time T units. */
export function timersCallback(n = 1000, t = 2000, seed = 1): BenchFigure {
  return timed('timers-cb', () => {
    const sim = new Simulation({ seed });
    const r = new RandomStreams(seed).get('timers');
    let count = 0;
    const tick = (): void => {
      count++;
      sim.schedule(r.exponential(UNIT), tick, null);
    };
    for (let i = 0; i < n; i++) sim.schedule(r.exponential(UNIT), tick, null);
    sim.run(t * UNIT);
    return { count };
  });
}

/** The same with generator processes: `yield delay`. */
export function timersGenerator(n = 1000, t = 2000, seed = 1): BenchFigure {
  return timed('timers-gen', () => {
    const sim = new Simulation({ seed });
    const r = new RandomStreams(seed).get('timers');
    let count = 0;
    function* proc(): Generator<number, void, unknown> {
      for (;;) {
        yield r.exponential(UNIT);
        count++;
      }
    }
    for (let i = 0; i < n; i++) sim.process(proc());
    sim.run(t * UNIT);
    return { count };
  });
}

/** M/M/c with callbacks: Poisson arrivals, exponential service (mean 1 unit), c slots, FIFO. */
export function mmcCallback(c = 4, customers = 1_000_000, rho = 0.8, seed = 1): BenchFigure {
  return timed(`mm${c}-cb`, () => {
    const sim = new Simulation({ seed });
    const streams = new RandomStreams(seed);
    const arrivals = streams.get('arrivals');
    const service = streams.get('service');
    const pool = new Resource(sim, c);
    const meanGapUs = UNIT / (rho * c);
    let arrived = 0;
    let served = 0;
    let waitSum = 0;
    interface Cust {
      arrive: number;
      svc: number;
    }
    const end = (): void => {
      pool.release();
      served++;
    };
    const start = (k: Cust): void => {
      waitSum += sim.now - k.arrive;
      sim.schedule(k.svc, end, null);
    };
    const arrive = (): void => {
      pool.request(start, { arrive: sim.now, svc: service.exponential(UNIT) });
      if (++arrived < customers) sim.schedule(arrivals.exponential(meanGapUs), arrive, null);
    };
    sim.schedule(arrivals.exponential(meanGapUs), arrive, null);
    sim.run();
    return { count: served, extra: { waitUnitsMean: +(waitSum / served / UNIT).toFixed(4) } };
  });
}

/** The fan-out's simulation, streams and 10 servers of 4 slots (shared by both styles). */
function fanoutModel(seed: number): { SERVERS: number; sim: Simulation; arrivals: Random; service: Random; servers: Resource[] } {
  const SERVERS = 10;
  const sim = new Simulation({ seed });
  const streams = new RandomStreams(seed);
  return { SERVERS, sim, arrivals: streams.get('arrivals'), service: streams.get('service'), servers: Array.from({ length: SERVERS }, () => new Resource(sim, 4)) };
}

/**
 * Fan-out with retries, as the reference's fanout.mjs: Poisson requests round-robin over 10
 * servers of 4 slots; each attempt has a deadline of 3 units covering wait and service; on expiry
 * the client withdraws its queued request (or abandons the in-service job) and retries on the
 * next server, 3 attempts at most.
 */
export function fanoutCallback(requests = 200_000, seed = 1, lam = 24, deadline = 3): BenchFigure {
  return timed('fanout-cb', () => {
    const { SERVERS, sim, arrivals, service, servers } = fanoutModel(seed);
    let rr = 0;
    let ok = 0;
    let failed = 0;
    let attempts = 0;
    let arrived = 0;
    const deadlineUs = deadline * UNIT;
    class Req {
      attempt = 0;
      constructor(readonly start: number) {}
    }
    class Try {
      granted = false;
      settled = false;
      ticket = 0;
      constructor(
        readonly req: Req,
        readonly srv: Resource,
      ) {}
    }
    const served = (t: Try): void => {
      t.srv.release();
      if (!t.settled) {
        t.settled = true;
        ok++;
      }
    };
    const granted = (t: Try): void => {
      t.granted = true;
      if (t.settled) {
        t.srv.release();
        return;
      }
      sim.schedule(service.exponential(UNIT), served, t);
    };
    const expire = (t: Try): void => {
      if (t.settled) return;
      t.settled = true;
      if (!t.granted) t.srv.cancel(t.ticket);
      attempt(t.req);
    };
    const attempt = (r: Req): void => {
      if (r.attempt === 3) {
        failed++;
        return;
      }
      r.attempt++;
      attempts++;
      const srv = servers[rr]!;
      rr = (rr + 1) % SERVERS;
      const t = new Try(r, srv);
      t.ticket = srv.request(granted, t);
      sim.schedule(deadlineUs, expire, t);
    };
    const arrive = (): void => {
      attempt(new Req(sim.now));
      if (++arrived < requests) sim.schedule(arrivals.exponential(UNIT / lam), arrive, null);
    };
    sim.schedule(arrivals.exponential(UNIT / lam), arrive, null);
    sim.run();
    const done = ok + failed;
    return { count: done, extra: { okFrac: +(ok / done).toFixed(5), attemptsPerReq: +(attempts / done).toFixed(5), eventsPerReq: +(sim.events / done).toFixed(2) } };
  });
}

/**
 * The same fan-out with generator processes, as the reference's generator version: a source
 * process starts a client process per request; a client waits for the first of its slot and its
 * deadline (`anyOf`), withdraws its request if the deadline came first (or releases the slot if
 * it was granted in the same instant), then waits for the first of its job's end and the
 * deadline; the job is a process of its own that holds the slot for the service time.
 */
export function fanoutGenerator(requests = 200_000, seed = 1, lam = 24, deadline = 3): BenchFigure {
  return timed('fanout-gen', () => {
    const { SERVERS, sim, arrivals, service, servers } = fanoutModel(seed);
    const deadlineUs = deadline * UNIT;
    let rr = 0;
    let ok = 0;
    let failed = 0;
    let attempts = 0;
    function* job(srv: Resource, serviceUs: number): ProcessBody<void> {
      yield serviceUs;
      srv.release();
    }
    function* client(): ProcessBody<void> {
      for (let a = 0; a < 3; a++) {
        attempts++;
        const srv = servers[rr]!;
        rr = (rr + 1) % SERVERS;
        const req = srv.acquire();
        const expiry = sim.timeout(deadlineUs);
        if ((yield sim.anyOf([req, expiry])) !== 0) {
          // the deadline came first: withdraw, or give back a slot granted in the same instant
          if (!srv.withdraw(req)) srv.release();
          continue;
        }
        const served = sim.process(job(srv, service.exponential(UNIT)));
        if ((yield sim.anyOf([served.done, expiry])) === 0) {
          ok++;
          return;
        }
        // the deadline during service: the job keeps its slot until it ends
      }
      failed++;
    }
    function* source(): ProcessBody<void> {
      for (let i = 0; i < requests; i++) {
        yield arrivals.exponential(UNIT / lam);
        sim.process(client());
      }
    }
    sim.process(source());
    sim.run();
    const done = ok + failed;
    return { count: done, extra: { okFrac: +(ok / done).toFixed(5), attemptsPerReq: +(attempts / done).toFixed(5), eventsPerReq: +(sim.events / done).toFixed(2) } };
  });
}

/** The mmc-queue scenario end to end (runner, request statistics, every request hashed into the trace). */
export async function mmcQueueScenario(customers = 1_000_000, seed = 1): Promise<BenchFigure> {
  const { run } = await import('../sim/index.ts');
  const mmc = (await import('../scenarios/mmc-queue.ts')).default;
  return timed('mmc-queue', () => {
    run(mmc, { seed, params: { customers } });
    return { count: customers };
  });
}

/** The workloads by name, with the reference script and arguments each is paired with. */
export const KERNEL_WORKLOADS: Record<string, { run: () => BenchFigure | Promise<BenchFigure>; reference?: [string, string[], string] }> = {
  'timers-cb': { run: () => timersCallback(1000, 2000, 1), reference: ['timers.mjs', ['cb', '1000', '2000', '1'], 'events_per_s'] },
  'timers-gen': { run: () => timersGenerator(1000, 2000, 1), reference: ['timers.mjs', ['gen', '1000', '2000', '1'], 'events_per_s'] },
  'mm1-cb': { run: () => mmcCallback(1, 1_000_000, 0.8, 1), reference: ['queue.mjs', ['cb', '1', '1000000', '0.8', '1'], 'customers_per_s'] },
  'mm4-cb': { run: () => mmcCallback(4, 1_000_000, 0.8, 1), reference: ['queue.mjs', ['cb', '4', '1000000', '0.8', '1'], 'customers_per_s'] },
  'fanout-cb': { run: () => fanoutCallback(200_000, 1), reference: ['fanout.mjs', ['cb', '200000', '1'], 'requests_per_s'] },
  'fanout-gen': { run: () => fanoutGenerator(200_000, 1), reference: ['fanout.mjs', ['gen', '200000', '1'], 'requests_per_s'] },
  'mmc-queue': { run: () => mmcQueueScenario(1_000_000, 1) },
};

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const name = process.argv[2] ?? '';
  const w = KERNEL_WORKLOADS[name];
  if (w === undefined) {
    process.stderr.write(`bench/kernel.ts: unknown workload ${JSON.stringify(name)}; use one of ${Object.keys(KERNEL_WORKLOADS).join(', ')}\n`);
    process.exit(2);
  }
  console.log(JSON.stringify(await w.run()));
}
