/**
 * The playground's Web Worker: runs the simulation off the page's thread. It answers
 * `{ type: 'meta' }` with what the page needs to draw the controls, and a run request
 * `{ type: 'run', id, scenario, variant, seed, params, plan?, planFile? }` with
 * `{ id, result, view }` (the run's summary and the report's view of it, folded while the run
 * went, as `faultline run --report` does) or `{ id, error }` (one line). The page cancels a run by
 * terminating the worker (file:// pages have no SharedArrayBuffer to signal it).
 * The scenarios come from the module the bundler generates (see build.ts).
 */
import { runDetailed } from '../../sim/run/runner.ts';
import '../../sim/faults/register.ts';
import type { Scenario } from '../../sim/run/scenario.ts';
import { ReportCollector, teeSinks } from '../collect.ts';
import { PlaybackFold } from '../playback-fold.ts';
import { isDetailKind, type TraceSink } from '../../sim/observe/trace.ts';
import { refs, scenarios as bundled } from 'faultline-playground-scenarios';

const scenarios: Record<string, Scenario<any>> = Object.fromEntries(Object.values(bundled as Record<string, Scenario<any>>).map((s) => [s.name, s]));

/** Arrows drawn in the message diagram per run: fewer than the report's, so a redraw stays quick. */
const MESSAGES_MAX = 1500;

export interface RunRequestMessage {
  type: 'run';
  id: number;
  scenario: string;
  variant: string;
  seed: number | string;
  params: Record<string, number | boolean | string>;
  /** A plan replacing the default one, and the file name the replay command gives it. */
  plan?: unknown[];
  planFile?: string;
  /** Keep the message records (the message diagram): the `full` trace level, else `summary`. */
  messages?: boolean;
}

const post = (m: unknown): void => (self as unknown as Worker).postMessage(m);

self.onmessage = (ev: MessageEvent<RunRequestMessage | { type: 'meta' }>) => {
  const m = ev.data;
  if (m.type === 'meta') {
    post({ meta: metas() });
    return;
  }
  const { id, scenario, variant, seed, params, plan, planFile, messages } = m;
  const s = scenarios[scenario];
  const started = performance.now();
  try {
    if (!s) throw new Error(`no scenario ${scenario}`);
    const report = new ReportCollector({ messagesMax: MESSAGES_MAX });
    const { fold } = report.next();
    // the topology's playback folds every message; the report's fold sees them only for the message diagram
    const playback = new PlaybackFold();
    const sink = teeSinks(playback, messages ? fold : withoutDetail(fold));
    const art = runDetailed(s, {
      seed,
      variant,
      params,
      // the trace hash covers every record at every level; the level only decides what the folds see
      traceLevel: 'full',
      traceSink: sink,
      ...(plan !== undefined ? { faults: plan as never } : {}),
      replay: { scenarioRef: refs[s.name] ?? s.name, ...(plan !== undefined ? { faultsFile: planFile ?? 'plan.json' } : {}) },
    });
    const ranMs = performance.now() - started;
    const view = report.finish(fold, art);
    view.playback = playback.finish(view.endUs, art.world);
    const r = art.result;
    // wall-clock time of the run, for the page's status line (the simulation itself never reads it)
    post({ id, result: { variant, traceHash: r.traceHash, replay: r.replay, faults: r.faults, checks: r.checks }, view, ranMs, viewMs: performance.now() - started - ranMs });
  } catch (err) {
    post({ id, error: oneLine(err instanceof Error ? err.message : String(err)) });
  }
};

/** A sink that passes on what the `summary` trace level keeps (no per-message or per-request records). */
function withoutDetail(sink: TraceSink): TraceSink {
  return {
    write: (r) => {
      if (!isDetailKind(r.kind)) sink.write(r);
    },
    writeFields: (kind, fields, time, f0, f1, f2, f3, f4, f5) => {
      if (!isDetailKind(kind)) sink.writeFields!(kind, fields, time, f0, f1, f2, f3, f4, f5);
    },
  };
}

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 400 ? `${t.slice(0, 397)}…` : t;
}

function metas(): unknown[] {
  return Object.values(scenarios).map((s) => ({
    name: s.name,
    title: s.title,
    description: s.description,
    params: s.params ?? {},
    variants: Object.fromEntries(Object.entries(s.variants).map(([k, v]) => [k, { description: v.description, params: v.params ?? {} }])),
    variantNames: [...s.variantNames],
    presets: (s as { presets?: unknown }).presets ?? {},
    faultKinds: s.faultKinds ? [...s.faultKinds] : undefined,
  }));
}
