/**
 * Autoscaling.
 *
 * `replicaSet`: the scalable thing. New instances take `readinessDelay` to become ready (pull
 * image, start, pass the readiness probe); scaling in removes not-yet-ready instances first, then
 * the newest. It implements `ScalableTarget`, which the app layer can implement over real nodes.
 *
 * `horizontalPodAutoscaler` follows the Kubernetes HPA controller (autoscaling/v2, Kubernetes v1.30:
 * `pkg/controller/podautoscaler/horizontal.go`, `replica_calculator.go` and
 * `metrics/utilization.go`) for one resource metric. Every `syncPeriod` (15 s):
 * - If the current replicas are outside [minReplicas, maxReplicas] they are set to the nearer
 *   bound at once (no recommendation is recorded), as `reconcileAutoscaler` does.
 * - Utilization is truncated to a whole percent (`int32(metricsTotal * 100 / requestsTotal)`)
 *   before ratio = utilization / targetAverageUtilization over ready pods; within `tolerance`
 *   (0.1) of 1 the recommendation is the current count, else ceil(ratio × ready pods). When
 *   scaling up with pods not yet ready, those count as 0 % and the ratio is recomputed (again
 *   truncated); no change if it then falls within tolerance or changes direction, else
 *   ceil(ratio × pods).
 * - Stabilization is a window over past *recommendations*, not a delay: the result is raised to
 *   the minimum of the recommendations strictly newer than now − `scaleUpStabilizationWindow`
 *   (0 s) and lowered to the maximum of those strictly newer than now − `scaleDownStabilizationWindow`
 *   (300 s), the current one included (`stabilizeRecommendationWithBehaviors`: `timestamp.After`).
 *   So with 15 s syncs a scale-down comes exactly 300 s after the last higher recommendation.
 * - Rate policies (defaults: up Max of {4 pods, 100 %} per 15 s, down 100 % per 15 s) limit the
 *   change from the replica count at the start of each policy's period, which undoes the scale
 *   events of *both* directions inside the period (`periodStartReplicas = current − added +
 *   deleted`); Percent rounds up when scaling up and truncates when scaling down; the limit never
 *   reverses the direction, and the result stays within [minReplicas, maxReplicas].
 * `targetTracking` follows AWS target tracking scaling with instance warm-up (EC2 Auto Scaling
 * docs, 2026): every `evaluationPeriod` the metric (averaged over in-service instances, i.e. ready
 * and past `estimatedInstanceWarmup`) gives desired = ceil(inService × metric / targetValue).
 * Scale-out happens at once to desired, counting warming instances as capacity (so only the
 * difference is added); scale-in waits for `scaleInCooldown` since the last scaling activity and
 * for no instance to be warming, and never happens with `disableScaleIn`.
 */
import { InputError } from '../kernel/errors.ts';
import type { Gauge } from '../observe/metrics.ts';
import { ENV_OPTION_NAMES, PolicyEnv, type PolicyEnvOptions } from './env.ts';
import { booleanOption, checkKnown, durationOption, enumOption, numberOption, type Opts } from './options.ts';

declare module '../observe/trace.ts' {
  interface TraceRecordMap {
    'autoscale': { node: string; scaler: string; from: number; to: number; recommendation: number; metric: number; reason: string };
  }
}

/** What an autoscaler scales: desired and ready replicas, and `setReplicas` (`replicaSet` implements it; so can your own model). */
export interface ScalableTarget {
  /** Desired (spec) replicas, ready or not. */
  readonly replicas: number;
  /** Replicas ready (past their readiness delay). */
  readonly readyReplicas: number;
  /** Replicas ready for at least `warmupUs`. */
  inService(warmupUs: number): number;
  /** Scale to `n` replicas (an autoscaler's decision). */
  setReplicas(n: number): void;
}

/** The options of `replicaSet`: the initial replicas (ready at once) and how long a new one takes to become ready. */
export interface ReplicaSetOptions extends PolicyEnvOptions {
  /** Replicas at the start, ready at once (0 to 100,000). Default 1. */
  initialReplicas: number;
  /** Time from launch to ready (pull the image, start, pass the readiness probe). Default "30s". */
  readinessDelay?: string;
  /** `readinessDelay` in milliseconds. */
  readinessDelayMs?: number;
  /** Called when an instance becomes ready or is removed (id, ready). */
  onChange?: (id: number, up: boolean) => void;
}

