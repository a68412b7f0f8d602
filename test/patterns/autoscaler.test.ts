import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Simulation } from '../../sim/kernel/sim.ts';
import { Tracer } from '../../sim/observe/trace.ts';
import { horizontalPodAutoscaler, replicaSet, targetTracking } from '../../sim/patterns/autoscaler.ts';

/** Utilization for a fixed total load (in "percent of one pod") spread over ready pods. */
const loadOver = (rs: { readyReplicas: number }, total: () => number) => () => (rs.readyReplicas === 0 ? 0 : total() / rs.readyReplicas);

describe('horizontalPodAutoscaler (Kubernetes)', () => {
  it('within tolerance (0.1) of the target nothing changes', () => {
    const sim = new Simulation();
    const rs = replicaSet({ sim, initialReplicas: 4, readinessDelay: '0s' });
    const hpa = horizontalPodAutoscaler({ sim, target: rs, metric: () => 87, maxReplicas: 10 });
    sim.run(60_000_000);
    expect(rs.replicas).toBe(4);
    hpa.stop();
  });

  it('scales up to ceil(replicas × utilization / target) at once (scale-up window 0)', () => {
    const sim = new Simulation();
    const rs = replicaSet({ sim, initialReplicas: 4, readinessDelay: '0s' });
    const hpa = horizontalPodAutoscaler({ sim, target: rs, metric: loadOver(rs, () => 4 * 120), maxReplicas: 10 });
    sim.run(15_000_000);
    expect(rs.replicas).toBe(6); // ceil(4 × 120/80)
    hpa.stop();
  });

  it('scale-down stabilization is a window over past recommendations, not a delay', () => {
    const sim = new Simulation();
    const trace = new Tracer({ level: 'summary' });
    const rs = replicaSet({ sim, initialReplicas: 10, readinessDelay: '0s' });
    let load = 10 * 80;
    const hpa = horizontalPodAutoscaler({ sim, trace, target: rs, metric: loadOver(rs, () => load), maxReplicas: 20, scaleDownStabilizationWindow: '60s' });
    sim.schedule(100_000_000, () => (load = 5 * 80), null); // recommendations of 5 from 105 s
    sim.schedule(131_000_000, () => (load = 8 * 80), null); // one recommendation of 8 at 135 s
    sim.schedule(136_000_000, () => (load = 5 * 80), null);
    sim.run(300_000_000);
    // each sync scales down to the highest recommendation strictly newer than now − 60 s: the last
    // 10 is from the sync at 90 s, so 8 (from 135 s) at 150 s; that one leaves the window at 195 s
    const changes = trace.records.filter((r) => r.kind === 'autoscale');
    expect(changes.map((r) => r.kind === 'autoscale' && `${r.time / 1e6}:${r.to}`)).toEqual(['150:8', '195:5']);
    hpa.stop();
  });

  it('new pods count as 0 % while not ready when scaling up, so the HPA does not overshoot', () => {
    const sim = new Simulation();
    const rs = replicaSet({ sim, initialReplicas: 2, readinessDelay: '60s' });
    const hpa = horizontalPodAutoscaler({ sim, target: rs, metric: loadOver(rs, () => 2 * 160), maxReplicas: 50 });
    sim.run(15_000_000);
    expect(rs.replicas).toBe(4);
    sim.run(45_000_000); // unready pods count as 0 %: 2×160/(80×4) = 1 → no change
    expect(rs.replicas).toBe(4);
    hpa.stop();
  });

  it('default scale-up policies limit growth to max(4 pods, 100 %) per 15 s', () => {
    const sim = new Simulation();
    const rs = replicaSet({ sim, initialReplicas: 2, readinessDelay: '0s' });
    const hpa = horizontalPodAutoscaler({ sim, target: rs, metric: loadOver(rs, () => 2 * 800), maxReplicas: 100 });
    sim.run(15_000_000);
    expect(rs.replicas).toBe(6); // 2 + 4 pods beats 2 × 200 %
    sim.run(30_000_000);
    expect(rs.replicas).toBe(12); // 6 × 2
    hpa.stop();
  });

  it('property: the HPA never leaves [minReplicas, maxReplicas]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 20 }), fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 120 }), (min, extra, loads, readySec) => {
        const max = min + extra;
        const sim = new Simulation();
        const rs = replicaSet({ sim, initialReplicas: min, readinessDelayMs: readySec * 1000 });
        let i = 0;
        const hpa = horizontalPodAutoscaler({ sim, target: rs, metric: () => loads[i++ % loads.length]!, minReplicas: min, maxReplicas: max, scaleDownStabilizationWindow: '30s' });
        for (let t = 1; t <= 60; t++) {
          sim.run(t * 15_000_000);
          expect(rs.replicas).toBeGreaterThanOrEqual(min);
          expect(rs.replicas).toBeLessThanOrEqual(max);
        }
        hpa.stop();
      }),
      { numRuns: 60 },
    );
  });
});

describe('targetTracking (AWS) with instance warm-up', () => {
  it('counts warming instances as capacity so a repeated alarm adds only the difference, and new instances take time to serve', () => {
    const sim = new Simulation();
    const rs = replicaSet({ sim, initialReplicas: 2, readinessDelay: '60s' });
    const total = 2 * 100;
    const tt = targetTracking({ sim, target: rs, metric: () => total / Math.max(1, rs.inService(120_000_000)), targetValue: 50, maxCapacity: 10, estimatedInstanceWarmup: '120s' });
    sim.run(60_000_000);
    expect(rs.replicas).toBe(4);
    expect(rs.readyReplicas).toBe(2);
    sim.run(120_000_000);
    expect(rs.replicas).toBe(4); // desired 4 again, not 4 more
    sim.run(121_000_000);
    expect(rs.readyReplicas).toBe(4);
    tt.stop();
  });
});
