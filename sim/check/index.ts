/**
 * Checkers and the property-testing layer. Explicit exports only (no `export *`).
 */
export { KvHistory, kvHistory, historyFromRecords, describeOperation, flagOperations, FLAGGED_OPERATIONS_MAX } from './history.ts';
export type { KvOperation, KvOpKind, KvOutcome, KvValue, KvHistoryList, KvHistoryOptions } from './history.ts';
export { checkLinearizable } from './linearizability.ts';
export type { LinearizabilityOptions, LinearizabilityResult } from './linearizability.ts';
export { checkNoLostWrites, checkNoCorruptReads } from './writes.ts';
export type { WriteCheckResult, LostWritesOptions, CorruptReadsOptions } from './writes.ts';
export { sloWindows, checkWindowedSlo, checkRecovery, lastHealUs } from './slo.ts';
export type { SloSpec, SloWindow, SloResult, RecoveryOptions, RecoveryResult } from './slo.ts';
export { faultPlan, faultEntry, runSeed, scenarioParams, searchableParams, checkSearchParams, targetPoolOf } from './arbitraries.ts';
export type { FaultTargets, FaultPlanOptions, TargetPool } from './arbitraries.ts';
export { checkScenario, formatCheckReport, checkCommandLine, targetsFromRecords } from './property.ts';
export type {
  CheckScenarioOptions,
  CheckReport,
  CheckProgress,
  Coverage,
  FaultSpace,
  Invariant,
  LivenessOptions,
  Violation,
} from './property.ts';
export { RegisterHistory, findLostUpdates, checkNoLostUpdates } from './lost-update.ts';
export type { RegisterOp, LostUpdate } from './lost-update.ts';
export { checkNoStuckWaiters } from './stuck.ts';
export type { StuckCheckContext, StuckCheckResult } from './stuck.ts';
