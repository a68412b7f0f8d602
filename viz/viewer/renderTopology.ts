/**
 * The topology view: one run's nodes as boxes (grouped by region and zone, in columns by call
 * depth), coloured by their state at the time cursor, with a queue bar (open requests, log scale,
 * shared by every topology on the page so designs compare) and a busy bar; links drawn with
 * their traffic, partitions as cut links, the plan's faults as badges on their nodes. Messages
 * move along the links as dots on a canvas laid over the drawing: each dot stands for messages
 * of that link in that window (their density follows the link's rate), and a link with more than
 * can be drawn becomes a band (a flow) under its dots. Retries and failures have their own
 * colours, dropped messages fall off their link as crosses.
 *
 * `update(timeUs)` only sets attributes of what it built (no element is created per frame), so a
 * playback at 60 frames a second stays cheap. Every value shown is in the DOM for tests:
 * `[data-node]` groups carry `data-state`, `data-queue` and `data-busy`.
 */
import type { RunView } from '../model.ts';
import type { PlaybackLink, PlaybackView } from '../playback-fold.ts';
import { faultActive, faultNodes, failShare, frameAt, layoutTopology, linkRate, NODE_H, NODE_W, nodeStateAt, retryShareAt, type NodeBox, type NodeState, type TopologyLayout } from '../topology.ts';
import { formatNumber, formatTimeUs } from './format.ts';
import { formatClock } from '../tour.ts';
import { segmentColor } from './palette.ts';

const SVG = 'http://www.w3.org/2000/svg';

/** Dot colours: requests, retries, answers, failures; drops are crosses in the failure colour. */
export const FLOW_COLORS = { request: '#2b6fd6', retry: '#f28e2b', reply: '#1a9850', failed: '#d81b60' } as const;
/** Dots drawn per link at once; beyond it the link is a flow band. */
const DOTS_MAX = 14;
/** Wall-clock seconds a dot takes along its link at any speed. */
const TRAVEL_S = 1.1;

export interface TopologyOptions {
  /** Heading over the drawing (the variant, "pinned"…). */
  label: string;
  /** The queue bars' full scale (open requests), shared by every topology shown together. */
  openScale: number;
  /** Simulated seconds per wall second, for the dots' spacing. */
  speed: () => number;
  /** Where nodes sit: one layout for every design shown together (`sharedLayout`); default this run's own. */
  layout?: TopologyLayout;
}

export interface TopologyHandle {
  readonly root: HTMLElement;
  /** Draw the moment `timeUs`; `live` (a playback frame): the drawing's attributes at most 8 times a second, the dots every time. */
  update(timeUs: number, live?: boolean): void;
  highlight(nodes: readonly string[]): void;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, parent?: Element): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  parent?.appendChild(e);
  return e;
}

function text(parent: Element, attrs: Record<string, string | number>, content: string): SVGTextElement {
  const t = svg('text', attrs, parent);
  t.textContent = content;
  return t;
}

/** Set an attribute only when it changes (a frame touches few). */
function set(e: Element, name: string, value: string): void {
  if (e.getAttribute(name) !== value) e.setAttribute(name, value);
}

function setText(e: Element, value: string): void {
  if (e.textContent !== value) e.textContent = value;
}

interface NodeParts {
  box: NodeBox;
  g: SVGGElement;
  body: SVGRectElement;
  status: SVGTextElement;
  queue: SVGRectElement;
  queueText: SVGTextElement;
  busy: SVGRectElement;
  busyText: SVGTextElement;
  ring: SVGRectElement;
}

interface LinkParts {
  link: PlaybackLink;
  line: SVGLineElement;
  cut: SVGGElement;
  /** A partition cuts it now: its dots stop halfway. */
  isCut: boolean;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** Index of the receiving node, for failures on answers to a workload. */
  toIndex: number;
  fromName: string;
  toName: string;
}

const BAR_X = 10;
const BAR_W = NODE_W - 20;

