/**
 * The roles lane of a replicated service: one row per node with its claims to lead (primary,
 * leader) as bars labelled with their term or epoch, a row on top where two or more claims
 * overlap (a split brain) and where two read leases overlapped, and fencing-token rejections as
 * marks on the node that refused. Pure function of (view, scale, layers).
 */
import type { RoleClaim, RolesView } from '../model.ts';
import { clipLabel, formatTimeUs } from './format.ts';
import { OUTCOME_COLORS } from './palette.ts';
import type { G } from './panel.ts';
import type { TimeScale } from './timeController.ts';
import { hideTooltip, showTooltip } from './tooltip.ts';

export const ROLE_ROW_H = 14;
const ROW_GAP = 5;
const TERM_COLORS = ['#1b8a7a', '#3f6fb5', '#8e6bbf', '#c26b2f', '#5e8c31', '#b23aa6'];
export const ROLE_OVERLAP_COLOR = OUTCOME_COLORS.fail;
export const LEASE_OVERLAP_COLOR = OUTCOME_COLORS.unknown;

/** Rows: "overlap" first, then one per node. */
export function rolesHeight(view: RolesView): number {
  return (view.nodes.length + 1) * (ROLE_ROW_H + ROW_GAP) + 2;
}

function rowY(i: number): number {
  return i * (ROLE_ROW_H + ROW_GAP);
}

/** A term's colour: terms in order of appearance cycle through a fixed palette, so handovers read as colour changes. */
function termColors(view: RolesView): (term: string | undefined) => string {
  const terms = [...new Set(view.claims.map((c) => c.term ?? ''))];
  return (t) => TERM_COLORS[Math.max(0, terms.indexOf(t ?? '')) % TERM_COLORS.length]!;
}

export function renderRoles(content: G, labels: G, view: RolesView, x: TimeScale): void {
  const [d0, d1] = x.domain() as [number, number];
  const color = termColors(view);
  const rows = ['overlap', ...view.nodes];
  labels
    .selectAll<SVGTextElement, string>('text.role-label')
    .data(rows)
    .join('text')
    .attr('class', (_, i) => (i === 0 ? 'role-label row-label' : 'role-label lane-label'))
    .attr('x', 6)
    .attr('y', (_, i) => rowY(i) + ROLE_ROW_H / 2 + 4)
    .text((d, i) => (i === 0 ? 'two at once' : clipLabel(d)));
  const visible = <T extends { startUs: number; endUs: number }>(list: readonly T[]): T[] => list.filter((c) => c.endUs >= d0 && c.startUs <= d1);
  const bar = (a: number, b: number): number => Math.max(1.5, x(b) - x(a));

  content
    .selectAll<SVGRectElement, RolesView['overlaps'][number]>('rect.role-overlap')
    .data(visible(view.overlaps))
    .join('rect')
    .attr('class', 'role-overlap')
    .attr('data-testid', 'role-overlap')
    .attr('data-start-us', (o) => o.startUs)
    .attr('data-end-us', (o) => o.endUs)
    .attr('data-nodes', (o) => o.nodes.join(','))
    .attr('x', (o) => x(o.startUs))
    .attr('width', (o) => bar(o.startUs, o.endUs))
    .attr('y', rowY(0))
    .attr('height', ROLE_ROW_H)
    .attr('fill', ROLE_OVERLAP_COLOR)
    .attr('fill-opacity', 0.85)
    .on('mousemove', (event: MouseEvent, o) =>
      showTooltip(event, `${o.nodes.join(' and ')} both claimed to lead ${view.service}`, [`${formatTimeUs(o.startUs)} → ${formatTimeUs(o.endUs)} (${formatTimeUs(o.endUs - o.startUs)})`]),
    )
    .on('mouseleave', hideTooltip);

  content
    .selectAll<SVGRectElement, RolesView['leaseOverlaps'][number]>('rect.lease-overlap')
    .data(visible(view.leaseOverlaps))
    .join('rect')
    .attr('class', 'lease-overlap')
    .attr('data-testid', 'lease-overlap')
    .attr('x', (o) => x(o.startUs))
    .attr('width', (o) => bar(o.startUs, o.endUs))
    .attr('y', rowY(0) + ROLE_ROW_H * 0.6)
    .attr('height', ROLE_ROW_H * 0.4)
    .attr('fill', LEASE_OVERLAP_COLOR)
    .on('mousemove', (event: MouseEvent, o) =>
      showTooltip(event, `read leases of ${o.leaders.join(' and ')} overlapped`, [`${formatTimeUs(o.startUs)} → ${formatTimeUs(o.endUs)} (${formatTimeUs(o.endUs - o.startUs)}) in true time`]),
    )
    .on('mouseleave', hideTooltip);

  const claims = content
    .selectAll<SVGGElement, RoleClaim>('g.role-claim')
    .data(visible(view.claims))
    .join((enter) => {
      const g = enter.append('g').attr('class', 'role-claim').attr('data-testid', 'role-claim');
      g.append('rect');
      g.append('text').attr('class', 'claim-label');
      return g;
    })
    .attr('data-node', (c) => c.node)
    .attr('data-term', (c) => c.term ?? '')
    .attr('data-start-us', (c) => c.startUs)
    .attr('data-end-us', (c) => c.endUs)
    .on('mousemove', (event: MouseEvent, c) =>
      showTooltip(event, `${c.node} leads ${view.service}${c.term !== undefined ? ` in term/epoch ${c.term}` : ''}`, [
        `${formatTimeUs(c.startUs)} → ${c.open ? 'the end of the run' : formatTimeUs(c.endUs)} (${formatTimeUs(c.endUs - c.startUs)})`,
      ]),
    )
    .on('mouseleave', hideTooltip);
  claims
    .select('rect')
    .attr('x', (c) => x(c.startUs))
    .attr('width', (c) => bar(c.startUs, c.endUs))
    .attr('y', (c) => rowY(1 + view.nodes.indexOf(c.node)))
    .attr('height', ROLE_ROW_H)
    .attr('fill', (c) => color(c.term));
  claims
    .select('text')
    .attr('x', (c) => Math.max(0, x(c.startUs)) + 3)
    .attr('y', (c) => rowY(1 + view.nodes.indexOf(c.node)) + ROLE_ROW_H - 3)
    .text((c) => (bar(c.startUs, c.endUs) > 60 && c.term !== undefined ? `term ${c.term}` : ''));

  content
    .selectAll<SVGPathElement, RolesView['fencing'][number]>('path.fencing-mark')
    .data(view.fencing.filter((f) => f.timeUs >= d0 && f.timeUs <= d1 && view.nodes.includes(f.node)))
    .join('path')
    .attr('class', 'fencing-mark')
    .attr('data-testid', 'fencing-mark')
    .attr('d', (f) => {
      const cx = x(f.timeUs);
      const y = rowY(1 + view.nodes.indexOf(f.node));
      return `M${cx - 4},${y - 1}L${cx + 4},${y - 1}L${cx},${y + 6}Z`;
    })
    .attr('fill', '#111')
    .on('mousemove', (event: MouseEvent, f) => showTooltip(event, `fencing token at ${formatTimeUs(f.timeUs)}`, [f.text]))
    .on('mouseleave', hideTooltip);
}
