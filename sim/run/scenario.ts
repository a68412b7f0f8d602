/**
 * The scenario contract (DESIGN.md, "Scenario module"): one helper, `defineScenario`, that a
 * scenario file default-exports. It validates the definition at once, so a mistake in a user's
 * own scenario file is reported when it loads, not halfway through a sweep.
 */
import { InputError } from '../kernel/errors.ts';
import { parseDuration, type Duration } from '../kernel/time.ts';
import { checkKeys, didYouMean } from '../kernel/suggest.ts';
import { hasOwn, showValue } from '../kernel/show.ts';
import type { Budgets, Simulation } from '../kernel/sim.ts';
import type { Random, RandomStreams } from '../kernel/random.ts';
import type { Metrics } from '../observe/metrics.ts';
import type { TraceRecord, Tracer } from '../observe/trace.ts';
import type { FaultPlan, FaultPlanInput } from '../faults/plan.ts';
import type { RequestStats } from '../observe/requests.ts';
import type { Modelling } from '../app/modelling.ts';
import type { RunEnd } from '../app/run-end.ts';

/** A scenario parameter's value: a number, a boolean or an enum's string. */
export type ParamValue = number | boolean | string;

/**
 * One scenario parameter: a `number` (with optional `min`, `max`, `integer` and `unit`), a
 * `boolean` or an `enum` of `values`, each with its `default`; the CLI sets it with `--param`.
 */
export type ParamSpec =
  | {
      type: 'number';
      default: number;
      min?: number;
      max?: number;
      /** Integer-only parameters (counts, replicas). */
      integer?: boolean;
      /** Unit shown to users ("ms", "1/s", "%"); names end in their unit too (`timeoutMs`). */
      unit?: string;
      /** One line for `--help` and the playground. */
      description?: string;
    }
  | { type: 'boolean'; default: boolean; description?: string }
  | { type: 'enum'; default: string; values: readonly string[]; description?: string };

/** A scenario's parameters by name (camelCase, ending in their unit: `timeoutMs`). */
export type ParamSpecs = Record<string, ParamSpec>;

/** Resolved parameter values, typed from the specs. */
export type ParamsOf<P extends ParamSpecs> = {
  [K in keyof P]: P[K] extends { type: 'number' } ? number : P[K] extends { type: 'boolean' } ? boolean : string;
};

/** One design of a scenario to compare: its param values over the defaults, and the checks it is meant to fail. */
export interface VariantSpec<P extends ParamSpecs> {
  /** One line saying what this design does differently. */
  description?: string;
  /** Param values of this design, over the scenario's defaults. */
  params?: Partial<ParamsOf<P>>;
  /** Names of the checks this variant is meant to fail. */
  expectFail?: readonly string[];
}

/**
 * A named starting point the playground offers as a button: conventionally `healthy` (no trigger,
 * the system at rest), `trigger` (the fault that starts the trouble) and `overload` (more load
 * than the system can serve). Applying one sets its params (every other param returns to its
 * default) and, when it names one, its variant.
 */
export interface PresetSpec<P extends ParamSpecs> {
  /** One line saying what the preset shows. */
  description?: string;
  /** The variant it focuses; absent: the variant shown stays. */
  variant?: string;
  params?: Partial<ParamsOf<P>>;
}

/**
 * What `build` receives: the run's simulation, random streams, tracer, metrics and request
 * accounting, the resolved params and plan, and the modelling API bound to them (`world`,
 * `service`, `client`, `openLoop`, `retry`, `circuitBreaker`, …; see `Modelling`), so nothing
 * needs to be passed along.
 */
export interface BuildContext<P extends ParamSpecs> extends Modelling {
  readonly sim: Simulation;
  readonly random: RandomStreams;
  readonly trace: Tracer;
  readonly metrics: Metrics;
  /** Standard request accounting: feeds requests/ok/failed/availability/latency in the RunResult. */
  readonly requests: RequestStats;
  readonly params: Readonly<ParamsOf<P>>;
  readonly variant: string;
  /** The validated fault plan for this run (the scenario's default or `--faults`). */
  readonly faults: FaultPlan;
  /** Emit a trace record at the current simulated time. */
  emit(record: TraceRecord): void;
  /** @internal the run's default end (workloads report to it). */
  readonly runEnd?: RunEnd;
}

