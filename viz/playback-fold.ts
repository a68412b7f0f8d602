/**
 * `PlaybackFold`: what the topology view and its animated playback draw, folded from a run's trace
 * records as they are emitted (a `TraceSink`, teed beside the report's `RunFold`), into per-frame
 * aggregates of bounded size: the playback never keeps a record and never runs the simulation
 * again, and a day of simulated time costs what a minute does.
 *
 * Frames are a grid of `frameUs`-wide windows (20 ms at first; the width doubles, merging
 * neighbours, whenever a run would need more than `FRAMES_MAX`). Per frame it keeps
 *
 * - per link (sender → receiver): messages sent (by their send time) and dropped;
 * - per node: the time-weighted mean of its open requests (delivered to it and not yet answered:
 *   queued, in service or waiting on its own calls) and its busy share, estimated as the mean of
 *   the open requests not waiting on a call of its own over its cores, at most 1;
 * - per node that issues requests (a workload): requests that finished ok and failed.
 *
 * The trace does not say which message answers which, so the fold pairs them as a request/reply
 * network does: a message from B to A answers one of A's unanswered requests at B when there is
 * one, else it is a request of B's to A. A node that crashes or restarts loses the requests it
 * held. Pure and browser-safe, deterministic (no host clock, insertion-ordered maps only).
 */
import type { TraceKind, TraceRecord, TraceSink } from '../sim/observe/trace.ts';
import { naturalCompare, str, type AnyRecord } from './fold-lanes.ts';

/** Frames kept per run: about one per pixel of a scrub bar, twice over. */
export const FRAMES_MAX = 2048;
/** The first frame width: finer than a screen refresh at 1× playback. */
export const FRAME_US_MIN = 20_000;
/** Nodes and links drawn per run; the rest are counted in `leftOut`. */
export const PLAYBACK_NODES_MAX = 200;
export const PLAYBACK_LINKS_MAX = 600;

export interface PlaybackNode {
  name: string;
  zone?: string;
  region?: string;
  service?: string;
  cores: number;
  /** Per frame: mean open requests (queued, in service, waiting on calls). */
  open: number[];
  /** Per frame: mean busy share of its cores, 0..1. */
  busy: number[];
  /** Per frame, for a node that issues requests (a workload): requests finished ok / failed. */
  ok?: number[];
  failed?: number[];
}

export interface PlaybackLink {
  from: string;
  to: string;
  /** What most of its messages were: requests (`call`) or answers (`reply`). */
  role: 'call' | 'reply';
  /** Per frame: messages sent (delivered or not) and dropped. */
  sent: number[];
  dropped: number[];
  total: number;
  droppedTotal: number;
}

export interface PlaybackView {
  frameUs: number;
  frames: number;
  endUs: number;
  nodes: PlaybackNode[];
  links: PlaybackLink[];
  /** The largest per-frame open-request mean of any node (the queue bars' scale). */
  openMax: number;
  /** Nodes and links beyond the caps, not drawn. */
  leftOut: { nodes: number; links: number };
  /** False when the run's trace level kept no message records: links and queues are empty. */
  sawMessages: boolean;
}

/** What the fold learns about the world from the runner (`RunArtifacts.world`), optional. */
export interface PlaybackWorld {
  nodes?: readonly string[];
  zones?: Readonly<Record<string, readonly string[]>>;
  regions?: Readonly<Record<string, readonly string[]>>;
  services?: Readonly<Record<string, readonly string[]>>;
  cores?: Readonly<Record<string, number>>;
}

const DOWN = new Set(['crashed', 'down', 'stopped', 'restarting', 'starting', 'oom-killed']);

/** A per-frame series of sums that halves its resolution when it would outgrow the cap. */
class Frames {
  values: number[] = [];
  add(i: number, v: number): void {
    const a = this.values;
    while (a.length <= i) a.push(0);
    a[i] = a[i]! + v;
  }
  coarsen(): void {
    const a = this.values;
    const n = Math.ceil(a.length / 2);
    for (let i = 0; i < n; i++) a[i] = a[2 * i]! + (a[2 * i + 1] ?? 0);
    a.length = n;
  }
}

/** A value that holds between changes, integrated over time into per-frame sums (value × µs). */
class Held {
  value = 0;
  sinceUs = 0;
  readonly acc = new Frames();
}

interface NodeFold {
  name: string;
  index: number;
  open: Held;
  /** Open requests not waiting on a call of the node's own: work for its cores. */
  local: Held;
  /** Requests this node has outstanding at others (waiting on its calls). */
  calling: number;
  ok: Frames | null;
  failed: Frames | null;
}

interface LinkFold {
  from: string;
  to: string;
  sent: Frames;
  dropped: Frames;
  calls: number;
  replies: number;
  total: number;
  droppedTotal: number;
}

