/**
 * The checks panel: each invariant with its outcome and detail. A failed check links to the moment
 * it first failed: following the link zooms every panel to that moment and draws a red cursor.
 */
import type { RunView } from '../model.ts';
import { el } from './dom.ts';
import { formatTimeUs } from './format.ts';

export function renderChecks(container: HTMLElement, run: RunView, goTo: (timeUs: number) => void, showFlagged?: (check: string) => void): void {
  const list = el('ul', { class: 'plain checks' });
  for (const c of run.checks) {
    const li = el(
      'li',
      { 'data-check': c.name, 'data-status': c.status },
      el('span', { class: `chip ${c.status}` }, c.status),
      ' ',
      el('strong', {}, c.name),
      ' ',
      el('span', { class: 'chip neutral' }, `expected ${c.expected}`),
    );
    if (c.description) li.appendChild(el('div', { class: 'detail' }, c.description));
    if (c.detail && c.detail !== c.description) li.appendChild(el('div', { class: 'detail mono' }, c.detail));
    if (c.status === 'fail' && c.firstFailedAtMs !== null) {
      const timeUs = Math.round(c.firstFailedAtMs * 1000);
      const a = el('a', { href: `#t=${timeUs}`, class: 'first-failed', 'data-time-us': timeUs }, `first failed at ${formatTimeUs(timeUs)} → show on the timeline`);
      a.addEventListener('click', (event) => {
        event.preventDefault();
        goTo(timeUs);
      });
      li.appendChild(el('div', {}, a));
    }
    // the operations this check named in the history view (fold-history.ts)
    const flags = run.history?.flags.find((f) => f.check === c.name);
    if (flags && showFlagged) {
      const a = el('a', { href: `#${run.id}-history`, class: 'flagged-link', 'data-testid': 'check-flags' }, `${flags.total.toLocaleString('en-US')} flagged operation${flags.total === 1 ? '' : 's'} → show in the history`);
      a.addEventListener('click', (event) => {
        event.preventDefault();
        showFlagged(c.name);
      });
      li.appendChild(el('div', {}, a));
    }
    list.appendChild(li);
  }
  if (run.checks.length === 0) list.appendChild(el('li', { class: 'empty' }, 'No checks.'));
  container.appendChild(list);
}
