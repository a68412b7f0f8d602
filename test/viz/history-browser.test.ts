/**
 * The split-brain report of the unfenced design in Chromium: the roles lane shows db-1 and db-2
 * both claiming to be primary during the partition, and the history view outlines exactly the
 * writes the lost-writes check reports, which the checks panel links to.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportCollector, writeReportData } from '../../viz/index.ts';
import { runDetailed } from '../../sim/index.ts';
import splitBrain from '../../scenarios/split-brain.ts';
import { launchChromium, skipWithoutChromium, watchPage } from '../support/browser.ts';

const skip = skipWithoutChromium('history view browser test');
const PARTITION_US: [number, number] = [2_000_000, 7_000_000];

describe.skipIf(skip)('split-brain report: roles lane and history view', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('the unfenced variant shows two primaries overlapping during the partition and outlines the lost writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-history-'));
    const file = join(dir, 'split-brain-unfenced.html');
    const collector = new ReportCollector();
    const { fold, sink } = collector.next();
    const art = runDetailed(splitBrain, { variant: 'unfenced', seed: 1, traceLevel: 'summary', traceSink: sink, traceAlsoInMemory: true });
    collector.finish(fold, art);
    await writeReportData(file, collector.data());
    // what the lost-writes check reported: its count in the detail, its operations in the trace
    const lostCheck = art.result.checks.find((c) => c.name === 'no-lost-acknowledged-write')!;
    expect(lostCheck.status).toBe('fail');
    const lostCount = Number(/^(\d+) acknowledged write\(s\) lost/.exec(lostCheck.detail)![1]);
    const flag = art.records.find((r) => r.kind === 'kv-flag' && r.check === 'no-lost-acknowledged-write') as { ids: number[] } | undefined;
    expect(flag!.ids.length).toBe(lostCount);
    const writes = new Map(art.records.filter((r) => r.kind === 'kv-invoke').map((r) => [(r as { id: number }).id, r as { op: string; process: string }]));
    for (const id of flag!.ids) expect(writes.get(id)).toMatchObject({ op: 'write', process: 'client-1' });

    const page = await browser.newPage({ viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1 });
    const problems = watchPage(page);
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('html[data-ready]', { timeout: 15_000 });

    // roles lane: two claims, by db-1 and db-2, whose intervals overlap inside the partition
    const roles = page.getByTestId('roles-lane');
    await expect(roles.count()).resolves.toBe(1);
    const claims = await roles.getByTestId('role-claim').evaluateAll((els) => els.map((e) => ({ node: e.getAttribute('data-node'), term: e.getAttribute('data-term'), start: Number(e.getAttribute('data-start-us')), end: Number(e.getAttribute('data-end-us')) })));
    const db1 = claims.find((c) => c.node === 'db-1' && c.term === '1')!;
    const db2 = claims.find((c) => c.node === 'db-2')!;
    expect(db1.start).toBe(0);
    expect(db2.start).toBeGreaterThan(PARTITION_US[0]);
    expect(db2.start).toBeLessThan(db1.end);
    expect(db1.end).toBeGreaterThanOrEqual(PARTITION_US[1]);
    const overlaps = await roles.getByTestId('role-overlap').evaluateAll((els) => els.map((e) => ({ nodes: e.getAttribute('data-nodes'), start: Number(e.getAttribute('data-start-us')), end: Number(e.getAttribute('data-end-us')), width: (e as SVGRectElement).getBoundingClientRect().width })));
    expect(overlaps).toHaveLength(1);
    expect(overlaps[0]!.nodes).toBe('db-1,db-2');
    expect(overlaps[0]!.start).toBe(db2.start);
    expect(overlaps[0]!.end).toBe(db1.end);
    expect(overlaps[0]!.end - overlaps[0]!.start).toBeGreaterThan(3_000_000);
    expect(overlaps[0]!.width).toBeGreaterThan(100);

    // history view: the outlined operations are exactly the lost writes
    const history = page.getByTestId('history-view');
    const flagged = await history.locator('[data-testid="history-flagged"][data-checks*="no-lost-acknowledged-write"]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-op-id'))));
    expect(flagged.sort((a, b) => a - b)).toEqual([...flag!.ids].sort((a, b) => a - b));
    const outline = await history.locator('[data-testid="history-flagged"]').first().evaluate((e) => e.getAttribute('stroke'));
    expect(outline).toBe('#111');

    // the checks panel links to them: following the link zooms to them and outlines them boldly
    const link = page.locator('[data-check="no-lost-acknowledged-write"] [data-testid="check-flags"]');
    await expect(link.textContent()).resolves.toContain(`${lostCount} flagged operation`);
    await link.click();
    const domain = (await page.evaluate(() => document.documentElement.getAttribute('data-domain')!)).split(',').map(Number);
    // the lost writes were all made during the partition: the window closes in on it
    expect(domain[0]).toBeGreaterThan(PARTITION_US[0] - 1_000_000);
    expect(domain[1]).toBeLessThan(PARTITION_US[1] + 1_000_000);
    const focused = await history.locator('rect.history-op.focus').count();
    expect(focused).toBe(lostCount);
    const shots = resolve(import.meta.dirname, '..', 'screenshots');
    mkdirSync(shots, { recursive: true });
    await roles.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, 'split-brain-history.png') });
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});
