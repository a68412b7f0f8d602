/**
 * The playground page: pick a scenario, move its params, see every chosen variant's run side by
 * side. Each change re-runs at once in the Web Worker (a stale answer is dropped); the URL hash
 * holds the whole run (scenario, variants, seed, changed params) so a shared link reproduces it.
 */
import { formatHash, parseHash, type PlayState } from './state.ts';

interface ParamMeta {
  type: 'number' | 'boolean' | 'enum';
  default: number | boolean | string;
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
  variants: Record<string, { description?: string }>;
  variantNames: string[];
}
interface Check {
  name: string;
  status: string;
  expected: 'ok' | 'fail';
  detail: string;
}
interface Result {
  variant: string;
  traceHash: string;
  stats: { events: number; simTimeMs: number };
  metrics: { requests: number; ok: number; failed: number; availability: number; latencyMs: Record<string, number> };
  checks: Check[];
  replay: string;
}

const app = document.getElementById('app')!;
const statusEl = document.getElementById('status')!;
const workerCode = document.getElementById('faultline-worker')!.textContent ?? '';
const worker = new Worker(URL.createObjectURL(new Blob([workerCode], { type: 'text/javascript' })));

let metas: Record<string, ScenarioMeta> = {};
let state: PlayState;
let generation = 0;
let nextId = 0;
const pending = new Map<number, (m: { result?: Result; error?: string }) => void>();

worker.onmessage = (ev: MessageEvent) => {
  const m = ev.data as { meta?: ScenarioMeta[]; id?: number; result?: Result; error?: string };
  if (m.meta) {
    metas = Object.fromEntries(m.meta.map((s) => [s.name, s]));
    const asked = parseHash(location.hash);
    state = normalize(asked);
    if (location.hash.length > 1 && !asked.scenario) problem = `This link is not a playground link (${location.hash.slice(0, 60)}); showing the default scenario.`;
    render();
    void rerun();
    return;
  }
  const cb = pending.get(m.id!);
  pending.delete(m.id!);
  cb?.(m);
};
worker.onerror = (e) => {
  statusEl.textContent = `worker failed: ${e.message}`;
};

/** What was wrong with the link, shown above the controls (the page falls back to defaults). */
let problem = '';

