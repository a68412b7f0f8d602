/**
 * The message diagram (Lamport style, on the shared horizontal time axis): one line per node and
 * an arrow per message from (sender, send time) to (receiver, delivery time). A dropped message
 * stops at its drop time just short of the receiver's line and ends in ✕ (hover for the reason);
 * a message never delivered nor dropped runs dashed to the end of the run.
 *
 * Arrows are drawn for the zoomed window when it holds at most `ARROWS_MAX` of the embedded
 * messages. Under them, whenever the arrows are not every message (the embedded ones are a sample,
 * or too many to draw), a canvas shows the density of *every* message per sender lane and time bin
 * (pink where drops happened), from the data's density grid.
 */
import type { MessageDensity, MessageView, MessagesView } from '../model.ts';
import { clipLabel, formatTimeUs } from './format.ts';
import { OUTCOME_COLORS } from './palette.ts';
import type { G } from './panel.ts';
import type { TimeScale } from './timeController.ts';
import { hideTooltip, showTooltip } from './tooltip.ts';

export const MESSAGE_LANE_H = 26;
export const ARROWS_MAX = 1500;
const DELIVERED = '#4a5263';

export function messagesHeight(nodes: readonly string[]): number {
  return Math.max(1, nodes.length) * MESSAGE_LANE_H;
}

export interface MessagesContext {
  x: TimeScale;
  endUs: number;
  plotW: number;
  plotH: number;
  arrowId: string;
}

/** Which messages overlap the window [d0, d1] (pure). */
export function visibleMessages(items: readonly MessageView[], d0: number, d1: number, endUs: number): MessageView[] {
  return items.filter((m) => m.sendUs <= d1 && (m.deliverUs ?? m.dropUs ?? endUs) >= d0);
}

export function renderMessages(
  content: G,
  labels: G,
  canvas: HTMLCanvasElement,
  notice: HTMLElement,
  messages: MessagesView,
  nodes: readonly string[],
  ctx: MessagesContext,
): void {
  const { x } = ctx;
  const yOf = new Map(nodes.map((n, i) => [n, i * MESSAGE_LANE_H + MESSAGE_LANE_H / 2] as const));
  const y = (n: string): number => yOf.get(n) ?? ctx.plotH - 4;
  labels
    .selectAll<SVGTextElement, string>('text.msg-node')
    .data(nodes)
    .join('text')
    .attr('class', 'msg-node lane-label')
    .attr('x', 6)
    .attr('y', (n) => y(n) + 4)
    .text((n) => clipLabel(n));
  content
    .selectAll<SVGLineElement, string>('line.node-line')
    .data(nodes)
    .join('line')
    .attr('class', 'node-line')
    .attr('x1', 0)
    .attr('x2', ctx.plotW)
    .attr('y1', y)
    .attr('y2', y)
    .attr('stroke', '#d5d9e0');

  const [d0, d1] = x.domain() as [number, number];
  const visible = visibleMessages(messages.items, d0, d1, ctx.endUs);
  const dense = visible.length > ARROWS_MAX;
  const lines: string[] = [];
  if (messages.truncated) lines.push(`Arrows: ${messages.sampling}. The shading under them counts every message.`);
  if (dense) lines.push(`${visible.length.toLocaleString('en-US')} arrows in this window: drawn as density; zoom in (brush the overview) to see arrows.`);
  notice.replaceChildren(...lines.map((l) => Object.assign(document.createElement('div'), { className: 'notice', textContent: l })));
  notice.setAttribute('data-visible-messages', String(visible.length));

  const arrows = dense ? [] : visible;
  const g = content
    .selectAll<SVGGElement, MessageView>('g.message')
    .data(arrows, (m) => m.id)
    .join((enter) => {
      const e = enter.append('g').attr('class', 'message');
      e.append('line');
      e.append('path').attr('class', 'drop-x');
      return e;
    })
    .attr('data-id', (m) => m.id)
    .attr('data-dropped', (m) => (m.dropUs !== null ? 'true' : null))
    .on('mousemove', (event: MouseEvent, m) => showTooltip(event, `${m.type}: ${m.from} → ${m.to}`, messageLines(m)))
    .on('mouseleave', hideTooltip);
  // An undelivered message stops just short of its receiver's line, so the ✕ names the receiver
  // without being mistaken for a delivery (or for a node in between).
  const shortOf = (m: MessageView): number => {
    const a = y(m.from);
    const b = y(m.to);
    return a === b ? a - 8 : b - Math.sign(b - a) * 7;
  };
  g.select('line')
    .attr('x1', (m) => x(m.sendUs))
    .attr('y1', (m) => y(m.from))
    .attr('x2', (m) => x(endOf(m, ctx.endUs)))
    .attr('y2', (m) => (m.deliverUs !== null ? y(m.to) : shortOf(m)))
    .attr('stroke', (m) => (m.dropUs !== null ? OUTCOME_COLORS.fail : m.deliverUs === null ? '#9aa1ad' : DELIVERED))
    .attr('stroke-dasharray', (m) => (m.deliverUs === null && m.dropUs === null ? '3 3' : null))
    .attr('marker-end', (m) => (m.deliverUs !== null ? `url(#${ctx.arrowId})` : null));
  g.select('path.drop-x')
    .attr('d', (m) => {
      if (m.dropUs === null) return null;
      const cx = x(m.dropUs);
      const cy = shortOf(m);
      return `M${cx - 4},${cy - 4}L${cx + 4},${cy + 4}M${cx - 4},${cy + 4}L${cx + 4},${cy - 4}`;
    })
    .attr('stroke', OUTCOME_COLORS.fail)
    .attr('stroke-width', 2);

  // Faint under arrows, strong when it is all there is.
  drawDensity(canvas, dense || messages.truncated ? messages.density : null, y, ctx, dense ? 1 : 0.35);
}

