/**
 * `faultline run`: one scenario, one seed (or every variant), a summary, and optionally a trace,
 * a Perfetto file and an HTML report. Also the flag parsers `sweep` and `check` share.
 */
import { readFileSync, statSync } from 'node:fs';
import { hasOwn, showName, showValue, stripControl, truncate } from '../kernel/show.ts';
import { didYouMean } from '../kernel/suggest.ts';
import { InputError } from '../kernel/errors.ts';
import { TRACE_LEVELS, type TraceLevel, type TraceRecord } from '../observe/trace.ts';
import { describeParam, parseParamValue, type ParamSpec, type ParamValue, type Scenario } from '../run/scenario.ts';
import { outcomesAsExpected, runDetailed, type RunArtifacts, type RunResult } from '../run/runner.ts';
import { flagHelp, parseArgs, parseIntFlag, parseSeedFlag, UsageError, type FlagSpec } from './args.ts';
import { JsonlFileSink, writeFileAtomic } from './files.ts';
import { loadScenario, resolveScenarioFile } from './load.ts';
import { isScenarioPath } from '../run/replay-line.ts';
import { colorize } from './color.ts';
import { checkOutputPaths, describeFsError, writeOutput } from './outputs.ts';
import { comparisonTable, formatRunSummary, formatValue } from './format.ts';
import type { WorkerJob, WorkerReply } from '../run/worker.ts';
import type { PriceTable } from '../world/cost.ts';
import type { Io } from './io.ts';
import { loadAlerting, parseAlertingText } from '../alerts/rules.ts';
// every fault kind a plan may use (each command that reads or lists plans; `list` does not load them)
import '../run/fault-kinds.ts';

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
  liveness: { type: 'boolean', help: "also judge liveness as 'check --liveness' does: after the plan's heal (or its last fault) availability is back to 99% within half the time left" },
  verify: { type: 'boolean', help: 'run it a second time in a worker thread and compare trace hashes (exit 1 where they part)' },
  'heap-max-mb': { type: 'string', value: 'N', help: 'run in a worker thread whose heap is capped at N MB: a run that passes it is aborted by the memory watchdog (exit 1)' },
  rules: { type: 'string', value: 'FILE', help: 'alert rules (Prometheus rule-file shape), on-call and runbooks, YAML or JSON, over the scenario\'s own (docs/ALERTING.md)' },
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
    const specs = scenario.params as Record<string, ParamSpec>;
    // own keys only: "constructor" or "__proto__" must not find Object.prototype's
    const spec = hasOwn(specs, key) ? specs[key] : undefined;
    if (!spec) {
      const valid = Object.entries(specs).map(([k, p]) => `${k} (${describeParam(p)})`);
      throw new InputError(
        `scenario ${scenario.name} has no param ${showValue(key)};${didYouMean(key.slice(0, 64), Object.keys(specs))} params: ${valid.join('; ') || '(none)'}`,
      );
    }
    Object.defineProperty(out, key, { value: parseParamValue(key, spec, kv.slice(eq + 1)), enumerable: true, writable: true, configurable: true });
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

/** The variant `name` of `scenario`, or a usage error that lists the valid ones (and the likeliest typo). */
export function requireVariant(scenario: Scenario<any>, name: string): void {
  if (!hasOwn(scenario.variants, name)) {
    throw new InputError(
      `scenario ${scenario.name} has no variant ${showValue(name)};${didYouMean(name.slice(0, 64), scenario.variantNames)} variants: ${scenario.variantNames.join(', ')}`,
    );
  }
}