/** What `build` returns: how long to run and the scenario's own metrics. */
export interface Model {
  /**
   * Stop at this simulated time (µs). Without it the run ends by itself: when its workloads have
   * stopped and their requests finished (background timers such as health checks do not keep it
   * going), or when no events remain; `runDetailed(...).ended` says which.
   */
  untilUs?: number;
  /** Scenario-specific metrics merged into RunResult.metrics (numbers, or small objects of numbers). */
  metrics?(): Record<string, unknown>;
  /** Called once after the run loop ends, before metrics and checks (flush, settle). */
  finish?(): void;
}

/** A check's verdict: `ok`, `fail`, or `unknown` (the run cannot tell, such as too few requests). */
export type CheckStatus = 'ok' | 'fail' | 'unknown';

/** What a check returns (or `true`/`false` for ok/fail): its status, a detail for people, and when it first failed. */
export interface CheckOutcome {
  /** The verdict. */
  status: CheckStatus;
  /** One sentence for people. */
  detail?: string;
  /** When the invariant first failed, in simulated milliseconds. */
  firstFailedAtMs?: number | null;
}

/** What a check sees of a finished run: its params and variant, metrics, request accounting, fault plan, simulated time and kept trace. */
export interface CheckContext<P extends ParamSpecs> {
  /** The run's resolved params. */
  readonly params: Readonly<ParamsOf<P>>;
  /** The variant that ran. */
  readonly variant: string;
  /** RunResult.metrics as computed (standard plus the scenario's own). */
  readonly metrics: Readonly<Record<string, any>>;
  /** The run's metric registry (counters, gauges, histograms, series by name). */
  readonly registry: Metrics;
  /** The run's request accounting (for the SLO checkers). */
  readonly requests: RequestStats;
  /** The fault plan the run used (validated, durations in µs). */
  readonly faults: FaultPlan;
  /** When the run ended, simulated µs. */
  readonly simTimeUs: number;
  /** The trace records kept at the run's level (empty at level `off`). */
  readonly records: readonly TraceRecord[];
}

/** A check of a scenario: a named invariant judged on each finished run (a variant's `expectFail` may name it). */
export interface CheckSpec<P extends ParamSpecs> {
  /** kebab-case; unique in the scenario. */
  name: string;
  /** One line saying what must hold. */
  description?: string;
  /** Judge the run: an outcome, or `true` (ok) / `false` (fail). */
  check(ctx: CheckContext<P>): CheckOutcome | boolean;
}

/**
 * What `defineScenario` takes: the scenario's name, title and teaching text, its params and
 * variants (the designs compared), its default fault plan, `build` (the system, on the build
 * context), and its checks. Unknown keys are rejected with a did-you-mean.
 */
