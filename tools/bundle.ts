/**
 * The JavaScript of the build (`npm run build` calls `bundleDist`): one esbuild bundle with code
 * splitting over every module Node loads from `dist/` by name: the command (`sim/cli/main`), the
 * worker bodies, the package's entry points (`faultline`, `faultline/world`, …) and the built-in
 * scenarios. Each is written where tsc would have written it (`dist/sim/index.js`,
 * `dist/scenarios/mmc-queue.js`, …) and the code they share goes to `dist/sim/chunks/`, so the
 * command, a built-in scenario and a user's scenario importing `faultline` (which the resolve hook
 * and the package's `exports` send to `dist/sim/index.js`) share the very same module instances.
 *
 * Why: start-up is module loading. From tsc's one-file-per-module tree a `run` loaded ≈ 125 ES
 * modules; from the bundle it loads ≈ 35 files, and a built-in scenario only the code it uses
 * (docs/PERFORMANCE.md, "Start-up and the whole-process figures").
 *
 * What keeps the bundle's behaviour the tree's:
 * - `import.meta.url` in a module means the file tsc would have written for it (`dist/sim/run/
 *   loaders.js`), not the chunk it ends up in, so every path computed from it (the scenarios'
 *   folder, the worker entry, the viewer bundle, the checkout's root) is what it was. A first
 *   pass finds where each module lands; the second rewrites its `import.meta.url` relative to
 *   that file. `sim/run/scenario.ts` keeps the real one: it recognises its own stack frames by it.
 * - Dependencies a user's code shares with faultline's (fast-check, vitest) and those loaded on
 *   demand (tsx, esbuild, cron-parser, d3) stay packages Node loads from node_modules;
 *   seedrandom is bundled; yaml is loaded from node_modules on its first use (a shim), since only
 *   YAML alerting files and chaos experiments need it.
 * - Module side effects (fault kind and trace kind registration) are kept: nothing of ours is
 *   marked free of side effects except the checkers in `sim/check/`, so a scenario that uses none
 *   of them does not load fast-check.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { BuildOptions, Metafile, Plugin } from 'esbuild';
import { ENTRY_POINTS } from '../sim/run/loaders.ts';

/** Modules Node imports from dist/ by path (besides the entry points and the scenarios). */
const LOADED_BY_PATH = ['sim/cli/main', 'sim/cli/load', 'sim/run/worker', 'sim/cli/heap-worker'];

/** Packages left to Node: shared with the user's code, optional, or loaded on demand. */
const EXTERNAL = ['fast-check', 'vitest', 'vitest/*', 'tsx', 'tsx/*', 'esbuild', 'cron-parser', 'd3', 'typescript'];

/** What runs a scenario (every scenario's entry copy imports it, see below), relative to the root. */
const RUNNER = 'sim/run/runner.ts';

/** Modules whose `import.meta.url` must stay the file's own (see above). */
const REAL_META_URL = new Set(['sim/run/scenario.ts']);

/** Modules with no side effects at import: dropped from an entry that uses none of their exports. */
const PURE = /^sim\/check\/[^/]+\.ts$/;

/** yaml, loaded from node_modules when first used (only its functions faultline calls). */
const YAML_SHIM = `import { createRequire } from 'node:module';
let yaml;
const load = () => (yaml ??= createRequire(import.meta.url)('yaml'));
export function parse(...a) { return load().parse(...a); }
export function parseAllDocuments(...a) { return load().parseAllDocuments(...a); }
export function stringify(...a) { return load().stringify(...a); }
`;

