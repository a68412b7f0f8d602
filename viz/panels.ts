/**
 * The metric panels of a run, from the series the runner keeps anyway (request statistics and
 * the scenario's registry, all bounded) and the fold's message counts and `metric-window`
 * records. Pure and browser-safe.
 *
 * Each series is resampled onto at most `pointsMax` points, neighbours merged by the panel's mode
 * (a rate, a mean, a maximum). A window the run ended inside is a *partial* window: its rate is
 * taken over the part the run covered and it is drawn only up to the run's end, so the last
 * window does not look like a collapse to zero.
 */
import { Histogram, percentile, type Series, type SeriesWindow } from '../sim/observe/metrics.ts';
import type { Metrics } from '../sim/observe/metrics.ts';
import type { RequestStats } from '../sim/observe/requests.ts';
import type { WindowFold } from './fold.ts';
import type { GridSeries, MessageDensity, MetricPanelView, PercentileRow } from './model.ts';

type Mode = 'rate' | 'mean' | 'max' | 'count';

/**
 * Resample windows onto a grid of at most `pointsMax` points, merging neighbours by `mode`.
 * With `endUs`, windows from `endUs` on are left out and the last one is partial: its rate is
 * over [its start, endUs).
 */
export function gridFromWindows(
  name: string,
  windows: readonly SeriesWindow[],
  widthUs: number,
  mode: Mode,
  pointsMax: number,
  scaleBy = 1,
  endUs?: number,
): GridSeries {
  const n = endUs === undefined ? windows.length : Math.min(windows.length, Math.ceil(endUs / widthUs));
  const factor = Math.max(1, Math.ceil(n / pointsMax));
  const w = widthUs * factor;
  const values: (number | null)[] = [];
  for (let i = 0; i < n; i += factor) {
    let count = 0;
    let sum = 0;
    let max = -Infinity;
    for (let j = i; j < Math.min(n, i + factor); j++) {
      const x = windows[j]!;
      count += x.count;
      sum += x.sum;
      if (x.count > 0 && x.max > max) max = x.max;
    }
    const startUs = (i / factor) * w;
    const coveredUs = endUs === undefined ? w : Math.max(1, Math.min(w, endUs - startUs));
    let v: number | null;
    switch (mode) {
      case 'rate':
        v = (sum / coveredUs) * 1e6;
        break;
      case 'count':
        v = (count / coveredUs) * 1e6;
        break;
      case 'mean':
        v = count === 0 ? null : sum / count;
        break;
      case 'max':
        v = count === 0 ? null : max;
        break;
    }
    values.push(v === null ? null : roundSig(v * scaleBy));
  }
  return { name, startUs: 0, widthUs: w, values, ...(endUs !== undefined && endUs < values.length * w ? { endUs } : {}) };
}

export function roundSig(v: number): number {
  if (v === 0 || !Number.isFinite(v)) return v;
  const mag = Math.floor(Math.log10(Math.abs(v)));
  const p = 10 ** (4 - mag);
  return Math.round(v * p) / p;
}

function seriesGrid(name: string, s: Series, endUs: number, mode: Mode, pointsMax: number, scaleBy = 1): GridSeries {
  return gridFromWindows(name, s.windows(endUs), s.widthUs, mode, pointsMax, scaleBy, endUs);
}

function allZero(g: readonly GridSeries[]): boolean {
  return g.every((s) => s.values.every((v) => v === null || v === 0));
}

function latencyGrids(req: RequestStats, endUs: number, pointsMax: number): GridSeries[] {
  const hs = req.windowLatency;
  const factor = Math.max(1, Math.ceil(hs.length / pointsMax));
  const p50: (number | null)[] = [];
  const p99: (number | null)[] = [];
  for (let i = 0; i < hs.length; i += factor) {
    const merged = new Histogram();
    for (let j = i; j < Math.min(hs.length, i + factor); j++) merged.merge(hs[j]!);
    p50.push(merged.count ? roundSig(percentile(merged, 0.5) / 1000) : null);
    p99.push(merged.count ? roundSig(percentile(merged, 0.99) / 1000) : null);
  }
  const widthUs = req.windowLatencyWidthUs * factor;
  const end = endUs < p50.length * widthUs ? { endUs } : {};
  // Drawn in this order, so p99 lies on max and p50 on both (each narrower than the one below).
  return [seriesGrid('max', req.latency, endUs, 'max', pointsMax, 1 / 1000), { name: 'p99', startUs: 0, widthUs, values: p99, ...end }, { name: 'p50', startUs: 0, widthUs, values: p50, ...end }];
}

/** Messages sent and dropped per second, from the density grid (every message, summed over senders). */
function messageRates(density: MessageDensity, endUs: number): GridSeries[] {
  const bins = Math.max(0, ...density.lanes.map((l) => l.sent.length));
  const sum = (pick: 'sent' | 'dropped'): SeriesWindow[] =>
    Array.from({ length: bins }, (_, i) => {
      let c = 0;
      for (const l of density.lanes) c += l[pick][i] ?? 0;
      return { startUs: i * density.widthUs, count: c, sum: c, max: c };
    });
  return [gridFromWindows('sent', sum('sent'), density.widthUs, 'count', bins || 1, 1, endUs), gridFromWindows('dropped', sum('dropped'), density.widthUs, 'count', bins || 1, 1, endUs)];
}

export interface PanelInputs {
  requests: RequestStats;
  metrics: Metrics;
  metricWindows: ReadonlyMap<string, WindowFold>;
  density: MessageDensity;
  messagesTotal: number;
  endUs: number;
  pointsMax: number;
}