/**
 * A Kubernetes-style ReplicaSet, the thing autoscalers scale: new instances take `readinessDelay`
 * to become ready; scaling in removes not-yet-ready instances first, then the newest.
 */
export class ReplicaSet implements ScalableTarget {
  private readonly launched: number[] = [];
  private readonly ids: number[] = [];
  private nextId = 0;
  private readonly readyGauge: Gauge;
  private readonly replicasGauge: Gauge;
  constructor(
    readonly env: PolicyEnv,
    initial: number,
    readonly readinessDelayUs: number,
    private readonly onChange: ((id: number, up: boolean) => void) | undefined,
  ) {
    this.readyGauge = env.gauge('ready');
    this.replicasGauge = env.gauge('replicas');
    for (let i = 0; i < initial; i++) {
      // initial instances are ready and warmed up
      this.launched.push(-Infinity);
      this.ids.push(this.nextId++);
    }
    this.replicasGauge.set(env.sim.now, initial);
    this.readyGauge.set(env.sim.now, initial);
  }
  get replicas(): number {
    return this.launched.length;
  }
  get readyReplicas(): number {
    return this.inService(0);
  }
  inService(warmupUs: number): number {
    const now = this.env.sim.now;
    let n = 0;
    for (const t of this.launched) if (now - t >= this.readinessDelayUs + warmupUs) n++;
    return n;
  }
  setReplicas(n: number): void {
    const sim = this.env.sim;
    while (this.launched.length < n) {
      const id = this.nextId++;
      this.launched.push(sim.now);
      this.ids.push(id);
      sim.schedule(this.readinessDelayUs, () => {
        if (this.ids.includes(id)) {
          this.readyGauge.set(sim.now, this.readyReplicas);
          this.onChange?.(id, true);
        }
      }, null);
    }
    while (this.launched.length > n) {
      // newest first: it is the least likely to be ready
      this.launched.pop();
      const id = this.ids.pop()!;
      this.onChange?.(id, false);
    }
    this.replicasGauge.set(sim.now, this.launched.length);
    this.readyGauge.set(sim.now, this.readyReplicas);
  }
}

/** A replica set of `initialReplicas` (default 1) whose new instances become ready after `readinessDelay` (default 30 s). */
export function replicaSet(options: ReplicaSetOptions): ReplicaSet {
  const where = 'replicaSet';
  const o = options as unknown as Opts;
  checkKnown(where, o, [...ENV_OPTION_NAMES, 'initialReplicas', 'readinessDelay', 'readinessDelayMs', 'onChange']);
  const init = numberOption(where, o, 'initialReplicas', 1, { min: 0, integer: true, max: 100_000 });
  return new ReplicaSet(new PolicyEnv(where, 'replica-set', o), init, durationOption(where, o, 'readinessDelay', 30_000_000), options.onChange);
}

/** One HPA `behavior` scaling policy (autoscaling/v2 `HPAScalingPolicy`): at most `value` pods or percent per `periodSeconds`. */
export interface HpaScalingPolicy {
  /** Limit in pods or in percent of the replicas at the start of the period. */
  type: 'Pods' | 'Percent';
  /** The limit. */
  value: number;
  /** The period the limit applies to, seconds. */
  periodSeconds: number;
}

/**
 * The options of `horizontalPodAutoscaler`, as the Kubernetes HPA (autoscaling/v2, v1.30) names
 * them, with the controller's defaults; `maxReplicas`, `target` and `metric` are required.
 */
export interface HpaOptions extends PolicyEnvOptions {
  /** What it scales. */
  target: ScalableTarget;
  /** Average utilization (percent of request) over ready pods, read at every sync. */
  metric: () => number;
  /** The utilization to keep, a whole percent. Default 80. */
  targetAverageUtilization?: number;
  /** Default 1. */
  minReplicas?: number;
  /** Required, as in the HPA spec. */
  maxReplicas: number;
  /** No change while utilization / target is within this of 1. Default 0.1. */
  tolerance?: number;
  /** Time between syncs (`--horizontal-pod-autoscaler-sync-period`). Default "15s". */
  syncPeriod?: string;
  /** `syncPeriod` in milliseconds. */
  syncPeriodMs?: number;
  /** `behavior.scaleUp.stabilizationWindowSeconds`. Default "0s". */
  scaleUpStabilizationWindow?: string;
  /** `scaleUpStabilizationWindow` in milliseconds. */
  scaleUpStabilizationWindowMs?: number;
  /** `behavior.scaleDown.stabilizationWindowSeconds`. Default "300s". */
  scaleDownStabilizationWindow?: string;
  /** `scaleDownStabilizationWindow` in milliseconds. */
  scaleDownStabilizationWindowMs?: number;
  /** `behavior.scaleUp.policies`. Default 4 pods and 100 % per 15 s. */
  scaleUpPolicies?: readonly HpaScalingPolicy[];
  /** `behavior.scaleDown.policies`. Default 100 % per 15 s. */
  scaleDownPolicies?: readonly HpaScalingPolicy[];
  /** Which scale-up policy wins. Default Max. */
  scaleUpSelectPolicy?: 'Max' | 'Min' | 'Disabled';
  /** Which scale-down policy wins. Default Max. */
  scaleDownSelectPolicy?: 'Max' | 'Min' | 'Disabled';
}

