/**
 * The fault ribbon: one band per fault kind, with the active intervals drawn as bars; an instant
 * fault is a tick; a fault still active at the end of the run fades out at the right edge. Each
 * bar and tick carries its plan entry's index (`data-index`) and target, so a page that edits the
 * plan can find an entry's bar.
 */
import type { FaultInterval } from '../model.ts';
import { formatTimeUs } from './format.ts';
import type { G } from './panel.ts';
import type { TimeScale } from './timeController.ts';
import { hideTooltip, showTooltip } from './tooltip.ts';

export const RIBBON_BAND_H = 16;

export function ribbonHeight(kinds: readonly string[]): number {
  return Math.max(1, kinds.length) * (RIBBON_BAND_H + 3) + 2;
}

export function faultTooltipLines(f: FaultInterval): string[] {
  const lines = [
    f.endUs === null
      ? `at ${formatTimeUs(f.startUs)} (instant)`
      : `${formatTimeUs(f.startUs)} → ${formatTimeUs(f.endUs)}${f.open ? ' (still active at the end)' : ''} · ${formatTimeUs(f.endUs - f.startUs)}`,
  ];
  if (f.target) lines.push(`target: ${f.target}`);
  if (f.detail) lines.push(f.detail);
  if (f.index >= 0) lines.push(`fault plan entry ${f.index}`);
  return lines;
}

export function renderFaultRibbon(
  content: G,
  labels: G,
  faults: readonly FaultInterval[],
  kinds: readonly string[],
  x: TimeScale,
  color: (kind: string) => string,
): void {
  const bandY = (kind: string): number => kinds.indexOf(kind) * (RIBBON_BAND_H + 3) + 1;
  labels
    .selectAll<SVGTextElement, string>('text.band-label')
    .data(kinds)
    .join('text')
    .attr('class', 'band-label')
    .attr('x', 6)
    .attr('y', (k) => bandY(k) + RIBBON_BAND_H / 2 + 4)
    .text((k) => k);
  content
    .selectAll<SVGRectElement, string>('rect.band-bg')
    .data(kinds)
    .join('rect')
    .attr('class', 'band-bg')
    .attr('x', 0)
    .attr('width', Math.max(0, x.range()[1]! - x.range()[0]!))
    .attr('y', bandY)
    .attr('height', RIBBON_BAND_H)
    .attr('fill', '#f4f5f7');
  const spans = faults.filter((f) => f.endUs !== null);
  content
    .selectAll<SVGRectElement, FaultInterval>('rect.fault-band')
    .data(spans, (f) => `${f.index}:${f.kind}:${f.startUs}`)
    .join('rect')
    .attr('class', 'fault-band')
    .attr('data-kind', (f) => f.kind)
    .attr('data-index', (f) => f.index)
    .attr('data-target', (f) => f.target ?? null)
    .attr('data-start-us', (f) => f.startUs)
    .attr('data-end-us', (f) => f.endUs!)
    .attr('x', (f) => x(f.startUs))
    .attr('width', (f) => Math.max(2, x(f.endUs!) - x(f.startUs)))
    .attr('y', (f) => bandY(f.kind))
    .attr('height', RIBBON_BAND_H)
    .attr('rx', 2)
    .attr('fill', (f) => color(f.kind))
    .attr('fill-opacity', (f) => (f.open ? 0.55 : 0.85))
    .on('mousemove', (event: MouseEvent, f) => showTooltip(event, `${f.kind}${f.target ? ` · ${f.target}` : ''}`, faultTooltipLines(f)))
    .on('mouseleave', hideTooltip);
  content
    .selectAll<SVGTextElement, FaultInterval>('text.fault-label')
    .data(spans.filter((f) => f.target && x(f.endUs!) > 0 && x(f.endUs!) - Math.max(0, x(f.startUs)) > 8 * f.target.length + 6))
    .join('text')
    .attr('class', 'fault-label')
    .attr('x', (f) => Math.max(x(f.startUs), 0) + 4)
    .attr('y', (f) => bandY(f.kind) + RIBBON_BAND_H / 2 + 4)
    .attr('fill', '#fff')
    .style('fill', '#fff')
    .style('pointer-events', 'none')
    .style('font-size', '10.5px')
    .text((f) => f.target!);
  content
    .selectAll<SVGPathElement, FaultInterval>('path.fault-tick')
    .data(faults.filter((f) => f.endUs === null))
    .join('path')
    .attr('class', 'fault-tick')
    .attr('data-kind', (f) => f.kind)
    .attr('data-index', (f) => f.index)
    .attr('data-target', (f) => f.target ?? null)
    .attr('data-start-us', (f) => f.startUs)
    .attr('d', (f) => {
      const cx = x(f.startUs);
      const y = bandY(f.kind);
      return `M${cx},${y}L${cx + 5},${y + RIBBON_BAND_H / 2}L${cx},${y + RIBBON_BAND_H}L${cx - 5},${y + RIBBON_BAND_H / 2}Z`;
    })
    .attr('fill', (f) => color(f.kind))
    .on('mousemove', (event: MouseEvent, f) => showTooltip(event, `${f.kind}${f.target ? ` · ${f.target}` : ''}`, faultTooltipLines(f)))
    .on('mouseleave', hideTooltip);
}
