/**
 * `faultline play [scenario | file.ts] [--out playground.html] [--open]`: one self-contained
 * HTML file holding the simulator and the scenarios (every built-in one, opening at the named
 * one; or the given file of your own, bundled with esbuild), with sliders for the params and the
 * variants side by side. It needs no server and no network: it works opened from file://.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { renderPlaygroundHtml, type ScenarioFiles, type ScenarioRefs } from '../../viz/playground/build.ts';
import { flagHelp, parseArgs, UsageError, type FlagSpec } from './args.ts';
import { writeFileAtomic } from './files.ts';
import type { Io } from './io.ts';
import { loadScenario, resolveScenarioFile, scenarioNames } from './load.ts';
// every fault kind a plan may use (each command that reads or lists plans; `list` does not load them)
import '../run/fault-kinds.ts';

const FLAGS: Record<string, FlagSpec> = {
  out: { type: 'string', value: 'file.html', help: 'where to write the playground (default playground.html)' },
  open: { type: 'boolean', help: 'open it in the default browser afterwards' },
  help: { type: 'boolean', help: 'this help' },
};

const HELP = `Usage: faultline play [scenario | file.ts] [options]

Writes one HTML file (no server, no network; open it from disk) with the built-in scenarios, or
your own scenario file, and the simulator: params as sliders, variants side by side, a share
link that reproduces the run.

${flagHelp(FLAGS)}
`;

/** The scenario files a playground holds and the one it opens at. */
export async function playgroundFiles(ref: string | undefined): Promise<{ files: ScenarioFiles; opening?: string; refs?: ScenarioRefs }> {
  const builtIns = (): ScenarioFiles => Object.fromEntries(scenarioNames().map((n) => [n, resolveScenarioFile(n)]));
  if (ref === undefined) return { files: builtIns() };
  const scenario = await loadScenario(ref); // a bad name or file fails here, with its one-line error
  if (scenarioNames().includes(ref)) return { files: builtIns(), opening: ref };
  // the replay command names the file as it was given here (run from the same folder)
  return { files: { [scenario.name]: resolveScenarioFile(ref) }, opening: scenario.name, refs: { [scenario.name]: ref } };
}

export async function playCommand(argv: readonly string[], io: Io): Promise<number> {
  const args = parseArgs(argv, FLAGS, 'play');
  if (args.flags.help) {
    io.stdout(HELP);
    return 0;
  }
  if (args.positionals.length > 1) throw new UsageError(`play takes at most one scenario, got ${args.positionals.length}: ${args.positionals.join(' ')}`);
  const { files, opening, refs } = await playgroundFiles(args.positionals[0]);
  const out = resolve(process.cwd(), (args.flags.out as string | undefined) ?? 'playground.html');
  const html = await renderPlaygroundHtml(files, opening, refs);
  writeFileAtomic(out, html);
  io.stdout(`playground: ${out} (${Object.keys(files).length} scenario${Object.keys(files).length === 1 ? '' : 's'}, ${(html.length / 1024).toFixed(0)} KiB)\n`);
  if (args.flags.open) openInBrowser(out);
  return 0;
}

function openInBrowser(file: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(cmd, [file], { detached: true, stdio: 'ignore' });
  child.on('error', () => {}); // no opener: the path printed above is enough
  child.unref();
}
