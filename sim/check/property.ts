/**
 * The property runner: "this scenario's invariants hold under any fault plan of these kinds".
 *
 * `checkScenario` asks fast-check for (fault plan, run seed[, params]) triples, runs the scenario
 * on each, and judges the chosen invariants. It returns either evidence (runs, and which fault
 * kinds hit which targets) or the violation, shrunk by fast-check to a minimal plan, re-run to
 * confirm that it still fails the same way, with the command that replays it.
 *
 * Choices, and why:
 *   - Shrinking is locked to the first violated invariant: a smaller plan that breaks something
 *     else is a different bug, and "slipping" to it would hide the one found.
 *   - The run seed is generated but never shrunk (a smaller seed is not a simpler run); the plan
 *     shrinks toward fewer, shorter, later faults (see arbitraries.ts).
 *   - Shrinking has a bound (`shrinkRunsMax` runs); past it the smallest plan found so far is
 *     reported, so shrinking always ends.
 *   - A run that throws (a model assertion) or exceeds a budget is a violation (`run-error`,
 *     `budget`); a plan the scenario rejects as input (InputError) is skipped as a precondition
 *     failure and counted, and when every plan is rejected (an unknown target, say) the search
 *     stops with that error, since no plan can pass or fail on bad input.
 *   - Liveness mode (TigerBeetle's VOPR): faults happen before the horizon; at the horizon a `heal`
 *     entry ends them all; the `liveness` invariant then requires the SLO to hold again within a
 *     stated time (and, optionally, a convergence predicate of the scenario's own).
 *   - Deterministic by default: the fast-check seed is 1 unless given; the same options give the
 *     same report, byte for byte.
 */
import fc from 'fast-check';
import { BudgetExceededError, InputError } from '../kernel/errors.ts';
import { DeterminismError } from '../run/guard.ts';
import { formatDuration, parseDuration, type Duration } from '../kernel/time.ts';
import { RandomStreams, type Random, type Seed } from '../kernel/random.ts';
import type { Budgets } from '../kernel/sim.ts';
import type { TraceLevel, TraceRecord } from '../observe/trace.ts';
import { faultKindSpec, faultKinds, parseFaultPlan, serializeFaultPlan, type FaultEntry } from '../faults/plan.ts';
import { replayCommand, runDetailed, type RunArtifacts, type WorldInventory } from '../run/runner.ts';
import { commandLine, scenarioWord } from '../run/replay-line.ts';
import type { CheckOutcome, ParamValue, Scenario } from '../run/scenario.ts';
import { faultPlan, runSeed, scenarioParams, type FaultTargets } from './arbitraries.ts';
import { checkRecovery, type SloSpec } from './slo.ts';

/** An invariant of your own, judged on a finished run. */
export interface Invariant {
  name: string;
  description?: string;
  check(run: RunArtifacts): CheckOutcome | boolean;
}

/**
 * The fault plans `checkScenario` explores: the kinds (default: the scenario's `faultKinds`), what
 * they aim at (default: everything in the scenario's world), the horizon, and bounds on the
 * number and length of faults (as in `FaultPlanOptions`).
 */
export interface FaultSpace {
  /** Fault kinds to explore; default: the kinds the scenario declares (`faultKinds`). */
  kinds?: readonly string[];
  /** Names to aim faults at; default: everything the scenario's world has (from a fault-free run). */
  targets?: FaultTargets;
  /**
   * Aim faults only at these: node, disk, zone, rack or service names of the scenario's world (a
   * service stands for the nodes of its replicas). A name the world lacks is an input error that
   * lists the valid ones. Ignored when `targets` is given.
   */
  only?: readonly string[];
  /** Faults start and end within [0, horizon]; default 80% of a fault-free run (50% in liveness mode). */
  horizon?: Duration;
  /** At most this many faults per plan (default 3). */
  maxFaults?: number;
  /** Shortest `for` (default: one `resolution` step). */
  durationMin?: Duration;
  /** Longest `for` (default: the horizon). */
  durationMax?: Duration;
  /** Time grid for `at` and `for` (default "1ms"). */
  resolution?: Duration;
}

/**
 * Liveness mode of `checkScenario` (TigerBeetle's VOPR): faults happen before the horizon, a
 * `heal` at the horizon ends them all, and the `liveness` invariant requires the SLO to hold
 * again within `within` (and, optionally, the scenario's own convergence predicate).
 */
export interface LivenessOptions {
  /** The kind appended at the horizon to heal everything; default `heal` when registered, else none. */
  healKind?: string | null;
  /** How long after healing the SLO must hold again; default half the time left after healing. */
  within?: Duration;
  /** The SLO that must hold again; default `{ availabilityMin: 0.99 }`. */
  slo?: SloSpec;
  /** A convergence predicate of the scenario's own (replicas agree, queues drained). */
  converged?(run: RunArtifacts, healedAtUs: number): CheckOutcome | boolean;
}

/** What `CheckScenarioOptions.onProgress` is told as a search goes on. */
export interface CheckProgress {
  /** Exploring plans, shrinking a violation, or confirming the shrunk plan. */
  phase: 'explore' | 'shrink' | 'confirm';
  /** Exploration runs done. */
  run: number;
  /** Exploration runs asked for. */
  runs: number;
  /** Shrink candidates run so far. */
  shrinkRuns: number;
  /** The invariant found violated, once one is. */
  violation: string | null;
  /** Faults in the smallest failing plan so far. */
  faults: number | null;
}

