/**
 * faultline's public API. Explicit exports only (no `export *`): the public surface is a
 * reviewable diff. Importing it registers the built-in fault kinds.
 */
import './faults/register.ts';
export { Simulation, SimEvent, Process, Interrupt, DEFAULT_BUDGETS } from './kernel/sim.ts';
export type { Budgets, Callback, ProcessBody, Yieldable, SimulationOptions } from './kernel/sim.ts';
export { Resource } from './kernel/resource.ts';
export { AcquireRequest } from './kernel/resource.ts';
export type { QueueDiscipline } from './kernel/resource.ts';
export { Random, RandomStreams, checkSeed } from './kernel/random.ts';
export type { Seed } from './kernel/random.ts';
export { durationSampler, distributionMeanUs } from './kernel/distribution.ts';
export type { DistributionSpec, Sampler } from './kernel/distribution.ts';
export { parseDuration, formatDuration, us, ms, sec } from './kernel/time.ts';
export type { Duration } from './kernel/time.ts';
export { InputError, BudgetExceededError, SimulationError, assert } from './kernel/errors.ts';

export { Tracer, canonicalJson, markDetailKind, isDetailKind, TRACE_LEVELS } from './observe/trace.ts';
export type { TraceLevel, TraceRecord, TraceRecordMap, TraceKind, TraceRecordOf, TraceSink } from './observe/trace.ts';
export { Hasher, hashValue } from './observe/hash.ts';
export { Counter, Gauge, Histogram, Series, Metrics, percentile, percentileOfValues } from './observe/metrics.ts';
export type { SeriesWindow } from './observe/metrics.ts';
export { RequestStats } from './observe/requests.ts';
export type { LatencySummaryMs } from './observe/requests.ts';

export {
  parseFaultPlan,
  serializeFaultPlan,
  faultPlanJsonSchema,
  registerFaultKind,
  faultKindSpec,
  faultKinds,
} from './faults/plan.ts';
export type { FaultPlan, FaultPlanInput, FaultEntry, FaultKindSpec, FieldSpec } from './faults/plan.ts';
// Nemeses: fault generators for a scenario's `faults(params, random)` function. They draw every
// choice (who, when, how hard) from the given stream and return plain plan entries, so the printed
// plan replays the run on its own.
export { chaosMonkey, randomPartitions, swarm, SWARM_KINDS } from './faults/nemesis.ts';
export type { PlanEntry, ChaosMonkeyOptions, RandomPartitionsOptions, SwarmOptions } from './faults/nemesis.ts';

export { defineScenario, resolveParams, parseParamValue, describeParam, isScenario } from './run/scenario.ts';
export type {
  Scenario,
  ScenarioSpec,
  ParamSpec,
  ParamSpecs,
  ParamsOf,
  ParamValue,
  VariantSpec,
  BuildContext,
  Model,
  CheckSpec,
  CheckContext,
  CheckOutcome,
  CheckStatus,
} from './run/scenario.ts';
export type { PresetSpec } from './run/scenario.ts';
export type { LookAtNote, LookAtStep } from './run/scenario.ts';
export { resolveLookAt } from './run/scenario.ts';
export { run, runDetailed, outcomesAsExpected, replayCommand, FAULTLINE_VERSION } from './run/runner.ts';
export { ScenarioError, ScenarioInputError } from './run/user-error.ts';
export type { RunPlace } from './run/user-error.ts';
export type { RunResult, RunOptions, RunArtifacts, CheckResult } from './run/runner.ts';

// The most used builders of the other layers; their full APIs are the subpath exports
// `faultline/world`, `faultline/patterns`, `faultline/app` and `faultline/check`.
export { createWorld } from './world/index.ts';
export type { World, WorldSpec } from './world/index.ts';
export { createApp, openLoop, closedLoop, countAttempts } from './app/index.ts';
export type { App, Service, Client, ClientSpec, Modelling, RunEnded } from './app/index.ts';
export {
  kvHistory,
  KvHistory,
  checkLinearizable,
  checkNoLostWrites,
  checkNoCorruptReads,
  checkWindowedSlo,
  checkRecovery,
  checkScenario,
} from './check/index.ts';
export type { KvOperation, CheckReport, CheckScenarioOptions, Invariant } from './check/index.ts';
