/**
 * The topology view's model, pure and browser-safe: where each node sits (columns by call depth,
 * nodes grouped by region and zone inside a column), and what a node, a link or a partition looks
 * like at a moment of the run, read from the run's view (swimlane segments, fault intervals) and
 * its playback frames (viz/playback-fold.ts). The renderer (viewer/renderTopology.ts) only draws
 * what these functions return.
 */
import { frameAt, type PlaybackLink, type PlaybackNode, type PlaybackView } from './playback-fold.ts';
import type { FaultInterval, GridSeries, NodeView, RunView, Segment } from './model.ts';
import { naturalCompare } from './fold-lanes.ts';

export const NODE_W = 168;
export const NODE_H = 78;
const COL_GAP = 110;
const ROW_GAP = 22;
const ZONE_PAD = 10;
const ZONE_HEAD = 40;
const MARGIN = 14;
/** Nodes stacked in one column before it wraps into another. */
const ROWS_MAX = 7;

export interface NodeBox {
  name: string;
  x: number;
  y: number;
  zone?: string;
  region?: string;
  service?: string;
}

export interface ZoneBox {
  label: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface TopologyLayout {
  width: number;
  height: number;
  nodes: NodeBox[];
  zones: ZoneBox[];
}

/** Call depth of every node: 0 for nodes nobody calls, else one more than its deepest caller. */
function depths(nodes: readonly PlaybackNode[], links: readonly PlaybackLink[]): Map<string, number> {
  const depth = new Map(nodes.map((n) => [n.name, 0]));
  const calls = links.filter((l) => l.role === 'call' && l.from !== l.to);
  // longest path by relaxation, at most one pass per node (a cycle stops growing there)
  for (let pass = 0; pass < nodes.length; pass++) {
    let moved = false;
    for (const l of calls) {
      const d = (depth.get(l.from) ?? 0) + 1;
      if (d > (depth.get(l.to) ?? 0) && d < nodes.length) {
        depth.set(l.to, d);
        moved = true;
      }
    }
    if (!moved) break;
  }
  // a node without traffic (a spare, an idle replica) stands with the rest of its service
  const linked = new Set(links.flatMap((l) => [l.from, l.to]));
  const serviceDepth = new Map<string, number>();
  for (const n of nodes) if (n.service && linked.has(n.name)) serviceDepth.set(n.service, Math.max(serviceDepth.get(n.service) ?? 0, depth.get(n.name) ?? 0));
  for (const n of nodes) if (n.service && !linked.has(n.name) && serviceDepth.has(n.service)) depth.set(n.name, serviceDepth.get(n.service)!);
  return depth;
}

const groupKey = (n: PlaybackNode): string => `${n.region ?? ''}\u0000${n.zone ?? ''}`;

/**
 * A column's nodes in sub-columns of at most ROWS_MAX: when it is too tall and holds several
 * zones, each zone gets sub-columns of its own (zones side by side, as a cloud diagram draws them).
 */
function wrapColumn(col: readonly PlaybackNode[]): PlaybackNode[][] {
  const chunk = (nodes: readonly PlaybackNode[]): PlaybackNode[][] => {
    const n = Math.ceil(nodes.length / ROWS_MAX);
    const per = Math.ceil(nodes.length / n);
    return Array.from({ length: n }, (_, i) => nodes.slice(i * per, (i + 1) * per));
  };
  if (col.length <= ROWS_MAX) return [[...col]];
  const groups: PlaybackNode[][] = [];
  for (const n of col) {
    const last = groups[groups.length - 1];
    if (last && groupKey(last[0]!) === groupKey(n)) last.push(n);
    else groups.push([n]);
  }
  return groups.length > 1 ? groups.flatMap(chunk) : chunk(col);
}

export function layoutTopology(view: PlaybackView): TopologyLayout {
  // one zone for everything (the default zone of a world without zones) is no grouping at all
  const zoneCount = new Set(view.nodes.flatMap((n) => (n.zone ? [n.zone] : []))).size;
  const regionCount = new Set(view.nodes.flatMap((n) => (n.region ? [n.region] : []))).size;
  const p: PlaybackView =
    zoneCount > 1 || regionCount > 1 ? view : { ...view, nodes: view.nodes.map(({ zone: _z, region: _r, ...n }) => n) };
  const depth = depths(p.nodes, p.links);
  const columns = new Map<number, PlaybackNode[]>();
  for (const n of p.nodes) {
    const d = depth.get(n.name) ?? 0;
    let c = columns.get(d);
    if (!c) columns.set(d, (c = []));
    c.push(n);
  }
  const nodes: NodeBox[] = [];
  const zones: ZoneBox[] = [];
  let x = MARGIN;
  let height = 0;
  for (const d of [...columns.keys()].sort((a, b) => a - b)) {
    const col = columns.get(d)!;
    // keep a column's nodes in region, zone, service order (the fold sorted them by name)
    col.sort((a, b) => (groupKey(a) < groupKey(b) ? -1 : groupKey(a) > groupKey(b) ? 1 : (a.service ?? '') < (b.service ?? '') ? -1 : (a.service ?? '') > (b.service ?? '') ? 1 : 0));
    // a tall column wraps into sub-columns of at most ROWS_MAX, never splitting the rows oddly
    const parts = wrapColumn(col);
    const subs = parts.length;
    for (let s = 0; s < subs; s++) {
      const part = parts[s]!;
      let y = MARGIN;
      let zoneStart = -1;
      let zoneY = 0;
      const closeZone = (): void => {
        const first = part[zoneStart]!;
        if (first.zone || first.region) {
          const label = first.zone ? `zone ${first.zone}${first.region && regionCount > 1 ? ` (${first.region})` : ''}` : `region ${first.region}`;
          zones.push({ label, x: x - ZONE_PAD, y: zoneY, w: NODE_W + 2 * ZONE_PAD, h: y - zoneY - ROW_GAP + ZONE_PAD });
        }
      };
      part.forEach((n, i) => {
        if (zoneStart < 0 || groupKey(part[zoneStart]!) !== groupKey(n)) {
          if (zoneStart >= 0) {
            closeZone();
            y += ZONE_PAD;
          }
          zoneStart = i;
          zoneY = y;
          if (n.zone || n.region) y += ZONE_HEAD;
        }
        nodes.push({ name: n.name, x, y, ...(n.zone ? { zone: n.zone } : {}), ...(n.region ? { region: n.region } : {}), ...(n.service ? { service: n.service } : {}) });
        y += NODE_H + ROW_GAP;
      });
      if (zoneStart >= 0) {
        closeZone();
        if (part[zoneStart]!.zone || part[zoneStart]!.region) y += ZONE_PAD;
      }
      height = Math.max(height, y);
      x += NODE_W + (s === subs - 1 ? COL_GAP : 2 * ZONE_PAD + 12);
    }
  }
  return { width: Math.max(x - COL_GAP + MARGIN, NODE_W + 2 * MARGIN), height: Math.max(height + MARGIN - ROW_GAP, NODE_H + 2 * MARGIN), nodes, zones };
}

/** The value of a swimlane row at `timeUs` (segments are sorted and disjoint), or null. */
export function segmentAt(segments: readonly Segment[], timeUs: number): string | null {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = segments[mid]!;
    if (timeUs < s.startUs) hi = mid - 1;
    else if (timeUs >= s.endUs) lo = mid + 1;
    else return s.value;
  }
  return null;
}

