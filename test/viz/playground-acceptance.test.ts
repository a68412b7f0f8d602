/**
 * The playground as a teacher uses it, in Debian's Chromium: the file `faultline play` writes
 * (every built-in scenario) opened from file://, driven through its controls only.
 *
 * - The run hash shown equals the trace hash that the replay command shown prints when it is run
 *   through /bin/sh as a user would paste it (4 states: 3 scenarios, a changed param, a changed seed).
 * - Moving a slider changes the run (hash and a metric) and the URL; reloading restores the run.
 * - A garbage link shows a message and the default state.
 * - Every control is reachable with Tab; no page logs a console error or warning.
 * - Each built-in scenario's first screen is saved to out/test-artifacts/playground/<name>.png
 *   for people to look at; the file stays under 3 MB.
 *
 * One browser for the file, one built playground for every test. Without /usr/bin/chromium the
 * tests are skipped with a message, except under CI=true.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../sim/cli/main.ts';
import { scenarioNames } from '../../sim/cli/load.ts';
import { launchChromium, skipWithoutChromium, watchPage } from '../support/browser.ts';

const skip = skipWithoutChromium('playground acceptance tests');
const root = resolve(import.meta.dirname, '..', '..');
const shots = join(root, 'out', 'test-artifacts', 'playground');
const RUN_TIMEOUT = 30_000;

interface Card {
  variant: string;
  hash: string;
  replay: string;
  metrics: Record<string, string>;
}

describe.skipIf(skip)('the playground, as a user drives it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-play-acceptance-'));
  const file = join(dir, 'playground.html');
  let url: string;
  let browser: Browser;
  /** A project folder with faultline installed (linked to this checkout), where `npx faultline` runs it. */
  const project = join(dir, 'project');
  /** Every opened page's console errors and warnings, page errors and network requests. */
  const watched: string[][] = [];
  const problems = (): string[] => watched.flat();

  beforeAll(async () => {
    const printed: string[] = [];
    const [code] = await Promise.all([
      main(['play', '--out', file], { stdout: (s) => void printed.push(s), stderr: (s) => void printed.push(s), isTTY: false }),
      launchChromium().then((b) => (browser = b)),
    ]);
    expect(code, printed.join('')).toBe(0);
    url = pathToFileURL(file).href;
    mkdirSync(join(project, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(root, join(project, 'node_modules', 'faultline'));
    symlinkSync(join('..', 'faultline', 'bin', 'faultline.mjs'), join(project, 'node_modules', '.bin', 'faultline'));
    mkdirSync(shots, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh page at the playground (with `fragment`), once its first run is drawn. */
  async function open(fragment = ''): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1 });
    watched.push(watchPage(page));
    await page.goto(url + fragment);
    await drawn(page);
    return page;
  }

  /** Waits until the page (just opened or reloaded) has drawn its first run. */
  const drawn = (page: Page): Promise<unknown> =>
    page.waitForFunction(() => Number(document.body.dataset.runs ?? 0) >= 1 && document.body.dataset.state === 'done', null, { timeout: RUN_TIMEOUT });

  const runs = (page: Page): Promise<number> => page.evaluate(() => Number(document.body.dataset.runs ?? 0));

  /** Does `act`, then waits until a run that started after it is drawn. */
  async function rerun(page: Page, act: () => Promise<unknown>): Promise<void> {
    const before = await runs(page);
    await act();
    await page.waitForFunction((n) => Number(document.body.dataset.runs ?? 0) > n && document.body.dataset.state === 'done', before, { timeout: RUN_TIMEOUT });
  }

  /**
   * What each shown variant's card says: its run hash, replay command and metrics. Cards are
   * `[data-testid=run-card]` (older pages: `.card[data-variant]`); metrics are the elements marked
   * `data-metric`, else the card's table of name/value rows, else all the card says but its hash and
   * replay command (its outcome and headline figures).
   */
  const cards = (page: Page): Promise<Card[]> =>
    page.evaluate(() => {
      const tagged = [...document.querySelectorAll<HTMLElement>('[data-testid=run-card]')];
      const all = tagged.length > 0 ? tagged : [...document.querySelectorAll<HTMLElement>('.card[data-variant]')];
      return all.map((c) => {
        const marked = [...c.querySelectorAll<HTMLElement>('[data-metric]')].map((e) => [e.dataset.metric!, e.textContent ?? '']);
        const rows = [...c.querySelectorAll('table tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')).filter((r) => r.length === 2);
        // else: what the card says besides its hash and replay command (its outcome and headline figures)
        const said = c.cloneNode(true) as HTMLElement;
        for (const e of said.querySelectorAll('[data-testid=run-hash], [data-testid=replay-command]')) e.remove();
        return {
          variant: c.dataset.variant!,
          hash: c.querySelector('[data-testid=run-hash]')?.textContent?.trim() ?? '',
          replay: c.querySelector('[data-testid=replay-command]')?.textContent?.trim() ?? '',
          metrics: Object.fromEntries(marked.length > 0 ? marked : rows.length > 0 ? rows : [['card', said.textContent?.replace(/\s+/g, ' ').trim() ?? '']]),
        };
      });
    });

  /** A param's slider: `param-<name>-slider` beside its number box, or (older pages) `param-<name>` itself. */
  async function slider(page: Page, name: string): Promise<Locator> {
    const own = page.getByTestId(`param-${name}-slider`);
    return (await own.count()) > 0 ? own : page.getByTestId(`param-${name}`);
  }

  /** Moves a slider as a mouse does: a click at `fraction` of its track (a third further on where the thumb is there already). */
  async function drag(page: Page, name: string, fraction: number): Promise<void> {
    const s = await slider(page, name);
    const at = await s.evaluate((e: HTMLInputElement) => (Number(e.value) - Number(e.min)) / (Number(e.max) - Number(e.min)));
    const to = Math.abs(at - fraction) < 0.2 ? (fraction + 0.33) % 1 : fraction;
    const box = (await s.boundingBox())!;
    await s.click({ position: { x: box.width * to, y: box.height / 2 } });
  }

  /** The page at `scenario`, chosen in its scenario picker. */
  async function openAt(scenario: string): Promise<Page> {
    const page = await open();
    const select = page.getByTestId('scenario-select');
    if ((await select.inputValue()) !== scenario) await rerun(page, () => select.selectOption(scenario));
    return page;
  }

  /** The trace hash a replay command prints, run through /bin/sh exactly as shown. */
  function cliHash(replay: string): Promise<string> {
    // `npm run faultline --` works inside this checkout, `npx faultline` where faultline is installed
    const cwd = replay.startsWith('npm run faultline') ? root : project;
    return new Promise((done, fail) => {
      execFile('/bin/sh', ['-c', replay], { cwd, env: { ...process.env, NO_COLOR: '1', npm_config_yes: 'false', npm_config_offline: 'true' }, timeout: 60_000 }, (err, stdout, stderr) => {
        const m = /^trace hash: (\S+)$/m.exec(stdout);
        if (m) done(m[1]!);
        else fail(new Error(`${replay} printed no trace hash (${err?.message ?? 'exit 0'}): ${stdout}${stderr}`));
      });
    });
  }

  it('is one file under 3 MB', () => {
    expect(statSync(file).size).toBeLessThan(3_000_000);
  });

  it('shows run hashes that the shown replay commands print, for 3 scenarios, a changed param and a changed seed', async () => {
    const page = await open();
    const select = page.getByTestId('scenario-select');
    const offered = await select.evaluate((s: HTMLSelectElement) => [...s.options].map((o) => o.value).sort());
    expect(offered, 'the playground offers every built-in scenario').toEqual(scenarioNames());
    const states: { label: string; card: Card; unlike?: string }[] = [];
    const pick = async (label: string, index: number, unlike?: string): Promise<Card> => {
      const all = await cards(page);
      expect(all.length, label).toBeGreaterThan(0);
      const card = all[index % all.length]!;
      expect(card.hash, label).toMatch(/^[0-9a-f]{16}$/);
      states.push({ label, card, unlike });
      return card;
    };

    await rerun(page, () => select.selectOption('retry-storm'));
    await pick('retry-storm', 0);

    await rerun(page, () => select.selectOption('gray-failure'));
    const grayDefault = (await cards(page))[1]!;
    await rerun(page, () => page.getByTestId('seed-input').fill('42'));
    await pick('gray-failure, seed 42', 1, grayDefault.hash);

    await rerun(page, () => select.selectOption('split-brain'));
    await pick('split-brain', 0);
    const splitDefault = (await cards(page))[1]!;
    await rerun(page, () => drag(page, 'heartbeatIntervalMs', 0.3));
    await pick('split-brain, heartbeatIntervalMs moved', 1, splitDefault.hash);
    await page.close();

    for (const s of states) if (s.unlike) expect(s.card.hash, `${s.label} changed the run`).not.toBe(s.unlike);
    expect(states.find((s) => s.label.includes('seed'))!.card.replay).toMatch(/--seed[ =]'?42\b/);
    expect(states.find((s) => s.label.includes('heartbeat'))!.card.replay).toMatch(/--param[ =]'?heartbeatIntervalMs=/);
    const printed = await Promise.all(states.map((s) => cliHash(s.card.replay)));
    expect(printed).toEqual(states.map((s) => s.card.hash));
    expect(problems()).toEqual([]);
  }, 120_000);

  it('re-runs when a slider moves, puts it in the URL, and a reload restores the run', async () => {
    const page = await openAt('retry-storm');
    const before = await cards(page);
    const urlBefore = page.url();
    await rerun(page, () => drag(page, 'backendCores', 0.6));
    const after = await cards(page);
    expect(after.map((c) => c.variant)).toEqual(before.map((c) => c.variant));
    for (let i = 0; i < after.length; i++) {
      expect(after[i]!.hash, after[i]!.variant).not.toBe(before[i]!.hash);
    }
    expect(Object.keys(before[0]!.metrics).length, 'the cards show metrics').toBeGreaterThan(0);
    const changedMetrics = after.flatMap((c, i) => Object.keys(c.metrics).filter((k) => c.metrics[k] !== before[i]!.metrics[k]));
    expect(changedMetrics.length, 'a metric changed').toBeGreaterThan(0);
    const link = page.url();
    expect(link).not.toBe(urlBefore);
    expect(decodeURIComponent(new URL(link).hash)).toMatch(/backendCores/);
    const value = await page.getByTestId('param-backendCores').inputValue();

    await page.reload();
    await drawn(page);
    expect(page.url()).toBe(link);
    expect(await page.getByTestId('param-backendCores').inputValue()).toBe(value);
    expect((await cards(page)).map((c) => c.hash)).toEqual(after.map((c) => c.hash));
    await page.close();
    expect(problems()).toEqual([]);
  });

  it('shows a message and the default state for a garbage link, with no console error', async () => {
    const plain = await open();
    const defaultScenario = await plain.getByTestId('scenario-select').inputValue();
    const defaultHashes = (await cards(plain)).map((c) => c.hash);
    expect(await plain.getByTestId('error-message').count()).toBe(0);
    await plain.close();
    const garbage = ['#%zz;garbage=&&', '#s=no-such-scenario', `#s=%00%ff<script>${'x'.repeat(5000)}`];
    await Promise.all(
      garbage.map(async (fragment) => {
        const page = await open(fragment);
        await expect.poll(() => page.getByTestId('error-message').isVisible(), { timeout: 5_000 }).toBe(true);
        expect((await page.getByTestId('error-message').textContent())!.length, fragment).toBeGreaterThan(10);
        expect(await page.getByTestId('scenario-select').inputValue(), fragment).toBe(defaultScenario);
        expect((await cards(page)).map((c) => c.hash), fragment).toEqual(defaultHashes);
        await page.close();
      }),
    );
    expect(problems()).toEqual([]);
  });

  it('reaches every control with the Tab key (retry-storm: presets, every kind of param)', async () => {
    const page = await openAt('retry-storm');
    // opened afresh from its own link, so that Tab starts at the top of the page
    await page.reload();
    await drawn(page);
    const controls = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('[data-testid]')]
        .filter((e) => e.matches('input, select, button, textarea, a[href], [tabindex]') && !(e as HTMLInputElement).disabled && e.checkVisibility())
        .map((e) => e.dataset.testid!),
    );
    expect(controls.length).toBeGreaterThan(3);
    await page.evaluate(() => {
      const w = window as unknown as { focused: string[] };
      w.focused = [];
      document.addEventListener('focusin', (e) => w.focused.push((e.target as HTMLElement).dataset?.testid ?? ''));
    });
    const reached = new Set<string>();
    for (let i = 0; i < controls.length * 2 + 20 && controls.some((c) => !reached.has(c)); i += 10) {
      for (let j = 0; j < 10; j++) await page.keyboard.press('Tab');
      for (const id of await page.evaluate(() => (window as unknown as { focused: string[] }).focused)) reached.add(id);
    }
    expect(controls.filter((c) => !reached.has(c)), 'not reached by Tab').toEqual([]);
    await page.close();
    expect(problems()).toEqual([]);
  });

  it('offers and draws every built-in scenario without an error (screenshots in out/test-artifacts/playground/)', async () => {
    const page = await open();
    const select = page.getByTestId('scenario-select');
    const offered = await select.evaluate((s: HTMLSelectElement) => [...s.options].map((o) => o.value).sort());
    expect(offered, 'the playground offers every built-in scenario').toEqual(scenarioNames());
    for (const name of scenarioNames()) {
      if ((await select.inputValue()) !== name) await rerun(page, () => select.selectOption(name));
      const shown = await cards(page);
      expect(shown.length, name).toBeGreaterThan(0);
      for (const c of shown) expect(c.hash, `${name} ${c.variant}`).toMatch(/^[0-9a-f]{16}$/);
      expect(await page.getByTestId('error-message').count(), name).toBe(0);
      await page.evaluate(() => window.scrollTo(0, 0));
      const png = join(shots, `${name}.png`);
      await page.screenshot({ path: png });
      expect(statSync(png).size, name).toBeGreaterThan(10_000);
    }
    await page.close();
    expect(problems()).toEqual([]);
  }, 120_000);
});
