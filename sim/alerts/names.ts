/**
 * Prometheus names for everything a run measures, so alert rules can be written against them.
 *
 * Every source is read at each scrape and turned into samples `{ name, labels, value }`, named
 * after Prometheus's conventions (https://prometheus.io/docs/practices/naming/): a `faultline_`
 * prefix, snake_case, counters ending in `_total`, durations in seconds (`_seconds`), histograms
 * as cumulative `_bucket{le="…"}` series with `_sum` and `_count`, and "info" gauges of value 1.
 *
 * - **Request accounting** (what every workload records): `faultline_requests_total{workload,
 *   outcome="ok"|"error", error}` and `faultline_request_duration_seconds{workload}` (a histogram
 *   with Prometheus's default buckets, counted exactly as each request finishes).
 * - **Nodes of the world**: `faultline_node_up`, `faultline_node_crashes_total`,
 *   `faultline_node_rejected_total`, `faultline_node_queue_length`, `faultline_node_inflight`,
 *   `faultline_node_config_info{version}`, each with `node` and `zone`.
 * - **The metrics registry** (`ctx.metrics`: what patterns and scenarios publish): a metric named
 *   `<kind>.<label>.<metric>` (patterns use `<kind>.<node>/<name>.<metric>`) becomes
 *   `faultline_<kind>_<metric>` with labels `node` and `name`; see `registryPromName`. A metric
 *   registered with `Metrics.describe(name, prom)` keeps the name and labels it was given
 *   (probes, on-call).
 * - **Alerts**: `ALERTS{alertname, alertstate="pending"|"firing", …}` of value 1, as Prometheus
 *   writes it.
 *
 * The mapping table in docs/ALERTING.md is generated from `NAME_TABLE` (`npm run docs`).
 */
import type { Metrics } from '../observe/metrics.ts';
import { Histogram } from '../observe/metrics.ts';
import type { RequestStats } from '../observe/requests.ts';
import type { World } from '../world/world.ts';

/** A label set: label name → value (a value of '' means the label is absent, as in Prometheus). */
export type Labels = Readonly<Record<string, string>>;

/** One scraped value of one series. */
export interface Sample {
  name: string;
  labels: Labels;
  value: number;
}

