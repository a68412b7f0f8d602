/**
 * Who won: pure functions over run views, shared by the report's data side and the viewer.
 *
 * - `conclusion(runs)`: the one line at the top of the report, derived from check outcomes only
 *   (never from per-scenario text): which variants meet every check and which fail which.
 * - `metricDirection(name)`: whether higher or lower is better, when the metric's name makes it
 *   plain (availability, goodput: higher; latency, retries, errors, losses, time to recover:
 *   lower). Other metrics (work done, counts of events) are not judged.
 * - `bestRuns(values, better)`: which runs hold the best value of a metric (ties all win; no
 *   winner when every run has the same value).
 */
import type { CheckView, RunView } from './model.ts';

/** Higher is better. */
const HIGHER = /availability|goodput|success|pagesFull/i;
/**
 * Lower is better (tried after HIGHER). Deliberately narrow: counts such as ejections, stale
 * answers or health-check failures are the fix in some scenarios and the damage in others.
 */
const LOWER = /latency|p50|p9\d|cost|retr(y|ies)|attempts|error|failed|lost|corrupt(ion)?served|dropped|drops|falseSuspicions|outage|wasted|stranded|indeterminate|dualPrimary|(recover|rollback|detection|completion|normalAgain)\w*$/i;

export function metricDirection(name: string): 'higher' | 'lower' | undefined {
  if (HIGHER.test(name)) return 'higher';
  if (LOWER.test(name)) return 'lower';
  return undefined;
}

/** Indices of the runs holding the best value; empty when fewer than two values differ or none is numeric. */
export function bestRuns(values: readonly (number | null | undefined)[], better: 'higher' | 'lower' | undefined): number[] {
  if (!better) return [];
  const nums = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (nums.length < 2 || nums.every((v) => v === nums[0])) return [];
  const best = better === 'higher' ? Math.max(...nums) : Math.min(...nums);
  return values.flatMap((v, i) => (v === best ? [i] : []));
}

/** A check's outcome in words, apart from whether it was expected. */
export function checkMet(c: Pick<CheckView, 'status'>): 'met' | 'failed' | 'undecided' {
  return c.status === 'ok' ? 'met' : c.status === 'fail' ? 'failed' : 'undecided';
}

/** One part of the conclusion: some variants, and what they did. */
export interface ConclusionPart {
  variants: string[];
  /** 'pass': met every check; 'fail': failed `checks`; 'undecided': could not decide `undecided`. */
  outcome: 'pass' | 'fail' | 'undecided';
  /** The checks failed. */
  checks: string[];
  /** The checks that could not decide. */
  undecided: string[];
  /** Every outcome in this part is what the variants expect (their `expectFail`). */
  asExpected: boolean;
}

/** A run of conclusion text: a variant's name, a check's name, or words between them. */
export interface ConclusionSpan {
  text: string;
  kind: 'variant' | 'check' | 'text';
}

export interface Conclusion {
  parts: ConclusionPart[];
  /** The sentence as spans, for the viewer to set names in bold and checks as code. */
  spans: ConclusionSpan[];
  /** The same as plain text. */
  text: string;
}

/**
 * The conclusion: variants grouped by what they failed, those that met every check first, in
 * the runs' order within a group. A variant that appears more than once is named with its seed.
 */
export function conclusion(runs: readonly RunView[]): Conclusion {
  const textOnly = (text: string): Conclusion => ({ parts: [], spans: [{ text, kind: 'text' }], text });
  if (runs.length === 0) return textOnly('');
  if (runs.every((r) => r.checks.length === 0)) return textOnly(`This scenario defines no checks: compare the metrics below.`);
  const label = (r: RunView): string => (runs.filter((x) => x.variant === r.variant).length > 1 ? `${r.variant} (seed ${r.seed})` : r.variant);
  const groups = new Map<string, ConclusionPart>();
  for (const r of runs) {
    const failed = r.checks.filter((c) => c.status === 'fail');
    const undecided = r.checks.filter((c) => c.status === 'unknown');
    const outcome: ConclusionPart['outcome'] = failed.length ? 'fail' : undecided.length ? 'undecided' : 'pass';
    const checks = failed.map((c) => c.name);
    const notDecided = undecided.map((c) => c.name);
    const asExpected = r.checks.every((c) => c.status === 'unknown' || c.asExpected);
    const key = JSON.stringify([outcome, checks, notDecided, asExpected]);
    const g = groups.get(key);
    if (g) g.variants.push(label(r));
    else groups.set(key, { variants: [label(r)], outcome, checks, undecided: notDecided, asExpected });
  }
  const rank = { pass: 0, undecided: 1, fail: 2 } as const;
  const parts = [...groups.values()].sort((a, b) => rank[a.outcome] - rank[b.outcome] || a.checks.length - b.checks.length);
  const all = runs.length > 1 && parts.length === 1;
  const spans: ConclusionSpan[] = [];
  parts.forEach((p, i) => {
    if (i > 0) spans.push({ text: '; ', kind: 'text' });
    spans.push(...partSpans(p, all));
  });
  spans.push({ text: '.', kind: 'text' });
  const first = spans[0]!;
  if (first.kind === 'text') spans[0] = { ...first, text: first.text.charAt(0).toUpperCase() + first.text.slice(1) };
  return { parts, spans, text: spans.map((s) => s.text).join('') };
}

function partSpans(p: ConclusionPart, all: boolean): ConclusionSpan[] {
  const out: ConclusionSpan[] = [];
  const t = (text: string): void => void out.push({ text, kind: 'text' });
  const names = (xs: readonly string[], kind: 'variant' | 'check'): void =>
    xs.forEach((x, i) => {
      if (i > 0) t(i === xs.length - 1 ? ' and ' : ', ');
      out.push({ text: x, kind });
    });
  if (all) t(p.variants.length === 2 ? 'both variants' : `all ${p.variants.length} variants`);
  else names(p.variants, 'variant');
  const one = p.variants.length === 1 && !all;
  const note = p.asExpected ? '' : ' (not as expected)';
  if (p.outcome === 'pass') t(` ${one ? 'meets' : 'meet'} every check${note}`);
  if (p.outcome === 'fail') {
    t(` ${one ? 'fails' : 'fail'} `);
    names(p.checks, 'check');
    t(p.asExpected ? ' (as expected)' : note);
  }
  if (p.undecided.length) {
    t(p.outcome === 'fail' ? ' and could not decide ' : ' could not decide ');
    names(p.undecided, 'check');
  }
  return out;
}

/**
 * The run of the cheapest design that meets every check (met, not "as expected"), among runs that
 * have a cost; null when none has a cost or none meets every check. Ties go to the first run.
 */
export function cheapestMeetingEveryCheck(runs: readonly Pick<RunView, 'cost' | 'checks'>[]): number | null {
  let best: number | null = null;
  runs.forEach((r, i) => {
    if (r.cost === null || r.checks.length === 0 || !r.checks.every((c) => c.status === 'ok')) return;
    if (best === null || r.cost.perHourUsd < runs[best]!.cost!.perHourUsd) best = i;
  });
  return best;
}
