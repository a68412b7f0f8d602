/**
 * `npm run docs`: regenerates the parts of README.md and docs/FAULTS.md that are derived from
 * code (the fault kinds), between `<!-- fault-kinds:start -->` and `<!-- fault-kinds:end -->`.
 * test/docs.test.ts fails when they are stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import '../sim/faults/register.ts';
import { faultKindsMarkdown } from '../sim/faults/docs.ts';

export const START = '<!-- fault-kinds:start -->';
export const END = '<!-- fault-kinds:end -->';

export function withFaultKinds(text: string, headingLevel: 3 | 4): string {
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error('missing fault-kinds markers');
  let md = faultKindsMarkdown();
  if (headingLevel === 4) md = md.replace(/^### /gm, '#### ');
  return `${text.slice(0, a + START.length)}\n${md}${text.slice(b)}`;
}

export const DOCS: readonly [string, 3 | 4][] = [
  ['README.md', 4],
  ['docs/FAULTS.md', 3],
];

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [file, level] of DOCS) {
    const path = fileURLToPath(new URL(`../${file}`, import.meta.url));
    writeFileSync(path, withFaultKinds(readFileSync(path, 'utf8'), level));
    console.log(`updated ${file}`);
  }
}
