/**
 * Autoscaling.
 *
 * `replicaSet`: the scalable thing. New instances take `readinessDelay` to become ready (pull
 * image, start, pass the readiness probe); scaling in removes not-yet-ready instances first, then
 * the newest. It implements `ScalableTarget`, which the app layer can implement over real nodes.
 *
 * `horizontalPodAutoscaler` follows the Kubernetes HPA controller (autoscaling/v2,
 * `replica_calculator.go` and `horizontal.go`, Kubernetes 1.30) for one resource metric:
 * every `syncPeriod` (15 s): ratio = utilization / targetAverageUtilization over ready pods; within
 * `tolerance` (0.1) of 1 nothing changes; when scaling up, pods not yet ready count as 0 %
 * utilization and the ratio is recomputed (no change if it then falls within tolerance); the
 * recommendation is ceil(ratio × pods). Stabilization is a window over past *recommendations*,
 * not a delay: scale up to the minimum recommendation of the last `scaleUpStabilizationWindow`
 * (0 s), down to the maximum of the last `scaleDownStabilizationWindow` (300 s). Rate policies
 * (defaults: up Max of {4 pods, 100 %} per 15 s, down 100 % per 15 s) then limit the change, and
 * the result is clamped to [minReplicas, maxReplicas].
 *
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

export interface ScalableTarget {
  /** Desired (spec) replicas, ready or not. */
  readonly replicas: number;
  readonly readyReplicas: number;
  /** Replicas ready for at least `warmupUs`. */
  inService(warmupUs: number): number;
  setReplicas(n: number): void;
}

export interface ReplicaSetOptions extends PolicyEnvOptions {
  initialReplicas: number;
  readinessDelay?: string;
  readinessDelayMs?: number;
  /** Called when an instance becomes ready or is removed (id, ready). */
  onChange?: (id: number, up: boolean) => void;
}

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

export function replicaSet(options: ReplicaSetOptions): ReplicaSet {
  const where = 'replicaSet';
  const o = options as unknown as Opts;
  checkKnown(where, o, [...ENV_OPTION_NAMES, 'initialReplicas', 'readinessDelay', 'readinessDelayMs', 'onChange']);
  const init = numberOption(where, o, 'initialReplicas', 1, { min: 0, integer: true, max: 100_000 });
  return new ReplicaSet(new PolicyEnv(where, 'replica-set', o), init, durationOption(where, o, 'readinessDelay', 30_000_000), options.onChange);
}

export interface HpaScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

export interface HpaOptions extends PolicyEnvOptions {
  target: ScalableTarget;
  /** Average utilization (percent of request) over ready pods, read at every sync. */
  metric: () => number;
  targetAverageUtilization?: number;
  minReplicas?: number;
  maxReplicas: number;
  tolerance?: number;
  syncPeriod?: string;
  syncPeriodMs?: number;
  scaleUpStabilizationWindow?: string;
  scaleUpStabilizationWindowMs?: number;
  scaleDownStabilizationWindow?: string;
  scaleDownStabilizationWindowMs?: number;
  scaleUpPolicies?: readonly HpaScalingPolicy[];
  scaleDownPolicies?: readonly HpaScalingPolicy[];
  scaleUpSelectPolicy?: 'Max' | 'Min' | 'Disabled';
  scaleDownSelectPolicy?: 'Max' | 'Min' | 'Disabled';
}

interface Rec {
  t: number;
  n: number;
}

export class HorizontalPodAutoscaler {
  private readonly recs: Rec[] = [];
  private readonly events: { t: number; delta: number }[] = [];
  private timer = -1;
  /** The last computed desired replicas, before and after stabilization/limits. */
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

  /** Raw recommendation from the metric (steps 1–4). */
  recommend(util: number): number {
    const c = this.cfg;
    const current = this.target.replicas;
    const ready = this.target.readyReplicas;
    if (ready === 0) return current;
    const ratio = util / c.targetUtil;
    if (Math.abs(ratio - 1) <= c.tolerance) return current;
    const unready = current - ready;
    if (ratio > 1 && unready > 0) {
      const r2 = (util * ready) / (c.targetUtil * current);
      if (r2 <= 1 || Math.abs(r2 - 1) <= c.tolerance) return current;
      return Math.ceil(r2 * current);
    }
    return Math.ceil(ratio * ready);
  }

