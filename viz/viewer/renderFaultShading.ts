/**
 * Faults shaded across a panel (Jepsen's nemesis bands): every active interval is a translucent
 * band in its fault kind's colour, instant faults are thin rules, and marks (a check's first
 * failure, a scenario's notes) are dashed rules across the full height.
 */
import type { FaultInterval, Mark } from '../model.ts';
import type { G } from './panel.ts';
import type { TimeScale } from './timeController.ts';

export function renderFaultShading(g: G, faults: readonly FaultInterval[], x: TimeScale, plotH: number, color: (kind: string) => string): void {
  const spans = faults.filter((f) => f.endUs !== null);
  g.selectAll<SVGRectElement, FaultInterval>('rect.fault-shade')
    .data(spans)
    .join('rect')
    .attr('class', 'fault-shade')
    .attr('x', (f) => x(f.startUs))
    .attr('width', (f) => Math.max(1, x(f.endUs!) - x(f.startUs)))
    .attr('y', 0)
    .attr('height', plotH)
    .attr('fill', (f) => color(f.kind))
    .attr('fill-opacity', 0.1);
  g.selectAll<SVGLineElement, FaultInterval>('line.fault-instant')
    .data(faults.filter((f) => f.endUs === null))
    .join('line')
    .attr('class', 'fault-instant')
    .attr('x1', (f) => x(f.startUs))
    .attr('x2', (f) => x(f.startUs))
    .attr('y1', 0)
    .attr('y2', plotH)
    .attr('stroke', (f) => color(f.kind))
    .attr('stroke-opacity', 0.6);
}

export function renderMarks(g: G, marks: readonly Mark[], x: TimeScale, plotH: number, cursorUs: number | null): void {
  g.selectAll<SVGLineElement, Mark>('line.mark-rule')
    .data(marks)
    .join('line')
    .attr('class', (m) => `mark-rule ${m.kind}`)
    .attr('x1', (m) => x(m.timeUs))
    .attr('x2', (m) => x(m.timeUs))
    .attr('y1', 0)
    .attr('y2', plotH);
  g.selectAll<SVGLineElement, number>('line.cursor-rule')
    .data(cursorUs === null ? [] : [cursorUs])
    .join('line')
    .attr('class', 'cursor-rule')
    .attr('x1', (t) => x(t))
    .attr('x2', (t) => x(t))
    .attr('y1', 0)
    .attr('y2', plotH);
}
