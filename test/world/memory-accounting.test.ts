/**
 * Memory coupled to requests: at sampled instants a replica's memory equals its baseline plus
 * (requests queued + in service) × the endpoint's per-request memory, with the count of requests
 * taken from the trace (arrivals delivered to the replica minus replies it sent) or from the
 * node's queue state, never from the memory counter itself; and the OOM kill comes at the arrival
 * that takes the count over the limit.
 */
import { describe, expect, it } from 'vitest';
import { defineScenario, runDetailed } from '../../sim/index.ts';
import type { TraceRecord } from '../../sim/observe/trace.ts';

const BASE_MB = 300;
const PER_REQUEST_MB = 2.5;

interface Sample {
  t: number;
  mem: number;
  inflight: number;
}

/** lb → web-1 (a worker pool, a slow database call) → db-1; a burst builds a queue on web-1. */
function tier(o: { workers?: number; withDb: boolean; limitMb?: number }) {
  const samples: Sample[] = [];
  const scenario = defineScenario({
    name: 'memory-accounting',
    title: 't',
    description: '',
    params: {},
    build({ world, service, client, openLoop, every }) {
      world({
        nodes: ['lb'],
        nodeDefaults: { memoryBaseMb: BASE_MB, memoryLimitMb: o.limitMb ?? 65_536 },
        network: { latency: { dist: 'lognormal', median: '700us', sigma: 0.4 } },
      });
      const db = service('db', { nodes: ['db-1'], node: { cores: 2 }, endpoints: { query: { work: { dist: 'exponential', mean: '5ms' } } } });
      const web = service('web', {
        nodes: ['web-1'],
        node: { cores: 2, restartPolicy: 'never' },
        workers: o.workers,
        acceptQueueMax: 10_000,
        endpoints: {
          page: {
            work: { dist: 'exponential', mean: '4ms' },
            memoryPerRequestMb: PER_REQUEST_MB,
            ...(o.withDb ? { calls: [client(db, 'query', { timeout: '5s' })] } : {}),
          },
        },
      });
      const node = world().node('web-1');
      every('37ms', () => samples.push({ t: world().sim.now, mem: node.memoryUsedMb(), inflight: node.inflight }));
      // steady load, then a burst well above capacity, then quiet: the queue grows and drains
      openLoop({ from: 'lb', rate: { shape: 'burst', basePerSec: 150, burstPerSec: 900, at: '1s', for: '1s' }, until: '4s', call: client(web, 'page', { timeout: '30s' }) });
      return { untilUs: 6_000_000 };
    },
  });
  return { scenario, samples };
}

/** Requests held by web-1 at instant t, from the trace: arrivals from lb up to t minus replies web-1 sent up to t. */
function heldAt(records: readonly TraceRecord[], t: number): number | null {
  let n = 0;
  for (const r of records) {
    if (r.kind !== 'message-deliver') continue;
    if (r.from === 'lb' && r.to === 'web-1') {
      if (r.time === t) return null; // same instant as the sample: order unknown from the trace
      if (r.time < t) n++;
    } else if (r.from === 'web-1' && r.to === 'lb') {
      if (r.sentUs === t) return null;
      if (r.sentUs < t) n--;
    }
  }
  return n;
}

describe('memory held by requests (memoryPerRequestMb)', () => {
  it('equals baseline + (queued + in service) × per-request memory, counted from the trace, with a worker pool and a dependency', () => {
    const { scenario, samples } = tier({ workers: 8, withDb: true });
    const a = runDetailed(scenario, { seed: 3, traceLevel: 'full' });
    let checked = 0;
    let peak = 0;
    for (const s of samples) {
      const held = heldAt(a.records, s.t);
      if (held === null) continue;
      checked++;
      peak = Math.max(peak, held);
      expect(s.mem, `at ${s.t} µs`).toBeCloseTo(BASE_MB + held * PER_REQUEST_MB, 6);
    }
    expect(checked).toBeGreaterThan(140);
    // the burst really queued requests (the pool of 8 waits on the database), and they drained
    expect(peak).toBeGreaterThan(100);
    expect(samples.at(-1)!.mem).toBe(BASE_MB);
  });

  it('equals baseline + the node queue state × per-request memory without a pool', () => {
    const { scenario, samples } = tier({ withDb: false });
    runDetailed(scenario, { seed: 5 });
    expect(samples.length).toBeGreaterThan(150);
    expect(Math.max(...samples.map((s) => s.inflight))).toBeGreaterThan(50);
    for (const s of samples) expect(s.mem, `at ${s.t} µs`).toBeCloseTo(BASE_MB + s.inflight * PER_REQUEST_MB, 6);
  });

  it('OOM-kills the replica at the arrival that takes it to its limit', () => {
    const limitMb = BASE_MB + 120 * PER_REQUEST_MB; // the 120th request held reaches the limit
    const { scenario } = tier({ workers: 8, withDb: true, limitMb });
    const a = runDetailed(scenario, { seed: 3, traceLevel: 'full' });
    const oom = a.records.find((r) => r.kind === 'node-state' && r.node === 'web-1' && r.reason === 'oom');
    expect(oom).toBeDefined();
    // replay the trace's arrivals and replies in time order until the count reaches 120
    const events = a.records
      .filter((r): r is Extract<TraceRecord, { kind: 'message-deliver' }> => r.kind === 'message-deliver' && ((r.from === 'lb' && r.to === 'web-1') || (r.from === 'web-1' && r.to === 'lb')))
      .map((r) => (r.from === 'lb' ? { t: r.time, d: 1 } : { t: r.sentUs, d: -1 }))
      .sort((x, y) => x.t - y.t || x.d - y.d);
    let n = 0;
    let reachedAt = -1;
    for (const e of events) {
      n += e.d;
      if (n >= 120) {
        reachedAt = e.t;
        break;
      }
    }
    expect(reachedAt).toBeGreaterThan(0);
    expect(oom!.time).toBe(reachedAt);
  });
});
