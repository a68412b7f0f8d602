// Node resolve hook: `faultline` and `faultline/vitest` resolve to this checkout's sources, so a
// scenario file outside the repository needs no install step to import the public API. A user's
// TypeScript file is loaded as an ES module even where no package.json says "type": "module".
const root = new URL('../', import.meta.url);
const targets = {
  faultline: new URL('sim/index.ts', root).href,
  'faultline/vitest': new URL('sim/check/vitest.ts', root).href,
};

export async function resolve(specifier, context, next) {
  const target = targets[specifier];
  if (target !== undefined) return { url: target, format: 'module', shortCircuit: true };
  const result = await next(specifier, context);
  if (result.url.startsWith('file:') && !result.url.includes('/node_modules/') && /\.(ts|mts)$/.test(result.url)) {
    return { ...result, format: 'module' };
  }
  return result;
}
