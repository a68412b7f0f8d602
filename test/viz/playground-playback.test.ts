/**
 * The playground's playback, driven by a fake clock (Playwright's `page.clock`, installed once
 * the page has drawn its runs): gray-failure at 60 s of simulated time, every design side by
 * side, played at 1× for 10 s and then to its end, in a few seconds of real time and the same way
 * on a busy machine as on a quiet one.
 *
 * What it holds the page to:
 * - at 1× the cursor moves one simulated second per second of the page's clock, and stops by
 *   itself at the end of the run;
 * - a frame creates and removes no element (the topology only sets attributes and text of what it
 *   built), so a frame costs the same whatever the run's length;
 * - the drawing's bars and colours repaint at most 8 times a second of the page's clock, and do
 *   repaint while it plays.
 *
 * How long the page's tasks take while it plays in real time is a measurement, not a test:
 * `npm run bench -- playground` prints the longest task of 60 s of playback beside its target.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { skipWithoutChromium } from '../support/browser.ts';
import { usePlayground } from './playground-tour-support.ts';

const skip = skipWithoutChromium('playground playback test');

interface Seen {
  /** Elements added to or removed from the stage. */
  elements: string[];
  /** Per topology (by variant), the mutation batches that changed one of its nodes' drawn state. */
  repaints: Record<string, number>;
}

/** Start counting what changes in the stage (the topologies, their controls and the tour). */
function watchStage(page: Page): Promise<void> {
  return page.evaluate(() => {
    const seen = { elements: [] as string[], repaints: {} as Record<string, number> };
    (window as unknown as { seen: typeof seen }).seen = seen;
    const stage = document.querySelector('[data-testid=topology]')!.closest('section, div')!.parentElement!;
    new MutationObserver((list) => {
      const repainted = new Set<string>();
      for (const m of list) {
        for (const n of [...m.addedNodes, ...m.removedNodes]) if (n.nodeType === Node.ELEMENT_NODE) seen.elements.push((n as Element).tagName);
        const topology = m.type === 'attributes' && m.attributeName === 'data-queue' ? (m.target as Element).closest('[data-testid=topology]') : null;
        if (topology) repainted.add(topology.getAttribute('data-variant') ?? '?');
      }
      for (const v of repainted) seen.repaints[v] = (seen.repaints[v] ?? 0) + 1;
    }).observe(stage, { subtree: true, childList: true, attributes: true });
  });
}

const seen = (page: Page): Promise<Seen> => page.evaluate(() => (window as unknown as { seen: Seen }).seen);
const cursorUs = (page: Page): Promise<number> => page.evaluate(() => Number(document.documentElement.dataset.cursor));

describe.skipIf(skip)('the playground playback', () => {
  const use = usePlayground();

  it('plays gray-failure at 1× on the page clock, to its end, without building anything per frame', { timeout: 150_000 }, async () => {
    const page = await use.pg.open('#f=1&s=gray-failure&seed=1&p.durationMs=60000');
    const readout = page.getByTestId('play-time');
    const total = (await readout.textContent())!.match(/ \/ (\d+\.\d) s$/);
    expect(total, 'the readout shows the run length').not.toBeNull();
    const endS = Number(total![1]);
    expect(endS).toBeGreaterThanOrEqual(60);
    await page.clock.install();
    await page.getByTestId('topology').first().scrollIntoViewIfNeeded();
    await watchStage(page);
    await page.getByTestId('play-toggle').click();
    expect(await page.getByTestId('play-toggle').getAttribute('aria-pressed')).toBe('true');

    await page.clock.runFor(10_000);
    // frames come at least 30 ms apart: the cursor may trail the clock by one frame, or lead it by one
    expect(Math.abs((await cursorUs(page)) - 10e6)).toBeLessThanOrEqual(100_000);
    expect(await readout.textContent()).toMatch(/^(9\.9|10\.0|10\.1) s \//);
    const after10 = await seen(page);
    expect(after10.elements, 'elements added or removed while playing').toEqual([]);
    // 8 repaints a second at most (one every 125 ms of the page's clock), and it does move
    const designs = await page.getByTestId('topology').count();
    expect(designs).toBeGreaterThanOrEqual(2);
    expect(Object.keys(after10.repaints).length, 'topologies that repainted').toBe(designs);
    for (const n of Object.values(after10.repaints)) {
      expect(n).toBeLessThanOrEqual(81);
      expect(n).toBeGreaterThanOrEqual(20);
    }

    await page.clock.runFor((endS - 10) * 1000 + 5_000);
    expect(await cursorUs(page)).toBeCloseTo(endS * 1e6, -5);
    expect(await page.getByTestId('play-toggle').getAttribute('aria-pressed'), 'stopped by itself at the end').toBe('false');
    expect(await readout.textContent()).toBe(`${endS.toFixed(1)} s / ${endS.toFixed(1)} s`);
    const atEnd = await seen(page);
    expect(atEnd.elements).toEqual([]);
    for (const n of Object.values(atEnd.repaints)) expect(n).toBeLessThanOrEqual(Math.ceil(endS * 8) + 2);

    // play again from the end: it starts over from 0
    await page.getByTestId('play-toggle').click();
    await page.clock.runFor(2_000);
    const again = await cursorUs(page);
    expect(again).toBeGreaterThan(1.8e6);
    expect(again).toBeLessThan(2.2e6);
    await page.getByTestId('play-toggle').click();
    expect(await page.getByTestId('play-toggle').getAttribute('aria-pressed')).toBe('false');
    await page.close();
  });
});
