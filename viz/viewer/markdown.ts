/**
 * A small Markdown renderer for scenario descriptions that builds DOM nodes directly (never an
 * HTML string): paragraphs, headings, bullet and numbered lists, fenced code, and inline code,
 * bold, emphasis, links and bare URLs. Raw HTML in the source is shown as text. Links are kept
 * only for http(s) URLs.
 */
import { append, el, safeHref } from './dom.ts';

export function renderMarkdown(container: HTMLElement, source: string): void {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  let para: string[] = [];
  const flush = (): void => {
    if (para.length === 0) return;
    const p = el('p');
    renderInline(p, para.join(' '));
    container.appendChild(p);
    para = [];
  };
  while (i < lines.length) {
    const line = lines[i]!;
    if (/^\s*```/.test(line)) {
      flush();
      const code: string[] = [];
      i++;
      while (i < lines.length && !/^\s*```/.test(lines[i]!)) code.push(lines[i++]!);
      i++;
      container.appendChild(el('pre', {}, el('code', {}, code.join('\n'))));
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      const level = Math.min(6, heading[1]!.length + 2);
      const h = document.createElement(`h${level}`);
      renderInline(h, heading[2]!);
      container.appendChild(h);
      i++;
      continue;
    }
    const item = /^\s*([-*+]|\d+[.)])\s+(.*)$/.exec(line);
    if (item) {
      flush();
      const ordered = /\d/.test(item[1]!);
      const list = el(ordered ? 'ol' : 'ul');
      while (i < lines.length) {
        const m = /^\s*([-*+]|\d+[.)])\s+(.*)$/.exec(lines[i]!);
        if (!m) {
          // continuation lines of the previous item
          if (lines[i]!.trim() !== '' && /^\s+/.test(lines[i]!) && list.lastChild) {
            renderInline(list.lastChild as HTMLElement, ` ${lines[i]!.trim()}`);
            i++;
            continue;
          }
          break;
        }
        const li = el('li');
        renderInline(li, m[2]!);
        list.appendChild(li);
        i++;
      }
      container.appendChild(list);
      continue;
    }
    if (line.trim() === '') flush();
    else para.push(line.trim());
    i++;
  }
  flush();
}

const INLINE = /(`+)([\s\S]*?)\1|\*\*([\s\S]+?)\*\*|__([\s\S]+?)__|\*([^*\s][^*]*?)\*|\b_([^_\s][^_]*?)_\b|\[([^\]]+)\]\(([^)\s]+)\)|(https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"])/;

export function renderInline(parent: HTMLElement, text: string): void {
  let rest = text;
  while (rest.length > 0) {
    const m = INLINE.exec(rest);
    if (!m) {
      append(parent, rest);
      return;
    }
    if (m.index > 0) append(parent, rest.slice(0, m.index));
    if (m[1] !== undefined) {
      append(parent, el('code', {}, m[2]!.trim() === '' ? m[2]! : m[2]!.trim()));
    } else if (m[3] !== undefined || m[4] !== undefined) {
      const b = el('strong');
      renderInline(b, (m[3] ?? m[4])!);
      parent.appendChild(b);
    } else if (m[5] !== undefined || m[6] !== undefined) {
      const e = el('em');
      renderInline(e, (m[5] ?? m[6])!);
      parent.appendChild(e);
    } else if (m[7] !== undefined) {
      const href = safeHref(m[8]!);
      if (href) {
        const a = el('a', { href, rel: 'noopener noreferrer' });
        renderInline(a, m[7]);
        parent.appendChild(a);
      } else {
        append(parent, m[0]);
      }
    } else if (m[9] !== undefined) {
      const href = safeHref(m[9]);
      append(parent, href ? el('a', { href, rel: 'noopener noreferrer' }, m[9]) : m[9]);
    }
    rest = rest.slice(m.index + m[0].length);
  }
}
