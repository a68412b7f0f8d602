/**
 * How each fault kind acts on the world. The kinds' fields (the plan's schema) are declared in
 * `sim/faults/kinds.ts`; this file checks an entry's targets against a built world and turns it
 * into a start action that returns its undo. Entries reach here already validated by
 * `parseFaultPlan` when they come from a plan, but `world.inject` accepts entries from code, so
 * every field used is checked again, with the same message shape as the plan validator.
 */
import { durationSampler, type Sampler } from '../kernel/distribution.ts';
import { InputError } from '../kernel/errors.ts';
import { showValue } from '../kernel/show.ts';
import type { Random } from '../kernel/random.ts';
import { formatDuration } from '../kernel/time.ts';
import { DISK_ERRORS, type Disk, type DiskEffect, type DiskError } from './disk.ts';
import { DEFAULT_BITFLIP_RATE_PER_GB_PER_HOUR } from './memory.ts';
import type { LinkEffect } from './network.ts';
import { CONFIG_EFFECTS, type ConfigEffect, type Node } from './node.ts';
import { partitionGroups, PARTITION_DIRECTIONS, PARTITION_MODES, type PartitionDirection, type PartitionMode } from './partition.ts';
import type { World } from './world.ts';
import {
  CLOCK_STEP_MS_MAX,
  COUNT_MAX,
  DRIFT_PPM_MAX,
  FACTOR_MAX,
  FLIP_RATE_MAX,
  LEAK_MB_PER_HOUR_MAX,
  RATE_KB_PER_SEC_MAX,
  STAGES_MAX,
} from './fault-limits.ts';

/** A fault plan entry as the world needs it (`FaultEntry` from `sim/faults/plan.ts` fits). */
export interface FaultLike {
  at: number;
  kind: string;
  for?: number;
  [field: string]: unknown;
}

/**
 * A fault plan entry checked against a world and ready to run: what it targets and `start()`,
 * which applies it and returns its undo (null when there is nothing to undo).
 */
export interface PreparedFault {
  /** The entry as written. */
  entry: FaultLike;
  /** Its index in the plan as written (-1 for an entry injected from code). */
  index: number;
  node?: string;
  target?: string;
  detail?: string;
  /** Starts and ends at once (restart, heal, clock-jump, an immediate OOM kill). */
  instant: boolean;
  /** Apply the fault now; returns the undo that ends it (run at `at + for`, or by a heal or restart), or null. */
  start(): (() => void) | null;
}

type Handler = (w: World, e: FaultLike, f: Fields) => Omit<PreparedFault, 'entry' | 'index'>;

/** The fault kinds the world knows how to apply. */
export function worldFaultKinds(): string[] {
  return Object.keys(HANDLERS);
}

/**
 * The stable identity a fault's random draws derive from: its `id` when the entry has one, else
 * its kind, target and start. Not its position in the plan, so inserting or removing another
 * fault (a shrinker does) leaves this fault's choices (which links a lossy fault cuts, which
 * halves a random partition makes, which blocks a corruption hits) as they were.
 */
export function faultStreamKey(entry: FaultLike): string {
  if (typeof entry.id === 'string' && entry.id.length > 0) return `id/${entry.id}`;
  return `${entry.kind}/${faultTargetLabel(entry)}@${entry.at}`;
}

/** What an entry aims at, as one string: its target, link ends, zone, rack, flag, groups or nodes. */
function faultTargetLabel(e: FaultLike): string {
  if (typeof e.target === 'string') return e.target;
  if (e.kind.startsWith('link-')) return `${String(e.from ?? '*')}->${String(e.to ?? '*')}${e.direction ? `:${String(e.direction)}` : ''}`;
  for (const k of ['zone', 'rack', 'flag', 'region']) if (typeof e[k] === 'string') return e[k] as string;
  if (Array.isArray(e.groups)) return JSON.stringify(e.groups);
  if (Array.isArray(e.nodes)) return (e.nodes as unknown[]).join(',');
  return typeof e.mode === 'string' ? e.mode : '*';
}

