/**
 * `npm run docs`: regenerates the parts of README.md and docs/FAULTS.md that are derived from
 * code: the fault kinds (between `<!-- fault-kinds:start -->` and `<!-- fault-kinds:end -->`) and
 * the scenario table (between `<!-- scenarios:start -->` and `<!-- scenarios:end -->`); then
 * writes the API reference to `out/api/` (tools/api-docs.ts, also `npm run docs:api` alone).
 * test/docs.test.ts fails when the generated parts are stale; test/docs/api.test.ts builds the
 * API reference through `generateDocs` and fails on any warning. Exit 1 when the API reference
 * has warnings (the files are still written).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ApiDocsResult } from './api-docs.ts';
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

/** One generated document: its path (relative to the repository), its new text, whether that differs from the file. */
export interface GeneratedDoc {
  file: string;
  text: string;
  changed: boolean;
}

/**
 * Every step of `npm run docs`: the generated parts of README.md and docs/FAULTS.md (written
 * atomically, only when they changed, unless `writeFiles` is false) and the API reference in
 * `apiOutDir` (default `out/api/`).
 */
export async function generateDocs(options: { writeFiles?: boolean; apiOutDir?: string } = {}): Promise<{ docs: GeneratedDoc[]; api: ApiDocsResult }> {
  const table = await scenariosMarkdown();
  const docs: GeneratedDoc[] = [];
  for (const [file, level] of DOCS) {
    const path = fileURLToPath(new URL(`../${file}`, import.meta.url));
    const old = readFileSync(path, 'utf8');
    const text = withScenarios(withFaultKinds(old, level), table);
    docs.push({ file, text, changed: text !== old });
    if (options.writeFiles !== false && text !== old) {
      const tmp = `${path}.tmp-${process.pid}`;
      writeFileSync(tmp, text);
      renameSync(tmp, path);
    }
  }
  // docs/ALERTING.md: the table of Prometheus metric names
  {
    const { withMetricNames } = await import('../sim/alerts/names.ts');
    const file = 'docs/ALERTING.md';
    const path = fileURLToPath(new URL(`../${file}`, import.meta.url));
    const old = readFileSync(path, 'utf8');
    const text = withMetricNames(old);
    docs.push({ file, text, changed: text !== old });
    if (options.writeFiles !== false && text !== old) writeFileSync(path, text);
  }
  // loaded here, not at the top: test/docs.test.ts imports this file and needs no API Extractor
  const { buildApiDocs } = await import('./api-docs.ts');
  return { docs, api: buildApiDocs(options.apiOutDir) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { docs, api } = await generateDocs();
  for (const d of docs) console.log(`${d.changed ? 'updated' : 'up to date:'} ${d.file}`);
  for (const w of api.warnings) process.stderr.write(`docs: API reference warning: ${w}\n`);
  const root = fileURLToPath(new URL('..', import.meta.url));
  console.log(`API reference: ${api.outDir.replace(root, '')}/index.md${api.warnings.length ? ` (${api.warnings.length} warnings)` : ''}`);
  process.exitCode = api.warnings.length ? 1 : 0;
}