/** An input file's text for `flag`, bounded in size; errors name the flag and the file. */
function readInputText(flag: string, path: string, maxBytes: number): string {
  const where = `${flag} ${showName(path)}`;
  try {
    const size = statSync(path).size;
    if (size > maxBytes) throw new InputError(`${where}: ${size} bytes is more than the ${maxBytes} an input file may have`);
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${flag}: cannot read ${showName(path)} (${describeFsError(err)})`);
  }
}

/** Largest alerting file `--rules` reads. */
export const RULES_FILE_MAX_BYTES = 4 * 1024 * 1024;

/** `--rules FILE`: YAML or JSON data for the alerting configuration (validated by the run, exit 2 naming the rule and field). */
export function readRulesFile(path: string): Record<string, unknown> {
  const text = readInputText('--rules', path, RULES_FILE_MAX_BYTES);
  const data = parseAlertingText(text, `rules file ${showName(path)}`);
  // validated once here, so a bad rule stops before any run (the runs validate it again with the scenario's)
  loadAlerting(data, `rules file ${showName(path)}`);
  return data;
}

/** Largest fault plan file `--faults` reads: a plan holds at most 100,000 entries. */
export const FAULTS_FILE_MAX_BYTES = 64 * 1024 * 1024;

export function readFaultsFile(path: string): unknown {
  return readJsonFile('--faults', path, FAULTS_FILE_MAX_BYTES, (v) =>
    Array.isArray(v) || (v !== null && typeof v === 'object') ? undefined : 'a fault plan is a JSON array of entries or { "faults": [...] }',
  );
}

/**
 * Read a JSON input file for `flag`: bounded in size, with one-line errors that name the flag and
 * the file and never echo raw bytes; `shape` returns why a parsed value is not acceptable.
 */
export function readJsonFile(flag: string, path: string, maxBytes: number, shape?: (v: unknown) => string | undefined): unknown {
  const where = `${flag} ${showName(path)}`;
  const text = readInputText(flag, path, maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // the parser's message quotes the input: keep it short and inert
    throw new InputError(`${where} is not valid JSON (${truncate(stripControl(err instanceof Error ? err.message : String(err)), 160)})`);
  }
  const why = shape?.(value);
  if (why !== undefined) throw new InputError(`${where} holds ${showValue(value, 40)}; ${why}`);
  return value;
}


/** `capped`: this is the heap-capped worker thread of `--heap-max-mb` already (`sim/cli/heap-watchdog.ts`). */
export async function runCommand(argv: readonly string[], io: Io, options: { capped?: boolean } = {}): Promise<number> {
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
  for (const v of variants) requireVariant(scenario, v);
  const params = parseParamFlags(scenario, (args.flags.param as string[] | undefined) ?? []);
  const budgets = parseBudgetFlags((args.flags.budget as string[] | undefined) ?? []);
  const faultsFile = args.flags.faults as string | undefined;
  const faults = faultsFile !== undefined ? readFaultsFile(faultsFile) : undefined;
  const prices = args.flags.prices !== undefined ? (await import('./prices.ts')).readPricesFile(args.flags.prices as string) : undefined;
  const rulesFile = args.flags.rules as string | undefined;
  const alerting = rulesFile !== undefined ? readRulesFile(rulesFile) : undefined;
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
  // every output is checked before the run: a bad path costs nothing, and never a finished run
  const to = checkOutputPaths({
    '--out': args.flags.out as string | undefined,
    '--trace': tracePath,
    '--report': args.flags.report as string | undefined,
    '--perfetto': args.flags.perfetto as string | undefined,
  });

  if (args.flags['heap-max-mb'] !== undefined && !options.capped) {
    const { heapMaxMbFlag, runInHeapCappedWorker } = await import('./heap-watchdog.ts');
    const heapMb = heapMaxMbFlag(args.flags)!;
    return runInHeapCappedWorker({ argv, heapMb, scenario, scenarioRef: ref, seed, variants, params, faultsFile, budgets, outputs: Object.values(to) }, io);
  }

  const artifacts: RunArtifacts[] = [];
  // The report folds each run's records while it goes (bounded memory); only Perfetto keeps them.
  const report = args.flags.report !== undefined ? new (await import('../../viz/collect.ts')).ReportCollector({ divergence: variants.length > 1 }) : undefined;
  for (const variant of variants) {
    // the file's header says what ran, so `faultline replay` can run it again from anywhere
    const about = { scenarioRef: ref, ...(isScenarioPath(ref) ? { scenarioFile: resolveScenarioFile(ref) } : {}), ...(prices ? { prices } : {}) };
    const sink = tracePath !== undefined ? writeOutput('--trace', tracePath, () => new JsonlFileSink(to['--trace']!, about)) : undefined;
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
        replay: { scenarioRef: ref, faultsFile, pricesFile: args.flags.prices as string | undefined, liveness: Boolean(args.flags.liveness), rulesFile },
        prices,
        alerting,
      });
      if (args.flags.liveness) await judgeLivenessOf(art);
      if (feed) report!.finish(feed.fold, art);
      artifacts.push(art);
      if (sink) writeOutput('--trace', tracePath!, () => sink.commit(art.result));
    } catch (err) {
      sink?.abort();
      throw err;
    }
  }
  const results = artifacts.map((a) => a.result);
  const verdicts = args.flags.verify
    ? await verifyInWorker(scenario, artifacts, { scenarioRef: ref, seed, params, faults, faultsFile, budgets, prices, alerting, rulesFile })
    : [];

  if (args.flags.out !== undefined) {
    const text = JSON.stringify(results.length === 1 ? results[0] : results, null, 2) + '\n';
    writeOutput('--out', args.flags.out as string, () => writeFileAtomic(to['--out']!, text));
  }
  const written: string[] = [];
  if (args.flags.report !== undefined) {
    const path = args.flags.report as string;
    const { writeReportData } = await import('../../viz/report.ts');
    await writeOutput('--report', path, () => writeReportData(to['--report']!, report!.data()));
    written.push(`report: ${path}`);
  }
  if (args.flags.perfetto !== undefined) {
    const path = args.flags.perfetto as string;
    const { writePerfetto } = await import('../../viz/perfetto.ts');
    await writeOutput('--perfetto', path, () => writePerfetto(to['--perfetto']!, artifacts));
    written.push(`perfetto trace: ${path} (open it at https://ui.perfetto.dev)`);
  }
  if (tracePath !== undefined) written.push(`trace: ${tracePath}`);

  if (args.flags.json) {
    io.stdout(JSON.stringify(variants.length === 1 && !args.flags['all-variants'] ? results[0] : results, null, 2) + '\n');
  } else {
    const paint = io.color ? colorize : (t: string): string => t;
    if (results.length === 1) io.stdout(paint(formatRunSummary(scenario, results[0]!, artifacts[0]!.ended)));
    else io.stdout(paint(comparisonTable(scenario, results, io.isTTY && process.stdout.columns ? process.stdout.columns : 120, artifacts.map((a) => a.ended))));
    for (const w of written) io.stdout(`wrote ${w}\n`);
  }
  if (args.flags.json && written.length) for (const w of written) io.stderr(`wrote ${w}\n`);
  // with --json the verdict goes to stderr, so stdout stays one JSON document
  for (const v of verdicts) (args.flags.json ? io.stderr : io.stdout)(v.text);
  if (verdicts.some((v) => !v.same)) return 1;
  return results.every(outcomesAsExpected) ? 0 : 1;
}


/** `run --liveness`: the liveness invariant of `check --liveness` as one more check of the run (so its replay fails as the search did). */
async function judgeLivenessOf(art: RunArtifacts): Promise<void> {
  const { judgeLiveness, healedAt } = await import('../check/property.ts');
  const o = judgeLiveness(art, healedAt(art.plan));
  art.result.checks.push({
    name: 'liveness',
    status: o.status,
    expected: 'ok',
    firstFailedAtMs: o.status === 'fail' ? (o.firstFailedAtMs ?? null) : null,
    detail: o.detail ?? 'after the faults are healed, availability is back to 99% within half the time left',
  });
}

// ---------------------------------------------------------------- --verify

export interface VerifyRequest {
  scenarioRef: string;
  seed: number | string;
  params: Record<string, ParamValue>;
  faults?: unknown;
  faultsFile?: string;
  budgets?: Record<string, number>;
  prices?: PriceTable;
  alerting?: Record<string, unknown>;
  rulesFile?: string;
}

export interface Verdict {
  same: boolean;
  text: string;
}

/**
 * `run --verify` (FoundationDB's rerun check): the same configuration again in a fresh worker
 * thread (its own module instances and globals), hashes compared. When they differ, both sides
 * run once more with every record kept, and the verdict names the first record where they part.
 * One worker serves every run it is asked to verify; `close()` ends it.
 */
export class SecondRun {
  private readonly worker: import('node:worker_threads').Worker;
  private nextId = 1;
  private readonly pending = new Map<number, (r: WorkerReply) => void>();
  private failure: Error | null = null;

  private constructor(worker: import('node:worker_threads').Worker) {
    this.worker = worker;
    worker.on('message', (m: WorkerReply) => {
      this.pending.get(m.id)?.(m);
      this.pending.delete(m.id);
    });
    worker.on('error', (err) => this.failAll(err));
    worker.on('exit', (code) => this.failAll(new Error(`the worker thread exited with code ${code}`)));
  }

  static async start(): Promise<SecondRun> {
    const { Worker } = await import('node:worker_threads');
    const { WORKER_ENTRY, runWorkerData } = await import('../run/loaders.ts');
    return new SecondRun(new Worker(WORKER_ENTRY, { workerData: runWorkerData() }));
  }

  private failAll(err: Error): void {
    this.failure = err;
    for (const [id, resolve] of this.pending) resolve({ id, ok: false, error: err.message, errorName: 'WorkerCrash' });
    this.pending.clear();
  }

  private ask(req: VerifyRequest, variant: string, keepRecords: boolean): Promise<WorkerReply> {
    return new Promise((resolve) => {
      const id = this.nextId++;
      if (this.failure) return resolve({ id, ok: false, error: this.failure.message, errorName: 'WorkerCrash' });
      this.pending.set(id, resolve);
      const job: WorkerJob = {
        id,
        scenarioFile: resolveScenarioFile(req.scenarioRef),
        scenarioRef: req.scenarioRef,
        seed: req.seed,
        variant,
        params: req.params,
        faults: req.faults,
        faultsFile: req.faultsFile,
        budgets: req.budgets,
        prices: req.prices,
        alerting: req.alerting,
        rulesFile: req.rulesFile,
        keepRecords,
      };
      this.worker.postMessage(job);
    });
  }

  /** Run `first`'s configuration again in the worker and compare; `label` names the variant in the verdict. */
  async verify(scenario: Scenario<any>, first: RunResult, req: VerifyRequest, label = ''): Promise<Verdict> {
    const reply = await this.ask(req, first.variant, false);
    if (!reply.ok) return { same: false, text: `verify${label}: the second run failed in the worker thread: ${reply.errorName}: ${reply.error}\n` };
    if (reply.result.traceHash === first.traceHash) return { same: true, text: `verified${label}: same trace hash in a second run\n` };
    const lines = [`verify${label}: a second run (in a worker thread) gave trace hash ${reply.result.traceHash}, the first ${first.traceHash}`];
    const again = runDetailed(scenario, {
      seed: req.seed,
      variant: first.variant,
      params: req.params,
      faults: req.faults as never,
      budgets: req.budgets,
      prices: req.prices,
      alerting: req.alerting,
      traceLevel: 'full',
    });
    const other = await this.ask(req, first.variant, true);
    if (other.ok && other.records) lines.push(...divergenceLines(again.records, other.records));
    return { same: false, text: lines.join('\n') + '\n' };
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

async function verifyInWorker(scenario: Scenario<any>, artifacts: readonly RunArtifacts[], req: VerifyRequest): Promise<Verdict[]> {
  const second = await SecondRun.start();
  try {
    const out: Verdict[] = [];
    for (const art of artifacts) out.push(await second.verify(scenario, art.result, req, artifacts.length > 1 ? ` (variant ${art.result.variant})` : ''));
    return out;
  } finally {
    await second.close();
  }
}

/** Where two traces part: the first record index whose content differs, with both sides. */
function divergenceLines(a: readonly TraceRecord[], b: readonly TraceRecord[]): string[] {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ja = JSON.stringify(a[i]);
    const jb = JSON.stringify(b[i]);
    if (ja !== jb) {
      return [
        `they part at record #${i} (simulated time ${formatValue((a[i]!.time ?? 0) / 1e6)} s):`,
        `  first:  ${clip(ja)}`,
        `  second: ${clip(jb)}`,
      ];
    }
  }
  if (a.length !== b.length) return [`the first ${n} records agree; then one run has ${a.length} records, the other ${b.length}`];
  return [`every kept record agrees (${n}); they part in what the trace hash covers beyond them`];
}

function clip(s: string): string {
  return s.length > 240 ? `${s.slice(0, 240)}…` : s;
}
