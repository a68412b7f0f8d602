/**
 * The variant comparison's divergence marks: where each variant's trace first differs from the
 * first variant's (`ReportData.divergences`, found by `viz/divergence.ts`), a dashed rule across
 * a panel with a short label at its top. Pure function of (marks, scale, container).
 */
import type { DivergenceMark } from '../model.ts';
import type { G } from './panel.ts';
import type { TimeScale } from './timeController.ts';
import { formatTimeUs } from './format.ts';

/** "b parts from a at 3.3 s (record #1002)": `name(i)` names run i. */
export function divergenceText(m: DivergenceMark, name: (run: number) => string): string {
  return `${name(m.run)} parts from ${name(m.base)} at ${formatTimeUs(m.timeUs)} (record #${m.index})`;
}

export function renderDivergenceMarks(g: G, marks: readonly DivergenceMark[], x: TimeScale, plotH: number, color: (run: number) => string): void {
  g.selectAll<SVGLineElement, DivergenceMark>('line.divergence-rule')
    .data(marks)
    .join('line')
    .attr('class', 'divergence-rule')
    .attr('data-divergence-us', (m) => m.timeUs)
    .attr('x1', (m) => x(m.timeUs))
    .attr('x2', (m) => x(m.timeUs))
    .attr('y1', 0)
    .attr('y2', plotH)
    .attr('stroke', (m) => color(m.run))
    .attr('stroke-width', 1.5)
    .attr('stroke-dasharray', '4 3');
  g.selectAll<SVGTextElement, DivergenceMark>('text.divergence-label')
    .data(marks)
    .join('text')
    .attr('class', 'divergence-label')
    .attr('x', (m) => x(m.timeUs) + 3)
    .attr('y', (_, i) => 10 + 11 * i)
    .attr('font-size', 10)
    .attr('fill', (m) => color(m.run))
    .text('parts here');
}
