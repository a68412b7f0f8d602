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
import { Hasher, type KnownKeys } from './hash.ts';

/**
 * How much of the trace a run keeps: `off` nothing, `summary` everything but detail kinds (state
 * changes, faults, checks, windowed metrics), `full` everything. The trace hash covers every
 * record at every level.
 */
export type TraceLevel = 'off' | 'summary' | 'full';
/** Every `TraceLevel`, from least to most kept. */
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

/** A trace record kind: a key of `TraceRecordMap` (`fault-start`, `node-state`, `message-drop`, …). */
export type TraceKind = keyof TraceRecordMap;
/** A trace record: `time` (simulated µs), `kind`, and that kind's fields (a union discriminated on `kind`). */
export type TraceRecord = {
  [K in TraceKind]: { time: number; kind: K } & TraceRecordMap[K];
}[TraceKind];
/** The trace record of one kind `K`. */
export type TraceRecordOf<K extends TraceKind> = { time: number; kind: K } & TraceRecordMap[K];

/** Kinds kept only at level `full` (high-volume, per-request or per-message). */
const detailKinds = new Set<string>(['request']);

/** Mark a record kind as detail: kept at `full`, not at `summary` (still hashed at every level). */
export function markDetailKind(kind: TraceKind): void {
  detailKinds.add(kind);
}

/** True for a detail kind (kept only at trace level `full`; see `markDetailKind`). */
export function isDetailKind(kind: string): boolean {
  return detailKinds.has(kind);
}

/** Where a `Tracer` streams the records it keeps instead of holding them in memory (a JSONL file, say). */
export interface TraceSink {
  /** Receive one kept record, in emission order. */
  write(record: TraceRecord): void;
  /**
   * Optional: called once before the run's first record with what the run is (a JSONL file
   * writes it as its header record). Not a trace record and not hashed.
   */
  begin?(run: TraceRunInfo): void;
  /**
   * Optional fast path for the fixed-field records of a `RecordEmitter` (per-message and
   * per-request records): the record `{ time, kind, [fields[i]]: f_i }` (undefined values left
   * out) given as its fields, so that no object is built per record. A sink without it gets
   * `write`. Used only when the tracer keeps no records in memory.
   */
  writeFields?(kind: TraceKind, fields: readonly string[], time: number, f0?: unknown, f1?: unknown, f2?: unknown, f3?: unknown, f4?: unknown, f5?: unknown): void;
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

/**
 * A run's trace: every record is hashed (`hash`, the run's trace hash, the same at every level)
 * and kept according to the level, in memory (`records`, at most `memoryMax`, default 2,000,000)
 * or streamed to a sink. Inside a scenario it is `ctx.trace`.
 */
export class Tracer {
  readonly level: TraceLevel;
  readonly records: TraceRecord[] = [];
  truncated = 0;
  emitted = 0;
  /** @internal shared with RecordEmitter */
  readonly _hasher = new Hasher();
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
    this._fieldsSink = !this.keepInMemory && this.sink?.writeFields !== undefined ? this.sink : undefined;
  }

  /** @internal the sink RecordEmitter hands fields to directly (no record object), if any */
  readonly _fieldsSink: TraceSink | undefined;

  emit(record: TraceRecord): void {
    this.emitted++;
    this._hasher.record(record as unknown as Record<string, unknown>);
    const level = this.level;
    if (level === 'off') return;
    if (level === 'summary' && detailKinds.has(record.kind)) return;
    if (this.sink !== undefined) this.sink.write(record);
    if (!this.keepInMemory) return;
    if (this.records.length < this.memoryMax) this.records.push(record);
    else this.truncated++;
  }

  /** A fast emitter for a record kind with fixed fields (see RecordEmitter). */
  recordEmitter(kind: TraceKind, fields: readonly string[]): RecordEmitter {
    return new RecordEmitter(this, kind, fields);
  }

  get hash(): string {
    return this._hasher.digest();
  }
}

/**
 * An emitter for one record kind with fixed fields, for hot paths (per-message records). When the
 * tracer keeps the record it builds the object as `emit` would; otherwise it hashes the values
 * directly, producing exactly the same words as `emit({ time, kind, ...fields })`, so the trace
 * hash does not depend on the level. Fields whose value is `undefined` are skipped, as in `emit`.
 */