/** `stream` names the fault's random stream (`faults/<faultStreamKey>`, made unique by the world). */
export function prepareFault(w: World, entry: FaultLike, index: number, stream = `faults/${faultStreamKey(entry)}`): PreparedFault {
  const f = new Fields(entry, index, stream);
  if (typeof entry.at !== 'number' || !(entry.at >= 0)) throw f.err('at', entry.at, 'use a time ≥ 0 in microseconds (parseFaultPlan converts "30s")');
  if (entry.for !== undefined && !(typeof entry.for === 'number' && entry.for >= 0)) {
    throw f.err('for', entry.for, 'use a duration ≥ 0 in microseconds');
  }
  const h = HANDLERS[entry.kind];
  if (!h) {
    // A kind another layer models (a feature flag, say): the model registers its handler with
    // `world.handleFaults(kind, ...)` when the scenario creates it; the handler is looked up when
    // the fault starts, and a plan entry that nothing in the scenario handles is an input error.
    if (!w.externalFaultKinds.has(entry.kind) && !w.hasExternalHandler(entry.kind)) {
      throw f.err('kind', entry.kind, `valid kinds: ${worldFaultKinds().join(', ')}`);
    }
    const problem = w.externalProblem(entry);
    if (problem !== undefined) throw f.err(problem.field, entry[problem.field], problem.valid);
    return {
      entry,
      index,
      instant: true,
      detail: 'applied by the scenario',
      start: () => {
        const handler = w.externalHandler(entry.kind);
        if (handler === undefined) {
          throw f.err('kind', entry.kind, `nothing in this scenario applies it (for feature-flag: create featureFlags({ world, ... }))`);
        }
        handler(entry);
        return null;
      },
    };
  }
  return { entry, index, ...h(w, entry, f) };
}

class Fields {
  constructor(
    readonly e: FaultLike,
    readonly index: number,
    readonly stream: string,
  ) {}

  fail(field: string, value: unknown, valid: string): never {
    throw this.err(field, value, valid);
  }

  err(field: string, value: unknown, valid: string): InputError {
    return new InputError(`fault plan entry ${this.index} (${this.e.kind}): ${field}=${showValue(value)} is not valid; ${valid}`);
  }

  num(field: string, dflt: number | undefined, min: number, max: number): number {
    const v = this.e[field] ?? dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      this.fail(field, this.e[field], `use a number in [${min}, ${max}]`);
    }
    return v;
  }

  duration(field: string, dflt: number): number {
    const v = this.e[field] ?? dflt;
    if (typeof v !== 'number' || !(v >= 0 && v < Infinity)) this.fail(field, this.e[field], 'use a duration ≥ 0 in microseconds');
    return v;
  }

  str(field: string, dflt?: string): string {
    const v = this.e[field] ?? dflt;
    if (typeof v !== 'string' || v.length === 0) this.fail(field, this.e[field], 'use a non-empty string');
    return v;
  }

  oneOf<T extends string>(field: string, values: readonly T[], dflt: T): T {
    const v = this.e[field] ?? dflt;
    if (typeof v !== 'string' || !values.includes(v as T)) this.fail(field, this.e[field], `use one of ${values.join(', ')}`);
    return v as T;
  }

  bool(field: string, dflt: boolean): boolean {
    const v = this.e[field] ?? dflt;
    if (typeof v !== 'boolean') this.fail(field, this.e[field], 'use true or false');
    return v;
  }

  /** Nodes selected by a node name, "*", "zone:<z>" or "rack:<r>". */
  nodes(w: World, field: string, dflt?: string): Node[] {
    const sel = this.e[field] ?? dflt;
    if (typeof sel !== 'string') this.fail(field, sel, `use a node name; known nodes: ${w.nodeNames.join(', ')}`);
    try {
      return w.select(sel, field);
    } catch (err) {
      if (sel.startsWith('region:')) this.fail(field, sel, err instanceof Error ? err.message.replace(/^[^:]*: /, '') : String(err));
      this.fail(field, sel, `known nodes: ${w.nodeNames.join(', ')} (or "*", "zone:<name>", "rack:<name>")`);
    }
  }

  disks(w: World, field: string): Disk[] {
    const sel = this.e[field];
    const valid = `known disks: ${w.diskNames.join(', ') || '(none: give nodes a disk)'}; a node name selects all its disks`;
    if (typeof sel !== 'string') this.fail(field, sel, valid);
    const d = sel === '*' ? [...w.disks] : w.disksOf(sel);
    if (d.length === 0) this.fail(field, sel, valid);
    return d;
  }
}

