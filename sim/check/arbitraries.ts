/**
 * fast-check arbitraries for fault plans, run seeds and scenario parameters.
 *
 * `faultPlan` derives each entry's shape from the fault kind's declaration (`faultKindSpec`), so
 * a kind added to the registry is generated without code here. Entries are built so that
 * fast-check's own shrinkers move toward smaller counterexamples:
 *   - fewer faults: the plan is an array, which shrinks by dropping entries;
 *   - shorter faults: `for` is an integer that shrinks toward `durationMin`;
 *   - later faults: the start is written as a gap before the horizon (`at = horizon − gap − for`),
 *     and the gap shrinks toward 0, so a shrunk fault ends at the horizon;
 *   - milder faults: optional fields shrink toward absent (the kind's default), numbers toward
 *     their minimum, enums toward their first value.
 * Times are generated on a grid (`resolution`, 1 ms by default) so shrunk plans read well.
 */
import fc from 'fast-check';
import { InputError } from '../kernel/errors.ts';
import { parseDuration, type Duration } from '../kernel/time.ts';
import { faultKindSpec, faultKinds, parseFaultPlan, type FaultEntry, type FieldSpec } from '../faults/plan.ts';
import type { ParamSpec, ParamValue, Scenario } from '../run/scenario.ts';

/** Names a plan may aim faults at, by kind of thing. */
export interface FaultTargets {
  nodes?: readonly string[];
  links?: readonly string[];
  disks?: readonly string[];
  zones?: readonly string[];
  racks?: readonly string[];
  /**
   * Overrides for fields the pools above do not describe, by kind then field:
   * `{ 'clock-skew': { target: ['db-1'] } }`.
   */
  byKind?: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
}

/** The kinds of thing a fault field may aim at: which list of `FaultTargets` it draws names from. */
export type TargetPool = 'nodes' | 'links' | 'disks' | 'zones' | 'racks';
const POOLS: readonly TargetPool[] = ['nodes', 'links', 'disks', 'zones', 'racks'];

/**
 * The options of `faultPlan`: the fault kinds to draw, the names they may aim at, the horizon
 * every fault lies within, and bounds on how many faults and how long, on a time grid.
 */
export interface FaultPlanOptions {
  /** Fault kinds to draw from (registered kinds; see `faultKinds()`). */
  kinds: readonly string[];
  /** Names each kind's target fields draw from. */
  targets: FaultTargets;
  /** Every generated fault starts and ends within [0, horizon]. */
  horizon: Duration;
  /** At most this many entries (default 3). */
  maxFaults?: number;
  /** At least this many entries (default 0: the empty plan is the smallest one). */
  minFaults?: number;
  /** Shortest `for` (default: one resolution step). */
  durationMin?: Duration;
  /** Longest `for` (default: the horizon). */
  durationMax?: Duration;
  /** Time grid for `at` and `for` (default "1ms"). */
  resolution?: Duration;
  /** Explore optional fields (shrinking toward omitting them), or always omit them. Default true. */
  optionalFields?: boolean;
  /**
   * How hard each kind's faults may hit, in (0, 1] (default 1): a kind's number fields draw from
   * the lowest part of their range (`min + intensity · (max − min)`), its duration fields and its
   * `for` up to that share of their longest. Swarm testing draws one per kind and run.
   */
  intensities?: Readonly<Record<string, number>>;
}

/** Which pool a kind's field draws names from, or undefined when the field is not a target. */
export function targetPoolOf(kind: string, field: string, spec: FieldSpec): TargetPool | undefined {
  // a declaration may name its pool explicitly (`targets: 'link'` or `'links'`)
  const declared = (spec as { targets?: unknown; target?: unknown }).targets ?? (spec as { target?: unknown }).target;
  if (typeof declared === 'string') {
    const plural = (declared.endsWith('s') ? declared : `${declared}s`) as TargetPool;
    if (POOLS.includes(plural)) return plural;
  }
  if (spec.type === 'groups') return 'nodes';
  if (spec.type !== 'string' && spec.type !== 'strings') return undefined;
  const f = field.toLowerCase();
  for (const p of POOLS) if (f === p || f === p.slice(0, -1)) return p;
  if (['from', 'to', 'source', 'destination', 'peer', 'peers', 'members', 'replica', 'replicas'].includes(f)) return 'nodes';
  if (f !== 'target' && f !== 'targets') return undefined;
  if (kind.startsWith('link')) return 'links';
  if (kind.startsWith('disk')) return 'disks';
  if (kind.includes('zone')) return 'zones';
  if (kind.includes('rack')) return 'racks';
  // last, the first words of the field's own description ("link to slow, as a->b", "disk name")
  for (const p of ['links', 'disks', 'zones', 'racks'] as const) {
    if (new RegExp(`^(the |a )?${p.slice(0, -1)}s?\\b`, 'i').test(spec.description)) return p;
  }
  return 'nodes';
}

