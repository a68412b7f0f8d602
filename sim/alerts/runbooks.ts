/**
 * Runbook actions carried out on the world, and the mistakes people make running them.
 *
 * Built in, on a service (every replica) or a node:
 * - `rollback-config`: each node returns to its last good config (`Node.rollbackConfig`);
 * - `restart`: each node restarts (down for its restart delay, then loads its config again);
 * - `feature-flag`: a `feature-flag` plan entry for the flag named by the target, with the
 *   runbook's params (`killed`, `enabled`, `rolloutPercent`); the model needs `featureFlags`;
 * - `block-client`: every link from the target node is dropped (a WAF or load-balancer block of
 *   an abusive client, as a `link-loss` of 100 %).
 * `failover`, `scale-out` and `shed-load` depend on how the model is built: the scenario says how
 * with `runbookAction(kind, fn)` in `build` (which can also replace a built-in one).
 *
 * Mistakes (human error as a fault, with its blast radius in the trace):
 * - `wrong-target`: the command runs on the target whose name is closest to the intended one
 *   (another service, or another node when a node was meant): `cart` for `card`;
 * - `destructive`: the target's nodes are stopped instead (a `kubectl delete` for a
 *   `rollout restart`): they stay down until someone restarts them. Dropping data is the
 *   `data-delete` fault kind's, not this file's.
 */
import { InputError } from '../kernel/errors.ts';
import { editDistance } from '../kernel/suggest.ts';
import type { Simulation } from '../kernel/sim.ts';
import type { Operations } from '../app/probes.ts';
import type { World } from '../world/world.ts';
import type { ActionKind, Runbook } from './rules.ts';

/** What actions act on. */
export interface ActionEnv {
  sim: Simulation;
  world: World | null;
  /** Service name → its replicas' nodes. */
  services: ReadonlyMap<string, readonly string[]>;
  operations: Operations;
}

const BUILT_IN: readonly ActionKind[] = ['rollback-config', 'restart', 'feature-flag', 'block-client'];

/** The nodes a target names: a service's replicas, or the node itself; [] when it names neither. */
export function targetNodes(env: ActionEnv, target: string): string[] {
  const svc = env.services.get(target);
  if (svc !== undefined) return [...svc];
  return env.world?.hasNode(target) ? [target] : [];
}

/** The target a hurried human confuses with `target`: the closest other service name (or node name, for a node). */
export function similarTarget(env: ActionEnv, target: string): string | null {
  const isService = env.services.has(target);
  const own = new Set(targetNodes(env, target));
  const pool = isService ? [...env.services.keys()].filter((s) => s !== target) : (env.world?.nodeNames ?? []).filter((n) => n !== target && !own.has(n));
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of pool) {
    const d = editDistance(target, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

/** Refuse, before the run starts, a runbook whose action this model cannot carry out. */
export function checkRunbook(env: ActionEnv, rb: Runbook, where: string): void {
  const kinds = [rb.action, ...(rb.mistakeAction !== null ? [rb.mistakeAction] : [])];
  for (const kind of kinds) {
    if (env.operations.actions.has(kind)) continue;
    if (!BUILT_IN.includes(kind)) {
      throw new InputError(`${where}: runbook ${JSON.stringify(rb.name)}: action ${kind} depends on the model; say how in build with runbookAction(${JSON.stringify(kind)}, (target, params) => …)`);
    }
    if ((kind === 'rollback-config' || kind === 'restart' || kind === 'block-client') && targetNodes(env, rb.target).length === 0) {
      const valid = [...env.services.keys(), ...(env.world?.nodeNames ?? [])];
      throw new InputError(`${where}: runbook ${JSON.stringify(rb.name)}: target ${JSON.stringify(rb.target)} is no service or node; services and nodes: ${valid.join(', ') || '(none)'}`);
    }
  }
}

/** Carry out an action now; returns the nodes it touched and a detail for the trace. */
export function applyAction(env: ActionEnv, kind: ActionKind, target: string, params: Readonly<Record<string, string | number | boolean>>): { nodes: string[]; detail: string } {
  const custom = env.operations.actions.get(kind);
  if (custom !== undefined) {
    const detail = custom(target, params);
    return { nodes: targetNodes(env, target), detail: typeof detail === 'string' ? detail : `${kind} ${target}` };
  }
  const w = env.world;
  const nodes = targetNodes(env, target);
  switch (kind) {
    case 'rollback-config':
      for (const n of nodes) w!.node(n).rollbackConfig();
      return { nodes, detail: `rolled back the config of ${nodes.join(', ')}` };
    case 'restart':
      for (const n of nodes) w!.node(n).restart('runbook restart');
      return { nodes, detail: `restarted ${nodes.join(', ')}` };
    case 'feature-flag':
      w!.inject({ at: env.sim.now, kind: 'feature-flag', flag: target, ...params });
      return { nodes: [], detail: `changed flag ${target}: ${JSON.stringify(params)}` };
    case 'block-client':
      for (const n of nodes) w!.inject({ at: env.sim.now, kind: 'link-loss', from: n, to: '*', percent: 100 });
      return { nodes, detail: `blocked ${nodes.join(', ')}` };
    default:
      return { nodes: [], detail: `${kind} is not built in` };
  }
}

/** A destructive command on the target: its nodes stopped (they stay down). */
export function destroy(env: ActionEnv, target: string): string[] {
  const nodes = targetNodes(env, target);
  for (const n of nodes) env.world!.node(n).crash('destructive command (stopped by hand)', 'process');
  return nodes;
}
