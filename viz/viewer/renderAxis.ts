/** The time axis under a panel, and its vertical grid lines, from the current (zoomed) scale. */
import { axisBottom } from 'd3';
import { formatTimeUs } from './format.ts';
import type { G } from './panel.ts';
import type { TimeScale } from './timeController.ts';

export function renderAxis(axis: G, grid: G, x: TimeScale, plotH: number, plotW: number): void {
  const ticks = Math.max(2, Math.floor(plotW / 110));
  axis.call(
    axisBottom(x)
      .ticks(ticks)
      .tickSizeOuter(0)
      .tickFormat((d) => formatTimeUs(+d)),
  );
  grid
    .selectAll('line')
    .data(x.ticks(ticks))
    .join('line')
    .attr('x1', (d) => x(d))
    .attr('x2', (d) => x(d))
    .attr('y1', 0)
    .attr('y2', plotH);
}