export class PlaybackFold implements TraceSink {
  frameUs = FRAME_US_MIN;
  lastUs = 0;
  sawMessages = false;
  private readonly nodes = new Map<string, NodeFold>();
  private readonly links = new Map<number, LinkFold>();
  /** Unanswered requests from node a at node b, keyed a·65536 + b. */
  private readonly pending = new Map<number, number>();
  private nodesLeftOut = 0;
  private linksLeftOut = 0;
  private cores: Readonly<Record<string, number>> = {};

  write(record: TraceRecord): void {
    const r = record as unknown as AnyRecord;
    this.seen(r.time);
    switch (r.kind) {
      case 'message-deliver':
      case 'message-drop':
        this.message(r.kind === 'message-drop', r.time, str(r.from), str(r.to), typeof r.sentUs === 'number' ? r.sentUs : r.time);
        return;
      case 'request':
        this.request(r.time, str(r.node), r.ok === true);
        return;
      case 'node-state': {
        const node = str(r.node);
        if (node && DOWN.has(str(r.to) ?? '')) this.lose(node, r.time);
        return;
      }
    }
  }

  writeFields(kind: TraceKind, fields: readonly string[], time: number, f0?: unknown, f1?: unknown, f2?: unknown, f3?: unknown, f4?: unknown, f5?: unknown): void {
    if (kind !== 'message-deliver' && kind !== 'message-drop' && kind !== 'request') {
      const r: Record<string, unknown> = { time, kind };
      const v = [f0, f1, f2, f3, f4, f5];
      fields.forEach((f, i) => (r[f] = v[i]));
      this.write(r as unknown as TraceRecord);
      return;
    }
    // where each field sits, once per emitter (no object per message)
    let at = fields === this.lastFields ? this.lastShape : this.shapes.get(fields);
    if (at === undefined) {
      at = [fields.indexOf('from'), fields.indexOf('to'), fields.indexOf('sentUs'), fields.indexOf('node'), fields.indexOf('ok')];
      this.shapes.set(fields, at);
    }
    this.lastFields = fields;
    this.lastShape = at;
    const pick = (i: number): unknown => (i === 0 ? f0 : i === 1 ? f1 : i === 2 ? f2 : i === 3 ? f3 : i === 4 ? f4 : i === 5 ? f5 : undefined);
    this.seen(time);
    if (kind === 'request') {
      this.request(time, str(pick(at[3]!)), pick(at[4]!) === true);
      return;
    }
    const sent = pick(at[2]!);
    this.message(kind === 'message-drop', time, str(pick(at[0]!)), str(pick(at[1]!)), typeof sent === 'number' ? sent : time);
  }

  private readonly shapes = new Map<readonly string[], number[]>();
  private lastFields: readonly string[] | undefined;
  private lastShape: number[] | undefined;

  private seen(timeUs: number): void {
    if (timeUs > this.lastUs) this.lastUs = timeUs;
    while (Math.floor(timeUs / this.frameUs) >= FRAMES_MAX) this.coarsen();
  }

  private coarsen(): void {
    this.frameUs *= 2;
    for (const n of this.nodes.values()) {
      n.open.acc.coarsen();
      n.local.acc.coarsen();
      n.ok?.coarsen();
      n.failed?.coarsen();
    }
    for (const l of this.links.values()) {
      l.sent.coarsen();
      l.dropped.coarsen();
    }
  }

  private node(name: string | undefined): NodeFold | null {
    if (name === undefined) return null;
    let n = this.nodes.get(name);
    if (n) return n;
    if (this.nodes.size >= PLAYBACK_NODES_MAX) {
      this.nodesLeftOut++;
      return null;
    }
    n = { name, index: this.nodes.size, open: new Held(), local: new Held(), calling: 0, ok: null, failed: null };
    this.nodes.set(name, n);
    return n;
  }

  /** Integrate `h` up to `timeUs`, then let it hold `value`. */
  private hold(h: Held, timeUs: number, value: number): void {
    const w = this.frameUs;
    let t = h.sinceUs;
    if (timeUs > t && h.value !== 0) {
      while (t < timeUs) {
        const i = Math.floor(t / w);
        const end = Math.min(timeUs, (i + 1) * w);
        h.acc.add(i, h.value * (end - t));
        t = end;
      }
    }
    if (timeUs > h.sinceUs) h.sinceUs = timeUs;
    h.value = value;
  }

  private setOpen(n: NodeFold, timeUs: number, open: number): void {
    this.hold(n.open, timeUs, open);
    this.hold(n.local, timeUs, Math.max(0, open - n.calling));
  }

