/**
 * A legend: coloured swatches with names, as HTML (so it stays text for readers and tests).
 * Items with a `group` are set after the group's name ("breaker: closed, open"), one group per run.
 */
import { el } from './dom.ts';

export interface LegendItem {
  label: string;
  color: string;
  dashed?: boolean;
  group?: string;
}

export function renderLegend(container: HTMLElement, items: readonly LegendItem[]): void {
  const groups: { name: string | undefined; items: LegendItem[] }[] = [];
  for (const it of items) {
    const last = groups[groups.length - 1];
    if (last && last.name === it.group) last.items.push(it);
    else groups.push({ name: it.group, items: [it] });
  }
  container.replaceChildren(
    ...groups.map((g) =>
      el(
        'span',
        { class: 'legend-group', ...(g.name ? { 'data-group': g.name } : {}) },
        g.name ? el('span', { class: 'legend-name' }, `${g.name}:`) : null,
        ...g.items.map((it) => {
          const sw = el('span', { class: 'swatch' });
          sw.style.background = it.dashed ? `repeating-linear-gradient(90deg, ${it.color} 0 3px, transparent 3px 5px)` : it.color;
          return el('span', { class: 'item', 'data-color': it.color }, sw, it.label);
        }),
      ),
    ),
  );
}
