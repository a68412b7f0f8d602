/**
 * The runner: `run(scenario, { seed, variant, params })` builds the world, runs the kernel,
 * evaluates the checks and returns a RunResult in the DESIGN.md shape. Pure (no Node APIs), so
 * the same function runs in the CLI, a worker thread and the browser.
 */
import { InputError } from '../kernel/errors.ts';
import { hasOwn, showValue } from '../kernel/show.ts';
import { didYouMean } from '../kernel/suggest.ts';
import { formatDuration } from '../kernel/time.ts';
import { RandomStreams, checkSeed, type Seed } from '../kernel/random.ts';
import { Simulation, type Budgets } from '../kernel/sim.ts';
import { Metrics } from '../observe/metrics.ts';
import { RequestStats, type LatencySummaryMs } from '../observe/requests.ts';
import { Tracer, type TraceLevel, type TraceRecord, type TraceSink } from '../observe/trace.ts';
import { parseFaultPlan, serializeFaultPlan, type FaultPlan, type FaultPlanInput } from '../faults/plan.ts';
import { createModelling } from '../app/modelling.ts';
import type { RunEnded } from '../app/run-end.ts';
import { ADOPT_APP } from '../app/service.ts';
import { ADOPT_WORLD } from '../world/world.ts';
import { costOfRun, EXAMPLE_PRICES, type CostBreakdown, type PriceTable } from '../world/cost.ts';
import { wallClockMs } from './host-clock.ts';
import { guarded } from './guard.ts';
import { commandLine, fileWord, scenarioWord } from './replay-line.ts';
import { checkThrew, scenarioFailure, type RunPlace } from './user-error.ts';
import './fault-kinds.ts';
import { installAlerting, resolveAlerting, type AlertingRun } from '../alerts/install.ts';
import {
  resolveParams,
  type BuildContext,
  type CheckContext,
  type CheckOutcome,
  type CheckStatus,
  type ParamSpecs,
  type ParamValue,
  type Scenario,
} from './scenario.ts';

/** This faultline's version, written into every `RunResult` (and so into replay lines and reports). */
export const FAULTLINE_VERSION = '0.1.0';

/** One check's outcome in a `RunResult`, beside what the variant expected of it. */
export interface CheckResult {
  /** The check's name. */
  name: string;
  /** Its verdict on this run. */
  status: CheckStatus;
  /** `fail` when the variant's `expectFail` names the check, else `ok`. */
  expected: 'ok' | 'fail';
  /** When it first failed, in simulated ms; null when it did not (or does not say). */
  firstFailedAtMs: number | null;
  /** One sentence for people. */
  detail: string;
}

/**
 * The result of one run (`run`, the CLI's `--json`): what ran (scenario, variant, seed, params,
 * fault plan), its trace hash, its stats, its metrics, each check's outcome against its
 * expectation, and the command that replays it.
 */
export interface RunResult {
  /** `FAULTLINE_VERSION` of the faultline that ran it. */
  version: string;
  /** The scenario's name. */
  scenario: string;
  /** The variant that ran. */
  variant: string;
  /** The run's root seed. */
  seed: Seed;
  /** The resolved params. */
  params: Record<string, ParamValue>;
  /** The fault plan it ran, as JSON for `--faults` (durations as strings). */
  faults: Record<string, unknown>[];
  /** Hash of every trace record emitted: equal hashes, equal runs (at any trace level). */
  traceHash: string;
  /** Events processed, simulated time (ms) and wall time (ms; the only non-deterministic field). */
  stats: { events: number; simTimeMs: number; wallMs: number };
  metrics: {
    requests: number;
    ok: number;
    failed: number;
    availability: number;
    latencyMs: LatencySummaryMs;
    [name: string]: unknown;
  };
  /** Each check's outcome, in the scenario's order. */
  checks: CheckResult[];
  /** The command that replays this run. */
  replay: string;
}

