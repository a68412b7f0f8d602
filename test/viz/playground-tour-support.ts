/**
 * What the playground's topology, playback and tour tests share: the file `faultline play` writes
 * (every built-in scenario), Chromium through test/support/browser.ts, a page opened at a link
 * once its first runs are drawn, and reading the topology off the DOM.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { main } from '../../sim/cli/main.ts';
import { launchChromium, watchPage } from '../support/browser.ts';

export const RUN_TIMEOUT = 60_000;

export interface Playground {
  browser: Browser;
  file: string;
  bytes: number;
  /** Every opened page's console errors and warnings, page errors and network requests. */
  problems: string[][];
  open(fragment: string, viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function startPlayground(): Promise<Playground> {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-tour-'));
  const file = join(dir, 'playground.html');
  const printed: string[] = [];
  const [code, browser] = await Promise.all([main(['play', '--out', file], { stdout: (s) => void printed.push(s), stderr: (s) => void printed.push(s), isTTY: false }), launchChromium()]);
  if (code !== 0) throw new Error(`faultline play failed: ${printed.join('')}`);
  const problems: string[][] = [];
  return {
    browser,
    file,
    bytes: statSync(file).size,
    problems,
    async open(fragment, viewport = { width: 1400, height: 1000 }) {
      const page = await browser.newPage({ viewport, deviceScaleFactor: 1 });
      problems.push(watchPage(page));
      await page.goto(pathToFileURL(file).href + fragment);
      await page.waitForFunction(() => Number(document.body.dataset.runs ?? 0) >= 1 && document.body.dataset.state === 'done' && document.querySelector('[data-testid=topology]') !== null, null, { timeout: RUN_TIMEOUT });
      return page;
    },
    async close() {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Move the shared time cursor with the scrub bar, as a dragged thumb does. */
export async function scrubTo(page: Page, timeUs: number): Promise<void> {
  await page.getByTestId('scrub').evaluate((e: HTMLInputElement, t) => {
    e.value = String(t);
    e.dispatchEvent(new Event('input', { bubbles: true }));
  }, timeUs);
}

/** A node's open requests as the topology of `variant` shows them now (its queue bar's value). */
export async function queueOf(page: Page, variant: string, node: string): Promise<number> {
  const g = page.locator(`[data-testid=topology][data-variant="${variant}"] [data-testid=topology-node][data-node="${node}"]`);
  return Number(await g.getAttribute('data-queue'));
}

/**
 * One playground for the tests of a describe block: built and opened in beforeAll, closed in
 * afterAll, where no page may have logged an error or a warning. Read `.pg` inside the tests.
 */
export function usePlayground(): { pg: Playground } {
  const holder = {} as { pg: Playground };
  beforeAll(async () => {
    holder.pg = await startPlayground();
  }, 120_000);
  afterAll(async () => {
    await holder.pg?.close();
    expect(holder.pg?.problems.flat() ?? []).toEqual([]);
  });
  return holder;
}
