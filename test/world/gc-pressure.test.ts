/**
 * The garbage-collection mechanism of metastable failures (Huang et al., OSDI 2022): a load spike
 * leaves a queue; queued requests are live heap; a fuller heap collects more often and for longer,
 * which slows the draining. Below a spike size the queue drains after the spike; above it, it
 * never does (the node is OOM-killed with its queue still growing). The test finds the threshold
 * by bisection and prints it, then checks spikes well below and well above it on other seeds.
 *
 * The reference is the model's closed form (sim/world/gc.ts): with m MiB allocated per request,
 * μ(L) = μ0 / (1 + μ0·m·(p0 + k·L)/(H − L)); the arrival rate λ crosses μ(L) at one queue
 * length q*, so the threshold spike is the one whose queue reaches about q*.
 */
import { describe, expect, it } from 'vitest';
import { defineScenario, run } from '../../sim/index.ts';

const WORK_MS = 5; // μ0 = 200/s on one core
const BASE_RATE = 120; // λ: ρ = 0.6 without collections
const SPIKE_RATE = 400;
const BASE_MB = 256;
const LIMIT_MB = 2048;
const PER_REQUEST_MB = 4;
const ALLOC_MB_PER_CPU_SEC = 2000; // m = 10 MiB per request
const PAUSE_PER_GB_MS = 100;
const SPIKE_AT_MS = 5_000;

function spikeScenario(gc: boolean) {
  return defineScenario({
    name: 'gc-spike',
    title: 't',
    description: '',
    params: { spikeMs: { type: 'number', default: 1000, min: 0, max: 60_000 } },
    build({ params, world, service, client, openLoop, every, sim }) {
      world({ nodes: ['lb'], network: { latency: '200us' } });
      const web = service('web', {
        nodes: ['web-1'],
        node: {
          cores: 1,
          memoryBaseMb: BASE_MB,
          memoryLimitMb: LIMIT_MB,
          restartPolicy: 'never',
          ...(gc ? { gc: { allocationMbPerCpuSec: ALLOC_MB_PER_CPU_SEC, pausePerLiveGb: `${PAUSE_PER_GB_MS}ms`, pauseMin: '2ms' } } : {}),
        },
        endpoints: { page: { work: `${WORK_MS}ms`, memoryPerRequestMb: PER_REQUEST_MB } },
      });
      const node = world().node('web-1');
      const endSpikeUs = (SPIKE_AT_MS + params.spikeMs) * 1000;
      let peak = 0;
      let drainedAtUs: number | null = null;
      every('20ms', () => {
        peak = Math.max(peak, node.inflight);
        if (drainedAtUs === null && sim.now > endSpikeUs && node.alive && node.inflight <= 5) drainedAtUs = sim.now;
      });
      const call = client(web, 'page', { timeout: '1h' });
      openLoop({ name: 'base', from: 'lb', rate: BASE_RATE, until: '60s', call });
      if (params.spikeMs > 0) openLoop({ name: 'spike', from: 'lb', rate: SPIKE_RATE - BASE_RATE, start: `${SPIKE_AT_MS}ms`, until: `${SPIKE_AT_MS + params.spikeMs}ms`, call });
      return {
        untilUs: 60_000_000,
        metrics: () => ({ drained: drainedAtUs !== null, peakQueue: peak, oomKills: node.oomKills, collections: node.gcCollections }),
      };
    },
  });
}

function drains(gc: boolean, spikeMs: number, seed: number) {
  const m = run(spikeScenario(gc), { seed, params: { spikeMs } }).metrics;
  return { drained: m.drained as boolean, peak: m.peakQueue as number, oom: m.oomKills as number, collections: m.collections as number };
}

describe('garbage-collection pressure (NodeSpec.gc)', () => {
  it('a spike below a threshold drains; above it the queue never drains (the OSDI 2022 GC mechanism)', () => {
    // bisection on the spike's length: drained at lo, not at hi
    let lo = 0;
    let hi = 6_000;
    expect(drains(true, lo, 1).drained).toBe(true);
    expect(drains(true, hi, 1).drained).toBe(false);
    while (hi - lo > 50) {
      const mid = Math.round((lo + hi) / 2);
      if (drains(true, mid, 1).drained) lo = mid;
      else hi = mid;
    }
    const below = drains(true, lo, 1);
    const above = drains(true, hi, 1);
    console.log(
      `GC threshold: a ${SPIKE_RATE}/s spike over a ${BASE_RATE}/s load drains when it lasts ≤ ${lo} ms (peak queue ${below.peak}) ` +
        `and never drains from ${hi} ms (peak queue ${above.peak}, ${above.oom} OOM kill${above.oom === 1 ? '' : 's'})`,
    );
    // the closed form's threshold queue: λ = μ(L) at L = base + q·r
    const mu = (q: number): number => {
      const live = BASE_MB + q * PER_REQUEST_MB;
      const pausePerReqSec = ((ALLOC_MB_PER_CPU_SEC * WORK_MS) / 1000 / (LIMIT_MB - live)) * (0.002 + (PAUSE_PER_GB_MS / 1000 / 1024) * live);
      return 1 / (WORK_MS / 1000 + pausePerReqSec);
    };
    let qStar = 0;
    while (mu(qStar) > BASE_RATE) qStar++;
    const qOom = (LIMIT_MB - BASE_MB) / PER_REQUEST_MB;
    console.log(`closed form: μ(q) falls below λ = ${BASE_RATE}/s at q* = ${qStar} queued requests (OOM at ${qOom})`);
    // the spike at the threshold leaves a queue near q*, well short of the OOM limit
    expect(below.peak).toBeGreaterThan(qStar * 0.7);
    expect(below.peak).toBeLessThan(qStar * 1.2);
    expect(below.peak).toBeLessThan(qOom);
    // well below and well above the threshold, on other seeds: the same answer
    for (const seed of [2, 3, 4]) {
      expect(drains(true, Math.round(lo * 0.6), seed).drained, `seed ${seed}, ${Math.round(lo * 0.6)} ms`).toBe(true);
      const big = drains(true, Math.round(hi * 1.5), seed);
      expect(big.drained, `seed ${seed}, ${Math.round(hi * 1.5)} ms`).toBe(false);
      expect(big.oom).toBe(1);
    }
  });

  it('without the collector the same spike that never drained does drain (memory alone does not slow service)', () => {
    // the largest spike whose queue fits in memory: (LIMIT − BASE)/r requests at 200/s net growth
    const spikeMs = 1_800;
    expect(drains(true, spikeMs, 1).drained).toBe(false);
    const off = drains(false, spikeMs, 1);
    expect(off.drained).toBe(true);
    expect(off.oom).toBe(0);
    expect(off.collections).toBe(0);
  });
});
