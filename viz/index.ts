/**
 * The report and the Perfetto export. Explicit exports only: the public surface is a reviewable diff.
 * Node-only (fs, esbuild): `writeReport`, `renderReportHtml`, `viewerBundle`, `writePerfetto`.
 * Pure: `buildReportData`, `toPerfettoTrace`, `escapeJsonForHtml`.
 */
export { writeReport, renderReportHtml, viewerBundle, escapeJsonForHtml, escapeHtmlText } from './report.ts';
export type { WriteReportOptions } from './report.ts';
export { buildReportData, runEndUs } from './data.ts';
export type { BuildReportOptions } from './data.ts';
export { toPerfettoTrace, writePerfetto, PERFETTO_MESSAGES_MAX } from './perfetto.ts';
export type { PerfettoTrace, TraceEvent, PerfettoOptions } from './perfetto.ts';
export { REPORT_DATA_VERSION, SERIES_POINTS_MAX, LANE_SEGMENTS_MAX, MESSAGES_MAX, NODE_EVENTS_MAX } from './model.ts';
export type { ReportData, RunView, NodeView, LaneRow, Segment, FaultInterval, MessagesView, MessageView, MetricPanelView, GridSeries, CheckView, PercentileRow, Mark } from './model.ts';
