import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run, runDetailed } from '../../sim/index.ts';
import scenario from '../../scenarios/on-call.ts';
import { ReportCollector, writeReportData } from '../../viz/index.ts';
import { launchChromium, skipWithoutChromium, watchPage } from '../support/browser.ts';
import { itMeetsVariantExpectations } from '../support/expectations.ts';

describe('on-call', () => {
  itMeetsVariantExpectations(scenario);

  it('every run carries timeToDetectMs and timeToRecoverMs; detection and recovery order as the designs say', () => {
    type M = { timeToDetectMs: number; timeToRecoverMs: number; timeToAcknowledgeMs: number; mistakenActions: number };
    const m = (variant: string): M => run(scenario, { seed: 3, variant }).metrics as unknown as M;
    const paged = m('paged-rollback');
    const slow = m('slow-for');
    const auto = m('auto-rollback');
    const wrong = m('wrong-service');
    for (const x of [paged, slow, auto, wrong]) {
      expect(x.timeToDetectMs).toBeGreaterThan(0);
      expect(x.timeToRecoverMs).toBeGreaterThan(x.timeToDetectMs);
    }
    // a 4-minute `for` delays detection by about 3 minutes; automation skips ack and diagnosis
    expect(slow.timeToDetectMs - paged.timeToDetectMs).toBeGreaterThanOrEqual(150_000);
    expect(auto.timeToRecoverMs).toBeLessThan(paged.timeToRecoverMs);
    expect(paged.timeToAcknowledgeMs).toBeGreaterThan(paged.timeToDetectMs);
    // the wrong restart costs a second diagnosis: recovery comes later than the paged design's
    expect(wrong.timeToRecoverMs).toBeGreaterThan(paged.timeToRecoverMs);
    expect(wrong.mistakenActions).toBe(1);
  });

  it('the wrong-service mistake restarts card (the closest name to cart) and the trace names its blast radius', () => {
    const art = runDetailed(scenario, { seed: 1, variant: 'wrong-service', traceLevel: 'summary' });
    const blast = art.records.filter((r) => r.kind === 'blast-radius');
    expect(blast).toEqual([expect.objectContaining({ mistake: 'wrong-target', intended: 'cart', actual: 'card', action: 'restart', nodes: 'card-1,card-2' })]);
    const restarted = art.records.filter((r) => r.kind === 'node-state' && (r as { node: string }).node.startsWith('card-') && (r as { reason?: string }).reason === 'runbook restart');
    expect(restarted.length).toBeGreaterThanOrEqual(2);
    const ends = art.records.filter((r) => r.kind === 'runbook-end') as { target: string; action: string }[];
    expect(ends.map((e) => `${e.action} ${e.target}`)).toEqual(['restart card', 'rollback-config cart']);
  });

  describe.skipIf(skipWithoutChromium('on-call report test'))('report', () => {
    it('draws the alerts lane: firing alerts, pages and runbook actions, probe results', async () => {
      const report = new ReportCollector();
      for (const variant of ['paged-rollback', 'wrong-service']) {
        const { fold, sink } = report.next();
        report.finish(fold, runDetailed(scenario, { seed: 1, variant, traceLevel: 'summary', traceSink: sink }));
      }
      const dir = mkdtempSync(join(tmpdir(), 'faultline-oncall-'));
      const file = join(dir, 'on-call.html');
      await writeReportData(file, report.data());
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
        const problems = watchPage(page);
        await page.goto(pathToFileURL(file).href);
        await page.waitForSelector('html[data-ready]');
        const lanes = page.locator('[data-panel="alerts"]');
        expect(await lanes.count()).toBe(2);
        const wrong = page.locator('[data-run="run-1"] [data-panel="alerts"]');
        expect(await wrong.locator('rect.alert-firing[data-alert="HighErrorRate"]').count()).toBe(1);
        expect(await wrong.locator('rect.alert-firing[data-alert="CheckoutProbeFailing"]').count()).toBe(1);
        expect(await wrong.locator('path.oncall-page').count()).toBeGreaterThanOrEqual(1);
        expect(await wrong.locator('path.oncall-page-ack').count()).toBe(1);
        expect(await wrong.locator('rect.runbook').count()).toBe(2);
        expect(await wrong.locator('path.oncall-blast-radius').count()).toBe(1);
        expect(await wrong.locator('rect.probe-fail').count()).toBeGreaterThan(0);
        expect(await wrong.locator('rect.probe-ok').count()).toBeGreaterThan(await wrong.locator('rect.probe-fail').count());
        // the first firing bar starts where the run says the alert fired
        const firing = Number(await wrong.locator('rect.alert-firing').first().getAttribute('data-firing-us'));
        expect(firing).toBe(62_000_000 + (run(scenario, { seed: 1, variant: 'wrong-service' }).metrics.timeToDetectMs as number) * 1000);
        const shots = resolve(import.meta.dirname, '..', 'screenshots');
        mkdirSync(shots, { recursive: true });
        await wrong.screenshot({ path: join(shots, 'on-call-alerts-lane.png') });
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    }, 60_000);
  });
});
