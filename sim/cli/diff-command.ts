/**
 * `faultline diff`: where two runs part. Either one scenario run twice, the second time with
 * `--vs` changes (`variant=b`, `seed=2`, `faults=plan.json`, `param=k=v`), or two JSONL trace
 * files (`run --trace`). Prints the first record that differs (its index, simulated time, both
 * sides, the node or link and the random stream behind it, the records around it), then the key
 * figures of both runs side by side. Configuration (file headers, `run-start` records, footers)
 * is compared apart and never counts as the first divergence.
 * Exit 0 when no record differs, 1 when one does, 2 on an input error.
 */
import { InputError } from '../kernel/errors.ts';
import { showName, showValue } from '../kernel/show.ts';
import { parseFaultPlan, type FaultPlan } from '../faults/plan.ts';
import type { TraceFileHeader } from '../observe/trace.ts';
import { runDetailed, type RunArtifacts } from '../run/runner.ts';
import {
  DivergenceFinder,
  diffReport,
  divergenceLines,
  endingOfFooter,
  endingOfResult,
  streamOf,
  type DiffReport,
  type StreamComparison,
} from '../run/diff.ts';
import { TraceFileReader } from '../run/diff-files.ts';
import type { ParamValue, Scenario } from '../run/scenario.ts';
import { flagHelp, parseArgs, parseIntFlag, parseSeedFlag, UsageError, type FlagSpec } from './args.ts';
import { formatValue, keyMetricsOf } from './format.ts';
import { loadScenario } from './load.ts';
import { parseBudgetFlags, parseParamFlags, readFaultsFile, requireVariant } from './run-command.ts';
import type { Io } from './io.ts';
// every fault kind a plan may use (each command that reads or lists plans; `list` does not load them)
import '../run/fault-kinds.ts';

const DIFF_FLAGS: Record<string, FlagSpec> = {
  vs: { type: 'list', value: 'k=v', help: "what the second run changes: 'variant=V', 'seed=N', 'faults=plan.json' or 'param=k=v' (repeatable)" },
  seed: { type: 'string', value: 'N', help: 'root seed of both runs (default 1)' },
  variant: { type: 'string', value: 'V', help: "the first run's variant (default: the scenario's first)" },
  param: { type: 'list', value: 'k=v', help: 'override a param in both runs (repeatable)' },
  faults: { type: 'string', value: 'plan.json', help: "both runs' fault plan instead of the scenario's default" },
  budget: { type: 'list', value: 'name=N', help: 'a run budget for both runs: eventsMax, simTimeMaxUs, liveEventsMax, processesMax' },
  prices: { type: 'string', value: 'prices.json', help: 'price table of the cost model for both runs' },
  context: { type: 'string', value: 'N', help: 'records of context shown around the first divergence (default 3)' },
  json: { type: 'boolean', help: 'print { identical, firstDivergence: { index, timeUs, a, b } | null, summary } as JSON' },
  help: { type: 'boolean', help: 'show this help' },
};

const HELP = `Usage: faultline diff <scenario> [run options] --vs 'variant=V' | 'seed=N' | 'faults=plan.json' | 'param=k=v'
       faultline diff <a.jsonl> <b.jsonl>

Where two runs part: the first trace record that differs, with the records around it, the node
or link it belongs to and the random stream behind it; then both runs' key figures side by side.
Exit 0 when no record differs, 1 when one does, 2 on an input error.`;

interface RunConfig {
  seed: number | string;
  variant: string;
  params: Record<string, ParamValue>;
  faults?: unknown;
}

export async function diffCommand(argv: readonly string[], io: Io): Promise<number> {
  const args = parseArgs(argv, DIFF_FLAGS, 'diff');
  if (args.flags.help) {
    io.stdout(`${HELP}\n\n${flagHelp(DIFF_FLAGS)}\n`);
    return 0;
  }
  const context = args.flags.context !== undefined ? parseIntFlag('context', args.flags.context as string, 0, 100) : 3;
  const vs = (args.flags.vs as string[] | undefined) ?? [];
  let report: DiffReport;
  let names: { a: string; b: string };
  let lineOffset: number | undefined;
  let config: string[];
  if (args.positionals.length === 2) {
    const runFlags = ['vs', 'seed', 'variant', 'param', 'faults', 'budget', 'prices'].filter((f) => args.flags[f] !== undefined);
    if (runFlags.length) throw new UsageError(`diff: two trace files are compared as they are; --${runFlags[0]} applies to a scenario (faultline diff <scenario> --vs ...)`);
    ({ report, names, lineOffset, config } = diffFiles(args.positionals[0]!, args.positionals[1]!, context));
  } else if (args.positionals.length === 1) {
    if (vs.length === 0) throw new UsageError("diff: say what the second run changes with --vs 'variant=V' (or 'seed=N', 'faults=plan.json', 'param=k=v'); see faultline diff --help");
    ({ report, names, config } = await diffRuns(args.positionals[0]!, args.flags, vs, context));
  } else {
    throw new UsageError(`diff: expected a scenario (with --vs) or two trace files, got ${args.positionals.length ? args.positionals.map((p) => showName(p)).join(' ') : 'none'}; see faultline diff --help`);
  }
  if (args.flags.json) {
    io.stdout(JSON.stringify(report, null, 2) + '\n');
  } else {
    io.stdout(formatDiff(report, names, config, lineOffset));
  }
  return report.identical ? 0 : 1;
}