function poolFor(targets: FaultTargets, kind: string, field: string, spec: FieldSpec): readonly string[] | undefined {
  const override = targets.byKind?.[kind]?.[field];
  if (override) return override;
  const pool = targetPoolOf(kind, field, spec);
  return pool ? (targets[pool] ?? []) : undefined;
}

/** Sort entries by start, as the plan validator does (stable). */
function byStart(a: FaultEntry, b: FaultEntry): number {
  return a.at - b.at;
}

/** One field's arbitrary, or `null` when it cannot be generated (no example, unknown meaning). */
function fieldArbitrary(
  kind: string,
  field: string,
  spec: FieldSpec,
  example: unknown,
  targets: FaultTargets,
  gridUs: number,
  horizonUs: number,
  intensity = 1,
): fc.Arbitrary<unknown> | null {
  const pool = poolFor(targets, kind, field, spec);
  if (pool !== undefined) {
    if (pool.length === 0) return null;
    if (spec.type === 'strings') return fc.subarray([...pool], { minLength: 1 });
    if (spec.type === 'groups') {
      if (pool.length < 2) return null;
      // each node is assigned a side; shrinking moves every node to side 0, and the fix-up then
      // isolates the last node: the smallest partition there is
      const sides = Math.min(3, pool.length);
      return fc.array(fc.integer({ min: 0, max: sides - 1 }), { minLength: pool.length, maxLength: pool.length }).map((assign) => {
        const groups: string[][] = Array.from({ length: sides }, () => []);
        assign.forEach((s, i) => groups[s]!.push(pool[i]!));
        const nonEmpty = groups.filter((g) => g.length > 0);
        if (nonEmpty.length >= 2) return nonEmpty;
        const all = nonEmpty[0]!;
        return [all.slice(0, -1), all.slice(-1)];
      });
    }
    return fc.constantFrom(...pool);
  }
  switch (spec.type) {
    case 'duration': {
      // around the example's magnitude when there is one, else up to half the horizon
      const exUs = typeof example === 'string' || typeof example === 'number' ? safeDuration(example) : undefined;
      let maxUs = exUs !== undefined && exUs > 0 ? Math.min(10 * exUs, Math.max(horizonUs, exUs)) : Math.max(gridUs, horizonUs / 2);
      if (intensity < 1) maxUs *= intensity;
      const steps = Math.max(1, Math.floor(maxUs / gridUs));
      return fc.integer({ min: 1, max: steps }).map((n) => n * gridUs);
    }
    case 'number': {
      const ex = typeof example === 'number' && Number.isFinite(example) ? example : undefined;
      const min = spec.explore?.[0] ?? spec.min ?? Math.min(0, ex ?? 0);
      let max = spec.explore?.[1] ?? spec.max ?? Math.max(min + 1, ex !== undefined ? 10 * Math.abs(ex) : min + 100);
      if (!Number.isFinite(max)) max = min + 100;
      if (intensity < 1) max = min + (max - min) * intensity;
      if (spec.integer) return fc.integer({ min: Math.ceil(min), max: Math.max(Math.ceil(min), Math.floor(max)) });
      return fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).map((x) => Math.min(max, Math.max(min, x)));
    }
    case 'enum':
      return fc.constantFrom(...spec.values);
    case 'boolean':
      return fc.boolean();
    case 'string':
    case 'strings':
    case 'groups':
    case 'json':
      // meaning unknown to a generic generator: the declared example is valid by construction
      return example !== undefined ? fc.constant(example) : null;
  }
}

function safeDuration(v: string | number): number | undefined {
  try {
    return parseDuration(v);
  } catch {
    return undefined;
  }
}

