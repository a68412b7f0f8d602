/**
 * The report's data model: what the folds (`fold.ts`) produce from a run and the viewer draws.
 * Plain JSON (no classes, no Maps), bounded in size whatever the run's length: every series holds
 * at most `SERIES_POINTS_MAX` points, every swimlane row at most `LANE_SEGMENTS_MAX` segments,
 * the message diagram at most `MESSAGES_MAX` arrows (a sample, with a notice saying so) on top of
 * a density grid that counts every message.
 *
 * Times are simulated microseconds (`...Us`), like the trace.
 */

import type { LookAtStep } from '../sim/run/scenario.ts';
import type { PlaybackView } from './playback-fold.ts';

export const REPORT_DATA_VERSION = 2;

/** Points per metric series: about one per horizontal pixel of a wide screen, twice over. */
export const SERIES_POINTS_MAX = 2048;
/** Segments per swimlane row; beyond it segments are merged into per-bin "worst state" segments. */
export const LANE_SEGMENTS_MAX = 2048;
/** Message arrows embedded per run; the rest are counted in `MessagesView.total`. */
export const MESSAGES_MAX = 5000;
/** Instant events (unknown record kinds, notes) embedded per node; beyond it they merge into bins. */
export const NODE_EVENTS_MAX = 1000;
/** Time bins of the message density grid (per sender lane) and the message-rate panel. */
export const DENSITY_BINS_MAX = 1024;

export type CheckStatus = 'ok' | 'fail' | 'unknown';

export interface ReportData {
  version: number;
  /** Shared time axis for every panel of every run: [0, the longest run's end]. */
  domainUs: [number, number];
  runs: RunView[];
  /** Where each later run's trace first differs from the first run's (a comparison only; `viz/divergence.ts`). */
  divergences?: DivergenceMark[];
}

/** The variant comparison's mark: run `run` parts from run `base` at record `index`, at `timeUs`. */
export interface DivergenceMark {
  base: number;
  run: number;
  index: number;
  timeUs: number;
}

export interface ParamView {
  name: string;
  value: string | number | boolean;
  /** The scenario's default; absent when the scenario declares none. */
  default?: string | number | boolean;
  unit?: string;
  description?: string;
}

export interface CheckView {
  name: string;
  status: CheckStatus;
  expected: 'ok' | 'fail';
  /** The outcome matches the variant's expectation. */
  asExpected: boolean;
  firstFailedAtMs: number | null;
  detail: string;
  description?: string;
}

export interface FaultInterval {
  /** Index in the fault plan (or -1 for a fault seen only in the trace). */
  index: number;
  kind: string;
  startUs: number;
  /** null: an instant fault (a tick). */
  endUs: number | null;
  /** The fault never ended within the run: the band runs to the edge. */
  open: boolean;
  target?: string;
  /** One line describing the entry (its JSON fields other than at/kind/for). */
  detail: string;
  /** For partitions: the groups of node names, one per side. */
  groups?: string[][];
}

/** A moment worth a vertical rule across every panel: a check failing, a scenario's note. */
export interface Mark {
  timeUs: number;
  kind: 'check-failed' | 'note';
  text: string;
}

export interface Segment {
  startUs: number;
  endUs: number;
  /** The state name: node lifecycle (up, crashed...), breaker state, role, partition side. */
  value: string;
}

/** Row kinds, in the order rows are drawn under a node (see `LANE_RULES` in fold-lanes.ts). */
export const LANE_ROW_KINDS = ['state', 'role', 'partition', 'breaker', 'ejection'] as const;
export type LaneRowKind = (typeof LANE_ROW_KINDS)[number];

export interface LaneRow {
  /** What the row shows: "state", "role", "partition", "breaker <name>", "ejected". */
  label: string;
  kind: LaneRowKind;
  segments: Segment[];
  /**
   * 0: segments are exact. Otherwise the row changed so often that it was merged onto a grid of
   * this width, each bin showing the worst state in it (a one-microsecond crash is never lost).
   */
  binUs: number;
}

