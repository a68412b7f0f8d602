/**
 * `faultline check <scenario>`: search fault plans for an invariant violation and shrink it.
 * Logic lives in `sim/check` (`checkScenario`); this module parses flags, shows progress, writes
 * the plan file and prints. Exit codes: 0 no violation, 1 a violation, 2 usage or input error.
 */
import { InputError } from '../kernel/errors.ts';
import { checkScenario, checkSearchParams, formatCheckReport, type CheckProgress, type CheckReport } from '../check/index.ts';
import { flagHelp, parseArgs, parseIntFlag, parseSeedFlag, UsageError, type FlagSpec } from './args.ts';
import { writeFileAtomic } from './files.ts';
import { checkOutputPath, writeOutput } from './outputs.ts';
import { loadScenario } from './load.ts';
import { reportError } from './main.ts';
import { parseParamFlags, requireVariant } from './run-command.ts';
import '../run/fault-kinds.ts';

export interface CheckIo {
  stdout: ((s: string) => void) | { write(s: string): unknown };
  stderr: ((s: string) => void) | { write(s: string): unknown };
  isTTY: boolean;
}

const FLAGS: Record<string, FlagSpec> = {
  variant: { type: 'string', value: 'V', help: "the variant to check (default: the scenario's first)" },
  runs: { type: 'string', value: 'N', help: 'exploration runs (default 100)' },
  kinds: { type: 'string', value: 'k1,k2', help: 'fault kinds to explore (default: the kinds the scenario declares)' },
  targets: { type: 'string', value: 'a,b', help: 'aim faults only at these nodes, services (their replicas), disks, zones or racks of the world (default: everything it has)' },
  seed: { type: 'string', value: 'S', help: 'fast-check seed, 0..4294967295 (default 1; "random" draws one from the clock)' },
  'max-faults': { type: 'string', value: 'N', help: 'at most N faults per plan (default 3)' },
  horizon: { type: 'string', value: 'D', help: 'faults start and end before this time, e.g. 5s (default 80% of a fault-free run)' },
  swarm: { type: 'boolean', help: 'swarm testing: each run draws a random subset of the fault kinds and an intensity for each; the report lists the mixes and which found a violation' },
  liveness: { type: 'boolean', help: 'liveness mode: heal everything at the horizon, then require recovery (SLO availability ≥ 99%)' },
  param: { type: 'list', value: 'k=v', help: 'override a param (repeatable)' },
  invariants: { type: 'string', value: 'c1,c2', help: "judge only these checks (also ones the variant expects to fail; 'liveness' with --liveness); default: every check the variant does not expect to fail" },
  'search-params': { type: 'string', value: 'k1,k2', help: 'vary these params too, within their declared ranges, shrinking them toward their defaults (numbers need a min and a max)' },
  out: { type: 'string', value: 'plan.json', help: 'where to write the shrunk plan on a violation (default <scenario>.plan.json)' },
  json: { type: 'boolean', help: 'print { scenario, variant, seed, runs, coverage, violation, faults, replay } as JSON (with params under --search-params, mixes under --swarm)' },
  help: { type: 'boolean', help: 'show this help' },
};

const HELP = `Usage: faultline check <scenario> [options]

Explores fault plans of the given kinds, aimed at what the scenario's world has, against its checks (fast-check generates the
plans and shrinks a failing one toward fewer, shorter, later faults). Prints how many runs and
which fault kinds hit which targets, or the smallest plan that breaks a check, its seed and the
command that replays it (after writing the plan file).

<scenario> is a name from 'faultline list' or the path of your own scenario file.

${flagHelp(FLAGS)}

Exit codes: 0 no violation found, 1 a violation found, 2 usage or input error.`;

function writer(out: CheckIo['stdout']): (s: string) => void {
  return typeof out === 'function' ? out : (s) => void out.write(s);
}

/** A comma-separated flag's names; at least one. */
function listFlag(flag: string, raw: string, what: string): string[] {
  const names = raw
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k.length > 0);
  if (names.length === 0) throw new UsageError(`${flag}: give at least one ${what}`);
  return names;
}

