/**
 * The playground page: pick a scenario, move its params, see the report's views (fault ribbon,
 * swimlanes, metric panels with fault shading, checks, the variant comparison) redrawn for every
 * run, under the report's one-line conclusion. Runs go in Web Workers made from a Blob URL (a
 * file:// page may not load worker files); a newer input terminates the workers still busy with
 * an older one and starts fresh ones, since file:// pages have no SharedArrayBuffer to signal a
 * run to stop. The URL fragment holds the whole state (see state.ts), so a link reproduces the run.
 *
 * Pinning keeps the focused variant's run; "compare with pin" then draws the pinned run and the
 * current one on one time axis, with the key metrics' differences.
 */
import { metricDirection } from '../compare.ts';
import { reportData } from '../data.ts';
import type { RunView } from '../model.ts';
import { formatNumber, formatPercent } from '../viewer/format.ts';
import { renderReport, type RenderedReport } from '../viewer/page.ts';
import { renderStage } from '../viewer/renderPlayback.ts';
import { TimeCursor } from '../viewer/timeController.ts';
import { outcomeText, renderConclusion } from '../viewer/renderComparison.ts';
import { FaultEditor } from './fault-editor.ts';
import type { Entry } from './fault-editor-model.ts';
import { sliderScale } from './scale.ts';
import { formatHash, parseHash, type PlayState } from './state.ts';

type Value = number | boolean | string;
interface ParamMeta {
  type: 'number' | 'boolean' | 'enum';
  default: Value;
  min?: number;
  max?: number;
  integer?: boolean;
  unit?: string;
  description?: string;
  values?: readonly string[];
}
interface ScenarioMeta {
  name: string;
  title?: string;
  description?: string;
  params: Record<string, ParamMeta>;
  variants: Record<string, { description?: string; params: Record<string, Value> }>;
  variantNames: string[];
  presets: Record<string, { description?: string; variant?: string; params?: Record<string, Value> }>;
  /** The fault kinds the scenario declares (the editor's picker lists them first). */
  faultKinds?: string[];
}
interface RunSummary {
  variant: string;
  traceHash: string;
  replay: string;
  faults: unknown[];
}
interface Answer {
  result?: RunSummary;
  view?: RunView;
  error?: string;
  cancelled?: boolean;
  /** Wall-clock milliseconds the worker spent running and folding the view. */
  ranMs?: number;
  viewMs?: number;
}
interface Pinned {
  view: RunView;
  result: RunSummary;
  label: string;
}

// ------------------------------------------------------------------ workers

const workerCode = document.getElementById('faultline-worker')?.textContent ?? '';
const workerUrl = URL.createObjectURL(new Blob([workerCode], { type: 'text/javascript' }));

interface Job {
  msg: Record<string, unknown>;
  resolve: (a: Answer) => void;
}
interface Slot {
  worker: Worker;
  job?: Job;
}

/**
 * A few workers (one per core, at most 4). `cancel()` answers every queued and running job as
 * cancelled and replaces each busy worker by a fresh one: `terminate()` is the only way to stop a
 * run in progress.
 */
class Pool {
  private readonly slots: Slot[] = [];
  private queue: Job[] = [];
  private nextId = 0;
  onMeta: (meta: ScenarioMeta[]) => void = () => {};

  constructor(size: number) {
    for (let i = 0; i < size; i++) this.slots.push({ worker: this.spawn() });
    this.slots[0]!.worker.postMessage({ type: 'meta' });
  }

  private spawn(): Worker {
    const w = new Worker(workerUrl);
    w.onmessage = (ev: MessageEvent) => {
      const m = ev.data as { meta?: ScenarioMeta[] } & Answer;
      if (m.meta) return this.onMeta(m.meta);
      const slot = this.slots.find((s) => s.worker === w);
      const job = slot?.job;
      if (!slot || !job) return;
      slot.job = undefined;
      job.resolve(m);
      this.pump();
    };
    w.onerror = (e: ErrorEvent) => {
      e.preventDefault(); // reported in the page, not as an uncaught error
      const slot = this.slots.find((s) => s.worker === w);
      if (!slot) return;
      const job = slot.job;
      w.terminate();
      slot.worker = this.spawn();
      slot.job = undefined;
      job?.resolve({ error: `the simulation stopped: ${e.message || 'the worker failed'}` });
      this.pump();
    };
    return w;
  }

  run(msg: Record<string, unknown>): Promise<Answer> {
    return new Promise((resolve) => {
      this.queue.push({ msg, resolve });
      this.pump();
    });
  }

  cancel(): void {
    for (const job of this.queue) job.resolve({ cancelled: true });
    this.queue = [];
    for (const slot of this.slots) {
      if (!slot.job) continue;
      slot.worker.terminate();
      slot.job.resolve({ cancelled: true });
      slot.job = undefined;
      slot.worker = this.spawn();
    }
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.job) continue;
      const job = this.queue.shift();
      if (!job) return;
      slot.job = job;
      slot.worker.postMessage({ ...job.msg, id: this.nextId++ });
    }
  }
}

const pool = new Pool(Math.max(1, Math.min(4, navigator.hardwareConcurrency || 2)));

// ------------------------------------------------------------------ state

