/**
 * Nemeses: fault generators that write their random choices into a plain fault plan, so any run
 * can be replayed from its printed plan alone. Use them in a scenario's `faults` function, which
 * receives a stream derived from the run's seed:
 *
 *   faults: (params, random) => [
 *     ...chaosMonkey(random, { group: ['web1', 'web2', 'web3'], meanTimeBetweenKills: '2m', end: '10m' }),
 *     ...randomPartitions(random, { nodes: ['db1', 'db2', 'db3'], meanInterval: '1m', duration: '15s', end: '10m' }),
 *   ]
 *
 * Every choice (who, when, how hard) is drawn from the given `Random` and nothing else; random
 * partition shapes are resolved into explicit groups here, so the plan says exactly what happened.
 * Times are rounded to whole milliseconds and written as strings ("12.345s").
 */
import { InputError } from '../kernel/errors.ts';
import type { Random } from '../kernel/random.ts';
import { formatDuration, parseDuration, type Duration } from '../kernel/time.ts';
import { partitionGroups, type PartitionMode } from '../world/partition.ts';

/** A fault plan entry as a nemesis writes it: plain JSON with times as strings (`"12.345s"`), ready for `parseFaultPlan`. */
export type PlanEntry = Record<string, unknown>;

const ms = (us: number): string => formatDuration(Math.max(0, Math.round(us / 1000)) * 1000);

/** The options of `chaosMonkey`, in Netflix Chaos Monkey's terms: the group, mean and minimum time between kills, and the window. */
export interface ChaosMonkeyOptions {
  /** The eligible instances (Chaos Monkey's `grouping`: one app, stack or cluster). */
  group: readonly string[];
  /** Netflix `meanTimeBetweenKillsInWorkDays`, as a duration. */
  meanTimeBetweenKills: Duration;
  /** Netflix `minTimeBetweenKillsInWorkDays`, as a duration. Default 0. */
  minTimeBetweenKills?: Duration;
  /**
   * The decision period (Chaos Monkey's "workday"): once per period, kill with probability
   * period / meanTimeBetweenKills at a uniform time within it. Default meanTimeBetweenKills / 2,
   * the ratio of Netflix's documented defaults (mean 2 workdays, one decision per workday).
   */
  period?: Duration;
  /** When kills may start. Default 0. */
  start?: Duration;
  /** When kills stop (required). */
  end: Duration;
  /** How long a killed instance is down before it is replaced (its auto-scaling group). Default "1m"; "0s" means never. */
  downFor?: Duration;
  /** What a kill crashes: the machine (unsynced disk writes lost) or the process (`kill -9`: page cache survives). Default machine. */
  scope?: 'machine' | 'process';
}

/**
 * Chaos Monkey (Netflix, `schedule/schedule.go`): each period, for the group, with probability
 * 1/MTBK (in periods) pick a uniform time within the period and terminate one random member,
 * unless a kill happened within minTimeBetweenKills.
 */
export function chaosMonkey(random: Random, o: ChaosMonkeyOptions): PlanEntry[] {
  if (!Array.isArray(o.group) || o.group.length === 0) throw new InputError('chaosMonkey: group must list at least one node');
  const mtbk = parseDuration(o.meanTimeBetweenKills, 'chaosMonkey: meanTimeBetweenKills');
  if (mtbk <= 0) throw new InputError('chaosMonkey: meanTimeBetweenKills must be > 0');
  const period = parseDuration(o.period ?? Math.max(1, Math.round(mtbk / 2)), 'chaosMonkey: period');
  if (period <= 0 || period > mtbk) {
    throw new InputError(`chaosMonkey: period ${formatDuration(period)} is not valid; use a duration in (0, meanTimeBetweenKills]`);
  }
  const minGap = parseDuration(o.minTimeBetweenKills ?? 0, 'chaosMonkey: minTimeBetweenKills');
  const start = parseDuration(o.start ?? 0, 'chaosMonkey: start');
  const end = parseDuration(o.end, 'chaosMonkey: end');
  const downFor = parseDuration(o.downFor ?? '1m', 'chaosMonkey: downFor');
  const p = period / mtbk;
  const out: PlanEntry[] = [];
  let lastKill = -Infinity;
  for (let t = start; t < end; t += period) {
    const roll = random.next();
    const at = t + random.next() * Math.min(period, end - t);
    const victim = random.choice(o.group);
    if (roll >= p || at - lastKill < minGap) continue;
    lastKill = at;
    out.push({
      at: ms(at),
      kind: 'crash',
      target: victim,
      ...(o.scope ? { scope: o.scope } : {}),
      ...(downFor > 0 ? { for: ms(downFor) } : {}),
    });
  }
  return out;
}

