/**
 * The fault plan (DESIGN.md, "Fault plan"): plain JSON, an ordered list of entries such as
 * `{ "at": "30s", "kind": "partition", "groups": [["a","b"],["c"]], "for": "20s" }`.
 *
 * Each fault kind is declared once, as data (`FaultKindSpec`): its fields with types, ranges and
 * descriptions. The validator and the published JSON Schema (`faultPlanJsonSchema`) are both
 * derived from those declarations, so they cannot disagree. A bad entry is rejected with its
 * index, the field, the value and what is valid.
 */
import { InputError } from '../kernel/errors.ts';
import { didYouMean as suggest } from '../kernel/suggest.ts';
import { formatDuration, parseDuration } from '../kernel/time.ts';
import { hasOwn, showValue } from '../kernel/show.ts';

/** Most entries a plan may have: far more than any incident or generated plan, far fewer than would exhaust memory. */
export const PLAN_ENTRIES_MAX = 100_000;
/** Latest `at` and longest `for` or other duration of a plan: 10 years of virtual time, in microseconds. */
export const PLAN_DURATION_MAX_US = 10 * 8760 * 3_600_000_000;
/** Deepest nesting of a JSON field (a distribution inside a distribution …). */
export const JSON_FIELD_DEPTH_MAX = 8;
/** Longest name (a node, a zone, a version label, an id) a plan may use, in characters. */
export const PLAN_STRING_MAX = 1024;

/**
 * The declared type of one field of a fault kind (`FaultKindSpec.fields`): how `parseFaultPlan`
 * validates it, how the JSON Schema and the docs describe it, and how `faultPlan` generates it.
 */
export type FieldSpec =
  | { type: 'duration'; required?: boolean; description: string }
  /**
   * `min` and `max` bound every number a plan may give (docs and `faultline faults` show them);
   * `explore` is the narrower range generated plans draw from (`sim/check/arbitraries.ts`) when
   * the valid range is a safety limit far beyond realistic values.
   */
  | { type: 'number'; required?: boolean; min: number; max: number; explore?: readonly [number, number]; integer?: boolean; description: string }
  | { type: 'string'; required?: boolean; description: string }
  | { type: 'strings'; required?: boolean; description: string }
  /** A list of groups of node names, as in a partition. */
  | { type: 'groups'; required?: boolean; description: string }
  | { type: 'enum'; required?: boolean; values: readonly string[]; description: string }
  | { type: 'boolean'; required?: boolean; description: string }
  /** Any JSON value the kind validates itself (a distribution, a config object). */
  | { type: 'json'; required?: boolean; description: string };

/**
 * The declaration of a fault kind: its name, one sentence on what it does (and which real tool's
 * action it matches), its fields, whether it takes a duration, and an example entry. Register
 * one with `registerFaultKind`.
 */
export interface FaultKindSpec {
  /** The kind's name in plans (`crash`, `partition`, `link-loss`, …). */
  kind: string;
  /** One sentence: what the fault does and which real tool's action it corresponds to. */
  description: string;
  /** Fields besides `at`, `kind` and `for`. `target` is declared here when the kind takes one. */
  fields: Record<string, FieldSpec>;
  /** Whether the fault has a duration (`for`): required, optional or not applicable. */
  duration: 'required' | 'optional' | 'none';
  /** An example entry for docs and `--help`. */
  example: Record<string, unknown>;
  /** Extra cross-field validation; return an error message or undefined. */
  validate?(entry: FaultEntry): string | undefined;
}

/** A validated entry: `at` and `for` in integer microseconds; other fields as given. */
export interface FaultEntry {
  at: number;
  kind: string;
  /** A stable name: the fault's random draws derive from it (default: kind, target and start). */
  id?: string;
  for?: number;
  target?: string;
  [field: string]: unknown;
}

/** A validated fault plan: entries sorted by `at`, durations in integer µs (what `parseFaultPlan` returns). */
export type FaultPlan = readonly FaultEntry[];
/** A fault plan as written: a list of entries, or `{ faults: [...] }` (durations as strings such as `"30s"`). */
export type FaultPlanInput = readonly Record<string, unknown>[] | { faults: readonly Record<string, unknown>[] };

const kinds = new Map<string, FaultKindSpec>();

