// The toy scenario as a scenario file, for the CLI tests (`faultline check test/check/toy-scenario.ts`).
// Its buggy variant expects nothing here: `faultline check` explores only the checks a variant does
// not expect to fail, and these tests want it to find the bug (and `run` of the replay to exit 1).
//
// toy.ts registers its fault kinds in the sources' registry. The CLI may run from the build in dist/
// (whenever the build is current), whose registry is another copy: register them through the public
// entry point too, which resolves to whichever copy the command runs.
import { faultKindSpec, registerFaultKind } from 'faultline';
import { faultKindSpec as sourceSpec } from '../../sim/faults/plan.ts';
import { toyScenario } from './toy.ts';

for (const kind of ['toy-crash', 'toy-partition']) {
  const spec = sourceSpec(kind);
  if (spec !== undefined && faultKindSpec(kind) === undefined) registerFaultKind(spec);
}

const { expectFail: _expected, ...buggy } = toyScenario.variants.buggy!;
export default { ...toyScenario, variants: { ...toyScenario.variants, buggy } };
