/**
 * The world container: nodes in zones and racks, the network between them, their disks, clocks
 * and memory, built from a short spec, with the run's fault plan applied automatically.
 *
 *   const world = createWorld(ctx, {
 *     nodes: ['a', 'b', 'c'],
 *     nodeDefaults: { cores: 4, serviceTime: { dist: 'exponential', mean: '2ms' } },
 *     zones: { 'us-east-1a': ['a'], 'us-east-1b': ['b'], 'us-east-1c': ['c'] },
 *     network: { latency: { dist: 'lognormal', median: '400us', sigma: 0.4 } },
 *     links: [{ from: 'zone:us-east-1a', to: 'zone:us-east-1c', latency: '2ms' }],
 *     disks: [{ node: 'a' }],
 *   });
 *
 * Every fault plan entry is checked against the world when it is built (unknown nodes, disks,
 * zones or racks are an InputError naming the entry's index, the field, the value and the valid
 * names), then scheduled; each fault writes `fault-start` when it begins and `fault-end` when it
 * ends (instant faults such as `restart` or `clock-jump` write both at once; a fault without
 * `for` that lasts, such as a `crash`, ends only if something heals it).
 */
import { InputError } from '../kernel/errors.ts';
import type { RandomStreams } from '../kernel/random.ts';
import type { Simulation } from '../kernel/sim.ts';
import type { Tracer } from '../observe/trace.ts';
import type { DistributionSpec } from '../kernel/distribution.ts';
import { Disk, type DiskOptions } from './disk.ts';
import { faultStreamKey, prepareFault, type FaultLike, type PreparedFault } from './faults.ts';
import { Network, type LinkOptions, type LinkRule } from './network.ts';
import { Node, type NodeSpec } from './node.ts';
import { regionLinkRules, regionMap, selectRegion } from './regions.ts';
import { checkNodeSpecKeys, checkWorldSpecKeys } from './spec-keys.ts';

/** The parts of a scenario's build context the world needs (a `BuildContext` has them all). */
export interface WorldContext {
  readonly sim: Simulation;
  readonly random: RandomStreams;
  readonly trace: Tracer;
  /** The validated fault plan; applied unless `applyFaults: false`. */
  readonly faults?: readonly FaultLike[];
}

/** A disk in `WorldSpec.disks`: the node it is attached to, an optional name, and its `DiskOptions`. */
export interface DiskSpec extends DiskOptions {
  /** The node it is attached to. */
  node: string;
  /** Disk name within its node; the disk is then called `<node>/<name>`. Without it, the disk is called `<node>`. */
  name?: string;
}

/**
 * A node in `WorldSpec.nodes`: a `NodeSpec`, plus `disk` to attach one disk named after the node
 * (`true` for the default disk, or its `DiskOptions`).
 */
export type WorldNodeSpec = NodeSpec & { disk?: boolean | DiskOptions };

/**
 * What `createWorld` (or the build context's `world(...)`) builds: nodes with shared defaults,
 * their zones and racks, the network's link properties and per-link overrides, and disks.
 * Unknown keys are rejected with a did-you-mean.
 */
export interface WorldSpec {
  /**
   * Node names, or specs; names are shorthand for `{ name, ...nodeDefaults }`. Required by
   * `createWorld`; the build context's `world(...)` also gets the nodes its services declare.
   */
  nodes?: readonly (string | WorldNodeSpec)[];
  /** Settings shared by every node (a node's own spec wins). */
  nodeDefaults?: Partial<Omit<WorldNodeSpec, 'name'>>;
  /** Zone name → node names (instead of, or besides, `zone` in node specs). */
  zones?: Readonly<Record<string, readonly string[]>>;
  /** Rack name → node names. A rack belongs to the zone of its nodes. */
  racks?: Readonly<Record<string, readonly string[]>>;
  /** Link properties between every pair of nodes. */
  network?: LinkOptions;
  /** Overrides for some links (by node, zone or rack); later rules win. */
  links?: readonly LinkRule[];
  /** Disks beside the ones nodes declare with `disk` (several per node need a `name` each). */
  disks?: readonly DiskSpec[];
  /**
   * Region name → its zones' names: a region is made of availability zones, as AWS's `us-east-1`
   * is made of `us-east-1a`, `us-east-1b`, …. With regions, every node's zone must belong to one,
   * and links between regions get `crossRegionLatency`; selectors accept `region:<name>`.
   * Without regions the world behaves exactly as before.
   */
  regions?: Readonly<Record<string, readonly string[]>>;
  /**
   * One-way latency between nodes in different regions, as a distribution. Default: lognormal,
   * median 35 ms, σ 0.1 (a 70 ms round trip, about us-east-1 ↔ us-west-2 or eu-west-1).
   * Rules in `links` still win (later rules win), and may name `region:<name>`.
   */
  crossRegionLatency?: DistributionSpec;
  /** Apply `ctx.faults` (default true). */
  applyFaults?: boolean;
}

