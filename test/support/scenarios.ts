// Test helper: every built-in scenario, loaded through the same code the CLI uses.
import { loadScenario, scenarioNames } from '../../sim/cli/load.ts';
import type { Scenario } from '../../sim/index.ts';

export async function allScenarios(): Promise<Scenario<any>[]> {
  return Promise.all(scenarioNames().map((n) => loadScenario(n)));
}

/**
 * Small-but-meaningful params for fast test runs: a scenario may declare `testParams` in the
 * metadata of its params (none needed yet); for mmc-queue we shrink the customer count.
 */
export function quickParams(s: Scenario<any>): Record<string, number | boolean | string> {
  if (s.name === 'mmc-queue') return { customers: 20_000 };
  return {};
}