export interface NodeEvent {
  timeUs: number;
  kind: string;
  text: string;
  /** Number of events merged into this one (aggregation to pixel resolution). */
  count: number;
}

export interface NodeView {
  name: string;
  rows: LaneRow[];
  events: NodeEvent[];
  eventsTotal: number;
}

export interface MessageView {
  id: string;
  from: string;
  to: string;
  type: string;
  sendUs: number;
  /** Delivery time; null when dropped or still in flight at the end. */
  deliverUs: number | null;
  dropUs: number | null;
  reason?: string;
}

/**
 * Every message, counted per sender and time bin: what the diagram draws as density when it shows
 * a sample or too many arrows. Bin i covers [i·widthUs, (i+1)·widthUs).
 */
export interface MessageDensity {
  widthUs: number;
  lanes: { node: string; sent: number[]; dropped: number[] }[];
}

export interface MessagesView {
  /** The messages drawn as arrows: all of them, or a deterministic uniform sample. */
  items: MessageView[];
  /** Messages seen in the trace (sent, delivered or dropped). */
  total: number;
  dropped: number;
  /** True when `items` holds fewer messages than `total`. */
  truncated: boolean;
  /** How the shown subset was chosen, for the notice. */
  sampling: string;
  density: MessageDensity;
}

/** A series on a regular grid: value i covers [startUs + i·widthUs, startUs + (i+1)·widthUs). */
export interface GridSeries {
  name: string;
  startUs: number;
  widthUs: number;
  /** null: no data in that window (a gap in the line). */
  values: (number | null)[];
  /** Where the data ends: the last value covers [its start, endUs) (a partial window), not its whole width. */
  endUs?: number;
}

export interface MetricPanelView {
  id: string;
  title: string;
  /** How to read the panel, one or two sentences. */
  caption: string;
  unit: string;
  scale: 'linear' | 'log';
  series: GridSeries[];
  /** Shown when the run has no data for this panel. */
  emptyText: string;
}

export interface PercentileRow {
  label: string;
  count: number;
  meanMs: number | null;
  minMs: number | null;
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  p999Ms: number | null;
  maxMs: number | null;
}

export interface KeyMetric {
  name: string;
  value: string | number | boolean | null;
  /** Which way is better, when the name makes it clear (see `metricDirection`); the comparison highlights the best. */
  better?: 'higher' | 'lower';
}

export interface CostView {
  perHourUsd: number;
  computePerHourUsd: number;
  transferPerHourUsd: number;
  byServicePerHourUsd: Record<string, number>;
  /** The price table's date and currency. */
  prices: string;
}

export interface RunView {
  id: string;
  scenario: { name: string; title: string; description: string };
  variant: string;
  variantDescription: string;
  seed: string | number;
  params: ParamView[];
  /** The fault plan as RunResult.faults prints it (durations as strings). */
  faultPlan: Record<string, unknown>[];
  replay: string;
  traceHash: string;
  version: string;
  simTimeUs: number;
  /** Where this run's panels end: its simulated time, or its last record if later. */
  endUs: number;
  events: number;
  summary: {
    requests: number;
    ok: number;
    failed: number;
    availability: number;
    retries: number;
    latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number };
  };
  keyMetrics: KeyMetric[];
  /** What the design costs per hour (the cost model, for scenarios with a world), or null. */
  cost: CostView | null;
  checks: CheckView[];
  /** ok when every check's outcome matches its expectation, else fail. */
  verdict: 'ok' | 'fail' | 'unknown';
  faultKinds: string[];
  faults: FaultInterval[];
  nodes: NodeView[];
  messages: MessagesView;
  panels: MetricPanelView[];
  percentiles: PercentileRow[];
  marks: Mark[];
  /** Record kinds the report does not know how to draw, with counts (drawn as node ticks when they name a node). */
  otherKinds: { kind: string; count: number }[];
  /** Trace records dropped by the tracer's memory cap, and the trace level's effect. */
  traceNotes: string[];
  /** Client operations (kv-invoke / kv-complete records), or absent when the run recorded none (`fold-history.ts`). */
  history?: HistoryView;
  /** The alerts lane: alert episodes, on-call events, probe results (runs with alert rules or probes). */
  alerts?: AlertsView;
  /** Who led each replicated service over time (leader-change records), or absent (`fold-history.ts`). */
  roles?: RolesView[];
  // the topology, its playback and the guided tour (viz/playback-fold.ts, viz/tour.ts)
  /** The scenario's "what to look at" notes for this run's params (`ScenarioSpec.lookAt`). */
  lookAt?: LookAtStep[];
  /** Per-frame aggregates for the topology's playback, when the run was folded for one. */
  playback?: PlaybackView;
}

