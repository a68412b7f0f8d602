/**
 * The playground in Chromium: `faultline play` writes one HTML file that works from file://; the
 * runs in its Web Worker give the same trace hashes as Node for the same scenario, variant, seed
 * and params; moving a slider re-runs at once; a share link reproduces the run; changes faster than
 * the runs end with the last one's runs; an edited fault plan travels in the link and downloads as the file its
 * replay command names; a pinned run stays beside the current one with the differences listed.
 *
 * Without /usr/bin/chromium the test is skipped with a message, except under CI=true.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../sim/index.ts';
import { main } from '../../sim/cli/main.ts';
import mmc from '../../scenarios/mmc-queue.ts';
import { launchChromium, skipWithoutChromium } from '../support/browser.ts';

const skip = skipWithoutChromium('playground test');

const dir = mkdtempSync(join(tmpdir(), 'faultline-play-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function hashes(page: Page, runs: number): Promise<Record<string, string>> {
  await page.waitForFunction((n) => Number(document.body.dataset.runs ?? 0) >= n, runs, { timeout: 20_000 });
  return page.evaluate(() =>
    Object.fromEntries([...document.querySelectorAll<HTMLElement>('[data-testid=run-card]')].map((c) => [c.dataset.variant!, c.querySelector('[data-testid=run-hash]')?.textContent ?? ''])),
  );
}

describe.skipIf(skip)('faultline play', () => {
  it('writes a file:// playground whose runs, slider re-runs and share links match Node’s trace hashes', async () => {
    const out = join(dir, 'playground.html');
    const lines: string[] = [];
    const code = await main(['play', 'mmc-queue', '--out', out], { stdout: (s) => void lines.push(s), stderr: (s) => void lines.push(s), isTTY: false });
    expect(code, lines.join('')).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=|https?:\/\/[^"'\s]*\.(js|css)/);
    // the policy allows workers from blob: URLs and the page's own script by its hash, never inline scripts at large
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
    expect(csp).toMatch(/worker-src blob:/);
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);

    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
      page.on('request', (r) => {
        if (!r.url().startsWith('file:') && !r.url().startsWith('blob:')) requests.push(r.url());
      });
      const url = pathToFileURL(out).href;
      await page.goto(`${url}#f=1&s=mmc-queue&seed=7&p.customers=2000`);
      const first = await hashes(page, 1);
      for (const v of mmc.variantNames) expect(first[v], v).toBe(run(mmc, { seed: 7, variant: v, params: { customers: 2000 } }).traceHash);

      // a param change re-runs at once, with the new value in the link
      await page.getByTestId('param-servers').fill('6');
      const second = await hashes(page, 2);
      const params = { customers: 2000, servers: 6 };
      for (const v of mmc.variantNames) expect(second[v], v).toBe(run(mmc, { seed: 7, variant: v, params }).traceHash);
      const link = page.url();
      expect(link).toContain('p.servers=6');

      // the replay command shown prints the hash shown
      const shown = await page.evaluate(() => {
        const card = document.querySelector<HTMLElement>('[data-testid=run-card]')!;
        return { hash: card.querySelector('[data-testid=run-hash]')!.textContent, replay: card.querySelector('[data-testid=replay-command]')!.textContent! };
      });
      // the page cannot know whether it was built in this checkout: it prints npx faultline or npm run faultline --
      const argv = shown.replay.replace(/^(npm run faultline -- |npx faultline )/, '').split(' ');
      const printed: string[] = [];
      expect(await main(argv, { stdout: (s) => void printed.push(s), stderr: (s) => void printed.push(s), isTTY: false })).toBe(0);
      expect(printed.join('')).toContain(`trace hash: ${shown.hash}`);

      // a garbage link, and one in a format this playground does not read: a message and the default state, no console error
      for (const [fragment, message] of [
        ['#%zz;garbage=&&', /not a playground link/],
        ['#s=mmc-queue&seed=3', /earlier playground/],
      ] as const) {
        const garbage = await browser.newPage();
        garbage.on('pageerror', (e) => errors.push(e.message));
        garbage.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
        await garbage.goto(`${url}${fragment}`);
        await garbage.waitForFunction(() => Number(document.body.dataset.runs ?? 0) >= 1, null, { timeout: 20_000 });
        expect(await garbage.getByTestId('error-message').textContent()).toMatch(message);
        expect(await garbage.getByTestId('scenario-select').inputValue()).toBe('mmc-queue');
        expect(await garbage.getByTestId('seed-input').inputValue()).toBe('1');
        await garbage.close();
      }

      // the share link, opened afresh, reproduces the same runs
      const again = await browser.newPage();
      await again.goto(link);
      expect(await hashes(again, 1)).toEqual(second);

      // changes faster than the runs: once the page is done, it shows the last one's runs
      for (const n of [2, 3, 4, 5]) await page.getByTestId('param-servers').fill(String(n));
      await page.waitForFunction(() => document.body.dataset.state === 'done' && location.hash.endsWith('p.servers=5'), null, { timeout: 20_000 });
      const fifth = await hashes(page, 3);
      for (const v of mmc.variantNames) expect(fifth[v], v).toBe(run(mmc, { seed: 7, variant: v, params: { customers: 2000, servers: 5 } }).traceHash);

      // an edited fault plan: in the link, downloadable, and the replay command that names it prints the hash shown
      const planPage = await browser.newPage({ acceptDownloads: true });
      planPage.on('pageerror', (e) => errors.push(e.message));
      planPage.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
      await planPage.goto(`${url}#f=1&s=retry-storm&v=naive-retries&p.durationMs=4000`);
      await hashes(planPage, 1);
      expect(await planPage.getByTestId('download-plan').count()).toBe(0);
      await planPage.locator('details.plan summary').click();
      const plan = JSON.parse(await planPage.getByTestId('plan-input').inputValue()) as Record<string, unknown>[];
      expect(plan[0]).toMatchObject({ kind: 'limp', factor: 4 });
      plan[0]!.factor = 8;
      await planPage.getByTestId('plan-input').fill(JSON.stringify(plan));
      await planPage.getByTestId('plan-apply').click();
      const custom = (await hashes(planPage, 2))['naive-retries']!;
      expect(planPage.url()).toMatch(/&plan=[A-Za-z0-9_-]+$/);
      const download = planPage.waitForEvent('download');
      await planPage.getByTestId('download-plan').click();
      const saved = await download;
      const planFile = join(dir, saved.suggestedFilename());
      await saved.saveAs(planFile);
      const replay = (await planPage.getByTestId('replay-command').textContent())!;
      expect(replay).toContain(`--faults ${saved.suggestedFilename()}`);
      const planArgv = replay.replace(/^(npm run faultline -- |npx faultline )/, '').split(' ').map((w) => (w === saved.suggestedFilename() ? planFile : w));
      const planPrinted: string[] = [];
      expect(await main(planArgv, { stdout: (s) => void planPrinted.push(s), stderr: (s) => void planPrinted.push(s), isTTY: false })).toBe(1); // naive retries fail their checks
      expect(planPrinted.join('')).toContain(`trace hash: ${custom}`);

      // pinned, then changed: the pinned run stays, and the differences are listed
      await planPage.getByTestId('pin').click();
      await hashes(planPage, 3);
      await planPage.getByTestId('param-clientMaxAttempts').fill('1');
      const unpinned = (await hashes(planPage, 4))['naive-retries'];
      expect(unpinned).not.toBe(custom);
      expect(await planPage.getByTestId('pinned-hash').textContent()).toBe(custom);
      expect(await planPage.locator('[data-testid=pin-diff] tr[data-metric=retries] td').nth(2).textContent()).toMatch(/^−/);
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