// ---------------------------------------------------------------- two runs of a scenario

async function diffRuns(ref: string, flags: Record<string, unknown>, vs: readonly string[], context: number): Promise<{ report: DiffReport; names: { a: string; b: string }; config: string[] }> {
  const scenario = await loadScenario(ref);
  const a: RunConfig = {
    seed: flags.seed !== undefined ? parseSeedFlag(flags.seed as string) : 1,
    variant: (flags.variant as string | undefined) ?? scenario.variantNames[0]!,
    params: parseParamFlags(scenario, (flags.param as string[] | undefined) ?? []),
    ...(flags.faults !== undefined ? { faults: readFaultsFile(flags.faults as string) } : {}),
  };
  requireVariant(scenario, a.variant);
  const b: RunConfig = { ...a, params: { ...a.params } };
  const config: string[] = [];
  for (const change of vs) config.push(applyVs(scenario, b, change));
  const budgets = parseBudgetFlags((flags.budget as string[] | undefined) ?? []);
  const prices = flags.prices !== undefined ? (await import('./prices.ts')).readPricesFile(flags.prices as string) : undefined;
  const runOf = (c: RunConfig, extra: { traceSink?: DivergenceFinder }): RunArtifacts =>
    runDetailed(scenario, { seed: c.seed, variant: c.variant, params: c.params, faults: c.faults as never, budgets, prices, traceLevel: 'full', ...extra });
  // A keeps its records; B is compared with them as it runs, so only one trace is held
  const first = runOf(a, {});
  let i = 0;
  const finder = new DivergenceFinder(() => first.records[i++] as never, { context, planA: first.plan });
  const second = runOf(b, { traceSink: finder });
  const cmp = finder.finish();
  nameStream(cmp, first.plan, second.plan);
  if (first.truncatedRecords > 0) {
    throw new InputError(`diff: the first run emitted more records than a comparison holds (${first.records.length} kept); lower the load or shorten the run with --param`);
  }
  const label = (c: RunConfig): string => `${scenario.name} · variant ${c.variant} · seed ${c.seed}${Object.keys(c.params).length ? ` · ${Object.entries(c.params).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''}`;
  const report = diffReport(cmp, endingOfResult(label(a), first.result, cmp.records.a), endingOfResult(label(b), second.result, cmp.records.b), keyMetricsOf(scenario));
  return { report, names: { a: 'a', b: 'b' }, config };
}

/** Apply one `--vs k=v` to the second run's configuration; returns what it changed, in words. */
function applyVs(scenario: Scenario<any>, b: RunConfig, change: string): string {
  const eq = change.indexOf('=');
  const key = eq > 0 ? change.slice(0, eq) : change;
  const value = eq > 0 ? change.slice(eq + 1) : '';
  if (eq <= 0 || value === '') throw new UsageError(`--vs ${showValue(change)}: use --vs variant=V, seed=N, faults=plan.json or param=k=v`);
  switch (key) {
    case 'variant':
      requireVariant(scenario, value);
      b.variant = value;
      return `variant ${value}`;
    case 'seed':
      b.seed = parseSeedFlag(value);
      return `seed ${b.seed}`;
    case 'faults':
      b.faults = readFaultsFile(value);
      return `faults ${value}`;
    case 'param':
      Object.assign(b.params, parseParamFlags(scenario, [value]));
      return `param ${value}`;
    default:
      throw new UsageError(`--vs ${showValue(change)}: unknown key ${showValue(key)}; valid: variant, seed, faults, param`);
  }
}

/** A divergence on B's side alone (A ended) names its stream from B's plan. */
function nameStream(cmp: StreamComparison, planA: FaultPlan, planB: FaultPlan): void {
  const p = cmp.firstDivergence;
  if (p === null || p.stream !== undefined) return;
  const s = p.a !== null ? streamOf(p.a, planA) : p.b !== null ? streamOf(p.b, planB) : undefined;
  if (s !== undefined) p.stream = s;
}

// ---------------------------------------------------------------- two trace files

function diffFiles(pathA: string, pathB: string, context: number): { report: DiffReport; names: { a: string; b: string }; lineOffset?: number; config: string[] } {
  const a = new TraceFileReader(pathA, 'diff');
  let b: TraceFileReader | undefined;
  try {
    b = new TraceFileReader(pathB, 'diff');
    const finder = new DivergenceFinder(() => a.next(), { context, planA: planOf(a.header), planB: planOf(b.header) });
    for (let r = b.next(); r !== undefined; r = b.next()) finder.feed(r);
    const cmp = finder.finish();
    const label = (path: string, h: TraceFileHeader | null): string => (h === null ? path : `${path}: ${h.scenario} · variant ${h.variant} · seed ${h.seed}`);
    const report = diffReport(cmp, endingOfFooter(label(pathA, a.header), a.footer, cmp.records.a), endingOfFooter(label(pathB, b.header), b.footer, cmp.records.b));
    const same = (a.header === null) === (b.header === null);
    return { report, names: { a: 'a', b: 'b' }, ...(same ? { lineOffset: a.header === null ? 0 : 1 } : {}), config: headerDifferences(a.header, b.header) };
  } finally {
    a.close();
    b?.close();
  }
}

function planOf(h: TraceFileHeader | null): FaultPlan | undefined {
  if (h === null || !Array.isArray(h.plan)) return undefined;
  try {
    return parseFaultPlan(h.plan as never);
  } catch {
    return undefined; // a plan this faultline cannot read only costs the stream's name
  }
}

/** What differs between two headers, in words ("seed 1 → 2", "param x: 1 → 2"). */
function headerDifferences(a: TraceFileHeader | null, b: TraceFileHeader | null): string[] {
  if (a === null || b === null) return a === b ? [] : [`only ${a === null ? 'b' : 'a'} has a header`];
  const out: string[] = [];
  const show = (v: unknown): string => (v === undefined ? '-' : typeof v === 'string' ? v : JSON.stringify(v));
  for (const k of ['scenario', 'variant', 'seed', 'level'] as const) if (a[k] !== b[k]) out.push(`${k} ${show(a[k])} → ${show(b[k])}`);
  for (const k of [...new Set([...Object.keys(a.params ?? {}), ...Object.keys(b.params ?? {})])]) {
    const va = a.params?.[k];
    const vb = b.params?.[k];
    if (JSON.stringify(va) !== JSON.stringify(vb)) out.push(`param ${k}: ${show(va)} → ${show(vb)}`);
  }
  if (JSON.stringify(a.plan) !== JSON.stringify(b.plan)) out.push(`fault plan: ${a.plan?.length ?? 0} → ${b.plan?.length ?? 0} entries, different`);
  if (JSON.stringify(a.budgets) !== JSON.stringify(b.budgets)) out.push(`budgets ${show(a.budgets)} → ${show(b.budgets)}`);
  return out;
}

// ---------------------------------------------------------------- text

function formatDiff(report: DiffReport, names: { a: string; b: string }, config: string[], lineOffset?: number): string {
  const s = report.summary;
  const lines = [`${names.a}: ${s.a}`, `${names.b}: ${s.b}`];
  if (config.length) lines.push(`${names.b} differs in: ${config.join('; ')}`);
  lines.push('');
  const p = report.firstDivergence;
  const records = s.rows.find((r) => r.name === 'records');
  if (p === null) lines.push(`identical: no record differs (${formatValue(records?.a)} records each, configuration records aside)`);
  else lines.push(...divergenceLines(p, names, lineOffset));
  lines.push('', 'how they end:');
  const w = Math.max(...s.rows.map((r) => r.name.length));
  const cell = (v: unknown): string => formatValue(v);
  const wa = Math.max(names.a.length, ...s.rows.map((r) => cell(r.a).length));
  lines.push(`  ${''.padEnd(w)}  ${names.a.padStart(wa)}  ${names.b}`);
  for (const r of s.rows) {
    const differs = JSON.stringify(r.a) !== JSON.stringify(r.b);
    lines.push(`  ${r.name.padEnd(w)}  ${cell(r.a).padStart(wa)}  ${cell(r.b)}${differs && r.name !== 'trace hash' ? '  *' : ''}`);
  }
  return lines.join('\n') + '\n';
}
