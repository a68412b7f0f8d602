/**
 * Alerting in a run: which configuration applies (the scenario's `alerting`, with a `--rules`
 * file's top-level keys over it), installing it in the run's simulation once the world is built,
 * and the run's incident metrics at the end. The runner calls these three functions; a run with
 * no alerting configuration calls none of the rest.
 */
import type { RandomStreams } from '../kernel/random.ts';
import type { Simulation } from '../kernel/sim.ts';
import type { Metrics } from '../observe/metrics.ts';
import type { RequestStats } from '../observe/requests.ts';
import type { Tracer } from '../observe/trace.ts';
import type { FaultPlan } from '../faults/plan.ts';
import type { World } from '../world/world.ts';
import type { Operations } from '../app/probes.ts';
import { Alerting } from './eval.ts';
import { OnCall } from './oncall.ts';
import { checkRunbook } from './runbooks.ts';
import { incidentMetrics } from './incident.ts';
import { loadAlerting, mergeAlerting, type AlertingConfig, type AlertingInput } from './rules.ts';

/**
 * The run's alerting configuration, validated: the scenario's (its `alerting`, resolved for the
 * run's params) with `given` (a `--rules` file's data) over it; null when neither has any.
 */
export function resolveAlerting(base: AlertingInput | undefined, given: AlertingInput | undefined, scenarioName: string, rulesFile?: string): AlertingConfig | null {
  const merged = mergeAlerting(base, given);
  if (merged === undefined) return null;
  const source = given !== undefined ? `rules file ${rulesFile ?? '(given)'}` : `scenario ${scenarioName} alerting`;
  return loadAlerting(merged, source);
}

/** What alerting needs from a run. */
export interface AlertingRunContext {
  sim: Simulation;
  trace: Tracer;
  metrics: Metrics;
  requests: RequestStats;
  random: RandomStreams;
  world: World | null;
  plan: FaultPlan;
  background: (what: string) => void;
  /** Service name → its replicas' nodes (what runbook targets name). */
  services: ReadonlyMap<string, readonly string[]>;
  /** How runbook actions work in the model (`runbookAction` in build). */
  operations: Operations;
}

/** Alerting installed in one run. */
export interface AlertingRun {
  readonly alerting: Alerting;
  /** Its on-call rotation and runbooks, when it has any. */
  readonly oncall: OnCall | null;
  /** The run's incident metrics (`timeToDetectMs`, …, `falseAlerts`). */
  metrics(): Record<string, unknown>;
}

/** Install the configuration's scrapes and rule evaluations (and its on-call, if any) in the run. */
export function installAlerting(ctx: AlertingRunContext, config: AlertingConfig): AlertingRun {
  for (const rb of config.runbooks) checkRunbook(ctx, rb, config.source);
  const alerting = new Alerting(ctx, config);
  const oncall = config.oncall !== null || config.runbooks.length > 0 ? new OnCall(ctx, config, alerting) : null;
  const faultStartUs = ctx.plan.length === 0 ? null : Math.min(...ctx.plan.map((e) => e.at));
  return {
    alerting,
    oncall,
    metrics() {
      const m = incidentMetrics({ episodes: alerting.episodes, faultStartUs, requests: ctx.requests, config, acksUs: config.oncall !== null ? oncall!.acksUs : undefined });
      return {
        ...m,
        ...(oncall !== null ? { pages: oncall.pages, escalations: oncall.escalations, runbookActions: oncall.actions, mistakenActions: oncall.mistakes } : {}),
      };
    },
  };
}
