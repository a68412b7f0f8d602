/**
 * DOM helpers that never parse HTML: every string goes in through `textContent` or
 * `setAttribute`, so a scenario title such as `<img onerror=...>` is shown, not run.
 */
export type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) e.setAttribute(k, String(v));
  append(e, ...children);
  return e;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

/** A link only for http(s) and in-page anchors; anything else (javascript:, data:) stays text. */
export function safeHref(href: string): string | null {
  const h = href.trim();
  if (h.startsWith('#')) return h;
  return /^https?:\/\/[^\s]+$/i.test(h) ? h : null;
}

/**
 * An identifier that may wrap where a reader would break it (before a capital in camelCase,
 * after a dot, dash or underscore) instead of mid-word: `backendAttempts<wbr>PerRequest`.
 */
export function breakable(name: string): DocumentFragment {
  const f = document.createDocumentFragment();
  const parts = name.split(/(?<=[a-z0-9])(?=[A-Z])|(?<=[._-])/);
  parts.forEach((p, i) => {
    if (i > 0) f.appendChild(document.createElement('wbr'));
    f.appendChild(document.createTextNode(p));
  });
  return f;
}
