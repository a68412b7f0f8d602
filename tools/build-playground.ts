/**
 * `npm run play`: the playground with every built-in scenario as a static folder,
 * out/playground/index.html, that can be hosted as it is (or opened from disk).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { playgroundFiles } from '../sim/cli/play-command.ts';
import { writeFileAtomic } from '../sim/cli/files.ts';
import { renderPlaygroundHtml } from '../viz/playground/build.ts';

const dir = fileURLToPath(new URL('../out/playground/', import.meta.url));
mkdirSync(dir, { recursive: true });
const { files } = await playgroundFiles(undefined);
const file = join(dir, 'index.html');
const html = await renderPlaygroundHtml(files);
writeFileAtomic(file, html);
console.log(`playground: ${file} (${Object.keys(files).length} scenarios, ${(html.length / 1024).toFixed(0)} KiB)`);
