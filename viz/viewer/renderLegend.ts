/** A legend: coloured swatches with names, as HTML (so it stays text for readers and tests). */
import { el } from './dom.ts';

export function renderLegend(container: HTMLElement, items: readonly { label: string; color: string; dashed?: boolean }[]): void {
  container.replaceChildren(
    ...items.map((it) => {
      const sw = el('span', { class: 'swatch' });
      sw.style.background = it.color;
      if (it.dashed) sw.style.background = `repeating-linear-gradient(90deg, ${it.color} 0 3px, transparent 3px 5px)`;
      return el('span', { class: 'item' }, sw, it.label);
    }),
  );
}