/** How a world is built (see `World` and the build context's `world(...)`). */
export interface WorldBuildOptions {
  /**
   * Build the network and apply the fault plan only when `seal()` is called (or `net` is first
   * read), so that nodes can be added with `addNode` until then: the build context's world grows
   * as services declare their replicas, and the runner seals it when `build` returns.
   */
  deferred?: boolean;
}

/**
 * The simulated infrastructure of one run: its nodes (in zones and racks), the network between
 * them, their disks, and the fault plan scheduled against them. Made by `createWorld(ctx, spec)`
 * or the build context's `world(...)`; faults can also be injected from code (`inject`).
 */
export class World {
  readonly sim: Simulation;
  readonly random: RandomStreams;
  readonly trace: Tracer;
  readonly nodes: readonly Node[];
  readonly disks: readonly Disk[];
  private network: Network | null = null;
  private readonly spec: WorldSpec;
  private readonly faultsToApply: readonly FaultLike[];
  private readonly sealHooks: (() => void)[] = [];
  private readonly byName = new Map<string, Node>();
  private readonly diskByName = new Map<string, Disk>();
  /** The cost model's view of each node: its instance type and the simulated time it was paid for. */
  private readonly billing = new Map<string, { instanceType: string | undefined; since: number | null; paidUs: number }>();
  private activeFaults = 0;
  /** Faults without `for` that last until something ends them (a heal, a restart). */
  private open: { p: PreparedFault; undo: () => void }[] = [];
  private scheduledFaults = 0;
  /** Simulated time the last fault that ends has ended (µs), or 0. */
  lastFaultEndUs = 0;

  private readonly zoneOf: Map<string, string>;
  private readonly rackOf: Map<string, string>;
  /** Zone → region, when the spec declares regions (empty otherwise). */
  private readonly regionOfZone: Map<string, string>;
  private readonly diskSpecs: DiskSpec[];

  constructor(ctx: WorldContext, spec: WorldSpec, options: WorldBuildOptions = {}) {
    if (!ctx || typeof ctx !== 'object' || typeof (ctx as { sim?: { schedule?: unknown } }).sim?.schedule !== 'function') {
      const looksLikeSpec = ctx && typeof ctx === 'object' && 'nodes' in ctx;
      throw new InputError(
        `createWorld(ctx, spec): the first argument must be the build context${looksLikeSpec ? ' (got a world spec: pass the context first)' : ''}; ` +
          'inside build, world({ ... }) from the build context builds it with no context to pass',
      );
    }
    this.sim = ctx.sim;
    this.random = ctx.random;
    this.trace = ctx.trace;
    const deferred = options.deferred === true;
    if (!spec || typeof spec !== 'object') throw new InputError('createWorld(ctx, spec): spec must be an object such as { nodes: ["a", "b"] }');
    checkWorldSpecKeys('createWorld', spec);
    if (spec.nodes !== undefined && !Array.isArray(spec.nodes)) throw new InputError('createWorld: nodes must be a list of node names or { name, ... } specs');
    if (!deferred && (!spec.nodes || spec.nodes.length === 0)) {
      throw new InputError('createWorld: nodes must list at least one node (names or { name, ... } specs)');
    }
    this.spec = spec;
    this.zoneOf = invert('zones', spec.zones);
    this.rackOf = invert('racks', spec.racks);
    this.regionOfZone = regionMap(spec.regions);
    this.nodes = [];
    this.disks = [];
    this.diskSpecs = [...(spec.disks ?? [])];
    for (const raw of spec.nodes ?? []) this.makeNode(typeof raw === 'string' ? { name: raw } : raw, 'createWorld');
    this.faultsToApply = (spec.applyFaults ?? true) ? (ctx.faults ?? []) : [];
    if (!deferred) this.seal();
  }

