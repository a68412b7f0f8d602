/**
 * The guided tour's panel: the current step in large type (`data-testid="tour-step"`), previous
 * and next (`tour-next`), and every step as a numbered list that reads as a static explanation
 * of the run; choosing a step moves the time cursor and highlights its nodes (the caller's
 * `onStep`). `at(timeUs)` marks the steps the cursor has passed.
 */
import type { TourStep } from '../tour.ts';
import { el } from './dom.ts';
import { formatClock } from '../tour.ts';

export interface TourOptions {
  steps: readonly TourStep[];
  label: string;
  /** The step shown first. */
  index: number;
  onStep(index: number): void;
}

export interface TourHandle {
  at(timeUs: number): void;
}

export function renderTour(parent: HTMLElement, o: TourOptions): TourHandle {
  const steps = o.steps;
  let index = Math.max(0, Math.min(steps.length - 1, o.index));
  const counter = el('span', { class: 'tour-counter' });
  const prev = el('button', { type: 'button', 'data-testid': 'tour-prev', title: 'the previous step (moves the time cursor)' }, '◀ previous');
  const next = el('button', { type: 'button', 'data-testid': 'tour-next', title: 'the next step (moves the time cursor)' }, 'next ▶');
  const when = el('span', { class: 'tour-when mono' });
  const title = el('strong', { class: 'tour-title' });
  const body = el('span', { class: 'tour-text' });
  const current = el('p', { class: 'tour-step', 'data-testid': 'tour-step', 'aria-live': 'polite' }, when, ' ', title, ' ', body);
  const items = steps.map((s, i) => {
    const b = el('button', { type: 'button', class: 'tour-item' }, el('span', { class: 'mono' }, formatClock(s.timeUs)), ` ${s.title}: ${s.text}`);
    b.onclick = () => go(i);
    const li = el('li', { 'data-kind': s.kind }, b);
    return li;
  });
  const all = el('details', { class: 'tour-all', open: '' }, el('summary', {}, steps.length === 1 ? 'The one step' : `All ${steps.length} steps`), el('ol', {}, ...items));
  const section = el('section', { class: 'tour', 'data-testid': 'tour', 'aria-label': o.label }, el('div', { class: 'tour-head' }, el('strong', {}, o.label), counter, prev, next), current, all);
  parent.append(section);

  function show(): void {
    const s = steps[index];
    if (!s) return;
    counter.textContent = `step ${index + 1} of ${steps.length}`;
    when.textContent = formatClock(s.timeUs);
    title.textContent = `${s.title}.`;
    body.textContent = s.text;
    current.dataset.timeUs = String(s.timeUs);
    current.dataset.kind = s.kind;
    prev.disabled = index === 0;
    next.disabled = index === steps.length - 1;
    items.forEach((li, i) => li.classList.toggle('current', i === index));
  }
  function go(i: number): void {
    index = Math.max(0, Math.min(steps.length - 1, i));
    show();
    o.onStep(index);
  }
  prev.onclick = () => go(index - 1);
  next.onclick = () => go(index + 1);
  show();
  return {
    at(timeUs: number): void {
      steps.forEach((s, i) => items[i]!.classList.toggle('passed', s.timeUs <= timeUs));
    },
  };
}