interface Rec {
  t: number;
  n: number;
}

/** A scale event: when, and how many pods were added (scale-up) or removed (scale-down). */
interface ScaleEvent {
  t: number;
  change: number;
}

/**
 * Floats that should be whole percents (4 × 120 / 6) can land a hair below them; Kubernetes
 * divides integer millicores, so treat anything within 1e-9 of the next integer as that integer.
 */
function truncatePercent(util: number): number {
  return Math.floor(util + 1e-9);
}

/**
 * A Kubernetes Horizontal Pod Autoscaler (autoscaling/v2, v1.30 controller) for one resource
 * metric: every `syncPeriod` a recommendation from utilization / target (within `tolerance` no
 * change), stabilized over past recommendations and limited by the scaling policies. Its sync is
 * a timer: `stop()` ends it.
 */
export class HorizontalPodAutoscaler {
  private readonly recs: Rec[] = [];
  private readonly upEvents: ScaleEvent[] = [];
  private readonly downEvents: ScaleEvent[] = [];
  private timer = -1;
  /** The last raw recommendation (before stabilization and rate limits). */
  lastRecommendation = 0;
  constructor(
    readonly env: PolicyEnv,
    readonly target: ScalableTarget,
    private readonly metric: () => number,
    readonly cfg: {
      targetUtil: number;
      min: number;
      max: number;
      tolerance: number;
      syncUs: number;
      upWindowUs: number;
      downWindowUs: number;
      up: readonly HpaScalingPolicy[];
      down: readonly HpaScalingPolicy[];
      upSelect: 'Max' | 'Min' | 'Disabled';
      downSelect: 'Max' | 'Min' | 'Disabled';
    },
  ) {
    this.timer = env.sim.schedule(cfg.syncUs, hpaSync, this);
  }

  stop(): void {
    if (this.timer !== -1) this.env.sim.cancel(this.timer);
    this.timer = -1;
  }

  /** Raw recommendation from the metric (`GetResourceReplicas`). */
  recommend(util: number): number {
    const c = this.cfg;
    const current = this.target.replicas;
    const ready = this.target.readyReplicas;
    // no metrics from ready pods: the controller reports an error and leaves the scale alone
    if (ready === 0) return current;
    const ratio = truncatePercent(util) / c.targetUtil;
    const unready = current - ready;
    if (!(unready > 0 && ratio > 1)) {
      if (Math.abs(1 - ratio) <= c.tolerance) return current;
      return Math.ceil(ratio * ready);
    }
    // scaling up while some pods are not ready: they count as 0 % of their request
    const ratio2 = truncatePercent((util * ready) / current) / c.targetUtil;
    if (Math.abs(1 - ratio2) <= c.tolerance || ratio2 < 1) return current;
    return Math.ceil(ratio2 * current);
  }

  /** @internal one controller sync (`reconcileAutoscaler`). */
  _sync(): void {
    const sim = this.env.sim;
    const c = this.cfg;
    const now = sim.now;
    const current = this.target.replicas;
    let desired: number;
    let rec: number;
    let util = Number.NaN;
    if (current > c.max) desired = rec = c.max;
    else if (current < c.min) desired = rec = c.min;
    else {
      util = this.metric();
      if (!(util >= 0 && util < Infinity)) throw new InputError(`horizontalPodAutoscaler: metric returned ${util}; it must be a utilization ≥ 0 (percent)`);
      rec = this.recommend(util);
      this.lastRecommendation = rec;
      desired = this.rateLimit(this.stabilize(rec, current, now), current, now);
    }
    if (desired !== current) {
      (desired > current ? this.upEvents : this.downEvents).push({ t: now, change: Math.abs(desired - current) });
      this.target.setReplicas(desired);
      this.env.trace?.emit({ time: now, kind: 'autoscale', node: this.env.node, scaler: this.env.name, from: current, to: desired, recommendation: rec, metric: Number.isNaN(util) ? -1 : Math.round(util * 1000) / 1000, reason: desired > current ? 'scale-up' : 'scale-down' });
    }
    forgetOlder(this.upEvents, now - longestPeriodUs(c.up));
    forgetOlder(this.downEvents, now - longestPeriodUs(c.down));
    this.timer = sim.schedule(c.syncUs, hpaSync, this);
  }