  /** The network between the nodes. Reading it seals a deferred world (see `seal`). */
  get net(): Network {
    return this.network ?? this.seal();
  }

  /** True once the network is built: no node can be added any more. */
  get sealed(): boolean {
    return this.network !== null;
  }

  /**
   * Add a node (with the world's `nodeDefaults`) to a world that is not sealed yet: how services
   * declare their replicas. `where` names the caller in errors.
   */
  addNode(spec: WorldNodeSpec, where = 'addNode'): Node {
    if (this.network !== null) {
      throw new InputError(
        `${where}: cannot add node ${JSON.stringify(spec.name)}: the world is already built (its network is in use); declare every service and workload before reading the network, the fault plan or a replication pattern`,
      );
    }
    checkNodeSpecKeys(`${where}: node ${JSON.stringify(spec.name)}`, spec);
    return this.makeNode(spec, where);
  }

  private makeNode(raw: WorldNodeSpec, where: string): Node {
    const s: WorldNodeSpec = { ...this.spec.nodeDefaults, ...raw };
    if (typeof s.name !== 'string' || s.name.length === 0) throw new InputError(`${where}: every node needs a name (a non-empty string)`);
    if (this.byName.has(s.name)) throw new InputError(`${where}: node ${JSON.stringify(s.name)} is listed twice`);
    s.zone ??= this.zoneOf.get(s.name);
    s.rack ??= this.rackOf.get(s.name);
    const node = new Node(this.sim, s, this.random, this.trace);
    (this.nodes as Node[]).push(node);
    this.byName.set(node.name, node);
    if (s.instanceType !== undefined && (typeof s.instanceType !== 'string' || s.instanceType.length === 0)) {
      throw new InputError(`${where}: node ${JSON.stringify(s.name)}: instanceType must be a non-empty string such as "m5.large"`);
    }
    if (s.billed !== undefined && typeof s.billed !== 'boolean') throw new InputError(`${where}: node ${JSON.stringify(s.name)}: billed must be true or false`);
    this.billing.set(node.name, { instanceType: s.instanceType, since: s.billed === false ? null : 0, paidUs: 0 });
    if (s.disk) this.diskSpecs.push({ ...(s.disk === true ? {} : s.disk), node: s.name });
    return node;
  }

  /**
   * Build the network between the nodes declared so far, create the disks and apply the fault
   * plan; a world built by `createWorld` is sealed at once. Idempotent; returns the network.
   */
  seal(): Network {
    if (this.network !== null) return this.network;
    const spec = this.spec;
    if (this.nodes.length === 0) throw new InputError('the world has no nodes: declare a service (service(...)) or give world({ nodes: [...] })');
    for (const [map, what] of [
      [this.zoneOf, 'zones'],
      [this.rackOf, 'racks'],
    ] as const) {
      for (const n of map.keys()) {
        if (!this.byName.has(n)) throw new InputError(`createWorld: ${what} name node ${JSON.stringify(n)}, which is not in nodes; nodes: ${[...this.byName.keys()].join(', ')}`);
      }
    }
    const links = spec.regions === undefined ? (spec.links ?? []) : regionLinkRules(this, spec);
    this.network = new Network(this.sim, this.nodes, this.random, this.trace, spec.network, links);
    for (const d of this.diskSpecs) {
      const node = this.byName.get(d.node);
      if (!node) throw new InputError(`createWorld: disk on unknown node ${JSON.stringify(d.node)}; nodes: ${[...this.byName.keys()].join(', ')}`);
      const name = d.name ? `${d.node}/${d.name}` : d.node;
      if (this.diskByName.has(name)) throw new InputError(`createWorld: disk ${JSON.stringify(name)} is listed twice; give it a name`);
      const disk = new Disk(this.sim, name, d.node, this.random.get(`disk/${name}`), this.trace, d);
      (this.disks as Disk[]).push(disk);
      node.disks.push(disk);
      this.diskByName.set(name, disk);
    }
    for (const h of this.sealHooks.splice(0)) h();
    this.applyPlan(this.faultsToApply);
    return this.network;
  }

