/**
 * Node swimlanes: one lane per node, a thick row for its lifecycle state (up, crashed,
 * restarting, paused, limping) and thin rows under it for role (leader), partition side, circuit
 * breakers and load-balancer ejections. Other events the node wrote are ticks above the state row.
 */
import type { LaneRow, NodeEvent, NodeView, Segment } from '../model.ts';
import { clipLabel, formatTimeUs } from './format.ts';
import { segmentColor } from './palette.ts';
import type { G } from './panel.ts';
import type { TimeScale } from './timeController.ts';
import { hideTooltip, showTooltip } from './tooltip.ts';

export const STATE_ROW_H = 16;
export const SUB_ROW_H = 8;
const TICK_H = 5;
const LANE_GAP = 10;

export interface LaneLayout {
  top: number;
  height: number;
  rowY: number[];
  rowH: number[];
}

/** Vertical layout of the lanes (pure): the first row is the state row, the rest are thin. */
export function laneLayout(nodes: readonly NodeView[]): { lanes: LaneLayout[]; height: number } {
  let y = 0;
  const lanes = nodes.map((n) => {
    const rowY: number[] = [];
    const rowH: number[] = [];
    let ry = y + TICK_H + 1;
    n.rows.forEach((_, i) => {
      const h = i === 0 ? STATE_ROW_H : SUB_ROW_H;
      rowY.push(ry);
      rowH.push(h);
      ry += h + 2;
    });
    const lane = { top: y, height: ry - y, rowY, rowH };
    y = ry + LANE_GAP;
    return lane;
  });
  return { lanes, height: Math.max(20, y - LANE_GAP + 2) };
}

interface RowDatum {
  node: string;
  row: LaneRow;
  y: number;
  h: number;
}

export function renderSwimlanes(content: G, labels: G, nodes: readonly NodeView[], x: TimeScale): void {
  const { lanes } = laneLayout(nodes);
  const [d0, d1] = x.domain() as [number, number];
  labels
    .selectAll<SVGGElement, NodeView>('g.lane-labels')
    .data(nodes, (n) => n.name)
    .join('g')
    .attr('class', 'lane-labels')
    .each(function (n, i) {
      const lane = lanes[i]!;
      const g = this as SVGGElement;
      const texts = n.rows.map((r, j) => ({ text: j === 0 ? n.name : r.label, y: lane.rowY[j]! + lane.rowH[j]! / 2 + (j === 0 ? 4 : 3), main: j === 0 }));
      const join = selectAllText(g, texts.length);
      join.forEach((t, j) => {
        const d = texts[j]!;
        t.setAttribute('x', d.main ? '6' : '14');
        t.setAttribute('y', String(d.y));
        t.setAttribute('class', d.main ? 'lane-label' : 'row-label');
        t.textContent = clipLabel(d.text);
        t.setAttribute('data-full', d.text);
      });
    });
  const lane = content
    .selectAll<SVGGElement, NodeView>('g.lane')
    .data(nodes, (n) => n.name)
    .join('g')
    .attr('class', 'lane')
    .attr('data-node', (n) => n.name);
  lane
    .selectAll<SVGGElement, RowDatum>('g.row')
    .data((n) => {
      const l = lanes[nodes.indexOf(n)]!;
      return n.rows.map((row, j) => ({ node: n.name, row, y: l.rowY[j]!, h: l.rowH[j]! }));
    })
    .join('g')
    .attr('class', (d) => `row ${d.row.kind}`)
    .attr('data-row', (d) => d.row.label)
    .each(function (d) {
      const visible = d.row.segments.filter((s) => s.endUs >= d0 && s.startUs <= d1);
      drawSegments(this as SVGGElement, d, visible, x);
    });
  lane
    .selectAll<SVGLineElement, NodeEvent>('line.event')
    .data((n) => n.events.filter((e) => e.timeUs >= d0 && e.timeUs <= d1))
    .join('line')
    .attr('class', 'event')
    .attr('x1', (e) => x(e.timeUs))
    .attr('x2', (e) => x(e.timeUs))
    .attr('y1', function () {
      const n = (this.parentNode as SVGGElement & { __data__: NodeView }).__data__;
      return lanes[nodes.indexOf(n)]!.top;
    })
    .attr('y2', function () {
      const n = (this.parentNode as SVGGElement & { __data__: NodeView }).__data__;
      return lanes[nodes.indexOf(n)]!.top + TICK_H;
    })
    .attr('stroke', '#5b6475')
    .attr('stroke-width', (e) => (e.count > 1 ? 2 : 1))
    .on('mousemove', (event: MouseEvent, e) => showTooltip(event, `${e.kind} at ${formatTimeUs(e.timeUs)}`, [e.text]))
    .on('mouseleave', hideTooltip);
}

function selectAllText(g: SVGGElement, n: number): SVGTextElement[] {
  const ns = 'http://www.w3.org/2000/svg';
  const existing = Array.from(g.querySelectorAll('text'));
  while (existing.length < n) {
    const t = document.createElementNS(ns, 'text');
    g.appendChild(t);
    existing.push(t);
  }
  while (existing.length > n) existing.pop()!.remove();
  return existing;
}

function drawSegments(g: SVGGElement, d: RowDatum, visible: readonly Segment[], x: TimeScale): void {
  const ns = 'http://www.w3.org/2000/svg';
  const rects = Array.from(g.children) as SVGRectElement[];
  while (rects.length < visible.length) {
    const r = document.createElementNS(ns, 'rect');
    r.setAttribute('class', 'seg');
    r.addEventListener('mousemove', (event) => {
      const { __seg: s, __row: row } = r as SVGRectElement & { __seg?: Segment; __row?: RowDatum };
      if (!s || !row) return;
      showTooltip(event, `${row.node} · ${row.row.label}: ${s.value}`, [`${formatTimeUs(s.startUs)} → ${formatTimeUs(s.endUs)} (${formatTimeUs(s.endUs - s.startUs)})`]);
    });
    r.addEventListener('mouseleave', hideTooltip);
    g.appendChild(r);
    rects.push(r);
  }
  while (rects.length > visible.length) rects.pop()!.remove();
  visible.forEach((s, i) => {
    const r = rects[i]! as SVGRectElement & { __seg?: Segment; __row?: RowDatum };
    r.__seg = s;
    r.__row = d;
    const x0 = x(s.startUs);
    r.setAttribute('x', String(x0));
    r.setAttribute('width', String(Math.max(1, x(s.endUs) - x0)));
    r.setAttribute('y', String(d.y));
    r.setAttribute('height', String(d.h));
    r.setAttribute('fill', segmentColor(s.value));
    r.setAttribute('data-value', s.value);
  });
}