/** Register a fault kind (done once per kind by `sim/faults/kinds.ts`). */
export function registerFaultKind(spec: FaultKindSpec): void {
  if (kinds.has(spec.kind)) throw new Error(`fault kind ${spec.kind} is registered twice`);
  for (const [name, f] of Object.entries(spec.fields)) {
    if (f.type === 'number' && !(Number.isFinite(f.min) && Number.isFinite(f.max) && f.min <= f.max)) {
      throw new Error(`fault kind ${spec.kind}: number field ${name} needs finite bounds min ≤ max (got ${f.min}, ${f.max})`);
    }
  }
  kinds.set(spec.kind, spec);
}

/** The declaration of a registered fault kind, or undefined for a kind nobody registered. */
export function faultKindSpec(kind: string): FaultKindSpec | undefined {
  return kinds.get(kind);
}

/** The names of every registered fault kind, in registration order. */
export function faultKinds(): string[] {
  return [...kinds.keys()];
}

/** `did you mean "x"?; ` or ''. */
function didYouMean(name: string, valid: readonly string[]): string {
  const hint = suggest(name.slice(0, 64), valid);
  return hint ? `${hint.trim()} ` : '';
}

function fail(index: number, field: string, value: unknown, valid: string): never {
  throw new InputError(`fault plan entry ${index}: ${field}=${showValue(value)} is not valid; ${valid}`);
}

/**
 * Validate a plan given as an array of entries (or `{ faults: [...] }`). Returns entries with
 * durations in microseconds, sorted by `at` (stable, so entries at the same time keep their order).
 */
export function parseFaultPlan(input: unknown, options: { nodes?: readonly string[] } = {}): FaultPlan {
  let list: unknown = input;
  if (list && typeof list === 'object' && !Array.isArray(list) && hasOwn(list, 'faults') && Array.isArray((list as { faults?: unknown }).faults)) {
    list = (list as { faults: unknown[] }).faults;
  }
  if (!Array.isArray(list)) {
    throw new InputError(
      `fault plan: expected a JSON array of entries (or an object with a "faults" array), got ${list === null ? 'null' : Array.isArray(list) ? 'an array' : typeof list}`,
    );
  }
  if (list.length > PLAN_ENTRIES_MAX) {
    throw new InputError(`fault plan: ${list.length} entries is more than the ${PLAN_ENTRIES_MAX} a plan may have`);
  }
  const nodes = options.nodes ? new Set(options.nodes) : undefined;
  const ids = new Map<string, number>();
  const out: FaultEntry[] = list.map((raw, index) => {
    const e = parseEntry(raw, index, nodes);
    if (e.id !== undefined) {
      const first = ids.get(e.id);
      if (first !== undefined) fail(index, 'id', e.id, `entry ${first} has the same id; ids name one fault each`);
      ids.set(e.id, index);
    }
    // the index as written, for errors and trace records after sorting; non-enumerable, so it is
    // neither serialized nor hashed
    Object.defineProperty(e, 'index', { value: index, enumerable: false });
    return e;
  });
  return out
    .map((e, i) => [e, i] as const)
    .sort((a, b) => a[0].at - b[0].at || a[1] - b[1])
    .map(([e]) => e);
}