function normalize(s: Partial<PlayState>): PlayState {
  const names = Object.keys(metas);
  const bad: string[] = [];
  if (s.scenario && !metas[s.scenario]) bad.push(`unknown scenario ${JSON.stringify(s.scenario)} (this playground has ${names.join(', ')})`);
  const opening = app.dataset.scenario;
  const scenario = s.scenario && metas[s.scenario] ? s.scenario : opening && metas[opening] ? opening : names[0]!;
  const meta = metas[scenario]!;
  for (const v of s.variants ?? []) if (!meta.variantNames.includes(v)) bad.push(`${scenario} has no variant ${JSON.stringify(v)} (variants: ${meta.variantNames.join(', ')})`);
  const variants = (s.variants ?? []).filter((v) => meta.variantNames.includes(v));
  const params: Record<string, number | boolean | string> = {};
  for (const [k, v] of Object.entries(s.params ?? {})) {
    const spec = meta.params[k];
    if (!spec) {
      bad.push(`${scenario} has no param ${JSON.stringify(k)}`);
      continue;
    }
    const why = invalidParam(spec, v);
    if (why) {
      bad.push(`param ${k}: ${why}; using the default ${String(spec.default)}`);
      continue;
    }
    params[k] = spec.type === 'number' ? Number(v) : spec.type === 'boolean' ? v === true || v === 'true' : String(v);
  }
  problem = bad.length > 0 ? `This link could not be used as it is: ${bad.join('; ')}.` : '';
  return { scenario, variants: variants.length > 0 ? variants : [...meta.variantNames], seed: s.seed ?? 1, params };
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

function changed(): void {
  history.replaceState(null, '', formatHash(state));
  void rerun();
}

let resultsEl: HTMLElement;

function render(): void {
  const meta = metas[state.scenario]!;
  const aside = el('aside');
  const pick = el('select', { id: 'scenario' });
  for (const n of Object.keys(metas)) pick.append(el('option', { value: n, textContent: n, selected: n === state.scenario }));
  pick.onchange = () => {
    state = normalize({ scenario: pick.value, seed: state.seed });
    render();
    changed();
  };
  aside.append(el('label', { htmlFor: 'scenario', textContent: 'Scenario' }), pick);
  pick.dataset.testid = 'scenario-select';
  if (meta.title) aside.append(el('p', { className: 'desc', textContent: meta.title }));
  if (meta.description) aside.append(el('details', {}, el('summary', { textContent: 'About this scenario' }), el('p', { className: 'desc', textContent: meta.description })));
  if (problem) {
    const msg = el('p', { className: 'error', textContent: problem });
    msg.dataset.testid = 'error-message';
    aside.prepend(msg);
  }

  aside.append(el('label', { textContent: 'Variants' }));
  for (const v of meta.variantNames) {
    const box = el('input', { type: 'checkbox', checked: state.variants.includes(v), value: v, className: 'variant' });
    box.dataset.testid = `variant-${v}`;
    box.onchange = () => {
      const chosen = meta.variantNames.filter((n) => (n === v ? box.checked : state.variants.includes(n)));
      if (chosen.length === 0) {
        box.checked = true;
        return;
      }
      state.variants = chosen;
      changed();
    };
    aside.append(el('div', { className: 'row', title: meta.variants[v]?.description ?? '' }, box, el('span', { textContent: v })));
  }

  const seed = el('input', { type: 'text', id: 'seed', value: String(state.seed) });
  seed.dataset.testid = 'seed-input';
  seed.oninput = () => {
    const t = seed.value.trim();
    if (t === '') return;
    state.seed = /^-?\d+$/.test(t) ? Number(t) : t;
    changed();
  };
  aside.append(el('label', { htmlFor: 'seed', textContent: 'Seed' }), seed);

  for (const [name, spec] of Object.entries(meta.params)) aside.append(...paramControl(name, spec));
  resultsEl = el('section', { className: 'results', id: 'results' });
  app.replaceChildren(aside, resultsEl);
}

function paramControl(name: string, spec: ParamMeta): Node[] {
  const id = `param-${name}`;
  const label = el('label', { htmlFor: id, textContent: spec.unit ? `${name} (${spec.unit})` : name });
  const nodes: Node[] = [label];
  if (spec.description) nodes.push(el('p', { className: 'desc', textContent: spec.description }));
  const value = state.params[name] ?? spec.default;
  const tag = (e: HTMLElement): void => {
    e.dataset.param = name;
    e.dataset.testid = `param-${name}`;
  };
  if (spec.type === 'number') {
    const lo = spec.min ?? 0;
    const hi = spec.max ?? Math.max(1, (spec.default as number) * 4);
    const input = el('input', { type: 'range', id, min: String(lo), max: String(hi), step: spec.integer ? '1' : String((hi - lo) / 200), value: String(value) });
    tag(input);
    const out = el('output', { textContent: String(value) });
    input.oninput = () => {
      state.params[name] = Number(input.value);
      out.textContent = input.value;
      changed();
    };
    nodes.push(el('div', { className: 'row' }, input, out));
  } else if (spec.type === 'boolean') {
    const input = el('input', { type: 'checkbox', id, checked: value === true });
    tag(input);
    input.onchange = () => {
      state.params[name] = input.checked;
      changed();
    };
    nodes.push(input);
  } else {
    const input = el('select', { id });
    tag(input);
    for (const v of spec.values ?? []) input.append(el('option', { value: v, textContent: v, selected: v === value }));
    input.onchange = () => {
      state.params[name] = input.value;
      changed();
    };
    nodes.push(input);
  }
  return nodes;
}

function runOne(variant: string): Promise<{ result?: Result; error?: string }> {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    worker.postMessage({ id, scenario: state.scenario, variant, seed: state.seed, params: { ...state.params } });
  });
}

