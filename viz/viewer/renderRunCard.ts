/**
 * The run card: what ran (title, description, variant, seed, params, fault plan), how it ended
 * (a verdict per check, coloured ok / unknown / fail) and how to run it again (the replay command).
 */
import type { RunView } from '../model.ts';
import { el } from './dom.ts';
import { formatNumber, formatPercent, formatTimeUs, valueText } from './format.ts';
import { renderMarkdown } from './markdown.ts';

export function verdictText(run: RunView): string {
  const unexpected = run.checks.filter((c) => !c.asExpected);
  if (run.checks.length === 0) return 'No checks: this scenario judges nothing';
  if (run.verdict === 'ok') {
    const meant = run.checks.filter((c) => c.expected === 'fail').length;
    return meant ? `As expected: ${meant} check${meant > 1 ? 's' : ''} failed as this variant is meant to` : 'Every check passed';
  }
  if (run.verdict === 'unknown') return 'Some checks could not decide (unknown)';
  return `${unexpected.length} check${unexpected.length > 1 ? 's' : ''} did not match expectations`;
}

export function renderRunCard(container: HTMLElement, run: RunView): void {
  const description = el('div', { class: 'description' });
  renderMarkdown(description, run.scenario.description);

  const facts = el('table', { class: 'facts' });
  const fact = (k: string, v: string | Node, cls?: string): void => {
    facts.appendChild(el('tr', {}, el('th', {}, k), el('td', cls ? { class: cls } : {}, v)));
  };
  fact('variant', el('span', {}, el('strong', {}, run.variant), run.variantDescription ? ` — ${run.variantDescription}` : ''));
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

  const params = el('table', { class: 'facts' });
  for (const p of run.params) {
    params.appendChild(
      el(
        'tr',
        { title: p.description },
        el('th', {}, p.name),
        el('td', { class: 'num' }, `${valueText(p.value)}${p.unit ? ` ${p.unit}` : ''}`),
        el('td', { class: 'caption' }, p.description ?? ''),
      ),
    );
  }

  if (run.params.length === 0) params.appendChild(el('tr', {}, el('td', { class: 'empty' }, 'No parameters.')));
  const plan = el('ul', { class: 'plain mono' });
  if (run.faultPlan.length === 0) plan.appendChild(el('li', { class: 'empty' }, 'No faults: this run is the baseline.'));
  run.faultPlan.forEach((f) => plan.appendChild(el('li', {}, JSON.stringify(f))));

  const checks = el('ul', { class: 'plain' });
  for (const c of run.checks) {
    checks.appendChild(
      el(
        'li',
        {},
        el('span', { class: `chip ${c.status}` }, c.status),
        ' ',
        el('strong', {}, c.name),
        c.expected === 'fail' ? el('span', { class: 'chip neutral' }, 'meant to fail') : null,
        c.asExpected ? null : el('span', { class: 'chip fail' }, 'unexpected'),
      ),
    );
  }
  if (run.checks.length === 0) checks.appendChild(el('li', { class: 'empty' }, 'This scenario defines no checks.'));

  container.appendChild(
    el(
      'div',
      { class: 'card' },
      el('div', {}, description, el('div', { class: 'small-h' }, 'Replay'), el('pre', { class: 'replay' }, el('code', {}, run.replay))),
      el(
        'div',
        {},
        el('div', { class: `verdict-banner ${run.verdict}`, 'data-verdict': run.verdict }, verdictText(run)),
        checks,
        el('div', { class: 'small-h' }, 'Run'),
        facts,
        el('div', { class: 'small-h' }, 'Parameters'),
        params,
        el('div', { class: 'small-h' }, 'Fault plan'),
        plan,
      ),
    ),
  );
}
