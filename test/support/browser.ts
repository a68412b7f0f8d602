/**
 * The one way tests (and benchmarks) start a browser: Debian's Chromium at /usr/bin/chromium,
 * driven by playwright-core (never a browser download), headless, sandbox and GPU off, no
 * background network. Without that binary the browser tests are skipped with a message, except
 * under CI=true, where a missing browser is a failure.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** The flags every launch passes: headless, no sandbox (containers), no GPU, nothing phoning home. */
export const CHROMIUM_ARGS: readonly string[] = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Whether the browser is installed. */
export const hasChromium = existsSync(CHROMIUM);

const ci = Boolean(process.env.CI) && process.env.CI !== 'false';

/**
 * True when browser tests must be skipped: no Chromium and not under CI (there, a missing browser
 * fails the launch instead). Warns once per caller, naming what is skipped.
 */
export function skipWithoutChromium(what: string): boolean {
  const skip = !hasChromium && !ci;
  if (skip) console.warn(`${what} skipped: ${CHROMIUM} is absent (install it with: apt-get install -y chromium); under CI=true this fails instead`);
  return skip;
}

/** Chromium, launched with the shared flags. Close it when done (`afterAll(() => browser?.close())`). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
}

/**
 * Everything a page does wrong, collected as lines: console errors and warnings, uncaught page
 * errors, and any request that leaves the machine (anything but file:, blob:, data:, about:).
 * Tests assert the returned list stays empty.
 */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    if (!/^(file|blob|data|about):/.test(r.url())) problems.push(`network request: ${r.url()}`);
  });
  return problems;
}