export interface NodeState {
  /** Lifecycle: up, crashed, paused, limping, restarting… */
  state: string;
  /** Breakers this node holds that are not closed ("breaker backend: open"). */
  breakers: { name: string; state: string }[];
  ejected: boolean;
  /** Partition side ("side 1 of 2"), or null. */
  side: string | null;
  role: string | null;
  open: number;
  busy: number;
}

export function nodeStateAt(lanes: NodeView | undefined, p: PlaybackNode | undefined, frame: number, timeUs: number): NodeState {
  const out: NodeState = { state: 'up', breakers: [], ejected: false, side: null, role: null, open: p?.open[frame] ?? 0, busy: p?.busy[frame] ?? 0 };
  for (const row of lanes?.rows ?? []) {
    const v = segmentAt(row.segments, timeUs);
    if (row.kind === 'state') out.state = v ?? 'up';
    else if (row.kind === 'breaker' && v !== null && v !== 'closed') out.breakers.push({ name: row.label.replace(/^breaker /, ''), state: v });
    else if (row.kind === 'ejection') out.ejected = v !== null;
    else if (row.kind === 'partition') out.side = v;
    else if (row.kind === 'role') out.role = v;
  }
  return out;
}

/** Faults active at `timeUs` (an instant fault for a short while after it, so it can be seen). */
export function faultActive(f: FaultInterval, timeUs: number, instantUs: number): boolean {
  const end = f.endUs ?? f.startUs + instantUs;
  return timeUs >= f.startUs && timeUs < Math.max(end, f.startUs + 1);
}