  /** Run `fn` once the world is sealed (at once if it is): how the app registers its listeners. */
  onSeal(fn: () => void): void {
    if (this.network !== null) fn();
    else this.sealHooks.push(fn);
  }

  get nodeNames(): string[] {
    return this.nodes.map((n) => n.name);
  }

  get diskNames(): string[] {
    return this.disks.map((d) => d.name);
  }

  /** Zone name → node names, in node order. */
  get zones(): Map<string, string[]> {
    return groupBy(this.nodes, (n) => n.zone);
  }

  /** Region name → node names, in node order (empty when the spec declares no regions). */
  get regions(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const r of new Set(this.regionOfZone.values())) out.set(r, []);
    for (const n of this.nodes) {
      const r = this.regionOfZone.get(n.zone);
      if (r !== undefined) out.get(r)!.push(n.name);
    }
    return out;
  }

  /** The region of a node (by its zone), or undefined when the spec declares no regions. */
  regionOf(node: string): string | undefined {
    return this.regionOfZone.get(this.node(node).zone);
  }

  /** Region name → its zone names as declared (empty when the spec declares no regions). */
  get regionZones(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const [z, r] of this.regionOfZone) {
      let list = out.get(r);
      if (!list) out.set(r, (list = []));
      list.push(z);
    }
    return out;
  }

  /**
   * Nodes matching a selector: a node name, `*`, `zone:<name>`, `rack:<name>` or
   * `region:<name>`; an InputError naming what is valid otherwise.
   */
  select(selector: string, what = 'selector'): Node[] {
    if (selector.startsWith('region:')) return selectRegion(this, selector.slice(7), what);
    return this.net.select(selector, what).map((i) => this.nodes[i]!);
  }

  /** Rack name → node names, in node order. */
  get racks(): Map<string, string[]> {
    return groupBy(this.nodes, (n) => n.rack);
  }

  node(name: string): Node {
    const n = this.byName.get(name);
    if (!n) throw new InputError(`unknown node ${JSON.stringify(name)}; nodes: ${this.nodeNames.join(', ')}`);
    return n;
  }

  /**
   * Start or stop paying for a node (an autoscaler launching a pool slot, or terminating it): the
   * cost model charges its instance type for the simulated time it was billed.
   */
  setBilled(name: string, on: boolean): void {
    this.node(name);
    const b = this.billing.get(name)!;
    if (on && b.since === null) b.since = this.sim.now;
    else if (!on && b.since !== null) {
      b.paidUs += this.sim.now - b.since;
      b.since = null;
    }
  }

  /** Per node: its declared instance type, cores, zone (and region, when the world declares regions) and the simulated µs it has been billed so far. */
  billedTime(): { name: string; instanceType: string | undefined; cores: number; zone: string; region?: string; billedUs: number }[] {
    return this.nodes.map((n) => {
      const b = this.billing.get(n.name)!;
      const region = this.regionOfZone.get(n.zone);
      return { name: n.name, instanceType: b.instanceType, cores: n.cores, zone: n.zone, ...(region === undefined ? {} : { region }), billedUs: b.paidUs + (b.since === null ? 0 : this.sim.now - b.since) };
    });
  }

  hasNode(name: string): boolean {
    return this.byName.has(name);
  }

  /** The disk `name` (a node's name for its one disk). Like `net`, reading it seals a deferred world: disks are made then. */
  disk(name: string): Disk {
    if (this.network === null) this.seal();
    const d = this.diskByName.get(name);
    if (!d) throw new InputError(`unknown disk ${JSON.stringify(name)}; disks: ${this.diskNames.join(', ') || '(none)'}`);
    return d;
  }

  /** Disks selected by a disk name or a node name (every disk of that node). */
  disksOf(name: string): Disk[] {
    const d = this.diskByName.get(name);
    if (d) return [d];
    const n = this.byName.get(name);
    return n ? [...n.disks] : [];
  }

  /** Faults started and not yet ended. */
  get faultsActive(): number {
    return this.activeFaults;
  }

  /** Faults scheduled that have not started yet. */
  get faultsPending(): number {
    return this.scheduledFaults;
  }

  /**
   * Check every entry against this world, then schedule each. `index` in errors and trace
   * records is the entry's position in the plan as the user wrote it when known.
   */
  applyPlan(plan: readonly FaultLike[]): void {
    const prepared = plan.map((e, i) => this.prepare(e, entryIndex(e, i)));
    for (const p of prepared) this.schedule(p);
  }

  /** Faults prepared so far per stream key: a second fault with the same key gets `#2`, and so on. */
  private readonly faultKeys = new Map<string, number>();

  private prepare(entry: FaultLike, index: number): PreparedFault {
    const key = faultStreamKey(entry);
    const n = (this.faultKeys.get(key) ?? 0) + 1;
    this.faultKeys.set(key, n);
    return prepareFault(this, entry, index, `faults/${key}${n > 1 ? `#${n}` : ''}`);
  }

  /** Fault kinds modelled outside the world (registered in the fault-kind registry by their layer). */
  readonly externalFaultKinds = new Set<string>(['feature-flag']);
  private readonly externalHandlers = new Map<string, (entry: FaultLike) => void>();

  /**
   * Let another model apply plan entries of `kind` (feature flags apply `feature-flag` entries).
   * The entry starts at its `at` like any fault and is traced as an instant fault.
   */
  handleFaults(kind: string, handler: (entry: FaultLike) => void, check?: (entry: FaultLike) => ExternalFaultProblem | undefined): void {
    if (this.externalHandlers.has(kind)) throw new InputError(`world: fault kind ${kind} already has a handler`);
    this.externalFaultKinds.add(kind);
    this.externalHandlers.set(kind, handler);
    if (check !== undefined) this.externalChecks.set(kind, check);
  }

  /** Checks of externally applied kinds, run when an entry is prepared (before the run starts). */
  private readonly externalChecks = new Map<string, (entry: FaultLike) => ExternalFaultProblem | undefined>();

  /** @internal What is wrong with an entry of an externally applied kind, if its handler can tell now. */
  externalProblem(entry: FaultLike): ExternalFaultProblem | undefined {
    return this.externalChecks.get(entry.kind)?.(entry);
  }

  /** @internal */
  hasExternalHandler(kind: string): boolean {
    return this.externalHandlers.has(kind);
  }

  /** @internal */
  externalHandler(kind: string): ((entry: FaultLike) => void) | undefined {
    return this.externalHandlers.get(kind);
  }

  /** Check and schedule one entry (its `at` is absolute simulated time; a past `at` starts now). */
  inject(entry: FaultLike, index = -1): void {
    this.schedule(this.prepare(entry, index));
  }

  private schedule(p: PreparedFault): void {
    this.scheduledFaults++;
    const at = Math.max(this.sim.now, p.entry.at);
    this.sim.at(at, startFault, [this, p] as const);
  }

  /** @internal */
  _start(p: PreparedFault): void {
    this.scheduledFaults--;
    const e = p.entry;
    this.trace.emit({
      time: this.sim.now,
      kind: 'fault-start',
      ...(p.node !== undefined ? { node: p.node } : {}),
      fault: e.kind,
      index: p.index,
      ...(p.target !== undefined ? { target: p.target } : {}),
      ...(p.detail !== undefined ? { detail: p.detail } : {}),
    });
    const undo = p.start();
    if (p.instant) {
      this.emitEnd(p);
      return;
    }
    if (e.for !== undefined) {
      this.activeFaults++;
      this.sim.schedule(e.for, endFault, [this, p, undo] as const);
    } else if (undo !== null) {
      // lasts until something else ends it (a heal ends partitions, a restart ends a crash)
      this.activeFaults++;
      this.open.push({ p, undo });
    }
  }

  /**
   * @internal End open faults of `kind` (those without `for`), optionally only those on the
   * given nodes: a `heal` ends open partitions, a `restart` ends an open crash of that node.
   */
  _endOpen(kind: string, nodes?: readonly string[]): void {
    const keep: { p: PreparedFault; undo: () => void }[] = [];
    const ending: { p: PreparedFault; undo: () => void }[] = [];
    for (const o of this.open) {
      const hit = o.p.entry.kind === kind && (nodes === undefined || (o.p.node !== undefined && nodes.includes(o.p.node)));
      (hit ? ending : keep).push(o);
    }
    this.open = keep;
    for (const o of ending) this._end(o.p, o.undo);
  }

  /** @internal */
  _end(p: PreparedFault, undo: (() => void) | null): void {
    this.activeFaults--;
    undo?.();
    this.emitEnd(p);
  }

  private emitEnd(p: PreparedFault): void {
    this.lastFaultEndUs = this.sim.now;
    this.trace.emit({
      time: this.sim.now,
      kind: 'fault-end',
      ...(p.node !== undefined ? { node: p.node } : {}),
      fault: p.entry.kind,
      index: p.index,
      ...(p.target !== undefined ? { target: p.target } : {}),
    });
  }
}