const app = document.getElementById('app')!;
const statusEl = document.getElementById('status')!;
let metas: Record<string, ScenarioMeta> = {};
let state: PlayState;
/** Messages about input that could not be used (a bad link, a bad plan, a failed run). */
let problems: string[] = [];
let pinned: Pinned | null = null;
let comparePin = false;
let allTimelines = false;
let showMessages = false;
let generation = 0;
let lastFocus: { result: RunSummary; view: RunView } | null = null;
let shown: RenderedReport | null = null;
let shownDomain = '';
/** The scenario and plan of the runs on screen: what an edit the simulator refuses goes back to. */
let drawnPlan: { scenario: string; plan: unknown[] | undefined } | null = null;

/** The plan the runs on screen use: the link's or the editor's, else the focused run's default plan. */
function currentPlan(): Entry[] {
  if (state.plan !== undefined) return state.plan as Entry[];
  return lastFocus && lastFocus.view.scenario.name === state.scenario ? (lastFocus.result.faults as Entry[]) : [];
}

const editor = new FaultEditor({
  plan: () => currentPlan().map((e) => ({ ...e })),
  apply: (plan) => {
    state.plan = plan;
    if (planInput && plan) planInput.value = JSON.stringify(plan, null, 1);
    planDirty = false;
    const summary = app.querySelector('details.plan > summary');
    if (summary) summary.textContent = plan ? 'Fault plan (changed)' : 'Fault plan';
    changed();
  },
  declaredKinds: () => metas[state.scenario]?.faultKinds,
  uiChanged: () => {
    if (!state) return;
    syncEditorState();
    const hash = formatHash(state, { variants: metas[state.scenario]!.variantNames });
    if (location.hash !== hash) history.replaceState(null, '', hash);
  },
});

/** The editor's kind and open entry, into the state the link is made from. */
function syncEditorState(): void {
  const kind = editor.linkKind();
  const entry = editor.selectedIndex();
  if (kind === undefined) delete state.faultKind;
  else state.faultKind = kind;
  if (entry === null) delete state.faultEntry;
  else state.faultEntry = entry;
}

/** After a link is read: the editor picks its kind and opens its entry. */
function restoreEditor(): void {
  if (!editor.restore(state.faultKind, state.faultEntry)) {
    problems = [...problems, `This link picks a fault kind this playground does not have, ${JSON.stringify(String(state.faultKind).slice(0, 40))}; the picker shows the first kind.`];
    delete state.faultKind;
    showProblems();
  }
}

pool.onMeta = (list) => {
  if (Object.keys(metas).length > 0) return;
  metas = Object.fromEntries(list.map((s) => [s.name, s]));
  const link = parseHash(location.hash);
  if (link.error) {
    problems = [link.error];
    state = defaults(undefined);
  } else {
    state = normalize(link.state, link.problems);
  }
  render();
  restoreEditor();
  changed();
};

function defaults(scenario: string | undefined): PlayState {
  const opening = app.dataset.scenario;
  const names = Object.keys(metas);
  const name = scenario && metas[scenario] ? scenario : opening && metas[opening] ? opening : names[0]!;
  const meta = metas[name]!;
  return { scenario: name, variant: meta.variantNames[0]!, variants: [...meta.variantNames], seed: 1, params: {} };
}

/** The state a parsed link asks for, checked against the scenarios; what cannot be used is reported and left at its default. */
function normalize(s: Partial<PlayState>, linkProblems: readonly string[]): PlayState {
  const bad = [...linkProblems];
  if (s.scenario !== undefined && !metas[s.scenario]) {
    problems = [`This link names a scenario this playground does not hold, ${JSON.stringify(s.scenario.slice(0, 60))} (it has ${Object.keys(metas).join(', ')}); showing the default scenario.`];
    return defaults(undefined);
  }
  const base = defaults(s.scenario);
  const meta = metas[base.scenario]!;
  const out: PlayState = { ...base };
  const unknownVariant = (v: string): string => `${meta.name} has no variant ${JSON.stringify(v.slice(0, 40))} (variants: ${meta.variantNames.join(', ')})`;
  if (s.variant !== undefined) {
    if (meta.variantNames.includes(s.variant)) out.variant = s.variant;
    else bad.push(unknownVariant(s.variant));
  }
  if (s.variants !== undefined) {
    for (const v of s.variants) if (!meta.variantNames.includes(v)) bad.push(unknownVariant(v));
    const chosen = meta.variantNames.filter((v) => s.variants!.includes(v) || v === out.variant);
    out.variants = chosen;
  }
  if (s.seed !== undefined) {
    const why = invalidSeed(String(s.seed));
    if (why) bad.push(`seed: ${why}; using 1`);
    else out.seed = s.seed;
  }
  for (const [k, v] of Object.entries(s.params ?? {})) {
    const spec = Object.prototype.hasOwnProperty.call(meta.params, k) ? meta.params[k] : undefined;
    if (!spec) {
      bad.push(`${meta.name} has no param ${JSON.stringify(k.slice(0, 40))}`);
      continue;
    }
    const why = invalidParam(spec, v);
    if (why) {
      bad.push(`param ${k}: ${why}; using the default ${String(spec.default)}`);
      continue;
    }
    out.params[k] = spec.type === 'number' ? Number(v) : spec.type === 'boolean' ? v === true || v === 'true' : String(v);
  }
  if (s.plan !== undefined) out.plan = s.plan;
  if (s.faultKind !== undefined) out.faultKind = s.faultKind;
  if (s.faultEntry !== undefined) out.faultEntry = s.faultEntry;
  problems = bad.length > 0 ? [`Parts of this link could not be used: ${bad.join('; ')}.`] : [];
  return out;
}