/** Prometheus's default histogram buckets (client_golang `DefBuckets`), in seconds. */
export const DEFAULT_BUCKETS_SECONDS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A Prometheus metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`. */
export const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** A Prometheus label name: `[a-zA-Z_][a-zA-Z0-9_]*`. */
export const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** `queue-delay-us`, `waitUs`, `not permitted` → `queue_delay_us`, `wait_us`, `not_permitted`. */
export function snakeCase(s: string): string {
  return s
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^a-zA-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
}

/** What a registry metric is exposed as: its Prometheus name, labels and the factor its values are multiplied by. */
export interface PromMapping {
  name: string;
  labels: Labels;
  /** 1e-6 for a value in µs exposed in seconds. */
  scale: number;
}

/**
 * The Prometheus name of a registry metric: `<kind>.<label>.<metric>` (the label `<node>/<name>`
 * or `<name>`) → `faultline_<kind>_<metric>` with labels `node` and `name`; `<label>.<metric>` →
 * `faultline_<metric>` with label `name`; a single word → `faultline_<word>`. A metric whose name
 * ends in `-us`/`Us` (µs) is exposed in seconds (`_seconds`); counters get `_total`.
 */
export function registryPromName(registryName: string, type: 'counter' | 'gauge' | 'histogram' | 'series'): PromMapping {
  const parts = registryName.split('.');
  let kind = '';
  let label = '';
  let metric: string;
  if (parts.length >= 3) {
    kind = parts[0]!;
    metric = parts[parts.length - 1]!;
    label = parts.slice(1, -1).join('.');
  } else if (parts.length === 2) {
    label = parts[0]!;
    metric = parts[1]!;
  } else {
    metric = registryName;
  }
  const labels: Record<string, string> = {};
  if (label !== '') {
    const slash = label.indexOf('/');
    if (slash > 0) {
      labels.node = label.slice(0, slash);
      labels.name = label.slice(slash + 1);
    } else {
      labels.name = label;
    }
  }
  let scale = 1;
  let m = snakeCase(metric);
  if (/_us$/.test(m)) {
    m = m.replace(/_us$/, '_seconds');
    scale = 1e-6;
  }
  let name = `faultline_${kind ? `${snakeCase(kind)}_` : ''}${m}`;
  if ((type === 'counter' || type === 'series') && !name.endsWith('_total')) name += '_total';
  if (!METRIC_NAME_RE.test(name)) name = `faultline_${m || 'metric'}`;
  return { name, labels, scale };
}

/** One row of the documented mapping (docs/ALERTING.md): today's name, the Prometheus name, its type and labels. */
export interface NameRow {
  today: string;
  prometheus: string;
  type: 'counter' | 'gauge' | 'histogram' | 'info';
  labels: string;
  what: string;
}

/** The built-in families and the derivation rule, as the docs show them. */
export const NAME_TABLE: readonly NameRow[] = [
  { today: '`requests`, `ok`, `failed`, `errors` (RunResult metrics)', prometheus: 'faultline_requests_total', type: 'counter', labels: 'workload, outcome ("ok" or "error"), error (the error kind)', what: 'finished requests of each workload' },
  { today: '`latencyMs` (the run\'s latency histogram)', prometheus: 'faultline_request_duration_seconds', type: 'histogram', labels: 'workload, le', what: 'request latency; buckets 5 ms … 10 s (Prometheus defaults), counted exactly' },
  { today: '`retries` (RequestStats)', prometheus: 'faultline_request_retries_total', type: 'counter', labels: '', what: 'attempts beyond the first, over all requests' },
  { today: 'node state (swimlanes)', prometheus: 'faultline_node_up', type: 'gauge', labels: 'node, zone', what: '1 while the node serves (up or limping), else 0' },
  { today: '`Node.crashes`', prometheus: 'faultline_node_crashes_total', type: 'counter', labels: 'node, zone', what: 'crashes of the node' },
  { today: '`Node.rejected`', prometheus: 'faultline_node_rejected_total', type: 'counter', labels: 'node, zone', what: 'work the node refused (queue full, bad config)' },
  { today: '`Node.queueLength`', prometheus: 'faultline_node_queue_length', type: 'gauge', labels: 'node, zone', what: 'work waiting for a core' },
  { today: '`Node.inflight`', prometheus: 'faultline_node_inflight', type: 'gauge', labels: 'node, zone', what: 'work being served' },
  { today: '`Node.config.version`', prometheus: 'faultline_node_config_info', type: 'info', labels: 'node, zone, version', what: '1, labelled with the config the node runs' },
  { today: 'counter `<kind>.<node>/<name>.<metric>`', prometheus: 'faultline_<kind>_<metric>_total', type: 'counter', labels: 'node, name', what: 'a pattern\'s counter, e.g. `circuit-breaker.client/db.not-permitted` → `faultline_circuit_breaker_not_permitted_total{node="client",name="db"}`' },
  { today: 'gauge `<kind>.<label>.<metric>`', prometheus: 'faultline_<kind>_<metric>', type: 'gauge', labels: 'node, name', what: 'e.g. `load-shedder.api.queue-length` → `faultline_load_shedder_queue_length{name="api"}`' },
  { today: 'histogram `<kind>.<label>.<metric>-us`', prometheus: 'faultline_<kind>_<metric>_seconds', type: 'histogram', labels: 'node, name, le', what: 'µs histograms in seconds, default buckets (resolved by the registry histogram\'s buckets: < 0.8 % relative)' },
  { today: 'series `<label>.<metric>`', prometheus: 'faultline_<metric>_total, faultline_<metric>_sum', type: 'counter', labels: 'name', what: 'how many values a series received, and their sum' },
  { today: 'probe flow results', prometheus: 'faultline_probe_success', type: 'gauge', labels: 'flow, location', what: '1 when the flow\'s last run succeeded (blackbox exporter\'s `probe_success`)' },
  { today: 'probe flow latency', prometheus: 'faultline_probe_duration_seconds', type: 'gauge', labels: 'flow, location', what: 'how long the flow\'s last run took' },
  { today: 'probe step latency', prometheus: 'faultline_probe_step_duration_seconds', type: 'gauge', labels: 'flow, step, location', what: 'each step of the last run' },
  { today: 'probe step results', prometheus: 'faultline_probe_step_success', type: 'gauge', labels: 'flow, step, location', what: '1 when the step succeeded in the last run' },
  { today: 'probe runs', prometheus: 'faultline_probe_runs_total', type: 'counter', labels: 'flow, location, result ("ok" or "fail")', what: 'flow runs by result' },
  { today: 'alert states', prometheus: 'ALERTS', type: 'gauge', labels: 'alertname, alertstate, the alert\'s labels', what: '1 for each pending or firing alert (as Prometheus writes it)' },
];

/** Exact request counters and latency buckets, fed by `RequestStats.listen` as requests finish. */
export class RequestCounters {
  private readonly counts = new Map<string, { workload: string; outcome: string; error: string; n: number }>();
  private readonly durations = new Map<string, { buckets: number[]; sum: number; count: number }>();

  constructor(readonly bucketsSeconds: readonly number[] = DEFAULT_BUCKETS_SECONDS) {}

  record(ok: boolean, latencyUs: number, error: string | undefined, workload: string): void {
    const err = ok ? '' : (error ?? 'error');
    const key = `${workload}\0${err}`;
    let c = this.counts.get(key);
    if (c === undefined) this.counts.set(key, (c = { workload, outcome: ok ? 'ok' : 'error', error: err, n: 0 }));
    c.n++;
    let d = this.durations.get(workload);
    if (d === undefined) this.durations.set(workload, (d = { buckets: this.bucketsSeconds.map(() => 0), sum: 0, count: 0 }));
    const s = Math.max(0, latencyUs) / 1e6;
    // cumulative buckets: an observation counts in every bucket whose upper bound is ≥ it
    for (let i = 0; i < this.bucketsSeconds.length; i++) if (s <= this.bucketsSeconds[i]!) d.buckets[i]!++;
    d.sum += s;
    d.count++;
  }

  samples(out: Sample[]): void {
    for (const c of this.counts.values()) {
      out.push({ name: 'faultline_requests_total', labels: { workload: c.workload, outcome: c.outcome, ...(c.error ? { error: c.error } : {}) }, value: c.n });
    }
    for (const [workload, d] of this.durations) {
      for (let i = 0; i < this.bucketsSeconds.length; i++) {
        out.push({ name: 'faultline_request_duration_seconds_bucket', labels: { workload, le: formatLe(this.bucketsSeconds[i]!) }, value: d.buckets[i]! });
      }
      out.push({ name: 'faultline_request_duration_seconds_bucket', labels: { workload, le: '+Inf' }, value: d.count });
      out.push({ name: 'faultline_request_duration_seconds_sum', labels: { workload }, value: d.sum });
      out.push({ name: 'faultline_request_duration_seconds_count', labels: { workload }, value: d.count });
    }
  }
}

/** An `le` label value as Prometheus client libraries write it (`0.005`, `1`, `+Inf`). */
export function formatLe(v: number): string {
  return v === Infinity ? '+Inf' : String(v);
}

/** What a scrape reads: the run's request counters, world, metrics registry and request stats. */
export interface ScrapeSources {
  requests: RequestCounters;
  stats: RequestStats;
  metrics: Metrics;
  world: World | null;
  /** Extra samples (the alert states); called last. */
  extra?: (out: Sample[]) => void;
}

/** Every sample of one scrape, in a deterministic order (sources in a fixed order, maps in insertion order). */
export function scrape(src: ScrapeSources): Sample[] {
  const out: Sample[] = [];
  src.requests.samples(out);
  out.push({ name: 'faultline_request_retries_total', labels: {}, value: src.stats.retries });
  const w = src.world;
  if (w !== null && w.sealed) {
    for (const n of w.nodes) {
      const labels = { node: n.name, zone: n.zone };
      out.push({ name: 'faultline_node_up', labels, value: n.serving ? 1 : 0 });
      out.push({ name: 'faultline_node_crashes_total', labels, value: n.crashes });
      out.push({ name: 'faultline_node_rejected_total', labels, value: n.rejected });
      out.push({ name: 'faultline_node_queue_length', labels, value: n.queueLength });
      out.push({ name: 'faultline_node_inflight', labels, value: n.inflight });
      out.push({ name: 'faultline_node_config_info', labels: { ...labels, version: n.config.version }, value: 1 });
    }
  }
  const m = src.metrics;
  const described = m.described;
  const mapped = (name: string, type: 'counter' | 'gauge' | 'histogram' | 'series'): PromMapping => {
    const d = described.get(name);
    return d !== undefined ? { name: d.name, labels: d.labels, scale: d.scale ?? 1 } : registryPromName(name, type);
  };
  for (const [name, c] of m.counters) {
    const p = mapped(name, 'counter');
    out.push({ name: p.name, labels: p.labels, value: c.value * p.scale });
  }
  for (const [name, g] of m.gauges) {
    const p = mapped(name, 'gauge');
    out.push({ name: p.name, labels: p.labels, value: g.value * p.scale });
  }
  for (const [name, h] of m.histograms) {
    const p = mapped(name, 'histogram');
    histogramSamples(out, p, h);
  }
  for (const [name, s] of m.series) {
    const p = mapped(name, 'series');
    let count = 0;
    let sum = 0;
    for (const win of s.windows()) {
      count += win.count;
      sum += win.sum;
    }
    out.push({ name: p.name, labels: p.labels, value: count });
    out.push({ name: p.name.replace(/_total$/, '_sum'), labels: p.labels, value: sum * p.scale });
  }
  src.extra?.(out);
  return out;
}

/** A registry histogram as cumulative `_bucket` series at the default bounds, `_sum` and `_count`. */
function histogramSamples(out: Sample[], p: PromMapping, h: Histogram): void {
  const buckets = h.buckets;
  const bounds = DEFAULT_BUCKETS_SECONDS.map((s) => s / p.scale);
  // the registry's buckets are log-linear (≤ 1/128 wide): a bucket counts below a bound when its
  // upper edge is (the observation's value is at most that edge)
  const counts = bounds.map(() => 0);
  for (let i = 0; i < buckets.length; i++) {
    const c = buckets[i]!;
    if (c === 0) continue;
    const upper = Histogram.bucketUpperOf(i);
    for (let k = 0; k < bounds.length; k++) if (upper <= bounds[k]!) counts[k]! += c;
  }
  const base = p.name;
  for (let k = 0; k < bounds.length; k++) out.push({ name: `${base}_bucket`, labels: { ...p.labels, le: formatLe(DEFAULT_BUCKETS_SECONDS[k]!) }, value: counts[k]! });
  out.push({ name: `${base}_bucket`, labels: { ...p.labels, le: '+Inf' }, value: h.count });
  out.push({ name: `${base}_sum`, labels: p.labels, value: h.sum * p.scale });
  out.push({ name: `${base}_count`, labels: p.labels, value: h.count });
}

export const NAMES_START = '<!-- metric-names:start -->';
export const NAMES_END = '<!-- metric-names:end -->';

/** The mapping table of docs/ALERTING.md (generated by `npm run docs`). */
export function metricNamesMarkdown(): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const rows = ['| today | Prometheus name | type | labels | what |', '|---|---|---|---|---|'];
  for (const r of NAME_TABLE) rows.push(`| ${esc(r.today)} | \`${esc(r.prometheus)}\` | ${r.type} | ${esc(r.labels) || '—'} | ${esc(r.what)} |`);
  return rows.join('\n') + '\n';
}

/** `text` with its metric-names section regenerated (unchanged without the markers). */
export function withMetricNames(text: string): string {
  const a = text.indexOf(NAMES_START);
  const b = text.indexOf(NAMES_END);
  if (a < 0 || b < a) return text;
  return `${text.slice(0, a + NAMES_START.length)}\n${metricNamesMarkdown()}${text.slice(b)}`;
}
