/**
 * Determinism across hosts: the same scenario + seed + params gives the same trace hash in Node
 * and in the browser. The simulation (kernel, world, patterns, app, runner and the scenarios) is
 * bundled with esbuild for the browser exactly as the report bundles its viewer, run in Debian's
 * Chromium, and compared with the hashes computed here.
 *
 * Without /usr/bin/chromium the test is skipped with a message, except under CI=true.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { run, type Scenario } from '../sim/index.ts';
import mmc from '../scenarios/mmc-queue.ts';
import retryStorm from '../scenarios/retry-storm.ts';
import splitBrain from '../scenarios/split-brain.ts';
import { launchChromium, skipWithoutChromium } from './support/browser.ts';

const skip = skipWithoutChromium('browser determinism test');

const cases: { scenario: Scenario<any>; seed: number | string; params: Record<string, number> }[] = [
  { scenario: mmc, seed: 3, params: { customers: 3000 } },
  { scenario: retryStorm, seed: 5, params: {} },
  { scenario: splitBrain, seed: 'browser', params: {} },
];

describe.skipIf(skip)('determinism in the browser', () => {
  it('mmc-queue, retry-storm and split-brain give the same trace hash in Chromium as in Node', async () => {
    const entry = `
      import { run } from './sim/index.ts';
      import mmc from './scenarios/mmc-queue.ts';
      import retryStorm from './scenarios/retry-storm.ts';
      import splitBrain from './scenarios/split-brain.ts';
      const byName = { 'mmc-queue': mmc, 'retry-storm': retryStorm, 'split-brain': splitBrain };
      globalThis.faultlineRun = (name, seed, params) => run(byName[name], { seed, params }).traceHash;
    `;
    const out = await build({
      stdin: { contents: entry, resolveDir: fileURLToPath(new URL('..', import.meta.url)), loader: 'ts' },
      bundle: true,
      format: 'iife',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
    });
    const code = out.outputFiles[0]!.text;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.setContent('<!doctype html><title>faultline determinism</title>');
      await page.addScriptTag({ content: code });
      for (const c of cases) {
        const inNode = run(c.scenario, { seed: c.seed, params: c.params }).traceHash;
        const inBrowser = await page.evaluate(
          ([name, seed, params]) => (globalThis as unknown as { faultlineRun: (n: string, s: unknown, p: unknown) => string }).faultlineRun(name, seed, params),
          [c.scenario.name, c.seed, c.params] as const,
        );
        expect(inBrowser, c.scenario.name).toBe(inNode);
      }
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