export async function checkCommand(argv: string[], io: CheckIo): Promise<number> {
  const stdout = writer(io.stdout);
  const stderr = writer(io.stderr);
  try {
    const args = parseArgs(argv, FLAGS, 'check');
    if (args.flags.help) {
      stdout(HELP + '\n');
      return 0;
    }
    if (args.positionals.length !== 1) {
      throw new UsageError(`check: expected one scenario, got ${args.positionals.length ? args.positionals.join(' ') : 'none'}; see faultline check --help`);
    }
    const ref = args.positionals[0]!;
    const runs = args.flags.runs !== undefined ? parseIntFlag('runs', args.flags.runs as string, 1, 1_000_000) : 100;
    const maxFaults = args.flags['max-faults'] !== undefined ? parseIntFlag('max-faults', args.flags['max-faults'] as string, 0, 100) : undefined;
    let seed = 1;
    if (args.flags.seed === 'random') {
      // the CLI may read the host clock; the seed is printed, so the run stays replayable
      seed = Date.now() % 0x100000000;
    } else if (args.flags.seed !== undefined) {
      const s = parseSeedFlag(args.flags.seed as string);
      if (typeof s !== 'number') throw new UsageError(`--seed: ${JSON.stringify(s)} is not valid; use an integer from 0 to 4294967295, or "random"`);
      seed = s;
    }
    const kinds = args.flags.kinds !== undefined ? listFlag('--kinds', args.flags.kinds as string, 'fault kind, e.g. --kinds crash,partition') : undefined;
    const only = args.flags.targets !== undefined ? listFlag('--targets', args.flags.targets as string, 'name from the world, e.g. --targets db-1,zone-a') : undefined;

    const scenario = await loadScenario(ref);
    const variant = (args.flags.variant as string | undefined) ?? scenario.variantNames[0]!;
    requireVariant(scenario, variant);
    const params = parseParamFlags(scenario, (args.flags.param as string[] | undefined) ?? []);
    const invariants = args.flags.invariants !== undefined ? listFlag('--invariants', args.flags.invariants as string, 'check name, e.g. --invariants no-lost-updates') : undefined;
    const searchParams = args.flags['search-params'] !== undefined ? listFlag('--search-params', args.flags['search-params'] as string, 'param name, e.g. --search-params clients,transfers') : undefined;
    if (searchParams !== undefined) {
      checkSearchParams(scenario, searchParams, '--search-params');
      const both = searchParams.find((k) => Object.hasOwn(params, k));
      if (both !== undefined) throw new UsageError(`--search-params: ${both} is also set with --param; give it one way (searched, or fixed)`);
    }
    const outPath = (args.flags.out as string | undefined) ?? `${scenario.name}.plan.json`;
    const outTarget = checkOutputPath('--out', outPath); // before the search, which may take minutes
    const json = Boolean(args.flags.json);

    // Progress: on a TTY only, and never with --json; at most a few updates a second.
    const showProgress = io.isTTY && !json;
    let lastDrawMs = 0;
    const onProgress = showProgress
      ? (p: CheckProgress): void => {
          const now = Date.now();
          if (now - lastDrawMs < 200 && p.phase !== 'confirm') return;
          lastDrawMs = now;
          const text =
            p.phase === 'explore'
              ? `check ${scenario.name}: run ${p.run}/${p.runs}`
              : p.phase === 'shrink'
                ? `check ${scenario.name}: ${p.violation} violated; shrinking (${p.shrinkRuns} runs, ${p.faults} fault(s))`
                : `check ${scenario.name}: replaying the shrunk plan`;
          stderr(`\r\x1b[2K${text}`);
        }
      : undefined;

    let report: CheckReport;
    try {
      report = checkScenario(scenario, {
        variant,
        runs,
        seed,
        params,
        faults: { kinds, only, maxFaults, horizon: args.flags.horizon as string | undefined },
        liveness: Boolean(args.flags.liveness),
        onlyUnexpected: true,
        ...(invariants !== undefined ? { invariants } : {}),
        exploreParams: searchParams,
        swarm: Boolean(args.flags.swarm),
        replay: { scenarioRef: ref, faultsFile: outPath },
        onProgress,
      });
    } finally {
      if (showProgress) stderr('\r\x1b[2K');
    }

    if (report.violation) writeOutput('--out', outPath, () => writeFileAtomic(outTarget, JSON.stringify(report.faults, null, 2) + '\n'));
    if (json) {
      const { scenario: name, variant: v, seed: s, runs: n, coverage, violation, faults, replay } = report;
      const out: Record<string, unknown> = { scenario: name, variant: v, seed: s, runs: n, coverage, violation, faults };
      if (searchParams !== undefined) out.params = violation ? violation.params : null;
      if (report.mixes) out.mixes = report.mixes;
      out.replay = replay;
      stdout(JSON.stringify(out, null, 2) + '\n');
      if (report.violation) stderr(`wrote ${outPath}\n`);
    } else {
      stdout(formatCheckReport(report));
      if (report.violation) stdout(`wrote ${outPath}\n`);
    }
    return report.violation ? 1 : 0;
  } catch (err) {
    return reportError(err, { stdout, stderr, isTTY: io.isTTY });
  }
}