async function rerun(): Promise<void> {
  const gen = ++generation;
  statusEl.textContent = 'running…';
  document.body.dataset.state = 'running';
  const cards = new Map<string, HTMLElement>();
  for (const v of state.variants) {
    const card = el('div', { className: 'card' }, el('h2', { textContent: v }), el('p', { className: 'desc', textContent: 'running…' }));
    card.dataset.variant = v;
    cards.set(v, card);
  }
  const answers = await Promise.all(state.variants.map((v) => runOne(v)));
  if (gen !== generation) return; // a newer change is already running
  resultsEl.replaceChildren(...state.variants.map((v, i) => resultCard(v, answers[i]!)));
  statusEl.textContent = `${state.scenario} · seed ${state.seed}`;
  document.body.dataset.state = 'done';
  document.body.dataset.runs = String(gen);
}

function resultCard(variant: string, a: { result?: Result; error?: string }): HTMLElement {
  const card = el('div', { className: 'card' }, el('h2', { textContent: variant }));
  card.dataset.variant = variant;
  if (a.error || !a.result) {
    card.append(el('p', { className: 'error', textContent: a.error ?? 'no result' }));
    return card;
  }
  const r = a.result;
  const m = r.metrics;
  const rows: [string, string][] = [
    ['requests', String(m.requests)],
    ['availability', `${(m.availability * 100).toFixed(3)} %`],
    ['failed', String(m.failed)],
    ['latency p50', `${fmt(m.latencyMs.p50)} ms`],
    ['latency p99', `${fmt(m.latencyMs.p99)} ms`],
    ['simulated time', `${fmt(r.stats.simTimeMs / 1000)} s`],
    ['events', String(r.stats.events)],
  ];
  card.append(el('table', {}, ...rows.map(([k, v]) => el('tr', {}, el('td', { textContent: k }), el('td', { textContent: v })))));
  const checks = el('ul');
  for (const c of r.checks) {
    const ok = c.status === 'ok';
    const li = el('li', { className: ok ? 'pass' : 'fail', textContent: `${ok ? '✓' : '✗'} ${c.name}${c.expected === 'fail' ? ' (expected to fail)' : ''}${c.detail ? ` — ${c.detail}` : ''}` });
    checks.append(li);
  }
  const hash = el('code', { textContent: r.traceHash });
  hash.dataset.testid = 'run-hash';
  hash.dataset.traceHash = r.traceHash;
  const replay = el('code', { textContent: r.replay });
  replay.dataset.testid = 'replay-command';
  card.append(checks, el('div', { className: 'hash' }, 'trace ', hash), el('div', { className: 'hash' }, replay));
  return card;
}

function fmt(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  return Math.abs(n) >= 100 ? n.toFixed(0) : n.toPrecision(3);
}

function invalidParam(spec: ParamMeta, v: unknown): string | undefined {
  if (spec.type === 'number') {
    const n = Number(v);
    if (typeof v === 'boolean' || String(v).trim() === '' || !Number.isFinite(n)) return `${JSON.stringify(String(v))} is not a number`;
    if (spec.integer && !Number.isInteger(n)) return `${n} is not an integer`;
    if (spec.min !== undefined && n < spec.min) return `${n} is below the minimum ${spec.min}`;
    if (spec.max !== undefined && n > spec.max) return `${n} is above the maximum ${spec.max}`;
    return undefined;
  }
  if (spec.type === 'boolean') return v === true || v === false || v === 'true' || v === 'false' ? undefined : `${JSON.stringify(String(v))} is not true or false`;
  return (spec.values ?? []).includes(String(v)) ? undefined : `${JSON.stringify(String(v))} is not one of ${(spec.values ?? []).join(', ')}`;
}
