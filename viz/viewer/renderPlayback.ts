/**
 * The playground's stage: the guided tour, the playback controls (play/pause, speed on a log
 * scale, a scrub bar) and one topology per design, animated in lockstep on one time cursor (the
 * cursor the timeline panels draw, `TimeCursor`). The animation reads each run's playback frames
 * (viz/playback-fold.ts) and never runs the simulation; each animation frame moves the cursor,
 * and every view listening to it sets a few attributes and redraws its dots.
 *
 * `renderStage` may be called again after every run: the speed, the position and the tour step
 * stay (the stage's state lives with the module, not the DOM).
 */
import type { RunView } from '../model.ts';
import { el } from './dom.ts';
import { buildTour, formatClock, type TourStep } from '../tour.ts';
import { renderTour, type TourHandle } from './renderTour.ts';
import { FLOW_COLORS, openScaleOf, renderTopology, type TopologyHandle } from './renderTopology.ts';
import type { TimeCursor } from './timeController.ts';
import { sharedLayout } from '../topology.ts';

export interface StageRun {
  /** The design's name as shown over its topology. */
  label: string;
  view: RunView;
}

export interface StageInput {
  runs: readonly StageRun[];
  /** Which run the tour narrates (the focused design). */
  focus: number;
  cursor: TimeCursor;
}

/** Speeds on a log scale: 10^x simulated seconds per second, x in [SPEED_LOG_MIN, SPEED_LOG_MAX]. */
const SPEED_LOG_MIN = -2;
const SPEED_LOG_MAX = 2;

const stage = {
  playing: false,
  speedLog: 0,
  timeUs: 0,
  tourKey: '',
  tourIndex: 0,
  raf: 0,
  lastWall: 0,
  endUs: 1,
  stopListening: null as (() => void) | null,
};

export function speedOf(log: number): number {
  return 10 ** log;
}

function speedText(log: number): string {
  const s = speedOf(log);
  return `${s >= 10 ? Math.round(s) : s >= 1 ? s.toFixed(s % 1 < 0.05 ? 0 : 1) : s.toPrecision(1)}×`;
}

