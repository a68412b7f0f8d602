#!/usr/bin/env node
// The faultline command. Registers tsx so the TypeScript sources run without a build step, and a
// resolve hook so a user's own scenario file anywhere on disk can `import ... from 'faultline'`.
import { register as registerTsx } from 'tsx/esm/api';
import { register } from 'node:module';

// `faultline list | head` closes the pipe early: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

registerTsx();
register(new URL('./resolve-faultline.mjs', import.meta.url));
const { main } = await import('../sim/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