export function buildPanels(o: PanelInputs): MetricPanelView[] {
  const { requests: req, endUs, pointsMax } = o;
  const panels: MetricPanelView[] = [];
  panels.push({
    id: 'throughput',
    title: 'Throughput vs goodput',
    caption:
      'Requests finished per second (throughput) against requests that succeeded (goodput). A gap between the lines is work the system did for nothing: under a retry storm throughput stays high while goodput collapses.',
    unit: 'req/s',
    scale: 'linear',
    series: [seriesGrid('throughput', req.throughput, endUs, 'count', pointsMax), seriesGrid('goodput', req.goodput, endUs, 'count', pointsMax)],
    emptyText: 'No requests were recorded in this run.',
  });
  const sends = [seriesGrid('first tries', req.firstTries, endUs, 'count', pointsMax), seriesGrid('retries', req.retrySends, endUs, 'count', pointsMax)];
  panels.push({
    id: 'attempts',
    title: 'First tries vs retries',
    caption:
      'Attempts sent per second, split into first tries and retries. Offered load is their sum: when retries grow while first tries stay flat, clients are amplifying the failure.',
    unit: 'attempts/s',
    scale: 'linear',
    series: allZero(sends) ? [] : sends,
    emptyText: 'This run records no attempts (the scenario does not call requests.attempt).',
  });
  const errorKinds = [...req.errorSeries.keys()].sort();
  panels.push({
    id: 'errors',
    title: 'Errors by kind',
    caption: 'Failed requests per second, one line per error kind.',
    unit: 'errors/s',
    scale: 'linear',
    series: errorKinds.map((k) => seriesGrid(k, req.errorSeries.get(k)!, endUs, 'count', pointsMax)),
    emptyText: 'No request failed in this run.',
  });
  const lat = latencyGrids(req, endUs, pointsMax);
  panels.push({
    id: 'latency',
    title: 'Latency per window',
    caption:
      'p50, p99 and max latency of the requests that finished in each window, in milliseconds on a log scale (nearest-rank percentiles from the run’s histograms). Where they coincide (every request timing out, say) the lines lie on each other: max widest, p50 narrowest.',
    unit: 'ms',
    scale: 'log',
    series: allZero(lat) ? [] : lat,
    emptyText: 'No latency was recorded in this run.',
  });

  // Scenario-published series: registry series and metric-window records, grouped by name.
  const named = new Map<string, GridSeries>();
  for (const [name, s] of [...o.metrics.series.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) named.set(name, seriesGrid(name, s, endUs, 'mean', pointsMax));
  for (const [name, w] of [...o.metricWindows.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (named.has(name)) continue;
    const ws = w.windows.map((x, i) => ({ startUs: i * w.widthUs, ...x }));
    named.set(name, gridFromWindows(name, ws, w.widthUs, 'mean', pointsMax, 1, endUs));
  }
  const take = (re: RegExp): GridSeries[] => {
    const out: GridSeries[] = [];
    for (const [name, g] of named) {
      if (re.test(name)) {
        out.push(g);
        named.delete(name);
      }
    }
    return out;
  };
  panels.push({
    id: 'queue',
    title: 'Queue depth and in-flight requests',
    caption: 'Mean of the samples in each window. A queue that keeps growing after the fault ends is the signature of a metastable failure.',
    unit: 'requests',
    scale: 'linear',
    series: take(/queue|inflight|in-flight|depth|backlog|pending|concurren/i),
    emptyText: 'This run publishes no queue-depth or in-flight series (names containing "queue", "inflight" or "depth").',
  });
  panels.push({
    id: 'utilization',
    title: 'Utilization per node',
    caption: 'Fraction of each node’s capacity in use, mean per window.',
    unit: 'fraction',
    scale: 'linear',
    series: take(/util|busy/i),
    emptyText: 'This run publishes no utilization series (names containing "util" or "busy").',
  });
  if (o.messagesTotal > 0) {
    panels.push({
      id: 'messages',
      title: 'Messages sent and dropped',
      caption: 'Every message in the trace, per second of its send time, and how many of them were dropped (the diagram above draws a sample when there are many).',
      unit: 'msgs/s',
      scale: 'linear',
      series: messageRates(o.density, endUs),
      emptyText: '',
    });
  }
  if (named.size > 0) {
    panels.push({
      id: 'other',
      title: 'Other series',
      caption: 'Series the scenario published, mean per window.',
      unit: '',
      scale: 'linear',
      series: [...named.values()],
      emptyText: '',
    });
  }
  return panels;
}

export function percentileRows(requests: RequestStats, metrics: Metrics): PercentileRow[] {
  const row = (label: string, h: Histogram, toMs: number): PercentileRow => {
    const q = (p: number): number | null => (h.count ? roundSig(percentile(h, p) * toMs) : null);
    return {
      label,
      count: h.count,
      meanMs: h.count ? roundSig(h.mean * toMs) : null,
      minMs: h.count ? roundSig(h.min * toMs) : null,
      p50Ms: q(0.5),
      p90Ms: q(0.9),
      p99Ms: q(0.99),
      p999Ms: q(0.999),
      maxMs: h.count ? roundSig(h.max * toMs) : null,
    };
  };
  const rows = [row('all requests', requests.latencyUs, 1 / 1000), row('ok requests', requests.okLatencyUs, 1 / 1000)];
  for (const [name, h] of [...metrics.histograms.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (/Us$|latency/i.test(name)) rows.push(row(name, h, 1 / 1000));
    else if (/Ms$/.test(name)) rows.push(row(name, h, 1));
  }
  return rows;
}
