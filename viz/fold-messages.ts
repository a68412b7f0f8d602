/**
 * Messages, folded record by record into bounded aggregates. Pure and browser-safe.
 *
 * - **Density**: every message counted per sender and time bin (`DENSITY_BINS_MAX` bins whose
 *   width doubles as the run grows), sent and dropped. The diagram draws it where arrows would be
 *   too many or only a sample; the *Messages sent and dropped* panel is its column sums. Every
 *   message counts, however long the run.
 * - **Sample**: the arrows. Each message gets a key from a hash of what identifies it (id, send
 *   and arrival time, endpoints), and the fold keeps the `max` messages with the smallest keys
 *   (bottom-k sampling): a uniform sample, the same for the same run on every machine, in
 *   O(max) memory and O(log max) per kept message. Drops have a reservoir of their own of up to
 *   half the budget, since they are what a postmortem looks for; when there are fewer, they are
 *   all kept.
 *
 * Records are read structurally: `message-send` / `message-deliver` / `message-drop` (or `msg-*`),
 * endpoints as `from`/`to` (or source/dest, node), an id as `id` (or msg, msgId, messageId),
 * a delivery's send time as `sentUs` when there is no send record.
 */
import { DENSITY_BINS_MAX, MESSAGES_MAX, type MessageDensity, type MessagesView, type MessageView } from './model.ts';
import { str, type AnyRecord } from './fold-lanes.ts';

export function isMessageKind(kind: string): boolean {
  return kind.startsWith('message-') || kind.startsWith('msg-');
}

