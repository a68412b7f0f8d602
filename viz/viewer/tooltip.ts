/** One shared tooltip: a fixed-position box whose lines are set with textContent. */
import { el } from './dom.ts';

let box: HTMLDivElement | null = null;

function ensure(): HTMLDivElement {
  if (!box) {
    box = el('div', { class: 'tooltip', role: 'tooltip' });
    box.style.display = 'none';
    document.body.appendChild(box);
  }
  return box;
}

export function showTooltip(event: MouseEvent, head: string, lines: readonly string[]): void {
  const b = ensure();
  b.replaceChildren(el('div', { class: 't-head' }, head), ...lines.map((l) => el('div', {}, l)));
  b.style.display = 'block';
  const pad = 14;
  const w = b.offsetWidth;
  const h = b.offsetHeight;
  let x = event.clientX + pad;
  let y = event.clientY + pad;
  if (x + w > window.innerWidth - 4) x = Math.max(4, event.clientX - w - pad);
  if (y + h > window.innerHeight - 4) y = Math.max(4, event.clientY - h - pad);
  b.style.left = `${x}px`;
  b.style.top = `${y}px`;
}

export function hideTooltip(): void {
  if (box) box.style.display = 'none';
}