/** The point where the segment from a box's centre towards (tx, ty) leaves the box. */
function edge(b: NodeBox, tx: number, ty: number): [number, number] {
  const cx = b.x + NODE_W / 2;
  const cy = b.y + NODE_H / 2;
  const dx = tx - cx;
  const dy = ty - cy;
  if (dx === 0 && dy === 0) return [cx, cy];
  const t = Math.min(dx === 0 ? Infinity : NODE_W / 2 / Math.abs(dx), dy === 0 ? Infinity : NODE_H / 2 / Math.abs(dy));
  return [cx + dx * t, cy + dy * t];
}

export function renderTopology(parent: HTMLElement, run: RunView, options: TopologyOptions): TopologyHandle {
  const playback = run.playback!;
  const layout = options.layout ?? layoutTopology(playback);
  const root = document.createElement('div');
  root.className = 'topology';
  root.dataset.testid = 'topology';
  root.dataset.variant = run.variant;
  const head = document.createElement('div');
  head.className = 'topo-head';
  const title = document.createElement('strong');
  title.textContent = options.label;
  const clock = document.createElement('span');
  clock.className = 'topo-clock mono';
  const summary = document.createElement('span');
  summary.className = 'topo-summary';
  head.append(title, clock, summary);
  root.append(head);
  const stage = document.createElement('div');
  stage.className = 'topo-stage';
  root.append(stage);
  parent.append(root);

  const W = layout.width;
  const H = layout.height;
  // three layers: zones and links, the moving messages (a canvas), then the nodes, which hide the dots passing under them
  const drawing = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': `Topology of ${run.scenario.name}, ${run.variant}` }, stage);
  const canvas = document.createElement('canvas');
  canvas.className = 'topo-dots';
  stage.append(canvas);
  const over = svg('svg', { class: 'topo-over', viewBox: `0 0 ${W} ${H}`, width: W, height: H, 'aria-hidden': 'true' }, stage);

  for (const z of layout.zones) {
    const g = svg('g', { class: 'topo-zone' }, drawing);
    svg('rect', { x: z.x, y: z.y, width: z.w, height: z.h, rx: 8 }, g);
    text(g, { x: z.x + 8, y: z.y + 17 }, z.label);
  }
  const boxes = new Map(layout.nodes.map((b) => [b.name, b]));
  const nodeIndex = new Map(playback.nodes.map((n, i) => [n.name, i]));

  // links under nodes: call and answer of one pair drawn apart, side by side
  const linkLayer = svg('g', { class: 'topo-links' }, drawing);
  const links: LinkParts[] = [];
  for (const link of playback.links) {
    const a = boxes.get(link.from);
    const b = boxes.get(link.to);
    if (!a || !b || a === b) continue;
    const [ax, ay] = [a.x + NODE_W / 2, a.y + NODE_H / 2];
    const [bx, by] = [b.x + NODE_W / 2, b.y + NODE_H / 2];
    const len = Math.hypot(bx - ax, by - ay) || 1;
    // offset to the right of the direction of travel, so A→B and B→A never overlap
    const off = 7;
    const nx = (-(by - ay) / len) * off;
    const ny = ((bx - ax) / len) * off;
    const [x1, y1] = edge(a, bx + nx, by + ny);
    const [x2, y2] = edge(b, ax + nx, ay + ny);
    const line = svg('line', { class: `topo-link ${link.role}`, x1: x1 + nx, y1: y1 + ny, x2: x2 + nx, y2: y2 + ny }, linkLayer);
    const t = svg('title', {}, line);
    t.textContent = `${link.from} → ${link.to}: ${formatNumber(link.total)} messages${link.droppedTotal ? `, ${formatNumber(link.droppedTotal)} dropped` : ''}`;
    const cut = svg('g', { class: 'topo-cut', visibility: 'hidden' }, linkLayer);
    const mx = (x1 + x2) / 2 + nx;
    const my = (y1 + y2) / 2 + ny;
    const ux = (x2 - x1) / len;
    const uy = (y2 - y1) / len;
    svg('line', { x1: mx - uy * 16, y1: my + ux * 16, x2: mx + uy * 16, y2: my - ux * 16 }, cut);
    links.push({ link, line, cut, isCut: false, x1: x1 + nx, y1: y1 + ny, x2: x2 + nx, y2: y2 + ny, toIndex: nodeIndex.get(link.to) ?? -1, fromName: link.from, toName: link.to });
  }

  const nodeLayer = svg('g', { class: 'topo-nodes' }, over);
  const parts: NodeParts[] = layout.nodes.map((box) => {
    const g = svg('g', { class: 'topo-node', transform: `translate(${box.x},${box.y})` }, nodeLayer);
    g.dataset.node = box.name;
    g.dataset.testid = 'topology-node';
    const ring = svg('rect', { class: 'topo-ring', x: -6, y: -6, width: NODE_W + 12, height: NODE_H + 12, rx: 12, visibility: 'hidden' }, g);
    const body = svg('rect', { class: 'topo-body', width: NODE_W, height: NODE_H, rx: 7 }, g);
    text(g, { class: 'topo-name', x: 10, y: 21 }, box.name.length > 17 ? `${box.name.slice(0, 16)}…` : box.name);
    const status = text(g, { class: 'topo-status', x: 10, y: 38 }, '');
    svg('rect', { class: 'topo-bar-bg', x: BAR_X, y: 46, width: BAR_W, height: 11, rx: 2 }, g);
    const queue = svg('rect', { class: 'topo-bar queue', x: BAR_X, y: 46, width: 0, height: 11, rx: 2 }, g);
    queue.dataset.testid = 'queue-bar';
    const queueText = text(g, { class: 'topo-bar-text', x: BAR_X + 4, y: 55 }, '');
    svg('rect', { class: 'topo-bar-bg', x: BAR_X, y: 61, width: BAR_W, height: 11, rx: 2 }, g);
    const busy = svg('rect', { class: 'topo-bar busy', x: BAR_X, y: 61, width: 0, height: 11, rx: 2 }, g);
    const busyText = text(g, { class: 'topo-bar-text', x: BAR_X + 4, y: 70 }, '');
    const tip = svg('title', {}, g);
    tip.textContent = `${box.name}${box.service ? ` (service ${box.service})` : ''}${box.zone ? `, zone ${box.zone}` : ''}: the queue bar counts open requests (queued, in service, waiting on calls; log scale), the busy bar the share of its cores in use (an estimate from open requests).`;
    return { box, g, body, status, queue, queueText, busy, busyText, ring };
  });

  // fault badges: one per fault and node, shown while the fault is active and faint before
  const badgeLayer = svg('g', { class: 'topo-faults' }, over);
  const badges: { el: SVGGElement; index: number; startUs: number; endUs: number | null }[] = [];
  const perNode = new Map<string, number>();
  run.faults.forEach((f) => {
    for (const name of faultNodes(f, layout)) {
      const b = boxes.get(name);
      if (!b) continue;
      const k = perNode.get(name) ?? 0;
      perNode.set(name, k + 1);
      if (k >= 3) continue;
      const g = svg('g', { class: 'topo-fault', transform: `translate(${b.x + NODE_W - 6 - k * 4},${b.y - 9 + k * 18})` }, badgeLayer);
      g.dataset.testid = 'topology-fault';
      g.dataset.index = String(f.index);
      g.dataset.faultIndex = String(f.index);
      g.dataset.node = name;
      g.dataset.kind = f.kind;
      g.dataset.startUs = String(f.startUs);
      const label = `⚡ ${f.kind}`;
      svg('rect', { x: -label.length * 7.6 - 10, y: -2, width: label.length * 7.6 + 14, height: 20, rx: 10 }, g);
      text(g, { x: -label.length * 7.6 - 3, y: 13 }, label);
      const tip = svg('title', {}, g);
      tip.textContent = `${f.kind} on ${name}: ${formatTimeUs(f.startUs)}${f.endUs !== null ? ` → ${formatTimeUs(f.endUs)}` : ''}${f.detail ? ` · ${f.detail}` : ''}`;
      badges.push({ el: g, index: f.index, startUs: f.startUs, endUs: f.endUs });
    }
  });

  const lanes = new Map(run.nodes.map((n) => [n.name, n]));
  const logScale = Math.log10(1 + Math.max(10, options.openScale));
  let highlighted = new Set<string>();
  let dotsW = 0;
  let dotsH = 0;
  let ratio = 1;
  const sizeCanvas = (): void => {
    const r = drawing.getBoundingClientRect();
    dotsW = r.width;
    dotsH = r.height;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.max(1, Math.round(dotsW * dpr));
    canvas.height = Math.max(1, Math.round(dotsH * dpr));
    canvas.style.width = `${dotsW}px`;
    canvas.style.height = `${dotsH}px`;
    ratio = (dotsW / W) * dpr;
  };
  let sized = false;
  if (typeof ResizeObserver !== 'undefined') new ResizeObserver(() => (sized = false)).observe(drawing);

  const describe = (s: NodeState): string => {
    const bits = [s.state];
    if (s.ejected) bits.push('ejected');
    for (const b of s.breakers.slice(0, 1)) bits.push(`breaker ${b.state}`);
    if (s.role) bits.push(s.role);
    if (s.side) bits.push(s.side);
    return bits.join(' · ');
  };

  let drawnAtMs = -Infinity;
  let drawnFrame = -1;
  function update(timeUs: number, live = false): void {
    const frame = frameAt(playback, timeUs);
    // repainting the drawing is what a frame costs most: while playing, bars and colours move 8 times a second
    const now = performance.now();
    if (!live || (frame !== drawnFrame && now - drawnAtMs >= 125)) {
      drawnAtMs = now;
      drawnFrame = frame;
      drawState(timeUs, frame);
    }
    drawDots(timeUs, frame);
  }

  function drawState(timeUs: number, frame: number): void {
    setText(clock, formatClock(timeUs));
    const sides = new Map<string, string | null>();
    for (const p of parts) {
      const name = p.box.name;
      const s = nodeStateAt(lanes.get(name), playback.nodes[nodeIndex.get(name) ?? -1], frame, timeUs);
      sides.set(name, s.side);
      const g = p.g;
      set(g, 'data-state', s.state);
      set(g, 'data-queue', String(s.open));
      set(g, 'data-busy', String(s.busy));
      set(g, 'data-breaker', s.breakers[0]?.state ?? 'closed');
      set(g, 'class', `topo-node${s.ejected ? ' ejected' : ''}${s.breakers.length ? ` breaker-${s.breakers[0]!.state}` : ''}${highlighted.has(name) ? ' highlighted' : ''}`);
      set(p.body, 'fill', s.state === 'up' ? '#e3f1df' : segmentColor(s.state));
      setText(p.status, describe(s));
      const q = Math.min(1, Math.log10(1 + s.open) / logScale);
      set(p.queue, 'width', (BAR_W * q).toFixed(1));
      set(p.queue, 'class', `topo-bar queue${s.open >= 0.5 * Math.max(10, options.openScale) ? ' high' : ''}`);
      setText(p.queueText, `queue ${formatNumber(Math.round(s.open))}`);
      set(p.busy, 'width', (BAR_W * s.busy).toFixed(1));
      setText(p.busyText, `busy ${Math.round(s.busy * 100)}%`);
    }
    for (const l of links) {
      const rate = linkRate(playback, l.link, frame);
      const a = sides.get(l.fromName);
      const b = sides.get(l.toName);
      // nodes in no group are unaffected: a link is cut only between two different sides
      const cut = typeof a === 'string' && typeof b === 'string' && a !== b;
      set(l.line, 'stroke-width', (1.5 + Math.min(7, 2.2 * Math.log10(1 + rate))).toFixed(1));
      set(l.line, 'class', `topo-link ${l.link.role}${cut ? ' cut' : ''}${(l.link.dropped[frame] ?? 0) > 0 ? ' dropping' : ''}`);
      set(l.cut, 'visibility', cut ? 'visible' : 'hidden');
      l.isCut = cut;
    }
    for (const b of badges) {
      const on = timeUs >= b.startUs && (b.endUs === null ? timeUs < b.startUs + 2 * playback.frameUs + 500_000 : timeUs < b.endUs);
      set(b.el, 'class', `topo-fault${on ? ' active' : timeUs < b.startUs ? ' planned' : ' over'}`);
    }
    const failing = run.faults.filter((f) => faultActive(f, timeUs, 500_000)).length;
    setText(summary, failing > 0 ? `${failing} fault${failing === 1 ? '' : 's'} active` : '');
  }

  function drawDots(timeUs: number, frame: number): void {
    if (!sized) {
      sizeCanvas();
      sized = true;
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    const speed = Math.max(1e-3, options.speed());
    // simulated µs a dot takes along its link; the phase follows the time cursor, so a paused run stands still
    const travelUs = TRAVEL_S * speed * 1e6;
    const phase = (timeUs / travelUs) % 1;
    const retryShare = retryShareAt(run, timeUs);
    for (const l of links) {
      const rate = linkRate(playback, l.link, frame);
      const dropped = l.link.dropped[frame] ?? 0;
      if (rate <= 0 && dropped === 0) continue;
      const want = (rate * travelUs) / 1e6;
      const n = Math.min(DOTS_MAX, Math.max(rate > 0 ? 1 : 0, Math.round(want)));
      const dx = l.x2 - l.x1;
      const dy = l.y2 - l.y1;
      if (want > DOTS_MAX) {
        // a flow: more messages than dots; the band's width follows the rate
        ctx.strokeStyle = l.link.role === 'call' ? 'rgba(43,111,214,0.22)' : 'rgba(26,152,80,0.22)';
        ctx.lineWidth = Math.min(16, 4 + 3 * Math.log10(want / DOTS_MAX + 1) * 4);
        ctx.beginPath();
        ctx.moveTo(l.x1, l.y1);
        ctx.lineTo(l.x2, l.y2);
        ctx.stroke();
      }
      // which share of the dots is coloured as retries (requests) or failures (answers to a workload)
      let special = 0;
      let specialColor: string = FLOW_COLORS.failed;
      if (l.link.role === 'call') {
        special = retryShare;
        specialColor = FLOW_COLORS.retry;
      } else {
        special = failShare(playback.nodes[l.toIndex], frame).share;
      }
      const base = l.link.role === 'call' ? FLOW_COLORS.request : FLOW_COLORS.reply;
      const specialN = Math.round(n * special);
      for (let i = 0; i < n; i++) {
        const t = ((phase + i / n) % 1) * (l.isCut ? 0.5 : 1);
        // spread the coloured dots through the stream, not in one clump
        const isSpecial = specialN > 0 && Math.floor(((i + 1) * specialN) / n) > Math.floor((i * specialN) / n);
        ctx.fillStyle = isSpecial ? specialColor : base;
        ctx.beginPath();
        ctx.arc(l.x1 + dx * t, l.y1 + dy * t, 5, 0, 2 * Math.PI);
        ctx.fill();
      }
      if (dropped > 0) {
        // dropped messages fall off the link near its end, as crosses
        const k = Math.min(5, dropped);
        ctx.strokeStyle = FLOW_COLORS.failed;
        ctx.lineWidth = 3;
        for (let i = 0; i < k; i++) {
          const t = 0.55 + 0.08 * i;
          const fall = ((phase * 3 + i / k) % 1) * 18;
          const x = l.x1 + dx * t;
          const y = l.y1 + dy * t + fall;
          ctx.beginPath();
          ctx.moveTo(x - 5, y - 5);
          ctx.lineTo(x + 5, y + 5);
          ctx.moveTo(x + 5, y - 5);
          ctx.lineTo(x - 5, y + 5);
          ctx.stroke();
        }
      }
    }
  }

  function highlight(nodes: readonly string[]): void {
    highlighted = new Set(nodes);
    for (const p of parts) set(p.ring, 'visibility', highlighted.has(p.box.name) ? 'visible' : 'hidden');
  }

  if (!playback.sawMessages) {
    const note = document.createElement('p');
    note.className = 'topo-note';
    note.textContent = 'This run kept no message records, so links, queues and moving messages are empty; node states and faults are still drawn.';
    root.append(note);
  }
  return { root, update, highlight };
}

/** The largest open-request mean of any node of these runs: the queue bars' common scale. */
export function openScaleOf(views: readonly { playback?: PlaybackView }[]): number {
  return Math.max(10, ...views.map((v) => v.playback?.openMax ?? 0));
}
