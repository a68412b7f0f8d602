// Node resolve hook: `faultline` and its subpaths (`faultline/world`, `faultline/patterns`,
// `faultline/app`, `faultline/check`, `faultline/vitest`) resolve to this checkout's sources, so a
// scenario file outside the repository needs no install step to import the public API. A user's
// TypeScript file is loaded as an ES module even where no package.json says "type": "module".
import { readFileSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const { exports } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
const targets = Object.fromEntries(
  Object.entries(exports).map(([sub, file]) => [sub === '.' ? 'faultline' : `faultline/${sub.slice(2)}`, new URL(file, root).href]),
);

export async function resolve(specifier, context, next) {
  const target = targets[specifier];
  if (target !== undefined) return { url: target, format: 'module', shortCircuit: true };
  const result = await next(specifier, context);
  if (result.url.startsWith('file:') && !result.url.includes('/node_modules/') && /\.(ts|mts)$/.test(result.url)) {
    return { ...result, format: 'module' };
  }
  return result;
}
