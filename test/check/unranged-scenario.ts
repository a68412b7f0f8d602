// The toy scenario with a number param that declares no range, for `check --search-params` errors.
import { toyScenario } from './toy.ts';

export default { ...toyScenario, params: { ...toyScenario.params, jitterMs: { type: 'number' as const, default: 0, unit: 'ms' } } };