/** One client operation of the history view: row `p`, from invocation to completion (null: never completed). */
export interface HistoryOpView {
  id: number;
  p: number;
  op: string;
  key: string;
  /** A write's value, a read's result (cut to 40 characters). */
  value?: string;
  expected?: string;
  invokeUs: number;
  completeUs: number | null;
  outcome: 'ok' | 'fail' | 'info';
  error?: string;
  /** The checks that flagged it. */
  checks?: string[];
}

/** An aggregated history cell: row `p`'s operations in flight during [startUs, endUs), by outcome. */
export interface HistoryBin {
  p: number;
  startUs: number;
  endUs: number;
  ok: number;
  fail: number;
  info: number;
  flagged: number;
}

/** The history view (Jepsen's timeline.html): one row per process, bars from invocation to completion. */
export interface HistoryView {
  processes: string[];
  total: number;
  counts: { ok: number; fail: number; info: number };
  /** Operations counted but neither drawn nor binned (beyond the fold's bound). */
  notDrawn: number;
  /** Every operation, when there are at most `HISTORY_OPS_MAX`; else empty and `bins` holds them. */
  ops: HistoryOpView[];
  /** 0 when `ops` is exact. */
  binUs: number;
  bins: HistoryBin[];
  /** The operations checks flagged, always exact. */
  flagged: HistoryOpView[];
  /** Per check, the ids it flagged (at most 500) and how many it flagged in all. */
  flags: { check: string; ids: number[]; total: number }[];
}

/** A node's claim to lead a service, from its leader-change to its step-down (or crash, or the end). */
export interface RoleClaim {
  node: string;
  startUs: number;
  endUs: number;
  /** The term or epoch it claimed. */
  term?: string;
  /** Still claimed when the run ended. */
  open?: boolean;
}

/** The roles lane of one service: claims per node, where claims overlap, fencing rejections and lease overlaps. */
export interface RolesView {
  service: string;
  nodes: string[];
  claims: RoleClaim[];
  overlaps: { startUs: number; endUs: number; nodes: string[] }[];
  fencing: { timeUs: number; node: string; text: string }[];
  leaseOverlaps: { startUs: number; endUs: number; leaders: string[] }[];
  notDrawn: number;
}

/** The alerts lane of a run (viz/fold-alerts.ts): what alerting, on-call and probes did. */
export interface AlertsView {
  /** Alert names, in the order they first went pending. */
  alerts: string[];
  episodes: { alert: string; labels: string; severity: string; pendingUs: number; firingUs: number | null; endUs: number | null; end: 'open' | 'resolved' | 'inactive'; summary?: string }[];
  /** Pages, acknowledgements, escalations, runbook actions, mistakes, incidents. */
  oncall: { timeUs: number; kind: string; text: string; mistake?: boolean }[];
  probes: { flow: string; location: string; results: { timeUs: number; ok: boolean; failedStep?: string }[] }[];
  /** Records beyond the lane's bounds, counted. */
  leftOut: number;
}
