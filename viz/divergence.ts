/**
 * Where the variants of a comparison part: the first trace record in which each run differs from
 * the first run, found while the runs go (no trace kept). The first run's records are kept as one
 * 32-bit digest and one time each (12 bytes a record, up to `DIGESTS_MAX` records); every later
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
function digestOfFields(kind: TraceKind, fields: readonly string[], time: number, values: readonly unknown[]): number {
  if (kind === 'run-start') return CONFIG;
  let h = mixValue(mixString(START, 'time'), time);
  h = mixValue(mixString(h, 'kind'), kind);
  for (let i = 0; i < fields.length; i++) {
    const v = values[i];
    if (v === undefined) continue;
    h = mixValue(mixString(h, fields[i]!), v);
  }
  return h >>> 0 || 1;
}

/** Every record's digest and time, in order: the first run of a comparison. */
export class RecordDigests implements TraceSink {
  digests = new Uint32Array(1024);
  times = new Float64Array(1024);
  count = 0;
  /** Records beyond DIGESTS_MAX, not kept. */
  overflow = 0;

  private push(d: number, time: number): void {
    if (this.count >= DIGESTS_MAX) {
      this.overflow++;
      return;
    }
    if (this.count === this.digests.length) {
      const n = Math.min(DIGESTS_MAX, this.digests.length * 2);
      const d2 = new Uint32Array(n);
      d2.set(this.digests);
      const t2 = new Float64Array(n);
      t2.set(this.times);
      this.digests = d2;
      this.times = t2;
    }
    this.digests[this.count] = d;
    this.times[this.count] = time;
    this.count++;
  }

  write(record: TraceRecord): void {
    this.push(digestOf(record), record.time);
  }

  writeFields(kind: TraceKind, fields: readonly string[], time: number, f0?: unknown, f1?: unknown, f2?: unknown, f3?: unknown, f4?: unknown, f5?: unknown): void {
    this.push(digestOfFields(kind, fields, time, [f0, f1, f2, f3, f4, f5]), time);
  }
}

/** A later run of a comparison, compared record by record with the first run's digests as it goes. */
export class DivergenceWatch implements TraceSink {
  private index = 0;
  private found: DivergencePointView | null = null;

  constructor(private readonly base: RecordDigests) {}

  private see(d: number, time: number): void {
    const i = this.index++;
    if (this.found !== null || i >= this.base.count) {
      // beyond the first run's end (and not beyond what it kept): the runs part here
      if (this.found === null && this.base.overflow === 0) this.found = { index: i, timeUs: time };
      return;
    }
    if (this.base.digests[i] !== d) this.found = { index: i, timeUs: Math.min(time, this.base.times[i]!) };
  }

  write(record: TraceRecord): void {
    this.see(digestOf(record), record.time);
  }

  writeFields(kind: TraceKind, fields: readonly string[], time: number, f0?: unknown, f1?: unknown, f2?: unknown, f3?: unknown, f4?: unknown, f5?: unknown): void {
    this.see(digestOfFields(kind, fields, time, [f0, f1, f2, f3, f4, f5]), time);
  }

  /** Where this run first differs from the first run, or null when it does not (within what was kept). */
  get point(): DivergencePointView | null {
    if (this.found !== null) return this.found;
    // this run ended first: it parts where the first run goes on
    if (this.index < this.base.count) return { index: this.index, timeUs: this.base.times[this.index]! };
    return null;
  }
}