/** The options of `run` and `runDetailed`: seed (default 1), variant (default the first), param overrides, a fault plan, trace level and sink, budgets, prices. */
export interface RunOptions {
  /** The root seed. Default 1. */
  seed?: Seed;
  /** The variant to run. Default: the scenario's first. */
  variant?: string;
  /** Param overrides on top of the variant's (CLI `--param k=v`, already typed). */
  params?: Record<string, ParamValue>;
  /** A fault plan replacing the scenario's default (CLI `--faults plan.json`). */
  faults?: FaultPlanInput;
  /** How much of the trace to keep (default `off`: hashed, not kept). */
  traceLevel?: TraceLevel;
  /** Where to stream the kept records instead of memory (a JSONL file). */
  traceSink?: TraceSink;
  /** With a sink, also keep the records in memory (the report of the same run needs them). */
  traceAlsoInMemory?: boolean;
  /** Budgets over the scenario's and `DEFAULT_BUDGETS` (CLI `--budget name=N`). */
  budgets?: Partial<Budgets>;
  /** How the replay command names the scenario (a path for a user's own file) and the plan file. */
  replay?: { scenarioRef?: string; faultsFile?: string; pricesFile?: string; liveness?: boolean; rulesFile?: string };
  /** The price table of the cost model (CLI `--prices prices.json`, validated); default the illustrative EXAMPLE_PRICES. */
  prices?: PriceTable;
  /** Alert rules, on-call and runbooks (CLI `--rules FILE`, parsed), over the scenario's `alerting`; see docs/ALERTING.md. */
  alerting?: Record<string, unknown>;
}

/** Everything a presenter may want besides the RunResult: the kept trace and the metric series. */
export interface RunArtifacts {
  result: RunResult;
  records: readonly TraceRecord[];
  truncatedRecords: number;
  requests: RequestStats;
  metrics: Metrics;
  plan: FaultPlan;
  scenario: Scenario<any>;
  /** When and why the run ended: the scenario's `untilUs`, or the default end (drained, a budget). */
  ended: RunEnded;
  /** What the run's world was made of (what a fault plan may aim at), or null when it built none. */
  world: WorldInventory | null;
  /** The run's alerting (its sample store and alert episodes), or null without alert rules. */
  alerting: AlertingRun | null;
}

/** The names in a built world, by kind of thing, each in the world's order. */
export interface WorldInventory {
  nodes: string[];
  disks: string[];
  /** Zone name → its node names. */
  zones: Record<string, string[]>;
  /** Rack name → its node names. */
  racks: Record<string, string[]>;
  /** Service name → the nodes of its replicas. */
  services: Record<string, string[]>;
  /** Node name → its cores (what the playground's busy bars divide by). */
  cores: Record<string, number>;
}

/** Run one variant of a scenario on one seed and return its `RunResult` (pure and deterministic). */
export function run<P extends ParamSpecs>(scenario: Scenario<P>, options: RunOptions = {}): RunResult {
  return runDetailed(scenario, options).result;
}

/**
 * One run with its artifacts. The scenario's code runs under the determinism guard (`guard.ts`):
 * a read of the host's clock or randomness, a host timer or `process.exit` fails the run (exit 2).
 */
export function runDetailed<P extends ParamSpecs>(scenario: Scenario<P>, options: RunOptions = {}): RunArtifacts {
  const place = { scenario: scenario.name, variant: options.variant ?? scenario.variantNames[0] ?? '', seed: options.seed ?? 1 };
  return guarded(place, () => runGuarded(scenario, options));
}

