/**
 * How a command feeds the report while its runs go: one `RunFold` per run as the run's trace
 * sink (beside any other sink, such as a JSONL file), finished into a bounded `RunView` as soon as
 * the run ends, so `--all-variants` holds one small view per variant and never a trace.
 * Pure and browser-safe (a playground can collect runs made in a Web Worker the same way).
 *
 *   const report = new ReportCollector();
 *   const { sink, fold } = report.next(jsonlSink);
 *   const art = runDetailed(scenario, { traceLevel: 'full', traceSink: sink });
 *   report.finish(fold, art);
 *   await writeReportData('out/report.html', report.data());
 */
import type { TraceKind, TraceRecord, TraceRunInfo, TraceSink } from '../sim/observe/trace.ts';
import { buildRunView, reportData, type BuildReportOptions, type FoldInput } from './data.ts';
import { recordFromFields, RunFold } from './fold.ts';
import type { DivergenceMark, ReportData, RunView } from './model.ts';
import { DivergenceWatch, RecordDigests } from './divergence.ts';
import { AlertsFold } from './fold-alerts.ts';

export class ReportCollector {
  private readonly views: RunView[] = [];
  // the first run's record digests, and where each later run parts from it (divergence.ts)
  private base: RecordDigests | null = null;
  private readonly watches: (DivergenceWatch | null)[] = [];
  private readonly divergences: DivergenceMark[] = [];
  private readonly alertFolds = new WeakMap<RunFold, AlertsFold>();

  /** `divergence`: mark where each later run's trace first differs from the first run's (a comparison; 8 bytes per record of the first run). */
  constructor(private readonly options: BuildReportOptions & { divergence?: boolean } = {}) {}

  /** A fold for the next run, and the sink to give the runner (the fold, teed with `other` when given). */
  next(other?: TraceSink): { fold: RunFold; sink: TraceSink } {
    const fold = new RunFold({ messagesMax: this.options.messagesMax });
    // the alerts lane folds beside the run's fold (alert states, pages, runbooks, probe results)
    const alerts = new AlertsFold();
    this.alertFolds.set(fold, alerts);
    other = other ? teeSinks(other, alerts) : alerts;
    if (!this.options.divergence) return { fold, sink: other ? teeSinks(other, fold) : fold };
    const compare: TraceSink = this.base === null ? (this.base = new RecordDigests()) : new DivergenceWatch(this.base);
    this.watches.push(compare instanceof DivergenceWatch ? compare : null);
    return { fold, sink: teeSinks(...(other ? [other] : []), fold, compare) };
  }

  /** The run is over: keep its view (the artifacts may go). */
  finish(fold: RunFold, run: FoldInput): RunView {
    const index = this.views.length;
    const view = buildRunView(fold, run, index, this.options);
    const alerts = this.alertFolds.get(fold)?.finish();
    if (alerts) view.alerts = alerts;
    this.views.push(view);
    const p = this.watches[index]?.point;
    if (p) this.divergences.push({ base: 0, run: index, index: p.index, timeUs: p.timeUs });
    return view;
  }

  get runs(): number {
    return this.views.length;
  }

  data(): ReportData {
    const data = reportData(this.views);
    return this.views.length > 1 ? { ...data, divergences: [...this.divergences] } : data;
  }
}

/**
 * One sink that writes to several. Fixed-field records go to each sink's `writeFields` when it
 * has one; the others get one record object, built once.
 */
export function teeSinks(...sinks: TraceSink[]): TraceSink {
  const plain = sinks.filter((s) => s.writeFields === undefined);
  const direct = sinks.filter((s) => s.writeFields !== undefined);
  return {
    begin(run: TraceRunInfo): void {
      for (const s of sinks) s.begin?.(run);
    },
    write(record: TraceRecord): void {
      for (const s of sinks) s.write(record);
    },
    writeFields(kind: TraceKind, fields: readonly string[], time: number, f0?: unknown, f1?: unknown, f2?: unknown, f3?: unknown, f4?: unknown, f5?: unknown): void {
      for (const s of direct) s.writeFields!(kind, fields, time, f0, f1, f2, f3, f4, f5);
      if (plain.length === 0) return;
      const r = recordFromFields(kind, fields, time, f0, f1, f2, f3, f4, f5);
      for (const s of plain) s.write(r);
    },
  };
}