function names(nodes: readonly Node[]): string {
  return nodes.map((n) => n.name).join(',');
}

function undoAll(undos: (() => void)[]): () => void {
  return () => {
    for (const u of undos) u();
  };
}

function faultRandom(w: World, f: Fields): Random {
  return w.random.get(f.stream);
}

const nodeTarget = (w: World, nodes: Node[], sel: string) =>
  nodes.length === 1 ? { node: nodes[0]!.name, target: nodes[0]!.name } : { target: sel, detail: `nodes: ${names(nodes)}` };

const linkEffect = (w: World, e: FaultLike, f: Fields, effect: LinkEffect, detail: string): Omit<PreparedFault, 'entry' | 'index'> => {
  const from = f.nodes(w, 'from', '*');
  const to = f.nodes(w, 'to', '*');
  const direction = f.oneOf<PartitionDirection>('direction', PARTITION_DIRECTIONS, 'to');
  const a = from.map((n) => w.net.indexOf(n.name));
  const b = to.map((n) => w.net.indexOf(n.name));
  const sel = `${String(e.from ?? '*')}->${String(e.to ?? '*')}${direction === 'both' ? ' (both ways)' : direction === 'from' ? ' (reverse)' : ''}`;
  const toxicity = f.num('toxicity', 1, 0, 1);
  return {
    target: sel,
    detail: toxicity < 1 ? `${detail}, toxicity ${toxicity}` : detail,
    instant: false,
    start: () => {
      const undos: (() => void)[] = [];
      const add = (src: number[], dst: number[]): void => {
        if (toxicity >= 1) {
          undos.push(w.net.addLinkEffect(src, dst, effect));
          return;
        }
        // Toxiproxy semantics: toxicity is rolled once per link (connection direction), not per message
        const rng = faultRandom(w, f);
        for (const i of src) for (const j of dst) if (i !== j && rng.next() < toxicity) undos.push(w.net.addLinkEffect([i], [j], effect));
      };
      if (direction !== 'from') add(a, b);
      if (direction !== 'to') add(b, a);
      return undoAll(undos);
    },
  };
};

const diskEffect = (w: World, f: Fields, effect: DiskEffect, detail: string): Omit<PreparedFault, 'entry' | 'index'> => {
  const disks = f.disks(w, 'target');
  return {
    target: String(f.e.target),
    ...(disks.length === 1 ? { node: disks[0]!.node } : {}),
    detail,
    instant: false,
    start: () => undoAll(disks.map((d) => d.addEffect(effect))),
  };
};

/**
 * What `for` means for the kinds that take nodes down (crash, zone-outage power, rack-power-loss):
 * the nodes stay crashed for `for`, then restart, which takes each node's restart delay, so they
 * serve again at at + for + restartDelay — as an AWS FIS stop-instances action starts the
 * instances after its duration and they then boot. Said in the fault's detail (report, trace).
 */
function downtimeDetail(e: FaultLike, nodes: readonly Node[]): string {
  if (e.for === undefined) return 'stays down until a restart or heal';
  const delays = [...new Set(nodes.map((n) => n.restartDelayUs))].sort((a, b) => a - b);
  const back = delays.map((d) => formatDuration(e.at + e.for! + d)).join('–');
  return `down ${formatDuration(e.for)}, then restarts (${delays.map(formatDuration).join('–')}): serving again at ${back}`;
}

