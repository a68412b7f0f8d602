/**
 * `faultline replay trace.jsonl`: check a trace file on its own and run it again. The file's
 * records are hashed and held against its footer (was the file changed after it was written?),
 * then the run its header describes runs again and its records are compared with the file's one
 * by one (does this faultline, with this scenario file, still do what the file says?).
 * Exit 0 when both agree, 1 with the first record where they part, 2 when the file cannot be
 * read (naming the line).
 */
import { existsSync } from 'node:fs';
import { InputError } from '../kernel/errors.ts';
import { showName, showValue } from '../kernel/show.ts';
import { parseFaultPlan } from '../faults/plan.ts';
import type { TraceFileHeader } from '../observe/trace.ts';
import { runDetailed } from '../run/runner.ts';
import { DivergenceFinder, divergenceLines, type DivergencePoint } from '../run/diff.ts';
import { scanTraceFile, TraceFileReader } from '../run/diff-files.ts';
import type { Scenario } from '../run/scenario.ts';
import { validatePriceTable } from '../world/cost.ts';
import { flagHelp, parseArgs, UsageError, type FlagSpec } from './args.ts';
import { loadScenario } from './load.ts';
import type { Io } from './io.ts';
// every fault kind a plan may use (each command that reads or lists plans; `list` does not load them)
import '../run/fault-kinds.ts';

const REPLAY_FLAGS: Record<string, FlagSpec> = {
  json: { type: 'boolean', help: 'print { file, rerun, agree, firstDivergence } as JSON' },
  help: { type: 'boolean', help: 'show this help' },
};

const HELP = `Usage: faultline replay <trace.jsonl> [--json]

Checks a trace file written by 'faultline run --trace': hashes its records and compares them with
its footer, then runs again what its header describes and compares every record.
Exit 0 when both agree, 1 when they differ (with the first record where they part), 2 when the
file cannot be read.`;

export interface ReplayReport {
  file: { path: string; records: number; recordsHash: string; footer: { traceHash: string; recordsHash: string; records: number } | null; intact: boolean };
  rerun: { traceHash: string; sameHash: boolean; sameRecords: boolean };
  agree: boolean;
  firstDivergence: DivergencePoint | null;
}

export async function replayCommand(argv: readonly string[], io: Io): Promise<number> {
  const args = parseArgs(argv, REPLAY_FLAGS, 'replay');
  if (args.flags.help) {
    io.stdout(`${HELP}\n\n${flagHelp(REPLAY_FLAGS)}\n`);
    return 0;
  }
  if (args.positionals.length !== 1) {
    throw new UsageError(`replay: expected one trace file, got ${args.positionals.length ? args.positionals.map((p) => showName(p)).join(' ') : 'none'}; see faultline replay --help`);
  }
  const path = args.positionals[0]!;
  // first pass: every line parses, and the records hash to what the footer says
  const scan = scanTraceFile(path, 'replay');
  const header = scan.header;
  if (header === null) {
    throw new InputError(`replay ${showName(path)} line 1: not a trace header, so the file does not say what ran; write the trace with faultline run --trace`);
  }
  const scenario = await scenarioOf(header, path);
  const footer = scan.footer;
  const intact = footer !== null && footer.recordsHash === scan.recordsHash && footer.records === scan.records;

  // second pass: run it again and compare record by record
  const plan = parseFaultPlan(header.plan as never);
  const reader = new TraceFileReader(path, 'replay');
  let traceHash: string;
  let cmp;
  try {
    const finder = new DivergenceFinder(() => reader.next(), { planA: plan, planB: plan });
    const art = runDetailed(scenario, {
      seed: header.seed,
      variant: header.variant,
      params: header.params as never,
      faults: header.plan as never,
      budgets: header.budgets,
      ...(header.alerting !== undefined ? { alerting: header.alerting } : {}),
      prices: header.prices !== undefined ? validatePriceTable(header.prices, `replay ${path}: the header's prices`) : undefined,
      traceLevel: header.level,
      traceSink: finder,
      replay: { scenarioRef: header.scenarioRef },
    });
    traceHash = art.result.traceHash;
    cmp = finder.finish();
  } finally {
    reader.close();
  }
  const sameHash = footer !== null && traceHash === footer.traceHash;
  const agree = intact && sameHash && cmp.identical;
  const report: ReplayReport = {
    file: {
      path,
      records: scan.records,
      recordsHash: scan.recordsHash,
      footer: footer === null ? null : { traceHash: footer.traceHash, recordsHash: footer.recordsHash, records: footer.records },
      intact,
    },
    rerun: { traceHash, sameHash, sameRecords: cmp.identical },
    agree,
    firstDivergence: cmp.firstDivergence,
  };
  if (args.flags.json) {
    io.stdout(JSON.stringify(report, null, 2) + '\n');
    return agree ? 0 : 1;
  }
  const lines = [`trace file ${path}: ${header.scenario} · variant ${header.variant} · seed ${header.seed} · ${scan.records.toLocaleString('en-US')} records`];
  if (footer === null) lines.push(`the file has no footer: it was cut short (${scan.records} records read)`);
  else if (intact) lines.push(`file: its records hash to ${scan.recordsHash}, as its footer says`);
  else if (footer.records !== scan.records) lines.push(`file: ${scan.records} records, its footer says ${footer.records}: records were added or removed after it was written`);
  else lines.push(`file: its records hash to ${scan.recordsHash}, its footer says ${footer.recordsHash}: the file was edited after it was written`);
  if (footer !== null) {
    lines.push(sameHash ? `re-run: trace hash ${traceHash}, as the footer says` : `re-run: trace hash ${traceHash}, the footer says ${footer.traceHash}`);
  }
  if (cmp.firstDivergence !== null) lines.push(...divergenceLines(cmp.firstDivergence, { a: 'file', b: 're-run' }, 1));
  else lines.push('re-run: every record agrees with the file');
  lines.push(agree ? 'replayed: the file and a new run agree' : 'NOT replayed: the file and a new run differ');
  io.stdout(lines.join('\n') + '\n');
  return agree ? 0 : 1;
}

/** The scenario a header names: a user's file by its absolute path, else a built-in by name. */
async function scenarioOf(header: TraceFileHeader, path: string): Promise<Scenario<any>> {
  if (typeof header.scenario !== 'string' || typeof header.variant !== 'string') {
    throw new InputError(`replay ${showName(path)} line 1: the header needs "scenario" and "variant" strings`);
  }
  if (typeof header.scenarioFile === 'string') {
    if (!existsSync(header.scenarioFile)) {
      throw new InputError(`replay ${showName(path)}: the scenario file it was written with, ${showName(header.scenarioFile)}, does not exist`);
    }
    return loadScenario(header.scenarioFile);
  }
  const scenario = await loadScenario(header.scenario);
  if (scenario.name !== header.scenario) throw new InputError(`replay ${showName(path)}: the header names scenario ${showValue(header.scenario)}`);
  return scenario;
}