/** The value a param has for the focused variant: the link's, the variant's, or the default. */
function valueOf(name: string): Value {
  const meta = metas[state.scenario]!;
  return state.params[name] ?? meta.variants[state.variant]?.params[name] ?? meta.params[name]!.default;
}

function setParam(name: string, v: Value): void {
  const meta = metas[state.scenario]!;
  const base = meta.variants[state.variant]?.params[name] ?? meta.params[name]!.default;
  if (v === base) delete state.params[name];
  else state.params[name] = v;
  app.querySelector(`label[for="param-${CSS.escape(name)}"]`)?.classList.toggle('changed', v !== base);
  changed();
}

/** Which preset buttons describe the current settings (after a param change too). */
function markPresets(): void {
  const meta = metas[state.scenario]!;
  for (const b of app.querySelectorAll<HTMLButtonElement>('.presets button')) {
    const id = b.dataset.testid ?? '';
    if (id.startsWith('preset-variant-')) {
      const v = id.slice('preset-variant-'.length);
      b.setAttribute('aria-pressed', String(state.variant === v && Object.keys(state.params).length === 0 && state.plan === undefined));
    } else {
      const p = meta.presets[id.slice('preset-'.length)];
      if (!p) continue;
      const variant = p.variant ?? state.variant;
      b.setAttribute('aria-pressed', String(variant === state.variant && state.plan === undefined && sameParams(presetParams(meta, p, variant), state.params)));
    }
  }
}

function planFile(): string {
  return `plan-${state.scenario}.json`;
}

function changed(): void {
  markPresets();
  syncEditorState();
  history.replaceState(null, '', formatHash(state, { variants: metas[state.scenario]!.variantNames }));
  void rerun();
}

// ------------------------------------------------------------------ controls

type Props<K extends keyof HTMLElementTagNameMap> = Partial<Omit<HTMLElementTagNameMap[K], 'dataset' | 'style'>> & { testid?: string };

/** An element with properties (never HTML: every string goes in as text or a property). */
function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props<K> = {}, ...children: (Node | string | null)[]): HTMLElementTagNameMap[K] {
  const { testid, ...rest } = props;
  const e = Object.assign(document.createElement(tag), rest);
  if (testid) e.dataset.testid = testid;
  for (const c of children) if (c !== null) e.append(c);
  return e;
}

function button(label: string, testid: string, title: string, onclick: () => void): HTMLButtonElement {
  const b = h('button', { type: 'button', textContent: label, title, testid });
  b.onclick = onclick;
  return b;
}

let problemsEl: HTMLElement;
let cardsEl: HTMLElement;
let diffEl: HTMLElement;
let conclusionEl: HTMLElement;
let reportEl: HTMLElement;
// the topology, its playback and the guided tour (viewer/renderPlayback.ts), on a cursor the timeline panels share
let stageEl: HTMLElement;
const stageCursor = new TimeCursor();
let toolbarEl: HTMLElement;
let planInput: HTMLTextAreaElement;
let planDirty = false;

function render(): void {
  // the controls are rebuilt: keep the keyboard focus on the same control
  const had = document.activeElement instanceof HTMLElement ? document.activeElement.dataset.testid : undefined;
  build();
  if (had) app.querySelector<HTMLElement>(`[data-testid="${CSS.escape(had)}"]`)?.focus();
}