  /** `stabilizeRecommendationWithBehaviors`: records strictly newer than the cutoffs count. */
  private stabilize(rec: number, current: number, now: number): number {
    const c = this.cfg;
    const upCutoff = now - c.upWindowUs;
    const downCutoff = now - c.downWindowUs;
    let up = rec;
    let down = rec;
    for (const r of this.recs) {
      if (r.t > upCutoff) up = Math.min(up, r.n);
      if (r.t > downCutoff) down = Math.max(down, r.n);
    }
    this.recs.push({ t: now, n: rec });
    forgetOlder(this.recs, Math.min(upCutoff, downCutoff));
    let stabilized = current;
    if (stabilized < up) stabilized = up;
    if (stabilized > down) stabilized = down;
    return stabilized;
  }

  /** `convertDesiredReplicasWithBehaviorRate`. */
  private rateLimit(desired: number, current: number, now: number): number {
    const c = this.cfg;
    if (desired > current) {
      const limit = Math.max(current, this.upLimit(current, now));
      return Math.min(desired, c.max, limit);
    }
    if (desired < current) {
      const limit = Math.min(current, this.downLimit(current, now));
      return Math.max(desired, c.min, limit);
    }
    return desired;
  }

  /** Replicas at the start of a policy's period: the scale events inside it undone. */
  private periodStart(current: number, now: number, periodSeconds: number): number {
    const cutoff = now - periodSeconds * 1e6;
    let added = 0;
    let deleted = 0;
    for (const e of this.upEvents) if (e.t > cutoff) added += e.change;
    for (const e of this.downEvents) if (e.t > cutoff) deleted += e.change;
    return current - added + deleted;
  }

  /** `calculateScaleUpLimitWithScalingRules`. */
  private upLimit(current: number, now: number): number {
    const c = this.cfg;
    if (c.upSelect === 'Disabled') return current;
    let lim = c.upSelect === 'Max' ? -Infinity : Infinity;
    for (const p of c.up) {
      const start = this.periodStart(current, now, p.periodSeconds);
      const l = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
      lim = c.upSelect === 'Max' ? Math.max(lim, l) : Math.min(lim, l);
    }
    return lim;
  }

  /** `calculateScaleDownLimitWithBehaviors`. */
  private downLimit(current: number, now: number): number {
    const c = this.cfg;
    if (c.downSelect === 'Disabled') return current;
    let lim = c.downSelect === 'Max' ? Infinity : -Infinity;
    for (const p of c.down) {
      const start = this.periodStart(current, now, p.periodSeconds);
      const l = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
      lim = c.downSelect === 'Max' ? Math.min(lim, l) : Math.max(lim, l);
    }
    return lim;
  }
}

function longestPeriodUs(policies: readonly HpaScalingPolicy[]): number {
  let s = 0;
  for (const p of policies) s = Math.max(s, p.periodSeconds);
  return s * 1e6;
}

/** Drop entries at or before `cutoff` (they are in time order). */
function forgetOlder(list: { t: number }[], cutoff: number): void {
  let k = 0;
  while (k < list.length && list[k]!.t <= cutoff) k++;
  if (k > 0) list.splice(0, k);
}

function hpaSync(h: HorizontalPodAutoscaler): void {
  h._sync();
}

function checkPolicies(where: string, field: string, v: unknown, dflt: readonly HpaScalingPolicy[]): readonly HpaScalingPolicy[] {
  if (v === undefined) return dflt;
  if (!Array.isArray(v) || v.length === 0) throw new InputError(`${where}: ${field} must be a non-empty list of { type: "Pods" | "Percent", value, periodSeconds }`);
  return v.map((p, i) => {
    const w = `${where}: ${field}[${i}]`;
    checkKnown(w, p as Opts, ['type', 'value', 'periodSeconds']);
    return {
      type: enumOption(w, p as Opts, 'type', 'Pods', ['Pods', 'Percent'] as const),
      value: numberOption(w, p as Opts, 'value', 1, { min: 1, integer: true }),
      periodSeconds: numberOption(w, p as Opts, 'periodSeconds', 15, { min: 1, max: 1800, integer: true }),
    };
  });
}