  /** @internal one controller sync. */
  _sync(): void {
    const sim = this.env.sim;
    const c = this.cfg;
    const now = sim.now;
    const current = this.target.replicas;
    const util = this.metric();
    if (!(util >= 0 && util < Infinity)) throw new InputError(`horizontalPodAutoscaler: metric returned ${util}; it must be a utilization ≥ 0 (percent)`);
    const rec = this.recommend(util);
    this.lastRecommendation = rec;
    this.recs.push({ t: now, n: rec });
    const keep = Math.max(c.upWindowUs, c.downWindowUs);
    while (this.recs.length > 0 && this.recs[0]!.t < now - keep) this.recs.shift();
    let up = rec;
    let down = rec;
    for (const r of this.recs) {
      if (r.t >= now - c.upWindowUs) up = Math.min(up, r.n);
      if (r.t >= now - c.downWindowUs) down = Math.max(down, r.n);
    }
    let desired = current < up ? up : current > down ? down : current;
    if (desired > current) desired = Math.min(desired, this.upLimit(current, now));
    else if (desired < current) desired = Math.max(desired, this.downLimit(current, now));
    desired = Math.min(c.max, Math.max(c.min, desired));
    if (desired !== current) {
      this.events.push({ t: now, delta: desired - current });
      this.target.setReplicas(desired);
      this.env.trace?.emit({ time: now, kind: 'autoscale', node: this.env.node, scaler: this.env.name, from: current, to: desired, recommendation: rec, metric: Math.round(util * 1000) / 1000, reason: desired > current ? 'scale-up' : 'scale-down' });
    }
    const horizon = 3_600_000_000;
    while (this.events.length > 0 && this.events[0]!.t < now - horizon) this.events.shift();
    this.timer = sim.schedule(c.syncUs, hpaSync, this);
  }

  private changedWithin(now: number, periodUs: number, sign: 1 | -1): number {
    let s = 0;
    for (const e of this.events) if (e.t > now - periodUs && Math.sign(e.delta) === sign) s += Math.abs(e.delta);
    return s;
  }

  private upLimit(current: number, now: number): number {
    const c = this.cfg;
    if (c.upSelect === 'Disabled') return current;
    let lim = c.upSelect === 'Max' ? -Infinity : Infinity;
    for (const p of c.up) {
      const start = current - this.changedWithin(now, p.periodSeconds * 1e6, 1);
      const l = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
      lim = c.upSelect === 'Max' ? Math.max(lim, l) : Math.min(lim, l);
    }
    return lim;
  }

  private downLimit(current: number, now: number): number {
    const c = this.cfg;
    if (c.downSelect === 'Disabled') return current;
    let lim = c.downSelect === 'Max' ? Infinity : -Infinity;
    for (const p of c.down) {
      const start = current + this.changedWithin(now, p.periodSeconds * 1e6, -1);
      const l = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
      lim = c.downSelect === 'Max' ? Math.min(lim, l) : Math.max(lim, l);
    }
    return lim;
  }
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

/** Kubernetes HPA; see the file comment. */
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
    targetUtil: numberOption(where, o, 'targetAverageUtilization', 80, { min: 0, minExclusive: true }),
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

export interface TargetTrackingOptions extends PolicyEnvOptions {
  target: ScalableTarget;
  /** The metric averaged over in-service instances (e.g. CPU %, requests per instance). */
  metric: () => number;
  targetValue: number;
  minCapacity?: number;
  maxCapacity: number;
  estimatedInstanceWarmup?: string;
  estimatedInstanceWarmupMs?: number;
  scaleInCooldown?: string;
  scaleInCooldownMs?: number;
  evaluationPeriod?: string;
  evaluationPeriodMs?: number;
  disableScaleIn?: boolean;
}

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

/** AWS target tracking with instance warm-up; see the file comment. */
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
