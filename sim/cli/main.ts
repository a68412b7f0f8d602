/**
 * The `faultline` command line: list | run | sweep | merge | check | faults.
 * Exit codes (DESIGN.md): 0 every check's outcome matches its variant's expectation; 1 any
 * differs (or a run failed, or `check` found a violation); 2 usage or input error, one line, no
 * stack trace.
 */
import { readFileSync } from 'node:fs';
import { BudgetExceededError, InputError, SimulationError } from '../kernel/errors.ts';
import { TRACE_LEVELS, type TraceLevel } from '../observe/trace.ts';
import { faultKinds, faultKindSpec, faultPlanJsonSchema } from '../faults/plan.ts';
import { describeParam, parseParamValue, type ParamSpec, type ParamValue, type Scenario } from '../run/scenario.ts';
import { outcomesAsExpected, runDetailed, type RunArtifacts, type RunResult } from '../run/runner.ts';
import { ScenarioError, ScenarioInputError } from '../run/user-error.ts';
import { flagHelp, parseArgs, parseIntFlag, parseSeedFlag, UsageError, type FlagSpec } from './args.ts';
import { JsonlFileSink, writeFileAtomic } from './files.ts';
import { loadScenario, scenarioNames } from './load.ts';
import { comparisonTable, formatRunSummary } from './format.ts';
import '../faults/register.ts';

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  isTTY: boolean;
}

const defaultIo: Io = {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
  isTTY: Boolean(process.stdout.isTTY),
};

const USAGE = `faultline — a deterministic fault-tolerance simulator

Usage: faultline <command> [options]      (in this repository: npm run faultline -- <command> ...)

Commands:
  list                     the built-in scenarios, their variants and params
  run <scenario>           run one scenario (a name from scenarios/ or the path of your own file)
  sweep <scenario>         run many seeds in worker threads and summarize
  merge <results...>       combine shard results of a sweep
  check <scenario>         search fault plans for an invariant violation and shrink it
  faults                   the fault kinds a plan may use (--schema prints the JSON Schema)

Run 'faultline <command> --help' for a command's options.
Exit codes: 0 outcomes as expected, 1 an outcome differs, 2 usage or input error.`;

export async function main(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.stdout(USAGE + '\n');
        return command === undefined ? 2 : 0;
      case 'list':
        return await listCommand(rest, io);
      case 'run':
        return await runCommand(rest, io);
      case 'faults':
        return faultsCommand(rest, io);
      case 'sweep': {
        const { sweepCommand } = await import('./sweep-command.ts');
        return await sweepCommand(rest, io);
      }
      case 'merge': {
        const { mergeCommand } = await import('./sweep-command.ts');
        return await mergeCommand(rest, io);
      }
      case 'check': {
        const { checkCommand } = await import('./check-command.ts');
        return await checkCommand([...rest], io);
      }
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}; commands: list, run, sweep, merge, check, faults`);
    }
  } catch (err) {
    return reportError(err, io);
  }
}

/**
 * V8 flags the command needs and this process lacks (V8 flags are fixed when a process starts):
 * `bin/faultline.mjs` starts the command again with them. Only `sweep` has any.
 */
export async function relaunchFlags(argv: readonly string[], execArgv: readonly string[]): Promise<string[]> {
  if (argv[0] !== 'sweep') return [];
  const { sweepRelaunchFlags } = await import('./sweep-command.ts');
  return sweepRelaunchFlags(argv.slice(1), execArgv);
}

// Loaded lazily: most commands never need the report bundler or the property-test engine.

export function reportError(err: unknown, io: Io): number {
  if (err instanceof ScenarioInputError) {
    io.stderr(`faultline: ${err.message}${err.location ? ` (${inFrame(err.location)})` : ''}\n`);
    return 2;
  }
  if (err instanceof InputError) {
    io.stderr(`faultline: ${err.message}\n`);
    return 2;
  }
  if (err instanceof ScenarioError) {
    const frames = err.frames.length > 0 ? err.frames : ((err.cause as Error | undefined)?.stack?.split('\n').slice(1, 6).map((l) => l.trim().replace(/^at /, '')) ?? []);
    io.stderr(`faultline: ${err.message}\n${frames.slice(0, 8).map((f) => `    at ${relativeFrame(f)}\n`).join('')}`);
    return 1;
  }
  if (err instanceof BudgetExceededError || err instanceof SimulationError) {
    io.stderr(`faultline: ${err.message}\n`);
    return 1;
  }
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e === 'object' && typeof e.code === 'string' && typeof e.path === 'string') {
    io.stderr(`faultline: ${e.code === 'ENOENT' ? 'no such file' : e.code}: ${e.path}\n`);
    return 2;
  }
  io.stderr(`faultline: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 1;
}

