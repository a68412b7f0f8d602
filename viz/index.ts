/**
 * The report and the Perfetto export. Explicit exports only: the public surface is a reviewable diff.
 * Node-only (fs, esbuild): `writeReport`, `writeReportData`, `renderReportHtml`, `viewerBundle`, `writePerfetto`.
 * Pure and browser-safe: `RunFold`, `ReportCollector`, `buildRunView`, `buildReportData`, `reportData`,
 * `conclusion`, `toPerfettoTrace`, `escapeJsonForHtml`.
 */
export { writeReport, writeReportData, renderReportHtml, viewerBundle, escapeJsonForHtml, escapeHtmlText, cspHash } from './report.ts';
export type { WriteReportOptions } from './report.ts';
export { buildReportData, buildRunView, reportData, runEndUs } from './data.ts';
export type { BuildReportOptions, FoldInput } from './data.ts';
export { RunFold } from './fold.ts';
export { ReportCollector, teeSinks } from './collect.ts';
export { conclusion, metricDirection, bestRuns } from './compare.ts';
export type { Conclusion, ConclusionPart } from './compare.ts';
export { toPerfettoTrace, writePerfetto, PERFETTO_MESSAGES_MAX } from './perfetto.ts';
export type { PerfettoTrace, TraceEvent, PerfettoOptions } from './perfetto.ts';
export { REPORT_DATA_VERSION, SERIES_POINTS_MAX, LANE_SEGMENTS_MAX, MESSAGES_MAX, NODE_EVENTS_MAX, DENSITY_BINS_MAX } from './model.ts';
export type { ReportData, RunView, NodeView, LaneRow, Segment, FaultInterval, MessagesView, MessageView, MessageDensity, MetricPanelView, GridSeries, CheckView, PercentileRow, Mark, KeyMetric } from './model.ts';
