// The HPA against Kubernetes itself (v1.30, pkg/controller/podautoscaler). Two kinds of reference:
// figures worked out by hand from the controller's rules, and `k8sHpa` below, a transcription of
// the controller's functions (named as in the Go source) written apart from sim/patterns, run on
// the same utilization series.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Simulation } from '../../sim/kernel/sim.ts';
import { horizontalPodAutoscaler, replicaSet, type HpaScalingPolicy } from '../../sim/patterns/autoscaler.ts';

interface K8sBehavior {
  upWindowSec: number;
  downWindowSec: number;
  up: HpaScalingPolicy[];
  down: HpaScalingPolicy[];
}

/** The controller's state and functions for one HPA whose pods are always ready. */
function k8sHpa(min: number, max: number, target: number, b: K8sBehavior) {
  const recommendations: { ts: number; rec: number }[] = [];
  const scaleUpEvents: { ts: number; change: number }[] = [];
  const scaleDownEvents: { ts: number; change: number }[] = [];
  // metrics/utilization.go GetResourceUtilizationRatio: integer percent of the requests
  const utilizationRatio = (podUtilPct: number[]) => {
    const metricsTotal = podUtilPct.reduce((a, u) => a + Math.round(u * 10), 0); // millicores of a 1000m request
    const requestsTotal = podUtilPct.length * 1000;
    return Math.trunc((metricsTotal * 100) / requestsTotal) / target;
  };
  const getReplicasChangePerPeriod = (now: number, periodSeconds: number, events: { ts: number; change: number }[]) =>
    events.filter((e) => e.ts > now - periodSeconds).reduce((a, e) => a + e.change, 0);
  return {
    sync(now: number, current: number, podUtilPct: number[]): number {
      const result = this.desired(now, current, podUtilPct);
      // horizontal.go reconcileAutoscaler → storeScaleEvent, for every rescale
      if (result > current) scaleUpEvents.push({ ts: now, change: result - current });
      else if (result < current) scaleDownEvents.push({ ts: now, change: current - result });
      return result;
    },
    desired(now: number, current: number, podUtilPct: number[]): number {
      // horizontal.go reconcileAutoscaler: outside [min, max] go to the bound, nothing recorded
      if (current > max) return max;
      if (current < min) return min;
      // replica_calculator.go GetResourceReplicas (every pod ready, none missing)
      const usageRatio = utilizationRatio(podUtilPct);
      const desired = Math.abs(1 - usageRatio) <= 0.1 ? current : Math.ceil(usageRatio * podUtilPct.length);
      // horizontal.go stabilizeRecommendationWithBehaviors
      let upRecommendation = desired;
      let downRecommendation = desired;
      for (const r of recommendations) {
        if (r.ts > now - b.upWindowSec) upRecommendation = Math.min(r.rec, upRecommendation);
        if (r.ts > now - b.downWindowSec) downRecommendation = Math.max(r.rec, downRecommendation);
      }
      recommendations.push({ ts: now, rec: desired });
      let recommendation = current;
      if (recommendation < upRecommendation) recommendation = upRecommendation;
      if (recommendation > downRecommendation) recommendation = downRecommendation;
      // horizontal.go convertDesiredReplicasWithBehaviorRate (selectPolicy Max both ways)
      let result = recommendation;
      if (recommendation > current) {
        let scaleUpLimit = -Infinity;
        for (const p of b.up) {
          const start = current - getReplicasChangePerPeriod(now, p.periodSeconds, scaleUpEvents) + getReplicasChangePerPeriod(now, p.periodSeconds, scaleDownEvents);
          scaleUpLimit = Math.max(scaleUpLimit, p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100)));
        }
        if (scaleUpLimit < current) scaleUpLimit = current;
        const maximumAllowedReplicas = Math.min(max, scaleUpLimit);
        if (recommendation > maximumAllowedReplicas) result = maximumAllowedReplicas;
      } else if (recommendation < current) {
        let scaleDownLimit = Infinity;
        for (const p of b.down) {
          const start = current - getReplicasChangePerPeriod(now, p.periodSeconds, scaleUpEvents) + getReplicasChangePerPeriod(now, p.periodSeconds, scaleDownEvents);
          scaleDownLimit = Math.min(scaleDownLimit, p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100)));
        }
        if (scaleDownLimit > current) scaleDownLimit = current;
        const minimumAllowedReplicas = Math.max(min, scaleDownLimit);
        if (recommendation < minimumAllowedReplicas) result = minimumAllowedReplicas;
      }
      return result;
    },
  };
}

const DEFAULTS: K8sBehavior = {
  upWindowSec: 0,
  downWindowSec: 300,
  up: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }],
  down: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};

