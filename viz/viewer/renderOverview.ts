/**
 * The overview strip (focus + context): the whole run at once, faults as thin stacked bands and
 * each run's throughput as a line, under a brush that selects the window every panel shows.
 */
import { axisBottom, line, scaleLinear } from 'd3';
import type { ReportData } from '../model.ts';
import { formatTimeUs } from './format.ts';
import { runColor } from './palette.ts';
import type { G } from './panel.ts';
import type { TimeScale } from './timeController.ts';

export const OVERVIEW_H = 44;

export function renderOverview(plot: G, data: ReportData, x0: TimeScale, color: (kind: string) => string): void {
  const kinds = [...new Set(data.runs.flatMap((r) => r.faultKinds))];
  const bandH = kinds.length ? Math.min(6, Math.floor(16 / kinds.length)) : 0;
  plot
    .append('rect')
    .attr('width', x0.range()[1]!)
    .attr('height', OVERVIEW_H)
    .attr('fill', '#f6f7f9');
  const faults = data.runs.flatMap((r) => r.faults);
  plot
    .append('g')
    .selectAll('rect')
    .data(faults)
    .join('rect')
    .attr('class', 'overview-fault')
    .attr('x', (f) => x0(f.startUs))
    .attr('width', (f) => Math.max(2, x0(f.endUs ?? f.startUs) - x0(f.startUs)))
    .attr('y', (f) => 2 + kinds.indexOf(f.kind) * (bandH + 1))
    .attr('height', bandH)
    .attr('fill', (f) => color(f.kind));
  const top = kinds.length ? 2 + kinds.length * (bandH + 1) + 2 : 4;
  data.runs.forEach((run, i) => {
    const s = run.panels.find((p) => p.id === 'throughput')?.series[0];
    if (!s) return;
    const max = Math.max(1e-9, ...s.values.map((v) => v ?? 0));
    const y = scaleLinear()
      .domain([0, max])
      .range([OVERVIEW_H - 2, top]);
    // Each value at the middle of its window; a partial last window at the middle of its part.
    const end = s.endUs ?? Infinity;
    const pts = s.values.map((v, j) => {
      const a = s.startUs + j * s.widthUs;
      return [(a + Math.min(end, a + s.widthUs)) / 2, v ?? 0] as [number, number];
    });
    plot
      .append('path')
      .attr('fill', 'none')
      .attr('stroke', data.runs.length > 1 ? runColor(i) : '#8a93a3')
      .attr('stroke-width', 1)
      .attr('d', line<[number, number]>().x((d) => x0(d[0])).y((d) => y(d[1]))(pts) ?? '');
  });
  plot
    .append('g')
    .attr('class', 'axis')
    .attr('transform', `translate(0,${OVERVIEW_H})`)
    .call(
      axisBottom(x0)
        .ticks(Math.max(2, Math.floor(x0.range()[1]! / 110)))
        .tickSizeOuter(0)
        .tickFormat((d) => formatTimeUs(+d)),
    );
}