export function messageEnds(r: AnyRecord): { from?: string; to?: string } {
  const kind = r.kind;
  const from = str(r.from) ?? str(r.source) ?? str(r.src) ?? str(r.sender) ?? (/send/.test(kind) ? str(r.node) : undefined);
  const to = str(r.to) ?? str(r.dest) ?? str(r.dst) ?? str(r.receiver) ?? str(r.target) ?? (/deliver|recv|receive/.test(kind) ? str(r.node) : undefined);
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

function numberField(r: AnyRecord, names: readonly string[]): number | undefined {
  for (const n of names) if (typeof r[n] === 'number' && Number.isFinite(r[n])) return r[n] as number;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Hash keys for the sample (32-bit, deterministic, no allocation for numbers)

function mix(h: number, x: number): number {
  // murmur3's 32-bit mixing step
  x = Math.imul(x, 0xcc9e2d51);
  x = (x << 15) | (x >>> 17);
  x = Math.imul(x, 0x1b873593);
  h ^= x;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function mixNumber(h: number, v: number): number {
  // integers up to 2^53 as two 32-bit words; other numbers by their string
  if (Number.isInteger(v)) return mix(mix(h, v | 0), Math.floor(v / 4294967296) | 0);
  return mixString(h, String(v));
}

function mixString(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = mix(h, s.charCodeAt(i));
  return mix(h, s.length);
}

function finalize(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Bottom-k reservoir: a max-heap on key, so the largest kept key is at the root.

interface Entry {
  key: number;
  /** The id the fold keys it by (byId). */
  id: string | number | undefined;
  /** Tie-break for equal keys: arrival order, so the result does not depend on heap layout. */
  seq: number;
  m: MessageView;
  /** Position in its heap, -1 when not in one. */
  at: number;
}

function greater(a: Entry, b: Entry): boolean {
  return a.key > b.key || (a.key === b.key && a.seq > b.seq);
}

class Reservoir {
  readonly heap: Entry[] = [];
  constructor(readonly size: number) {}

  /** Would an entry with this key be kept? */
  admits(key: number, seq: number): boolean {
    if (this.size <= 0) return false;
    if (this.heap.length < this.size) return true;
    const top = this.heap[0]!;
    return key < top.key || (key === top.key && seq < top.seq);
  }

  /** Add (the caller checked `admits`); returns the entry evicted to make room, if any. */
  add(e: Entry): Entry | undefined {
    let evicted: Entry | undefined;
    if (this.heap.length >= this.size) {
      evicted = this.heap[0]!;
      this.removeAt(0);
    }
    e.at = this.heap.length;
    this.heap.push(e);
    this.up(e.at);
    return evicted;
  }

  remove(e: Entry): void {
    if (e.at >= 0 && this.heap[e.at] === e) this.removeAt(e.at);
  }

  private removeAt(i: number): void {
    const h = this.heap;
    const gone = h[i]!;
    gone.at = -1;
    const last = h.pop()!;
    if (i < h.length) {
      h[i] = last;
      last.at = i;
      this.down(i);
      this.up(i);
    }
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!greater(h[i]!, h[p]!)) break;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && greater(h[l]!, h[m]!)) m = l;
      if (r < h.length && greater(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(i: number, j: number): void {
    const h = this.heap;
    const a = h[i]!;
    const b = h[j]!;
    h[i] = b;
    h[j] = a;
    a.at = j;
    b.at = i;
  }
}

// ---------------------------------------------------------------------------------------------
// Density: per sender lane, counts per bin on one shared grid

interface DensityLane {
  node: string;
  sent: number[];
  dropped: number[];
}

class DensityFold {
  widthUs = 1;
  readonly lanes = new Map<string, DensityLane>();
  total = 0;
  dropped = 0;

  constructor(private readonly binsMax = DENSITY_BINS_MAX) {}

  private last: DensityLane | undefined;

  add(node: string, timeUs: number, dropped: boolean): void {
    this.total++;
    if (dropped) this.dropped++;
    let lane = this.last !== undefined && this.last.node === node ? this.last : this.lanes.get(node);
    if (!lane) this.lanes.set(node, (lane = { node, sent: [], dropped: [] }));
    this.last = lane;
    let i = Math.floor(Math.max(0, timeUs) / this.widthUs);
    while (i >= this.binsMax) {
      this.coarsen();
      i = Math.floor(Math.max(0, timeUs) / this.widthUs);
    }
    while (lane.sent.length <= i) {
      lane.sent.push(0);
      lane.dropped.push(0);
    }
    lane.sent[i]!++;
    if (dropped) lane.dropped[i]!++;
  }

  /** A message counted at its send is dropped later: count the drop in its send bin. */
  dropLate(node: string, sendUs: number): void {
    this.dropped++;
    const lane = this.lanes.get(node);
    const i = Math.floor(Math.max(0, sendUs) / this.widthUs);
    if (lane && i < lane.dropped.length) lane.dropped[i]!++;
  }

  private coarsen(): void {
    this.widthUs *= 2;
    for (const lane of this.lanes.values()) {
      lane.sent = pairSums(lane.sent);
      lane.dropped = pairSums(lane.dropped);
    }
  }

  view(): MessageDensity {
    return { widthUs: this.widthUs, lanes: [...this.lanes.values()].map((l) => ({ node: l.node, sent: l.sent.slice(), dropped: l.dropped.slice() })) };
  }
}

function pairSums(xs: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < xs.length; i += 2) out.push(xs[i]! + (xs[i + 1] ?? 0));
  return out;
}

// ---------------------------------------------------------------------------------------------

/** Where a message record's fields sit, for records that arrive as positional fields. */
/** A message's id as the fold keys it: numbers stay numbers (no string per message), other ids are strings. */
type MessageId = string | number;

function messageId(r: AnyRecord): MessageId | undefined {
  for (const v of [r.id, r.msg, r.msgId, r.messageId]) {
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string' && v.length > 0) return v;
  }
  return undefined;
}

export class MessageFold {
  private readonly density: DensityFold;
  private readonly others: Reservoir;
  private readonly drops: Reservoir;
  /** Kept messages by id (the first of duplicates), for pairing a send with its delivery or drop. */
  private readonly byId = new Map<MessageId, Entry>();
  private seq = 0;
  private anon = 0;
  private dups = 0;
  /**
   * Ids whose send record was seen, to tell "sent, not kept" from "never sent": two generations
   * of at most 65,536 (a delivery follows its send closely), and empty for traces without sends.
   */
  private sends = new Set<MessageId>();
  private sendsOld = new Set<MessageId>();

  constructor(
    private readonly max = MESSAGES_MAX,
    binsMax = DENSITY_BINS_MAX,
  ) {
    this.density = new DensityFold(binsMax);
    this.others = new Reservoir(max);
    this.drops = new Reservoir(Math.floor(max / 2));
  }

  /** A record of a message kind (see `isMessageKind`). Returns its endpoints, for lanes. */
  write(r: AnyRecord): { from?: string; to?: string } {
    const ends = messageEnds(r);
    const kind = r.kind;
    const isSend = /send/.test(kind);
    const isDeliver = /deliver|recv|receive/.test(kind);
    const isDrop = /drop|lost|loss/.test(kind);
    if (!isSend && !isDeliver && !isDrop) return ends; // e.g. message-duplicate: the second delivery tells the story
    const type = str(r.type) ?? str(r.msgType) ?? str(r.name) ?? 'message';
    const reason = str(r.reason) ?? str(r.cause);
    const sentUs = isSend ? r.time : numberField(r, ['sentAt', 'sendUs', 'sentUs', 'sendTime']);
    this.event(isSend ? 'send' : isDeliver ? 'deliver' : 'drop', r.time, messageId(r), ends.from, ends.to, type, sentUs, reason);
    return ends;
  }

  /** The same as `write` for a delivery or drop given as fields (the tracer's fast path): no allocation unless the message is kept. */
  writeFields(kind: 'deliver' | 'drop', time: number, from: string | undefined, to: string | undefined, id: unknown, sentUs: unknown, reason: unknown): void {
    const mid = typeof id === 'number' || (typeof id === 'string' && id.length > 0) ? id : undefined;
    this.event(kind, time, mid, from, to, 'message', typeof sentUs === 'number' ? sentUs : undefined, typeof reason === 'string' ? reason : undefined);
  }

  private event(
    what: 'send' | 'deliver' | 'drop',
    time: number,
    id: MessageId | undefined,
    from: string | undefined,
    to: string | undefined,
    type: string,
    sentUs: number | undefined,
    reason: string | undefined,
  ): void {
    if (from !== this.lastFrom && from !== undefined) this.endpoint((this.lastFrom = from));
    if (to !== this.lastTo && to !== undefined) this.endpoint((this.lastTo = to));
    if (what === 'send') {
      this.density.add(from ?? '?', time, false);
      if (id !== undefined) this.rememberSend(id);
      this.offer(time, id, from, to, type, time, null, null, undefined);
      return;
    }
    if (this.sends.size === 0) {
      // No send records in this trace (how the world writes messages): every delivery or drop is
      // a whole message, and only a kept one needs its id looked up (`offer`).
      const sendUs = sentUs ?? time;
      this.density.add(from ?? '?', sendUs, what === 'drop');
      this.offer(time, id, from, to, type, sendUs, what === 'deliver' ? time : null, what === 'drop' ? time : null, reason);
      return;
    }
    const kept = id !== undefined ? this.byId.get(id) : undefined;
    if (kept !== undefined && kept.m.deliverUs === null && kept.m.dropUs === null) {
      // The send was kept: complete it. A drop moves it to the drops' reservoir.
      const m = kept.m;
      if (to && (what === 'deliver' || m.to === '?')) m.to = to;
      if (what === 'deliver') {
        m.deliverUs = time;
        return;
      }
      m.dropUs = time;
      if (reason) m.reason = reason;
      this.density.dropLate(m.from, m.sendUs);
      this.others.remove(kept);
      if (this.drops.admits(kept.key, kept.seq)) this.keep(this.drops, kept);
      else this.forget(kept);
      return;
    }
    if (kept === undefined && id !== undefined && this.sends.size > 0 && (this.sends.has(id) || this.sendsOld.has(id))) {
      // Its send was counted but not kept: only a drop is news, for the density.
      if (what === 'drop') this.density.dropLate(from ?? '?', time);
      return;
    }
    // A delivery or drop with no send record (how the world writes them), or a second delivery of
    // a kept message (duplication): a message of its own.
    const sendUs = sentUs ?? kept?.m.sendUs ?? time;
    this.density.add(from ?? kept?.m.from ?? '?', sendUs, what === 'drop');
    this.offer(time, id, from ?? kept?.m.from, to ?? kept?.m.to, kept && what === 'deliver' ? kept.m.type : type, sendUs, what === 'deliver' ? time : null, what === 'drop' ? time : null, reason);
  }

  /** Every node a message named, for lanes (checked against the last names first: no lookup per message). */
  readonly endpoints = new Set<string>();
  private lastFrom: string | undefined;
  private lastTo: string | undefined;

  private endpoint(name: string): void {
    this.endpoints.add(name);
  }

  private rememberSend(id: MessageId): void {
    this.sends.add(id);
    if (this.sends.size >= 65_536) {
      this.sendsOld = this.sends;
      this.sends = new Set();
    }
  }

  private offer(
    time: number,
    id: MessageId | undefined,
    from: string | undefined,
    to: string | undefined,
    type: string,
    sendUs: number,
    deliverUs: number | null,
    dropUs: number | null,
    reason: string | undefined,
  ): void {
    let h = 0x9747b28c;
    h = id === undefined ? mix(h, this.seq) : typeof id === 'number' ? mixNumber(h, id) : mixString(h, id);
    h = mixNumber(h, sendUs);
    if (deliverUs !== null || dropUs !== null) h = mixNumber(h, time);
    const key = finalize(h);
    const seq = this.seq++;
    const into = dropUs !== null ? this.drops : this.others;
    if (!into.admits(key, seq)) return;
    // A second delivery of a kept message (duplication) is an arrow of its own.
    const first = id !== undefined ? this.byId.get(id) : undefined;
    const duplicate = first !== undefined && first.m.deliverUs !== null && deliverUs !== null;
    const m: MessageView = {
      id: id === undefined ? `anon-${this.anon++}` : String(id),
      from: from ?? '?',
      to: to ?? '?',
      type,
      sendUs,
      deliverUs,
      dropUs,
      ...(reason ? { reason } : {}),
    };
    if (duplicate) m.id = `${m.id}+dup${++this.dups}`;
    const e: Entry = { key, seq, m, at: -1, id };
    this.keep(into, e);
    if (id !== undefined && !duplicate && !this.byId.has(id)) this.byId.set(id, e);
  }

  private keep(into: Reservoir, e: Entry): void {
    const evicted = into.add(e);
    if (evicted) this.forget(evicted);
  }

  private forget(e: Entry): void {
    if (e.id !== undefined && this.byId.get(e.id) === e) this.byId.delete(e.id);
  }

  get total(): number {
    return this.density.total;
  }

  /** The view: the sample sorted by send time, the density grid, and the notice text. */
  finish(): MessagesView {
    const drops = this.drops.heap.slice();
    const others = this.others.heap.slice().sort((a, b) => a.key - b.key || a.seq - b.seq);
    const total = this.density.total;
    const dropped = this.density.dropped;
    const restKept = others.slice(0, Math.max(0, this.max - drops.length));
    const items = drops
      .concat(restKept)
      .map((e) => e.m)
      .sort((a, b) => a.sendUs - b.sendUs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const truncated = items.length < total;
    const n = (x: number): string => x.toLocaleString('en-US');
    const sampling = truncated
      ? `${n(items.length)} of ${n(total)} messages: ${drops.length === dropped ? 'every drop' : `${n(drops.length)} of ${n(dropped)} drops`}, ` +
        `and ${n(restKept.length)} of the ${n(total - dropped)} others, a uniform sample`
      : 'all messages';
    return { items, total, dropped, truncated, sampling, density: this.density.view() };
  }
}
