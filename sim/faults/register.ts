/**
 * Importing this module registers every built-in fault kind of the world (a side effect kept in
 * one place, so the plan validator and the JSON Schema always know the same kinds).
 */
import { FAULT_KINDS } from './kinds.ts';
import { dataDeleteFaultKind } from '../world/backup.ts';
import { faultKindSpec, registerFaultKind } from './plan.ts';

/**
 * Register the world's fault kinds, in their listed order, then the destructive human-error kind
 * applied by the world's stores (sim/world/backup.ts). Idempotent. Called, not only imported, by
 * those that register more kinds after these (sim/run/fault-kinds.ts): a bundler may evaluate
 * modules imported only for their side effects in another order than Node would.
 */
export function registerWorldFaultKinds(): void {
  for (const spec of FAULT_KINDS) if (faultKindSpec(spec.kind) === undefined) registerFaultKind(spec);
  if (faultKindSpec(dataDeleteFaultKind.kind) === undefined) registerFaultKind(dataDeleteFaultKind);
}

registerWorldFaultKinds();
