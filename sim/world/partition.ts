/**
 * Partition shapes, as Jepsen's nemeses name them (jepsen/src/jepsen/nemesis.clj): isolate one
 * node, split a majority from a minority, a bridge (two halves that cannot talk, joined by one
 * node that talks to both), random halves. A partition is a list of groups: nodes in different
 * groups cannot talk; nodes in no group are unaffected (which is how a bridge node keeps both
 * sides). Pure functions, so nemeses resolve random shapes into explicit groups in the plan.
 */
import { InputError } from '../kernel/errors.ts';
import type { Random } from '../kernel/random.ts';

/**
 * A partition's shape, as Jepsen's nemeses name them: explicit `groups`, `isolate` one node, a
 * random `majority-minority` split (⌊n/2⌋+1 and the rest), a `bridge` (two halves joined by one
 * node that talks to both), `random-halves`.
 */
export type PartitionMode = 'groups' | 'isolate' | 'majority-minority' | 'bridge' | 'random-halves';
/** Every `PartitionMode`. */
export const PARTITION_MODES: readonly PartitionMode[] = ['groups', 'isolate', 'majority-minority', 'bridge', 'random-halves'];

/**
 * Direction, as Chaos Mesh NetworkChaos names it: `both` cuts every cross-group pair; `to` cuts
 * only messages from the first group to the others; `from` only messages from the others into
 * the first group (a one-way partition, where A hears B but B never hears A).
 */
export type PartitionDirection = 'both' | 'to' | 'from';
/** Every `PartitionDirection`. */
export const PARTITION_DIRECTIONS: readonly PartitionDirection[] = ['both', 'to', 'from'];

/** Isolate `node` from every other node. */
export function partitionIsolate(node: string, nodes: readonly string[]): string[][] {
  return [[node], nodes.filter((n) => n !== node)];
}

/** A random majority (⌊n/2⌋+1 nodes) and the minority. */
export function partitionMajorityMinority(nodes: readonly string[], random: Random): string[][] {
  need(nodes, 2, 'majority-minority');
  const s = random.shuffle(nodes);
  const m = Math.floor(s.length / 2) + 1;
  return [s.slice(0, m).sort(), s.slice(m).sort()];
}

/** Two halves that cannot talk, and one bridge node (in no group) that talks to both. */
export function partitionBridge(nodes: readonly string[], random: Random): string[][] {
  need(nodes, 3, 'bridge');
  const s = random.shuffle(nodes);
  const bridge = s.pop()!;
  void bridge;
  const h = Math.floor(s.length / 2);
  return [s.slice(0, h).sort(), s.slice(h).sort()];
}

/** Random halves (sizes differ by at most one). */
export function partitionRandomHalves(nodes: readonly string[], random: Random): string[][] {
  need(nodes, 2, 'random-halves');
  const s = random.shuffle(nodes);
  const h = Math.floor(s.length / 2);
  return [s.slice(0, h).sort(), s.slice(h).sort()];
}

/** Resolve a partition shape into groups. */
export function partitionGroups(
  mode: PartitionMode,
  o: { nodes: readonly string[]; target?: string; groups?: readonly (readonly string[])[]; random: Random },
): string[][] {
  switch (mode) {
    case 'groups':
      if (!o.groups || o.groups.length < 2) throw new InputError('partition mode groups needs at least two groups');
      return o.groups.map((g) => [...g]);
    case 'isolate':
      if (!o.target) throw new InputError('partition mode isolate needs a target node');
      return partitionIsolate(o.target, o.nodes);
    case 'majority-minority':
      return partitionMajorityMinority(o.nodes, o.random);
    case 'bridge':
      return partitionBridge(o.nodes, o.random);
    case 'random-halves':
      return partitionRandomHalves(o.nodes, o.random);
  }
}

function need(nodes: readonly string[], n: number, mode: string): void {
  if (nodes.length < n) throw new InputError(`partition mode ${mode} needs at least ${n} nodes; got ${nodes.length}`);
}
