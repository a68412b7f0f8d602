/**
 * What the replication patterns share: the trace records of leadership (`leader-change`,
 * `replica-step-down`, `split-brain`, `lease-overlap`, `fencing-rejected`), the history sink their clients record
 * operations into, and option helpers.
 *
 * The history sink is structural: `KvHistory` from `sim/check/history.ts` (Jepsen-style invoke /
 * complete with process, op, key, value and outcome) satisfies it, so a scenario passes
 * `history: kvHistory(ctx)` and the `sim/check` checkers (lost acknowledged writes,
 * linearizability) read the stores' histories directly. Patterns do not import `check/` (the
 * layer table in DESIGN.md puts checks above patterns), hence the interface here.
 *
 * The three patterns:
 *   - `failover.ts`: primary/backup with an orchestrator that promotes a backup when its failure
 *     detector suspects the primary, with or without fencing (epochs checked by replicas);
 *   - `quorum-kv.ts`: a Dynamo-style store with N replicas per key, R and W quorums, read repair;
 *   - `lease.ts`: leader leases measured on each node's local clock.
 */
import { InputError } from '../kernel/errors.ts';
import type { World } from '../world/world.ts';
import type { Opts } from './options.ts';

declare module '../observe/trace.ts' {
  interface TraceRecordMap {
    /**
     * A node became leader (primary) of `service` in `term` (an epoch, a fencing token). The
     * report's role swimlane reads `leader` and `term`.
     */
    'leader-change': { node: string; service: string; leader: string; term: number; reason: string };
    /** A node stopped acting as leader (deposed, lease expired); `role` is what it is now. */
    'replica-step-down': { node: string; service: string; role: string; term: number; reason: string };
    /** A second node acts as leader while another still does: the start of a split brain. */
    'split-brain': { node: string; service: string; leaders: string[]; terms: number[] };
    /** Two leaders' leases overlapped in true time (`overlapUs` is known when the overlap ends). */
    'lease-overlap': { node: string; service: string; leaders: string[]; overlapUs: number };
    /**
     * A replica refused a message carrying an older epoch than its own (`stale` < `epoch`): a
     * fencing token at work. `from` is the deposed sender.
     */
    'fencing-rejected': { node: string; service: string; from: string; epoch: number; stale: number };
  }
}

/** Values a key holds: JSON primitives, as in `sim/check/history.ts` (`null` is "absent"). */
export type KvValue = string | number | boolean | null;

/**
 * Where clients record their operations. `KvHistory` (sim/check) implements it; so can a test's
 * own recorder. One process (client) has at most one operation open at a time.
 */
export interface KvHistorySink {
  invoke(process: string, op: 'read' | 'write' | 'cas', key: string, value?: KvValue, options?: { expected?: KvValue; node?: string }): number;
  ok(id: number, value?: KvValue): void;
  fail(id: number, error?: string): void;
  info(id: number, error?: string): void;
}

/** What a client's operation ended as: `ok` took effect, `fail` did not, `info` is unknown. */
export type KvResult = { outcome: 'ok'; value?: KvValue } | { outcome: 'fail' | 'info'; error: string };
/** The callback of a replicated key-value operation (`write` and `read` of `PrimaryBackup` and `QuorumKv`). */
export type KvDone = (result: KvResult) => void;

/** Read and check the `world` option every replication builder takes. */
export function worldOption(where: string, o: Opts): World {
  const w = o.world as World | undefined;
  if (!w || typeof w !== 'object' || !w.net || !w.sim || typeof w.node !== 'function') {
    throw new InputError(`${where}: option world is required (the World from createWorld whose nodes run the service)`);
  }
  return w;
}

/** Read a list of distinct node names that exist in the world. */
export function nodeListOption(where: string, o: Opts, field: string, world: World, minLength: number, required = true): string[] {
  const v = o[field];
  if (v === undefined && !required) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    throw new InputError(`${where}: ${field} must be a list of node names; nodes: ${world.nodeNames.join(', ')}`);
  }
  if (v.length < minLength) throw new InputError(`${where}: ${field} lists ${v.length} node(s); give at least ${minLength}`);
  const seen = new Set<string>();
  for (const name of v as string[]) {
    if (!world.hasNode(name)) throw new InputError(`${where}: ${field} names node ${JSON.stringify(name)}, which is not in the world; nodes: ${world.nodeNames.join(', ')}`);
    if (seen.has(name)) throw new InputError(`${where}: ${field} lists node ${JSON.stringify(name)} twice`);
    seen.add(name);
  }
  return v as string[];
}

export function historyOption(where: string, o: Opts): KvHistorySink | undefined {
  const h = o.history as KvHistorySink | undefined;
  if (h === undefined) return undefined;
  if (!h || typeof h.invoke !== 'function' || typeof h.ok !== 'function' || typeof h.fail !== 'function' || typeof h.info !== 'function') {
    throw new InputError(`${where}: history must record operations (invoke, ok, fail, info), for example kvHistory(ctx) from sim/check`);
  }
  return h;
}

/** Invariant check that stays on (STYLE.md: assert the positive and the negative space). */
export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
