/**
 * Vitest integration (`faultline/vitest`): property tests for your own scenario in a few lines.
 *
 *   import { itHolds, itFindsViolation } from 'faultline/vitest';
 *   itHolds('fenced writes survive any partition or crash', scenario, { variant: 'fenced', runs: 200 });
 *
 * The assertions (`expectScenarioHolds`, `expectScenarioViolation`) throw an Error whose message
 * carries everything needed to replay a failure: the invariant, the shrunk plan, the run seed,
 * the fast-check seed and path, and the replay command. They work under any test runner; `itHolds`
 * and `itFindsViolation` wrap them in vitest's `it`.
 */
import { it } from 'vitest';
import type { Scenario } from '../run/scenario.ts';
import { checkScenario, formatCheckReport, type CheckReport, type CheckScenarioOptions, type Violation } from './property.ts';

/** Assert that no fault plan in the explored space breaks the invariants; returns the report (coverage). */
export function expectScenarioHolds(scenario: Scenario<any>, options: CheckScenarioOptions = {}): CheckReport {
  const report = checkScenario(scenario, options);
  if (report.violation) {
    throw new Error(`faultline: ${scenario.name} (${report.variant}) violates ${report.violation.invariant}\n${formatCheckReport(report)}`);
  }
  return report;
}

/**
 * What `expectScenarioViolation` and `itFindsViolation` also require of the violation found:
 * which invariant it breaks and how small its shrunk fault plan is.
 */
export interface ViolationExpectation {
  /** The invariant that must be the one violated. */
  invariant?: string;
  /** The shrunk plan must have at most this many faults. */
  faultsMax?: number;
}

/**
 * Assert that the search finds a violation (a known-bad design, a regression test for a bug), that
 * its shrunk plan still fails the same way when run again, and optionally which invariant and how
 * small. Returns the report with its non-null violation.
 */
export function expectScenarioViolation(
  scenario: Scenario<any>,
  options: CheckScenarioOptions & ViolationExpectation = {},
): CheckReport & { violation: Violation; faults: Record<string, unknown>[] } {
  const { invariant, faultsMax, ...checkOptions } = options;
  const report = checkScenario(scenario, checkOptions);
  const v = report.violation;
  const fail = (why: string): never => {
    throw new Error(`faultline: ${scenario.name} (${report.variant}): ${why}\n${formatCheckReport(report)}`);
  };
  if (!v) return fail(`expected a violation${invariant ? ` of ${invariant}` : ''} in ${report.runs} run(s), found none`);
  if (invariant !== undefined && v.invariant !== invariant) fail(`expected a violation of ${invariant}, found one of ${v.invariant}`);
  if (!v.confirmed) fail('the shrunk plan did not fail the same way when run again (is the scenario deterministic?)');
  if (faultsMax !== undefined && report.faults!.length > faultsMax) fail(`the shrunk plan has ${report.faults!.length} faults, more than ${faultsMax}`);
  return report as CheckReport & { violation: Violation; faults: Record<string, unknown>[] };
}

/** A vitest test asserting `expectScenarioHolds`. `timeoutMs` defaults to 60 s. */
export function itHolds(title: string, scenario: Scenario<any>, options: CheckScenarioOptions & { timeoutMs?: number } = {}): void {
  const { timeoutMs, ...rest } = options;
  it(title, () => void expectScenarioHolds(scenario, rest), timeoutMs ?? 60_000);
}

/** A vitest test asserting `expectScenarioViolation`. `timeoutMs` defaults to 60 s. */
export function itFindsViolation(
  title: string,
  scenario: Scenario<any>,
  options: CheckScenarioOptions & ViolationExpectation & { timeoutMs?: number } = {},
): void {
  const { timeoutMs, ...rest } = options;
  it(title, () => void expectScenarioViolation(scenario, rest), timeoutMs ?? 60_000);
}
