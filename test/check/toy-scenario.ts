// The toy scenario as a scenario file, for the CLI tests (`faultline check test/check/toy-scenario.ts`).
// Its buggy variant expects nothing here: `faultline check` explores only the checks a variant does
// not expect to fail, and these tests want it to find the bug (and `run` of the replay to exit 1).
import { toyScenario } from './toy.ts';

const { expectFail: _expected, ...buggy } = toyScenario.variants.buggy!;
export default { ...toyScenario, variants: { ...toyScenario.variants, buggy } };
