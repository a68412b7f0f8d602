/**
 * The report writer (Node only): one self-contained HTML file that opens from disk with no server
 * and no network. The viewer (`viz/viewer/*.ts`, with D3) is bundled by esbuild's JS API at report
 * time and cached in memory for the life of the process; the data is embedded as JSON in a
 * `<script type="application/json">` block, escaped so that no string from a scenario can close
 * the block or start markup. The viewer reads it with `JSON.parse(textContent)` and writes every
 * string with `textContent`, never as HTML.
 *
 * The Content-Security-Policy allows nothing but the page's own inline script and stylesheet,
 * named by their SHA-256 hashes: no `'unsafe-inline'`, no network, no workers (a page that starts
 * workers adds `worker-src blob:`; this one starts none).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../sim/cli/files.ts';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunArtifacts } from '../sim/run/runner.ts';
import { buildReportData, type BuildReportOptions } from './data.ts';
import type { ReportData } from './model.ts';
import { REPORT_CSS } from './style.ts';

export interface WriteReportOptions extends BuildReportOptions {
  /** Document title; defaults to the first run's scenario title. */
  title?: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const VIEWER_ENTRY = join(here, 'viewer', 'main.ts');
/** The bundle `npm run build` writes beside the built report module (dist/viz/); the sources have none. */
const PREBUILT_VIEWER = join(here, 'viewer.bundle.js');

let bundleCache: Promise<string> | undefined;

/** The viewer bundle (D3 included): the build's prebuilt file, or built once per process with esbuild's JS API. */
export function viewerBundle(): Promise<string> {
  bundleCache ??= buildBundle().catch((err: unknown) => {
    bundleCache = undefined; // a failed build is not cached: the next call retries
    throw err;
  });
  return bundleCache;
}

async function buildBundle(): Promise<string> {
  try {
    return await readFile(PREBUILT_VIEWER, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const esbuild = await import('esbuild');
  const out = await esbuild.build({
    entryPoints: [VIEWER_ENTRY],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
  });
  const file = out.outputFiles[0];
  if (!file) throw new Error('esbuild produced no output for the report viewer');
  return file.text;
}

/**
 * JSON safe to place inside `<script type="application/json">`: `<`, `>` and `&` become `\u003c`,
 * `\u003e`, `\u0026` (so neither `</script>` nor `<!--` can appear), and U+2028/U+2029 are escaped
 * too. JSON.parse reads the escapes back to the original characters.
 */
export function escapeJsonForHtml(json: string): string {
  return json
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Text for an HTML element's content (the document title). */
export function escapeHtmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Keep the inline bundle from ending its own script element or entering the script-escape state. */
function safeInlineScript(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** A CSP source naming an inline element's exact text. */
export function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

const STYLE_HASH = cspHash(REPORT_CSS);

let scriptCache: { bundle: string; script: string; hash: string } | undefined;

/** The complete HTML document for already-built report data. */
export async function renderReportHtml(data: ReportData, options: { title?: string } = {}): Promise<string> {
  const bundle = await viewerBundle();
  if (scriptCache?.bundle !== bundle) {
    const script = safeInlineScript(bundle);
    scriptCache = { bundle, script, hash: cspHash(script) };
  }
  const { script, hash } = scriptCache;
  const first = data.runs[0];
  const title = options.title ?? (first ? `${first.scenario.title} · faultline report` : 'faultline report');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    // No network: the policy forbids every fetch; the page's own script and stylesheet, named by
    // hash, are the whole report (the data block is JSON, which no policy needs to allow).
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src ${hash}; style-src ${STYLE_HASH}; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtmlText(title)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    '</head>',
    '<body>',
    '<main id="report"><noscript><p>This report draws its views with JavaScript; the embedded data is in the faultline-data script element.</p></noscript></main>',
    `<script type="application/json" id="faultline-data">${escapeJsonForHtml(JSON.stringify(data))}</script>`,
    `<script>${script}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/**
 * Write the report for one or more runs (several runs: a variant comparison) atomically, folding
 * the records each run kept in memory. `faultline run --report` folds while the runs go instead
 * (`ReportCollector`) and calls `writeReportData`.
 */
export async function writeReport(path: string, runs: RunArtifacts[], opts: WriteReportOptions = {}): Promise<{ path: string; bytes: number }> {
  return writeReportData(path, buildReportData(runs, opts), opts);
}

/** Write already-built report data atomically. */
export async function writeReportData(path: string, data: ReportData, opts: { title?: string } = {}): Promise<{ path: string; bytes: number }> {
  const html = await renderReportHtml(data, opts.title !== undefined ? { title: opts.title } : {});
  const target = resolve(path);
  await writeAtomic(target, html);
  return { path: target, bytes: Buffer.byteLength(html) };
}

/**
 * Write atomically: an exclusive, randomly named temporary file beside the target, fsync, rename
 * (`writeFileAtomic`); readers never see half a file.
 */
export async function writeAtomic(target: string, text: string): Promise<void> {
  writeFileAtomic(target, text);
}