const HANDLERS: Record<string, Handler> = {
  crash(w, e, f) {
    const nodes = f.nodes(w, 'target');
    const scope = f.oneOf('scope', ['machine', 'process'] as const, 'machine');
    const where = nodeTarget(w, nodes, String(e.target));
    return {
      ...where,
      detail: [where.detail, downtimeDetail(e, nodes)].filter(Boolean).join('; '),
      instant: false,
      start: () => {
        for (const n of nodes) n.crash(`fault: crash (${scope})`, scope);
        return () => {
          for (const n of nodes) if (n.state === 'crashed') n.restart('fault ended: crash');
        };
      },
    };
  },
  restart(w, e, f) {
    const nodes = f.nodes(w, 'target');
    const delay = e.restartDelay === undefined ? undefined : f.duration('restartDelay', 0);
    return {
      ...nodeTarget(w, nodes, String(e.target)),
      instant: true,
      start: () => {
        for (const n of nodes) n.restart('fault: restart', delay ?? n.restartDelayUs);
        w._endOpen('crash', nodes.map((n) => n.name));
        return null;
      },
    };
  },
  pause(w, e, f) {
    const nodes = f.nodes(w, 'target');
    return {
      ...nodeTarget(w, nodes, String(e.target)),
      instant: false,
      start: () => {
        const paused = nodes.filter((n) => n.alive);
        for (const n of paused) n.pause('fault: pause');
        return () => {
          for (const n of paused) n.resume('fault ended: pause');
        };
      },
    };
  },
  limp(w, e, f) {
    const nodes = f.nodes(w, 'target');
    const factor = f.num('factor', 10, 1, FACTOR_MAX);
    return {
      ...nodeTarget(w, nodes, String(e.target)),
      detail: `factor ${factor}`,
      instant: false,
      start: () => undoAll(nodes.map((n) => n.limp(factor, `fault: limp x${factor}`))),
    };
  },
  oom(w, e, f) {
    const nodes = f.nodes(w, 'target');
    if (e.leakMbPerHour === undefined) {
      return {
        ...nodeTarget(w, nodes, String(e.target)),
        instant: true,
        start: () => {
          for (const n of nodes) n.oomKill();
          return null;
        },
      };
    }
    const rate = f.num('leakMbPerHour', undefined, 0, LEAK_MB_PER_HOUR_MAX);
    return {
      ...nodeTarget(w, nodes, String(e.target)),
      detail: `leak ${rate} MiB/h`,
      instant: false,
      start: () => undoAll(nodes.map((n) => n.leak(rate))),
    };
  },
  partition(w, e, f) {
    const mode = f.oneOf<PartitionMode>('mode', PARTITION_MODES, e.groups !== undefined ? 'groups' : e.target !== undefined ? 'isolate' : 'random-halves');
    const direction = f.oneOf<PartitionDirection>('direction', PARTITION_DIRECTIONS, 'both');
    const all = e.nodes === undefined ? w.nodeNames : checkNames(w, f, 'nodes', e.nodes);
    let groups: string[][];
    if (mode === 'groups') {
      if (!Array.isArray(e.groups) || e.groups.length < 2) throw f.err('groups', e.groups, 'use at least two groups of node names, such as [["a","b"],["c"]]');
      groups = (e.groups as unknown[]).map((g, i) => checkNames(w, f, `groups[${i}]`, g));
    } else if (mode === 'isolate') {
      const t = f.nodes(w, 'target');
      if (t.length !== 1) throw f.err('target', e.target, 'isolate one node: use a node name');
      groups = partitionGroups('isolate', { nodes: all, target: t[0]!.name, random: faultRandom(w, f) });
    } else {
      try {
        groups = partitionGroups(mode, { nodes: all, random: faultRandom(w, f) });
      } catch (err) {
        throw f.err('mode', mode, err instanceof Error ? err.message : String(err));
      }
    }
    return {
      detail: `${mode} ${direction}: ${groups.map((g) => `[${g.join(',')}]`).join(' | ')}`,
      instant: false,
      start: () => {
        const id = w.net.partition(groups, direction);
        return () => void w.net.heal(id);
      },
    };
  },
  heal(w) {
    return {
      instant: true,
      start: () => {
        w._endOpen('partition');
        w._endOpen('zone-outage');
        w._endOpen('region-outage');
        w.net.healAll();
        return null;
      },
    };
  },
  'link-latency'(w, e, f) {
    let extra: Sampler;
    let detail: string;
    if (e.distribution !== undefined) {
      try {
        extra = durationSampler(e.distribution as never, 'distribution');
      } catch (err) {
        throw f.err('distribution', e.distribution, err instanceof Error ? err.message : String(err));
      }
      detail = `+${JSON.stringify(e.distribution)}`;
    } else {
      const lat = f.duration('latency', 0);
      const jitter = f.duration('jitter', 0);
      // Toxiproxy: latency + U[-jitter, +jitter), never below zero
      extra = jitter === 0 ? () => lat : (r) => Math.max(0, Math.round(lat - jitter + 2 * jitter * r.next()));
      detail = `+${lat}us ±${jitter}us`;
    }
    return linkEffect(w, e, f, { extraLatency: extra }, detail);
  },
  'link-loss'(w, e, f) {
    const p = f.num('percent', 100, 0, 100);
    return linkEffect(w, e, f, { lossPercent: p }, `${p}% lost`);
  },
  'link-duplicate'(w, e, f) {
    const p = f.num('percent', 100, 0, 100);
    return linkEffect(w, e, f, { duplicatePercent: p }, `${p}% duplicated`);
  },
  'link-reorder'(w, e, f) {
    const p = f.num('percent', 25, 0, 100);
    const gap = f.duration('delay', 10_000);
    return linkEffect(w, e, f, { reorderPercent: p, reorderDelay: (r) => Math.round(gap * r.next()) + 1 }, `${p}% held up to ${gap}us`);
  },
  'link-bandwidth'(w, e, f) {
    const kb = f.num('rateKBPerSec', undefined, 0.001, RATE_KB_PER_SEC_MAX);
    return linkEffect(w, e, f, { bandwidthBytesPerSec: kb * 1000 }, `${kb} KB/s`);
  },
  'link-corrupt'(w, e, f) {
    const p = f.num('percent', 100, 0, 100);
    return linkEffect(w, e, f, { corruptPercent: p }, `${p}% corrupted`);
  },
  'disk-error'(w, e, f) {
    const mode = f.oneOf('mode', ['io', 'latent-sector'] as const, 'io');
    if (mode === 'latent-sector') {
      const disks = f.disks(w, 'target');
      const count = f.num('count', 1, 1, COUNT_MAX);
      return {
        target: String(e.target),
        ...(disks.length === 1 ? { node: disks[0]!.node } : {}),
        detail: `${count} latent sector errors`,
        instant: true,
        start: () => {
          for (const d of disks) d.addLatentErrors(count, faultRandom(w, f));
          return null;
        },
      };
    }
    const op = f.oneOf('op', ['read', 'write', 'fsync', 'all'] as const, 'all');
    const p = f.num('percent', 100, 0, 100);
    const error = f.oneOf<DiskError>('errno', DISK_ERRORS, 'EIO');
    const effect: DiskEffect = {
      error,
      ...(op === 'read' || op === 'all' ? { readErrorPercent: p } : {}),
      ...(op === 'write' || op === 'all' ? { writeErrorPercent: p } : {}),
      ...(op === 'fsync' || op === 'all' ? { fsyncErrorPercent: p } : {}),
    };
    return diskEffect(w, f, effect, `${error} on ${op}, ${p}%`);
  },
  'disk-slow'(w, e, f) {
    const factor = f.num('factor', e.latency !== undefined || e.stall === true ? 1 : 10, 1, FACTOR_MAX);
    const extra = f.duration('latency', 0);
    const stall = f.bool('stall', false);
    return diskEffect(w, f, { slowFactor: factor, extraLatencyUs: extra, stall }, stall ? 'stalled' : `x${factor} +${extra}us`);
  },
  'disk-corrupt'(w, e, f) {
    const mode = f.oneOf('mode', ['at-rest', 'on-read'] as const, 'at-rest');
    if (mode === 'at-rest') {
      const disks = f.disks(w, 'target');
      const count = f.num('count', 1, 1, COUNT_MAX);
      return {
        target: String(e.target),
        ...(disks.length === 1 ? { node: disks[0]!.node } : {}),
        detail: `${count} blocks at rest`,
        instant: true,
        start: () => {
          for (const d of disks) d.corruptAtRest(count, faultRandom(w, f));
          return null;
        },
      };
    }
    const p = f.num('percent', 100, 0, 100);
    return diskEffect(w, f, { corruptReadPercent: p }, `${p}% of reads`);
  },
  'disk-full'(w, e, f) {
    return diskEffect(w, f, { full: true }, 'ENOSPC on write');
  },
  'disk-misdirect'(w, e, f) {
    const p = f.num('percent', 100, 0, 100);
    return diskEffect(w, f, { misdirectPercent: p }, `${p}% of writes`);
  },
  bitflip(w, e, f) {
    const nodes = f.nodes(w, 'target');
    const count = e.count === undefined ? 0 : f.num('count', 0, 1, COUNT_MAX);
    // neither count nor rate: the field-study rate while the fault lasts
    const rate =
      e.rateGbPerHour !== undefined ? f.num('rateGbPerHour', 0, 0, FLIP_RATE_MAX) : count === 0 ? DEFAULT_BITFLIP_RATE_PER_GB_PER_HOUR : 0;
    const bits = f.num('bits', 1, 1, 64);
    if (count === 0 && rate === 0) throw f.err('rateGbPerHour', e.rateGbPerHour, 'give count (flips now) or a rate > 0 (flips while the fault lasts)');
    return {
      ...nodeTarget(w, nodes, String(e.target)),
      detail: `${count > 0 ? `${count} flips` : ''}${count > 0 && rate > 0 ? ', ' : ''}${rate > 0 ? `${rate}/GiB/h` : ''}`,
      instant: rate === 0,
      start: () => {
        for (const n of nodes) n.memory.flipRandom(count, bits, faultRandom(w, f));
        if (rate === 0) return null;
        for (const n of nodes) n.memory.addFaultRate(rate);
        return () => {
          for (const n of nodes) n.memory.addFaultRate(-rate);
        };
      },
    };
  },
  'clock-skew'(w, e, f) {
    const nodes = f.nodes(w, 'target');
    const offsetUs = Math.round(f.num('offsetMs', undefined, -CLOCK_STEP_MS_MAX, CLOCK_STEP_MS_MAX) * 1000);
    return {
      ...nodeTarget(w, nodes, String(e.target)),
      detail: `${offsetUs}us`,
      instant: false,
      start: () => {
        for (const n of nodes) n.clock.step(offsetUs, 'skew');
        return () => {
          for (const n of nodes) n.clock.step(-offsetUs, 'skew');
        };
      },
    };
  },
  'clock-drift'(w, e, f) {
    const nodes = f.nodes(w, 'target');
    const ppm = f.num('driftPpm', undefined, -DRIFT_PPM_MAX, DRIFT_PPM_MAX);
    return {
      ...nodeTarget(w, nodes, String(e.target)),
      detail: `${ppm} ppm`,
      instant: false,
      start: () => {
        const before = nodes.map((n) => n.clock.driftPpm);
        for (const n of nodes) n.clock.setDrift(ppm);
        return () => nodes.forEach((n, i) => n.clock.setDrift(before[i]!));
      },
    };
  },
  'clock-jump'(w, e, f) {
    const nodes = f.nodes(w, 'target');
    const byUs = Math.round(f.num('byMs', undefined, -CLOCK_STEP_MS_MAX, CLOCK_STEP_MS_MAX) * 1000);
    return {
      ...nodeTarget(w, nodes, String(e.target)),
      detail: `${byUs}us`,
      instant: true,
      start: () => {
        for (const n of nodes) n.clock.step(byUs, 'jump');
        return null;
      },
    };
  },
  'zone-outage'(w, e, f) {
    const zone = f.str('zone');
    const zones = w.zones;
    const members = zones.get(zone);
    if (!members) throw f.err('zone', zone, `known zones: ${[...zones.keys()].join(', ')}`);
    const mode = f.oneOf('mode', ['power', 'network'] as const, 'power');
    return groupOutage(w, e, zone, members, mode, `network: ${members.join(',')}`);
  },
  'rack-power-loss'(w, e, f) {
    const rack = f.str('rack');
    const racks = w.racks;
    const members = racks.get(rack);
    if (!members) throw f.err('rack', rack, `known racks: ${[...racks.keys()].join(', ')}`);
    const nodes = members.map((n) => w.node(n));
    return {
      target: rack,
      detail: `${members.join(',')}; ${downtimeDetail(e, nodes)}`,
      instant: false,
      start: () => {
        // power loss: the machines and their disks' volatile caches go at once
        for (const n of nodes) n.crash(`fault: rack-power-loss ${rack}`, 'machine');
        return () => {
          for (const n of nodes) if (n.state === 'crashed') n.restart(`fault ended: rack-power-loss ${rack}`);
        };
      },
    };
  },
  'config-push'(w, e, f) {
    const nodes = f.nodes(w, 'target', '*');
    const version = f.str('version', 'bad');
    const effect = f.oneOf<ConfigEffect>('effect', CONFIG_EFFECTS, 'crash');
    const factor = f.num('factor', 10, 1, FACTOR_MAX);
    const stages = f.num('stages', 1, 1, Math.min(nodes.length, STAGES_MAX));
    if (!Number.isInteger(stages)) throw f.err('stages', e.stages, `use an integer from 1 to ${nodes.length}`);
    const intervalUs = f.duration('stageInterval', 60_000_000);
    // stage k gets nodes [k·n/stages, (k+1)·n/stages): a canary first, then the rest in waves
    const waves: Node[][] = [];
    for (let k = 0; k < stages; k++) {
      waves.push(nodes.slice(Math.floor((k * nodes.length) / stages), Math.floor(((k + 1) * nodes.length) / stages)));
    }
    return {
      ...nodeTarget(w, nodes, String(e.target ?? '*')),
      detail: `${version} (${effect}) in ${stages} stage${stages > 1 ? 's' : ''}: ${waves.map((x) => names(x)).join(' then ')}`,
      instant: false,
      start: () => {
        const pushed: Node[] = [];
        const timers: number[] = [];
        const cfg = { version, effect, factor };
        const push = (wave: Node[]): void => {
          for (const n of wave) {
            n.pushConfig(cfg);
            pushed.push(n);
          }
        };
        push(waves[0]!);
        for (let k = 1; k < waves.length; k++) timers.push(w.sim.schedule(k * intervalUs, push, waves[k]!));
        return () => {
          for (const t of timers) w.sim.cancel(t);
          for (const n of pushed) n.rollbackConfig();
        };
      },
    };
  },
  // ---- regions (sim/world/regions.ts) ----
  'region-outage'(w, e, f) {
    const region = f.str('region');
    const regions = w.regions;
    const members = regions.get(region);
    if (!members || members.length === 0) {
      throw f.err('region', region, regions.size > 0 ? `known regions: ${[...regions.keys()].join(', ')}` : 'the world declares no regions (createWorld regions: { name: [zones] })');
    }
    const mode = f.oneOf('mode', ['power', 'network'] as const, 'power');
    return groupOutage(w, e, region, members, mode, `network: ${members.join(',')} cut off from every other region`);
  },
};