/**
 * The options of `checkScenario` (and of `faultline/vitest`'s helpers): the variant, the
 * invariants, how many plans to explore (default 100) with which fast-check seed (default 1),
 * the fault space, liveness mode, and bounds on shrinking.
 */
export interface CheckScenarioOptions {
  /** Default: the scenario's first variant. */
  variant?: string;
  /**
   * What must hold: names of the scenario's checks and/or invariants of your own. Default: every
   * check of the scenario (also those the variant is expected to fail: finding how is the point),
   * plus `liveness` in liveness mode.
   */
  invariants?: readonly (string | Invariant)[];
  /** Exploration runs (default 100). */
  runs?: number;
  /** The fault plans to explore. */
  faults?: FaultSpace;
  /** The fast-check seed (default 1). */
  seed?: number;
  /** A fast-check counterexample path, to go straight to a reported counterexample. */
  path?: string;
  /** Run every plan on this root seed instead of generating one per run. */
  runSeed?: Seed;
  /** Param overrides on top of the variant's. */
  params?: Record<string, ParamValue>;
  /** Params to explore within their declared ranges (shrinking toward the variant's values). */
  exploreParams?: readonly string[];
  /** Liveness mode: heal everything at the horizon and require convergence. */
  liveness?: boolean | LivenessOptions;
  /**
   * Swarm testing (as FoundationDB's and TigerBeetle's simulators do): each run draws its own
   * mix, a random subset of the fault kinds with an intensity for each, from named streams of the
   * fast-check seed; the report says which mixes found what (`mixes`).
   */
  swarm?: boolean;
  /**
   * Explore only the scenario checks the variant does not expect to fail (`faultline check`): a
   * violation is then an outcome `run` also calls unexpected. Ignored when `invariants` is given.
   */
  onlyUnexpected?: boolean;
  /** Bound on shrink candidates run (default 1000). */
  shrinkRunsMax?: number;
  /** Trace level of each run (default `summary`, so checks may read `records`). */
  traceLevel?: TraceLevel;
  /** Each run's budgets (events, simulated time, live events, processes), over the defaults. */
  budgets?: Partial<Budgets>;
  /** How the replay command names the scenario and the plan file (default `plan.json`). */
  replay?: { scenarioRef?: string; faultsFile?: string };
  /** Called as the search goes on (exploration runs, shrink candidates, the confirming run). */
  onProgress?(progress: CheckProgress): void;
}

/**
 * A violation `checkScenario` found: the invariant, the failing run's seed, params and
 * counterexample path, how shrinking went, and whether the shrunk plan failed the same way again.
 */
export interface Violation {
  /** The invariant violated (a check's name, an invariant of your own, `liveness`, `run-error` or `budget`). */
  invariant: string;
  /** Its detail, for people. */
  detail: string;
  /** When it was first violated, in simulated ms (null when the check does not say). */
  firstFailedAtMs: number | null;
  /** The root seed of the failing run (the `--seed` of the replay command). */
  runSeed: Seed;
  /** Explored param overrides of the failing run (empty unless `exploreParams`). */
  params: Record<string, ParamValue>;
  /** fast-check's counterexample path: `checkScenario(s, { seed, path })` goes straight to it. */
  path: string;
  /** Shrink candidates run, and how many faults the first failing plan had. */
  shrinkRuns: number;
  /** Faults in the first failing plan, before shrinking. */
  faultCountBeforeShrink: number;
  /** The shrunk plan was run again and failed the same invariant with the same trace hash. */
  confirmed: boolean;
  /** The trace hash of the shrunk plan's run. */
  traceHash: string;
  /** In a swarm search: the mix of the failing run (its index, kinds and their intensities). */
  mix?: { index: number; kinds: string[]; intensities: Record<string, number> };
}

/** One mix of a swarm search: a subset of the fault kinds, its runs and how many violated an invariant (which ones). */
export interface SwarmMix {
  /** The fault kinds of the mix, in the order declared. */
  kinds: string[];
  /** Exploration runs that drew it. */
  runs: number;
  /** Runs of it that violated an invariant. */
  violations: number;
  /** The invariants they violated. */
  invariants: string[];
}
type SwarmMixStats = SwarmMix;

/** The intensities a swarm draws from, per kind and run (see `FaultPlanOptions.intensities`). */
export const SWARM_INTENSITIES: readonly number[] = [0.25, 0.5, 1];

/**
 * One swarm run's mix from its stream: each kind in with probability 1/2 (Groce et al., "Swarm
 * Testing", ISSTA 2012; at least one), an intensity for each, and the run's fast-check seed.
 */
export function drawSwarmMix(r: Random, kinds: readonly string[]): { kinds: string[]; intensities: Record<string, number>; seed: number } {
  let chosen = kinds.filter(() => r.next() < 0.5);
  if (chosen.length === 0) chosen = [kinds[r.int(0, kinds.length - 1)]!];
  const intensities: Record<string, number> = {};
  for (const k of chosen) intensities[k] = SWARM_INTENSITIES[r.int(0, SWARM_INTENSITIES.length - 1)]!;
  return { kinds: chosen, intensities, seed: r.int(0, 0x7fffffff) };
}

/** faults kind → target → exploration runs in which that kind hit that target. */
export type Coverage = Record<string, Record<string, number>>;

/**
 * What `checkScenario` returns: evidence (runs and coverage: which fault kinds hit which targets)
 * or the violation with its shrunk plan, the command that replays it, and the space explored.
 * `formatCheckReport` renders it for people.
 */