/** The modules to bundle as entries, as paths relative to the root without extension. */
export function bundleEntries(root: string): string[] {
  const scenarios = readdirSync(join(root, 'scenarios'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('_') && !f.includes('.test.'))
    .map((f) => `scenarios/${f.slice(0, -3)}`);
  return [...Object.values(ENTRY_POINTS).map((p) => `sim/${p}`), ...LOADED_BY_PATH, ...scenarios];
}

const posix = (p: string): string => p.split(sep).join('/');

function plugins(root: string, dist: string, landsIn: Map<string, string> | null): Plugin[] {
  const sources = Object.fromEntries(Object.entries(ENTRY_POINTS).map(([spec, path]) => [spec, join(root, 'sim', `${path}.ts`)]));
  return [
    {
      name: 'faultline-dist',
      setup(b) {
        // A built-in scenario's `faultline` imports: a module of its own that re-exports what it
        // imports from the modules the entry point re-exports them from (so the same instances),
        // with the entry point's side-effect imports. Importing the entry point itself would make
        // the scenario load every module it re-exports (esbuild splits by the files an entry
        // reaches), fast-check included.
        b.onResolve({ filter: /^faultline(\/[a-z]+)?$/ }, (a) =>
          sources[a.path] && !a.importer.startsWith(join(root, 'sim') + sep) ? { path: `${a.path} for ${a.importer}`, namespace: 'entry-copy', pluginData: { spec: a.path, importer: a.importer } } : undefined,
        );
        b.onLoad({ filter: /.*/, namespace: 'entry-copy' }, (a) => {
          const { spec, importer } = a.pluginData as { spec: string; importer: string };
          const entry = sources[spec]!;
          // every scenario also reaches the runner (what runs it, loaded before it anyway): so the
          // simulator's modules are reached by the same entries and share a few large chunks
          // rather than many small ones split by which scenario imports what
          const contents = `${entryCopy(readFileSync(entry, 'utf8'), importedNames(readFileSync(importer, 'utf8'), spec))}import ${JSON.stringify(join(root, RUNNER))};\n`;
          return { contents, loader: 'ts', resolveDir: dirname(entry) };
        });
        b.onResolve({ filter: /^yaml$/ }, () => ({ path: 'yaml', namespace: 'yaml-shim' }));
        b.onLoad({ filter: /.*/, namespace: 'yaml-shim' }, () => ({ contents: YAML_SHIM, loader: 'js' }));
        b.onResolve({ filter: /^\.\.?\// }, async (a) => {
          if (a.pluginData === 'resolved' || !a.importer.startsWith(root)) return undefined;
          const r = await b.resolve(a.path, { kind: a.kind, importer: a.importer, resolveDir: a.resolveDir, pluginData: 'resolved' });
          if (r.errors.length > 0) return { errors: r.errors };
          return PURE.test(posix(relative(root, r.path))) ? { ...r, sideEffects: false } : r;
        });
        if (landsIn === null) return;
        b.onLoad({ filter: /\.ts$/ }, (a) => {
          const rel = posix(relative(root, a.path));
          const text = readFileSync(a.path, 'utf8');
          if (REAL_META_URL.has(rel) || !text.includes('import.meta.url')) return undefined;
          const out = landsIn.get(rel);
          if (out === undefined) throw new Error(`bundle: ${rel} uses import.meta.url but was not in the first pass`);
          const own = posix(relative(dirname(join(dist, out)), join(dist, rel.replace(/\.ts$/, '.js'))));
          return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(own)}, import.meta.url).href`), loader: 'ts' };
        });
      },
    },
  ];
}

/** The value names `source` imports from `spec` (`import { a, b as c, type T } from 'spec'`), or null for all. */
export function importedNames(source: string, spec: string): Set<string> | null {
  const names = new Set<string>();
  for (const m of source.matchAll(/^import\s+(type\s+)?([^'";]*?)\s+from\s+['"]([^'"]+)['"]/gm)) {
    if (m[3] !== spec || m[1]) continue;
    const clause = /^\{([^}]*)\}$/.exec(m[2]!.trim());
    if (clause === null) return null; // a default or namespace import: everything
    for (const part of clause[1]!.split(',')) {
      const name = part.trim();
      if (name !== '' && !name.startsWith('type ')) names.add(name.split(/\s+as\s+/)[0]!.trim());
    }
  }
  return names;
}

/**
 * An entry point module (only `export { … } from '…'` statements and side-effect imports) cut
 * down to the exports in `names` (all when null). Throws on any other statement.
 */
export function entryCopy(entry: string, names: Set<string> | null): string {
  const body = entry.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  const rest = body.replace(/^import\s+(['"][^'"]+['"]);/gm, (_, path: string) => (out.push(`import ${path};`), '')).replace(
    /^export\s+(type\s+)?\{([^}]*)\}\s+from\s+(['"][^'"]+['"]);/gm,
    (_, type: string | undefined, list: string, path: string) => {
      if (type) return '';
      const kept = list
        .split(',')
        .map((n) => n.trim())
        .filter((n) => n !== '' && !n.startsWith('type ') && (names === null || names.has(n.split(/\s+as\s+/).pop()!.trim())));
      if (kept.length > 0) out.push(`export { ${kept.join(', ')} } from ${path};`);
      return '';
    },
  );
  if (rest.trim() !== '') throw new Error(`bundle: an entry point holds more than re-exports: ${rest.trim().slice(0, 80)}`);
  return out.join('\n') + '\n';
}

/** Source module (relative to the root) → the output file it lands in (relative to dist/). */
function outputsOf(meta: Metafile, dist: string, cwd: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const [out, o] of Object.entries(meta.outputs)) {
    if (!out.endsWith('.js')) continue;
    const file = posix(relative(dist, join(cwd, out)));
    for (const input of Object.keys(o.inputs)) if (!input.includes(':') && !input.includes('node_modules/')) map.set(posix(input), file);
  }
  return map;
}

/** Bundle the sources under `root` into `dist` (see above). Returns the number of files written. */
export async function bundleDist(root: string, dist: string): Promise<number> {
  const esbuild = await import('esbuild');
  const options: BuildOptions = {
    absWorkingDir: root,
    entryPoints: bundleEntries(root).map((e) => ({ in: join(root, `${e}.ts`), out: e })),
    outdir: dist,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    chunkNames: 'sim/chunks/[hash]',
    external: EXTERNAL,
    tsconfig: join(root, 'tsconfig.json'),
    // CommonJS code bundled in (seedrandom) may require Node's built-in modules
    // (only the file holding esbuild's `__require` helper keeps it: see `dropUnusedRequire`)
    banner: { js: REQUIRE_BANNER },
    sourcemap: true,
    metafile: true,
    legalComments: 'none',
    // less text to scan at every start (≈ 5 % of a run's CPU); identifiers are not renamed
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
  };
  const first = await esbuild.build({ ...options, write: false, plugins: plugins(root, dist, null) });
  const landsIn = outputsOf(first.metafile!, dist, root);
  const second = await esbuild.build({ ...options, plugins: plugins(root, dist, landsIn) });
  // the rewritten import.meta.url is right only if every module landed where the first pass said
  const landed = outputsOf(second.metafile!, dist, root);
  for (const [input, out] of landsIn) {
    const now = landed.get(input);
    if (now === undefined || dirname(now) !== dirname(out)) throw new Error(`bundle: ${input} moved from ${out} to ${now} between the passes`);
  }
  for (const out of Object.keys(second.metafile!.outputs)) if (out.endsWith('.js')) dropUnusedRequire(join(root, out));
  return Object.keys(second.metafile!.outputs).length;
}

/** The first line of every output file: a `require` for the CommonJS code bundled in. */
const REQUIRE_BANNER = "import { createRequire as __faultlineRequire } from 'node:module'; const require = __faultlineRequire(import.meta.url);";

/** `require` used as a name (not a property, not part of a longer name such as "required"). */
const USES_REQUIRE = /(^|[^\w$.])require(?![\w$])/;

/**
 * Empty the banner line of an output file whose code never names `require` (all but the one
 * holding esbuild's `__require` helper, which the bundled CommonJS code calls): each
 * `createRequire` costs ≈ 0.5 M instructions of a cold start, ≈ 17 M for the 33 files a `run`
 * loads. The line itself stays, so the source map's lines still match.
 */
function dropUnusedRequire(file: string): void {
  const text = readFileSync(file, 'utf8');
  if (!text.startsWith(REQUIRE_BANNER)) throw new Error(`bundle: ${file} does not start with the require banner`);
  const rest = text.slice(REQUIRE_BANNER.length);
  if (!USES_REQUIRE.test(rest.replace(/\/\/# sourceMappingURL=.*$/m, ''))) writeFileSync(file, rest);
}
