/**
 * A panel's frame: heading, caption, legend and an SVG whose plot area sits right of a label
 * column, clipped, with layers in a fixed order (shading under content under marks). Renderers
 * draw into these layers; the frame itself holds no data.
 */
import { select, type Selection } from 'd3';
import { el } from './dom.ts';

export const LABEL_W = 132;
export const RIGHT_PAD = 18;
export const AXIS_H = 22;

let clipCounter = 0;

export type G = Selection<SVGGElement, unknown, null, undefined>;

export interface PanelFrame {
  root: HTMLDivElement;
  legend: HTMLDivElement;
  notice: HTMLDivElement;
  svg: Selection<SVGSVGElement, unknown, null, undefined>;
  /** The plot area (zoom surface); (0,0) is its top-left corner. */
  plot: G;
  /** The label column, left of the plot, same y origin. */
  labels: G;
  grid: G;
  shading: G;
  content: G;
  marks: G;
  axis: G;
  hover: G;
  plotW: number;
  plotH: number;
}

export function createPanel(
  parent: HTMLElement,
  o: { id: string; title: string; caption?: string; width: number; plotH: number; className?: string },
): PanelFrame {
  const root = el('div', { class: `panel ${o.className ?? ''}`.trim(), id: o.id, 'data-panel': o.id });
  const legend = el('div', { class: 'legend' });
  const head = el('div', { class: 'panel-head' }, el('h3', {}, o.title), legend);
  root.appendChild(head);
  if (o.caption) root.appendChild(el('p', { class: 'caption' }, o.caption));
  const notice = el('div');
  root.appendChild(notice);
  parent.appendChild(root);
  const plotW = Math.max(100, o.width - LABEL_W - RIGHT_PAD);
  const svg = select(root)
    .append('svg')
    .attr('width', o.width)
    .attr('height', o.plotH + AXIS_H + 4)
    .attr('role', 'img')
    .attr('aria-label', o.title);
  const clipId = `clip-${++clipCounter}`;
  svg.append('defs').append('clipPath').attr('id', clipId).append('rect').attr('width', plotW).attr('height', o.plotH);
  const labels = svg.append('g').attr('class', 'labels').attr('transform', 'translate(0,2)');
  const plot = svg.append('g').attr('class', 'plot').attr('transform', `translate(${LABEL_W},2)`);
  plot.append('rect').attr('class', 'zoom-area').attr('width', plotW).attr('height', o.plotH);
  const grid = plot.append('g').attr('class', 'grid');
  const clipped = plot.append('g').attr('clip-path', `url(#${clipId})`);
  const shading = clipped.append('g').attr('class', 'shading');
  const content = clipped.append('g').attr('class', 'content');
  const marks = clipped.append('g').attr('class', 'marks');
  const hover = plot.append('g').attr('class', 'hover');
  const axis = plot.append('g').attr('class', 'axis').attr('transform', `translate(0,${o.plotH})`);
  return { root, legend, notice, svg, plot, labels, grid, shading, content, marks, axis, hover, plotW, plotH: o.plotH };
}