export interface CheckReport {
  /** The scenario's name. */
  scenario: string;
  /** The variant checked. */
  variant: string;
  /** The fast-check seed. */
  seed: number;
  /** Exploration runs (the failing one included; shrink runs not). */
  runs: number;
  /** Fault kind → target → exploration runs in which that kind hit that target. */
  coverage: Coverage;
  /** The violation found, or null when every explored plan held. */
  violation: Violation | null;
  /** On a violation, the shrunk plan (as JSON for `--faults`); otherwise null. */
  faults: Record<string, unknown>[] | null;
  /** On a violation, the command that replays it; otherwise the command that repeats this check. */
  replay: string;
  /** Invariants whose outcome was `unknown`, with how many exploration runs. */
  inconclusive: Record<string, number>;
  /**
   * Generated plans the scenario rejected as input (InputError while building, for example a
   * combination of optional fields its world does not support); they are skipped, not judged.
   */
  rejectedPlans: number;
  /** The first rejection's message. */
  firstRejection?: string;
  /** Checks the variant expects to fail: not explored (a violation of one is what the design is meant to show). */
  expectedToFail?: string[];
  /** In a swarm search: every mix drawn, with its runs and violations (most violations first). */
  mixes?: SwarmMix[];
  /** The exploration space actually used (after defaults and discovery). */
  space: { kinds: string[]; targets: FaultTargets; horizonMs: number; maxFaults: number; liveness: boolean; world: boolean; params: string[] };
}

interface Candidate {
  faults: FaultEntry[];
  runSeed: Seed;
  params: Record<string, ParamValue>;
}

interface Evaluation {
  failed: { invariant: string; detail: string; firstFailedAtMs: number | null } | null;
  unknown: string[];
  traceHash: string;
}

const LIVENESS = 'liveness';

/** Discover fault targets from a run's kept trace records (fields `node`, `disk`, `link`, `zone`, `rack`). */
export function targetsFromRecords(records: readonly TraceRecord[]): FaultTargets {
  const pools: Record<'nodes' | 'disks' | 'links' | 'zones' | 'racks', Set<string>> = {
    nodes: new Set(),
    disks: new Set(),
    links: new Set(),
    zones: new Set(),
    racks: new Set(),
  };
  for (const r of records) {
    if (r.kind === 'run-start' || r.kind === 'run-end' || r.kind.startsWith('kv-') || r.kind === 'request') continue;
    const x = r as unknown as Record<string, unknown>;
    const add = (field: string, pool: keyof typeof pools): void => {
      const v = x[field];
      if (typeof v === 'string' && v.length > 0) pools[pool].add(v);
    };
    add('node', 'nodes');
    add('disk', 'disks');
    add('link', 'links');
    add('zone', 'zones');
    add('rack', 'racks');
  }
  const out: FaultTargets = {};
  for (const [k, s] of Object.entries(pools)) if (s.size) out[k as keyof typeof pools] = [...s].sort();
  return out;
}

/** Everything a plan may aim at in a built world: its nodes, disks, zones and racks. */
export function targetsOfWorld(world: WorldInventory): FaultTargets {
  const out: FaultTargets = {};
  if (world.nodes.length) out.nodes = [...world.nodes];
  if (world.disks.length) out.disks = [...world.disks];
  const zones = Object.keys(world.zones);
  if (zones.length) out.zones = zones;
  const racks = Object.keys(world.racks);
  if (racks.length) out.racks = racks;
  return out;
}

/**
 * The targets `only` names, pool by pool: a node, disk, zone or rack name goes to its pool, a
 * service name adds its replicas' nodes. Throws an InputError naming the valid targets for a
 * name the world does not have.
 */
export function restrictTargets(world: WorldInventory, only: readonly string[], where: string): FaultTargets {
  const pools = { nodes: new Set<string>(), disks: new Set<string>(), zones: new Set<string>(), racks: new Set<string>() };
  for (const name of only) {
    if (world.nodes.includes(name)) pools.nodes.add(name);
    else if (Object.hasOwn(world.services, name)) for (const n of world.services[name]!) pools.nodes.add(n);
    else if (world.disks.includes(name)) pools.disks.add(name);
    else if (Object.hasOwn(world.zones, name)) pools.zones.add(name);
    else if (Object.hasOwn(world.racks, name)) pools.racks.add(name);
    else throw new InputError(`${where}: ${JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name)} is not in the world; valid targets: ${describeWorld(world)}`);
  }
  const out: FaultTargets = {};
  for (const [k, set] of Object.entries(pools)) if (set.size) out[k as keyof typeof pools] = [...set];
  return out;
}

/** "nodes a, b; services s; zones z" — for messages. */
export function describeWorld(world: WorldInventory): string {
  const parts: string[] = [];
  const list = (label: string, names: readonly string[]): void => {
    if (names.length === 0) return;
    const shown = names.slice(0, 20).join(', ');
    parts.push(`${label} ${shown}${names.length > 20 ? `, … (${names.length - 20} more)` : ''}`);
  };
  list('nodes', world.nodes);
  list('services', Object.keys(world.services));
  list('disks', world.disks);
  list('zones', Object.keys(world.zones));
  list('racks', Object.keys(world.racks));
  return parts.join('; ') || '(none)';
}

/**
 * The targets an entry hits, for coverage: its `target`; for a partition by groups, the nodes cut
 * off from the largest group; the nodes of a `nodes` list; a zone or rack; else "*".
 */