/** The options of `randomPartitions`, after Jepsen's partition nemesis: the nodes, the mean quiet interval, each partition's duration, and the shapes. */
export interface RandomPartitionsOptions {
  /** The nodes to partition (at least two). */
  nodes: readonly string[];
  /** Mean quiet time between partitions (exponential), as Jepsen's nemesis schedule `:interval`. */
  meanInterval: Duration;
  /** How long each partition lasts. */
  duration: Duration;
  /** Shapes to choose from (default isolate, majority-minority, bridge, random-halves). */
  modes?: readonly Exclude<PartitionMode, 'groups'>[];
  /** Also make some partitions one-way (default false). */
  oneWay?: boolean;
  /** When partitions may start. Default 0. */
  start?: Duration;
  /** No partition starts at or after this (required). */
  end: Duration;
}

/** Random partitions, one at a time, each healed after `duration`, resolved into explicit groups. */
export function randomPartitions(random: Random, o: RandomPartitionsOptions): PlanEntry[] {
  const nodes = [...o.nodes];
  if (nodes.length < 2) throw new InputError('randomPartitions: nodes must list at least two nodes');
  const interval = parseDuration(o.meanInterval, 'randomPartitions: meanInterval');
  const duration = parseDuration(o.duration, 'randomPartitions: duration');
  if (interval <= 0 || duration <= 0) throw new InputError('randomPartitions: meanInterval and duration must be > 0');
  const modes = o.modes ?? (nodes.length >= 3 ? ['isolate', 'majority-minority', 'bridge', 'random-halves'] : ['isolate', 'random-halves']);
  const start = parseDuration(o.start ?? 0, 'randomPartitions: start');
  const end = parseDuration(o.end, 'randomPartitions: end');
  const out: PlanEntry[] = [];
  let t = start + random.exponential(interval);
  while (t < end) {
    const mode = random.choice(modes);
    const target = mode === 'isolate' ? random.choice(nodes) : undefined;
    const groups = partitionGroups(mode, { nodes, ...(target ? { target } : {}), random });
    const direction = o.oneWay && random.next() < 0.5 ? 'to' : 'both';
    out.push({ at: ms(t), kind: 'partition', groups, ...(direction !== 'both' ? { direction } : {}), for: ms(duration) });
    t += duration + random.exponential(interval);
  }
  return out;
}

/** The options of `swarm`: the targets (which decide the kinds it can generate), the candidate kinds, the window, and occurrences per kind. */
export interface SwarmOptions {
  /** Node names to aim faults at. */
  nodes: readonly string[];
  /** Disk names (enables disk kinds). */
  disks?: readonly string[];
  /** Zone names (enables zone kinds). */
  zones?: readonly string[];
  /** Rack names (enables rack kinds). */
  racks?: readonly string[];
  /** Candidate kinds (default: every kind the targets allow). */
  kinds?: readonly string[];
  /** When faults may start. Default 0. */
  start?: Duration;
  /** The end of the window (required); faults start in its first 80%. */
  end: Duration;
  /** Occurrences per enabled kind are drawn from 1..eventsMaxPerKind. Default 3. */
  eventsMaxPerKind?: number;
}

/** Kinds swarm mode can generate, given targets. */
export const SWARM_KINDS: readonly string[] = [
  'crash', 'restart', 'pause', 'limp', 'oom', 'partition',
  'link-latency', 'link-loss', 'link-duplicate', 'link-reorder', 'link-bandwidth', 'link-corrupt',
  'disk-error', 'disk-slow', 'disk-corrupt', 'disk-full', 'disk-misdirect',
  'bitflip', 'clock-skew', 'clock-drift', 'clock-jump', 'zone-outage', 'rack-power-loss', 'config-push',
];

/**
 * Swarm testing (Groce et al., ISSTA 2012; FoundationDB's per-run BUGGIFY activation;
 * TigerBeetle's `options_swarm`): each run enables a random subset of fault kinds (each with
 * probability 1/2, at least one) at random intensities, so different seeds stress different
 * mixes instead of every run getting a thin average of everything.
 */
