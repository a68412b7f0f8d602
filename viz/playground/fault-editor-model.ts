/**
 * The fault editor's pure parts (no DOM, so Node tests can use them): which kinds the picker
 * offers, the entry a click on a node's lane makes, where an entry sits on the timeline, moving
 * and resizing it, reading a form's text back into the JSON a plan holds, and checking a plan
 * with the very validator `faultline run --faults` uses (`parseFaultPlan`).
 *
 * Entries are kept as written in a plan file (durations as strings such as "12.5s"), sorted by
 * `at`, so a plan entry's index is the same in the editor, the run's fault ribbon and the
 * downloaded file.
 */
import { faultKindSpec, faultKinds, parseFaultPlan, type FaultKindSpec, type FieldSpec } from '../../sim/faults/plan.ts';
import '../../sim/faults/register.ts';
import { formatDuration, parseDuration } from '../../sim/kernel/time.ts';

export type Entry = Record<string, unknown>;

/** The kinds a picker offers: those the scenario declares first (in its order), then every other registered kind. */
export function kindChoices(declared: readonly string[] | undefined): { declared: string[]; other: string[] } {
  const all = faultKinds();
  const mine = (declared ?? []).filter((k) => all.includes(k));
  return { declared: mine, other: all.filter((k) => !mine.includes(k)) };
}

export function kindSpec(kind: string): FaultKindSpec | undefined {
  return faultKindSpec(kind);
}

/** The validator's one-line message for a plan, or undefined when `--faults` would accept it. */
export function planError(plan: readonly Entry[]): string | undefined {
  try {
    parseFaultPlan(plan);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** The entry index and field a validator message names (`fault plan entry 2: for="-1s" is not valid; …`). */
export function errorPlace(message: string): { index?: number; field?: string } {
  const m = /^fault plan entry (\d+)(?: \([^)]*\))?: ([A-Za-z_][\w-]*)(?:\[\d+\])*=/.exec(message);
  if (m) return { index: Number(m[1]), field: m[2] };
  const i = /^fault plan entry (\d+)/.exec(message);
  return i ? { index: Number(i[1]) } : {};
}

/** A duration as a plan writes it (`"250ms"`, `12.5s`) in microseconds, or NaN when it is not one. */
export function durationUs(v: unknown): number {
  if (typeof v !== 'string' && typeof v !== 'number') return NaN;
  try {
    return parseDuration(v);
  } catch {
    return NaN;
  }
}

/** A round step near `us`: 1, 2 or 5 times a power of ten microseconds, at least 1 ms. */
export function niceStep(us: number): number {
  const target = Math.max(1_000, us);
  const p = 10 ** Math.floor(Math.log10(target));
  for (const m of [1, 2, 5, 10]) if (m * p >= target) return m * p;
  return 10 * p;
}

/** The 1, 2 or 5 times a power of ten nearest to `us` (on a log scale). */
export function niceRound(us: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(1, us)));
  let best = p;
  for (const m of [1, 2, 5, 10]) if (Math.abs(Math.log(m * p / us)) < Math.abs(Math.log(best / us))) best = m * p;
  return best;
}

export function snap(us: number, step: number): number {
  return Math.max(0, Math.round(us / step) * step);
}

/** The fields that name nodes: a click on a lane fills them with the lane's node. */
const NODE_FIELDS = new Set(['target', 'from', 'to', 'nodes', 'groups']);

/**
 * The entry a click on `node`'s lane at `atUs` makes: the kind's example entry with its start at
 * the click, its node fields naming the lane's node (a partition isolates the node; a link fault
 * starts from it, towards every node), and a duration of about an eighth of the run.
 */
export function newEntry(kind: string, node: string, atUs: number, spanUs: number): Entry {
  const spec = faultKindSpec(kind);
  if (!spec) throw new Error(`unknown fault kind ${kind}`);
  const out: Entry = { at: formatDuration(Math.max(0, Math.round(atUs))), kind };
  for (const [name, value] of Object.entries(spec.example)) {
    if (name === 'at' || name === 'kind' || name === 'for' || name === 'id' || NODE_FIELDS.has(name) || name === 'mode') continue;
    if (Object.prototype.hasOwnProperty.call(spec.fields, name)) out[name] = value;
  }
  const f = spec.fields;
  if (kind === 'partition' || (f.groups && f.target && f.mode)) {
    out.mode = 'isolate';
    out.target = node;
  } else if (f.target) out.target = node;
  else if (f.from) {
    out.from = node;
    if (f.to) out.to = '*';
  } else if (f.nodes) out.nodes = [node];
  for (const [name, field] of Object.entries(f)) {
    if (field.required && out[name] === undefined && spec.example[name] !== undefined) out[name] = spec.example[name];
  }
  if (spec.duration !== 'none') out.for = formatDuration(niceRound(Math.max(1_000_000, spanUs / 8)));
  return out;
}

