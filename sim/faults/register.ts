/**
 * Importing this module registers every built-in fault kind (a side effect kept in one place, so
 * the plan validator and the JSON Schema always know the same kinds).
 */
import './kinds.ts';
import { dataDeleteFaultKind } from '../world/backup.ts';
import { faultKindSpec, registerFaultKind } from './plan.ts';

// the destructive human-error kind, applied by the world's stores (sim/world/backup.ts)
if (faultKindSpec(dataDeleteFaultKind.kind) === undefined) registerFaultKind(dataDeleteFaultKind);
