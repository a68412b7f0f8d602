/**
 * Where the variants of a comparison part: the first trace record in which each run differs from
 * the first run, found while the runs go (no trace kept). The first run's records are kept as one
 * 32-bit digest and one time each (8 bytes a record, up to `DIGESTS_MAX` records); every later
 * run digests its records the same way and compares them at once, keeping only where it first
 * differs. `run-start` (which names the variant) is compared apart, as `faultline diff` does.
 * Pure and browser-safe (the playground can use it the same way).
 *
 *   const base = new RecordDigests();           // the first run's sink (beside its fold)
 *   const other = new DivergenceWatch(base);     // each later run's sink
 *   ... run ...
 *   other.point                                  // { index, timeUs } | null
 */
import type { TraceKind, TraceRecord, TraceSink } from '../sim/observe/trace.ts';

/** Records of the first run kept for comparison; beyond them nothing is compared. */
export const DIGESTS_MAX = 4_000_000;

/** Where a run first differs from the first run: its record index and simulated time. */
export interface DivergencePointView {
  index: number;
  timeUs: number;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const START = 0x811c9dc5 | 0;
/** The digest every `run-start` gets: configuration is compared apart. */
const CONFIG = 0;

function mixWord(h: number, w: number): number {
  return Math.imul(h ^ w, 0x01000193);
}

function mixString(h: number, s: string): number {
  h = mixWord(h, 0x13 ^ s.length);
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

function mixValue(h: number, v: unknown): number {
  switch (typeof v) {
    case 'number':
      f64[0] = v;
      return mixWord(mixWord(mixWord(h, 0x12), u32[0]!), u32[1]!);
    case 'string':
      return mixString(h, v);
    case 'boolean':
      return mixWord(h, v ? 0x14 : 0x15);
    default:
      // rare nested values (partition groups): their JSON
      return mixString(mixWord(h, 0x18), JSON.stringify(v) ?? 'undefined');
  }
}

/** A record's digest, from its fields in order (undefined ones skipped, as JSON does). */
function digestOf(record: TraceRecord): number {
  if (record.kind === 'run-start') return CONFIG;
  let h = START;
  const r = record as unknown as Record<string, unknown>;
  for (const k in r) {
    const v = r[k];
    if (v === undefined) continue;
    h = mixValue(mixString(h, k), v);
  }
  return h >>> 0 || 1;
}

/** The same digest for a record given as fields (`TraceSink.writeFields`). */
function digestOfFields(kind: TraceKind, fields: readonly string[], time: number, f0: unknown, f1: unknown, f2: unknown, f3: unknown, f4: unknown, f5: unknown): number {
  if (kind === 'run-start') return CONFIG;
  let h = mixValue(mixString(START, 'time'), time);
  h = mixValue(mixString(h, 'kind'), kind);
  const n = fields.length;
  if (n > 0 && f0 !== undefined) h = mixValue(mixString(h, fields[0]!), f0);
  if (n > 1 && f1 !== undefined) h = mixValue(mixString(h, fields[1]!), f1);
  if (n > 2 && f2 !== undefined) h = mixValue(mixString(h, fields[2]!), f2);
  if (n > 3 && f3 !== undefined) h = mixValue(mixString(h, fields[3]!), f3);
  if (n > 4 && f4 !== undefined) h = mixValue(mixString(h, fields[4]!), f4);
  if (n > 5 && f5 !== undefined) h = mixValue(mixString(h, fields[5]!), f5);
  return h >>> 0 || 1;
}

/** Records per storage chunk (a power of two): storage grows a chunk at a time, never by copying. */
const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const IN_CHUNK = CHUNK - 1;
/** A time step that is not stored as a step: the record's time is in `RecordDigests.exact`. */
const ESCAPE = 0xffffffff;

/**
 * Every record's digest and time, in order: the first run of a comparison. 8 bytes a record: the
 * digest, and the time as its step from the previous record's (records come in time order, in
 * whole microseconds), with each chunk's first time and any time that is not a whole step below
 * 2^32 kept exactly beside.
 */
export class RecordDigests implements TraceSink {
  private readonly digestChunks: Uint32Array[] = [];
  private readonly stepChunks: Uint32Array[] = [];
  /** The time of each chunk's first record. */
  private readonly anchors: number[] = [];
  /** Times that are not a whole step in [0, 2^32 - 1) from the previous record's, by record index. */
  private readonly exact = new Map<number, number>();
  private last = 0;
  count = 0;
  /** Records beyond DIGESTS_MAX, not kept. */
  overflow = 0;

  /** Record `i`'s digest (i < count). */
  digestAt(i: number): number {
    return this.digestChunks[i >>> CHUNK_BITS]![i & IN_CHUNK]!;
  }

  /** Record `i`'s time (i < count): its chunk's first time plus the steps up to it. */
  timeAt(i: number): number {
    const c = i >>> CHUNK_BITS;
    const steps = this.stepChunks[c]!;
    let t = this.anchors[c]!;
    for (let j = 1, end = i & IN_CHUNK; j <= end; j++) {
      const step = steps[j]!;
      t = step === ESCAPE ? this.exact.get((c << CHUNK_BITS) + j)! : t + step;
    }
    return t;
  }

  private push(d: number, time: number): void {
    const i = this.count;
    if (i >= DIGESTS_MAX) {
      this.overflow++;
      return;
    }
    const j = i & IN_CHUNK;
    if (j === 0) {
      this.digestChunks.push(new Uint32Array(CHUNK));
      this.stepChunks.push(new Uint32Array(CHUNK));
      this.anchors.push(time);
    } else {
      const step = time - this.last;
      // a step is kept only when adding it back gives this very time
      const steps = this.stepChunks[i >>> CHUNK_BITS]!;
      if (step >= 0 && step < ESCAPE && step === Math.floor(step) && this.last + step === time) steps[j] = step;
      else {
        steps[j] = ESCAPE;
        this.exact.set(i, time);
      }
    }
    this.digestChunks[i >>> CHUNK_BITS]![j] = d;
    this.last = time;
    this.count = i + 1;
  }

  write(record: TraceRecord): void {
    this.push(digestOf(record), record.time);
  }

  writeFields(kind: TraceKind, fields: readonly string[], time: number, f0?: unknown, f1?: unknown, f2?: unknown, f3?: unknown, f4?: unknown, f5?: unknown): void {
    this.push(digestOfFields(kind, fields, time, f0, f1, f2, f3, f4, f5), time);
  }
}

/**
 * A later run of a comparison, compared record by record with the first run's digests as it goes.
 * Once it has parted, its records are not digested.
 */
export class DivergenceWatch implements TraceSink {
  private index = 0;
  private found: DivergencePointView | null = null;

  constructor(private readonly base: RecordDigests) {}

  /** Whether record `index`, at `time`, is to be digested and compared; false marks the end of the first run's records. */
  private comparable(time: number): boolean {
    if (this.index < this.base.count) return true;
    // beyond the first run's end (and not beyond what it kept): the runs part here
    if (this.base.overflow === 0) this.found = { index: this.index, timeUs: time };
    this.index++;
    return false;
  }

  private see(d: number, time: number): void {
    const i = this.index++;
    if (this.base.digestAt(i) !== d) this.found = { index: i, timeUs: Math.min(time, this.base.timeAt(i)) };
  }

  write(record: TraceRecord): void {
    if (this.found !== null || !this.comparable(record.time)) return;
    this.see(digestOf(record), record.time);
  }

  writeFields(kind: TraceKind, fields: readonly string[], time: number, f0?: unknown, f1?: unknown, f2?: unknown, f3?: unknown, f4?: unknown, f5?: unknown): void {
    if (this.found !== null || !this.comparable(time)) return;
    this.see(digestOfFields(kind, fields, time, f0, f1, f2, f3, f4, f5), time);
  }

  /** Where this run first differs from the first run, or null when it does not (within what was kept). */
  get point(): DivergencePointView | null {
    if (this.found !== null) return this.found;
    // this run ended first: it parts where the first run goes on
    if (this.index < this.base.count) return { index: this.index, timeUs: this.base.timeAt(this.index) };
    return null;
  }
}