/**
 * A Kubernetes Horizontal Pod Autoscaler (autoscaling/v2, v1.30 controller) on one utilization
 * metric: every `syncPeriod` (15 s) it recommends ceil(ready pods × utilization / target) outside
 * `tolerance` (0.1), stabilizes over past recommendations (scale-down window 300 s) and limits
 * the change by the scaling policies.
 */
export function horizontalPodAutoscaler(options: HpaOptions): HorizontalPodAutoscaler {
  const where = 'horizontalPodAutoscaler';
  const o = options as unknown as Opts;
  checkKnown(where, o, [...ENV_OPTION_NAMES, 'target', 'metric', 'targetAverageUtilization', 'minReplicas', 'maxReplicas', 'tolerance', 'syncPeriod', 'syncPeriodMs', 'scaleUpStabilizationWindow', 'scaleUpStabilizationWindowMs', 'scaleDownStabilizationWindow', 'scaleDownStabilizationWindowMs', 'scaleUpPolicies', 'scaleDownPolicies', 'scaleUpSelectPolicy', 'scaleDownSelectPolicy']);
  if (o.maxReplicas === undefined) throw new InputError(`${where}: maxReplicas is required (as in the HPA spec)`);
  if (typeof o.metric !== 'function') throw new InputError(`${where}: metric is required: () => average utilization in percent`);
  if (!o.target || typeof (o.target as ScalableTarget).setReplicas !== 'function') throw new InputError(`${where}: target is required (a ScalableTarget such as replicaSet({...}))`);
  const min = numberOption(where, o, 'minReplicas', 1, { min: 1, integer: true });
  const max = numberOption(where, o, 'maxReplicas', 1, { min: 1, integer: true, max: 100_000 });
  if (min > max) throw new InputError(`${where}: minReplicas (${min}) must be ≤ maxReplicas (${max})`);
  const win = { minUs: 0, maxUs: 3_600_000_000 };
  return new HorizontalPodAutoscaler(new PolicyEnv(where, 'hpa', o), options.target, options.metric, {
    targetUtil: numberOption(where, o, 'targetAverageUtilization', 80, { min: 1, integer: true }), // int32 percent in the API
    min,
    max,
    tolerance: numberOption(where, o, 'tolerance', 0.1, { min: 0, max: 1 }),
    syncUs: durationOption(where, o, 'syncPeriod', 15_000_000, { minUs: 1000 }),
    upWindowUs: durationOption(where, o, 'scaleUpStabilizationWindow', 0, win),
    downWindowUs: durationOption(where, o, 'scaleDownStabilizationWindow', 300_000_000, win),
    up: checkPolicies(where, 'scaleUpPolicies', o.scaleUpPolicies, [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }]),
    down: checkPolicies(where, 'scaleDownPolicies', o.scaleDownPolicies, [{ type: 'Percent', value: 100, periodSeconds: 15 }]),
    upSelect: enumOption(where, o, 'scaleUpSelectPolicy', 'Max', ['Max', 'Min', 'Disabled'] as const),
    downSelect: enumOption(where, o, 'scaleDownSelectPolicy', 'Max', ['Max', 'Min', 'Disabled'] as const),
  });
}

/** The options of `targetTracking`, as EC2 Auto Scaling target tracking names them; `target`, `metric`, `targetValue` and `maxCapacity` are required. */
export interface TargetTrackingOptions extends PolicyEnvOptions {
  /** What it scales. */
  target: ScalableTarget;
  /** The metric averaged over in-service instances (e.g. CPU %, requests per instance). */
  metric: () => number;
  /** The metric value to keep. */
  targetValue: number;
  /** Default 1. */
  minCapacity?: number;
  /** Required. */
  maxCapacity: number;
  /** How long a ready instance warms up before it counts as in service. Default "300s". */
  estimatedInstanceWarmup?: string;
  /** `estimatedInstanceWarmup` in milliseconds. */
  estimatedInstanceWarmupMs?: number;
  /** Time after the last scaling activity before scaling in. Default "300s". */
  scaleInCooldown?: string;
  /** `scaleInCooldown` in milliseconds. */
  scaleInCooldownMs?: number;
  /** Time between evaluations. Default "60s". */
  evaluationPeriod?: string;
  /** `evaluationPeriod` in milliseconds. */
  evaluationPeriodMs?: number;
  /** Never scale in. Default false. */
  disableScaleIn?: boolean;
}