function runGuarded<P extends ParamSpecs>(scenario: Scenario<P>, options: RunOptions): RunArtifacts {
  const wallStart = wallClockMs();
  const seed = checkSeed(options.seed ?? 1);
  const variant = options.variant ?? scenario.variantNames[0]!;
  const vspec = typeof variant === 'string' && hasOwn(scenario.variants, variant) ? scenario.variants[variant] : undefined;
  if (!vspec) {
    throw new InputError(
      `scenario ${scenario.name} has no variant ${showValue(variant)};${typeof variant === 'string' ? didYouMean(variant.slice(0, 64), scenario.variantNames) : ''} variants: ${scenario.variantNames.join(', ')}`,
    );
  }
  const overrides: Record<string, ParamValue> = { ...(vspec.params as Record<string, ParamValue>), ...options.params };
  const params = resolveParams(scenario.params, overrides, `scenario ${scenario.name}`);
  const random = new RandomStreams(seed);
  const place = (phase: string, simTimeUs: number | null): RunPlace => ({ scenario: scenario.name, variant, seed, simTimeUs, phase });
  let planInput: FaultPlanInput;
  try {
    // a plan given as null (a --faults file holding `null`) is an error, not "use the default plan"
    planInput =
      options.faults !== undefined
        ? options.faults
        : (typeof scenario.faults === 'function' ? scenario.faults(params, random.get('faults')) : scenario.faults) ??
      [];
  } catch (err) {
    throw scenarioFailure(err, place('faults(params, random)', null));
  }
  const plan = parseFaultPlan(planInput);
  let alertingBase: Record<string, unknown> | undefined;
  try {
    alertingBase = typeof scenario.alerting === 'function' ? scenario.alerting(params) : scenario.alerting;
  } catch (err) {
    throw scenarioFailure(err, place('alerting(params)', null));
  }
  const alertingConfig = resolveAlerting(alertingBase, options.alerting, scenario.name, options.replay?.rulesFile);

  const sim = new Simulation({ seed, budgets: { ...scenario.budgets, ...options.budgets } });
  const trace = new Tracer({ level: options.traceLevel ?? 'off', sink: options.traceSink, alsoKeepInMemory: options.traceAlsoInMemory });
  const windowUs = Math.round((scenario.seriesWindowMs ?? 1000) * 1000);
  const metrics = new Metrics(windowUs);
  const requests = new RequestStats(windowUs, trace);

  options.traceSink?.begin?.({
    scenario: scenario.name,
    variant,
    seed,
    params: { ...params },
    plan: serializeFaultPlan(plan),
    budgets: { ...options.budgets } as Record<string, number>,
    level: trace.level,
    ...(options.alerting !== undefined ? { alerting: options.alerting } : {}),
  });
  trace.emit({ time: 0, kind: 'run-start', scenario: scenario.name, variant, seed });
  const modelling = createModelling({ sim, random, trace, metrics, requests, faults: plan });
  // a scenario without a world applies a plan only by reading it itself
  let planRead = false;
  const ctx: BuildContext<P> & { [ADOPT_WORLD]: unknown; [ADOPT_APP]: unknown } = {
    ...modelling.api,
    sim,
    random,
    trace,
    metrics,
    requests,
    params,
    variant,
    get faults() {
      planRead = true;
      return plan;
    },
    emit: (record) => trace.emit(record),
    runEnd: modelling.runEnd,
    [ADOPT_WORLD]: modelling.adoptWorld,
    [ADOPT_APP]: modelling.adoptApp,
  };
  let model: ReturnType<typeof scenario.build> & object;
  let untilUs: number;
  let alertingRun: AlertingRun | null = null;
  try {
    try {
      model = scenario.build(ctx) ?? {};
      if (typeof model !== 'object') throw new InputError(`build returned ${typeof model}; return nothing, or { untilUs, metrics(), finish() }`);
    } catch (err) {
      throw scenarioFailure(err, place('build', null));
    }
    try {
      modelling.seal();
    } catch (err) {
      throw scenarioFailure(err, place('build', null));
    }
    if (plan.length > 0 && modelling.currentWorld === null && !planRead) {
      const entries = plan.slice(0, 5).map((e) => `${e.kind}${typeof e.target === 'string' ? ` ${e.target}` : ''} at ${formatDuration(e.at)}`);
      throw new InputError(
        `scenario ${scenario.name} builds no world, so nothing applies its fault plan (${plan.length} entr${plan.length === 1 ? 'y' : 'ies'}: ${entries.join(', ')}${plan.length > 5 ? ', …' : ''}); ` +
          `${options.faults !== undefined ? '--faults needs' : 'a plan needs'} a scenario with services or a world (world({ nodes }) in build)`,
      );
    }
    // alerting (when configured) scrapes and evaluates its rules on the run's own timers
    alertingRun =
      alertingConfig === null
        ? null
        : installAlerting(
            {
              sim,
              trace,
              metrics,
              requests,
              random,
              world: modelling.currentWorld,
              plan,
              background: (w) => modelling.runEnd.backgroundComponent(w),
              services: new Map((modelling.currentApp?.services ?? []).map((s) => [s.spec.name, s.replicas])),
              operations: modelling.operations,
            },
            alertingConfig,
          );
    untilUs = model.untilUs ?? modelling.runEnd.arm(lastFaultEndUs(plan));
    try {
      sim.run(untilUs);
    } catch (err) {
      throw scenarioFailure(err, place('run', sim.now));
    }
    try {
      model.finish?.();
    } catch (err) {
      throw scenarioFailure(err, place('finish()', sim.now));
    }
  } catch (err) {
    sim.dispose();
    throw err;
  }
  trace.emit({ time: sim.now, kind: 'run-end', events: sim.events });
  const ended = modelling.runEnd.ended(model.untilUs);

  let own: Record<string, unknown>;
  try {
    own = model.metrics?.() ?? {};
  } catch (err) {
    sim.dispose();
    throw scenarioFailure(err, place('metrics()', sim.now));
  }
  let cost: CostBreakdown | null = null;
  const world = modelling.currentWorld;
  if (world !== null && world.sealed && world.nodes.length > 0) {
    try {
      const app = modelling.currentApp;
      cost = costOfRun({
        nodes: world.billedTime(),
        traffic: world.net.traffic(),
        services: app === null ? [] : app.services.map((s) => ({ name: s.spec.name, nodes: s.replicas })),
        runUs: sim.now,
        prices: options.prices ?? EXAMPLE_PRICES,
      });
    } catch (err) {
      sim.dispose();
      throw err;
    }
  }
  const resultMetrics: RunResult['metrics'] = {
    requests: requests.requests,
    ok: requests.ok,
    failed: requests.failed,
    availability: round6(requests.availability),
    latencyMs: requests.latencySummaryMs(),
    ...cost,
    ...own,
    ...alertingRun?.metrics(),
  };

  const checkCtx: CheckContext<P> = {
    params,
    variant,
    metrics: resultMetrics,
    registry: metrics,
    requests,
    faults: plan,
    simTimeUs: sim.now,
    records: trace.records,
  };
  const expectFail = new Set(vspec.expectFail ?? []);
  const checks: CheckResult[] = (scenario.checks ?? []).map((c) => {
    let outcome: CheckOutcome;
    try {
      const r = c.check(checkCtx);
      outcome = typeof r === 'boolean' ? { status: r ? 'ok' : 'fail' } : r;
    } catch (err) {
      outcome = { status: 'unknown', detail: checkThrew(err) };
    }
    return {
      name: c.name,
      status: outcome.status,
      expected: expectFail.has(c.name) ? 'fail' : 'ok',
      firstFailedAtMs: outcome.status === 'fail' ? (outcome.firstFailedAtMs ?? null) : null,
      detail: outcome.detail ?? c.description ?? '',
    };
  });

  const result: RunResult = {
    version: FAULTLINE_VERSION,
    scenario: scenario.name,
    variant,
    seed,
    params: params as Record<string, ParamValue>,
    faults: serializeFaultPlan(plan),
    traceHash: trace.hash,
    stats: { events: sim.events, simTimeMs: sim.now / 1000, wallMs: Math.round(wallClockMs() - wallStart) },
    metrics: resultMetrics,
    checks,
    replay: replayCommand(scenario, {
      seed,
      variant,
      params: options.params,
      faultsFile: options.replay?.faultsFile,
      scenarioRef: options.replay?.scenarioRef,
      budgets: options.budgets,
      pricesFile: options.replay?.pricesFile,
      liveness: options.replay?.liveness,
      rulesFile: options.replay?.rulesFile,
    }),
  };
  const inventory: WorldInventory | null =
    world === null || !world.sealed
      ? null
      : {
          nodes: world.nodeNames,
          disks: world.diskNames,
          zones: Object.fromEntries(world.zones),
          racks: Object.fromEntries(world.racks),
          services: Object.fromEntries((modelling.currentApp?.services ?? []).map((s) => [s.spec.name, [...s.replicas]])),
          cores: Object.fromEntries(world.nodes.map((n) => [n.name, n.cores])),
        };
  sim.dispose();
  return {
    result,
    records: trace.records,
    truncatedRecords: trace.truncated,
    requests,
    metrics,
    plan,
    scenario,
    ended,
    world: inventory,
    alerting: alertingRun,
  };
}