function isValidEntry(entry: Record<string, unknown>): boolean {
  try {
    parseFaultPlan([entry]);
    return true;
  } catch {
    return false;
  }
}

/**
 * The arbitrary for one kind's entries. Throws InputError when the kind is unknown or a required
 * field cannot be generated from the given targets.
 */
export function faultEntry(
  kind: string,
  options: Omit<FaultPlanOptions, 'kinds' | 'maxFaults' | 'minFaults'>,
): fc.Arbitrary<FaultEntry> {
  const spec = faultKindSpec(kind);
  if (!spec) throw new InputError(`faultPlan: unknown fault kind ${JSON.stringify(kind)}; registered kinds: ${faultKinds().join(', ') || '(none)'}`);
  const horizonUs = parseDuration(options.horizon, 'faultPlan horizon');
  const gridUs = options.resolution === undefined ? 1000 : parseDuration(options.resolution, 'faultPlan resolution');
  if (!(gridUs >= 1)) throw new InputError('faultPlan: resolution must be at least 1us');
  const H = Math.floor(horizonUs / gridUs);
  if (H < 1) throw new InputError(`faultPlan: horizon ${String(options.horizon)} is shorter than the resolution`);
  const dMin = Math.max(1, Math.round((options.durationMin === undefined ? gridUs : parseDuration(options.durationMin, 'faultPlan durationMin')) / gridUs));
  const dMax = Math.min(H, Math.round((options.durationMax === undefined ? horizonUs : parseDuration(options.durationMax, 'faultPlan durationMax')) / gridUs));
  if (spec.duration !== 'none' && dMin > dMax) {
    throw new InputError(`faultPlan: durationMin is longer than durationMax or the horizon (${String(options.horizon)})`);
  }
  const explore = options.optionalFields ?? true;
  const intensity = options.intensities?.[kind] ?? 1;
  if (!(intensity > 0 && intensity <= 1)) throw new InputError(`faultPlan: intensity ${intensity} of kind ${kind} is not valid; use a number in (0, 1]`);
  const dTop = intensity < 1 ? Math.max(dMin, Math.floor(dMax * intensity)) : dMax;

  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, f] of Object.entries(spec.fields)) {
    const arb = fieldArbitrary(kind, name, f, spec.example[name], options.targets, gridUs, horizonUs, intensity);
    if (arb === null) {
      if (f.required) {
        const pool = targetPoolOf(kind, name, f);
        throw new InputError(
          pool
            ? `faultPlan: kind ${kind} needs ${name} from ${pool}, but there are no ${pool} to aim at (the world has none, or the targets given name none; API: targets.${pool} or targets.byKind[${JSON.stringify(kind)}].${name})`
            : `faultPlan: kind ${kind} field ${name} (${f.type}) cannot be generated; give targets.byKind[${JSON.stringify(kind)}].${name} or an example in the kind's declaration`,
        );
      }
      continue;
    }
    fields[name] = f.required ? arb : explore ? fc.option(arb, { nil: undefined, freq: 2 }) : fc.constant(undefined);
  }
  const timing: fc.Arbitrary<{ at: number; for?: number }> =
    spec.duration === 'none'
      ? fc.integer({ min: 0, max: H }).map((gap) => ({ at: (H - gap) * gridUs }))
      : fc
          .tuple(fc.integer({ min: dMin, max: dTop }), fc.integer({ min: 0, max: H - dMin }))
          .map(([d, gap]) => {
            const g = Math.min(gap, H - d);
            return { at: (H - g - d) * gridUs, for: d * gridUs };
          });
  return fc.tuple(timing, fc.record(fields)).map(([t, values]) => {
    const entry: FaultEntry = { at: t.at, kind };
    for (const [k, v] of Object.entries(values)) if (v !== undefined) entry[k] = v;
    if (t.for !== undefined) entry.for = t.for;
    return entry;
  });
}

/**
 * Fault plans over the given kinds and targets, valid by construction (each entry passes
 * `parseFaultPlan`; an entry a kind's own cross-field rule rejects is dropped), sorted by start.
 * Times are integer microseconds, which `parseFaultPlan` accepts as they are.
 */
