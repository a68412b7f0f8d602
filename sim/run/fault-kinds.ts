/**
 * Every fault kind a plan may use: the world's (`sim/faults/kinds.ts`) and those other layers
 * apply, such as `feature-flag` (applied by `featureFlags({ world })`) and `poison-pill` (applied by the
 * app layer's services). The run layer may import
 * every other layer, so the registration of kinds from several layers lives here.
 */
import { registerWorldFaultKinds } from '../faults/register.ts';
import { faultKindSpec, registerFaultKind, type FaultKindSpec } from '../faults/plan.ts';
import { featureFlagFaultKind } from '../patterns/feature-flags.ts';
import { poisonPillFaultKind } from '../app/tenants.ts';

registerWorldFaultKinds(); // first, whatever order the modules were evaluated in
if (faultKindSpec(featureFlagFaultKind.kind) === undefined) registerFaultKind(featureFlagFaultKind as FaultKindSpec);
if (faultKindSpec(poisonPillFaultKind.kind) === undefined) registerFaultKind(poisonPillFaultKind);
