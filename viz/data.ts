/**
 * Report data: a `RunView` per run, from its fold (`fold.ts`, fed record by record while the run
 * goes) and what the runner returns anyway (result, scenario, plan, request statistics, metric
 * registry, all bounded). Pure and browser-safe, deterministic, and bounded: the output's size
 * depends on the screen resolution the report is made for, not on the run's length (see the
 * limits in `model.ts`).
 *
 * Two ways in:
 * - streaming (what `faultline run --report` does): pass `new RunFold()` as the run's trace sink,
 *   then `buildRunView(fold, artifacts)`; no record is kept.
 * - after the fact: `buildReportData(runs)` folds the records a run kept in memory.
 */
import type { FaultPlan } from '../sim/faults/plan.ts';
import type { Metrics } from '../sim/observe/metrics.ts';
import type { RequestStats } from '../sim/observe/requests.ts';
import type { RunArtifacts, RunResult } from '../sim/run/runner.ts';
import { resolveLookAt, type LookAtStep, type ParamSpec, type Scenario } from '../sim/run/scenario.ts';
import { metricDirection } from './compare.ts';
import { RunFold } from './fold.ts';
import { REPORT_DATA_VERSION, SERIES_POINTS_MAX, type CheckView, type CostView, type KeyMetric, type ReportData, type RunView } from './model.ts';
import { buildPanels, percentileRows } from './panels.ts';

export interface BuildReportOptions {
  /** Messages drawn as arrows per run (default `MESSAGES_MAX`). */
  messagesMax?: number;
  /** Points per series (default `SERIES_POINTS_MAX`). */
  seriesPointsMax?: number;
}

/** What finishing a fold needs besides the records: everything in `RunArtifacts` but them. */
export interface FoldInput {
  result: RunResult;
  scenario: Scenario<any>;
  plan: FaultPlan;
  requests: RequestStats;
  metrics: Metrics;
  /** Records the tracer's memory cap left out (after-the-fact reports only). */
  truncatedRecords?: number;
}

/** Key metrics a scenario shows when it names none (the CLI's defaults). */
export const DEFAULT_KEY_METRICS = ['availability', 'latencyMs.p50', 'latencyMs.p99', 'requests'];

/** A metric by name, where a dotted name reaches into objects (`latencyMs.p50`). */
export function metricValue(metrics: Record<string, unknown>, name: string): unknown {
  if (name in metrics) return metrics[name];
  return name.split('.').reduce<unknown>((v, part) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined), metrics);
}

export function buildReportData(runs: readonly RunArtifacts[], options: BuildReportOptions = {}): ReportData {
  if (runs.length === 0) throw new Error('buildReportData: expected at least one run');
  return reportData(
    runs.map((run, i) => {
      const fold = new RunFold({ messagesMax: options.messagesMax });
      for (const r of run.records) fold.write(r);
      return buildRunView(fold, run, i, options);
    }),
  );
}

/** The report for run views already built: one shared time axis from 0 to the longest run's end. */
export function reportData(views: readonly RunView[]): ReportData {
  if (views.length === 0) throw new Error('reportData: expected at least one run');
  return { version: REPORT_DATA_VERSION, domainUs: [0, Math.max(1, ...views.map((v) => v.endUs))], runs: views.map((v, i) => ({ ...v, id: `run-${i}` })) };
}

/** The run's end: its simulated time, or the last record if that reaches further. */
export function runEndUs(run: Pick<RunArtifacts, 'result' | 'records'>): number {
  let end = Math.round(run.result.stats.simTimeMs * 1000);
  const last = run.records[run.records.length - 1];
  if (last && last.time > end) end = last.time;
  return end;
}