function parseEntry(raw: unknown, index: number, nodes: Set<string> | undefined): FaultEntry {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InputError(`fault plan entry ${index}: expected an object like { "at": "30s", "kind": "crash", "target": "a" }`);
  }
  const r = raw as Record<string, unknown>;
  const kind = r.kind;
  const spec = typeof kind === 'string' ? kinds.get(kind) : undefined;
  if (!spec) fail(index, 'kind', kind, `${typeof kind === 'string' ? didYouMean(kind, faultKinds()) : ''}valid kinds: ${faultKinds().join(', ')}`);
  const entry: FaultEntry = { at: 0, kind: spec.kind };
  if (!hasOwn(r, 'at')) fail(index, 'at', r.at, 'every entry needs "at", a duration such as "30s"');
  entry.at = parseDurationField(index, 'at', r.at);
  if (r.id !== undefined) {
    if (typeof r.id !== 'string' || r.id.length === 0 || r.id.length > PLAN_STRING_MAX) {
      fail(index, 'id', r.id, `use a non-empty string of at most ${PLAN_STRING_MAX} characters that names this fault`);
    }
    entry.id = r.id;
  }
  if (r.for !== undefined) {
    if (spec.duration === 'none') fail(index, 'for', r.for, `kind ${spec.kind} takes no duration`);
    entry.for = parseDurationField(index, 'for', r.for);
  } else if (spec.duration === 'required') {
    fail(index, 'for', undefined, `kind ${spec.kind} needs "for", a duration such as "20s"`);
  }
  for (const key of Object.keys(r)) {
    if (key === 'at' || key === 'kind' || key === 'for' || key === 'id') continue;
    if (!hasOwn(spec.fields, key)) {
      const valid = ['at', 'kind', 'id', ...(spec.duration === 'none' ? [] : ['for']), ...Object.keys(spec.fields)];
      fail(index, key, r[key], `kind ${spec.kind} has no field ${showValue(key)}; ${didYouMean(key, valid)}its fields: ${valid.join(', ')}`);
    }
  }
  for (const [field, f] of Object.entries(spec.fields)) {
    const v = hasOwn(r, field) ? r[field] : undefined;
    if (v === undefined) {
      if (f.required) fail(index, field, v, `kind ${spec.kind} needs ${field}: ${f.description}`);
      continue;
    }
    entry[field] = parseField(index, field, f, v, nodes);
  }
  const extra = spec.validate?.(entry);
  if (extra) throw new InputError(`fault plan entry ${index} (${spec.kind}): ${extra}`);
  return entry;
}

function parseDurationField(index: number, field: string, v: unknown): number {
  if (typeof v !== 'string' && typeof v !== 'number') {
    fail(index, field, v, 'use a duration string such as "250ms" or "30s", or integer microseconds');
  }
  let us: number;
  try {
    us = parseDuration(typeof v === 'string' && v.length > 64 ? v.slice(0, 64) + '…' : (v as string | number), field);
  } catch (err) {
    fail(index, field, v, err instanceof Error ? err.message.replace(/^[^:]*: /, '') : String(err));
  }
  if (us > PLAN_DURATION_MAX_US) fail(index, field, v, `use a duration of at most ${PLAN_DURATION_MAX_US / 3_600_000_000}h (10 years)`);
  return us;
}

function checkNode(index: number, field: string, name: unknown, nodes: Set<string> | undefined): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > PLAN_STRING_MAX) {
    fail(index, field, name, `use a node name (a non-empty string of at most ${PLAN_STRING_MAX} characters)`);
  }
  // selectors ("*", "zone:a", "rack:r1") and disks ("db1/wal") are checked by the world, which knows them
  const n = name as string;
  if (nodes && !nodes.has(n) && !n.includes('*') && !n.includes(':') && !nodes.has(n.split('/')[0]!)) {
    fail(index, field, name, `known nodes: ${[...nodes].join(', ')}`);
  }
  return name as string;
}

function parseField(index: number, field: string, f: FieldSpec, v: unknown, nodes: Set<string> | undefined): unknown {
  switch (f.type) {
    case 'duration':
      return parseDurationField(index, field, v);
    case 'number': {
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(index, field, v, `use a finite number (${f.description})`);
      const n = v as number;
      if (f.integer && !Number.isInteger(n)) fail(index, field, v, `use an integer from ${f.min} to ${f.max}`);
      if (n < f.min || n > f.max) fail(index, field, v, `use a${f.integer ? 'n integer' : ' number'} from ${f.min} to ${f.max}`);
      return n;
    }
    case 'string':
      if (typeof v !== 'string' || v.length === 0 || v.length > PLAN_STRING_MAX) {
        fail(index, field, v, `use a non-empty string of at most ${PLAN_STRING_MAX} characters (${f.description})`);
      }
      return field === 'target' ? checkNode(index, field, v, nodes) : v;
    case 'strings':
      if (!Array.isArray(v) || v.length === 0) fail(index, field, v, `use a non-empty array of names (${f.description})`);
      return (v as unknown[]).map((x, i) => checkNode(index, `${field}[${i}]`, x, nodes));
    case 'groups':
      if (!Array.isArray(v) || v.length < 2) fail(index, field, v, 'use at least two groups of node names, such as [["a","b"],["c"]]');
      return (v as unknown[]).map((g, i) => {
        if (!Array.isArray(g) || g.length === 0) fail(index, `${field}[${i}]`, g, 'each group is a non-empty array of node names');
        return (g as unknown[]).map((x, j) => checkNode(index, `${field}[${i}][${j}]`, x, nodes));
      });
    case 'enum':
      if (typeof v !== 'string' || !f.values.includes(v)) {
        fail(index, field, v, `${typeof v === 'string' ? didYouMean(v, f.values) : ''}use one of ${f.values.join(', ')}`);
      }
      return v;
    case 'boolean':
      if (typeof v !== 'boolean') fail(index, field, v, 'use true or false');
      return v;
    case 'json': {
      const depth = jsonDepth(v, JSON_FIELD_DEPTH_MAX);
      if (depth > JSON_FIELD_DEPTH_MAX) fail(index, field, v, `nest at most ${JSON_FIELD_DEPTH_MAX} levels deep (${f.description})`);
      return v;
    }
  }
}

