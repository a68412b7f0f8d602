/**
 * Finding scenarios: a name from this repository's `scenarios/` folder, or the path of a user's
 * own scenario file (any `.ts`, `.mts`, `.js` or `.mjs` file whose default export was built with
 * `defineScenario`).
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { resolve, extname, basename, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InputError } from '../kernel/errors.ts';
import { closestName } from '../kernel/suggest.ts';
import { showName, showValue } from '../kernel/show.ts';
import { isScenario, type ParamSpec, type Scenario } from '../run/scenario.ts';
import { MODULE_EXT, prepareScenarioImport } from '../run/loaders.ts';

/** The built-in scenarios: `scenarios/*.ts` in the sources, `dist/scenarios/*.js` in the build. */
export const SCENARIOS_DIR = fileURLToPath(new URL('../../scenarios/', import.meta.url));
const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/** Names of the built-in scenarios, sorted. */
export function scenarioNames(): string[] {
  return readdirSync(SCENARIOS_DIR)
    .filter((f) => f.endsWith(MODULE_EXT) && !f.startsWith('_') && f !== `index${MODULE_EXT}` && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -MODULE_EXT.length))
    .sort();
}

function looksLikePath(ref: string): boolean {
  return ref.includes('/') || ref.includes('\\') || EXTENSIONS.includes(extname(ref));
}

/** Where a scenario reference points: the file to import. Throws InputError for unknown names. */
export function resolveScenarioFile(ref: string): string {
  if (looksLikePath(ref)) {
    const file = resolve(process.cwd(), ref);
    if (!existsSync(file)) throw new InputError(`scenario file ${showName(ref)} does not exist`);
    if (statSync(file).isDirectory()) throw new InputError(`scenario file ${showName(ref)} is a directory; give a ${EXTENSIONS.join(', ')} file whose default export is defineScenario({ ... })`);
    return file;
  }
  const names = scenarioNames();
  if (!names.includes(ref)) {
    const hint = closestName(ref.slice(0, 64), names);
    throw new InputError(
      `unknown scenario ${showValue(ref)}${hint ? ` (did you mean ${hint}?)` : ''}; built-in scenarios: ${names.join(', ')}; or give the path of your own scenario file`,
    );
  }
  return resolve(SCENARIOS_DIR, `${ref}${MODULE_EXT}`);
}

/**
 * Register what importing this scenario file needs (tsx for a user's TypeScript file, the resolve
 * hook for any user file; nothing for a built-in one), in this thread and so in workers started
 * after it.
 */
export async function prepareScenarioFile(file: string): Promise<void> {
  await prepareScenarioImport(file, resolve(dirname(file)) === resolve(SCENARIOS_DIR));
}

export async function loadScenario(ref: string): Promise<Scenario<any>> {
  const file = resolveScenarioFile(ref);
  let mod: { default?: unknown };
  try {
    await prepareScenarioFile(file);
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (err) {
    if (err instanceof InputError) throw err;
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new InputError(`could not load scenario ${showName(ref)}: ${msg}`);
  }
  const s = mod.default;
  if (!isScenario(s)) {
    throw new InputError(`${showName(ref)}: the default export is not a scenario; export default defineScenario({ ... })`);
  }
  if (!looksLikePath(ref) && s.name !== basename(file, MODULE_EXT)) {
    throw new InputError(`scenario file ${basename(file)} defines name ${s.name}; the name must equal the file name`);
  }
  return s;
}

/** What `faultline list` shows of a built-in scenario, without importing its module. */
export interface ScenarioListing {
  name: string;
  title: string;
  variants: string[];
  params: Record<string, ParamSpec>;
}

/**
 * The built-in scenarios' listings, written by the build next to the compiled scenarios
 * (`dist/scenarios/catalog.json`): `faultline list` reads it instead of importing every scenario
 * module (and, through them, the whole simulator). The build that writes it is current whenever
 * the command runs `dist/`, so it cannot disagree with the scenarios it lists.
 */
export const CATALOG_FILE = 'catalog.json';

function listingOf(s: Scenario<any>): ScenarioListing {
  return { name: s.name, title: s.title, variants: [...s.variantNames], params: s.params };
}

/** Every built-in scenario's listing, sorted by name: from the build's catalog, else by loading each. */
export async function scenarioListings(): Promise<ScenarioListing[]> {
  if (MODULE_EXT === '.js') {
    const file = resolve(SCENARIOS_DIR, CATALOG_FILE);
    const names = scenarioNames();
    if (existsSync(file)) {
      const listed = JSON.parse(readFileSync(file, 'utf8')) as ScenarioListing[];
      // a scenario file added to or removed from dist/ by hand after the build: load them all
      if (JSON.stringify(listed.map((l) => l.name)) === JSON.stringify(names)) return listed;
    }
  }
  return (await Promise.all(scenarioNames().map((n) => loadScenario(n)))).map(listingOf);
}

/** Write the catalog of the built-in scenarios this code sees (the build calls it on `dist/`). */
export async function writeScenarioCatalog(): Promise<number> {
  const listings = (await Promise.all(scenarioNames().map((n) => loadScenario(n)))).map(listingOf);
  writeFileSync(resolve(SCENARIOS_DIR, CATALOG_FILE), JSON.stringify(listings) + '\n');
  return listings.length;
}
