/**
 * The playground's topology, playback and guided tour, in Chromium (the file `faultline play`
 * writes, opened from file://):
 *
 * - retry-storm played back: the backend's queue bar, read at a moment before the trigger and
 *   one after it, grows in the naive design and not behind the circuit breaker;
 * - split-brain's tour has a step at the partition's start that names the partition, and moving
 *   to it puts the shared time cursor at the partition's start;
 * - the file stays under 3 MB; no page logs an error.
 *
 * The moments come from the runs' plans (computed here by the simulator, not read off the page).
 */
import { describe, expect, it } from 'vitest';
import { runDetailed } from '../../sim/run/runner.ts';
import '../../sim/faults/register.ts';
import retryStorm from '../../scenarios/retry-storm.ts';
import splitBrain from '../../scenarios/split-brain.ts';
import { skipWithoutChromium } from '../support/browser.ts';
import { queueOf, scrubTo, usePlayground } from './playground-tour-support.ts';

const skip = skipWithoutChromium('playground tour tests');

describe.skipIf(skip)('the playground topology, playback and tour', () => {
  const use = usePlayground();

  it('retry-storm: the backend queue grows after the trigger with naive retries, not behind the circuit breaker', async () => {
    const plan = runDetailed(retryStorm, { variant: 'naive-retries' }).plan;
    const trigger = plan.find((f) => f.kind === 'limp' && f.target === 'backend')!;
    const before = trigger.at - 500_000;
    const after = trigger.at + (trigger.for ?? 0) + 4_000_000;
    const page = await use.pg.open('#f=1&s=retry-storm&v=naive-retries,circuit-breaker&seed=1');
    await expect.poll(() => page.locator('[data-testid=topology]').count()).toBe(2);
    await scrubTo(page, before);
    const q0 = { naive: await queueOf(page, 'naive-retries', 'backend'), breaker: await queueOf(page, 'circuit-breaker', 'backend') };
    await scrubTo(page, after);
    const q1 = { naive: await queueOf(page, 'naive-retries', 'backend'), breaker: await queueOf(page, 'circuit-breaker', 'backend') };
    expect(q0.naive).toBeLessThan(20);
    expect(q1.naive).toBeGreaterThan(10 * Math.max(1, q0.naive));
    expect(q1.breaker).toBeLessThan(20);
    expect(q1.naive).toBeGreaterThan(10 * Math.max(1, q1.breaker));
    // the bar itself follows: wider for the naive backend than for the breaker's
    const width = (variant: string): Promise<number> => page.locator(`[data-testid=topology][data-variant="${variant}"] [data-node=backend] [data-testid=queue-bar]`).evaluate((r) => Number(r.getAttribute('width')));
    expect(await width('naive-retries')).toBeGreaterThan(2 * (await width('circuit-breaker')));
    // the limp is marked on the backend in both designs
    expect(await page.locator('[data-testid=topology-fault][data-node=backend][data-kind=limp]').count()).toBe(2);
    await page.close();
  }, 90_000);

  it('split-brain: the tour steps to the partition, naming it, and the time cursor follows', async () => {
    const partition = runDetailed(splitBrain).plan.find((f) => f.kind === 'partition')!;
    const page = await use.pg.open('#f=1&s=split-brain&seed=1');
    const step = page.getByTestId('tour-step');
    let found = false;
    for (let i = 0; i < 12 && !found; i++) {
      const text = (await step.textContent()) ?? '';
      if (/partition/i.test(text) && (await step.getAttribute('data-time-us')) === String(partition.at)) found = true;
      else await page.getByTestId('tour-next').click();
    }
    expect(found).toBe(true);
    expect(await step.textContent()).toMatch(/partition cuts \[[^\]]+\] off from \[/);
    expect(await page.evaluate(() => document.documentElement.dataset.cursor)).toBe(String(partition.at));
    // the topology shows the cut at that moment
    expect(await page.locator('[data-testid=topology] .topo-cut[visibility=visible]').count()).toBeGreaterThan(0);
    await page.close();
  }, 90_000);

  it('the playground file stays under 3 MB', () => {
    expect(use.pg.bytes).toBeLessThan(3 * 1024 * 1024);
  });
});
