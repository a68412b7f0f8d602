/**
 * The playground's fault editor as a teacher uses it, in Debian's Chromium, on the file
 * `faultline play` writes (opened from file://):
 *
 * - "add on the timeline", then a click on a node's lane, adds exactly one plan entry there; the
 *   run's hash changes; the new fault is a bar of the fault ribbon (and a mark of the topology when
 *   the page draws one); the link carries the plan (a reload shows the same run); the replay command
 *   shown, run through /bin/sh beside the downloaded plan, prints the hash shown.
 * - A link of the current format opens with the picked kind and the entry's form open; a
 *   negative duration typed into that form shows the validator's message inline and runs
 *   nothing: the hash, the link and the number of runs drawn stay as they were; a node the
 *   scenario lacks (refused when the run is built) shows the simulator's message the same way.
 * - Dragging a mark moves or resizes its entry, as do arrow keys on its button; Delete removes it.
 * - The file stays under 3 MB.
 *
 * Without /usr/bin/chromium the tests are skipped with a message, except under CI=true.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../sim/cli/main.ts';
import { parseFaultPlan } from '../../sim/faults/plan.ts';
import { launchChromium, skipWithoutChromium, watchPage } from '../support/browser.ts';

const skip = skipWithoutChromium('playground fault editor tests');
const root = resolve(import.meta.dirname, '..', '..');
const RUN_TIMEOUT = 30_000;
/** retry-storm, its first variant alone: one run per change. */
const LINK = '#f=1&s=retry-storm&v=naive-retries&seed=1';