/**
 * A zone's or a region's outage: power (its nodes crash, losing unsynced writes, and restart when
 * the fault ends) or network (its nodes are cut off from every other node while it lasts).
 */
function groupOutage(w: World, e: FaultLike, name: string, members: readonly string[], mode: 'power' | 'network', networkDetail: string): Omit<PreparedFault, 'entry' | 'index'> {
  const nodes = members.map((n) => w.node(n));
  return {
    target: name,
    detail: mode === 'power' ? `power: ${members.join(',')}; ${downtimeDetail(e, nodes)}` : networkDetail,
    instant: false,
    start: () => {
      if (mode === 'network') {
        const others = w.nodeNames.filter((n) => !members.includes(n));
        if (others.length === 0) return () => {};
        const id = w.net.partition([[...members], others], 'both');
        return () => void w.net.heal(id);
      }
      for (const n of nodes) n.crash(`fault: ${e.kind} ${name}`, 'machine');
      return () => {
        for (const n of nodes) if (n.state === 'crashed') n.restart(`fault ended: ${e.kind} ${name}`);
      };
    },
  };
}

function checkNames(w: World, f: Fields, field: string, v: unknown): string[] {
  if (!Array.isArray(v) || v.length === 0) throw f.err(field, v, 'use a non-empty list of node names');
  return v.map((x, i) => {
    if (typeof x !== 'string' || !w.hasNode(x)) throw f.err(`${field}[${i}]`, x, `known nodes: ${w.nodeNames.join(', ')}`);
    return x;
  });
}