/** The nodes a fault is drawn on: its target node, a zone's nodes, or a partition's smaller side. */
export function faultNodes(f: FaultInterval, layout: TopologyLayout): string[] {
  const names = new Set(layout.nodes.map((n) => n.name));
  if (f.groups && f.groups.length > 1) {
    const sides = f.groups.map((g) => g.filter((n) => names.has(n))).filter((g) => g.length > 0);
    sides.sort((a, b) => a.length - b.length);
    return sides[0] ?? [];
  }
  const t = f.target;
  if (t === undefined) return [];
  if (names.has(t)) return [t];
  const zone = t.startsWith('zone:') ? t.slice(5) : t;
  const inZone = layout.nodes.filter((n) => n.zone === zone || (t.startsWith('region:') && n.region === t.slice(7))).map((n) => n.name);
  if (inZone.length > 0) return inZone;
  if (t === '*') return [...names];
  return [];
}

/** Messages per simulated second on a link in a frame. */
export function linkRate(view: PlaybackView, link: PlaybackLink, frame: number): number {
  return ((link.sent[frame] ?? 0) * 1e6) / view.frameUs;
}

/** A grid series' value at `timeUs`, or 0. */
export function gridAt(s: GridSeries | undefined, timeUs: number): number {
  if (!s) return 0;
  const i = Math.floor((timeUs - s.startUs) / s.widthUs);
  return i >= 0 && i < s.values.length ? (s.values[i] ?? 0) : 0;
}

/** Share of attempts that were retries around `timeUs` (the attempts panel's series), 0..1. */
export function retryShareAt(run: RunView, timeUs: number): number {
  const panel = run.panels.find((p) => p.id === 'attempts');
  const first = gridAt(panel?.series.find((s) => s.name === 'first tries'), timeUs);
  const retries = gridAt(panel?.series.find((s) => s.name === 'retries'), timeUs);
  return first + retries > 0 ? retries / (first + retries) : 0;
}

/** Share of a workload node's requests that failed in a frame, 0..1, and how many finished. */
export function failShare(p: PlaybackNode | undefined, frame: number): { share: number; done: number } {
  const ok = p?.ok?.[frame] ?? 0;
  const failed = p?.failed?.[frame] ?? 0;
  return { share: ok + failed > 0 ? failed / (ok + failed) : 0, done: ok + failed };
}

/** Re-exported for the renderer. */
export { frameAt };

/** One layout for several runs of a scenario (designs side by side): their nodes and links together, so a node sits in the same place in each. */
export function sharedLayout(views: readonly PlaybackView[]): TopologyLayout {
  const first = views[0];
  if (!first) throw new Error('sharedLayout: expected at least one playback');
  if (views.length === 1) return layoutTopology(first);
  const nodes = new Map<string, PlaybackNode>();
  const links = new Map<string, PlaybackLink>();
  for (const v of views) {
    for (const n of v.nodes) if (!nodes.has(n.name)) nodes.set(n.name, n);
    for (const l of v.links) {
      const key = `${l.from}\u0000${l.to}`;
      const had = links.get(key);
      if (!had || (had.role !== 'call' && l.role === 'call')) links.set(key, l);
    }
  }
  return layoutTopology({ ...first, nodes: [...nodes.values()].sort((a, b) => naturalCompare(a.name, b.name)), links: [...links.values()] });
}
