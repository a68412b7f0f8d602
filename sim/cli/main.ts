/**
 * The `faultline` command line: list | run | sweep | merge | check | faults.
 * Exit codes (DESIGN.md): 0 every check's outcome matches its variant's expectation; 1 any
 * differs (or a run failed, or `check` found a violation); 2 usage or input error, one line, no
 * stack trace.
 */
// Only what every command needs is imported here; each command's module is imported when that
// command runs, so `faultline list` loads no scenario, no simulator and no dependency
// (docs/PERFORMANCE.md, "Start-up and the whole-process figures").
import { BudgetExceededError, InputError, SimulationError } from '../kernel/errors.ts';
import type { RunResult } from '../run/runner.ts';
import { ScenarioError, ScenarioInputError } from '../run/user-error.ts';
import { flagHelp, parseArgs, UsageError, type FlagSpec } from './args.ts';
import { scenarioListings } from './load.ts';
import type { Io } from './io.ts';
import { describeFsError } from './outputs.ts';
import { colorEnabled } from './color.ts';
import { showName, showValue, stripControl, truncate } from '../kernel/show.ts';
import { didYouMean } from '../kernel/suggest.ts';

export type { Io };

const defaultIo: Io = {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
  isTTY: Boolean(process.stdout.isTTY),
  color: colorEnabled(process.env, Boolean(process.stdout.isTTY)),
};

