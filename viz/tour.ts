/**
 * The guided tour of a run, built from the run itself (pure, browser-safe): a step at each
 * fault's start and end, at the first check failure, at the recovery (or a step saying there was
 * none), and at each of the scenario's own "what to look at" notes (`ScenarioSpec.lookAt`), in
 * time order after an opening step. Each step is a sentence a teacher can read out, the moment
 * the time cursor moves to, and the nodes to highlight.
 */
import type { FaultInterval, RunView } from './model.ts';
import { formatTimeUs } from './viewer/format.ts';

/** A moment as a class reads it off a clock: "3.0 s", "12.5 s"; long runs as formatTimeUs does. */
export function formatClock(us: number): string {
  return Math.abs(us) < 600_000_000 ? `${(us / 1e6).toFixed(1)} s` : formatTimeUs(us);
}

export type TourStepKind = 'start' | 'fault-start' | 'fault-end' | 'check-failed' | 'recovery' | 'no-recovery' | 'note';

export interface TourStep {
  kind: TourStepKind;
  timeUs: number;
  /** A few words: "Fault starts", "Recovery"… */
  title: string;
  /** The narration. */
  text: string;
  nodes: string[];
}

/** Requests may fail in this share and still count as recovered. */
const RECOVERED_FAIL_SHARE = 0.05;
/** How long the failure share must stay below it. */
const RECOVERED_FOR_US = 1_000_000;

function list(names: readonly string[]): string {
  return names.length <= 4 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}

/** One fault in words: "a partition cuts [db-1, client-1] off from [db-2, db-3]", "limp on backend (factor=4)". */
export function faultPhrase(f: FaultInterval): string {
  if (f.groups && f.groups.length > 1) {
    const [first, ...rest] = f.groups;
    return `a partition cuts [${list(first!)}] off from ${rest.map((g) => `[${list(g)}]`).join(' and ')}`;
  }
  const detail = f.detail
    .split(' · ')[0]!
    .split(' ')
    .filter((kv) => !/^(target|for|at|id)=/.test(kv))
    .join(' ');
  return `${f.kind}${f.target ? ` on ${f.target}` : ''}${detail ? ` (${detail})` : ''}`;
}

function faultNodes(f: FaultInterval): string[] {
  if (f.groups && f.groups.length > 1) return [...f.groups].sort((a, b) => a.length - b.length)[0] ?? [];
  return f.target ? [f.target.replace(/^zone:|^rack:/, '')] : [];
}

/** When requests succeed again after the last fault (`null`: they never did), from the playback's frames. */
function recovery(run: RunView, afterUs: number): { atUs: number | null; failShare: number; failedTotal: number } {
  const p = run.playback;
  if (!p) return { atUs: null, failShare: 0, failedTotal: 0 };
  const workloads = p.nodes.filter((n) => n.ok || n.failed);
  const first = Math.max(0, Math.floor(afterUs / p.frameUs));
  const need = Math.max(1, Math.ceil(RECOVERED_FOR_US / p.frameUs));
  let ok = 0;
  let failed = 0;
  let runStart = -1;
  let okRun = 0;
  let failedRun = 0;
  for (let i = first; i < p.frames; i++) {
    let o = 0;
    let f = 0;
    for (const w of workloads) {
      o += w.ok?.[i] ?? 0;
      f += w.failed?.[i] ?? 0;
    }
    ok += o;
    failed += f;
    if (o + f === 0) continue;
    if (f / (o + f) <= RECOVERED_FAIL_SHARE) {
      if (runStart < 0) [runStart, okRun, failedRun] = [i, 0, 0];
      okRun += o;
      failedRun += f;
      if (i - runStart + 1 >= need && failedRun / (okRun + failedRun) <= RECOVERED_FAIL_SHARE) return { atUs: runStart * p.frameUs, failShare: 0, failedTotal: failed };
    } else runStart = -1;
  }
  // the run ended before a whole window: what there is of the last run of good frames counts
  if (runStart >= 0 && failedRun / Math.max(1, okRun + failedRun) <= RECOVERED_FAIL_SHARE) return { atUs: runStart * p.frameUs, failShare: 0, failedTotal: failed };
  return { atUs: null, failShare: ok + failed > 0 ? failed / (ok + failed) : 0, failedTotal: failed };
}

/** Share of the workloads' requests that failed in [fromUs, toUs), 0 when none finished. */
function failShareBetween(run: RunView, fromUs: number, toUs: number): number {
  const p = run.playback;
  if (!p) return 0;
  let ok = 0;
  let failed = 0;
  const last = Math.min(p.frames, Math.ceil(toUs / p.frameUs));
  for (const w of p.nodes) {
    for (let i = Math.max(0, Math.floor(fromUs / p.frameUs)); i < last; i++) {
      ok += w.ok?.[i] ?? 0;
      failed += w.failed?.[i] ?? 0;
    }
  }
  return ok + failed > 0 ? failed / (ok + failed) : 0;
}