export interface ScenarioSpec<P extends ParamSpecs> {
  /** kebab-case; equals the file name. */
  name: string;
  /** One line: what the scenario shows. */
  title: string;
  /** The teaching text, Markdown: what happens, why, what fixes it, the real-world reference. */
  description: string;
  /** Its parameters (`{}` for none). */
  params: P;
  /** Named designs to compare. The first is the default. Without any, one variant "default". */
  variants?: Record<string, VariantSpec<P>>;
  /**
   * The default fault plan: data, or a function of the params and a random stream derived from the
   * run's seed (stream path "faults"), which is how nemeses such as Chaos Monkey write the faults
   * they choose into the plan, so every run can be replayed as a plain plan.
   */
  faults?: FaultPlanInput | ((params: Readonly<ParamsOf<P>>, random: Random) => FaultPlanInput);
  /** Fault kinds `faultline check` explores by default. */
  faultKinds?: readonly string[];
  /** Trace window width for the standard series (throughput, latency); default 1 s. */
  seriesWindowMs?: number;
  /** Run budgets over `DEFAULT_BUDGETS` (the CLI's `--budget` overrides them). */
  budgets?: Partial<Budgets>;
  /** Build the system on the build context; return `{ untilUs, metrics, finish }` or nothing (see `Model`). */
  build(ctx: BuildContext<P>): Model | void;
  /** The invariants judged on every run. */
  checks?: readonly CheckSpec<P>[];
  /** Metric names (keys of RunResult.metrics) to show in comparison tables; defaults to the standard set. */
  keyMetrics?: readonly string[];
  /** Named starting points for the playground (`healthy`, `trigger`, `overload`, …): params, and optionally a variant. */
  presets?: Record<string, PresetSpec<P>>;
  /**
   * Alert rules, on-call rotation, runbooks and SLO (the shape of a `--rules` file; docs/ALERTING.md),
   * or a function of the params that returns them. A run evaluates them inside the simulation;
   * `--rules FILE` replaces the top-level keys the file gives.
   */
  alerting?: Record<string, unknown> | ((params: Readonly<ParamsOf<P>>) => Record<string, unknown>);
  /**
   * What to look at: notes the playground's guided tour (and the report) shows as steps of their
   * own, each at a moment of the run and naming the nodes to watch, beside the steps made from the
   * run itself (each fault's start and end, the first check failure, the recovery). A list, or a
   * function of the params when the moments move with them (a trigger time param).
   */
  lookAt?: readonly LookAtNote[] | ((params: Readonly<ParamsOf<P>>) => readonly LookAtNote[]);
}

/** One "what to look at" note of a scenario (`ScenarioSpec.lookAt`). */
export interface LookAtNote {
  /** When: a duration from the run's start (`"4.5s"`, or integer µs). */
  at: Duration;
  /** One or two sentences for the class: what to watch, and why it matters. */
  text: string;
  /** The nodes the note is about (highlighted on the topology). */
  nodes?: readonly string[];
}

/** A `LookAtNote` resolved for one run: its time in µs. */
export interface LookAtStep {
  atUs: number;
  text: string;
  nodes: string[];
}

const LOOK_AT_KEYS: Record<keyof LookAtNote, true> = { at: true, text: true, nodes: true };

/**
 * A scenario's `lookAt` notes for a run's params, validated (an InputError names the note, the
 * field and what is valid), in time order.
 */
export function resolveLookAt<P extends ParamSpecs>(scenario: Pick<ScenarioSpec<P>, 'name' | 'lookAt'>, params: Readonly<ParamsOf<P>>): LookAtStep[] {
  const where = `scenario ${JSON.stringify(scenario.name)}: lookAt`;
  const notes = typeof scenario.lookAt === 'function' ? scenario.lookAt(params) : (scenario.lookAt ?? []);
  if (!Array.isArray(notes)) throw new InputError(`${where} must be a list of { at, text, nodes? } (or a function of the params returning one)`);
  return notes
    .map((n: LookAtNote, i: number) => {
      if (!n || typeof n !== 'object') throw new InputError(`${where}[${i}] must be { at, text, nodes? }`);
      checkKeys(`${where}[${i}]`, n, Object.keys(LOOK_AT_KEYS));
      if (typeof n.text !== 'string' || n.text.trim() === '') throw new InputError(`${where}[${i}]: text is required (a sentence saying what to look at)`);
      if (n.nodes !== undefined && !(Array.isArray(n.nodes) && n.nodes.every((x) => typeof x === 'string'))) throw new InputError(`${where}[${i}]: nodes must be a list of node names`);
      return { atUs: parseDuration(n.at, `${where}[${i}].at`), text: n.text, nodes: [...(n.nodes ?? [])] };
    })
    .sort((a, b) => a.atUs - b.atUs);
}

/** A validated scenario, as `defineScenario` returns it (a scenario file default-exports one): its spec with the variants resolved. */
export interface Scenario<P extends ParamSpecs = ParamSpecs> extends ScenarioSpec<P> {
  /** Marks a scenario (see `isScenario`). */
  readonly kind: 'faultline-scenario';
  /** Its variants (one named `default` when the spec has none). */
  readonly variants: Record<string, VariantSpec<P>>;
  /** The variant names in order; the first is the default. */
  readonly variantNames: readonly string[];
}

