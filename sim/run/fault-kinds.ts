/**
 * Every fault kind a plan may use: the world's (`sim/faults/kinds.ts`) and those other layers
 * apply, such as `feature-flag` (applied by `featureFlags({ world })`). The run layer may import
 * every other layer, so the registration of kinds from several layers lives here.
 */
import '../faults/register.ts';
import { faultKindSpec, registerFaultKind, type FaultKindSpec } from '../faults/plan.ts';
import { featureFlagFaultKind } from '../patterns/feature-flags.ts';

if (faultKindSpec(featureFlagFaultKind.kind) === undefined) registerFaultKind(featureFlagFaultKind as FaultKindSpec);