export function renderStage(root: HTMLElement, input: StageInput): void {
  stage.stopListening?.();
  cancelAnimationFrame(stage.raf);
  root.replaceChildren();
  const runs = input.runs.filter((r) => r.view.playback);
  if (runs.length === 0) return;
  const cursor = input.cursor;
  stage.endUs = Math.max(1, ...runs.map((r) => r.view.endUs));
  if (cursor.timeUs !== null) stage.timeUs = cursor.timeUs;
  stage.timeUs = Math.min(stage.timeUs, stage.endUs);

  root.append(el('h2', {}, runs.length > 1 ? `Topology: ${runs.length} designs in lockstep` : 'Topology'));

  // controls: play/pause, speed (log scale), scrub, where the cursor is
  const play = el('button', { type: 'button', class: 'play-toggle', 'data-testid': 'play-toggle' });
  const speed = el('input', { type: 'range', min: String(SPEED_LOG_MIN), max: String(SPEED_LOG_MAX), step: '0.05', value: String(stage.speedLog), 'data-testid': 'speed', 'aria-label': 'playback speed (log scale)' });
  const speedLabel = el('output', { class: 'speed-label mono' });
  const scrub = el('input', { type: 'range', min: '0', max: String(stage.endUs), step: '1', value: String(stage.timeUs), 'data-testid': 'scrub', 'aria-label': 'time in the run' });
  const readout = el('output', { class: 'play-time mono', 'data-testid': 'play-time' });
  const controls = el('div', { class: 'play-controls' }, play, el('label', { class: 'speed' }, 'speed ', speed, speedLabel), el('label', { class: 'scrub' }, scrub), readout);
  root.append(controls);

  const focus = runs[Math.max(0, Math.min(runs.length - 1, input.focus))] ?? runs[0]!;
  const steps: TourStep[] = buildTour(focus.view);
  const key = `${focus.view.scenario.name}\u0000${focus.view.variant}\u0000${steps.map((s) => s.timeUs).join(',')}`;
  if (key !== stage.tourKey) {
    stage.tourKey = key;
    stage.tourIndex = 0;
  }
  const grid = el('div', { class: `stage-grid n${Math.min(runs.length, 4)}` });
  const topologies: TopologyHandle[] = [];
  const openScale = openScaleOf(runs.map((r) => r.view));
  let tour: TourHandle | null = null;
  tour = renderTour(root, {
    steps,
    label: runs.length > 1 ? `Guided tour of ${focus.label}` : 'Guided tour',
    index: stage.tourIndex,
    onStep: (i) => {
      stage.tourIndex = i;
      const s = steps[i]!;
      pause();
      for (const t of topologies) t.highlight(s.nodes);
      cursor.set(s.timeUs);
    },
  });
  root.append(grid);
  const layout = sharedLayout(runs.map((r) => r.view.playback!));
  // designs side by side while a drawing stays legible at half the width, else one under the other
  grid.className = `stage-grid n${layout.width <= 640 ? Math.min(runs.length, 4) : 1}`;
  for (const r of runs) topologies.push(renderTopology(grid, r.view, { label: r.label, openScale, layout, speed: () => speedOf(stage.speedLog) }));
  root.append(legend());
  const current = steps[stage.tourIndex];
  if (current && stage.tourIndex > 0) for (const t of topologies) t.highlight(current.nodes);

  let textAtMs = -Infinity;
  const show = (t: number): void => {
    stage.timeUs = t;
    for (const topo of topologies) topo.update(t, stage.playing);
    const now = performance.now();
    if (!stage.playing || now - textAtMs >= 125) {
      textAtMs = now;
      if (Number(scrub.value) !== Math.round(t)) scrub.value = String(Math.round(t));
      readout.textContent = `${formatClock(Math.round(t))} / ${formatClock(stage.endUs)}`;
      tour?.at(t);
    }
  };
  const showPlay = (): void => {
    play.textContent = stage.playing ? '❚❚ pause' : '▶ play';
    play.setAttribute('aria-pressed', String(stage.playing));
    speedLabel.textContent = speedText(stage.speedLog);
  };
  function pause(): void {
    stage.playing = false;
    cancelAnimationFrame(stage.raf);
    showPlay();
  }
  const tick = (wall: number): void => {
    if (!stage.playing) return;
    // about 30 frames a second are plenty for dots and leave the page room to breathe
    if (wall - stage.lastWall < 30) {
      stage.raf = requestAnimationFrame(tick);
      return;
    }
    // a late frame (a busy machine) catches up, a stalled tab does not jump far
    const dt = Math.min(0.25, Math.max(0, (wall - stage.lastWall) / 1000));
    stage.lastWall = wall;
    let t = stage.timeUs + dt * speedOf(stage.speedLog) * 1e6;
    if (t >= stage.endUs) {
      t = stage.endUs;
      stage.playing = false;
      showPlay();
    }
    cursor.set(t);
    if (stage.playing) stage.raf = requestAnimationFrame(tick);
  };
  play.onclick = () => {
    if (stage.playing) return pause();
    if (stage.timeUs >= stage.endUs) cursor.set(0);
    stage.playing = true;
    stage.lastWall = performance.now();
    showPlay();
    stage.raf = requestAnimationFrame(tick);
  };
  speed.oninput = () => {
    stage.speedLog = Number(speed.value);
    showPlay();
    show(stage.timeUs);
  };
  scrub.oninput = () => cursor.set(Number(scrub.value));
  stage.stopListening = cursor.listen((t) => show(t ?? stage.timeUs));
  showPlay();
  show(stage.timeUs);
  if (stage.playing) {
    stage.lastWall = performance.now();
    stage.raf = requestAnimationFrame(tick);
  }
}

function legend(): HTMLElement {
  const item = (color: string, label: string, shape: 'dot' | 'cross' | 'box' = 'dot'): HTMLElement => {
    const sw = el('span', { class: `swatch ${shape}` });
    sw.style.setProperty('--c', color);
    return el('span', { class: 'item' }, sw, label);
  };
  return el(
    'div',
    { class: 'topo-legend' },
    item(FLOW_COLORS.request, 'request'),
    item(FLOW_COLORS.retry, 'retry (share of attempts)'),
    item(FLOW_COLORS.reply, 'answer'),
    item(FLOW_COLORS.failed, 'failed answer'),
    item(FLOW_COLORS.failed, 'dropped', 'cross'),
    item('#e3f1df', 'up', 'box'),
    item('#e8c547', 'limping', 'box'),
    item('#8e6bbf', 'paused', 'box'),
    item('#d81b60', 'crashed', 'box'),
    item('#f29e4c', 'restarting', 'box'),
    el('span', { class: 'item note' }, 'a band under the dots: more messages than can be drawn · a red bar across a link: a partition cuts it'),
  );
}
