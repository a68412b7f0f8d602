import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { ENTRY_POINTS } from './sim/run/loaders.ts';

// The package's public entry points (`faultline`, `faultline/world`, …) resolve to the sources
// inside the repository, as tsconfig.json's `paths` say; the package's `exports` point at the
// build in dist/.
const alias = Object.entries(ENTRY_POINTS).map(([specifier, path]) => ({
  find: new RegExp(`^${specifier.replace('/', '\\/')}$`),
  replacement: fileURLToPath(new URL(`./sim/${path}.ts`, import.meta.url)),
}));

export default defineConfig({
  resolve: { alias },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