describe('horizontalPodAutoscaler matches the Kubernetes v1.30 controller', () => {
  it('scale-down stabilization: the window holds recommendations strictly newer than now − 300 s (Go timestamp.After)', () => {
    const sim = new Simulation();
    const rs = replicaSet({ sim, initialReplicas: 10, readinessDelay: '0s' });
    let util = 80;
    const hpa = horizontalPodAutoscaler({ sim, target: rs, metric: () => util, maxReplicas: 20 });
    // recommendations of 10 (within tolerance) at syncs up to 600 s, then 5 (40 % on 10 pods)
    sim.schedule(601_000_000, () => (util = 40), null);
    sim.run(899_000_000);
    expect(rs.replicas).toBe(10);
    // by hand: the last 10 was recommended at 600 s; at 900 s the cutoff is 600 s and a record at
    // exactly the cutoff is not After it, so the scale-down comes 300 s later, not 315 s
    sim.run(900_000_000);
    expect(rs.replicas).toBe(5);
    hpa.stop();
  });

  it('utilization is truncated to a whole percent first: 100 pods at 71.99 % against 80 % → 89 pods', () => {
    const sim = new Simulation();
    const rs = replicaSet({ sim, initialReplicas: 100, readinessDelay: '0s' });
    const hpa = horizontalPodAutoscaler({ sim, target: rs, metric: () => 71.99, maxReplicas: 200, scaleDownStabilizationWindow: '0s' });
    sim.run(15_000_000);
    // by hand: int32(7199 × 100 / 10000) = 71; 71 / 80 = 0.8875 (outside tolerance); ceil(88.75) = 89
    expect(rs.replicas).toBe(89);
    hpa.stop();
  });

  it('rate policies count the scale events of both directions in their period', () => {
    const sim = new Simulation();
    const rs = replicaSet({ sim, initialReplicas: 10, readinessDelay: '0s' });
    let util = 48; // 10 pods at 48 % → recommendation 6
    const hpa = horizontalPodAutoscaler({
      sim,
      target: rs,
      metric: () => util,
      maxReplicas: 50,
      scaleDownStabilizationWindow: '0s',
      scaleUpPolicies: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
      scaleDownPolicies: [{ type: 'Pods', value: 4, periodSeconds: 60 }],
    });
    sim.run(15_000_000);
    expect(rs.replicas).toBe(6);
    util = 200; // 6 pods at 200 % → recommendation 15
    sim.run(30_000_000);
    // by hand: periodStartReplicas = 6 − 0 added + 4 deleted = 10, so the limit is 10 + 1 = 11
    // (counting only scale-up events would have allowed 6 + 1 = 7)
    expect(rs.replicas).toBe(11);
    hpa.stop();
  });

  it('property: the same replica trajectory as the transcribed controller on random utilization series', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.integer({ min: 0, max: 4000 }).map((x) => x / 10), { minLength: 5, maxLength: 80 }),
        fc.integer({ min: 0, max: 8 }),
        fc.boolean(),
        (min, extra, initialOffset, utils, downWindowSyncs, customPolicies) => {
          const max = min + extra;
          const initial = Math.max(0, Math.min(max + 3, min + initialOffset - 3)); // sometimes outside [min, max]
          const behavior: K8sBehavior = customPolicies
            ? { upWindowSec: 30, downWindowSec: downWindowSyncs * 15, up: [{ type: 'Pods', value: 2, periodSeconds: 45 }, { type: 'Percent', value: 50, periodSeconds: 30 }], down: [{ type: 'Pods', value: 1, periodSeconds: 30 }, { type: 'Percent', value: 20, periodSeconds: 60 }] }
            : { ...DEFAULTS, downWindowSec: downWindowSyncs * 15 };
          const sim = new Simulation();
          const rs = replicaSet({ sim, initialReplicas: Math.max(0, initial), readinessDelay: '0s' });
          let i = 0;
          const hpa = horizontalPodAutoscaler({
            sim,
            target: rs,
            metric: () => utils[i % utils.length]!,
            minReplicas: min,
            maxReplicas: max,
            scaleUpStabilizationWindowMs: behavior.upWindowSec * 1000,
            scaleDownStabilizationWindowMs: behavior.downWindowSec * 1000,
            scaleUpPolicies: behavior.up,
            scaleDownPolicies: behavior.down,
          });
          const ref = k8sHpa(min, max, 80, behavior);
          let refReplicas = Math.max(0, initial);
          for (let k = 1; k <= 60; k++) {
            const u = utils[i % utils.length]!;
            refReplicas = ref.sync(k * 15, refReplicas, new Array(refReplicas).fill(u));
            sim.run(k * 15_000_000);
            i++;
            expect(rs.replicas).toBe(refReplicas);
          }
          hpa.stop();
        },
      ),
      { numRuns: 150 },
    );
  });
});
