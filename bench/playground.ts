/**
 * Playground benchmark (`npm run bench -- playground`): in Debian's Chromium, the time from a
 * slider change to the redrawn views, for retry-storm and gray-failure at their default params
 * (every variant shown, as the page opens). Not a test: nothing here fails the suite.
 *
 * The playground is the file `faultline play` writes (every built-in scenario), opened from
 * file://. Each repetition moves one slider to a value not run before, next to the default (+1%, −1%,
 * +2%, −2%, … of its track: the page remembers finished runs, and a remembered one would cost no
 * run), firing the events a drag fires (`input`, then `change`),
 * and measures in the page from that event until the page has drawn the new run
 * (`body[data-runs]` bumped, `body[data-state=done]`) and two animation frames have passed (the
 * frame is painted). Two warm-up changes first; then the median of 10 (or --reps, if more); target
 * < 500 ms.
 *
 * Then playback: gray-failure at 60 s of simulated time, every design side by side, played at 1×
 * from start to end in real time (60 s) with the topology on screen, while Chromium's performance
 * timeline reports every long task (PerformanceObserver 'longtask', tasks over 50 ms): the longest,
 * target ≤ 200 ms (a page that stutters for longer than that no longer feels like it plays). The
 * suite's playback test drives the same page on a fake clock instead and holds it to what does not
 * depend on the machine's speed (test/viz/playground-playback.test.ts).
 */
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { main } from '../sim/cli/main.ts';
import { launchChromium } from '../test/support/browser.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const TARGET_MS = 500;
const LONG_TASK_TARGET_MS = 200;
const PLAY_S = 60;

/** The slider each scenario's repetitions move: one a teacher would move, that keeps the run's size. */
const SLIDERS: Record<string, string> = { 'retry-storm': 'clientTimeoutMs', 'gray-failure': 'timeoutMs' };

export interface PlaygroundRow {
  workload: string;
  unit: string;
  ours: number;
  note: string;
}