const USAGE = `faultline — a deterministic fault-tolerance simulator

Usage: faultline <command> [options]      (in this repository: npm run faultline -- <command> ...)

Commands:
  list                     the built-in scenarios, their variants and params
  run <scenario>           run one scenario (a name from scenarios/ or the path of your own file)
  sweep <scenario>         run many seeds in worker threads and summarize
  merge <results...>       combine shard results of a sweep
  check <scenario>         search fault plans for an invariant violation and shrink it
  play [scenario|file.ts]  an HTML playground: sliders, variants side by side, share links
  faults                   the fault kinds a plan may use (--schema prints the JSON Schema)
  faults import <file>     a Chaos Mesh, AWS FIS or Toxiproxy experiment as a fault plan
  faults export --to T     a fault plan as a Chaos Mesh, AWS FIS or Toxiproxy experiment
  diff <scenario> --vs k=v where two runs part (or: diff a.jsonl b.jsonl)
  replay <trace.jsonl>     check a trace file against its footer and run it again
  --version                print the version
  init [dir]               write a starter scenario and its property test into your project

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
      case '--version':
      case '-V':
      case 'version':
        io.stdout(`faultline ${(await import('../run/runner.ts')).FAULTLINE_VERSION}\n`);
        return 0;
      case 'list':
        return await listCommand(rest, io);
      case 'run':
        return await (await import('./run-command.ts')).runCommand(rest, io);
      case 'faults':
        if (rest[0] === 'import' || rest[0] === 'export') {
          const { faultsIoCommand } = await import('./faults-io-command.ts');
          return await faultsIoCommand(rest[0], rest.slice(1), io);
        }
        return await faultsCommand(rest, io);
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
      case 'play':
        return await (await import('./play-command.ts')).playCommand(rest, io);
      case 'diff':
        return await (await import('./diff-command.ts')).diffCommand(rest, io);
      case 'replay':
        return await (await import('./replay-command.ts')).replayCommand(rest, io);
      case 'init':
        return await (await import('./init-command.ts')).initCommand(rest, io);
      default: {
        const commands = ['list', 'run', 'sweep', 'merge', 'check', 'diff', 'replay', 'faults', 'play', 'init'];
        throw new UsageError(`unknown command ${showValue(command, 40)};${didYouMean(command.slice(0, 64), commands)} commands: ${commands.join(', ')}`);
      }
    }
  } catch (err) {
    return reportError(err, io);
  }
}

/** Longest error line, in characters: enough for every list of valid names, bounded for any input. */
const ERROR_LINE_MAX = 2000;

/** An error message as one inert, bounded line (no terminal escapes, no line breaks). */
function oneLine(message: string): string {
  return truncate(stripControl(message), ERROR_LINE_MAX);
}

export function reportError(err: unknown, io: Io): number {
  if (err instanceof ScenarioInputError) {
    io.stderr(`faultline: ${oneLine(err.message)}${err.location ? ` (${oneLine(inFrame(err.location))})` : ''}\n`);
    return 2;
  }
  if (err instanceof InputError) {
    io.stderr(`faultline: ${oneLine(err.message)}\n`);
    return 2;
  }
  if (err instanceof ScenarioError) {
    const frames = err.frames.length > 0 ? err.frames : ((err.cause as Error | undefined)?.stack?.split('\n').slice(1, 6).map((l) => l.trim().replace(/^at /, '')) ?? []);
    io.stderr(`faultline: ${oneLine(err.message)}\n${frames.slice(0, 8).map((f) => `    at ${oneLine(relativeFrame(f))}\n`).join('')}`);
    return 1;
  }
  if (err instanceof BudgetExceededError || err instanceof SimulationError) {
    io.stderr(`faultline: ${oneLine(err.message)}\n`);
    return 1;
  }
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e === 'object' && typeof e.code === 'string' && typeof e.path === 'string') {
    io.stderr(`faultline: ${showName(e.path)}: ${describeFsError(e)}\n`);
    return 2;
  }
  // a bug of ours: one line with where it happened; FAULTLINE_DEBUG=1 prints the whole stack
  const where = err instanceof Error ? err.stack?.split('\n').find((l) => /^\s+at /.test(l))?.trim() : undefined;
  const full = process.env.FAULTLINE_DEBUG ? `\n${err instanceof Error ? err.stack : ''}` : '';
  io.stderr(
    `faultline: internal error: ${oneLine(err instanceof Error ? `${err.name}: ${err.message}` : String(err))}${where ? ` (${oneLine(relativeFrame(where))})` : ''}; please report it with the command line (FAULTLINE_DEBUG=1 shows the stack)${full}\n`,
  );
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
  const scenarios = await scenarioListings();
  if (args.flags.json) {
    io.stdout(
      JSON.stringify(
        scenarios.map((s) => ({ name: s.name, title: s.title, variants: s.variants, params: s.params })),
        null,
        2,
      ) + '\n',
    );
    return 0;
  }
  const w = Math.max(...scenarios.map((s) => s.name.length));
  for (const s of scenarios) {
    io.stdout(`${s.name.padEnd(w)}  ${s.title}\n${' '.repeat(w)}  variants: ${s.variants.join(', ')}\n`);
  }
  return 0;
}

// ---------------------------------------------------------------- faults

const FAULTS_FLAGS: Record<string, FlagSpec> = {
  schema: { type: 'boolean', help: 'print the fault plan JSON Schema' },
  json: { type: 'boolean', help: 'print the kinds with their fields as JSON' },
  help: { type: 'boolean', help: 'show this help' },
};

async function faultsCommand(argv: readonly string[], io: Io): Promise<number> {
  const args = parseArgs(argv, FAULTS_FLAGS, 'faults');
  if (args.flags.help) {
    io.stdout(`Usage: faultline faults [--schema | --json]\n       faultline faults import <experiment> [--map mapping.json] [--out plan.json]\n       faultline faults export --to chaos-mesh|fis|toxiproxy <plan.json>\n\nThe fault kinds a plan (--faults plan.json) may use; import and export convert chaos experiments\n(see 'faultline faults import --help').\n\n${flagHelp(FAULTS_FLAGS)}\n`);
    return 0;
  }
  if (args.positionals.length) {
    throw new UsageError(`faults: unexpected argument ${showValue(args.positionals[0]!, 40)}; subcommands: import, export (see faultline faults --help)`);
  }
  await import('../run/fault-kinds.ts');
  const { faultKinds, faultKindSpec, faultPlanJsonSchema } = await import('../faults/plan.ts');
  if (args.flags.schema) {
    io.stdout(JSON.stringify(faultPlanJsonSchema(), null, 2) + '\n');
    return 0;
  }
  const kinds = faultKinds().map((k) => faultKindSpec(k)!);
  if (args.flags.json) {
    io.stdout(JSON.stringify(kinds, null, 2) + '\n');
    return 0;
  }
  io.stdout((await import('../faults/docs.ts')).faultKindsListing());
  return 0;
}

export type { RunResult };
