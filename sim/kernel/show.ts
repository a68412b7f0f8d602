/**
 * Values echoed in error messages, made safe to print: bounded in length and depth, and free of
 * control characters. An input can be a 50 MB string, a plan nested 100,000 levels deep or bytes
 * that a terminal would run as escape sequences; an error message quotes a short, inert preview.
 */

/** Longest preview of a value in an error message, in characters. */
export const SHOW_MAX_CHARS = 120;

/** C0 and C1 control characters (ESC starts terminal escape sequences), DEL, and line/paragraph separators. */
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Replace control characters with a visible escape (`\x1b`, `\n`), so a message stays one inert line. */
export function stripControl(text: string): string {
  return text.replace(CONTROL_RE, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`;
  });
}

/** Cut `text` to `max` characters, saying how much was left out. */
export function truncate(text: string, max = SHOW_MAX_CHARS): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/**
 * A short JSON-like preview of any value: strings quoted, objects and arrays to a few levels and
 * entries, everything cut to `max` characters. Never throws (cycles, getters, BigInt, deep nesting).
 */
export function showValue(value: unknown, max = SHOW_MAX_CHARS): string {
  let out = '';
  // builds at most a little more than `max` characters, however large the value
  const walk = (v: unknown, depth: number): void => {
    if (out.length > max) return;
    if (typeof v === 'string') {
      const head = v.length > max ? v.slice(0, max + 1) : v;
      out += JSON.stringify(head).slice(0, v.length > max ? -1 : undefined);
      if (v.length > max) out += '…"';
      return;
    }
    if (v === null || typeof v === 'number' || typeof v === 'boolean') {
      out += String(v);
      return;
    }
    if (v === undefined) {
      out += 'undefined';
      return;
    }
    if (typeof v === 'bigint') {
      out += `${v}n`;
      return;
    }
    if (typeof v === 'function' || typeof v === 'symbol') {
      out += typeof v;
      return;
    }
    if (depth >= 3) {
      out += Array.isArray(v) ? '[…]' : '{…}';
      return;
    }
    if (Array.isArray(v)) {
      out += '[';
      for (let i = 0; i < v.length; i++) {
        if (out.length > max) break;
        if (i > 0) out += ',';
        walk(v[i], depth + 1);
      }
      out += ']';
      return;
    }
    out += '{';
    let first = true;
    for (const k of Object.keys(v as object)) {
      if (out.length > max) break;
      if (!first) out += ',';
      first = false;
      out += `${JSON.stringify(k.length > max ? `${k.slice(0, max)}…` : k)}:`;
      let inner: unknown;
      try {
        inner = (v as Record<string, unknown>)[k];
      } catch {
        inner = '(unreadable)';
      }
      walk(inner, depth + 1);
    }
    out += '}';
  };
  walk(value, 0);
  const safe = stripControl(out);
  return safe.length > max ? `${safe.slice(0, max)}…` : safe;
}

/** Whether `obj` has `key` as its own property: lookups by a user's key never reach the prototype. */
export function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** A name or path as typed when it is plain (letters, digits, `._-/:@+,=`), else quoted and bounded. */
export function showName(name: string, max = SHOW_MAX_CHARS): string {
  return name.length <= max && /^[\w./:@+,=~-]+$/.test(name) ? name : showValue(name, max);
}