function median(xs: readonly number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Milliseconds from moving the slider to `value` to the painted new run, measured in the page. */
function stepOnce(page: import('playwright-core').Page, testid: string, value: number): Promise<number> {
  // No named functions inside: tsx would wrap them in a helper (__name) the page does not have.
  return page.evaluate(
    ([id, to]) =>
      new Promise<number>((resolve, reject) => {
        const slider = document.querySelector<HTMLInputElement>(`[data-testid="${id}"]`);
        if (!slider) return reject(new Error(`no slider [data-testid=${id}]`));
        const before = Number(document.body.dataset.runs ?? 0);
        const t0 = performance.now();
        const watch = new MutationObserver(() => {
          if (!(Number(document.body.dataset.runs ?? 0) > before && document.body.dataset.state === 'done')) return;
          watch.disconnect();
          requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
        });
        watch.observe(document.body, { attributes: true });
        slider.value = String(to);
        slider.dispatchEvent(new Event('input', { bubbles: true }));
        slider.dispatchEvent(new Event('change', { bubbles: true }));
        setTimeout(() => {
          watch.disconnect();
          reject(new Error(`no redrawn run within 30 s after moving ${id}`));
        }, 30_000);
      }),
    [testid, value] as const,
  );
}

/** The bench's rows: one per scenario, median ms with its target and ✓/✗. */
export async function benchPlayground(opts: { reps?: number; log?: (line: string) => void } = {}): Promise<{ rows: PlaygroundRow[] }> {
  const reps = Math.max(10, opts.reps ?? 10);
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dir = join(root, '.bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'playground.html');
  const said: string[] = [];
  const code = await main(['play', '--out', file], { stdout: (s) => void said.push(s), stderr: (s) => void said.push(s), isTTY: false });
  if (code !== 0) throw new Error(`faultline play failed: ${said.join('')}`);
  const browser = await launchChromium();
  const rows: PlaygroundRow[] = [];
  try {
    for (const [scenario, param] of Object.entries(SLIDERS)) {
      const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(pathToFileURL(file).href);
      const runs = (): Promise<number> => page.evaluate(() => Number(document.body.dataset.runs ?? 0));
      await page.waitForFunction(() => Number(document.body.dataset.runs ?? 0) >= 1 && document.body.dataset.state === 'done', null, { timeout: 60_000 });
      const before = await runs();
      await page.getByTestId('scenario-select').selectOption(scenario);
      await page.waitForFunction((n) => Number(document.body.dataset.runs ?? 0) > n && document.body.dataset.state === 'done', before, { timeout: 60_000 });
      const variants = (await page.getByTestId('run-card').count()) || (await page.locator('.card[data-variant]').count());
      // the slider beside the number box, or (older pages) the param's only input
      const testid = (await page.getByTestId(`param-${param}-slider`).count()) > 0 ? `param-${param}-slider` : `param-${param}`;
      // every repetition a value not run before (the page remembers finished runs): +1, −1, +2, −2, …
      // hundredths of the track around the default; two warm-ups first (JIT, first layout of the views)
      const track = await page.getByTestId(testid).evaluate((e: HTMLInputElement) => ({ at: Number(e.value), min: Number(e.min), max: Number(e.max), step: Number(e.step) || 1 }));
      const hundredth = Math.max(1, Math.round((track.max - track.min) / track.step / 100)) * track.step; // at least one step
      const values = Array.from({ length: reps + 2 }, (_, i) => track.at + (i % 2 === 0 ? 1 : -1) * (Math.floor(i / 2) + 1) * hundredth);
      await stepOnce(page, testid, values[0]!);
      await stepOnce(page, testid, values[1]!);
      const times: number[] = [];
      // the page's own split, where it gives one (body[data-timing]: waiting for the runs, drawing)
      const waits: number[] = [];
      const draws: number[] = [];
      for (let i = 0; i < reps; i++) {
        times.push(await stepOnce(page, testid, values[i + 2]!));
        const split = await page.evaluate(() => document.body.dataset.timing);
        if (split) {
          const t = JSON.parse(split) as { waitMs?: number; drawMs?: number };
          if (typeof t.waitMs === 'number') waits.push(t.waitMs);
          if (typeof t.drawMs === 'number') draws.push(t.drawMs);
        }
      }
      if (errors.length > 0) throw new Error(`${scenario}: page errors: ${errors.join('; ')}`);
      await page.close();
      const m = median(times);
      log(`playground ${scenario}: ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
      rows.push({
        workload: `playground: ${scenario} slider (${param}) → redrawn views, ${variants} variants`,
        unit: 'ms',
        ours: m,
        note: `median of ${reps} (${Math.min(...times).toFixed(0)}–${Math.max(...times).toFixed(0)} ms${waits.length > 0 && draws.length > 0 ? `; runs ${median(waits).toFixed(0)} ms + drawing ${median(draws).toFixed(0)} ms` : ''}); target < ${TARGET_MS} ms ${m < TARGET_MS ? '✓' : '✗'}`,
      });
    }
    rows.push(await benchPlayback(browser, file, log));
  } finally {
    await browser.close();
  }
  return { rows };
}

/** The longest task while gray-failure plays for 60 s at 1× in real time. */
async function benchPlayback(browser: import('playwright-core').Browser, file: string, log: (line: string) => void): Promise<PlaygroundRow> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${pathToFileURL(file).href}#f=1&s=gray-failure&seed=1&p.durationMs=${PLAY_S * 1000}`);
  await page.waitForFunction(() => Number(document.body.dataset.runs ?? 0) >= 1 && document.body.dataset.state === 'done' && document.querySelector('[data-testid=topology]') !== null, null, { timeout: 60_000 });
  const designs = await page.getByTestId('topology').count();
  await page.evaluate(() => {
    const w = window as unknown as { longTasksMs: number[] };
    w.longTasksMs = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.longTasksMs.push(e.duration);
    }).observe({ type: 'longtask', buffered: false });
  });
  await page.getByTestId('topology').first().scrollIntoViewIfNeeded();
  await page.getByTestId('play-toggle').click();
  log(`playground playback: playing gray-failure for ${PLAY_S} s at 1×…`);
  await page.waitForFunction(() => document.querySelector('[data-testid=play-toggle]')?.getAttribute('aria-pressed') === 'false', null, { timeout: (PLAY_S + 30) * 1000, polling: 500 });
  const tasks = await page.evaluate(() => (window as unknown as { longTasksMs: number[] }).longTasksMs);
  if (errors.length > 0) throw new Error(`playback: page errors: ${errors.join('; ')}`);
  await page.close();
  const longest = Math.max(0, ...tasks);
  log(`playground playback: ${tasks.length} long tasks${tasks.length > 0 ? `: ${tasks.map((t) => t.toFixed(0)).join(', ')} ms` : ''}`);
  return {
    workload: `playground: gray-failure played ${PLAY_S} s at 1×, ${designs} designs, longest task`,
    unit: 'ms',
    ours: longest,
    note: `${tasks.length} tasks over 50 ms; load average ${loadavg()[0]!.toFixed(1)}; target ≤ ${LONG_TASK_TARGET_MS} ms ${longest <= LONG_TASK_TARGET_MS ? '✓' : '✗'}`,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const r of (await benchPlayground()).rows) console.log(`${r.workload}: ${r.ours.toFixed(0)} ${r.unit}; ${r.note}`);
}
