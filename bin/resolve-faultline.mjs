// Node resolve hook: `faultline` and `faultline/vitest` resolve to this checkout's sources, so a
// scenario file outside the repository needs no install step to import the public API.
const root = new URL('../', import.meta.url);
const targets = {
  faultline: new URL('sim/index.ts', root).href,
  'faultline/vitest': new URL('sim/check/vitest.ts', root).href,
};

export async function resolve(specifier, context, next) {
  const target = targets[specifier];
  if (target !== undefined) return { url: target, shortCircuit: true };
  return next(specifier, context);
}