const NAME_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

const SCENARIO_KEYS: Record<keyof ScenarioSpec<ParamSpecs>, true> = {
  name: true,
  title: true,
  description: true,
  params: true,
  variants: true,
  faults: true,
  faultKinds: true,
  seriesWindowMs: true,
  budgets: true,
  build: true,
  checks: true,
  keyMetrics: true,
  presets: true,
  alerting: true,
  lookAt: true,
};
const VARIANT_KEYS: Record<keyof VariantSpec<ParamSpecs>, true> = { description: true, params: true, expectFail: true };
const PRESET_KEYS: Record<keyof PresetSpec<ParamSpecs>, true> = { description: true, variant: true, params: true };
const CHECK_KEYS: Record<keyof CheckSpec<ParamSpecs>, true> = { name: true, description: true, check: true };
const PARAM_KEYS: Record<ParamSpec['type'], readonly string[]> = {
  number: ['type', 'default', 'min', 'max', 'integer', 'unit', 'description'],
  boolean: ['type', 'default', 'description'],
  enum: ['type', 'default', 'values', 'description'],
};

/**
 * Define a scenario: validates the spec at once (unknown keys with a did-you-mean, kebab-case
 * names, params, variants whose `expectFail` names existing checks) and returns it with its
 * variants resolved. A scenario file default-exports the result.
 */
export function defineScenario<P extends ParamSpecs>(spec: ScenarioSpec<P>): Scenario<P> {
  const where = `scenario ${JSON.stringify(spec?.name)}`;
  if (!spec || typeof spec !== 'object') throw new InputError('defineScenario: expected a scenario object');
  checkKeys(where, spec, Object.keys(SCENARIO_KEYS));
  if (typeof spec.name !== 'string' || !NAME_RE.test(spec.name)) {
    throw new InputError(`${where}: name must be kebab-case (lowercase letters, digits and dashes)`);
  }
  if (typeof spec.title !== 'string' || spec.title.length === 0) throw new InputError(`${where}: title is required`);
  if (typeof spec.description !== 'string') throw new InputError(`${where}: description (Markdown) is required`);
  if (typeof spec.build !== 'function') throw new InputError(`${where}: build(ctx) is required`);
  for (const [key, p] of Object.entries(spec.params ?? {})) checkParamSpec(where, key, p);
  const variants: Record<string, VariantSpec<P>> =
    spec.variants && Object.keys(spec.variants).length > 0 ? spec.variants : { default: {} };
  (spec.checks ?? []).forEach((c, i) => {
    if (!c || typeof c !== 'object') throw new InputError(`${where}: checks[${i}] must be { name, description?, check(ctx) }`);
    checkKeys(`${where}: checks[${i}]${typeof c.name === 'string' ? ` (${c.name})` : ''}`, c, Object.keys(CHECK_KEYS));
    if (typeof c.name !== 'string' || c.name.length === 0) throw new InputError(`${where}: checks[${i}] needs a name`);
    if (typeof c.check !== 'function') throw new InputError(`${where}: check ${c.name} needs check(ctx), a function returning a boolean or { status, detail }`);
  });
  const checkNames = new Set((spec.checks ?? []).map((c) => c.name));
  if (checkNames.size !== (spec.checks ?? []).length) throw new InputError(`${where}: check names must be unique`);
  checkPresets(where, spec, variants);
  if (spec.lookAt !== undefined && typeof spec.lookAt !== 'function') resolveLookAt(spec, {} as never);
  for (const [vname, v] of Object.entries(variants)) {
    if (!NAME_RE.test(vname)) throw new InputError(`${where}: variant name ${JSON.stringify(vname)} must be kebab-case`);
    if (!v || typeof v !== 'object') throw new InputError(`${where}: variant ${vname} must be { description?, params?, expectFail? }`);
    checkKeys(`${where}: variant ${vname}`, v, Object.keys(VARIANT_KEYS));
    for (const c of v.expectFail ?? []) {
      if (!checkNames.has(c)) {
        throw new InputError(
          `${where}: variant ${vname} expects check ${JSON.stringify(c)} to fail, but there is no such check; checks: ${[...checkNames].join(', ') || '(none)'}`,
        );
      }
    }
    // variant params must themselves be valid
    resolveParams(spec.params, (v.params ?? {}) as Record<string, ParamValue>, `${where}, variant ${vname}`);
  }
  const scenario = {
    ...spec,
    kind: 'faultline-scenario' as const,
    variants,
    variantNames: Object.keys(variants),
  };
  // where it was defined, for replay lines printed away from the CLI (the vitest helpers);
  // not enumerable, so a copy made with `{ ...scenario }` (perhaps changed) does not claim it
  const file = callerFile();
  if (file !== null) Object.defineProperty(scenario, DEFINED_IN, { value: file });
  return Object.freeze(scenario);
}