/** A stack frame with its path relative to the working directory (where the user ran the command). */
function relativeFrame(frame: string): string {
  const cwd = process.cwd() + '/';
  return frame.split(cwd).join('');
}

/** "build (a.ts:5:5)" as "at a.ts:5:5, in build". */
function inFrame(frame: string): string {
  const m = /^(.*) \((.*)\)$/.exec(relativeFrame(frame));
  return m ? `at ${m[2]}, in ${m[1]}` : `at ${relativeFrame(frame)}`;
}

// ---------------------------------------------------------------- list

const LIST_FLAGS: Record<string, FlagSpec> = {
  json: { type: 'boolean', help: 'print [{ name, title, variants, params }] as JSON' },
  help: { type: 'boolean', help: 'show this help' },
};

async function listCommand(argv: readonly string[], io: Io): Promise<number> {
  const args = parseArgs(argv, LIST_FLAGS, 'list');
  if (args.flags.help) {
    io.stdout(`Usage: faultline list [--json]\n\nLists the built-in scenarios.\n\n${flagHelp(LIST_FLAGS)}\n`);
    return 0;
  }
  if (args.positionals.length) throw new UsageError(`list: unexpected argument ${args.positionals[0]}`);
  const scenarios = await Promise.all(scenarioNames().map((n) => loadScenario(n)));
  if (args.flags.json) {
    io.stdout(
      JSON.stringify(
        scenarios.map((s) => ({ name: s.name, title: s.title, variants: s.variantNames, params: s.params })),
        null,
        2,
      ) + '\n',
    );
    return 0;
  }
  const w = Math.max(...scenarios.map((s) => s.name.length));
  for (const s of scenarios) {
    io.stdout(`${s.name.padEnd(w)}  ${s.title}\n${' '.repeat(w)}  variants: ${s.variantNames.join(', ')}\n`);
  }
  return 0;
}

// ---------------------------------------------------------------- run

const RUN_FLAGS: Record<string, FlagSpec> = {
  seed: { type: 'string', value: 'N', help: 'root seed: an integer 0..4294967295 or a string (default 1)' },
  variant: { type: 'string', value: 'V', help: "the variant to run (default: the scenario's first)" },
  'all-variants': { type: 'boolean', help: 'run every variant on the same seed and compare them' },
  param: { type: 'list', value: 'k=v', help: 'override a param (repeatable)' },
  faults: { type: 'string', value: 'plan.json', help: "replay this fault plan instead of the scenario's default" },
  json: { type: 'boolean', help: 'print the RunResult as JSON (an array with --all-variants)' },
  trace: { type: 'string', value: 'file.jsonl', help: 'stream the trace to a JSONL file (level full unless --trace-level)' },
  'trace-level': { type: 'string', value: 'L', help: 'off | summary | full (default summary, full with --trace/--report/--perfetto; same hash at every level)' },
  report: { type: 'string', value: 'file.html', help: 'write the D3 timeline report (one self-contained HTML file)' },
  perfetto: { type: 'string', value: 'file.json', help: 'write a Chrome Trace Event file for ui.perfetto.dev' },
  out: { type: 'string', value: 'file.json', help: 'also write the RunResult JSON to a file' },
  budget: { type: 'list', value: 'name=N', help: 'raise or lower a run budget: eventsMax, simTimeMaxUs, liveEventsMax, processesMax' },
  prices: { type: 'string', value: 'prices.json', help: 'price table of the cost model (default: illustrative AWS on-demand prices; docs/COST.md)' },
  help: { type: 'boolean', help: 'show this help' },
};