/** True when every check's outcome matches its variant's expectation (exit code 0). */
export function outcomesAsExpected(result: Pick<RunResult, 'checks'>): boolean {
  return result.checks.every((c) => c.status === c.expected);
}

/** The command that replays a run (quoted, `npx faultline` or `npm run faultline --`; see replay-line.ts). */
export function replayCommand(
  scenario: Scenario<any>,
  o: {
    seed: Seed;
    variant: string;
    params?: Record<string, ParamValue>;
    faultsFile?: string;
    scenarioRef?: string;
    budgets?: Partial<Record<string, number>>;
    pricesFile?: string;
    /** The run is judged by liveness mode's recovery check too (`run --liveness`). */
    liveness?: boolean;
    /** The alerting file the run read (`--rules`). */
    rulesFile?: string;
  },
): string {
  const words = ['run', scenarioWord(o.scenarioRef ?? scenario.name), '--seed', String(o.seed)];
  if (o.variant !== scenario.variantNames[0]) words.push('--variant', o.variant);
  for (const [k, v] of Object.entries(o.params ?? {})) words.push('--param', `${k}=${v}`);
  if (o.faultsFile) words.push('--faults', fileWord(o.faultsFile));
  for (const [k, v] of Object.entries(o.budgets ?? {})) if (v !== undefined) words.push('--budget', `${k}=${v}`);
  if (o.pricesFile) words.push('--prices', fileWord(o.pricesFile));
  if (o.liveness) words.push('--liveness');
  if (o.rulesFile) words.push('--rules', fileWord(o.rulesFile));
  return commandLine(words);
}

/** When the plan's last fault ends (its `at + for`; an instant or open-ended fault at its `at`). */
function lastFaultEndUs(plan: FaultPlan): number {
  let t = 0;
  for (const e of plan) t = Math.max(t, e.at + (e.for ?? 0));
  return t;
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
