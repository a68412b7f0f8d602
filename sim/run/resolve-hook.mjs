// Node resolve hook (registered by loaders.ts with `module.register`, in the main thread and in
// every sweep worker): `faultline` and its subpaths resolve to the copy of faultline that
// registered the hook (its sources or its build, given as `data.targets`), so a scenario file
// anywhere on disk imports the same modules as the CLI that runs it, with no install step. A
// user's TypeScript file is loaded as an ES module even where no package.json says
// "type": "module".
/** @type {Record<string, string>} */
let targets = {};

/** @param {import('./loaders.ts').ResolveHookData} data */
export function initialize(data) {
  targets = data.targets;
}

/** @type {import('node:module').ResolveHook} */
export async function resolve(specifier, context, next) {
  const target = targets[specifier];
  if (target !== undefined) return { url: target, format: 'module', shortCircuit: true };
  const result = await next(specifier, context);
  if (result.url.startsWith('file:') && !result.url.includes('/node_modules/') && /\.(ts|mts)$/.test(result.url)) {
    return { ...result, format: 'module' };
  }
  return result;
}