export function buildTour(run: RunView): TourStep[] {
  const steps: TourStep[] = [];
  const nodes = run.playback?.nodes.length ?? run.nodes.length;
  steps.push({
    kind: 'start',
    timeUs: 0,
    title: run.scenario.title,
    text: `${run.variant}: ${run.variantDescription || 'this design'}. ${nodes} node${nodes === 1 ? '' : 's'}; ${run.faults.length === 0 ? 'no faults are planned' : `${run.faults.length} fault${run.faults.length === 1 ? ' is' : 's are'} planned`}. Each box is a node: its colour is its state, its bars its queue and how busy it is; dots are messages.`,
    nodes: [],
  });
  for (const f of run.faults) {
    const what = faultPhrase(f);
    steps.push({
      kind: 'fault-start',
      timeUs: f.startUs,
      title: 'A fault starts',
      text: `At ${formatClock(f.startUs)} ${what}${f.endUs !== null && !f.open ? `, until ${formatClock(f.endUs)}` : f.endUs === null ? ' (an instant fault)' : ', to the end of the run'}.`,
      nodes: faultNodes(f),
    });
    if (f.endUs !== null && !f.open && f.endUs > f.startUs) {
      steps.push({ kind: 'fault-end', timeUs: f.endUs, title: 'The fault ends', text: `At ${formatClock(f.endUs)} the fault is over: ${what} ends. Does the system return to normal?`, nodes: faultNodes(f) });
    }
  }
  const failed = run.checks.filter((c) => c.status === 'fail' && c.firstFailedAtMs !== null).sort((a, b) => a.firstFailedAtMs! - b.firstFailedAtMs!);
  const firstFail = failed[0];
  if (firstFail) {
    const t = Math.round(firstFail.firstFailedAtMs! * 1000);
    steps.push({
      kind: 'check-failed',
      timeUs: t,
      title: 'First check failure',
      text: `At ${formatClock(t)} the check ${firstFail.name} first fails${firstFail.description ? ` (${firstFail.description})` : ''}${firstFail.expected === 'fail' ? '; this design is expected to fail it' : ''}.`,
      nodes: [],
    });
  }
  const ends = run.faults.filter((f) => f.endUs !== null && !f.open).map((f) => f.endUs!);
  if (run.faults.length > 0 && run.playback?.nodes.some((n) => n.failed)) {
    const after = Math.max(0, ...ends);
    const r = recovery(run, after);
    const during = failShareBetween(run, Math.min(...run.faults.map((f) => f.startUs)), after);
    if (during <= RECOVERED_FAIL_SHARE && r.atUs !== null) {
      steps.push({
        kind: 'recovery',
        timeUs: after,
        title: 'The design held',
        text: `Through the faults ${Math.floor((1 - during) * 1000) / 10}% of requests succeeded: this design absorbed them, and it still serves after the last one ended at ${formatClock(after)}.`,
        nodes: [],
      });
    } else if (r.atUs !== null) {
      steps.push({
        kind: 'recovery',
        timeUs: Math.max(after, r.atUs),
        title: 'Recovery',
        text: `From ${formatClock(Math.max(after, r.atUs))} requests succeed again (at least ${Math.round((1 - RECOVERED_FAIL_SHARE) * 100)}% for ${formatClock(RECOVERED_FOR_US)})${r.atUs > after ? `, ${formatClock(r.atUs - after)} after the last fault ended` : ''}.`,
        nodes: [],
      });
    } else {
      steps.push({
        kind: 'no-recovery',
        timeUs: after,
        title: 'No recovery',
        text: `After the last fault ended at ${formatClock(after)}, ${Math.round(r.failShare * 100)}% of requests still failed until the end of the run. The trigger is gone but the failure stays.`,
        nodes: [],
      });
    }
  }
  for (const n of run.lookAt ?? []) steps.push({ kind: 'note', timeUs: n.atUs, title: 'Look here', text: n.text, nodes: n.nodes });
  const order: Record<TourStepKind, number> = { start: 0, 'fault-start': 1, 'fault-end': 2, 'check-failed': 3, note: 4, recovery: 5, 'no-recovery': 5 };
  return steps.map((s, i) => ({ s, i })).sort((a, b) => a.s.timeUs - b.s.timeUs || order[a.s.kind] - order[b.s.kind] || a.i - b.i).map(({ s }) => s);
}