function endOf(m: MessageView, endUs: number): number {
  return m.deliverUs ?? m.dropUs ?? endUs;
}

function messageLines(m: MessageView): string[] {
  const out = [`sent ${formatTimeUs(m.sendUs)}`];
  if (m.deliverUs !== null) out.push(`delivered ${formatTimeUs(m.deliverUs)} (after ${formatTimeUs(m.deliverUs - m.sendUs)})`);
  if (m.dropUs !== null) out.push(`dropped ${formatTimeUs(m.dropUs)}${m.reason ? `: ${m.reason}` : ''}`);
  if (m.deliverUs === null && m.dropUs === null) out.push('never delivered before the run ended');
  out.push(`id ${m.id}`);
  return out;
}

/**
 * Every message, per sender lane and time bin of the density grid, as shaded cells: darker where
 * more messages were sent per pixel, pink where any of them were dropped. Null hides the canvas.
 */
function drawDensity(canvas: HTMLCanvasElement, density: MessageDensity | null, y: (n: string) => number, ctx: MessagesContext, strength: number): void {
  canvas.width = ctx.plotW;
  canvas.height = ctx.plotH;
  canvas.style.width = `${ctx.plotW}px`;
  canvas.style.height = `${ctx.plotH}px`;
  const c = canvas.getContext('2d');
  if (!c) return;
  c.clearRect(0, 0, canvas.width, canvas.height);
  canvas.style.display = density ? 'block' : 'none';
  canvas.setAttribute('data-lanes', String(density?.lanes.length ?? 0));
  if (!density) return;
  const [d0, d1] = ctx.x.domain() as [number, number];
  const w = density.widthUs;
  const i0 = Math.max(0, Math.floor(d0 / w));
  const i1 = Math.ceil(d1 / w);
  // Messages per pixel, so that a bin wider than a pixel (zoomed in) is not drawn darker.
  const cells: { lane: number; x0: number; x1: number; perPx: number; dropped: boolean }[] = [];
  let max = 0;
  density.lanes.forEach((lane, li) => {
    for (let i = i0; i < Math.min(i1, lane.sent.length); i++) {
      const n = lane.sent[i]!;
      if (!n) continue;
      const x0 = Math.max(0, ctx.x(i * w));
      const x1 = Math.min(ctx.plotW, Math.max(x0 + 1, ctx.x((i + 1) * w)));
      const perPx = n / Math.max(1, x1 - x0);
      if (perPx > max) max = perPx;
      cells.push({ lane: li, x0, x1, perPx, dropped: (lane.dropped[i] ?? 0) > 0 });
    }
  });
  for (const cell of cells) {
    const cy = y(density.lanes[cell.lane]!.node);
    c.fillStyle = cell.dropped ? OUTCOME_COLORS.fail : DELIVERED;
    c.globalAlpha = strength * (0.12 + 0.78 * Math.sqrt(cell.perPx / max));
    c.fillRect(cell.x0, cy - 8, cell.x1 - cell.x0, 16);
  }
  c.globalAlpha = 1;
}