const DEFINED_IN = Symbol('faultline.definedIn');

/** The file `defineScenario` was called from for this very scenario object, or null when unknown. */
export function scenarioDefinedIn(scenario: Scenario<any>): string | null {
  return (scenario as unknown as Record<symbol, string | undefined>)[DEFINED_IN] ?? null;
}

/** The file of defineScenario's caller (a path, from the stack), or null (a browser, an unreadable stack). */
function callerFile(): string | null {
  const frames = (new Error().stack ?? '').split('\n').slice(1);
  const own = typeof import.meta.url === 'string' ? import.meta.url : '';
  for (const frame of frames) {
    const m = /\(?((?:file:\/\/)?\/[^():]+):\d+:\d+\)?$/.exec(frame.trim());
    if (m === null) continue;
    const path = m[1]!.startsWith('file://') ? decodeURIComponent(m[1]!.slice('file://'.length)) : m[1]!;
    if (own !== '' && own.endsWith(path)) continue; // this module's own frames
    return path;
  }
  return null;
}

function checkParamSpec(where: string, key: string, p: ParamSpec): void {
  const at = `${where}: param ${key}`;
  if (!p || typeof p !== 'object') throw new InputError(`${at}: expected a param spec`);
  const known = PARAM_KEYS[p.type];
  if (known === undefined) throw new InputError(`${at}: type must be number, boolean or enum`);
  checkKeys(at, p, known);
  if (p.type === 'number') {
    if (typeof p.default !== 'number' || !Number.isFinite(p.default)) throw new InputError(`${at}: default must be a finite number`);
    if (p.min !== undefined && p.default < p.min) throw new InputError(`${at}: default ${p.default} is below min ${p.min}`);
    if (p.max !== undefined && p.default > p.max) throw new InputError(`${at}: default ${p.default} is above max ${p.max}`);
  } else if (p.type === 'enum') {
    if (!Array.isArray(p.values) || p.values.length === 0 || !p.values.every((v) => typeof v === 'string' && v.length > 0)) {
      throw new InputError(`${at}: an enum param needs values, a non-empty array of strings such as ['a', 'b']`);
    }
    if (typeof p.default !== 'string' || !p.values.includes(p.default)) throw new InputError(`${at}: default ${p.default} is not one of ${p.values.join(', ')}`);
  } else if (p.type !== 'boolean') {
    throw new InputError(`${at}: type must be number, boolean or enum`);
  }
}

/** True for a value `defineScenario` returned. */
export function isScenario(x: unknown): x is Scenario {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'faultline-scenario';
}

/** A scenario's presets: kebab-case names, known keys, an existing variant, valid params. */
function checkPresets<P extends ParamSpecs>(where: string, spec: ScenarioSpec<P>, variants: Record<string, VariantSpec<P>>): void {
  if (spec.presets !== undefined && (spec.presets === null || typeof spec.presets !== 'object')) throw new InputError(`${where}: presets must be { name: { description?, variant?, params? } }`);
  for (const [pname, pr] of Object.entries(spec.presets ?? {})) {
    if (!NAME_RE.test(pname)) throw new InputError(`${where}: preset name ${JSON.stringify(pname)} must be kebab-case`);
    if (!pr || typeof pr !== 'object') throw new InputError(`${where}: preset ${pname} must be { description?, variant?, params? }`);
    checkKeys(`${where}: preset ${pname}`, pr, Object.keys(PRESET_KEYS));
    if (pr.variant !== undefined && !hasOwn(variants, pr.variant)) {
      throw new InputError(`${where}: preset ${pname} names variant ${showValue(pr.variant)}, which does not exist; variants: ${Object.keys(variants).join(', ')}`);
    }
    resolveParams(spec.params, (pr.params ?? {}) as Record<string, ParamValue>, `${where}, preset ${pname}`);
  }
}

