/**
 * Report benchmark: a run of 1,000,000 requests (a fixture scenario defined here: eight servers
 * behind a balancer for 10 simulated minutes, with a crash, a partition, a limping node, a
 * circuit breaker and about 110,000 traced messages) is written as a report; the figures are its
 * size in MB and its render time in Chromium (ms from navigation until the viewer sets
 * `data-ready`). Targets (issue 7): < 15 MB and < 3 s. Not a test: nothing here fails the suite.
 *
 *   npx tsx bench/report.ts            prints the figures
 *   benchReport({ requests: 200_000 }) from code (the owner's `npm run bench` can call it)
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { defineScenario, runDetailed, serializeFaultPlan, type FaultEntry, type TraceRecord } from '../sim/index.ts';
import { writeReport } from '../viz/index.ts';

export interface BenchReportOptions {
  /** Requests in the run (default 1,000,000). */
  requests?: number;
  /** Where to write the report (default .bench/report-1m.html, gitignored). */
  out?: string;
  /** Chromium to render with; rendering is skipped (renderMs null) when it is absent. */
  chromium?: string;
}

export interface BenchReportFigures {
  requests: number;
  runMs: number;
  writeMs: number;
  sizeMB: number;
  /** Navigation to `data-ready`, measured by the page's own clock; null without Chromium. */
  renderMs: number | null;
  /** The same, measured from Node around page.goto (includes IPC); null without Chromium. */
  renderWallMs: number | null;
  targets: { sizeMB: number; renderMs: number };
}

const S = 1_000_000;
const SERVERS = ['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8'];

const PLAN: FaultEntry[] = [
  { at: 120 * S, kind: 'crash', target: 's3', for: 60 * S },
  { at: 300 * S, kind: 'partition', groups: [['client', 'lb', 's1', 's2', 's3', 's4'], ['s5', 's6', 's7', 's8']], for: 45 * S },
  { at: 450 * S, kind: 'slow-node', target: 's1', factor: 20, for: 90 * S },
];

function benchScenario(requestsMax: number) {
  return defineScenario({
    name: 'report-bench',
    title: 'Report benchmark: a million requests across eight servers',
    description: 'A client sends a million requests through a balancer to eight servers for ten simulated minutes; a crash, a partition and a slow node hit them.',
    params: {},
    build({ sim, random, requests, metrics, emit }) {
      const rand = random.get('arrivals');
      const durationUs = 600 * S;
      const gapUs = durationUs / requestsMax;
      const e = (r: Record<string, unknown>): void => emit({ time: sim.now, ...r } as unknown as TraceRecord);
      const at = (t: number, fn: () => void): void => void sim.schedule(t, fn, null);
      let crashed = '';
      let cut = false;
      let slow = '';
      let n = 0;
      let msg = 0;
      const depth = metrics.seriesOf('queue.depth');
      at(120 * S, () => {
        crashed = 's3';
        e({ kind: 'node-state', node: 's3', from: 'up', to: 'crashed' });
        e({ kind: 'fault-start', fault: 'crash', index: 0, target: 's3' });
      });
      at(180 * S, () => {
        crashed = '';
        e({ kind: 'node-state', node: 's3', from: 'crashed', to: 'up' });
        e({ kind: 'fault-end', fault: 'crash', index: 0, target: 's3' });
      });
      at(300 * S, () => {
        cut = true;
        e({ kind: 'fault-start', fault: 'partition', index: 1 });
        e({ kind: 'breaker-state', node: 'client', breaker: 'lb', from: 'closed', to: 'open' });
      });
      at(345 * S, () => {
        cut = false;
        e({ kind: 'fault-end', fault: 'partition', index: 1 });
        e({ kind: 'breaker-state', node: 'client', breaker: 'lb', from: 'open', to: 'closed' });
      });
      at(450 * S, () => {
        slow = 's1';
        e({ kind: 'node-state', node: 's1', from: 'up', to: 'limping' });
      });
      at(540 * S, () => {
        slow = '';
        e({ kind: 'node-state', node: 's1', from: 'limping', to: 'up' });
      });
      const arrive = (): void => {
        if (n >= requestsMax) return;
        const i = n++;
        const server = SERVERS[i % SERVERS.length]!;
        const failed = server === crashed || (cut && SERVERS.indexOf(server) >= 4);
        const latencyUs = failed ? 100_000 : 1_000 + Math.floor(rand.exponential(server === slow ? 80_000 : 4_000));
        requests.attempt(sim.now, false);
        if (i % 20 === 0) {
          // One request in twenty is traced as messages: about 110,000 message records in all.
          const id = ++msg;
          e({ kind: 'message-send', from: 'lb', to: server, id, type: 'Forward' });
          if (failed) e({ kind: 'message-drop', from: 'lb', to: server, id, reason: server === crashed ? 'target-down' : 'partition' });
          else at(200, () => e({ kind: 'message-deliver', from: 'lb', to: server, id, sentUs: sim.now - 200 }));
        }
        at(latencyUs, () => requests.record(sim.now, !failed, latencyUs, failed ? 'timeout' : undefined));
        depth.add(sim.now, server === slow ? 40 : 3);
        sim.schedule(Math.max(1, Math.round(rand.exponential(gapUs))), arrive, null);
      };
      sim.schedule(1, arrive, null);
      return { untilUs: durationUs + 1 * S };
    },
  });
}

export async function benchReport(opts: BenchReportOptions = {}): Promise<BenchReportFigures> {
  const requestsMax = opts.requests ?? 1_000_000;
  const out = resolve(opts.out ?? join(fileURLToPath(new URL('..', import.meta.url)), '.bench', 'report-1m.html'));
  mkdirSync(resolve(out, '..'), { recursive: true });
  const t0 = performance.now();
  const art = runDetailed(benchScenario(requestsMax), { seed: 1, traceLevel: 'summary' });
  const run = { ...art, plan: PLAN, result: { ...art.result, faults: serializeFaultPlan(PLAN) } };
  const t1 = performance.now();
  const { bytes } = await writeReport(out, [run]);
  const t2 = performance.now();
  let renderMs: number | null = null;
  let renderWallMs: number | null = null;
  const exe = opts.chromium ?? '/usr/bin/chromium';
  if (existsSync(exe)) {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: exe,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1 });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const g0 = performance.now();
      await page.goto(pathToFileURL(out).href);
      await page.waitForSelector('html[data-ready]', { timeout: 60_000 });
      renderWallMs = Math.round(performance.now() - g0);
      renderMs = Math.round(Number(await page.evaluate(() => document.documentElement.getAttribute('data-ready-ms'))));
      if (errors.length) throw new Error(`the report failed in Chromium: ${errors.join('; ')}`);
    } finally {
      await browser.close();
    }
  }
  return {
    requests: art.result.metrics.requests,
    runMs: Math.round(t1 - t0),
    writeMs: Math.round(t2 - t1),
    sizeMB: Math.round((bytes / 1e6) * 100) / 100,
    renderMs,
    renderWallMs,
    targets: { sizeMB: 15, renderMs: 3000 },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const f = await benchReport();
  console.log(`report of ${f.requests.toLocaleString('en-US')} requests: ${f.sizeMB} MB (target < ${f.targets.sizeMB} MB)`);
  console.log(`  simulate ${f.runMs} ms · build+write ${f.writeMs} ms`);
  if (f.renderMs === null) console.log('  render: skipped (no /usr/bin/chromium)');
  else console.log(`  render in Chromium: ${f.renderMs} ms to data-ready (page clock; ${f.renderWallMs} ms from Node around goto) (target < ${f.targets.renderMs} ms)`);
}
