#!/usr/bin/env node
// The faultline command. Registers tsx so the TypeScript sources run without a build step, and a
// resolve hook (sim/run/loaders.ts) so the scenarios, built-in or a user's own file anywhere on
// disk, `import ... from 'faultline'` and get these sources.
import { register as registerTsx } from 'tsx/esm/api';

// `faultline list | head` closes the pipe early: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

registerTsx();
(await import('../sim/run/loaders.ts')).useSourceLoaders();
const { main, relaunchFlags } = await import('../sim/cli/main.ts');
const argv = process.argv.slice(2);
const flags = await relaunchFlags(argv, process.execArgv);
if (flags.length === 0) {
  process.exitCode = await main(argv);
} else {
  // V8 flags are fixed when a process starts: run the command in a child that has them (a sweep
  // whose workers take every core collects garbage single-threaded, see sim/run/pool.ts).
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const child = spawn(process.execPath, [...process.execArgv, ...flags, fileURLToPath(import.meta.url), ...argv], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  process.exitCode = await new Promise((resolve) => {
    child.on('error', (err) => {
      process.stderr.write(`faultline: cannot start the sweep process: ${err.message}\n`);
      resolve(2);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 1)));
  });
}