export interface RunRequest {
  scenario: Scenario<any>;
  scenarioRef: string;
  seed: number | string;
  variants: string[];
  params: Record<string, ParamValue>;
  faults?: unknown;
  faultsFile?: string;
  budgets: Record<string, number>;
}

/** Parse `--param k=v` values against the scenario's specs (typed, with clear errors). */
export function parseParamFlags(scenario: Scenario<any>, raw: readonly string[]): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const kv of raw) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param ${JSON.stringify(kv)}: use --param name=value`);
    const key = kv.slice(0, eq);
    const spec = (scenario.params as Record<string, ParamSpec>)[key];
    if (!spec) {
      const valid = Object.entries(scenario.params as Record<string, ParamSpec>).map(([k, p]) => `${k} (${describeParam(p)})`);
      throw new InputError(`scenario ${scenario.name} has no param ${JSON.stringify(key)}; params: ${valid.join('; ') || '(none)'}`);
    }
    out[key] = parseParamValue(key, spec, kv.slice(eq + 1));
  }
  return out;
}

const BUDGET_NAMES = ['eventsMax', 'simTimeMaxUs', 'liveEventsMax', 'processesMax'];

export function parseBudgetFlags(raw: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const kv of raw) {
    const eq = kv.indexOf('=');
    const key = eq > 0 ? kv.slice(0, eq) : kv;
    const name = key === 'simTimeMax' ? 'simTimeMaxUs' : key;
    if (!BUDGET_NAMES.includes(name)) throw new UsageError(`--budget ${kv}: unknown budget; valid: ${BUDGET_NAMES.join(', ')}`);
    if (eq <= 0) throw new UsageError(`--budget ${kv}: use --budget ${name}=N`);
    out[name] = parseIntFlag(`budget ${name}`, kv.slice(eq + 1), 1);
  }
  return out;
}

export function readFaultsFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError(`--faults: cannot read ${path}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(`--faults: ${path} is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
}

async function runCommand(argv: readonly string[], io: Io): Promise<number> {
  const args = parseArgs(argv, RUN_FLAGS, 'run');
  if (args.flags.help) {
    io.stdout(
      `Usage: faultline run <scenario> [options]\n\n<scenario> is a name from 'faultline list' or the path of your own scenario file.\n\n${flagHelp(RUN_FLAGS)}\n`,
    );
    return 0;
  }
  if (args.positionals.length !== 1) {
    throw new UsageError(`run: expected one scenario, got ${args.positionals.length ? args.positionals.join(' ') : 'none'}; see faultline run --help`);
  }
  const ref = args.positionals[0]!;
  const scenario = await loadScenario(ref);
  const seed = args.flags.seed !== undefined ? parseSeedFlag(args.flags.seed as string) : 1;
  if (args.flags.variant !== undefined && args.flags['all-variants']) {
    throw new UsageError('run: give either --variant or --all-variants, not both');
  }
  const variants = args.flags['all-variants'] ? [...scenario.variantNames] : [(args.flags.variant as string | undefined) ?? scenario.variantNames[0]!];
  for (const v of variants) {
    if (!scenario.variants[v]) {
      throw new InputError(`scenario ${scenario.name} has no variant ${JSON.stringify(v)}; variants: ${scenario.variantNames.join(', ')}`);
    }
  }
  const params = parseParamFlags(scenario, (args.flags.param as string[] | undefined) ?? []);
  const budgets = parseBudgetFlags((args.flags.budget as string[] | undefined) ?? []);
  const faultsFile = args.flags.faults as string | undefined;
  const faults = faultsFile !== undefined ? readFaultsFile(faultsFile) : undefined;
  const prices = args.flags.prices !== undefined ? (await import('./prices.ts')).readPricesFile(args.flags.prices as string) : undefined;
  let traceLevel: TraceLevel = 'summary';
  if (args.flags['trace-level'] !== undefined) {
    const l = args.flags['trace-level'] as string;
    if (!(TRACE_LEVELS as readonly string[]).includes(l)) throw new UsageError(`--trace-level ${l}: valid: ${TRACE_LEVELS.join(', ')}`);
    traceLevel = l as TraceLevel;
  } else if (args.flags.trace !== undefined || args.flags.report !== undefined || args.flags.perfetto !== undefined) {
    // a trace file, the report's message diagram and Perfetto's flows need every record
    traceLevel = 'full';
  }
  const tracePath = args.flags.trace as string | undefined;
  if (tracePath !== undefined && variants.length > 1) {
    throw new UsageError('run: --trace writes one run; use it with --variant, not --all-variants');
  }

  const artifacts: RunArtifacts[] = [];
  // The report folds each run's records while it goes (bounded memory); only Perfetto keeps them.
  const report = args.flags.report !== undefined ? new (await import('../../viz/collect.ts')).ReportCollector() : undefined;
  for (const variant of variants) {
    const sink = tracePath !== undefined ? new JsonlFileSink(tracePath) : undefined;
    const feed = report?.next(sink);
    try {
      const art = runDetailed(scenario, {
        seed,
        variant,
        params,
        faults: faults as never,
        budgets,
        traceLevel,
        traceSink: feed?.sink ?? sink,
        traceAlsoInMemory: args.flags.perfetto !== undefined,
        replay: { scenarioRef: ref, faultsFile },
        prices,
      });
      if (feed) report!.finish(feed.fold, art);
      artifacts.push(art);
      sink?.commit();
    } catch (err) {
      sink?.abort();
      throw err;
    }
  }
  const results = artifacts.map((a) => a.result);

  if (args.flags.out !== undefined) {
    writeFileAtomic(args.flags.out as string, JSON.stringify(results.length === 1 ? results[0] : results, null, 2) + '\n');
  }
  const written: string[] = [];
  if (args.flags.report !== undefined) {
    const path = args.flags.report as string;
    const { writeReportData } = await import('../../viz/report.ts');
    await writeReportData(path, report!.data());
    written.push(`report: ${path}`);
  }
  if (args.flags.perfetto !== undefined) {
    const path = args.flags.perfetto as string;
    const { writePerfetto } = await import('../../viz/perfetto.ts');
    await writePerfetto(path, artifacts);
    written.push(`perfetto trace: ${path} (open it at https://ui.perfetto.dev)`);
  }
  if (tracePath !== undefined) written.push(`trace: ${tracePath}`);

  if (args.flags.json) {
    io.stdout(JSON.stringify(variants.length === 1 && !args.flags['all-variants'] ? results[0] : results, null, 2) + '\n');
  } else {
    if (results.length === 1) io.stdout(formatRunSummary(scenario, results[0]!, artifacts[0]!.ended));
    else io.stdout(comparisonTable(scenario, results, io.isTTY && process.stdout.columns ? process.stdout.columns : 120, artifacts.map((a) => a.ended)));
    for (const w of written) io.stdout(`wrote ${w}\n`);
  }
  if (args.flags.json && written.length) for (const w of written) io.stderr(`wrote ${w}\n`);
  return results.every(outcomesAsExpected) ? 0 : 1;
}