/** What `handleFaults`' check found wrong with an entry: the field, and what would be valid. */
export interface ExternalFaultProblem {
  field: string;
  valid: string;
}

/**
 * @internal On a build context: makes `createWorld(ctx, spec)` the same world as the context's
 * `world(spec)`, so a scenario that mixes both builds one world.
 */
export const ADOPT_WORLD: unique symbol = Symbol.for('faultline.adoptWorld') as never;

/**
 * Build a world from a spec: its nodes, zones and racks, network and disks, with the run's fault
 * plan checked against it and scheduled. Inside `build`, `world(spec)` from the build context
 * does the same without the context.
 *
 * @example
 * ```ts
 * const world = createWorld(ctx, {
 *   nodes: ['a', 'b', 'c'],
 *   nodeDefaults: { cores: 4, serviceTime: { dist: 'exponential', mean: '2ms' } },
 *   zones: { 'us-east-1a': ['a'], 'us-east-1b': ['b'], 'us-east-1c': ['c'] },
 *   network: { latency: { dist: 'lognormal', median: '400us', sigma: 0.4 } },
 * });
 * ```
 */
export function createWorld(ctx: WorldContext, spec: WorldSpec): World {
  const adopt = (ctx as { [ADOPT_WORLD]?: (spec: WorldSpec) => World } | undefined)?.[ADOPT_WORLD];
  if (typeof adopt === 'function') return adopt(spec);
  return new World(ctx, spec);
}

function startFault(x: readonly [World, PreparedFault]): void {
  x[0]._start(x[1]);
}
function endFault(x: readonly [World, PreparedFault, (() => void) | null]): void {
  x[0]._end(x[1], x[2]);
}

/** The entry's index in the plan as written (`parseFaultPlan` sorts by `at`; it keeps the original index). */
function entryIndex(e: FaultLike, position: number): number {
  const i = (e as { index?: unknown }).index;
  return typeof i === 'number' && Number.isInteger(i) && i >= 0 ? i : position;
}

function invert(what: string, m: Readonly<Record<string, readonly string[]>> | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const [group, names] of Object.entries(m ?? {})) {
    if (!Array.isArray(names)) throw new InputError(`createWorld: ${what}.${group} must be a list of node names`);
    for (const n of names) {
      const prev = out.get(n);
      if (prev !== undefined && prev !== group) {
        throw new InputError(`createWorld: node ${JSON.stringify(n)} is in ${what} ${prev} and ${group}; a node belongs to one`);
      }
      out.set(n, group);
    }
  }
  return out;
}

function groupBy(nodes: readonly Node[], key: (n: Node) => string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const n of nodes) {
    const k = key(n);
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(n.name);
  }
  return out;
}
