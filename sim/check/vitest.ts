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
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { scenarioDefinedIn, type Scenario } from '../run/scenario.ts';
import { checkScenario, formatCheckReport, type CheckReport, type CheckScenarioOptions, type Violation } from './property.ts';

/**
 * `checkScenario` with a replay line that replays: the scenario named by a file the command can
 * load and the shrunk plan written where the line says. Away from the command line the helpers
 * know the scenario only as an object; `defineScenario` remembers the file it was called in. When
 * that file default-exports it, the line names the file; otherwise a two-line scenario file that
 * re-exports it is written beside the plan. A copy of a scenario (`{ ...scenario }`) has no file:
 * its line names it as a built-in.
 */
function checkReplayable(scenario: Scenario<any>, options: CheckScenarioOptions): CheckReport {
  const dir = join(tmpdir(), 'faultline-replays');
  const stem = `${scenario.name}-${options.variant ?? scenario.variantNames[0]}-${options.seed ?? 1}`;
  const scenarioRef = options.replay?.scenarioRef ?? scenarioFileFor(scenario, dir, stem);
  const faultsFile = options.replay?.faultsFile ?? join(dir, `${stem}.plan.json`);
  const report = checkScenario(scenario, { ...options, replay: { ...(scenarioRef !== undefined ? { scenarioRef } : {}), faultsFile } });
  if (report.violation && report.faults) writeAtomic(faultsFile, JSON.stringify(report.faults, null, 2) + '\n');
  return report;
}

function scenarioFileFor(scenario: Scenario<any>, dir: string, stem: string): string | undefined {
  const file = scenarioDefinedIn(scenario);
  if (file === null) return undefined;
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  if (/^export default\b/m.test(text)) return file;
  const shim = join(dir, `${stem}.scenario.ts`);
  writeAtomic(
    shim,
    `// Written by faultline/vitest for a replay line: the scenario ${JSON.stringify(scenario.name)} of ${file}.
// a dynamic import: the command loads the file it is given as an ES module, and this one too
const m: Record<string, unknown> = await import(${JSON.stringify(pathToFileURL(file).href)});
const found = Object.values(m).filter((v) => v !== null && typeof v === 'object' && (v as { kind?: unknown }).kind === 'faultline-scenario' && (v as { name?: unknown }).name === ${JSON.stringify(scenario.name)});
if (found.length !== 1) throw new Error(${JSON.stringify(`${file} exports no scenario named ${scenario.name}; export it (export default) to replay it`)});
export default found[0];
`,
  );
  return shim;
}

/** Write a file whole: a temporary name beside it, then a rename. */
function writeAtomic(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Assert that no fault plan in the explored space breaks the invariants; returns the report (coverage). */
export function expectScenarioHolds(scenario: Scenario<any>, options: CheckScenarioOptions = {}): CheckReport {
  const report = checkReplayable(scenario, options);
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
  const report = checkReplayable(scenario, checkOptions);
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