function build(): void {
  const meta = metas[state.scenario]!;
  const aside = h('aside', { id: 'controls', ariaLabel: 'Settings' });

  const pick = h('select', { id: 'scenario', testid: 'scenario-select' });
  for (const n of Object.keys(metas)) pick.append(h('option', { value: n, textContent: n, selected: n === state.scenario }));
  pick.onchange = () => {
    problems = [];
    state = defaults(pick.value);
    pinned = null;
    comparePin = false;
    render();
    changed();
  };
  aside.append(h('label', { htmlFor: 'scenario', textContent: 'Scenario' }), pick);
  if (meta.title) aside.append(h('p', { className: 'desc', textContent: meta.title }));

  // presets: each variant as it is designed, then the scenario's own (healthy / trigger / overload)
  const presets = h('div', { className: 'presets', role: 'group', ariaLabel: 'Presets' });
  for (const v of meta.variantNames) {
    const b = button(v, `preset-variant-${v}`, meta.variants[v]?.description ?? `the ${v} variant at its own settings`, () => {
      state = { ...state, variant: v, variants: state.variants.includes(v) ? state.variants : meta.variantNames.filter((n) => n === v || state.variants.includes(n)), params: {}, plan: undefined };
      render();
      changed();
    });
    presets.append(b);
  }
  for (const [name, p] of Object.entries(meta.presets)) {
    const b = button(name, `preset-${name}`, p.description ?? name, () => {
      const variant = p.variant ?? state.variant;
      state = { ...state, variant, variants: meta.variantNames.filter((n) => n === variant || state.variants.includes(n)), params: presetParams(meta, p, variant), plan: undefined };
      render();
      changed();
    });
    b.className = 'preset';
    presets.append(b);
  }
  aside.append(h('div', { className: 'label', textContent: 'Presets' }), presets);

  const focus = h('select', { id: 'variant', testid: 'variant-select' });
  for (const v of meta.variantNames) focus.append(h('option', { value: v, textContent: v, selected: v === state.variant }));
  focus.onchange = () => {
    state.variant = focus.value;
    if (!state.variants.includes(focus.value)) state.variants = meta.variantNames.filter((n) => n === focus.value || state.variants.includes(n));
    render();
    changed();
  };
  aside.append(h('label', { htmlFor: 'variant', textContent: 'Variant' }), focus);
  const about = meta.variants[state.variant]?.description;
  if (about) aside.append(h('p', { className: 'desc', textContent: about }));

  const side = h('fieldset', { className: 'side' }, h('legend', { textContent: 'Side by side' }));
  for (const v of meta.variantNames) {
    const box = h('input', { type: 'checkbox', id: `variant-${v}`, checked: state.variants.includes(v), disabled: v === state.variant, value: v, className: 'variant', testid: `variant-${v}` });
    box.onchange = () => {
      state.variants = meta.variantNames.filter((n) => (n === v ? box.checked : state.variants.includes(n)));
      changed();
    };
    side.append(h('div', { className: 'row', title: meta.variants[v]?.description ?? '' }, box, h('label', { htmlFor: `variant-${v}`, className: 'inline', textContent: v })));
  }
  aside.append(side);
  // what to draw: a redraw of the message diagram costs more than all the other views together
  const views = h('fieldset', { className: 'side' }, h('legend', { textContent: 'Views' }));
  const toggle = (id: string, text: string, get: () => boolean, set: (on: boolean) => void, rerunToo: boolean): void => {
    const box = h('input', { type: 'checkbox', id, checked: get(), testid: id });
    box.onchange = () => {
      set(box.checked);
      if (rerunToo) changed();
      else if (lastDraw) draw(...lastDraw);
    };
    views.append(h('div', { className: 'row' }, box, h('label', { htmlFor: id, className: 'inline', textContent: text })));
  };
  toggle('all-timelines', 'every variant’s timeline, not only the focused one', () => allTimelines, (on) => (allTimelines = on), false);
  // the message records are kept only for the diagram (the summary trace level otherwise): switching it on re-runs
  toggle('show-messages', 'message diagram (slower to redraw)', () => showMessages, (on) => (showMessages = on), true);
  aside.append(views);

  const seed = h('input', { type: 'text', id: 'seed', value: String(state.seed), testid: 'seed-input', spellcheck: false, autocomplete: 'off' });
  const seedMsg = h('p', { className: 'field-error', hidden: true });
  seed.oninput = () => {
    const t = seed.value.trim();
    const why = invalidSeed(t);
    seed.setAttribute('aria-invalid', String(why !== undefined));
    seedMsg.hidden = why === undefined;
    seedMsg.textContent = why ?? '';
    if (why) return;
    state.seed = /^-?\d{1,15}$/.test(t) ? Number(t) : t;
    changed();
  };
  const fresh = button('new seed', 'new-seed', 'run again with another random seed', () => {
    const a = new Uint32Array(1);
    crypto.getRandomValues(a);
    state.seed = (a[0]! % 2_147_483_646) + 1;
    seed.value = String(state.seed);
    seedMsg.hidden = true;
    seed.removeAttribute('aria-invalid');
    changed();
  });
  aside.append(h('label', { htmlFor: 'seed', textContent: 'Seed' }), h('div', { className: 'row' }, seed, fresh), seedMsg);

  const params = h('fieldset', { className: 'params' }, h('legend', { textContent: 'Params' }));
  for (const [name, spec] of Object.entries(meta.params)) params.append(...paramControl(name, spec));
  aside.append(params);

  aside.append(planEditor());
  aside.append(
    h(
      'div',
      { className: 'row end' },
      button('reset', 'reset', 'back to this scenario’s defaults: first variant, every variant side by side, seed 1, default params and plan', () => {
        problems = [];
        state = defaults(state.scenario);
        render();
        changed();
      }),
    ),
  );
  if (meta.description) aside.append(h('details', {}, h('summary', { textContent: 'About this scenario' }), h('p', { className: 'desc pre', textContent: meta.description })));

  problemsEl = h('div', { id: 'problems' });
  toolbarEl = h('div', { className: 'toolbar' });
  conclusionEl = h('div', { id: 'conclusion' });
  cardsEl = h('section', { className: 'pg-cards', id: 'runs', ariaLabel: 'Runs' });
  diffEl = h('section', { id: 'pin-diff-section' });
  reportEl = h('main', { id: 'report' });
  editor.setScenario(state.scenario);
  stageEl = h('section', { id: 'pg-stage', ariaLabel: 'Topology, playback and guided tour' });
  const results = h('div', { className: 'pg-main' }, problemsEl, conclusionEl, toolbarEl, cardsEl, diffEl, stageEl, reportEl, editor.dock);
  app.replaceChildren(aside, results);
  showProblems();
  renderToolbar();
}

/** A preset's params as overrides: those that differ from what the variant has anyway. */
function presetParams(meta: ScenarioMeta, p: ScenarioMeta['presets'][string], variant: string): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const [k, v] of Object.entries(p.params ?? {})) if (v !== (meta.variants[variant]?.params[k] ?? meta.params[k]?.default)) out[k] = v;
  return out;
}