/** Nesting depth of a JSON value (a scalar is 0), counted without recursion and without looking deeper than `limit` + 1. */
function jsonDepth(v: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, d] = stack.pop()!;
    if (x === null || typeof x !== 'object') continue;
    if (d + 1 > deepest) deepest = d + 1;
    if (deepest > limit) return deepest;
    for (const c of Object.values(x as object)) stack.push([c, d + 1]);
  }
  return deepest;
}

/** The plan as JSON for people and replay: durations written back as strings ("30s"). */
export function serializeFaultPlan(plan: FaultPlan): Record<string, unknown>[] {
  return plan.map((e) => {
    const spec = kinds.get(e.kind);
    const out: Record<string, unknown> = { at: formatDuration(e.at), kind: e.kind };
    for (const [k, v] of Object.entries(e)) {
      if (k === 'at' || k === 'kind' || k === 'for') continue;
      const f = spec?.fields[k];
      out[k] = f?.type === 'duration' && typeof v === 'number' ? formatDuration(v) : v;
    }
    if (e.for !== undefined) out.for = formatDuration(e.for);
    return out;
  });
}

/** JSON Schema (draft 2020-12) for fault plans, derived from the same kind declarations. */
export function faultPlanJsonSchema(): Record<string, unknown> {
  const duration = {
    oneOf: [
      { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?(e[+-]?\\d+)?\\s*(us|µs|ms|s|m|min|h)\\s*$' },
      { type: 'integer', minimum: 0, description: 'microseconds' },
    ],
  };
  const fieldSchema = (f: FieldSpec): Record<string, unknown> => {
    switch (f.type) {
      case 'duration':
        return { ...duration, description: f.description };
      case 'number':
        return {
          type: f.integer ? 'integer' : 'number',
          minimum: f.min,
          maximum: f.max,
          description: f.description,
        };
      case 'string':
        return { type: 'string', minLength: 1, description: f.description };
      case 'strings':
        return { type: 'array', items: { type: 'string' }, minItems: 1, description: f.description };
      case 'groups':
        return {
          type: 'array',
          minItems: 2,
          items: { type: 'array', items: { type: 'string' }, minItems: 1 },
          description: f.description,
        };
      case 'enum':
        return { enum: [...f.values], description: f.description };
      case 'boolean':
        return { type: 'boolean', description: f.description };
      case 'json':
        return { description: f.description };
    }
  };
  const entries = [...kinds.values()].map((k) => {
    const properties: Record<string, unknown> = {
      at: { ...duration, description: 'when the fault starts, from the beginning of the run' },
      kind: { const: k.kind },
      id: { type: 'string', minLength: 1, description: "a stable name for this fault: its random draws derive from it (default: kind, target and start), and no other entry may use it" },
    };
    const required = ['at', 'kind'];
    if (k.duration !== 'none') properties.for = { ...duration, description: 'how long the fault lasts' };
    if (k.duration === 'required') required.push('for');
    for (const [name, f] of Object.entries(k.fields)) {
      properties[name] = fieldSchema(f);
      if (f.required) required.push(name);
    }
    return { type: 'object', description: k.description, properties, required, additionalProperties: false };
  });
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://faultline.dev/schema/fault-plan.json',
    title: 'faultline fault plan',
    oneOf: [
      { type: 'array', items: { oneOf: entries } },
      { type: 'object', properties: { faults: { type: 'array', items: { oneOf: entries } } }, required: ['faults'] },
    ],
  };
}