// ---------------------------------------------------------------- faults

const FAULTS_FLAGS: Record<string, FlagSpec> = {
  schema: { type: 'boolean', help: 'print the fault plan JSON Schema' },
  json: { type: 'boolean', help: 'print the kinds with their fields as JSON' },
  help: { type: 'boolean', help: 'show this help' },
};

function faultsCommand(argv: readonly string[], io: Io): number {
  const args = parseArgs(argv, FAULTS_FLAGS, 'faults');
  if (args.flags.help) {
    io.stdout(`Usage: faultline faults [--schema | --json]\n\nThe fault kinds a plan (--faults plan.json) may use.\n\n${flagHelp(FAULTS_FLAGS)}\n`);
    return 0;
  }
  if (args.flags.schema) {
    io.stdout(JSON.stringify(faultPlanJsonSchema(), null, 2) + '\n');
    return 0;
  }
  const kinds = faultKinds().map((k) => faultKindSpec(k)!);
  if (args.flags.json) {
    io.stdout(JSON.stringify(kinds, null, 2) + '\n');
    return 0;
  }
  for (const k of kinds) io.stdout(`${k.kind.padEnd(16)} ${k.description}\n${' '.repeat(17)}${JSON.stringify(k.example)}\n`);
  return 0;
}

export type { RunResult };
