/**
 * `npm run docs`: regenerates the parts of README.md and docs/FAULTS.md that are derived from
 * code: the fault kinds (between `<!-- fault-kinds:start -->` and `<!-- fault-kinds:end -->`) and
 * the scenario table (between `<!-- scenarios:start -->` and `<!-- scenarios:end -->`).
 * test/docs.test.ts fails when they are stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import '../sim/run/fault-kinds.ts';
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

export const SCENARIOS_START = '<!-- scenarios:start -->';
export const SCENARIOS_END = '<!-- scenarios:end -->';

/** A table of the built-in scenarios: name, what it teaches, the designs compared. */
export async function scenariosMarkdown(): Promise<string> {
  const { scenarioNames, loadScenario } = await import('../sim/cli/load.ts');
  const rows = ['| scenario | what it shows | variants (designs compared) |', '|---|---|---|'];
  for (const name of scenarioNames()) {
    const s = await loadScenario(name);
    rows.push(`| \`${name}\` | ${s.title.replace(/\|/g, '\\|')} | ${s.variantNames.map((v) => `\`${v}\``).join(', ')} |`);
  }
  return rows.join('\n') + '\n';
}

export function withScenarios(text: string, table: string): string {
  const a = text.indexOf(SCENARIOS_START);
  const b = text.indexOf(SCENARIOS_END);
  if (a < 0 || b < a) return text;
  return `${text.slice(0, a + SCENARIOS_START.length)}\n${table}${text.slice(b)}`;
}

export const DOCS: readonly [string, 3 | 4][] = [
  ['README.md', 4],
  ['docs/FAULTS.md', 3],
];

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const table = await scenariosMarkdown();
  for (const [file, level] of DOCS) {
    const path = fileURLToPath(new URL(`../${file}`, import.meta.url));
    writeFileSync(path, withScenarios(withFaultKinds(readFileSync(path, 'utf8'), level), table));
    console.log(`updated ${file}`);
  }
}
