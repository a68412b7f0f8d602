/**
 * How scenario files are imported, the same way in the main thread and in sweep worker threads.
 *
 * This code runs either from the sources (`sim/…/*.ts`, under tsx or vitest) or from the build
 * (`dist/sim/…/*.js`); `MODULE_EXT` tells which. Two things may have to be registered with Node
 * before a scenario file can be imported:
 *
 * - the resolve hook (`resolve-hook.mjs`), which makes `faultline` and its subpaths resolve to
 *   this copy of faultline (the tree this code runs from), so a user's scenario file anywhere on
 *   disk imports the same module instances as the CLI, with no install step; it also loads a
 *   user's `.ts` file as an ES module where no package.json says `"type": "module"`;
 * - tsx, which lets Node import TypeScript.
 *
 * From the sources both are always needed (the built-in scenarios are TypeScript and import
 * `faultline`); `bin/faultline.mjs` registers them before it loads the CLI. From the build, a
 * built-in scenario needs neither (its `import 'faultline'` is the package importing itself), so
 * nothing is registered and tsx is never loaded unless a user's scenario file asks for it: the
 * hook for any user file, tsx for a TypeScript one. Worker threads start from `worker-entry.mjs`,
 * which registers what `workerLoaders()` says this thread registered, then imports the worker.
 */
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';

/** `.ts` when this code runs from the sources, `.js` when it runs from the build. */
export const MODULE_EXT: '.ts' | '.js' = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** The package's public entry points (its `exports`), as module paths relative to `sim/`. */
export const ENTRY_POINTS: Readonly<Record<string, string>> = {
  faultline: 'index',
  'faultline/world': 'world/index',
  'faultline/patterns': 'patterns/index',
  'faultline/app': 'app/index',
  'faultline/check': 'check/index',
  'faultline/vitest': 'check/vitest',
};

/** Each public entry point's URL in this tree (sources or build). */
export function entryPointUrls(): Record<string, string> {
  return Object.fromEntries(Object.entries(ENTRY_POINTS).map(([spec, path]) => [spec, new URL(`../${path}${MODULE_EXT}`, import.meta.url).href]));
}

const registered = { typescript: false, resolveHook: false };

/** What a new thread must register to import what this one can. */
export interface LoaderConfig {
  typescript: boolean;
  /** The resolve hook's module and its data, or null. */
  resolveHook: { url: string; data: ResolveHookData } | null;
}

export interface ResolveHookData {
  /** Public entry point specifier → URL of the module it resolves to. */
  targets: Record<string, string>;
}

function resolveHook(): { url: string; data: ResolveHookData } {
  return { url: new URL('./resolve-hook.mjs', import.meta.url).href, data: { targets: entryPointUrls() } };
}

/** Register the resolve hook in this thread (once). */
export function registerResolveHook(): void {
  if (registered.resolveHook) return;
  const hook = resolveHook();
  register(hook.url, { data: hook.data });
  registered.resolveHook = true;
}

/** Register tsx in this thread (once), so Node can import TypeScript. */
export async function registerTypeScript(): Promise<void> {
  if (registered.typescript || MODULE_EXT === '.ts') return;
  const tsx = await import('tsx/esm/api');
  tsx.register();
  registered.typescript = true;
}

/**
 * Called by `bin/faultline.mjs` when it runs the sources: it has registered tsx itself (it needs
 * it to load this file); this registers the resolve hook.
 */
export function useSourceLoaders(): void {
  registered.typescript = true;
  registerResolveHook();
}

const TYPESCRIPT = /\.(ts|mts|cts|tsx)$/;

/**
 * Make this thread able to import a scenario file. `builtIn` is true for the files of this
 * package's own `scenarios/` folder. From the sources this registers nothing: the CLI registered
 * both loaders already, and under vitest its own transform and aliases do the work.
 */
export async function prepareScenarioImport(file: string, builtIn: boolean): Promise<void> {
  if (MODULE_EXT === '.ts' || builtIn) return;
  if (TYPESCRIPT.test(file)) await registerTypeScript();
  registerResolveHook();
}

/** What a worker thread registers before it imports the worker body. */
export function workerLoaders(): LoaderConfig {
  const source = MODULE_EXT === '.ts';
  return {
    typescript: source || registered.typescript,
    resolveHook: source || registered.resolveHook ? resolveHook() : null,
  };
}

/** The run workers' entry module (plain JavaScript, so a thread can start it before tsx). */
export const WORKER_ENTRY = fileURLToPath(new URL('./worker-entry.mjs', import.meta.url));

/** The `workerData` a run worker starts with: `new Worker(WORKER_ENTRY, { workerData: runWorkerData() })`. */
export function runWorkerData(): { loaders: LoaderConfig; body: string } {
  return { loaders: workerLoaders(), body: new URL(`./worker${MODULE_EXT}`, import.meta.url).href };
}
