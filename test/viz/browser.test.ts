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
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportCollector, writeReport, writeReportData } from '../../viz/index.ts';
import { runDetailed, type Scenario } from '../../sim/index.ts';
import mmc from '../../scenarios/mmc-queue.ts';
import retryStorm from '../../scenarios/retry-storm.ts';
import grayFailure from '../../scenarios/gray-failure.ts';
import splitBrain from '../../scenarios/split-brain.ts';
import zoneOutage from '../../scenarios/zone-outage.ts';
import { FIXTURE_NODES, fixtureRun } from './fixtures.ts';
import { launchChromium, skipWithoutChromium } from '../support/browser.ts';

const shots = resolve(import.meta.dirname, '..', 'screenshots');
const skip = skipWithoutChromium('browser tests');

interface Opened {
  page: Page;
  problems: string[];
  dialogs: string[];
}

describe.skipIf(skip)('report in Chromium', () => {
  let browser: Browser;
  const dir = mkdtempSync(join(tmpdir(), 'faultline-browser-'));

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function open(file: string, hash = '', width = 1360): Promise<Opened> {
    const page = await browser.newPage({ viewport: { width, height: 900 }, deviceScaleFactor: 1 });
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
    expect(await page.locator('table.comparison thead th[data-run]').count()).toBe(2);
    // the scenario is described once; each variant's card says what it changes
    expect(await page.locator('.description').count()).toBe(1);
    expect(await page.locator('.variant-lead').count()).toBe(2);
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

  /** A built-in scenario's report with every variant, folded while the runs go (as `run --report` does). */
  // the designs these tests name (the scenario may have more)
  const RETRY_STORM_VARIANTS = ['naive-retries', 'backoff-jitter', 'backoff-jitter-budget', 'circuit-breaker'];
  async function scenarioReport(scenario: Scenario<any>, variants = scenario.variantNames): Promise<string> {
    const file = join(dir, `${scenario.name}-${variants.length}.html`);
    if (existsSync(file)) return file;
    const collector = new ReportCollector();
    for (const variant of variants) {
      const { fold, sink } = collector.next();
      collector.finish(fold, runDetailed(scenario, { variant, traceLevel: 'full', traceSink: sink }));
    }
    await writeReportData(file, collector.data());
    return file;
  }

  it('fits every element in the viewport at 1024 px and 1440 px, and cuts no description mid-word', async () => {
    const overflowing: string[] = [];
    for (const scenario of [retryStorm, grayFailure, splitBrain, zoneOutage]) {
      const file = await scenarioReport(scenario);
      // One page per report: drawn at 1024 px, then redrawn when the window grows to 1440 px.
      const { page, problems } = await open(file, '', 1024);
      for (const width of [1024, 1440]) {
        if (width !== 1024) {
          await page.setViewportSize({ width, height: 900 });
          await page.waitForSelector('html[data-redrawn="1"]', { timeout: 15_000 });
        }
        await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));
        const found = await page.evaluate(() => {
          const vw = document.documentElement.clientWidth;
          const out: string[] = [];
          if (document.documentElement.scrollWidth > vw) out.push(`page scrolls sideways: ${document.documentElement.scrollWidth} px`);
          for (const e of document.querySelectorAll('body *')) {
            const r = e.getBoundingClientRect();
            if (r.width > 0 && (r.left < -0.5 || r.right > vw + 0.5)) out.push(`${e.tagName.toLowerCase()}.${e.getAttribute('class') ?? ''} spans ${Math.round(r.left)}..${Math.round(r.right)}`);
          }
          for (const e of document.querySelectorAll('.param-description, .facts th, .facts td, table.comparison th, table.comparison td')) {
            if (e.scrollWidth > e.clientWidth + 1) out.push(`${e.className || e.tagName} clips its text: ${e.textContent?.slice(0, 40)}`);
          }
          return out;
        });
        overflowing.push(...found.slice(0, 5).map((f) => `${scenario.name} at ${width} px: ${f}`));
        await page.screenshot({ path: join(shots, `report-${scenario.name}-${width}.png`) });
      }
      expect(problems).toEqual([]);
      await page.close();
    }
    expect(overflowing).toEqual([]);
  });

  it("puts the conclusion first: retry-storm's top line names the recovering and the failing designs", async () => {
    const { page, problems } = await open(await scenarioReport(retryStorm, RETRY_STORM_VARIANTS));
    const first = page.locator('h1 + p');
    expect(await first.getAttribute('class')).toBe('conclusion');
    expect(await first.textContent()).toBe('backoff-jitter-budget and circuit-breaker meet every check; naive-retries and backoff-jitter fail recovers-after-trigger and backend-load-bounded (as expected).');
    expect(await first.locator('strong').allTextContents()).toEqual(['backoff-jitter-budget', 'circuit-breaker', 'naive-retries', 'backoff-jitter']);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('says which checks each variant met, apart from its expectation, and highlights the best value of each metric', async () => {
    const { page, problems } = await open(await scenarioReport(retryStorm, RETRY_STORM_VARIANTS));
    const row = page.locator('table.comparison tr[data-check="recovers-after-trigger"] td');
    expect(await row.evaluateAll((tds) => tds.map((td) => [td.getAttribute('data-met'), td.getAttribute('data-as-expected')]))).toEqual([
      ['failed', 'true'],
      ['failed', 'true'],
      ['met', 'true'],
      ['met', 'true'],
    ]);
    expect(await row.first().textContent()).toBe('✗ failed as designed');
    const best = async (metric: string): Promise<number[]> =>
      page.locator(`table.comparison tr[data-metric="${metric}"] td`).evaluateAll((tds) => tds.flatMap((td, i) => (td.classList.contains('best') ? [i] : [])));
    expect(await best('availability')).toEqual([3]);
    expect(await best('availabilityAfterTrigger')).toEqual([2, 3]);
    expect(await best('recoveredAfterMs')).toEqual([3]);
    expect(await best('retriesPerRequest')).toEqual([2]);
    // no direction is plain for the work the backend does: not judged
    expect(await best('backendServedPerSecAfter')).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('marks the cheapest design that meets every check and plots availability against cost (zone-outage)', async () => {
    const { page, problems } = await open(await scenarioReport(zoneOutage, ['static-stability', 'autoscaling', 'no-spare']));
    // static stability is the only variant meeting every check, so it is the cheapest that does
    expect(await page.locator('table.comparison thead th[data-run] [data-cheapest]').evaluateAll((xs) => xs.map((x) => x.closest('th')!.querySelector('a')!.textContent))).toEqual(['static-stability']);
    expect(await page.locator('p.cost-conclusion').textContent()).toMatch(/^Cheapest design that meets every check: static-stability at \$[\d.]+\/h; cheaper, but failing a check: autoscaling \$[\d.]+\/h, no-spare \$[\d.]+\/h\.$/);
    const costs = await page.locator('[data-panel=cost] g[data-run]').evaluateAll((gs) => gs.map((g) => Number(g.getAttribute('data-cost'))));
    expect(costs).toHaveLength(3);
    expect(costs[0]).toBeGreaterThan(costs[1]!);
    expect(costs[1]).toBeGreaterThan(costs[2]!);
    expect(await page.locator('[data-panel=cost] circle[data-cheapest]').count()).toBe(1);
    expect(await page.locator('table.comparison tr[data-metric="cost per hour (USD)"] td.best').count()).toBe(1);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows dotted key metrics (latencyMs.p50) as numbers', async () => {
    const { page, problems } = await open(await scenarioReport(grayFailure, ['round-robin', 'least-request', 'p2c-outlier-ejection']));
    // each variant's card lists the scenario's key metrics, latencyMs.p50 among them
    const cells = await page.locator('table.facts tr').evaluateAll((trs) => trs.filter((tr) => tr.querySelector('th')?.textContent === 'latencyMs.p50').map((tr) => tr.querySelector('td')!.textContent));
    expect(cells).toHaveLength(3);
    for (const c of cells) expect(c).toMatch(/^\d[\d.,]*$/);
    // the comparison shows it once, as its p50 row
    expect(await page.locator('table.comparison tr[data-metric="latencyMs.p50"]').count()).toBe(0);
    expect(await page.locator('table.comparison tr[data-metric="p50 latency (ms)"] td').allTextContents()).toEqual(cells);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('keeps p99 visible where it equals max (every request timing out)', async () => {
    const { page, problems } = await open(await scenarioReport(retryStorm, ['naive-retries']));
    // From 6 s on every naive-retries request times out: p50 = p99 = max. Walk down a pixel column
    // at 10 s and note which series is on top at each pixel.
    await page.locator('#run-0-latency').scrollIntoViewIfNeeded();
    const seen = await page.evaluate(() => {
      const panel = document.getElementById('run-0-latency')!;
      const area = panel.querySelector('rect.zoom-area')!.getBoundingClientRect();
      const [d0, d1] = document.documentElement.getAttribute('data-domain')!.split(',').map(Number) as [number, number];
      const x = area.left + ((10e6 - d0) / (d1 - d0)) * area.width;
      const top = new Set<string>();
      for (let y = area.top; y <= area.bottom; y += 0.5) {
        const hit = document.elementFromPoint(x, y);
        const name = hit?.getAttribute('data-series');
        if (name) top.add(name);
      }
      return [...top].sort();
    });
    expect(seen).toEqual(['max', 'p50', 'p99']);
    await page.locator('#run-0-latency').screenshot({ path: join(shots, 'report-latency-coinciding.png') });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('gives every value in a swimlane legend a colour of its own', async () => {
    const file = join(dir, 'legend.html');
    await writeReport(file, [fixtureRun({ ratePerSec: 5 })]);
    const { page, problems } = await open(file);
    const items = await page.locator('[data-panel=swimlanes] .legend .item').evaluateAll((xs) => xs.map((x) => [x.textContent, x.getAttribute('data-color')]));
    const labels = items.map((i) => i[0]);
    // lifecycle and breaker states side by side: up/closed, crashed/open, restarting/half-open
    for (const l of ['up', 'crashed', 'restarting', 'closed', 'open', 'half-open']) expect(labels).toContain(l);
    expect(new Set(items.map((i) => i[1])).size).toBe(items.length);
    expect(await page.locator('[data-panel=swimlanes] .legend .legend-name').allTextContents()).toEqual(['state:', 'role:', 'partition:', 'breaker:', 'ejection:']);
    expect(problems).toEqual([]);
    await page.close();
  });
});