/** Describe a param's valid values, for error messages and `--help`. */
export function describeParam(p: ParamSpec): string {
  switch (p.type) {
    case 'number': {
      const kind = p.integer ? 'an integer' : 'a number';
      const lo = p.min !== undefined ? `${p.min}` : '-∞';
      const hi = p.max !== undefined ? `${p.max}` : '∞';
      return `${kind} in [${lo}, ${hi}]${p.unit ? ` ${p.unit}` : ''}`;
    }
    case 'boolean':
      return 'true or false';
    case 'enum':
      return `one of ${p.values.join(', ')}`;
  }
}

/** A decimal number as people write it: "12", "-0.5", "1e3"; not "0x10", "Infinity" or "". */
const DECIMAL_RE = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/** Parse a CLI string into a param value of the right type. */
export function parseParamValue(key: string, spec: ParamSpec, raw: string): ParamValue {
  switch (spec.type) {
    case 'number': {
      const t = raw.trim();
      // decimal only: Number() would also read "0x10", "0b1", "Infinity" and "" (as 0)
      const n = DECIMAL_RE.test(t) ? Number(t) : NaN;
      if (!Number.isFinite(n)) {
        throw new InputError(`param ${key}: ${showValue(raw)} is not a number (decimal only); valid: ${describeParam(spec)}`);
      }
      return n;
    }
    case 'boolean':
      if (raw === 'true') return true;
      if (raw === 'false') return false;
      throw new InputError(`param ${key}: ${showValue(raw)} is not a boolean; valid: true or false`);
    case 'enum':
      if (!spec.values.includes(raw)) {
        throw new InputError(`param ${key}: ${showValue(raw)} is not a valid choice;${didYouMean(raw.slice(0, 64), spec.values)} valid: ${describeParam(spec)}`);
      }
      return raw;
  }
}

/** Merge overrides onto defaults and validate every value; errors list what is valid. */
export function resolveParams<P extends ParamSpecs>(
  specs: P,
  overrides: Record<string, ParamValue | undefined>,
  where = 'params',
): ParamsOf<P> {
  const out: Record<string, ParamValue> = {};
  for (const key of Object.keys(overrides)) {
    if (!hasOwn(specs, key)) {
      const valid = Object.keys(specs);
      throw new InputError(
        `${where}: unknown param ${showValue(key)};${didYouMean(key.slice(0, 64), valid)} valid params: ${valid.length ? valid.join(', ') : '(none)'}`,
      );
    }
  }
  for (const [key, spec] of Object.entries(specs)) {
    const v = (hasOwn(overrides, key) ? overrides[key] : undefined) ?? spec.default;
    out[key] = validateParam(key, spec, v, where);
  }
  return out as ParamsOf<P>;
}

function validateParam(key: string, spec: ParamSpec, v: unknown, where: string): ParamValue {
  const bad = (why: string): never => {
    throw new InputError(`${where}: param ${key}=${showValue(v)} ${why}; valid: ${describeParam(spec)}`);
  };
  switch (spec.type) {
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v)) bad('is not a finite number');
      if (spec.integer && !Number.isInteger(v)) bad('is not an integer');
      if (spec.min !== undefined && (v as number) < spec.min) bad('is below the minimum');
      if (spec.max !== undefined && (v as number) > spec.max) bad('is above the maximum');
      return v as number;
    case 'boolean':
      if (typeof v !== 'boolean') bad('is not a boolean');
      return v as boolean;
    case 'enum':
      if (typeof v !== 'string' || !spec.values.includes(v)) bad('is not a valid choice');
      return v as string;
  }
}