/**
 * AWS target tracking scaling with instance warm-up: every `evaluationPeriod`, desired =
 * ceil(in service × metric / targetValue); scale-out at once (warming instances count as
 * capacity), scale-in only after `scaleInCooldown` with no instance warming. Its evaluation is a
 * timer: `stop()` ends it.
 */
export class TargetTracking {
  private timer = -1;
  private lastActivityUs = -Infinity;
  constructor(
    readonly env: PolicyEnv,
    readonly target: ScalableTarget,
    private readonly metric: () => number,
    readonly cfg: { targetValue: number; min: number; max: number; warmupUs: number; cooldownInUs: number; periodUs: number; disableScaleIn: boolean },
  ) {
    this.timer = env.sim.schedule(cfg.periodUs, ttEval, this);
  }
  stop(): void {
    if (this.timer !== -1) this.env.sim.cancel(this.timer);
    this.timer = -1;
  }
  /** @internal */
  _eval(): void {
    const sim = this.env.sim;
    const c = this.cfg;
    const now = sim.now;
    const cap = this.target.replicas;
    const inService = this.target.inService(c.warmupUs);
    const m = this.metric();
    let desired = cap;
    if (inService > 0) {
      const want = Math.ceil((inService * m) / c.targetValue);
      if (want > cap) desired = want;
      else if (want < cap && !c.disableScaleIn && inService === cap && now - this.lastActivityUs >= c.cooldownInUs) desired = want;
    }
    desired = Math.min(c.max, Math.max(c.min, desired));
    if (desired !== cap) {
      this.lastActivityUs = now;
      this.target.setReplicas(desired);
      this.env.trace?.emit({ time: now, kind: 'autoscale', node: this.env.node, scaler: this.env.name, from: cap, to: desired, recommendation: desired, metric: Math.round(m * 1000) / 1000, reason: desired > cap ? 'scale-out' : 'scale-in' });
    }
    this.timer = sim.schedule(c.periodUs, ttEval, this);
  }
}

function ttEval(t: TargetTracking): void {
  t._eval();
}

/**
 * AWS target tracking scaling with instance warm-up (EC2 Auto Scaling): every `evaluationPeriod`
 * (60 s), desired = ceil(in service × metric / targetValue); scale-out at once, scale-in after
 * `scaleInCooldown` (300 s) with no instance warming.
 */
export function targetTracking(options: TargetTrackingOptions): TargetTracking {
  const where = 'targetTracking';
  const o = options as unknown as Opts;
  checkKnown(where, o, [...ENV_OPTION_NAMES, 'target', 'metric', 'targetValue', 'minCapacity', 'maxCapacity', 'estimatedInstanceWarmup', 'estimatedInstanceWarmupMs', 'scaleInCooldown', 'scaleInCooldownMs', 'evaluationPeriod', 'evaluationPeriodMs', 'disableScaleIn']);
  if (o.targetValue === undefined || o.maxCapacity === undefined) throw new InputError(`${where}: targetValue and maxCapacity are required`);
  if (typeof o.metric !== 'function' || !o.target) throw new InputError(`${where}: target and metric are required`);
  const min = numberOption(where, o, 'minCapacity', 1, { min: 0, integer: true });
  const max = numberOption(where, o, 'maxCapacity', 1, { min: 1, integer: true, max: 100_000 });
  if (min > max) throw new InputError(`${where}: minCapacity (${min}) must be ≤ maxCapacity (${max})`);
  return new TargetTracking(new PolicyEnv(where, 'target-tracking', o), options.target, options.metric, {
    targetValue: numberOption(where, o, 'targetValue', 50, { min: 0, minExclusive: true }),
    min,
    max,
    warmupUs: durationOption(where, o, 'estimatedInstanceWarmup', 300_000_000),
    cooldownInUs: durationOption(where, o, 'scaleInCooldown', 300_000_000),
    periodUs: durationOption(where, o, 'evaluationPeriod', 60_000_000, { minUs: 1000 }),
    disableScaleIn: booleanOption(where, o, 'disableScaleIn', false),
  });
}