export function faultPlan(options: FaultPlanOptions): fc.Arbitrary<FaultEntry[]> {
  const maxFaults = options.maxFaults ?? 3;
  const minFaults = options.minFaults ?? 0;
  if (!(Number.isInteger(maxFaults) && maxFaults >= 0 && maxFaults <= 100)) {
    throw new InputError(`faultPlan: maxFaults=${maxFaults} is not valid; use an integer from 0 to 100`);
  }
  if (!(Number.isInteger(minFaults) && minFaults >= 0 && minFaults <= maxFaults)) {
    throw new InputError(`faultPlan: minFaults=${minFaults} is not valid; use an integer from 0 to maxFaults (${maxFaults})`);
  }
  if (options.kinds.length === 0) throw new InputError(`faultPlan: no fault kinds given; registered kinds: ${faultKinds().join(', ') || '(none)'}`);
  const entries = options.kinds.map((k) => faultEntry(k, options));
  const entry = entries.length === 1 ? entries[0]! : fc.oneof(...entries);
  return fc
    .array(entry, { minLength: minFaults, maxLength: maxFaults, size: 'max' })
    .map((list) => list.filter((e) => isValidEntry(e)).sort(byStart));
}

/** Root seeds for runs: any uint32. Not shrunk: a smaller seed is not a simpler run. */
export function runSeed(): fc.Arbitrary<number> {
  return fc.noShrink(fc.integer({ min: 0, max: 0xffffffff }));
}

/** The params of a scenario a search may vary: booleans, enums, and numbers with both a min and a max. */
export function searchableParams(scenario: Scenario<any>): string[] {
  return Object.entries(scenario.params as Record<string, ParamSpec>)
    .filter(([, p]) => p.type !== 'number' || (Number.isFinite(p.min) && Number.isFinite(p.max)))
    .map(([k]) => k);
}

/**
 * Throws an InputError naming the searchable params when one of `names` is not a param of the
 * scenario or has no declared range to search within; `where` starts the message ("--search-params").
 */
export function checkSearchParams(scenario: Scenario<any>, names: readonly string[], where: string): void {
  const specs = scenario.params as Record<string, ParamSpec>;
  const valid = searchableParams(scenario);
  const list = `searchable params of ${scenario.name}: ${valid.join(', ') || '(none)'}`;
  for (const name of names) {
    const p = Object.hasOwn(specs, name) ? specs[name] : undefined;
    const shown = JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);
    if (p === undefined) throw new InputError(`${where}: scenario ${scenario.name} has no param ${shown}; ${list}`);
    if (!valid.includes(name)) throw new InputError(`${where}: param ${name} declares no range (min and max) to search within; ${list}`);
  }
  if (new Set(names).size !== names.length) throw new InputError(`${where}: a param is named twice; ${list}`);
}

/**
 * Scenario parameter overrides within their declared ranges. Only `names` are explored (default:
 * every boolean and enum param and every number param with both a min and a max); each shrinks
 * toward the variant's value (its default unless the variant sets it). Returns only the explored
 * names, ready for `run(..., { params })`.
 */
export function scenarioParams(
  scenario: Scenario<any>,
  options: { variant?: string; names?: readonly string[] } = {},
): fc.Arbitrary<Record<string, ParamValue>> {
  const specs = scenario.params as Record<string, ParamSpec>;
  const variant = options.variant ?? scenario.variantNames[0]!;
  const vparams = (scenario.variants[variant]?.params ?? {}) as Record<string, ParamValue>;
  const names = options.names ?? searchableParams(scenario);
  checkSearchParams(scenario, names, 'scenarioParams');
  const arbs: Record<string, fc.Arbitrary<ParamValue>> = {};
  for (const name of names) {
    const p = specs[name]!;
    const base = vparams[name] ?? p.default;
    if (p.type === 'number') {
      const lo = p.min!;
      const hi = p.max!;
      const b = base as number;
      arbs[name] = p.integer
        ? fc.integer({ min: Math.ceil(lo) - b, max: Math.floor(hi) - b }).map((d) => b + d)
        : fc.double({ min: lo - b, max: hi - b, noNaN: true, noDefaultInfinity: true }).map((d) => Math.min(hi, Math.max(lo, b + d)));
    } else if (p.type === 'boolean') {
      arbs[name] = fc.boolean().map((flip) => (flip ? !base : (base as boolean)));
    } else {
      arbs[name] = fc.constantFrom(base as string, ...p.values.filter((v) => v !== base));
    }
  }
  return fc.record(arbs);
}
