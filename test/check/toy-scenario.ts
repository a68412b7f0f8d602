// The toy scenario as a scenario file, for the CLI tests (`faultline check test/check/toy-scenario.ts`).
import { toyScenario } from './toy.ts';
export default toyScenario;