  private message(dropped: boolean, timeUs: number, fromName: string | undefined, toName: string | undefined, sentUs: number): void {
    this.sawMessages = true;
    const from = this.node(fromName);
    const to = this.node(toName);
    if (!from || !to) return;
    const key = from.index * 65536 + to.index;
    let link = this.links.get(key);
    if (!link) {
      if (this.links.size >= PLAYBACK_LINKS_MAX) {
        this.linksLeftOut++;
        return;
      }
      link = { from: from.name, to: to.name, sent: new Frames(), dropped: new Frames(), calls: 0, replies: 0, total: 0, droppedTotal: 0 };
      this.links.set(key, link);
    }
    link.total++;
    link.sent.add(Math.floor(Math.max(0, Math.min(sentUs, timeUs)) / this.frameUs), 1);
    if (dropped) {
      link.droppedTotal++;
      link.dropped.add(Math.floor(timeUs / this.frameUs), 1);
    }
    // an answer to one of the receiver's requests at the sender, else a request of the sender's
    const back = to.index * 65536 + from.index;
    const waiting = this.pending.get(back) ?? 0;
    if (waiting > 0) {
      link.replies++;
      this.pending.set(back, waiting - 1);
      to.calling = Math.max(0, to.calling - 1);
      this.setOpen(from, Math.min(sentUs, timeUs), Math.max(0, from.open.value - 1));
      this.setOpen(to, timeUs, to.open.value);
    } else {
      link.calls++;
      if (dropped) return;
      this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
      from.calling++;
      this.setOpen(from, timeUs, from.open.value);
      this.setOpen(to, timeUs, to.open.value + 1);
    }
  }

  private request(timeUs: number, name: string | undefined, ok: boolean): void {
    const n = this.node(name);
    if (!n) return;
    const i = Math.floor(timeUs / this.frameUs);
    if (ok) (n.ok ??= new Frames()).add(i, 1);
    else (n.failed ??= new Frames()).add(i, 1);
  }

  /** A node went down: the requests it held are gone (their callers time out). */
  private lose(name: string, timeUs: number): void {
    const n = this.nodes.get(name);
    if (!n) return;
    for (const [key, count] of this.pending) {
      if (key % 65536 !== n.index || count === 0) continue;
      this.pending.set(key, 0);
      const caller = [...this.nodes.values()].find((c) => c.index === Math.floor(key / 65536));
      if (caller) caller.calling = Math.max(0, caller.calling - count);
    }
    this.setOpen(n, timeUs, 0);
  }

  /** The view, every held value closed at `endUs`, nodes placed by the world's zones and services. */
  finish(endUs: number, world: PlaybackWorld | null = null): PlaybackView {
    const end = Math.max(1, endUs, this.lastUs);
    this.seen(end);
    if (world?.cores) this.cores = world.cores;
    for (const name of world?.nodes ?? []) this.node(name);
    const frames = Math.max(1, Math.ceil(end / this.frameUs));
    const zoneOf = invert(world?.zones);
    const regionOf = invert(world?.regions);
    const serviceOf = invert(world?.services);
    const pad = (a: number[], digits: number, scale = 1): number[] => {
      const out = new Array<number>(frames);
      for (let i = 0; i < frames; i++) out[i] = round((a[i] ?? 0) * scale, digits);
      return out;
    };
    let openMax = 0;
    const nodes: PlaybackNode[] = [...this.nodes.values()]
      .sort((a, b) => naturalCompare(a.name, b.name))
      .map((n) => {
        this.hold(n.open, end, n.open.value);
        this.hold(n.local, end, n.local.value);
        const cores = Math.max(1, this.cores[n.name] ?? 1);
        const open = pad(n.open.acc.values, 2, 1 / this.frameUs);
        for (const v of open) if (v > openMax) openMax = v;
        const zone = zoneOf.get(n.name);
        const region = regionOf.get(n.name) ?? (zone ? regionOfZone(zone) : undefined);
        const service = serviceOf.get(n.name);
        return {
          name: n.name,
          ...(zone ? { zone } : {}),
          ...(region ? { region } : {}),
          ...(service ? { service } : {}),
          cores,
          open,
          busy: pad(n.local.acc.values, 3, 1 / this.frameUs / cores).map((b) => Math.min(1, b)),
          ...(n.ok || n.failed ? { ok: pad(n.ok?.values ?? [], 0), failed: pad(n.failed?.values ?? [], 0) } : {}),
        };
      });
    const links: PlaybackLink[] = [...this.links.values()].map((l) => ({
      from: l.from,
      to: l.to,
      role: l.replies > l.calls ? 'reply' : 'call',
      sent: pad(l.sent.values, 0),
      dropped: pad(l.dropped.values, 0),
      total: l.total,
      droppedTotal: l.droppedTotal,
    }));
    return { frameUs: this.frameUs, frames, endUs: end, nodes, links, openMax, leftOut: { nodes: this.nodesLeftOut, links: this.linksLeftOut }, sawMessages: this.sawMessages };
  }
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function invert(groups: Readonly<Record<string, readonly string[]>> | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const [group, names] of Object.entries(groups ?? {})) for (const n of names) if (!out.has(n)) out.set(n, group);
  return out;
}

/** An AWS-style zone name's region (`us-east-1a` → `us-east-1`), else none. */
function regionOfZone(zone: string): string | undefined {
  const m = /^([a-z]{2}-[a-z]+-\d+)[a-z]$/.exec(zone);
  return m ? m[1] : undefined;
}

/** The frame holding `timeUs` (clamped to the run). */
export function frameAt(view: PlaybackView, timeUs: number): number {
  return Math.max(0, Math.min(view.frames - 1, Math.floor(timeUs / view.frameUs)));
}
