/**
 * Colour on a terminal, following the conventions users set once for every tool: `NO_COLOR`
 * (https://no-color.org: any non-empty value turns colour off) wins over everything; `FORCE_COLOR`
 * turns it on even into a pipe (`0` or `false` turn it off), as in Node.js and chalk; otherwise
 * colour goes to a TTY only, and never to a `TERM=dumb` terminal.
 *
 * Colour is painted over finished text (the check outcomes and the verdict), word for word, so the
 * columns of a table line up the same with and without it.
 */

export function colorEnabled(env: Record<string, string | undefined>, isTTY: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !(force === '0' || force.toLowerCase() === 'false');
  return isTTY && env.TERM !== 'dumb';
}

const RED = '\u001b[31m';
const GREEN = '\u001b[32m';
const YELLOW = '\u001b[33m';
const BOLD = '\u001b[1m';
const RESET = '\u001b[0m';

/**
 * Paint a run summary or comparison table: `ok` green and `FAIL` red on check lines, an outcome
 * that differs from expectation (`!`) bold yellow, and the verdict line green or red.
 */
export function colorize(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      if (/^verdict:/.test(line)) {
        const differs = /differ|not as expected|unexpected/.test(line);
        return `${differs ? RED : GREEN}${line}${RESET}`;
      }
      if (/^(check |\s+(ok|FAIL|unknown)\b)/.test(line)) {
        return line.replace(/\b(ok|FAIL)(!?)(?=\s|$)/g, (_, word: string, bang: string) =>
          bang ? `${BOLD}${YELLOW}${word}${bang}${RESET}` : `${word === 'ok' ? GREEN : RED}${word}${RESET}`,
        );
      }
      return line;
    })
    .join('\n');
}