/** The nodes an entry names (target, from, nodes, groups), in that order, without selectors. */
export function entryNodes(e: Entry): string[] {
  const out: string[] = [];
  const add = (v: unknown): void => {
    if (typeof v === 'string' && !out.includes(v)) out.push(v);
  };
  add(e.target);
  add(e.from);
  add(e.to);
  if (Array.isArray(e.nodes)) e.nodes.forEach(add);
  if (Array.isArray(e.groups)) for (const g of e.groups) if (Array.isArray(g)) g.forEach(add);
  return out;
}

/** The lane an entry is drawn on: the first node it names that has a lane, else none (drawn across every lane). */
export function entryLane(e: Entry, lanes: readonly string[]): string | undefined {
  return entryNodes(e).find((n) => lanes.includes(n));
}

/**
 * Where an entry sits: its start, and its end (`at + for`), or `null` for an entry without a
 * duration (an instant kind, or one that lasts to the end of the run: `open`).
 */
export function entrySpan(e: Entry): { startUs: number; endUs: number | null; open: boolean } {
  const startUs = durationUs(e.at);
  const spec = typeof e.kind === 'string' ? faultKindSpec(e.kind) : undefined;
  if (e.for !== undefined) return { startUs, endUs: startUs + durationUs(e.for), open: false };
  return { startUs, endUs: null, open: spec?.duration !== 'none' };
}

/** The entry moved to start at `atUs` (its duration kept). */
export function moved(e: Entry, atUs: number): Entry {
  return { ...e, at: formatDuration(Math.max(0, Math.round(atUs))) };
}

/** The entry with a new start and end (`endUs` null: keep it without a duration). */
export function resized(e: Entry, startUs: number, endUs: number | null): Entry {
  const s = Math.max(0, Math.round(startUs));
  const out: Entry = { ...e, at: formatDuration(s) };
  if (endUs !== null) out.for = formatDuration(Math.max(0, Math.round(endUs) - s));
  return reorder(out);
}

/** Keys in the order a person writes them: at, kind, the fields, for. */
function reorder(e: Entry): Entry {
  const { at, kind, for: dur, ...rest } = e;
  return { at, kind, ...rest, ...(dur !== undefined ? { for: dur } : {}) };
}

/** The plan sorted by start (stable), as the simulator orders it; `keep` is followed to its new index. */
export function sortPlan(plan: readonly Entry[], keep?: Entry): { plan: Entry[]; index: number | null } {
  const order = plan.map((e, i) => [e, i, durationUs(e.at)] as const).sort((a, b) => (Number.isNaN(a[2]) || Number.isNaN(b[2]) ? a[1] - b[1] : a[2] - b[2] || a[1] - b[1]));
  const sorted = order.map(([e]) => e);
  const index = keep ? sorted.indexOf(keep) : -1;
  return { plan: sorted, index: index >= 0 ? index : null };
}

/** One line naming an entry: `crash · backend · 3s → 5s`. */
export function entryLabel(e: Entry): string {
  const nodes = entryNodes(e);
  const where = nodes.length > 0 ? nodes.slice(0, 2).join(', ') + (nodes.length > 2 ? '…' : '') : typeof e.zone === 'string' ? `zone ${e.zone}` : typeof e.rack === 'string' ? `rack ${e.rack}` : '';
  const when = e.for !== undefined ? `${String(e.at)} for ${String(e.for)}` : `at ${String(e.at)}`;
  return [String(e.kind), where, when].filter(Boolean).join(' · ');
}

// ------------------------------------------------------------------ the form

/** What a form field shows for a value the entry holds (empty: not given). */
export function fieldText(f: FieldSpec | { type: 'duration' }, v: unknown): string {
  if (v === undefined) return '';
  switch (f.type) {
    case 'strings':
      return Array.isArray(v) ? v.join(', ') : String(v);
    case 'groups':
      return Array.isArray(v) ? v.map((g) => (Array.isArray(g) ? g.join(', ') : String(g))).join(' | ') : String(v);
    case 'json':
      return JSON.stringify(v);
    default:
      return typeof v === 'string' ? v : JSON.stringify(v);
  }
}

/**
 * What a form field's text puts in the entry: undefined for an empty field (not given), else the
 * JSON value the field's type takes. Text that is not of that type is kept as text, so the
 * validator names it ("use a finite number") rather than the form guessing.
 */
export function fieldValue(f: FieldSpec | { type: 'duration' }, text: string): unknown {
  const t = text.trim();
  if (t === '') return undefined;
  switch (f.type) {
    case 'number':
      return /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t) ? Number(t) : t;
    case 'boolean':
      return t === 'true' ? true : t === 'false' ? false : t;
    case 'strings':
      return t.split(',').map((s) => s.trim()).filter(Boolean);
    case 'groups':
      return t.split('|').map((g) => g.split(',').map((s) => s.trim()).filter(Boolean));
    case 'json':
      try {
        return JSON.parse(t);
      } catch {
        return t;
      }
    default:
      return t;
  }
}

/** The entry with one field set from the form (`undefined` removes it), keys kept in writing order. */
export function withField(e: Entry, name: string, value: unknown): Entry {
  const out: Entry = { ...e };
  if (value === undefined) delete out[name];
  else out[name] = value;
  return reorder(out);
}
