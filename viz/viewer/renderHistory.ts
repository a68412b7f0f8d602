/**
 * The history view, after Jepsen's timeline.html: one row per client process, each operation a
 * bar from its invocation to its completion (to the end of the run when it never completed),
 * coloured by outcome (ok blue, info orange, fail pink). Operations a check flagged are outlined
 * in black and carry the checks' names. With more operations than the view draws one by one,
 * each row is a strip of bins coloured by what was in flight (the worst outcome wins: fail, then
 * info), with the flagged operations still drawn exactly on top. Pure function of (view, scale, layers).
 */
import type { HistoryBin, HistoryOpView, HistoryView } from '../model.ts';
import { clipLabel, formatTimeUs } from './format.ts';
import { OUTCOME_COLORS } from './palette.ts';
import type { G } from './panel.ts';
import type { TimeScale } from './timeController.ts';
import { hideTooltip, showTooltip } from './tooltip.ts';

export const HISTORY_ROW_H = 14;
const ROW_GAP = 4;

export const HISTORY_COLORS = { ok: OUTCOME_COLORS.ok, info: OUTCOME_COLORS.unknown, fail: OUTCOME_COLORS.fail } as const;

export function historyHeight(view: HistoryView): number {
  return Math.max(1, view.processes.length) * (HISTORY_ROW_H + ROW_GAP) + 2;
}

const rowY = (p: number): number => p * (HISTORY_ROW_H + ROW_GAP);

export function describeOp(o: HistoryOpView): string {
  const what = o.op === 'read' ? `read ${o.key}${o.outcome === 'ok' ? ` → ${o.value ?? 'null'}` : ''}` : o.op === 'cas' ? `cas ${o.key} ${o.expected ?? ''} → ${o.value ?? ''}` : `${o.op} ${o.key} ← ${o.value ?? ''}`;
  return `op ${o.id}: ${what}`;
}

function opLines(o: HistoryOpView, endUs: number): string[] {
  const lines = [`${o.outcome}${o.error ? ` (${o.error})` : ''}`, `${formatTimeUs(o.invokeUs)} → ${o.completeUs === null ? 'never completed' : formatTimeUs(o.completeUs)} (${formatTimeUs((o.completeUs ?? endUs) - o.invokeUs)})`];
  if (o.checks?.length) lines.push(`flagged by ${o.checks.join(', ')}`);
  return lines;
}

export function renderHistory(content: G, labels: G, view: HistoryView, x: TimeScale, endUs: number, focus: string | null): void {
  const [d0, d1] = x.domain() as [number, number];
  labels
    .selectAll<SVGTextElement, string>('text.history-label')
    .data(view.processes)
    .join('text')
    .attr('class', 'history-label lane-label')
    .attr('x', 6)
    .attr('y', (_, p) => rowY(p) + HISTORY_ROW_H / 2 + 4)
    .text((d) => clipLabel(d));
  const end = (o: HistoryOpView): number => o.completeUs ?? endUs;
  const inView = (o: HistoryOpView): boolean => end(o) >= d0 && o.invokeUs <= d1;
  const width = (a: number, b: number): number => Math.max(1.5, x(b) - x(a));

  content
    .selectAll<SVGRectElement, HistoryBin>('rect.history-bin')
    .data(view.bins.filter((b) => b.endUs >= d0 && b.startUs <= d1))
    .join('rect')
    .attr('class', 'history-bin')
    .attr('x', (b) => x(b.startUs))
    .attr('width', (b) => width(b.startUs, b.endUs))
    .attr('y', (b) => rowY(b.p))
    .attr('height', HISTORY_ROW_H)
    .attr('fill', (b) => (b.fail > 0 ? HISTORY_COLORS.fail : b.info > 0 ? HISTORY_COLORS.info : HISTORY_COLORS.ok))
    .on('mousemove', (event: MouseEvent, b) =>
      showTooltip(event, `${view.processes[b.p]}: ${b.ok + b.fail + b.info} operation(s) in flight`, [
        `${formatTimeUs(b.startUs)} → ${formatTimeUs(b.endUs)}`,
        `ok ${b.ok} · info ${b.info} · fail ${b.fail}${b.flagged ? ` · flagged ${b.flagged}` : ''}`,
      ]),
    )
    .on('mouseleave', hideTooltip);

  const flaggedIds = new Set(view.flagged.map((o) => o.id));
  const ops = view.ops.filter((o) => inView(o) && !flaggedIds.has(o.id));
  // flagged operations last, so their outline is on top
  const all = [...ops, ...view.flagged.filter(inView)];
  content
    .selectAll<SVGRectElement, HistoryOpView>('rect.history-op')
    .data(all, (o) => String(o.id))
    .join('rect')
    .attr('class', (o) => (o.checks?.length ? `history-op flagged${focus !== null && o.checks.includes(focus) ? ' focus' : ''}` : 'history-op'))
    .attr('data-testid', (o) => (o.checks?.length ? 'history-flagged' : 'history-op'))
    .attr('data-op-id', (o) => o.id)
    .attr('data-outcome', (o) => o.outcome)
    .attr('data-checks', (o) => o.checks?.join(',') ?? null)
    .attr('x', (o) => x(o.invokeUs))
    .attr('width', (o) => width(o.invokeUs, end(o)))
    .attr('y', (o) => rowY(o.p) + (o.checks?.length ? 0 : 2))
    .attr('height', (o) => (o.checks?.length ? HISTORY_ROW_H : HISTORY_ROW_H - 4))
    .attr('fill', (o) => HISTORY_COLORS[o.outcome])
    .attr('fill-opacity', (o) => (o.completeUs === null ? 0.45 : 1))
    .attr('stroke', (o) => (o.checks?.length ? '#111' : null))
    .attr('stroke-width', (o) => (o.checks?.length ? (focus !== null && o.checks.includes(focus) ? 3 : 1.5) : null))
    .on('mousemove', (event: MouseEvent, o) => showTooltip(event, `${view.processes[o.p]} · ${describeOp(o)}`, opLines(o, endUs)))
    .on('mouseleave', hideTooltip);
}