export function swarm(random: Random, o: SwarmOptions): PlanEntry[] {
  const nodes = [...o.nodes];
  if (nodes.length === 0) throw new InputError('swarm: nodes must list at least one node');
  const disks = [...(o.disks ?? [])];
  const start = parseDuration(o.start ?? 0, 'swarm: start');
  const end = parseDuration(o.end, 'swarm: end');
  if (end <= start) throw new InputError('swarm: end must be after start');
  const span = end - start;
  const perKindMax = o.eventsMaxPerKind ?? 3;
  const candidates = (o.kinds ?? SWARM_KINDS).filter((k) => {
    if (!SWARM_KINDS.includes(k)) throw new InputError(`swarm: kind ${JSON.stringify(k)} is not valid; valid: ${SWARM_KINDS.join(', ')}`);
    if (k.startsWith('disk-')) return disks.length > 0;
    if (k === 'zone-outage') return (o.zones ?? []).length > 0;
    if (k === 'rack-power-loss') return (o.racks ?? []).length > 0;
    if (k === 'partition') return nodes.length >= 2;
    return true;
  });
  if (candidates.length === 0) return [];
  let enabled = candidates.filter(() => random.next() < 0.5);
  if (enabled.length === 0) enabled = [random.choice(candidates)];
  const out: PlanEntry[] = [];
  for (const kind of enabled) {
    const events = random.int(1, perKindMax);
    // one intensity per kind and run: the point of swarm mode
    const pct = Math.round(random.uniform(1, 50));
    const factor = Math.round(random.uniform(2, 20));
    for (let i = 0; i < events; i++) {
      const at = start + random.next() * span * 0.8;
      const len = Math.max(1000, random.uniform(0.01, 0.2) * span);
      const node = random.choice(nodes);
      const disk = disks.length > 0 ? random.choice(disks) : '';
      const base = { at: ms(at), kind };
      const forLen = { for: ms(len) };
      switch (kind) {
        case 'crash':
          out.push({ ...base, target: node, ...forLen });
          break;
        case 'restart':
          out.push({ ...base, target: node });
          break;
        case 'pause':
          out.push({ ...base, target: node, for: ms(Math.min(len, 10_000_000)) });
          break;
        case 'limp':
          out.push({ ...base, target: node, factor, ...forLen });
          break;
        case 'oom':
          out.push({ ...base, target: node });
          break;
        case 'partition': {
          const mode = random.choice(['isolate', 'majority-minority', 'random-halves'] as const);
          const groups = partitionGroups(mode, { nodes, target: node, random });
          out.push({ ...base, groups, ...forLen });
          break;
        }
        case 'link-latency':
          out.push({ ...base, from: node, to: '*', latency: ms(random.uniform(1_000, 200_000)), ...forLen });
          break;
        case 'link-loss':
        case 'link-duplicate':
        case 'link-corrupt':
          out.push({ ...base, from: node, to: '*', direction: 'both', percent: pct, ...forLen });
          break;
        case 'link-reorder':
          out.push({ ...base, from: '*', to: node, percent: pct, ...forLen });
          break;
        case 'link-bandwidth':
          out.push({ ...base, from: node, to: '*', rateKBPerSec: Math.round(random.uniform(10, 10_000)), ...forLen });
          break;
        case 'disk-error':
          out.push({ ...base, target: disk, op: random.choice(['read', 'write', 'fsync', 'all'] as const), percent: pct, ...forLen });
          break;
        case 'disk-slow':
          out.push({ ...base, target: disk, factor, ...forLen });
          break;
        case 'disk-corrupt':
          out.push({ ...base, target: disk, mode: 'at-rest', count: random.int(1, 3) });
          break;
        case 'disk-full':
        case 'disk-misdirect':
          out.push({ ...base, target: disk, ...(kind === 'disk-misdirect' ? { percent: pct } : {}), ...forLen });
          break;
        case 'bitflip':
          out.push({ ...base, target: node, count: random.int(1, 4), bits: random.next() < 0.2 ? 2 : 1 });
          break;
        case 'clock-skew':
          out.push({ ...base, target: node, offsetMs: Math.round(random.uniform(-30_000, 30_000)), ...forLen });
          break;
        case 'clock-drift':
          out.push({ ...base, target: node, driftPpm: Math.round(random.uniform(-1000, 1000)), ...forLen });
          break;
        case 'clock-jump':
          out.push({ ...base, target: node, byMs: Math.round(random.uniform(-60_000, 60_000)) });
          break;
        case 'zone-outage':
          out.push({ ...base, zone: random.choice(o.zones!), mode: random.choice(['power', 'network'] as const), ...forLen });
          break;
        case 'rack-power-loss':
          out.push({ ...base, rack: random.choice(o.racks!), ...forLen });
          break;
        case 'config-push':
          out.push({
            ...base,
            target: '*',
            version: `swarm-${i}`,
            effect: random.choice(['crash', 'limp', 'reject'] as const),
            factor,
            stages: random.int(1, Math.max(1, Math.min(3, nodes.length))),
            stageInterval: ms(len / 4),
            ...forLen,
          });
          break;
      }
    }
  }
  return out;
}