export class RecordEmitter {
  /** @internal the kind's constant words, for the hasher */
  readonly _keys: KnownKeys;
  private readonly kept: boolean;
  private readonly fieldsSink: TraceSink | undefined;
  /**
   * @internal True when the record is only hashed, not kept (as at level `off`, or a detail kind
   * at `summary`): a hot path may then hash its fields itself with `_hasher` (counting the record
   * in `tracer.emitted`), as `emit` would.
   */
  readonly _hashOnly: boolean;

  constructor(
    private readonly tracer: Tracer,
    readonly kind: TraceKind,
    readonly fields: readonly string[],
  ) {
    if (fields.length > 6) throw new Error(`RecordEmitter ${kind}: at most 6 fields`);
    this._keys = tracer._hasher.knownKeys(kind, fields);
    this.kept = tracer.level === 'full' || (tracer.level === 'summary' && !detailKinds.has(kind));
    this.fieldsSink = this.kept ? tracer._fieldsSink : undefined;
    this._hashOnly = !this.kept;
  }

  /** @internal the tracer it emits to */
  get _tracer(): Tracer {
    return this.tracer;
  }

  emit(time: number, f0?: unknown, f1?: unknown, f2?: unknown, f3?: unknown, f4?: unknown, f5?: unknown): void {
    if (this.fieldsSink !== undefined) {
      // Kept, but by a sink that takes fields: hash as below, hand over the fields.
      this.tracer.emitted++;
      this.tracer._hasher.recordKnown(this._keys, time, f0, f1, f2, f3, f4, f5);
      this.fieldsSink.writeFields!(this.kind, this.fields, time, f0, f1, f2, f3, f4, f5);
      return;
    }
    if (this.kept) {
      const r: Record<string, unknown> = { time, kind: this.kind };
      const v = [f0, f1, f2, f3, f4, f5];
      for (let i = 0; i < this.fields.length; i++) if (v[i] !== undefined) r[this.fields[i]!] = v[i];
      this.tracer.emit(r as TraceRecord);
      return;
    }
    this.tracer.emitted++;
    this.tracer._hasher.recordKnown(this._keys, time, f0, f1, f2, f3, f4, f5);
  }
}

/** Canonical serialization of a record: JSON with keys in emission order (time, kind, then fields). */
export function canonicalJson(record: TraceRecord): string {
  return JSON.stringify(record);
}

/**
 * Version of the JSONL trace file layout (header, records, footer). Raised when a reader of an
 * older file would misread a newer one.
 */
export const TRACE_FORMAT_VERSION = 1;

/** What a run is, as the runner tells a sink before its first record (`TraceSink.begin`). */
export interface TraceRunInfo {
  scenario: string;
  variant: string;
  seed: string | number;
  /** Every param's value in this run (the variant's and the overrides applied). */
  params: Record<string, unknown>;
  /** The fault plan the run applies, serialized (durations in microseconds). */
  plan: Record<string, unknown>[];
  /** Run budgets given on top of the scenario's own (`--budget`). */
  budgets: Record<string, number>;
  /** The trace level: which records the sink receives (every one at `full`). */
  level: TraceLevel;
  /** The alerting data given with `--rules`, when it was (the scenario's own is in the scenario). */
  alerting?: Record<string, unknown>;
}

/**
 * The first line of a JSONL trace file: everything needed to run it again. Not a trace record
 * (no `time`) and not part of the trace hash.
 */
export interface TraceFileHeader extends TraceRunInfo {
  kind: 'trace-header';
  format: number;
  /** The faultline version that wrote the file. */
  faultline: string;
  /** The scenario as the command was given it: a built-in name or a file path. */
  scenarioRef?: string;
  /** A user's scenario file, as an absolute path. */
  scenarioFile?: string;
  /** The price table given with `--prices`, when one was. */
  prices?: unknown;
}

/** The last line of a JSONL trace file: hashes and counts to check the file against. Not hashed. */
export interface TraceFileFooter {
  kind: 'trace-footer';
  format: number;
  /** The run's trace hash (over every record emitted, whatever the level). */
  traceHash: string;
  /** The hash of the records in this file (equal to `traceHash` at level `full`). */
  recordsHash: string;
  /** How many records the file holds between header and footer, in all and by kind. */
  records: number;
  byKind: Record<string, number>;
  /** The run's outcome, for readers that compare files without running them. */
  stats?: { events: number; simTimeMs: number };
  metrics?: Record<string, unknown>;
  checks?: { name: string; status: string; expected: string }[];
}