function targetLabels(e: FaultEntry): string[] {
  if (typeof e.target === 'string') return [e.target];
  if (Array.isArray(e.groups)) {
    const groups = e.groups as string[][];
    const largest = groups.reduce((best, g) => (g.length > best.length ? g : best), groups[0] ?? []);
    return groups.filter((g) => g !== largest).flat();
  }
  if (Array.isArray(e.nodes)) return e.nodes as string[];
  for (const k of ['node', 'link', 'disk', 'zone', 'rack', 'from']) if (typeof e[k] === 'string') return [e[k] as string];
  return ['*'];
}

function outcomeOf(r: CheckOutcome | boolean): CheckOutcome {
  return typeof r === 'boolean' ? { status: r ? 'ok' : 'fail' } : r;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Property-test a scenario: run it under fault plans fast-check generates (and run seeds, and
 * explored params) and judge its invariants; on a violation, shrink the plan to a minimal one
 * (toward fewer, shorter, later faults, locked to the first invariant violated, at most
 * `shrinkRunsMax` runs, default 1000), run it again to confirm, and give the replay command.
 * Deterministic: the same options give the same report.
 *
 * @param scenario - a scenario from `defineScenario`
 * @param options - what to explore and judge (defaults: the first variant, every check, 100 runs, fast-check seed 1)
 * @returns the report: evidence, or the shrunk violation and how to replay it
 */
export function checkScenario(scenario: Scenario<any>, options: CheckScenarioOptions = {}): CheckReport {
  const variant = options.variant ?? scenario.variantNames[0]!;
  if (!scenario.variants[variant]) {
    throw new InputError(`scenario ${scenario.name} has no variant ${JSON.stringify(variant)}; variants: ${scenario.variantNames.join(', ')}`);
  }
  const runs = options.runs ?? 100;
  if (!(Number.isInteger(runs) && runs >= 1)) throw new InputError(`checkScenario: runs=${runs} is not valid; use an integer ≥ 1`);
  const seed = options.seed ?? 1;
  if (!(Number.isInteger(seed) && seed >= -0x80000000 && seed <= 0xffffffff)) {
    throw new InputError(`checkScenario: seed=${seed} is not valid; use an integer (fast-check seeds are 32-bit)`);
  }
  const shrinkRunsMax = options.shrinkRunsMax ?? 1000;
  const traceLevel = options.traceLevel ?? 'summary';
  const baseParams = options.params ?? {};
  const liveness = options.liveness === true ? {} : options.liveness || null;

  // Invariants: scenario check names and own invariants.
  const checkNames = (scenario.checks ?? []).map((c) => c.name);
  // With onlyUnexpected, only checks the variant does not expect to fail: a design meant to break
  // one is not a violation when it does (and `run` of the printed replay agrees: 1 for 1).
  const expectedToFail = new Set(options.onlyUnexpected ? (scenario.variants[variant]?.expectFail ?? []) : []);
  const chosen = options.invariants ?? [...checkNames.filter((n) => !expectedToFail.has(n)), ...(liveness ? [LIVENESS] : [])];
  const named: string[] = [];
  const own: Invariant[] = [];
  for (const inv of chosen) {
    if (typeof inv === 'string') {
      if (inv === LIVENESS) {
        if (!liveness) throw new InputError(`checkScenario: invariant ${LIVENESS} needs liveness mode (liveness: true)`);
        continue;
      }
      if (!checkNames.includes(inv)) {
        throw new InputError(`scenario ${scenario.name} has no check ${JSON.stringify(inv)}; checks: ${checkNames.join(', ') || '(none)'}`);
      }
      named.push(inv);
    } else {
      own.push(inv);
    }
  }
  const livenessChosen = Boolean(liveness) && (options.invariants === undefined || options.invariants.includes(LIVENESS));
  // every check is one the variant expects to fail: nothing can be violated unexpectedly
  const nothingToCheck = named.length === 0 && own.length === 0 && !livenessChosen && expectedToFail.size > 0 && checkNames.length > 0;
  if (named.length === 0 && own.length === 0 && !livenessChosen && !nothingToCheck) {
    if (!(expectedToFail.size > 0 && checkNames.length > 0)) throw new InputError(`checkScenario: scenario ${scenario.name} has no checks and no invariants were given; nothing to check`);
  }

  // The exploration space. A fault-free probe run tells how long the scenario runs and what its
  // world is made of; faults aim at what the world has.
  const space = options.faults ?? {};
  const declared = space.kinds ?? scenario.faultKinds;
  const kinds = [...(declared ?? [])];
  for (const k of kinds) {
    if (!faultKindSpec(k)) throw new InputError(`unknown fault kind ${JSON.stringify(k)}; registered kinds: ${faultKinds().join(', ') || '(none)'}`);
  }
  let targets = space.targets;
  let horizonUs = space.horizon !== undefined ? parseDuration(space.horizon, 'faults.horizon') : undefined;
  let world: WorldInventory | null | undefined;
  if (targets === undefined || horizonUs === undefined) {
    const probe = runDetailed(scenario, {
      seed: options.runSeed ?? 1,
      variant,
      params: baseParams,
      faults: [],
      traceLevel: 'summary',
      budgets: options.budgets,
    });
    world = probe.world;
    if (targets === undefined) {
      if (world !== null) targets = space.only !== undefined ? restrictTargets(world, space.only, '--targets') : targetsOfWorld(world);
      else targets = targetsFromRecords(probe.records);
    }
    if (horizonUs === undefined) {
      const endUs = probe.result.stats.simTimeMs * 1000;
      if (!(endUs > 0 && endUs < Infinity)) {
        throw new InputError(`checkScenario: cannot size the fault horizon from a run of length ${endUs}us; give faults.horizon`);
      }
      horizonUs = Math.max(1000, Math.floor((endUs * (liveness ? 0.5 : 0.8)) / 1000) * 1000);
    }
  }
  if (world === null && space.only !== undefined) {
    throw new InputError(`scenario ${scenario.name} builds no world, so it has no targets to aim faults at; run it without --targets`);
  }
  if (world === null && space.kinds === undefined && space.targets === undefined && Object.keys(targets!).length === 0) {
    // A model with no world and nothing its trace names: no fault can aim at anything, so the
    // kinds it declares cannot be explored; explore run seeds alone (the report says so).
    kinds.length = 0;
  } else if (kinds.length === 0) {
    if (world !== null || declared !== undefined) {
      throw new InputError(
        `scenario ${scenario.name} declares no faultKinds; give the kinds to explore (--kinds; registered kinds: ${faultKinds().join(', ') || '(none)'})`,
      );
    }
  }
  if (options.swarm && kinds.length === 0) {
    throw new InputError(
      `--swarm: scenario ${scenario.name} declares no faultKinds to draw mixes from; give the kinds (--kinds k1,k2; registered kinds: ${faultKinds().join(', ') || '(none)'})`,
    );
  }
  const maxFaults = space.maxFaults ?? 3;
  const planOf = (mixKinds: readonly string[], intensities?: Record<string, number>): fc.Arbitrary<FaultEntry[]> =>
    mixKinds.length === 0
      ? fc.constant([])
      : faultPlan({
          kinds: mixKinds,
          targets: targets!,
          horizon: horizonUs!,
          maxFaults,
          durationMin: space.durationMin,
          durationMax: space.durationMax,
          resolution: space.resolution,
          ...(intensities !== undefined ? { intensities } : {}),
        });
  const planArb = options.swarm ? null : planOf(kinds);

  // Liveness: the heal entry appended at the horizon.
  let healKind: string | null = null;
  if (liveness) {
    healKind = liveness.healKind === undefined ? (faultKindSpec('heal') ? 'heal' : null) : liveness.healKind;
    if (healKind !== null) {
      const spec = faultKindSpec(healKind);
      if (!spec) throw new InputError(`liveness: heal kind ${JSON.stringify(healKind)} is not registered; registered kinds: ${faultKinds().join(', ')}`);
      const required = Object.entries(spec.fields).filter(([, f]) => f.required).map(([k]) => k);
      if (required.length || spec.duration === 'required') {
        throw new InputError(`liveness: heal kind ${healKind} needs ${[...required, ...(spec.duration === 'required' ? ['for'] : [])].join(', ')}; a heal-everything kind takes no fields`);
      }
    }
  }
  const withHeal = (plan: readonly FaultEntry[]): FaultEntry[] =>
    healKind !== null ? [...plan, { at: horizonUs!, kind: healKind }] : [...plan];

  const evaluate = (c: Candidate): Evaluation => {
    const plan = withHeal(c.faults);
    let art: RunArtifacts;
    try {
      art = runDetailed(scenario, {
        seed: c.runSeed,
        variant,
        params: { ...baseParams, ...c.params },
        faults: plan,
        traceLevel,
        budgets: options.budgets,
      });
    } catch (err) {
      if (err instanceof InputError) throw err;
      const invariant = err instanceof BudgetExceededError ? 'budget' : 'run-error';
      return { failed: { invariant, detail: errorMessage(err), firstFailedAtMs: null }, unknown: [], traceHash: '' };
    }
    const unknown: string[] = [];
    let failed: Evaluation['failed'] = null;
    const judge = (name: string, o: CheckOutcome): void => {
      if (o.status === 'unknown') unknown.push(name);
      else if (o.status === 'fail' && failed === null) {
        failed = { invariant: name, detail: o.detail ?? '', firstFailedAtMs: o.firstFailedAtMs ?? null };
      }
    };
    for (const name of named) {
      const r = art.result.checks.find((x) => x.name === name)!;
      judge(name, { status: r.status, detail: r.detail, firstFailedAtMs: r.firstFailedAtMs });
    }
    for (const inv of own) {
      let o: CheckOutcome;
      try {
        o = outcomeOf(inv.check(art));
      } catch (err) {
        o = { status: 'unknown', detail: `invariant threw: ${errorMessage(err)}` };
      }
      judge(inv.name, o);
    }
    if (liveness && livenessChosen) judge(LIVENESS, livenessOutcome(art, c.faults));
    return { failed, unknown, traceHash: art.result.traceHash };
  };

  const livenessOutcome = (art: RunArtifacts, plan: readonly FaultEntry[]): CheckOutcome =>
    judgeLiveness(art, healKind !== null ? horizonUs! : healedAt(plan), liveness!);

  // The property, with bookkeeping: coverage of exploration runs, shrink lock and bound, abort.
  const coverage: Coverage = {};
  const inconclusive: Record<string, number> = {};
  let explored = 0;
  let shrinkRuns = 0;
  let locked: string | null = null;
  let skipped = 0;
  let acceptedWithFaults = 0;
  let firstRejection: InputError | null = null;
  let firstFailingSize = 0;
  let smallest: { candidate: Candidate; evaluation: Evaluation } | null = null;
  const progress = (phase: CheckProgress['phase']): void =>
    options.onProgress?.({
      phase,
      run: explored,
      runs,
      shrinkRuns,
      violation: locked,
      faults: smallest ? smallest.candidate.faults.length : null,
    });

  const recordOf = (plan: fc.Arbitrary<FaultEntry[]>): fc.Arbitrary<Candidate> =>
    fc.record({
      faults: plan,
      runSeed: options.runSeed !== undefined ? fc.constant(options.runSeed) : runSeed(),
      params: options.exploreParams?.length ? scenarioParams(scenario, { variant, names: options.exploreParams }) : fc.constant({}),
    });
  // explore: until the first violation; shrink: fast-check shrinking it; survey: the swarm's
  // runs after it, counted per mix but not shrunk
  let phase: 'explore' | 'shrink' | 'survey' = 'explore';
  let mix: SwarmMixStats | null = null;
  let guardTrip: DeterminismError | null = null;
  const predicate = (c: Candidate): boolean => {
    if (guardTrip !== null || (phase === 'shrink' && shrinkRuns >= shrinkRunsMax)) return true;
    let ev: Evaluation;
    try {
      ev = evaluate(c);
    } catch (err) {
      // the scenario read the host's clock or randomness: that is the answer, not a plan to skip
      if (err instanceof DeterminismError) {
        guardTrip = err;
        return true;
      }
      // The world rejected this plan as input (a combination of optional fields the kind's
      // declaration allows but its model does not, say): skip it, as a precondition failure.
      if (!(err instanceof InputError)) throw err;
      skipped++;
      firstRejection ??= err;
      fc.pre(false);
      return true;
    }
    if (phase !== 'shrink') {
      explored++;
      if (c.faults.length > 0) acceptedWithFaults++;
      for (const e of c.faults) {
        const byTarget = (coverage[e.kind] ??= {});
        for (const label of new Set(targetLabels(e))) byTarget[label] = (byTarget[label] ?? 0) + 1;
      }
      for (const u of ev.unknown) inconclusive[u] = (inconclusive[u] ?? 0) + 1;
      if (mix !== null) {
        mix.runs++;
        if (ev.failed) {
          mix.violations++;
          if (!mix.invariants.includes(ev.failed.invariant)) mix.invariants.push(ev.failed.invariant);
        }
      }
      if (ev.failed && phase === 'explore') {
        phase = 'shrink';
        locked = ev.failed.invariant;
        firstFailingSize = c.faults.length;
        smallest = { candidate: c, evaluation: ev };
        progress('shrink');
        return false;
      }
      progress('explore');
      return true;
    }
    shrinkRuns++;
    const fails = ev.failed !== null && ev.failed.invariant === locked;
    if (fails) smallest = { candidate: c, evaluation: ev };
    progress('shrink');
    return !fails;
  };

  let details: fc.RunDetails<[Candidate]> | null = null;
  let swarmMix: { index: number; kinds: string[]; intensities: Record<string, number> } | null = null;
  const mixes = new Map<string, SwarmMixStats>();
  if (nothingToCheck) {
    // nothing to run
  } else if (!options.swarm) {
    details = fc.check(fc.property(recordOf(planArb!), predicate), {
      seed,
      numRuns: runs,
      ...(options.path !== undefined ? { path: options.path } : {}),
      endOnFailure: false,
    });
  } else {
    // Swarm testing: each run draws its own mix (a subset of the kinds, an intensity for each)
    // and its fast-check seed from the named stream swarm/run/<i> of the check's seed; the
    // first violation is shrunk within its mix, the runs after it still count per mix.
    const streams = new RandomStreams(seed >>> 0);
    for (let i = 0; i < runs && guardTrip === null; i++) {
      const drawn = drawSwarmMix(streams.get(`swarm/run/${i}`), kinds);
      const key = drawn.kinds.join(',');
      mix = mixes.get(key) ?? { kinds: drawn.kinds, runs: 0, violations: 0, invariants: [] };
      mixes.set(key, mix);
      const d = fc.check(fc.property(recordOf(planOf(drawn.kinds, drawn.intensities)), predicate), { seed: drawn.seed, numRuns: 1, endOnFailure: false });
      if (d.failed && details === null) {
        details = d;
        swarmMix = { index: i, kinds: drawn.kinds, intensities: drawn.intensities };
        phase = 'survey';
      }
    }
  }
  if (guardTrip !== null) throw guardTrip;
  // No plan with faults was accepted (an unknown target, say): the input is wrong, not the system.
  if (firstRejection !== null && (acceptedWithFaults === 0 || ((details as fc.RunDetails<[Candidate]> | null)?.failed && locked === null))) {
    throw new InputError(`every generated fault plan was rejected (${skipped}); the first: ${(firstRejection as InputError).message}`);
  }

  const kindsSorted = [...kinds];
  const report: CheckReport = {
    scenario: scenario.name,
    variant,
    seed,
    runs: explored,
    coverage: sortCoverage(coverage),
    violation: null,
    faults: null,
    replay: checkCommandLine(scenario, {
      seed,
      runs,
      variant,
      kinds: space.kinds,
      targets: space.only,
      scenarioRef: options.replay?.scenarioRef,
      params: baseParams,
      searchParams: options.exploreParams,
      swarm: options.swarm,
    }),
    inconclusive,
    rejectedPlans: skipped,
    ...(firstRejection !== null ? { firstRejection: (firstRejection as InputError).message } : {}),
    space: { kinds: kindsSorted, targets, horizonMs: horizonUs / 1000, maxFaults, liveness: Boolean(liveness), world: world !== null, params: [...(options.exploreParams ?? [])] },
    ...(options.invariants === undefined && expectedToFail.size > 0 ? { expectedToFail: checkNames.filter((n) => expectedToFail.has(n)) } : {}),
    ...(options.swarm ? { mixes: [...mixes.values()].sort((a, b) => b.violations - a.violations || b.runs - a.runs || cmpKinds(a.kinds, b.kinds)) } : {}),
  };
  if (!details || !details.failed || locked === null) return report;

  // fast-check's counterexample is the last failing candidate it kept. Its shrinkers move each
  // fault's start and length separately, which can stop at a long fault whose failing moment
  // lies inside it; a last pass trims each fault from either end while the same invariant still
  // fails (halving steps on the plan's time grid, within the shrink bound).
  let counterexample = (details.counterexample?.[0] as Candidate | undefined) ?? smallest!.candidate;
  const gridUs = space.resolution !== undefined ? parseDuration(space.resolution, 'faults.resolution') : 1000;
  const stillFails = (c: Candidate): boolean => {
    if (shrinkRuns >= shrinkRunsMax) return false;
    shrinkRuns++;
    const ev = evaluate(c);
    progress('shrink');
    if (ev.failed?.invariant !== locked) return false;
    smallest = { candidate: c, evaluation: ev };
    return true;
  };
  for (let j = 0; j < counterexample.faults.length; j++) {
    for (const side of ['end', 'start'] as const) {
      let stepUs = Math.floor((counterexample.faults[j]!.for ?? 0) / 2 / gridUs) * gridUs;
      while (stepUs >= gridUs && stepUs < (counterexample.faults[j]!.for ?? 0)) {
        const e = counterexample.faults[j]!;
        const trimmed: FaultEntry = { ...e, for: e.for! - stepUs, at: side === 'start' ? e.at + stepUs : e.at };
        const faults = counterexample.faults.map((x, k) => (k === j ? trimmed : x)).sort((a, b) => a.at - b.at);
        const c: Candidate = { ...counterexample, faults };
        if (stillFails(c)) {
          counterexample = c;
          j = faults.indexOf(trimmed);
        } else {
          stepUs = Math.floor(stepUs / 2 / gridUs) * gridUs;
        }
      }
    }
  }
  progress('confirm');
  const again = evaluate(counterexample);
  const kept = smallest as { candidate: Candidate; evaluation: Evaluation } | null; // (narrowing is lost across closures)
  const recorded = kept && JSON.stringify(kept.candidate) === JSON.stringify(counterexample) ? kept.evaluation : again;
  const confirmed = again.failed !== null && again.failed.invariant === locked && again.traceHash === recorded.traceHash;
  const failed = again.failed ?? recorded.failed!;
  const plan = parseFaultPlan(withHeal(counterexample.faults));
  const faultsFile = options.replay?.faultsFile ?? 'plan.json';
  report.violation = {
    invariant: failed.invariant,
    detail: failed.detail,
    firstFailedAtMs: failed.firstFailedAtMs,
    runSeed: counterexample.runSeed,
    params: counterexample.params,
    // a swarm run's path belongs to its own fast-check seed (its mix's), not the check's
    path: options.swarm ? '' : (details.counterexamplePath ?? ''),
    shrinkRuns,
    faultCountBeforeShrink: firstFailingSize,
    confirmed,
    traceHash: again.traceHash,
    ...(swarmMix !== null ? { mix: swarmMix } : {}),
  };
  report.faults = serializeFaultPlan(plan);
  report.replay = replayCommand(scenario, {
    seed: counterexample.runSeed,
    variant,
    params: { ...baseParams, ...counterexample.params },
    faultsFile,
    scenarioRef: options.replay?.scenarioRef,
    budgets: options.budgets,
    liveness: Boolean(liveness),
  });
  return report;
}

function cmpKinds(a: readonly string[], b: readonly string[]): number {
  const x = a.join(',');
  const y = b.join(',');
  return x < y ? -1 : x > y ? 1 : 0;
}

function sortCoverage(c: Coverage): Coverage {
  const out: Coverage = {};
  for (const k of Object.keys(c).sort()) {
    const t: Record<string, number> = {};
    for (const name of Object.keys(c[k]!).sort()) t[name] = c[k]![name]!;
    out[k] = t;
  }
  return out;
}

/**
 * The liveness invariant of liveness mode on a finished run: after `healedAtUs` the SLO (default
 * availability ≥ 99%) must hold again within `within` (default half the time left), and the
 * scenario's `converged` predicate, when given, must hold. `faultline run --liveness` judges the
 * same, so the replay of a liveness violation fails as the search did.
 */
export function judgeLiveness(art: RunArtifacts, healedAtUs: number, l: LivenessOptions = {}): CheckOutcome {
  const endUs = art.result.stats.simTimeMs * 1000;
  const withinUs = l.within !== undefined ? parseDuration(l.within, 'liveness within') : Math.max(1, Math.floor((endUs - healedAtUs) / 2));
  const rec = checkRecovery(art.requests, { healedAtUs, within: withinUs, slo: l.slo ?? { availabilityMin: 0.99 }, endUs });
  if (rec.status === 'fail' || !l.converged) return rec;
  let conv: CheckOutcome;
  try {
    conv = outcomeOf(l.converged(art, healedAtUs));
  } catch (err) {
    conv = { status: 'unknown', detail: `converged() threw: ${errorMessage(err)}` };
  }
  if (conv.status !== 'ok') return { ...conv, detail: `no convergence after healing at ${formatDuration(healedAtUs)}: ${conv.detail ?? ''}` };
  return rec;
}

/** When a plan's faults are healed: its `heal` entry, else the end of its last fault. */
export function healedAt(plan: readonly FaultEntry[]): number {
  const heal = plan.find((e) => e.kind === 'heal');
  return heal !== undefined ? heal.at : plan.reduce((t, e) => Math.max(t, e.at + (e.for ?? 0)), 0);
}

/** The `faultline check` command line that repeats a property search (quoted for a shell). */
export function checkCommandLine(
  scenario: Scenario<any>,
  o: {
    seed: number;
    runs: number;
    variant: string;
    kinds?: readonly string[];
    targets?: readonly string[];
    scenarioRef?: string;
    params?: Record<string, ParamValue>;
    searchParams?: readonly string[];
    swarm?: boolean;
  },
): string {
  const words = ['check', scenarioWord(o.scenarioRef ?? scenario.name), '--seed', String(o.seed), '--runs', String(o.runs)];
  if (o.variant !== scenario.variantNames[0]) words.push('--variant', o.variant);
  if (o.kinds?.length) words.push('--kinds', o.kinds.join(','));
  if (o.targets?.length) words.push('--targets', o.targets.join(','));
  for (const [k, v] of Object.entries(o.params ?? {})) words.push('--param', `${k}=${String(v)}`);
  if (o.searchParams?.length) words.push('--search-params', o.searchParams.join(','));
  if (o.swarm) words.push('--swarm');
  return commandLine(words);
}

/** A multi-line, human-readable account of a report (used by the CLI and the vitest helpers). */
export function formatCheckReport(report: CheckReport): string {
  const lines: string[] = [];
  const v = report.violation;
  lines.push(
    `${report.scenario} (${report.variant}): ${report.runs} run(s), fast-check seed ${report.seed}` +
      (v ? `, violation of ${v.invariant}` : ', no violation'),
  );
  const kinds = Object.keys(report.coverage);
  if (kinds.length) {
    lines.push('coverage (fault kind: target × runs):');
    for (const k of kinds) {
      const t = Object.entries(report.coverage[k]!).map(([name, n]) => `${name}×${n}`);
      lines.push(`  ${k}: ${t.join(', ')}`);
    }
  } else if (report.runs === 0) {
    // nothing was explored (see expectedToFail below)
  } else if (!report.space.world) {
    lines.push('coverage: the scenario builds no world, so no faults were injected; explored run seeds only');
  } else {
    lines.push('coverage: no faults were generated (maxFaults 0, or every plan was empty)');
  }
  if (report.expectedToFail?.length) {
    const all = report.runs === 0 && !v;
    lines.push(`${all ? 'nothing to explore: ' : ''}variant ${report.variant} expects ${report.expectedToFail.join(', ')} to fail; ${all ? 'every check is one of them (give --variant another design, or name them with --invariants)' : 'not explored (name them with --invariants to search for a plan that breaks them)'}`);
  }
  if (report.rejectedPlans > 0) {
    lines.push(`skipped ${report.rejectedPlans} generated plan(s) the scenario rejected as input; the first: ${report.firstRejection}`);
  }
  if (report.mixes) {
    const found = report.mixes.filter((m) => m.violations > 0).length;
    lines.push(`swarm: ${report.runs} run(s) in ${report.mixes.length} mix(es) of ${report.space.kinds.join(', ')}; ${found} mix(es) found a violation:`);
    const width = Math.max(...report.mixes.map((m) => m.kinds.join('+').length), 4);
    for (const m of report.mixes.slice(0, 20)) {
      lines.push(`  ${m.kinds.join('+').padEnd(width)}  ${String(m.runs).padStart(4)} run(s)  ${String(m.violations).padStart(4)} violation(s)${m.invariants.length ? `  ${m.invariants.join(', ')}` : ''}`);
    }
    if (report.mixes.length > 20) lines.push(`  … ${report.mixes.length - 20} more mix(es) (--json lists them all)`);
  }
  const inc = Object.entries(report.inconclusive);
  if (inc.length) lines.push(`inconclusive (outcome unknown): ${inc.map(([k, n]) => `${k} in ${n} run(s)`).join(', ')}`);
  if (v) {
    lines.push(`violation: ${v.invariant}${v.firstFailedAtMs !== null ? ` at ${v.firstFailedAtMs} ms` : ''}`);
    lines.push(`  ${v.detail}`);
    lines.push(
      `shrunk from ${v.faultCountBeforeShrink} to ${report.faults?.length ?? 0} fault(s) in ${v.shrinkRuns} shrink run(s); ` +
        (v.confirmed ? 'replayed: fails the same way' : 'WARNING: the shrunk plan did not fail the same way when run again'),
    );
    if (v.mix) {
      lines.push(`found in swarm run ${v.mix.index + 1}, mix ${Object.entries(v.mix.intensities).map(([k, x]) => `${k} (intensity ${x})`).join(', ')}`);
      lines.push(`run seed ${String(v.runSeed)}; fast-check seed ${report.seed}`);
    } else {
      lines.push(`run seed ${String(v.runSeed)}; fast-check seed ${report.seed}, path ${JSON.stringify(v.path)}`);
    }
    if (Object.keys(v.params).length) {
      lines.push(`params (searched, shrunk toward the variant's values): ${Object.entries(v.params).map(([k, x]) => `${k}=${String(x)}`).join(' ')}`);
    }
    lines.push('plan:');
    lines.push(JSON.stringify(report.faults, null, 2));
  }
  lines.push(`${v ? 'replay' : 'repeat'}: ${report.replay}`);
  return lines.join('\n') + '\n';
}
