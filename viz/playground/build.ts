/**
 * Building the playground: one self-contained HTML file (no server, no network, works from
 * file://) holding the simulator and the scenarios, bundled by esbuild's JS API. The simulation
 * runs in a Web Worker made from the bundled worker code (a Blob URL), so the page stays
 * responsive while a run is under way.
 */
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { MODULE_EXT } from '../../sim/run/loaders.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const WORKER_ENTRY = `${here}worker${MODULE_EXT}`;
const PAGE_ENTRY = `${here}page${MODULE_EXT}`;
const VIRTUAL = 'faultline-playground-scenarios';

/** The scenarios the playground holds: name → absolute path of the scenario module. */
export type ScenarioFiles = Record<string, string>;

function scenariosPlugin(files: ScenarioFiles): Plugin {
  return {
    name: 'faultline-playground-scenarios',
    setup(b) {
      b.onResolve({ filter: new RegExp(`^${VIRTUAL}$`) }, () => ({ path: VIRTUAL, namespace: VIRTUAL }));
      b.onLoad({ filter: /.*/, namespace: VIRTUAL }, () => {
        const names = Object.keys(files);
        const contents =
          names.map((n, i) => `import s${i} from ${JSON.stringify(files[n])};`).join('\n') +
          `\nexport const scenarios = {${names.map((n, i) => `${JSON.stringify(n)}: s${i}`).join(', ')}};\n`;
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
    plugins,
  });
  const file = out.outputFiles[0];
  if (!file) throw new Error(`esbuild produced no output for ${entry}`);
  return file.text;
}

/** `</script` cannot appear inside an inline script. */
function inlineScript(code: string): string {
  return code.replace(/<\/script/gi, '<\\/script');
}

/** The playground page for the given scenarios, as one HTML string. */
export async function renderPlaygroundHtml(files: ScenarioFiles, opening?: string): Promise<string> {
  const [worker, page] = await Promise.all([bundle(WORKER_ENTRY, [scenariosPlugin(files)]), bundle(PAGE_ENTRY, [])]);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>faultline playground</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>faultline playground</h1><span id="status"></span></header>
<main id="app"${opening ? ` data-scenario="${escapeAttr(opening)}"` : ''}></main>
<script type="text/plain" id="faultline-worker">${inlineScript(worker)}</script>
<script>${inlineScript(page)}</script>
</body>
</html>
`;
}

const STYLE = `
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #5b6470; --bg: #fff; --panel: #f5f7fa; --line: #d6dbe1; --ok: #1a7f37; --bad: #cf222e; --accent: #0969da; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9aa5b1; --bg: #0d1117; --panel: #161b22; --line: #30363d; --ok: #3fb950; --bad: #f85149; --accent: #58a6ff; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; align-items: baseline; gap: 1rem; padding: .6rem 1.2rem; border-bottom: 1px solid var(--line); }
header h1 { font-size: 1.1rem; margin: 0; }
#status { color: var(--muted); font-size: .85rem; }
main { display: grid; grid-template-columns: 300px 1fr; gap: 1rem; padding: 1rem 1.2rem; }
aside { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .8rem; }
aside label { display: block; margin: .55rem 0 .15rem; font-weight: 600; font-size: .85rem; }
aside .desc { color: var(--muted); font-size: .78rem; margin: 0 0 .2rem; }
aside select, aside input[type=text], aside input[type=number] { width: 100%; padding: .25rem .35rem; font: inherit; background: var(--bg); color: var(--fg); border: 1px solid var(--line); border-radius: 4px; }
aside input[type=range] { width: 100%; }
.row { display: flex; gap: .5rem; align-items: center; }
.row output { min-width: 5ch; text-align: right; font-variant-numeric: tabular-nums; }
.results { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 1rem; align-content: start; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: .8rem; background: var(--panel); }
.card h2 { font-size: 1rem; margin: 0 0 .4rem; }
.card table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
.card td { padding: .12rem .3rem; border-bottom: 1px solid var(--line); }
.card td:last-child { text-align: right; }
.pass { color: var(--ok); } .fail { color: var(--bad); }
.hash { font-family: ui-monospace, monospace; font-size: .78rem; word-break: break-all; color: var(--muted); }
.error { color: var(--bad); white-space: pre-wrap; }
`;

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
