/**
 * The run card: what ran (the variant, seed, params, fault plan; the scenario's description when
 * the report has one run, since a comparison shows it once above), how it ended (each check met,
 * failed or undecided, and whether that was the variant's expectation) and how to run it again
 * (the replay command).
 */
import { checkMet } from '../compare.ts';
import type { ParamView, RunView } from '../model.ts';
import { breakable, el } from './dom.ts';
import { formatNumber, formatPercent, formatTimeUs, valueText } from './format.ts';
import { renderMarkdown } from './markdown.ts';

export function verdictText(run: RunView): string {
  const unexpected = run.checks.filter((c) => !c.asExpected);
  if (run.checks.length === 0) return 'No checks: this scenario judges nothing';
  const failed = run.checks.filter((c) => c.status === 'fail').length;
  if (run.verdict === 'ok') {
    if (failed === 0) return `Meets every check (${run.checks.length})`;
    return `Fails ${failed} of ${run.checks.length} checks, as this variant is designed to`;
  }
  if (run.verdict === 'unknown') return 'Some checks could not decide (unknown)';
  return `${unexpected.length} check${unexpected.length > 1 ? 's' : ''} did not come out as this variant expects`;
}

const MET_CHIP = { met: ['ok', 'met'], failed: ['fail', 'failed'], undecided: ['unknown', 'undecided'] } as const;

export interface RunCardOptions {
  /** Show the scenario's description (one run) or leave it to the section above (a comparison). */
  showScenario: boolean;
}

export function renderRunCard(container: HTMLElement, run: RunView, options: RunCardOptions = { showScenario: true }): void {
  const left = el('div', {});
  if (options.showScenario) {
    const description = el('div', { class: 'description' });
    renderMarkdown(description, run.scenario.description);
    left.appendChild(description);
  } else if (run.variantDescription) {
    left.appendChild(el('p', { class: 'variant-lead' }, el('strong', {}, run.variant), ` — ${run.variantDescription}`));
  }

  const checks = el('ul', { class: 'plain' });
  for (const c of run.checks) {
    const [cls, text] = MET_CHIP[checkMet(c)];
    checks.appendChild(
      el(
        'li',
        { 'data-check': c.name },
        el('span', { class: `chip ${cls}` }, text),
        ' ',
        el('strong', {}, c.name),
        ' ',
        c.asExpected ? (c.expected === 'fail' ? el('span', { class: 'chip neutral' }, 'as designed') : null) : el('span', { class: 'chip fail' }, 'unexpected'),
      ),
    );
  }
  if (run.checks.length === 0) checks.appendChild(el('li', { class: 'empty' }, 'This scenario defines no checks.'));
  left.append(el('div', { class: `verdict-banner ${run.verdict}`, 'data-verdict': run.verdict }, verdictText(run)), checks);
  left.append(el('div', { class: 'small-h' }, 'Replay'), el('pre', { class: 'replay' }, el('code', {}, run.replay)));

  const facts = el('table', { class: 'facts' });
  const fact = (k: string, v: string | Node, cls?: string): void => {
    facts.appendChild(el('tr', {}, el('th', {}, breakable(k)), el('td', cls ? { class: cls } : {}, v)));
  };
  if (options.showScenario) fact('variant', el('span', {}, el('strong', {}, run.variant), run.variantDescription ? ` — ${run.variantDescription}` : ''));
  fact('seed', el('code', {}, String(run.seed)));
  fact('simulated', `${formatTimeUs(run.simTimeUs)} · ${formatNumber(run.events)} events`, 'num');
  fact(
    'requests',
    `${formatNumber(run.summary.requests)} · ok ${formatNumber(run.summary.ok)} · failed ${formatNumber(run.summary.failed)} · availability ${formatPercent(run.summary.availability)}` +
      (run.summary.retries ? ` · retries ${formatNumber(run.summary.retries)}` : ''),
    'num',
  );
  const l = run.summary.latencyMs;
  fact('latency', `p50 ${formatNumber(l.p50)} ms · p99 ${formatNumber(l.p99)} ms · p99.9 ${formatNumber(l.p999)} ms · max ${formatNumber(l.max)} ms`, 'num');
  for (const k of run.keyMetrics) fact(k.name, k.value === null ? '–' : typeof k.value === 'number' ? formatNumber(k.value) : String(k.value), 'num');
  fact('trace hash', el('code', {}, run.traceHash));

  const plan = el('ul', { class: 'plain mono plan' });
  if (run.faultPlan.length === 0) plan.appendChild(el('li', { class: 'empty' }, 'No faults: this run is the baseline.'));
  run.faultPlan.forEach((f) => plan.appendChild(el('li', {}, JSON.stringify(f))));

  const right = el('div', {}, el('div', { class: 'small-h' }, 'Run'), facts, el('div', { class: 'small-h' }, 'Parameters'), renderParams(run.params), el('div', { class: 'small-h' }, 'Fault plan'), plan);
  container.appendChild(el('div', { class: 'card' }, left, right));
}

function paramValue(p: ParamView, v: ParamView['value']): string {
  return `${valueText(v)}${p.unit ? ` ${p.unit}` : ''}`;
}

function changed(p: ParamView): boolean {
  return p.default !== undefined && p.default !== p.value;
}

/** One parameter: name and value on a line, its description below it, wrapping between words. */
function paramItem(p: ParamView): HTMLElement {
  return el(
    'li',
    { class: `param${changed(p) ? ' changed' : ''}`, 'data-param': p.name },
    el('div', { class: 'param-line' }, el('code', { class: 'param-name' }, breakable(p.name)), ' = ', el('span', { class: 'param-value' }, paramValue(p, p.value)), changed(p) ? el('span', { class: 'param-default' }, ` (default ${paramValue(p, p.default!)})`) : null),
    p.description ? el('div', { class: 'param-description' }, p.description) : null,
  );
}

/** The parameters that differ from the scenario's defaults, then every parameter behind a disclosure. */
export function renderParams(params: readonly ParamView[]): HTMLElement {
  const box = el('div', { class: 'params' });
  if (params.length === 0) {
    box.appendChild(el('p', { class: 'empty' }, 'No parameters.'));
    return box;
  }
  const diff = params.filter(changed);
  if (diff.length) box.appendChild(el('ul', { class: 'plain param-list' }, ...diff.map(paramItem)));
  else box.appendChild(el('p', { class: 'caption' }, 'Every parameter at its default.'));
  box.appendChild(el('details', {}, el('summary', {}, `All ${params.length} parameters`), el('ul', { class: 'plain param-list' }, ...params.map(paramItem))));
  return box;
}
