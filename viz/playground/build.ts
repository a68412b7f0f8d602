/**
 * Building the playground: one self-contained HTML file (no server, no network, works from
 * file://) holding the simulator and the scenarios, bundled by esbuild's JS API. The simulation
 * runs in a Web Worker made from the bundled worker code (a Blob URL), so the page stays
 * responsive while a run is under way.
 */
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { ENTRY_POINTS } from '../../sim/run/loaders.ts';
import { cspHash } from '../report.ts';
import { REPORT_CSS } from '../style.ts';
import { FAULT_EDITOR_CSS } from './fault-editor-style.ts';
import { STAGE_CSS } from '../stage-style.ts';

// The browser bundles are always made from the TypeScript sources (shipped with the package):
// the build's JavaScript in dist/ is bundled for Node (tools/bundle.ts).
const here = fileURLToPath(new URL('.', import.meta.url)).replace(/\/dist\/viz\/playground\/$/, '/viz/playground/');
const ROOT = fileURLToPath(new URL('../../', `file://${here}`));
const WORKER_ENTRY = `${here}worker.ts`;
const PAGE_ENTRY = `${here}page.ts`;
const VIRTUAL = 'faultline-playground-scenarios';

/** The scenarios the playground holds: name → absolute path of the scenario module. */
export type ScenarioFiles = Record<string, string>;

/** How the replay command names a scenario that is not built in: name → the path given to `faultline play`. */
export type ScenarioRefs = Record<string, string>;

/** A built-in scenario's module in the build (dist/scenarios/x.js) as its source (scenarios/x.ts). */
function sourceOf(file: string): string {
  return file.startsWith(`${ROOT}dist/scenarios/`) && file.endsWith('.js') ? `${ROOT}${file.slice(`${ROOT}dist/`.length, -'.js'.length)}.ts` : file;
}

/** `faultline` and its subpaths resolve to this copy's sources (an installed package has no tsconfig paths). */
const entryPointsPlugin: Plugin = {
  name: 'faultline-entry-points',
  setup(b) {
    b.onResolve({ filter: /^faultline(\/[a-z]+)?$/ }, (a) => {
      const path = ENTRY_POINTS[a.path];
      return path === undefined ? undefined : { path: `${ROOT}sim/${path}.ts` };
    });
  },
};

function scenariosPlugin(files: ScenarioFiles, refs: ScenarioRefs): Plugin {
  return {
    name: 'faultline-playground-scenarios',
    setup(b) {
      b.onResolve({ filter: new RegExp(`^${VIRTUAL}$`) }, () => ({ path: VIRTUAL, namespace: VIRTUAL }));
      b.onLoad({ filter: /.*/, namespace: VIRTUAL }, () => {
        const names = Object.keys(files);
        const contents =
          names.map((n, i) => `import s${i} from ${JSON.stringify(sourceOf(files[n]!))};`).join('\n') +
          `\nexport const scenarios = {${names.map((n, i) => `${JSON.stringify(n)}: s${i}`).join(', ')}};\n` +
          `export const refs = ${JSON.stringify(refs)};\n`;
        return { contents, loader: 'ts', resolveDir: here };
      });
    },
  };
}

async function bundle(entry: string, plugins: Plugin[]): Promise<string> {
  const esbuild = await import('esbuild');
  const out = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
    plugins: [entryPointsPlugin, ...plugins],
  });
  const file = out.outputFiles[0];
  if (!file) throw new Error(`esbuild produced no output for ${entry}`);
  return file.text;
}

/** The page's stylesheet: the report's (its views are the report's) and the playground's own. */
const CSS = `${REPORT_CSS}\n${STAGE_CSS}\n${playgroundCss()}\n${FAULT_EDITOR_CSS}`;

/**
 * The playground page for the given scenarios, as one HTML string. The Content-Security-Policy
 * allows the page's one inline script and stylesheet by their SHA-256 hashes (no
 * `'unsafe-inline'`), workers only from blob: URLs (the worker's code is an inert
 * `<script type="text/plain">` the page turns into a Blob), blob: and data: images, and no network.
 */