export function buildRunView(fold: RunFold, run: FoldInput, runIndex = 0, options: BuildReportOptions = {}): RunView {
  const { result, scenario } = run;
  const simTimeUs = Math.round(result.stats.simTimeMs * 1000);
  const endUs = Math.max(1, simTimeUs, fold.lastTimeUs);
  const checks: CheckView[] = result.checks.map((c) => {
    const spec = scenario.checks?.find((s) => s.name === c.name);
    return {
      name: c.name,
      status: c.status,
      expected: c.expected,
      asExpected: c.status === c.expected,
      firstFailedAtMs: c.firstFailedAtMs ?? (c.status === 'fail' ? fold.firstCheckFailureMs(c.name) : null),
      detail: c.detail,
      ...(spec?.description ? { description: spec.description } : {}),
    };
  });
  const verdict = checks.some((c) => !c.asExpected && c.status !== 'unknown') ? 'fail' : checks.some((c) => c.status === 'unknown') ? 'unknown' : 'ok';
  const faults = fold.faults(run.plan, result.faults, endUs);
  const messages = fold.messages.finish();
  const traceNotes: string[] = [];
  if ((run.truncatedRecords ?? 0) > 0) {
    traceNotes.push(`${run.truncatedRecords!.toLocaleString('en-US')} trace records were beyond the tracer's memory cap and are not drawn.`);
  }
  if (fold.traceFaultsLeftOut > 0) traceNotes.push(`${fold.traceFaultsLeftOut.toLocaleString('en-US')} fault records beyond the first ${faults.length.toLocaleString('en-US')} are not drawn.`);
  if (fold.records === 0) {
    traceNotes.push('This run kept no trace records (trace level "off"): swimlanes and messages are empty; metric panels still hold data.');
  }
  const specs = scenario.params as Record<string, ParamSpec>;
  const keyNames = scenario.keyMetrics ?? DEFAULT_KEY_METRICS;
  return {
    id: `run-${runIndex}`,
    scenario: { name: scenario.name, title: scenario.title, description: scenario.description },
    variant: result.variant,
    variantDescription: scenario.variants[result.variant]?.description ?? '',
    seed: result.seed,
    params: Object.entries(result.params).map(([name, value]) => {
      const spec = specs[name];
      return {
        name,
        value,
        ...(spec ? { default: spec.default } : {}),
        ...(spec && spec.type === 'number' && spec.unit ? { unit: spec.unit } : {}),
        ...(spec?.description ? { description: spec.description } : {}),
      };
    }),
    faultPlan: result.faults,
    replay: result.replay,
    traceHash: result.traceHash,
    version: result.version,
    simTimeUs,
    endUs,
    events: result.stats.events,
    summary: {
      requests: result.metrics.requests,
      ok: result.metrics.ok,
      failed: result.metrics.failed,
      availability: result.metrics.availability,
      retries: run.requests.retries,
      latencyMs: { ...result.metrics.latencyMs },
    },
    keyMetrics: keyNames.map((name): KeyMetric => {
      const better = metricDirection(name);
      return { name, value: keyMetricValue(metricValue(result.metrics, name)), ...(better ? { better } : {}) };
    }),
    cost: costView(result.metrics),
    checks,
    verdict,
    faultKinds: [...new Set(faults.map((f) => f.kind))],
    faults,
    nodes: fold.nodes(faults, endUs),
    messages,
    panels: buildPanels({
      requests: run.requests,
      metrics: run.metrics,
      metricWindows: fold.metricWindows,
      density: messages.density,
      messagesTotal: messages.total,
      endUs,
      pointsMax: options.seriesPointsMax ?? SERIES_POINTS_MAX,
    }),
    percentiles: percentileRows(run.requests, run.metrics),
    marks: fold.marks(checks.filter((c) => c.status === 'fail')),
    otherKinds: fold.otherKinds(),
    traceNotes,
    ...historyViews(fold, endUs),
    ...lookAtOf(scenario, result.params, traceNotes),
  };
}

/** The history view and roles lanes, when the run recorded operations or leadership. */
function historyViews(fold: RunFold, endUs: number): Pick<RunView, 'history' | 'roles'> {
  const history = fold.history.finish(endUs);
  const roles = fold.roles.finish(endUs);
  return { ...(history ? { history } : {}), ...(roles.length ? { roles } : {}) };
}

/** The scenario's "what to look at" notes for the run's params; notes that cannot be read are named in the trace notes. */
function lookAtOf(scenario: Scenario<any>, params: Record<string, unknown>, notes: string[]): { lookAt?: LookAtStep[] } {
  if (scenario.lookAt === undefined) return {};
  try {
    return { lookAt: resolveLookAt(scenario, params as never) };
  } catch (err) {
    notes.push(`The scenario's lookAt notes are left out: ${err instanceof Error ? err.message : String(err)}`);
    return {};
  }
}

function costView(m: Record<string, unknown>): CostView | null {
  const c = m.cost as Partial<CostView & { prices: string }> | undefined;
  if (typeof m.costPerHourUsd !== 'number' || !c) return null;
  return {
    perHourUsd: m.costPerHourUsd,
    computePerHourUsd: Number(c.computePerHourUsd ?? 0),
    transferPerHourUsd: Number(c.transferPerHourUsd ?? 0),
    byServicePerHourUsd: { ...(c.byServicePerHourUsd ?? {}) },
    prices: String(c.prices ?? ''),
  };
}

function keyMetricValue(v: unknown): string | number | boolean | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  const s = JSON.stringify(v);
  return s.length > 200 ? `${s.slice(0, 197)}...` : s;
}
