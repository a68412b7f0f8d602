/**
 * `faultline faults import` and `faultline faults export`: chaos experiments (Chaos Mesh, AWS FIS,
 * Toxiproxy) to a fault plan and back. The conversions live in `sim/faults/interop`.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../kernel/errors.ts';
import { parseDuration } from '../kernel/time.ts';
import { parseFaultPlan } from '../faults/plan.ts';
import { CHAOS_FORMATS, exportChaos, importChaos, parseMapping, type ChaosFormat, type ChaosMapping } from '../faults/interop/index.ts';
import { flagHelp, parseArgs, parseSeedFlag, UsageError, type FlagSpec } from './args.ts';
import { writeFileAtomic } from './files.ts';
import { readFaultsFile } from './run-command.ts';
import type { Io } from './io.ts';
// every fault kind a plan may use (each command that reads or lists plans; `list` does not load them)
import '../run/fault-kinds.ts';

const IMPORT_FLAGS: Record<string, FlagSpec> = {
  map: { type: 'string', value: 'mapping.json', help: 'selectors (namespaces and labels, ARNs and tags, proxy names) to faultline node, zone and link names' },
  out: { type: 'string', value: 'plan.json', help: 'write the plan here (atomically) instead of printing it' },
  from: { type: 'string', value: CHAOS_FORMATS.join('|'), help: 'the file’s format (default: detected from its content)' },
  lenient: { type: 'boolean', help: 'drop fields without a faultline equivalent, with a warning each, instead of failing' },
  seed: { type: 'string', value: 'N', help: 'seed for random pod / target picks (Chaos Mesh mode one|fixed|…, FIS COUNT(n)|PERCENT(n)); default 1' },
  at: { type: 'string', value: 'duration', help: 'Toxiproxy: when the toxics start (default 0s)' },
  for: { type: 'string', value: 'duration', help: 'Toxiproxy: how long the toxics last (default: to the end of the run)' },
  until: { type: 'string', value: 'duration', help: 'Chaos Mesh Schedule: import the runs that start before this time' },
  help: { type: 'boolean', help: 'show this help' },
};

const EXPORT_FLAGS: Record<string, FlagSpec> = {
  to: { type: 'string', value: CHAOS_FORMATS.join('|'), help: 'the tool to write for (required)' },
  map: { type: 'string', value: 'mapping.json', help: 'faultline names to the tool’s selectors (the same file import reads)' },
  out: { type: 'string', value: 'file', help: 'write here (atomically) instead of printing' },
  name: { type: 'string', value: 'prefix', help: 'Chaos Mesh experiment / Workflow name prefix (default faultline)' },
  lenient: { type: 'boolean', help: 'drop entries and fields without an equivalent, with a warning each, instead of failing' },
  help: { type: 'boolean', help: 'show this help' },
};

const IMPORT_USAGE = `Usage: faultline faults import <experiment> [--map mapping.json] [--out plan.json] [--from format] [--lenient]

Converts a chaos experiment into a faultline fault plan, so you can rehearse it in a scenario
(faultline run <scenario> --faults plan.json) before running it on real infrastructure.
Reads Chaos Mesh manifests (YAML: NetworkChaos, PodChaos, StressChaos, IOChaos, TimeChaos, Schedule,
Workflow), AWS FIS experiment templates (JSON) and Toxiproxy proxies with toxics (JSON).
A field without a faultline equivalent is an error naming it (exit 2) unless --lenient.
See docs/FAULTS.md, "Chaos experiments in and out".`;

const EXPORT_USAGE = `Usage: faultline faults export --to chaos-mesh|fis|toxiproxy <plan.json> [--map mapping.json] [--out file] [--lenient]

Writes a faultline fault plan (for example the shrunk plan of 'faultline check') as an experiment
you can run: Chaos Mesh manifests (a Workflow when the entries are timed), an AWS FIS experiment
template, or Toxiproxy proxies with toxics. An entry or field without an equivalent is an error
naming it (exit 2) unless --lenient.`;

export async function faultsIoCommand(sub: 'import' | 'export', argv: readonly string[], io: Io): Promise<number> {
  const flags = sub === 'import' ? IMPORT_FLAGS : EXPORT_FLAGS;
  const args = parseArgs(argv, flags, `faults ${sub}`);
  if (args.flags.help) {
    io.stdout(`${sub === 'import' ? IMPORT_USAGE : EXPORT_USAGE}\n\n${flagHelp(flags)}\n`);
    return 0;
  }
  if (args.positionals.length !== 1) {
    throw new UsageError(`faults ${sub}: give one ${sub === 'import' ? 'experiment file' : 'plan file'}${args.positionals.length > 1 ? `, got ${args.positionals.length}: ${args.positionals.join(' ')}` : ''}; see faultline faults ${sub} --help`);
  }
  const file = args.positionals[0]!;
  const mapping = args.flags.map === undefined ? undefined : readMapping(String(args.flags.map));
  const out = args.flags.out as string | undefined;
  const warn = (ws: readonly string[]): void => {
    for (const w of ws) io.stderr(`faultline: ${w}\n`);
  };
  if (sub === 'import') {
    const from = args.flags.from as string | undefined;
    if (from !== undefined && !(CHAOS_FORMATS as readonly string[]).includes(from)) throw new UsageError(`faults import: --from ${JSON.stringify(from)} is not valid; use ${CHAOS_FORMATS.join(', ')}`);
    const dur = (name: string): number | undefined => (args.flags[name] === undefined ? undefined : parseDuration(String(args.flags[name]), `--${name}`));
    const seedRaw = args.flags.seed === undefined ? 1 : parseSeedFlag(String(args.flags.seed));
    if (typeof seedRaw !== 'number') throw new UsageError(`faults import: --seed takes one integer, got ${JSON.stringify(args.flags.seed)}`);
    const text = readText(file);
    const atUs = dur('at');
    const forUs = dur('for');
    const untilUs = dur('until');
    const result = importChaos(text, {
      file,
      ...(from !== undefined ? { format: from as ChaosFormat } : {}),
      ...(mapping !== undefined ? { mapping } : {}),
      lenient: Boolean(args.flags.lenient),
      seed: seedRaw,
      ...(atUs !== undefined ? { atUs } : {}),
      ...(forUs !== undefined ? { forUs } : {}),
      ...(untilUs !== undefined ? { untilUs } : {}),
    });
    warn(result.warnings);
    const json = JSON.stringify(result.json, null, 2) + '\n';
    if (out === undefined) io.stdout(json);
    else {
      writeFileAtomic(out, json);
      io.stderr(`faultline: wrote ${result.plan.length} fault${result.plan.length === 1 ? '' : 's'} from a ${result.format} experiment to ${out}; rehearse it with: faultline run <scenario> --faults ${out}\n`);
    }
    return 0;
  }
  const to = args.flags.to as string | undefined;
  if (to === undefined) throw new UsageError(`faults export: give --to ${CHAOS_FORMATS.join('|')}`);
  if (!(CHAOS_FORMATS as readonly string[]).includes(to)) throw new UsageError(`faults export: --to ${JSON.stringify(to)} is not valid; use ${CHAOS_FORMATS.join(', ')}`);
  const plan = parseFaultPlan(readFaultsFile(file));
  const result = exportChaos(plan, to as ChaosFormat, { file, ...(mapping !== undefined ? { mapping } : {}), lenient: Boolean(args.flags.lenient), ...(args.flags.name !== undefined ? { name: String(args.flags.name) } : {}) });
  warn(result.warnings);
  if (out === undefined) io.stdout(result.text);
  else {
    writeFileAtomic(out, result.text);
    io.stderr(`faultline: wrote a ${to} experiment to ${out}\n`);
  }
  return 0;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new InputError(`${file}: ${e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory, not a file' : (e.code ?? e.message)}`);
  }
}

function readMapping(file: string): ChaosMapping {
  const text = readText(file);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new InputError(`--map ${file}: not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseMapping(raw, `--map ${file}`);
}