function sameParams(a: Record<string, Value>, b: Record<string, Value>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

function showProblems(): void {
  problemsEl.replaceChildren(...problems.map((p) => h('p', { className: 'error', textContent: p, role: 'alert', testid: 'error-message' })));
}

/** A number param's slider (log-scale for a wide range) and number box; both move together. */
function paramControl(name: string, spec: ParamMeta): Node[] {
  const id = `param-${name}`;
  const label = h('label', { htmlFor: id, textContent: spec.unit ? `${name} (${spec.unit})` : name, title: `default ${String(spec.default)}` });
  if (state.params[name] !== undefined) label.classList.add('changed');
  const nodes: Node[] = [label];
  if (spec.description) nodes.push(h('p', { className: 'desc', textContent: spec.description }));
  const value = valueOf(name);
  if (spec.type === 'number') {
    const scale = sliderScale(spec);
    const box = h('input', { type: 'number', id, value: String(value), testid: id, min: spec.min !== undefined ? String(spec.min) : '', max: spec.max !== undefined ? String(spec.max) : '', step: spec.integer ? '1' : 'any' });
    box.dataset.param = name;
    const slider = h('input', { type: 'range', min: '0', max: String(scale.steps), step: '1', value: String(scale.toPos(Number(value))), testid: `${id}-slider`, ariaLabel: `${name} slider${scale.log ? ' (log scale)' : ''}` });
    if (scale.log) slider.classList.add('log');
    const msg = h('p', { className: 'field-error', hidden: true });
    let current = Number(value);
    slider.oninput = () => {
      const pos = Number(slider.value);
      let v = scale.fromPos(pos);
      // an integer on a log scale: a step of the slider (an arrow key) is at least the next integer
      if (v === current && spec.integer && pos !== scale.toPos(current)) {
        v = Math.min(spec.max ?? Infinity, Math.max(spec.min ?? -Infinity, current + (pos > scale.toPos(current) ? 1 : -1)));
        slider.value = String(scale.toPos(v));
      }
      if (v === current) return;
      current = v;
      box.value = String(v);
      box.removeAttribute('aria-invalid');
      msg.hidden = true;
      slider.ariaValueText = String(v);
      setParam(name, v);
    };
    box.oninput = () => {
      const why = box.value.trim() === '' ? 'a number is required' : invalidParam(spec, box.value);
      box.setAttribute('aria-invalid', String(why !== undefined));
      msg.hidden = why === undefined;
      msg.textContent = why ? `${why}; valid: ${describe(spec)}` : '';
      if (why) return;
      const v = Number(box.value);
      current = v;
      slider.value = String(scale.toPos(v));
      setParam(name, v);
    };
    nodes.push(h('div', { className: 'row' }, slider, box), msg);
  } else if (spec.type === 'boolean') {
    const input = h('input', { type: 'checkbox', id, checked: value === true, testid: id });
    input.dataset.param = name;
    input.onchange = () => setParam(name, input.checked);
    nodes.splice(0, 1, h('div', { className: 'row' }, input, label));
  } else {
    const input = h('select', { id, testid: id });
    input.dataset.param = name;
    for (const v of spec.values ?? []) input.append(h('option', { value: v, textContent: v, selected: v === value }));
    input.onchange = () => setParam(name, input.value);
    nodes.push(input);
  }
  return nodes;
}

function planEditor(): HTMLElement {
  const custom = state.plan !== undefined;
  planInput = h('textarea', { id: 'plan', rows: 6, spellcheck: false, testid: 'plan-input', ariaLabel: 'Fault plan (JSON)' });
  planInput.value = custom ? JSON.stringify(state.plan, null, 1) : lastFocus && lastFocus.view.scenario.name === state.scenario ? JSON.stringify(lastFocus.result.faults, null, 1) : '';
  planDirty = false;
  planInput.oninput = () => (planDirty = true);
  const apply = button('apply plan', 'plan-apply', 'run with this fault plan instead of the default one', () => {
    let value: unknown;
    try {
      value = JSON.parse(planInput.value);
    } catch (err) {
      problems = [`The fault plan is not JSON (${err instanceof Error ? err.message.slice(0, 120) : 'parse error'}); the plan in use is unchanged.`];
      showProblems();
      return;
    }
    if (!Array.isArray(value)) {
      problems = ['The fault plan must be a JSON array of entries such as {"at": "3s", "kind": "crash", "target": "backend"}; the plan in use is unchanged.'];
      showProblems();
      return;
    }
    problems = [];
    state.plan = lastFocus && !state.plan && JSON.stringify(value) === JSON.stringify(lastFocus.result.faults) ? undefined : value;
    render();
    changed();
  });
  const reset = button('default plan', 'plan-default', 'the scenario’s own fault plan', () => {
    state.plan = undefined;
    render();
    changed();
  });
  const d = h(
    'details',
    { className: 'plan', open: custom },
    h('summary', { textContent: custom ? 'Fault plan (changed)' : 'Fault plan' }),
    h('p', { className: 'desc', textContent: 'The plan every variant runs with, as faultline run --faults reads it. Edit it and apply; the link and the replay command carry it.' }),
    planInput,
    h('div', { className: 'row' }, apply, reset),
  );
  return d;
}

function renderToolbar(): void {
  const items: Node[] = [];
  items.push(
    button('pin', 'pin', 'keep this run (the focused variant) to compare later settings with it', () => {
      if (!lastFocus) return;
      pinned = { view: lastFocus.view, result: lastFocus.result, label: settingsLabel() };
      comparePin = true;
      renderToolbar();
      changed();
    }),
  );
  if (pinned) {
    const box = h('input', { type: 'checkbox', id: 'compare-pin', checked: comparePin, testid: 'compare-pin' });
    box.onchange = () => {
      comparePin = box.checked;
      changed();
    };
    items.push(
      h('span', { className: 'row' }, box, h('label', { htmlFor: 'compare-pin', className: 'inline', textContent: 'compare with the pinned run' })),
      button('unpin', 'unpin', 'forget the pinned run', () => {
        pinned = null;
        comparePin = false;
        renderToolbar();
        changed();
      }),
      h('span', { className: 'desc', textContent: `pinned: ${pinned.label}` }),
    );
  }
  toolbarEl.replaceChildren(...items);
}

/** The settings in a few words: what a pin or a comparison is labelled with. */
function settingsLabel(): string {
  const p = Object.entries(state.params).map(([k, v]) => `${k}=${String(v)}`);
  return [state.variant, `seed ${String(state.seed)}`, ...p, ...(state.plan ? ['own plan'] : [])].join(' · ');
}

// ------------------------------------------------------------------ runs

/**
 * Finished runs by their inputs, the most recent last: the simulation is deterministic, so the same
 * scenario, variant, seed, params and plan give the same run, and going back to settings seen a
 * moment ago (a variant ticked again, a slider moved back, unpinning) costs no run.
 */
const remembered = new Map<string, Answer>();
const REMEMBERED_MAX = 24;

function remember(key: string, a: Answer): void {
  remembered.set(key, a);
  while (remembered.size > REMEMBERED_MAX) remembered.delete(remembered.keys().next().value!);
}

async function rerun(): Promise<void> {
  const gen = ++generation;
  const started = performance.now();
  pool.cancel();
  statusEl.textContent = 'running…';
  document.body.dataset.state = 'running';
  const compare = comparePin && pinned !== null;
  const variants = compare ? [state.variant] : state.variants;
  const plan = state.plan;
  const answers = await Promise.all(
    variants.map((variant) => {
      const msg = { type: 'run', scenario: state.scenario, variant, seed: state.seed, params: { ...state.params }, messages: showMessages, ...(plan !== undefined ? { plan, planFile: planFile() } : {}) };
      const key = JSON.stringify([msg.scenario, variant, msg.seed, Object.entries(msg.params).sort(([a], [b]) => (a < b ? -1 : 1)), plan ?? null, showMessages]);
      const hit = remembered.get(key);
      if (hit) {
        remembered.delete(key); // most recently used last
        remembered.set(key, hit);
        return Promise.resolve(hit);
      }
      return pool.run(msg).then((a) => {
        if (a.result && a.view) remember(key, a);
        return a;
      });
    }),
  );
  if (gen !== generation || answers.some((a) => a.cancelled)) return; // a newer input is running
  const failed = answers.find((a) => a.error);
  if (failed && plan !== undefined && drawnPlan && drawnPlan.scenario === state.scenario && JSON.stringify(drawnPlan.plan) !== JSON.stringify(plan)) {
    // an edit the simulator refuses when it builds the run (a node it does not have): the runs on
    // screen stay, the plan goes back to theirs, and the editor says why
    state.plan = drawnPlan.plan;
    history.replaceState(null, '', formatHash(state, { variants: metas[state.scenario]!.variantNames }));
    markPresets();
    editor.refused(currentPlan(), failed.error!);
    statusEl.textContent = 'not run: the simulator refused the fault plan (see the fault plan editor)';
    document.body.dataset.state = 'done';
    return;
  }
  if (failed && plan !== undefined) {
    // a plan the simulator refuses: say why, and go back to the default plan
    problems = [`The fault plan could not be used: ${failed.error}. Showing the default plan.`];
    state.plan = undefined;
    render();
    changed();
    return;
  }
  const focusIndex = Math.max(0, variants.indexOf(state.variant));
  const focus = answers[focusIndex];
  if (focus?.result && focus.view) lastFocus = { result: focus.result, view: focus.view };
  if (!planDirty && state.plan === undefined && lastFocus) planInput.value = JSON.stringify(lastFocus.result.faults, null, 1);
  const simulated = performance.now();
  draw(variants, answers, compare, focusIndex);
  const ms = Math.round(performance.now() - started);
  document.body.dataset.timing = JSON.stringify({ runs: answers.map((a) => [Math.round(a.ranMs ?? 0), Math.round(a.viewMs ?? 0)]), waitMs: Math.round(simulated - started), drawMs: Math.round(performance.now() - simulated) });
  statusEl.textContent = `${state.scenario} · seed ${String(state.seed)} · ${variants.length} run${variants.length === 1 ? '' : 's'} in ${ms} ms`;
  document.body.dataset.state = 'done';
  document.body.dataset.runs = String(Number(document.body.dataset.runs ?? 0) + 1);
  document.body.dataset.lastRunMs = String(ms);
}

let lastDraw: Parameters<typeof draw> | null = null;

function draw(variants: readonly string[], answers: readonly Answer[], compare: boolean, focusIndex: number): void {
  lastDraw = [variants, answers, compare, focusIndex];
  showProblems();
  cardsEl.replaceChildren(...variants.map((v, i) => runCard(v, answers[i]!, i === focusIndex)));
  if (compare && pinned) cardsEl.prepend(pinnedCard(pinned));
  const ok = answers.filter((a) => a.view).map((a) => a.view!);
  diffEl.replaceChildren();
  conclusionEl.replaceChildren();
  if (ok.length === 0) {
    reportEl.replaceChildren();
    stageEl.replaceChildren();
    shown = null;
    return;
  }
  let views: RunView[];
  let sections: number[] | undefined;
  if (compare && pinned && answers[0]?.view) {
    const now = answers[0].view;
    views = [
      { ...pinned.view, variant: 'pinned', variantDescription: pinned.label },
      { ...now, variant: 'now', variantDescription: settingsLabel() },
    ];
    sections = [1];
    diffEl.append(pinDiff(pinned.view, now));
  } else {
    views = ok;
    const focusView = answers[focusIndex]?.view;
    sections = allTimelines ? undefined : focusView ? [ok.indexOf(focusView)] : [];
  }
  const data = reportData(views);
  renderConclusion(conclusionEl, data.runs);
  conclusionEl.querySelector('.conclusion')?.setAttribute('data-testid', 'conclusion');
  // keep the reader's zoom while the time axis stays the same
  const domainKey = JSON.stringify(data.domainUs);
  const zoom = shown && domainKey === shownDomain ? shown.domainUs() : undefined;
  // only a window the reader chose: setting the whole domain again would draw every panel twice
  const keep = zoom && (zoom[0] !== data.domainUs[0] || zoom[1] !== data.domainUs[1]) ? zoom : undefined;
  const scrollY = window.scrollY;
  shown = renderReport(reportEl, data, { ...(keep ? { domainUs: keep } : {}), ...(sections ? { runSections: sections } : {}), cursor: stageCursor });
  renderStage(stageEl, { runs: views.map((v) => ({ label: v.variant, view: v })), focus: compare ? 1 : Math.max(0, views.indexOf(answers[focusIndex]?.view ?? views[0]!)), cursor: stageCursor });
  shownDomain = domainKey;
  drawnPlan = { scenario: state.scenario, plan: state.plan };
  editor.attach(reportEl, views, state.plan === undefined);
  // the plan on screen, for views drawn outside the report (the topology): entries as written, sorted by start
  document.dispatchEvent(new CustomEvent('faultline:plan', { detail: { plan: currentPlan(), selected: editor.selectedIndex() } }));
  window.scrollTo(0, scrollY);
}

function runCard(variant: string, a: Answer, focused: boolean): HTMLElement {
  const card = h('div', { className: `pg-card${focused ? ' focus' : ''}`, testid: 'run-card' });
  card.dataset.variant = variant;
  card.append(h('h3', { textContent: focused ? `${variant} (focused)` : variant }));
  if (a.error || !a.result || !a.view) {
    card.append(h('p', { className: 'error', textContent: a.error ?? 'no result' }));
    return card;
  }
  const r = a.result;
  const v = a.view;
  const failing = v.checks.some((c) => c.status === 'fail');
  card.append(
    h('span', { className: `chip ${failing ? 'fail' : v.checks.some((c) => c.status === 'unknown') ? 'unknown' : 'ok'}`, textContent: outcomeText(v) }),
  );
  const figures = h('div', { className: 'figures' });
  const figure = (name: string, label: string, text: string): void => {
    const f = h('span', { className: 'figure' }, `${label} `, h('strong', { textContent: text }));
    f.dataset.metric = name;
    figures.append(f);
  };
  figure('availability', 'availability', formatPercent(v.summary.availability));
  figure('latencyMs.p99', 'p99', `${formatNumber(v.summary.latencyMs.p99)} ms`);
  figure('requests', 'requests', formatNumber(v.summary.requests));
  figure('retries', 'retries', formatNumber(v.summary.retries));
  card.append(figures);
  const hash = h('code', { textContent: r.traceHash, testid: 'run-hash' });
  hash.dataset.traceHash = r.traceHash;
  card.append(h('div', { className: 'hash' }, 'trace hash ', hash));
  card.append(h('div', { className: 'hash' }, h('code', { textContent: r.replay, testid: 'replay-command' })));
  if (focused && state.plan !== undefined) {
    card.append(
      button('download plan', 'download-plan', `save the fault plan as ${planFile()}, the file the replay command reads`, () => {
        const blob = new Blob([`${JSON.stringify(state.plan, null, 2)}\n`], { type: 'application/json' });
        const a = h('a', { href: URL.createObjectURL(blob), download: planFile() });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
      }),
    );
  }
  return card;
}

function pinnedCard(p: Pinned): HTMLElement {
  const card = h('div', { className: 'pg-card pinned', testid: 'pinned-card' });
  card.append(h('h3', { textContent: 'pinned' }), h('p', { className: 'desc', textContent: p.label }));
  card.append(h('div', { className: 'hash' }, 'trace hash ', h('code', { textContent: p.result.traceHash, testid: 'pinned-hash' })));
  card.append(h('div', { className: 'hash' }, h('code', { textContent: p.result.replay })));
  return card;
}

/** The key metrics of the pinned run and the current one, and their difference. */
function pinDiff(before: RunView, now: RunView): HTMLElement {
  const rows: { name: string; a: unknown; b: unknown; better?: 'higher' | 'lower'; pct?: boolean }[] = [
    { name: 'availability', a: before.summary.availability, b: now.summary.availability, better: 'higher', pct: true },
    { name: 'requests', a: before.summary.requests, b: now.summary.requests },
    { name: 'failed', a: before.summary.failed, b: now.summary.failed, better: 'lower' },
    { name: 'retries', a: before.summary.retries, b: now.summary.retries, better: 'lower' },
    { name: 'p50 latency (ms)', a: before.summary.latencyMs.p50, b: now.summary.latencyMs.p50, better: 'lower' },
    { name: 'p99 latency (ms)', a: before.summary.latencyMs.p99, b: now.summary.latencyMs.p99, better: 'lower' },
  ];
  const standard = new Set(['availability', 'requests', 'latencyMs.p50', 'latencyMs.p99']);
  for (const k of now.keyMetrics) {
    if (standard.has(k.name)) continue;
    const old = before.keyMetrics.find((m) => m.name === k.name);
    const better = k.better ?? metricDirection(k.name);
    rows.push({ name: k.name, a: old?.value, b: k.value, ...(better ? { better } : {}), pct: /availability/i.test(k.name) });
  }
  const show = (v: unknown, pct?: boolean): string => (typeof v === 'number' ? (pct ? formatPercent(v) : formatNumber(v)) : v === undefined || v === null ? '–' : String(v));
  const body = h('tbody');
  for (const r of rows) {
    let diff = '';
    let cls = '';
    if (typeof r.a === 'number' && typeof r.b === 'number' && Number.isFinite(r.a) && Number.isFinite(r.b)) {
      const d = r.b - r.a;
      diff = d === 0 ? '=' : `${d > 0 ? '+' : '−'}${r.pct ? `${formatNumber(Math.abs(d) * 100)} pt` : formatNumber(Math.abs(d))}${r.a !== 0 && !r.pct ? ` (${d > 0 ? '+' : '−'}${formatNumber(Math.abs(d / r.a) * 100, 2)}%)` : ''}`;
      if (d !== 0 && r.better) cls = (d > 0) === (r.better === 'higher') ? 'better' : 'worse';
    } else if (r.a !== r.b) diff = 'changed';
    const row = h('tr', {}, h('th', { scope: 'row', textContent: r.name }), h('td', { textContent: show(r.a, r.pct) }), h('td', { textContent: show(r.b, r.pct) }), h('td', { className: cls, textContent: diff }));
    row.dataset.metric = r.name;
    body.append(row);
  }
  const table = h(
    'table',
    { className: 'data pin-diff', testid: 'pin-diff' },
    h('thead', {}, h('tr', {}, h('th', { textContent: '' }), h('th', { scope: 'col', textContent: 'pinned' }), h('th', { scope: 'col', textContent: 'now' }), h('th', { scope: 'col', textContent: 'difference' }))),
    body,
  );
  return h('div', {}, h('h2', { textContent: 'Now against the pinned run' }), h('p', { className: 'caption', textContent: `pinned: ${pinned?.label ?? ''}; now: ${settingsLabel()}. Green is better, red worse, where the metric says which way is better.` }), table);
}

// ------------------------------------------------------------------ validation

function describe(spec: ParamMeta): string {
  if (spec.type === 'number') return `${spec.integer ? 'an integer' : 'a number'} in [${spec.min ?? '-∞'}, ${spec.max ?? '∞'}]${spec.unit ? ` ${spec.unit}` : ''}`;
  if (spec.type === 'boolean') return 'true or false';
  return `one of ${(spec.values ?? []).join(', ')}`;
}

function invalidSeed(t: string): string | undefined {
  if (t === '') return 'a seed is required (an integer or a word)';
  if (t.length > 64) return 'a seed has at most 64 characters';
  if (/^-?\d+$/.test(t) && !Number.isSafeInteger(Number(t))) return `${t} is too large for an integer seed`;
  if (/[\s\u0000-\u001f]/.test(t)) return 'a seed has no spaces or control characters';
  return undefined;
}

function invalidParam(spec: ParamMeta, v: unknown): string | undefined {
  if (spec.type === 'number') {
    const s = String(v).trim();
    const n = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(s) ? Number(s) : NaN;
    if (typeof v === 'boolean' || !Number.isFinite(n)) return `${JSON.stringify(s.slice(0, 30))} is not a number`;
    if (spec.integer && !Number.isInteger(n)) return `${n} is not an integer`;
    if (spec.min !== undefined && n < spec.min) return `${n} is below the minimum ${spec.min}`;
    if (spec.max !== undefined && n > spec.max) return `${n} is above the maximum ${spec.max}`;
    return undefined;
  }
  if (spec.type === 'boolean') return v === true || v === false || v === 'true' || v === 'false' ? undefined : `${JSON.stringify(String(v).slice(0, 30))} is not true or false`;
  return (spec.values ?? []).includes(String(v)) ? undefined : `${JSON.stringify(String(v).slice(0, 30))} is not one of ${(spec.values ?? []).join(', ')}`;
}

// redraw for a new width, keeping the zoom
let resizeTimer: ReturnType<typeof setTimeout> | undefined;
let lastWidth = window.innerWidth;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    if (window.innerWidth === lastWidth || !lastDraw) return;
    lastWidth = window.innerWidth;
    draw(...lastDraw);
  }, 200);
});
// a link pasted into the address bar of an open playground
window.addEventListener('hashchange', () => {
  if (!state || location.hash === formatHash(state, { variants: metas[state.scenario]!.variantNames })) return;
  const link = parseHash(location.hash);
  if (link.error) {
    problems = [link.error];
    state = defaults(undefined);
  } else state = normalize(link.state, link.problems);
  render();
  restoreEditor();
  changed();
});
