/**
 * The report in a real browser: Debian's Chromium driven by playwright-core (never a browser
 * download). Each test opens a report from a file:// URL and fails on any console error or page
 * error. Screenshots go to test/screenshots/ (gitignored) for people to look at.
 *
 * Without /usr/bin/chromium the tests are skipped with a message, except under CI=true, where a
 * missing browser is a failure.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../viz/index.ts';
import { runDetailed } from '../../sim/index.ts';
import mmc from '../../scenarios/mmc-queue.ts';
import { FIXTURE_NODES, fixtureRun } from './fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const ci = Boolean(process.env.CI) && process.env.CI !== 'false';
const shots = resolve(import.meta.dirname, '..', 'screenshots');
if (!hasChromium && !ci) {
  console.warn(`browser tests skipped: ${CHROMIUM} is absent (install it with: apt-get install -y chromium); under CI=true this fails instead`);
}

interface Opened {
  page: Page;
  problems: string[];
  dialogs: string[];
}

describe.skipIf(!hasChromium && !ci)('report in Chromium', () => {
  let browser: Browser;
  const dir = mkdtempSync(join(tmpdir(), 'faultline-browser-'));

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function open(file: string, hash = ''): Promise<Opened> {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1 });
    const problems: string[] = [];
    const dialogs: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) problems.push(`network request: ${r.url()}`);
    });
    await page.goto(pathToFileURL(file).href + hash);
    await page.waitForSelector('html[data-ready]', { timeout: 15_000 });
    return { page, problems, dialogs };
  }

  const domain = (page: Page): Promise<number[]> => page.evaluate(() => document.documentElement.getAttribute('data-domain')!.split(',').map(Number));

  it('draws one swimlane per node and fault bands at the x of their times', async () => {
    const file = join(dir, 'single.html');
    await writeReport(file, [fixtureRun({ ratePerSec: 20 })]);
    const { page, problems } = await open(file);
    expect(await page.locator('[data-panel=swimlanes] g.lane').count()).toBe(FIXTURE_NODES.length);
    expect(await page.locator('[data-panel=swimlanes] g.lane').evaluateAll((ls) => ls.map((l) => l.getAttribute('data-node')))).toEqual(FIXTURE_NODES);
    // n2's crash is a red segment from 10 s to 18 s
    expect(await page.locator('[data-node=n2] rect[data-value=crashed]').count()).toBe(1);

    const bands = await page.evaluate(() => {
      const panel = document.querySelector('[data-panel=faults]')!;
      const area = panel.querySelector('rect.zoom-area')!.getBoundingClientRect();
      const data = JSON.parse(document.getElementById('faultline-data')!.textContent!) as { domainUs: [number, number] };
      return Array.from(panel.querySelectorAll('rect.fault-band')).map((r) => {
        const b = r.getBoundingClientRect();
        const start = Number(r.getAttribute('data-start-us'));
        const end = Number(r.getAttribute('data-end-us'));
        const span = data.domainUs[1] - data.domainUs[0];
        return {
          kind: r.getAttribute('data-kind'),
          x: b.left,
          right: b.right,
          expectedX: area.left + ((start - data.domainUs[0]) / span) * area.width,
          expectedRight: area.left + ((end - data.domainUs[0]) / span) * area.width,
        };
      });
    });
    expect(bands.map((b) => b.kind)).toEqual(['crash', 'partition', 'slow-node']);
    for (const b of bands) {
      expect(Math.abs(b.x - b.expectedX)).toBeLessThan(1.5);
      expect(Math.abs(b.right - b.expectedRight)).toBeLessThan(1.5);
    }
    // the instant clock jump is a diamond; every metric panel is shaded for each interval
    expect(await page.locator('[data-panel=faults] path.fault-tick').count()).toBe(1);
    expect(await page.locator('#run-0-throughput rect.fault-shade').count()).toBe(3);
    expect(await page.locator('#run-0-throughput path.series').count()).toBe(2);
    expect(await page.locator('[data-panel=checks] li').count()).toBe(3);
    expect(await page.locator('table.percentiles tbody tr').count()).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: join(shots, 'report-full.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('brushing, the check link, ctrl+wheel and reset change the domain of every panel', async () => {
    const file = join(dir, 'zoom.html');
    await writeReport(file, [fixtureRun({ ratePerSec: 20 })]);
    const { page, problems } = await open(file);
    expect(await domain(page)).toEqual([0, 60 * 1e6]);
    // too many messages for arrows at full zoom: density and a notice
    expect(await page.locator('[data-panel=messages] g.message').count()).toBe(0);
    const crashX0 = await page.locator('[data-panel=faults] rect.fault-band[data-kind=crash]').evaluate((r) => r.getBoundingClientRect().left);

    // brush the overview from 25% to 50% of the run: 15 s → 30 s
    const strip = await page.locator('svg.overview g.brush rect.overlay').boundingBox();
    await page.mouse.move(strip!.x + strip!.width * 0.25, strip!.y + strip!.height / 2);
    await page.mouse.down();
    await page.mouse.move(strip!.x + strip!.width * 0.5, strip!.y + strip!.height / 2, { steps: 5 });
    await page.mouse.up();
    const [a, b] = await domain(page);
    expect(Math.abs(a! - 15e6)).toBeLessThan(0.2e6);
    expect(Math.abs(b! - 30e6)).toBeLessThan(0.2e6);
    const crashX1 = await page.locator('[data-panel=faults] rect.fault-band[data-kind=crash]').evaluate((r) => r.getBoundingClientRect().left);
    expect(crashX1).toBeLessThan(crashX0);

    // following the failed check's link zooms around its first failure and draws a cursor
    await page.locator('a.first-failed').click();
    const [c, d] = await domain(page);
    expect(c!).toBeLessThan(10.05e6);
    expect(d!).toBeGreaterThan(10.05e6);
    expect(d! - c!).toBeLessThan(10e6);
    expect(await page.locator('line.cursor-rule').count()).toBeGreaterThan(3);
    const arrows = await page.locator('[data-panel=messages] g.message').count();
    expect(arrows).toBeGreaterThan(0);
    expect(await page.locator('[data-panel=messages] g.message[data-dropped=true]').count()).toBeGreaterThan(0);
    await page.locator('[data-panel=swimlanes]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, 'report-zoomed.png') });

    // ctrl+wheel over a panel zooms in further
    const lanes = await page.locator('[data-panel=swimlanes] rect.zoom-area').boundingBox();
    await page.mouse.move(lanes!.x + lanes!.width / 2, lanes!.y + 10);
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, -400);
    await page.keyboard.up('Control');
    const [e, f] = await domain(page);
    expect(f! - e!).toBeLessThan(d! - c!);

    await page.getByRole('button', { name: 'Reset' }).click();
    expect(await domain(page)).toEqual([0, 60 * 1e6]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('renders a run with no trace (mmc-queue at level off) with empty-state notes', async () => {
    const file = join(dir, 'mmc.html');
    await writeReport(file, [runDetailed(mmc, { params: { customers: 3000 } })]);
    const { page, problems } = await open(file);
    expect(await page.locator('[data-panel=swimlanes] .empty').count()).toBe(1);
    expect(await page.locator('[data-panel=faults] .empty').count()).toBe(1);
    expect(await page.locator('#run-0-throughput path.series').count()).toBe(2);
    expect(await page.locator('#run-0-latency path.series').count()).toBe(3);
    expect(await page.locator('[data-panel=checks] li[data-status]').count()).toBe(2);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('compares variants on the shared axis', async () => {
    const file = join(dir, 'compare.html');
    await writeReport(file, [fixtureRun({ ratePerSec: 20 }), fixtureRun({ ratePerSec: 20, variant: 'no-retries' })]);
    const { page, problems } = await open(file);
    expect(await page.locator('table.comparison tbody tr').count()).toBe(2);
    expect(await page.locator('#comparison [data-panel^=compare-throughput] path.series').count()).toBe(2);
    expect(await page.locator('section.run').count()).toBe(2);
    expect(await page.locator('[data-panel=swimlanes]').count()).toBe(2);
    await page.screenshot({ path: join(shots, 'report-compare.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows markup and script payloads from a scenario as text and runs none of them', async () => {
    const payloads = {
      title: '<script>window.__canary = "title"; alert(1)</script>',
      description:
        '**Bold** <img src=x onerror="window.__canary = \'img\'; alert(2)">\n\n</script><script>window.__canary = "close"; alert(3)</script>\n\n[click](javascript:window.__canary=4) and [ok](https://example.org/x)',
      mode: '<svg onload="window.__canary = \'svg\'">',
      checkName: '<iframe src="javascript:alert(5)"></iframe>',
      checkDetail: '"><script>alert(6)</script>',
      nodeName: '<b onmouseover="alert(7)">n3</b>',
    };
    const file = join(dir, 'xss.html');
    const art = fixtureRun({ ...payloads, ratePerSec: 5 });
    await writeReport(file, [{ ...art, scenario: { ...art.scenario, name: '</script><script>alert(8)</script>' } }]);
    const { page, problems, dialogs } = await open(file);
    // hover across the lanes so that mouse handlers on any injected element would fire
    await page.locator('[data-panel=swimlanes]').hover();
    expect(await page.evaluate(() => (window as unknown as { __canary?: unknown }).__canary)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(await page.locator('h1').textContent()).toBe(payloads.title);
    expect(await page.locator('img, iframe, b, main script').count()).toBe(0);
    expect(await page.locator('a[href^="javascript"]').count()).toBe(0);
    expect(await page.locator('.description a[href="https://example.org/x"]').count()).toBe(1);
    expect(await page.locator('.description strong').first().textContent()).toBe('Bold');
    expect(await page.locator('.description').textContent()).toContain('<img src=x onerror=');
    expect(await page.locator(`[data-panel=swimlanes] g.lane[data-node="${payloads.nodeName.replace(/"/g, '\\"')}"]`).count()).toBe(1);
    expect(await page.locator('[data-panel=checks]').textContent()).toContain(payloads.checkName);
    await page.screenshot({ path: join(shots, 'report-xss.png') });
    expect(problems).toEqual([]);
    await page.close();
  });
});