export async function renderPlaygroundHtml(files: ScenarioFiles, opening?: string, refs: ScenarioRefs = {}): Promise<string> {
  const [worker, page] = await Promise.all([bundle(WORKER_ENTRY, [scenariosPlugin(files, refs)]), bundle(PAGE_ENTRY, [])]);
  const script = inlineScript(page);
  const csp = `default-src 'none'; script-src ${cspHash(script)}; style-src ${cspHash(CSS)}; worker-src blob:; img-src data: blob:; base-uri 'none'; form-action 'none'`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>faultline playground</title>
<style>${CSS}</style>
</head>
<body>
<header class="pg-header"><h1>faultline playground</h1><span id="status" role="status"></span></header>
<div id="app"${opening ? ` data-scenario="${escapeAttr(opening)}"` : ''}><noscript><p>The playground runs the simulator in your browser: it needs JavaScript.</p></noscript></div>
<script type="text/plain" id="faultline-worker">${inlineScript(worker)}</script>
<script>${script}</script>
</body>
</html>
`;
}

/** Keep inline code from ending its own script element or entering the script-escape state. */
function inlineScript(code: string): string {
  return code.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

function playgroundCss(): string {
  return `
:root { color-scheme: light; --accent: #0b63c5; --bad: #c2185b; --good: #1a7f37; }
.pg-header { display: flex; align-items: baseline; gap: 1rem; padding: 8px 20px; border-bottom: 1px solid var(--rule); }
.pg-header h1 { font-size: 17px; margin: 0; }
#status { color: var(--muted); font-size: 12.5px; }
#app { display: grid; grid-template-columns: 310px minmax(0, 1fr); gap: 18px; padding: 12px 20px; align-items: start; }
#controls { background: var(--panel); border: 1px solid var(--rule); border-radius: 6px; padding: 10px 12px; position: sticky; top: 8px; max-height: calc(100vh - 16px); overflow-y: auto; }
#controls label, #controls .label { display: block; margin: 9px 0 2px; font-weight: 600; font-size: 12.5px; overflow-wrap: anywhere; }
#controls label.inline { display: inline; margin: 0; font-weight: 500; }
#controls fieldset { border: 1px solid var(--rule); border-radius: 4px; margin: 10px 0 0; padding: 4px 8px 8px; min-width: 0; }
#controls legend { font-weight: 600; font-size: 12.5px; padding: 0 4px; }
#controls .desc { color: var(--muted); font-size: 12px; margin: 0 0 3px; }
#controls .desc.pre { white-space: pre-wrap; }
#controls select, #controls input[type=text], #controls input[type=number], #controls textarea { width: 100%; padding: 3px 5px; font: inherit; background: #fff; color: var(--ink); border: 1px solid #b8bfca; border-radius: 4px; }
#controls textarea { font-family: var(--mono); font-size: 12px; }
#controls input[type=number] { width: 9.5em; flex: none; }
#controls input[type=range] { flex: 1; min-width: 0; }
#controls .row { display: flex; gap: 6px; align-items: center; margin: 2px 0; }
#controls .row.end { justify-content: flex-end; margin-top: 12px; }
#controls [aria-invalid=true] { border-color: var(--bad); background: var(--fail-bg); }
#controls label.changed::after { content: ' · changed'; color: var(--accent); font-weight: 500; }
.field-error { color: var(--bad); font-size: 12px; margin: 2px 0; }
.presets { display: flex; flex-wrap: wrap; gap: 4px; }
button { white-space: nowrap; font: inherit; font-size: 12.5px; padding: 3px 9px; border: 1px solid #b8bfca; border-radius: 4px; background: #fff; color: var(--ink); cursor: pointer; }
button:hover { background: #eef2f7; }
button[aria-pressed=true] { background: var(--ok-bg); border-color: var(--ok); }
button.preset { border-style: dashed; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
input[type=checkbox]:focus-visible, input[type=range]:focus-visible { outline-offset: 1px; }
.pg-main { min-width: 0; }
.pg-main #report { max-width: none; padding: 0 0 60px; margin: 0; }
#report .sticky { margin: 0; padding-left: 0; padding-right: 0; }
#report > .eyebrow, #report > h1, #report > .conclusion, #report > .cost-conclusion { display: none; }
#conclusion .conclusion { margin: 4px 0 8px; }
.toolbar { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 6px 0; }
.toolbar .desc { color: var(--muted); font-size: 12px; }
.pg-cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 8px; margin: 6px 0; }
.pg-card { border: 1px solid var(--rule); border-radius: 6px; padding: 7px 9px; background: var(--panel); min-width: 0; }
.pg-card.focus { border-color: var(--ok); box-shadow: inset 3px 0 0 var(--ok); }
.pg-card.pinned { border-style: dashed; }
.pg-card h3 { font-size: 13.5px; margin: 0 0 4px; }
.pg-card .figures { display: flex; flex-wrap: wrap; gap: 2px 10px; font-size: 12px; color: var(--muted); margin-top: 3px; }
.pg-card .figures strong { color: var(--ink); font-variant-numeric: tabular-nums; }
.pg-card .desc { color: var(--muted); font-size: 12px; }
.pg-card .hash { font-size: 11.5px; color: var(--muted); margin-top: 4px; overflow-wrap: break-word; }
.pg-card .hash code { font-size: 11.5px; }
.pg-card button { margin-top: 6px; }
.error { color: var(--bad); background: var(--fail-bg); border-radius: 4px; padding: 6px 9px; margin: 4px 0; white-space: pre-wrap; overflow-wrap: anywhere; }
table.pin-diff { border-collapse: collapse; font-variant-numeric: tabular-nums; }
table.pin-diff th, table.pin-diff td { padding: 3px 12px 3px 0; border-bottom: 1px solid var(--rule); text-align: right; }
table.pin-diff th[scope=row] { text-align: left; font-weight: 500; }
table.pin-diff td.better { color: var(--good); font-weight: 600; }
table.pin-diff td.worse { color: var(--bad); font-weight: 600; }
@media (max-width: 900px) { #app { grid-template-columns: 1fr; } #controls { position: static; max-height: none; } }
`;
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
