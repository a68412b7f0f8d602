/**
 * The report page's entry point (bundled by esbuild into the HTML): read the embedded JSON, draw
 * it with `renderReport`, and draw it again when the window's width changes (keeping the time
 * window the reader chose). When the first drawing is done it sets `data-ready` on <html>.
 */
import type { ReportData } from '../model.ts';
import { el } from './dom.ts';
import { renderReport, type RenderedReport } from './page.ts';

function readData(): ReportData {
  const node = document.getElementById('faultline-data');
  if (!node || !node.textContent) throw new Error('faultline report: the embedded data block is missing');
  return JSON.parse(node.textContent) as ReportData;
}

function start(): void {
  const data = readData();
  const root = document.getElementById('report')!;
  let shown: RenderedReport = renderReport(root, data);
  const hash = /^#t=(\d+)$/.exec(window.location.hash);
  if (hash) shown.goTo(Number(hash[1]));
  // For the benchmark and tests: milliseconds from navigation start until every panel was drawn.
  document.documentElement.setAttribute('data-ready-ms', String(Math.round(performance.now())));
  document.documentElement.setAttribute('data-ready', 'true');

  let width = root.clientWidth;
  let timer: ReturnType<typeof setTimeout> | undefined;
  window.addEventListener('resize', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (root.clientWidth === width) return;
      width = root.clientWidth;
      const scrollY = window.scrollY;
      shown = renderReport(root, data, { domainUs: shown.domainUs() });
      window.scrollTo(0, scrollY);
      // For tests: how many times the page was drawn for a new width.
      document.documentElement.setAttribute('data-redrawn', String(Number(document.documentElement.getAttribute('data-redrawn') ?? 0) + 1));
    }, 150);
  });
}

try {
  start();
} catch (err) {
  const root = document.getElementById('report') ?? document.body;
  root.appendChild(el('div', { class: 'error-banner' }, `The report viewer failed: ${err instanceof Error ? err.message : String(err)}`));
  throw err;
}