describe.skipIf(skip)('the playground fault editor', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-play-faults-'));
  const file = join(dir, 'playground.html');
  /** A project folder with faultline installed (linked to this checkout), where `npx faultline` runs it. */
  const project = join(dir, 'project');
  let browser: Browser;
  const watched: string[][] = [];

  beforeAll(async () => {
    const printed: string[] = [];
    const [code] = await Promise.all([
      main(['play', 'retry-storm', '--out', file], { stdout: (s) => void printed.push(s), stderr: (s) => void printed.push(s), isTTY: false }),
      launchChromium().then((b) => (browser = b)),
    ]);
    expect(code, printed.join('')).toBe(0);
    mkdirSync(join(project, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(root, join(project, 'node_modules', 'faultline'));
    symlinkSync(join('..', 'faultline', 'bin', 'faultline.mjs'), join(project, 'node_modules', '.bin', 'faultline'));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const runs = (page: Page): Promise<number> => page.evaluate(() => Number(document.body.dataset.runs ?? 0));
  const done = (page: Page, after: number): Promise<unknown> =>
    page.waitForFunction((n) => Number(document.body.dataset.runs ?? 0) > n && document.body.dataset.state === 'done', after, { timeout: RUN_TIMEOUT });

  async function open(fragment: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1, acceptDownloads: true });
    watched.push(watchPage(page));
    await page.goto(pathToFileURL(file).href + fragment);
    await done(page, 0);
    return page;
  }

  const hash = async (page: Page): Promise<string> => (await page.getByTestId('run-hash').first().textContent())!.trim();
  const entries = (page: Page): Promise<string[]> => page.getByTestId('fault-entry').allTextContents();

  /** Arms "add on the timeline" and clicks `node`'s lane at `fraction` of the time axis; waits for the run. */
  async function addOnLane(page: Page, node: string, fraction: number): Promise<void> {
    await page.getByTestId('fault-add').click();
    const row = page.locator(`[data-panel=swimlanes] g.lane[data-node="${node}"] g.row`).first();
    await row.evaluate((e) => e.scrollIntoView({ block: 'center' }));
    const box = (await row.boundingBox())!;
    const before = await runs(page);
    await row.click({ position: { x: box.width * fraction, y: box.height / 2 } });
    await done(page, before);
  }

  /** The trace hash a replay command prints, run through /bin/sh in `cwd` exactly as shown. */
  function cliHash(replay: string, cwd: string): Promise<string> {
    return new Promise((ok, fail) => {
      execFile('/bin/sh', ['-c', replay], { cwd, env: { ...process.env, NO_COLOR: '1', npm_config_yes: 'false', npm_config_offline: 'true' }, timeout: 60_000 }, (err, stdout, stderr) => {
        const m = /^trace hash: (\S+)$/m.exec(stdout);
        if (m) ok(m[1]!);
        else fail(new Error(`${replay} printed no trace hash (${err?.message ?? 'exit 0'}): ${stdout}${stderr}`));
      });
    });
  }

  it('is one file under 3 MB', () => {
    expect(statSync(file).size).toBeLessThan(3_000_000);
  });

  it('adds one entry by a click on a lane: a new hash, a ribbon bar, a link that carries it, a replay that prints the hash', async () => {
    const page = await open(LINK);
    const before = await entries(page);
    const hashBefore = await hash(page);
    const bandsBefore = await page.locator('[data-panel=faults] .fault-band, [data-panel=faults] .fault-tick').count();

    await addOnLane(page, 'backend', 0.7);
    const after = await entries(page);
    expect(after.length, after.join('; ')).toBe(before.length + 1);
    const added = after.find((e) => !before.includes(e))!;
    expect(added, after.join('; ')).toMatch(/^limp · backend · /);
    const index = after.indexOf(added);
    expect(await hash(page)).not.toBe(hashBefore);
    // the fault ribbon draws the entry: one more bar, this one for the entry's index and node
    expect(await page.locator('[data-panel=faults] .fault-band, [data-panel=faults] .fault-tick').count()).toBe(bandsBefore + 1);
    await expect.poll(() => page.locator(`[data-panel=faults] [data-index="${index}"][data-target=backend]`).count()).toBe(1);
    // and the topology, where the page draws one
    if ((await page.getByTestId('topology').count()) > 0) expect(await page.locator(`[data-testid=topology] [data-testid=topology-fault][data-index="${index}"][data-node=backend]`).count()).toBeGreaterThan(0);

    // the link carries the plan: opened again, the same run
    const link = new URL(page.url()).hash;
    expect(link).toMatch(new RegExp(`^#f=2&.*&plan=[^&]+&fe=${index}$`));
    const again = await open(link);
    expect(await entries(again)).toEqual(after);
    // with the added entry's form open
    expect(await again.getByTestId('fault-entry').nth(index).getAttribute('aria-pressed')).toBe('true');
    expect(await again.getByTestId('fault-field-target').inputValue()).toBe('backend');
    expect(await hash(again)).toBe(await hash(page));
    await again.close();

    // the plan downloaded beside the replay command reproduces the hash through the CLI
    const replay = (await page.getByTestId('replay-command').first().textContent())!.trim();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-plan').click()]);
    const planPath = join(project, download.suggestedFilename());
    await download.saveAs(planPath);
    expect(replay).toContain(`--faults ${download.suggestedFilename()}`);
    expect(parseFaultPlan(JSON.parse(readFileSync(planPath, 'utf8'))).length).toBe(after.length);
    expect(await cliHash(replay, project)).toBe(await hash(page));
    await page.close();
    expect(watched.flat()).toEqual([]);
  }, 120_000);

  it('shows the validator’s message for a negative duration typed into the form, and runs nothing', async () => {
    // a link (format 2) that opens entry 0's form, the picker at pause
    const page = await open(`${LINK.replace('f=1', 'f=2')}&fk=pause&fe=0`);
    expect(await page.getByTestId('fault-kind').inputValue()).toBe('pause');
    const field = page.getByTestId('fault-field-for');
    await expect.poll(() => field.isVisible()).toBe(true);
    const hashBefore = await hash(page);
    const urlBefore = page.url();
    const runsBefore = await runs(page);
    await field.fill('-2s');
    const message = page.getByTestId('fault-error');
    await expect.poll(() => message.isVisible()).toBe(true);
    expect(await message.textContent()).toMatch(/fault plan entry 0: for="-2s" is not valid; .*negative/);
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    // nothing ran: the last valid run stays on screen, the link keeps the plan that ran
    expect(await page.evaluate(() => document.body.dataset.state)).toBe('done');
    expect(await runs(page)).toBe(runsBefore);
    expect(await hash(page)).toBe(hashBefore);
    expect(page.url()).toBe(urlBefore);
    // a valid value runs again
    await field.fill('4s');
    await done(page, runsBefore);
    expect(await message.isVisible()).toBe(false);
    const hashValid = await hash(page);
    expect(hashValid).not.toBe(hashBefore);
    // a node the scenario does not have passes the plan's validator but not the world's: its message, the run stays
    const urlValid = page.url();
    const runsValid = await runs(page);
    await page.getByTestId('fault-field-target').fill('no-such-node');
    await expect.poll(() => message.textContent(), { timeout: RUN_TIMEOUT }).toMatch(/^Not run: .*fault plan entry 0 \(limp\): target="no-such-node" is not valid; known nodes: .*backend/);
    await page.waitForFunction(() => document.body.dataset.state === 'done');
    expect(await runs(page)).toBe(runsValid);
    expect(await hash(page)).toBe(hashValid);
    expect(page.url()).toBe(urlValid);
    expect(await entries(page)).toEqual(['limp · backend · 3s for 4s']);
    await page.close();
    expect(watched.flat()).toEqual([]);
  }, 60_000);

  it('moves and resizes an entry by dragging its mark, and by keys on its button; Delete removes it', async () => {
    const page = await open(LINK);
    expect(await entries(page)).toEqual(['limp · backend · 3s for 3s']);
    const mark = page.locator('[data-panel=swimlanes] g.plan-mark').first();
    await mark.evaluate((e) => e.scrollIntoView({ block: 'center' }));
    /** Drags `part` of the mark by `dx` pixels and waits for the run. */
    const drag = async (part: string, dx: number): Promise<void> => {
      const b = (await mark.locator(part).boundingBox())!;
      const before = await runs(page);
      await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
      await page.mouse.down();
      await page.mouse.move(b.x + b.width / 2 + dx / 2, b.y + b.height / 2, { steps: 4 });
      await page.mouse.move(b.x + b.width / 2 + dx, b.y + b.height / 2, { steps: 4 });
      await page.mouse.up();
      await done(page, before);
    };
    const span = async (): Promise<[number, number]> => {
      const m = /· (\d+(?:\.\d+)?)s for (\d+(?:\.\d+)?)s$/.exec((await entries(page))[0]!)!;
      return [Number(m[1]), Number(m[2])];
    };
    await drag('.body', 200);
    const [at1, for1] = await span();
    expect(at1).toBeGreaterThan(3);
    expect(for1).toBe(3);
    await drag('.h-end', 150);
    const [at2, for2] = await span();
    expect(at2).toBe(at1);
    expect(for2).toBeGreaterThan(for1);
    const button = page.getByTestId('fault-entry').first();
    await button.focus();
    let before = await runs(page);
    await page.keyboard.press('Shift+ArrowLeft');
    await done(page, before);
    const [at3, for3] = await span();
    expect(at3).toBe(at2);
    expect(for3).toBeLessThan(for2);
    before = await runs(page);
    await page.keyboard.press('Delete');
    await done(page, before);
    expect(await entries(page)).toEqual([]);
    expect(await page.locator('[data-panel=faults] .fault-band').count()).toBe(0);
    await page.close();
    expect(watched.flat()).toEqual([]);
  }, 60_000);
});
