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

const HASH_SEED = 0x9747b28c | 0;

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
  // an int32 as one word (the common case: ids and times), anything else as two
  const lo = v | 0;
  return lo === v ? mix(h, lo) : mix(mix(h, lo), (v / 4294967296) | 0);
}

function mixString(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = mix(h, s.charCodeAt(i));
  return mix(h, s.length);
}

/** The sample key of a message: a 32-bit hash of its id and a time. */
export function sampleKey(id: string | number, timeUs: number): number {
  const h = typeof id === 'number' ? mixNumber(HASH_SEED, id) : mixString(HASH_SEED, id);
  return finalize(mixNumber(h, timeUs));
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
// Bottom-k sample: the `size` entries with the smallest (key, seq) seen so far.
//
// Entries below the current threshold are appended; when twice `size` have piled up, they are cut
// back to the `size` smallest, and the threshold drops to the largest key kept. So an offer is a
// comparison and at most a push (no heap to walk: a heap of objects cost a cache miss per level
// next to a running simulation), and the result is exactly the bottom-k.

/** A kept message: its sample key and fields (its `MessageView`, with a string id, is made at the end). */
interface Entry extends Omit<MessageView, 'id' | 'reason'> {
  key: number;
  /** Tie-break for equal keys: arrival order, so the result does not depend on arrival batching. */
  seq: number;
  /** The sample holding it; null once cut, or before it is added. */
  in: Sample | null;
  /** The id the fold keys it by (byId); undefined for anonymous messages. */
  id: string | number | undefined;
  /** 0, or n for the n-th duplicate delivery kept (its view's id gets `+dup<n>`). */
  dup: number;
  reason: string | undefined;
}

class Sample {
  private entriesHeld: Entry[] = [];
  /** Keys at or above it cannot make the sample any more. */
  private thresholdKey = Infinity;
  private thresholdSeq = Infinity;

  constructor(
    readonly size: number,
    private readonly cut: (e: Entry) => void,
  ) {}

  admits(key: number, seq: number): boolean {
    return this.size > 0 && (key < this.thresholdKey || (key === this.thresholdKey && seq < this.thresholdSeq));
  }

  add(e: Entry): void {
    e.in = this;
    this.entriesHeld.push(e);
    if (this.entriesHeld.length >= 2 * this.size) this.prune();
  }

  remove(e: Entry): void {
    if (e.in === this) e.in = null;
  }

  private prune(): void {
    const held = this.entriesHeld;
    const live: Entry[] = [];
    for (const e of held) if (e.in === this) live.push(e);
    if (live.length > this.size) {
      // The size-th smallest key, by a native sort of the keys alone (no comparator calls);
      // entries on that key are kept in arrival order, so the cut is exact and deterministic.
      const sorted = new Float64Array(live.length);
      for (let i = 0; i < live.length; i++) sorted[i] = live[i]!.key;
      sorted.sort();
      const bound = sorted[this.size - 1]!;
      let below = 0;
      for (let i = 0; i < this.size; i++) if (sorted[i]! < bound) below++;
      let onBound = this.size - below;
      const kept: Entry[] = [];
      for (const e of live) {
        if (e.key < bound || (e.key === bound && onBound-- > 0)) kept.push(e);
        else {
          e.in = null;
          this.cut(e);
        }
      }
      this.entriesHeld = kept;
      const last = kept.filter((e) => e.key === bound).pop()!;
      [this.thresholdKey, this.thresholdSeq] = [bound, last.seq];
    } else {
      this.entriesHeld = live;
    }
  }

  /** The sample (in arrival order). */
  entries(): Entry[] {
    this.prune();
    return this.entriesHeld.slice();
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
  private readonly others: Sample;
  private readonly drops: Sample;
  /** Kept messages by id (the first of duplicates), for pairing a send with its delivery or drop. */
  private readonly byId = new Map<MessageId, Entry>();
  private seq = 0;
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
    this.others = new Sample(max, (e) => this.forget(e));
    this.drops = new Sample(Math.floor(max / 2), (e) => this.forget(e));
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
    if (kept !== undefined && kept.deliverUs === null && kept.dropUs === null) {
      // The send was kept: complete it. A drop moves it to the drops' reservoir.
      const m = kept;
      if (to && (what === 'deliver' || m.to === '?')) m.to = to;
      if (what === 'deliver') {
        m.deliverUs = time;
        return;
      }
      m.dropUs = time;
      if (reason) m.reason = reason;
      this.density.dropLate(m.from, m.sendUs);
      this.others.remove(kept);
      if (this.drops.admits(kept.key, kept.seq)) this.drops.add(kept);
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
    const sendUs = sentUs ?? kept?.sendUs ?? time;
    this.density.add(from ?? kept?.from ?? '?', sendUs, what === 'drop');
    this.offer(time, id, from ?? kept?.from, to ?? kept?.to, kept && what === 'deliver' ? kept.type : type, sendUs, what === 'deliver' ? time : null, what === 'drop' ? time : null, reason);
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
    // The key: what identifies the message (its id, and when it arrived or was sent: a duplicate
    // delivery has the id of the original).
    const seq = this.seq++;
    const key = sampleKey(id ?? seq, deliverUs === null && dropUs === null ? sendUs : time);
    const into = dropUs !== null ? this.drops : this.others;
    if (!into.admits(key, seq)) return;
    // A second delivery of a kept message (duplication) is an arrow of its own.
    const first = id !== undefined ? this.byId.get(id) : undefined;
    const dup = first !== undefined && first.deliverUs !== null && deliverUs !== null ? ++this.dups : 0;
    const e: Entry = { key, seq, in: null, id, dup, from: from ?? '?', to: to ?? '?', type, sendUs, deliverUs, dropUs, reason };
    into.add(e);
    if (id !== undefined && dup === 0 && first === undefined) this.byId.set(id, e);
  }

  private forget(e: Entry): void {
    if (e.id !== undefined && this.byId.get(e.id) === e) this.byId.delete(e.id);
  }

  get total(): number {
    return this.density.total;
  }

  /** The view: the sample sorted by send time, the density grid, and the notice text. */
  finish(): MessagesView {
    const drops = this.drops.entries();
    const others = this.others.entries().sort((a, b) => a.key - b.key || a.seq - b.seq);
    const total = this.density.total;
    const dropped = this.density.dropped;
    const restKept = others.slice(0, Math.max(0, this.max - drops.length));
    let anon = 0;
    const items = drops
      .concat(restKept)
      .sort((a, b) => a.seq - b.seq)
      .map((e): MessageView => {
        const base = e.id === undefined ? `anon-${anon++}` : String(e.id);
        const m: MessageView = { id: e.dup ? `${base}+dup${e.dup}` : base, from: e.from, to: e.to, type: e.type, sendUs: e.sendUs, deliverUs: e.deliverUs, dropUs: e.dropUs };
        if (e.reason) m.reason = e.reason;
        return m;
      })
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
