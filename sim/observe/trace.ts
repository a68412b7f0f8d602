/**
 * The trace: an ordered stream of typed records, a discriminated union on `kind`. Every record
 * has `time` (simulated microseconds) and `kind`; most have `node`.
 *
 * The union is open for extension by declaration merging, so each layer declares its own records
 * next to the code that emits them:
 *
 *   declare module '../observe/trace.ts' {
 *     interface TraceRecordMap { 'breaker-state': { node: string; breaker: string; from: string; to: string } }
 *   }
 *
 * Levels: `off` keeps nothing, `summary` keeps state changes, faults, checks and windowed
 * metrics (every kind not marked as detail), `full` keeps everything (streamed to a sink such as
 * a JSONL file when one is given, so a long run does not hold its trace in memory). The trace hash
 * covers every record emitted, at every level, so `traceHash` does not depend on the level.
 */
import { Hasher } from './hash.ts';

export type TraceLevel = 'off' | 'summary' | 'full';
export const TRACE_LEVELS: readonly TraceLevel[] = ['off', 'summary', 'full'];

/** Record payloads by kind (without `time` and `kind`). Extend it with `declare module`. */
export interface TraceRecordMap {
  'run-start': { scenario: string; variant: string; seed: string | number };
  'run-end': { events: number };
  /** A named phase or annotation a scenario writes for readers of the trace. */
  note: { node?: string; text: string };
  'node-state': { node: string; from: string; to: string; reason?: string };
  'fault-start': { node?: string; fault: string; index: number; target?: string; detail?: string };
  'fault-end': { node?: string; fault: string; index: number; target?: string };
  'check-failed': { check: string; detail: string };
  /** One simulated request as a whole (detail). */
  request: { node: string; id: number; ok: boolean; latencyUs: number; attempts?: number; error?: string };
  'metric-window': { name: string; startUs: number; endUs: number; count: number; sum: number; max: number };
}

export type TraceKind = keyof TraceRecordMap;
export type TraceRecord = {
  [K in TraceKind]: { time: number; kind: K } & TraceRecordMap[K];
}[TraceKind];
export type TraceRecordOf<K extends TraceKind> = { time: number; kind: K } & TraceRecordMap[K];

/** Kinds kept only at level `full` (high-volume, per-request or per-message). */
const detailKinds = new Set<string>(['request']);

/** Mark a record kind as detail: kept at `full`, not at `summary` (still hashed at every level). */
export function markDetailKind(kind: TraceKind): void {
  detailKinds.add(kind);
}

export function isDetailKind(kind: string): boolean {
  return detailKinds.has(kind);
}

export interface TraceSink {
  write(record: TraceRecord): void;
}

export interface TracerOptions {
  level?: TraceLevel;
  /** Receives every record kept at the level (instead of the in-memory list). */
  sink?: TraceSink;
  /** Keep at most this many records in memory; later ones are counted as truncated. */
  memoryMax?: number;
  /** With a sink, also keep records in memory (for a report of the same run). Default false. */
  alsoKeepInMemory?: boolean;
}

export class Tracer {
  readonly level: TraceLevel;
  readonly records: TraceRecord[] = [];
  truncated = 0;
  emitted = 0;
  private readonly hasher = new Hasher();
  private readonly sink: TraceSink | undefined;
  private readonly memoryMax: number;
  private readonly keepInMemory: boolean;
  /** True when records of detail kinds are kept; models may skip building optional detail fields. */
  readonly keepsDetail: boolean;

  constructor(options: TracerOptions = {}) {
    this.level = options.level ?? 'summary';
    this.sink = options.sink;
    this.memoryMax = options.memoryMax ?? 2_000_000;
    this.keepInMemory = this.sink === undefined || options.alsoKeepInMemory === true;
    this.keepsDetail = this.level === 'full';
  }

  emit(record: TraceRecord): void {
    this.emitted++;
    this.hasher.record(record as unknown as Record<string, unknown>);
    const level = this.level;
    if (level === 'off') return;
    if (level === 'summary' && detailKinds.has(record.kind)) return;
    if (this.sink !== undefined) this.sink.write(record);
    if (!this.keepInMemory) return;
    if (this.records.length < this.memoryMax) this.records.push(record);
    else this.truncated++;
  }

  get hash(): string {
    return this.hasher.digest();
  }
}

/** Canonical serialization of a record: JSON with keys in emission order (time, kind, then fields). */
export function canonicalJson(record: TraceRecord): string {
  return JSON.stringify(record);
}
