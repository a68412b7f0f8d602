/**
 * A metric panel: windowed series drawn as step lines (each value covers its window) on a linear
 * or log y axis. The y domain follows the data in the zoomed window, so zooming into a burst
 * shows its shape. Hovering shows every series' value at that moment.
 */
import { axisLeft, format, line, pointer, scaleLinear, scaleLog, type ScaleContinuousNumeric } from 'd3';
import type { GridSeries, MetricPanelView } from '../model.ts';
import { formatNumber, formatTimeUs } from './format.ts';
import { LABEL_W, type G } from './panel.ts';
import type { TimeScale } from './timeController.ts';
import { hideTooltip, showTooltip } from './tooltip.ts';

const siFormat = format('~s');

export interface MetricContext {
  x: TimeScale;
  plotW: number;
  plotH: number;
  color: (name: string, index: number) => string;
  /** Stroke width per series (default 1.6). */
  width?: (name: string, index: number) => number;
  /** Series drawn dashed (comparison: the second run of a pair). */
  dashed?: (name: string, index: number) => boolean;
}

/**
 * Points of a step line over the window [d0, d1] (pure); null values break the line. The last
 * value stops at the series' `endUs` when the run ended inside its window.
 */
export function stepPoints(s: GridSeries, d0: number, d1: number): [number, number | null][] {
  const out: [number, number | null][] = [];
  const i0 = Math.max(0, Math.floor((d0 - s.startUs) / s.widthUs) - 1);
  const i1 = Math.min(s.values.length - 1, Math.ceil((d1 - s.startUs) / s.widthUs) + 1);
  const end = s.endUs ?? Infinity;
  for (let i = i0; i <= i1; i++) {
    const v = s.values[i] ?? null;
    out.push([s.startUs + i * s.widthUs, v]);
    out.push([Math.min(end, s.startUs + (i + 1) * s.widthUs), v]);
  }
  return out;
}

export function valueAt(s: GridSeries, tUs: number): number | null {
  if (s.endUs !== undefined && tUs >= s.endUs) return null;
  const i = Math.floor((tUs - s.startUs) / s.widthUs);
  return i >= 0 && i < s.values.length ? (s.values[i] ?? null) : null;
}

export function renderMetricPanel(content: G, labels: G, hover: G, zoomArea: G, panel: MetricPanelView, ctx: MetricContext): void {
  const { x, plotH } = ctx;
  const [d0, d1] = x.domain() as [number, number];
  const pts = panel.series.map((s) => stepPoints(s, d0, d1));
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of pts) {
    for (const [, v] of p) {
      if (v === null) continue;
      if (panel.scale === 'log' && v <= 0) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  let y: ScaleContinuousNumeric<number, number>;
  if (panel.scale === 'log') {
    if (!(hi > 0)) [lo, hi] = [1, 10];
    y = scaleLog()
      .domain([lo / 1.4, hi * 1.4])
      .range([plotH, 0]);
  } else {
    if (!(hi > 0)) hi = 1;
    y = scaleLinear()
      .domain([0, hi * 1.08])
      .nice(4)
      .range([plotH, 0]);
  }
  labels.attr('transform', `translate(${LABEL_W},2)`);
  labels.call(
    axisLeft(y)
      .ticks(4)
      // d3's tick format picks one SI prefix for the whole axis, which labels zero "0k"
      .tickFormat((v) => (Number(v) === 0 ? '0' : siFormat(Number(v))))
      .tickSizeOuter(0),
  );
  labels.attr('class', 'labels axis');
  const defined = (d: [number, number | null]): boolean => d[1] !== null && (panel.scale !== 'log' || d[1] > 0);
  const gen = line<[number, number | null]>()
    .defined(defined)
    .x((d) => x(d[0]))
    .y((d) => y(d[1] ?? 0));
  content
    .selectAll<SVGPathElement, GridSeries>('path.series')
    .data(panel.series, (s) => s.name)
    .join('path')
    .attr('class', 'series')
    .attr('data-series', (s) => s.name)
    .attr('fill', 'none')
    .attr('stroke', (s, i) => ctx.color(s.name, i))
    .attr('stroke-width', (s, i) => ctx.width?.(s.name, i) ?? 1.6)
    .attr('stroke-dasharray', (s, i) => (ctx.dashed?.(s.name, i) ? '5 3' : null))
    .attr('d', (_, i) => gen(pts[i]!) ?? '');

  const hoverLine = hover
    .selectAll<SVGLineElement, number>('line.hover-line')
    .data([0])
    .join('line')
    .attr('class', 'hover-line')
    .attr('y1', 0)
    .attr('y2', plotH)
    .style('display', 'none');
  zoomArea
    .on('mousemove.values', (event: MouseEvent) => {
      const [px] = pointer(event, zoomArea.node());
      const t = x.invert(px);
      hoverLine.attr('x1', px).attr('x2', px).style('display', null);
      const lines = panel.series.map((s) => `${s.name}: ${formatNumber(valueAt(s, t))} ${panel.unit}`.trim());
      showTooltip(event, `${panel.title} at ${formatTimeUs(Math.round(t))}`, lines);
    })
    .on('mouseleave.values', () => {
      hoverLine.style('display', 'none');
      hideTooltip();
    });
}
