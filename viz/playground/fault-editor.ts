/**
 * The playground's fault editor: a dock under the report (always in view while the timeline is
 * scrolled) with the kind picker, the plan's entries and a form for the selected entry, and a
 * layer over each drawn "Nodes" swimlane panel where the plan's entries are marks: a click on a
 * node's lane (after "add on the timeline") adds an entry there, dragging a mark moves it,
 * dragging its ends resizes it, a click selects it for the form.
 *
 * Every edit is checked by the validator `faultline run --faults` uses before it runs; a refused
 * edit shows the validator's message inline and runs nothing, so the last valid run stays drawn.
 * The host (page.ts) owns the plan: the editor asks it to apply a checked plan, and the host
 * tells it when the simulator refused one at run time (`refused`).
 */
import type { FieldSpec } from '../../sim/faults/plan.ts';
import type { RunView } from '../model.ts';
import { el } from '../viewer/dom.ts';
import { formatTimeUs } from '../viewer/format.ts';
import { faultColorScale } from '../viewer/palette.ts';
import { laneLayout } from '../viewer/renderSwimlanes.ts';
import {
  entryLabel,
  entryLane,
  entryNodes,
  entrySpan,
  errorPlace,
  fieldText,
  fieldValue,
  kindChoices,
  kindSpec,
  moved,
  newEntry,
  niceStep,
  planError,
  resized,
  snap,
  sortPlan,
  withField,
  type Entry,
} from './fault-editor-model.ts';

export interface EditorHost {
  /** The plan the shown runs use, entries as written (a copy the editor may keep). */
  plan(): Entry[];
  /** Run with this plan (already checked by the validator); undefined: the scenario's own plan. */
  apply(plan: Entry[] | undefined): void;
  /** The fault kinds the scenario declares. */
  declaredKinds(): readonly string[] | undefined;
  /** The kind picked or the entry selected changed (they are part of the link). */
  uiChanged(): void;
}

const SVG = 'http://www.w3.org/2000/svg';
const HANDLE_W = 7;

type Props = Record<string, string | number | boolean | undefined>;

/** `el` with the editor's shorthands: `text` (the content), `testid`, `className`; true/false for boolean attributes. */
function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: (Node | string | null)[]): HTMLElementTagNameMap[K] {
  const attrs: Record<string, string | undefined> = {};
  const text: string[] = [];
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === false) continue;
    if (k === 'text') text.push(String(v));
    else attrs[k === 'testid' ? 'data-testid' : k === 'className' ? 'class' : k] = v === true ? '' : String(v);
  }
  return el(tag, attrs, ...text, ...children);
}

function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

interface Overlay {
  view: RunView;
  plot: SVGGElement;
  layer: SVGGElement;
  guide: SVGGElement;
  plotW: number;
}

export class FaultEditor {
  /** The dock: picker, entries, form. */
  readonly dock: HTMLElement;
  private readonly kindSelect: HTMLSelectElement;
  private readonly nodeSelect: HTMLSelectElement;
  private readonly addButton: HTMLButtonElement;
  private readonly hint: HTMLElement;
  private readonly list: HTMLElement;
  private readonly formEl: HTMLElement;
  private readonly message: HTMLElement;
  private readonly nodeList: HTMLDataListElement;
  private readonly undoButton: HTMLButtonElement;
  /** Plans before each edit, the latest last (undefined: the scenario's own plan). */
  private undoStack: (Entry[] | undefined)[] = [];
  /** What the form on screen shows: its entry's index and JSON. */
  private formKey = '';
  /** Whether the plan on screen is the scenario's own (no edit since). */
  private own = true;
  private plan: Entry[] = [];
  private selected: number | null = null;
  private armed = false;
  private overlays: Overlay[] = [];
  private domain: [number, number] = [0, 1];
  private spanUs = 1;
  private nodes: string[] = [];
  private color: (kind: string) => string = () => '#999';
  private scenario = '';
  /** The selection before the last apply: restored when the simulator refuses the plan. */
  private selectedBefore: number | null = null;

  constructor(private readonly host: EditorHost) {
    this.kindSelect = h('select', { id: 'fault-kind', testid: 'fault-kind', 'aria-label': 'Fault kind to add' });
    this.nodeSelect = h('select', { id: 'fault-node', testid: 'fault-node', 'aria-label': 'Node to add the fault to' });
    this.addButton = h('button', { type: 'button', testid: 'fault-add', 'aria-pressed': 'false', title: 'then click a node’s lane in the Nodes timeline where the fault starts (Esc cancels)', text: 'add on the timeline' });
    this.addButton.onclick = () => this.arm(!this.armed);
    this.kindSelect.onchange = () => {
      if (this.armed) this.arm(true);
      this.host.uiChanged();
    };
    const now = h('button', { type: 'button', testid: 'fault-add-now', title: 'add the fault to the chosen node, in the middle of the time window shown, and open its form', text: 'add now' });
    now.onclick = () => {
      const node = this.nodeSelect.value || this.nodes[0];
      if (node === undefined) return;
      const [a, b] = this.domain;
      this.add(node, snap((a + b) / 2, niceStep((b - a) / 100)), true);
    };
    this.undoButton = h('button', { type: 'button', testid: 'fault-undo', title: 'take back the last edit of the plan (Ctrl+Z)', text: 'undo', disabled: true });
    this.undoButton.onclick = () => this.undo();
    const own = h('button', { type: 'button', testid: 'fault-default', title: 'the scenario’s own fault plan (the edits can be undone)', text: 'default plan' });
    own.onclick = () => {
      if (this.own) return;
      this.pushUndo();
      this.selected = null;
      this.setMessage('');
      this.host.apply(undefined);
      this.renderForm();
    };
    this.hint = h('span', { className: 'fe-hint', role: 'status' });
    this.list = h('div', { className: 'fe-list', role: 'list', 'aria-label': 'Fault plan entries' });
    this.formEl = h('div', { className: 'fe-form' });
    this.message = h('p', { className: 'field-error fe-message', role: 'alert', testid: 'fault-error', hidden: true });
    this.nodeList = h('datalist', { id: 'fault-node-names' });
    this.dock = h(
      'section',
      { id: 'fault-editor', className: 'fe-dock', 'aria-label': 'Fault plan editor' },
      h(
        'div',
        { className: 'fe-row' },
        h('strong', { text: 'Fault plan' }),
        h('label', { for: 'fault-kind', className: 'inline', text: 'kind' }),
        this.kindSelect,
        this.addButton,
        h('label', { for: 'fault-node', className: 'inline', text: 'or on' }),
        this.nodeSelect,
        now,
        this.undoButton,
        own,
        this.hint,
      ),
      this.list,
      this.message,
      this.formEl,
      this.nodeList,
    );
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.armed) this.arm(false);
      // Ctrl+Z / ⌘Z undoes a plan edit, except where text is typed (there it undoes the typing)
      const typing = e.target instanceof HTMLElement && e.target.matches('input[type=text], input:not([type]), textarea');
      if ((e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === 'z' && !typing && this.undoStack.length > 0) {
        e.preventDefault();
        this.undo();
      }
    });
    new MutationObserver(() => this.readDomain()).observe(document.documentElement, { attributes: true, attributeFilter: ['data-domain'] });
  }

  /** The selection a link asked for, applied when the runs are drawn (the plan is known then). */
  private pendingEntry: number | undefined;

  /** The selected entry's index in the plan, or null. */
  selectedIndex(): number | null {
    return this.pendingEntry ?? this.selected;
  }

  /** The kind picked, when it is not the picker's first (the default a link leaves out). */
  linkKind(): string | undefined {
    const first = this.kindSelect.options[0]?.value;
    return this.kindSelect.value && this.kindSelect.value !== first ? this.kindSelect.value : undefined;
  }

  /** What a link says: the kind to pick (false when the picker has no such kind) and the entry to open. */
  restore(kind: string | undefined, entry: number | undefined): boolean {
    let ok = true;
    if (kind !== undefined) {
      if ([...this.kindSelect.options].some((o) => o.value === kind)) this.kindSelect.value = kind;
      else ok = false;
    }
    this.pendingEntry = entry;
    return ok;
  }

  /** A new scenario: the kinds it declares come first in the picker. */
  setScenario(name: string): void {
    if (name === this.scenario) return;
    this.scenario = name;
    const { declared, other } = kindChoices(this.host.declaredKinds());
    const groups: HTMLElement[] = [];
    if (declared.length > 0) groups.push(h('optgroup', { label: `${name} declares` }, ...declared.map((k) => h('option', { value: k, text: k, title: kindSpec(k)?.description }))));
    groups.push(h('optgroup', { label: declared.length > 0 ? 'every other kind' : 'every kind' }, ...other.map((k) => h('option', { value: k, text: k, title: kindSpec(k)?.description }))));
    this.kindSelect.replaceChildren(...groups);
    this.selected = null;
    this.undoStack = [];
    this.undoButton.disabled = true;
    this.arm(false);
    this.setMessage('');
  }

  /** The runs just drawn: their lanes get the plan's marks. */
  attach(report: HTMLElement, views: readonly RunView[], own: boolean): void {
    this.plan = this.host.plan();
    this.own = own;
    if (this.pendingEntry !== undefined) {
      this.selected = this.pendingEntry < this.plan.length ? this.pendingEntry : null;
      this.pendingEntry = undefined;
    }
    if (this.selected !== null && this.selected >= this.plan.length) this.selected = null;
    this.color = faultColorScale([...new Set(views.flatMap((v) => v.faultKinds))]);
    const focus = views[0];
    this.spanUs = Math.max(1, focus?.endUs ?? 1);
    const names = [...new Set(views.flatMap((v) => v.nodes.map((n) => n.name)))];
    if (names.join('\n') !== this.nodes.join('\n')) {
      this.nodes = names;
      const keep = this.nodeSelect.value;
      this.nodeSelect.replaceChildren(...names.map((n) => h('option', { value: n, text: n, selected: n === keep })));
      this.nodeList.replaceChildren(...['*', ...names].map((n) => h('option', { value: n })));
    }
    this.overlays = [];
    for (const section of report.querySelectorAll<HTMLElement>('section.run[data-run]')) {
      const view = views.find((v) => v.id === section.dataset.run);
      const plot = section.querySelector<SVGGElement>('[data-panel=swimlanes] svg g.plot');
      const area = plot?.querySelector<SVGRectElement>('rect.zoom-area');
      if (!view || !plot || !area) continue;
      const clip = plot.querySelector('g[clip-path]')?.getAttribute('clip-path') ?? '';
      const layer = s('g', { class: 'plan-edit', 'clip-path': clip });
      const guide = s('g', { class: 'plan-guide', 'pointer-events': 'none' });
      plot.append(layer, guide);
      const o: Overlay = { view, plot, layer, guide, plotW: Number(area.getAttribute('width')) || 100 };
      this.listen(o);
      this.overlays.push(o);
    }
    this.readDomain();
    this.renderList();
    this.renderForm();
    this.host.uiChanged();
  }

  /** The simulator refused the plan at run time: back to the plan that ran, with its message. */
  refused(plan: Entry[], message: string): void {
    this.plan = plan;
    this.undoStack.pop(); // the plan before the refused edit is the plan on screen again
    this.undoButton.disabled = this.undoStack.length === 0;
    this.selected = this.selectedBefore;
    this.renderList();
    this.drawMarks();
    this.setMessage(`Not run: ${message}. The runs shown use the plan before this edit.`);
  }

  private readDomain(): void {
    const d = (document.documentElement.getAttribute('data-domain') ?? '').split(',').map(Number);
    if (d.length === 2 && d.every(Number.isFinite) && d[1]! > d[0]!) this.domain = [d[0]!, d[1]!];
    this.drawMarks();
  }

  private x(o: Overlay, t: number): number {
    const [a, b] = this.domain;
    return ((t - a) / (b - a)) * o.plotW;
  }

  private t(o: Overlay, px: number): number {
    const [a, b] = this.domain;
    return a + (px / o.plotW) * (b - a);
  }

  private step(): number {
    return niceStep((this.domain[1] - this.domain[0]) / 200);
  }

  private arm(on: boolean): void {
    this.armed = on;
    this.addButton.setAttribute('aria-pressed', String(on));
    this.hint.textContent = on ? `Click a node’s lane in the Nodes timeline where the ${this.kindSelect.value} starts (Esc cancels).` : '';
    for (const o of this.overlays) {
      o.plot.classList.toggle('fe-armed', on);
      if (!on) o.guide.replaceChildren();
    }
    if (on) this.overlays[0]?.plot.closest('.panel')?.scrollIntoView({ block: 'center' });
  }

  /** The node lane at a y inside the plot, or undefined between lanes. */
  private laneAt(o: Overlay, y: number): string | undefined {
    const { lanes } = laneLayout(o.view.nodes);
    const i = lanes.findIndex((l) => y >= l.top - 4 && y <= l.top + l.height + 5);
    return i >= 0 ? o.view.nodes[i]!.name : undefined;
  }

  private pointIn(o: Overlay, ev: MouseEvent): { x: number; y: number } {
    const r = o.plot.querySelector('rect.zoom-area')!.getBoundingClientRect();
    return { x: ev.clientX - r.left, y: ev.clientY - r.top };
  }

  private listen(o: Overlay): void {
    o.plot.addEventListener('click', (ev) => {
      if (!this.armed) return;
      const p = this.pointIn(o, ev);
      const node = this.laneAt(o, p.y);
      if (node === undefined || p.x < 0 || p.x > o.plotW) return;
      this.arm(false);
      this.add(node, snap(this.t(o, p.x), this.step()), false);
    });
    o.plot.addEventListener('pointermove', (ev) => {
      if (!this.armed) return;
      const p = this.pointIn(o, ev);
      const node = this.laneAt(o, p.y);
      o.guide.replaceChildren();
      if (node === undefined || p.x < 0 || p.x > o.plotW) return;
      const at = snap(this.t(o, p.x), this.step());
      const x = this.x(o, at);
      const { lanes } = laneLayout(o.view.nodes);
      const lane = lanes[o.view.nodes.findIndex((n) => n.name === node)]!;
      o.guide.append(
        s('line', { x1: x, x2: x, y1: lane.top, y2: lane.top + lane.height, stroke: '#111', 'stroke-width': 2 }),
        Object.assign(s('text', { x: x + 5, y: Math.max(11, lane.top), class: 'fe-guide-label' }), { textContent: `${this.kindSelect.value} on ${node} at ${fmt(at)}` }),
      );
    });
    o.plot.addEventListener('pointerleave', () => o.guide.replaceChildren());
  }

  private add(node: string, atUs: number, focusForm: boolean): void {
    const kind = this.kindSelect.value;
    let entry: Entry;
    try {
      entry = newEntry(kind, node, atUs, this.spanUs);
    } catch (err) {
      this.setMessage(err instanceof Error ? err.message : String(err));
      return;
    }
    if (this.commit([...this.plan, entry], entry, `A ${kind} on ${node} was not added`)) {
      this.renderForm();
      if (focusForm) this.formEl.querySelector<HTMLElement>('[data-field]')?.focus();
    }
  }

  /** Check a plan with the `--faults` validator and apply it; false (and the message shown) when refused. */
  private commit(plan: Entry[], keep: Entry | undefined, what: string): boolean {
    const sorted = sortPlan(plan, keep);
    const why = planError(sorted.plan);
    if (why) {
      this.setMessage(`${what}: ${why}`, why);
      return false;
    }
    this.setMessage('');
    this.pushUndo();
    this.own = false;
    this.selectedBefore = this.selected;
    this.plan = sorted.plan;
    this.selected = keep ? sorted.index : null;
    this.host.apply(sorted.plan);
    this.renderList();
    this.drawMarks();
    return true;
  }

  private pushUndo(): void {
    this.undoStack.push(this.own ? undefined : this.plan.map((e) => ({ ...e })));
    if (this.undoStack.length > 100) this.undoStack.shift();
    this.undoButton.disabled = false;
  }

  private undo(): void {
    if (this.undoStack.length === 0) return;
    const plan = this.undoStack.pop();
    this.undoButton.disabled = this.undoStack.length === 0;
    this.selected = null;
    this.setMessage('');
    this.host.apply(plan);
    this.renderForm();
    if (this.undoButton.disabled) this.addButton.focus();
  }

  private setMessage(text: string, why?: string): void {
    this.message.textContent = text;
    this.message.hidden = text === '';
    for (const i of this.formEl.querySelectorAll('[aria-invalid=true]')) i.removeAttribute('aria-invalid');
    if (!why) return;
    const { index, field } = errorPlace(why);
    if (index === this.selected && field) this.formEl.querySelector(`[data-field="${CSS.escape(field)}"]`)?.setAttribute('aria-invalid', 'true');
  }

  private select(i: number | null, focusForm = false): void {
    this.selected = i;
    this.setMessage('');
    this.renderList();
    this.renderForm();
    this.drawMarks();
    document.body.dataset.planSelected = i === null ? '' : String(i);
    document.dispatchEvent(new CustomEvent('faultline:plan', { detail: { plan: this.plan, selected: i } }));
    this.host.uiChanged();
    if (focusForm) this.formEl.querySelector<HTMLElement>('[data-field]')?.focus();
  }

  private renderList(): void {
    const had = this.list.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.index : undefined;
    const items = this.plan.map((e, i) => {
      const b = h('button', { type: 'button', className: 'fe-entry', testid: 'fault-entry', role: 'listitem', 'aria-pressed': String(i === this.selected), title: 'Enter edits it · ←/→ move it · Shift+←/→ change its duration · Delete removes it', text: entryLabel(e) });
      b.dataset.index = String(i);
      b.dataset.kind = String(e.kind);
      b.style.setProperty('--kind', this.color(String(e.kind)));
      b.onclick = () => this.select(i, true);
      b.onkeydown = (ev) => this.entryKey(ev, i);
      return b;
    });
    this.list.replaceChildren(...(items.length > 0 ? items : [h('span', { className: 'fe-hint', text: 'No faults: this run is fault-free. Pick a kind and add one.' })]));
    if (had !== undefined) this.list.querySelector<HTMLElement>(`[data-index="${had}"]`)?.focus();
  }

  private entryKey(ev: KeyboardEvent, i: number): void {
    const e = this.plan[i];
    if (!e) return;
    if (ev.key === 'Delete' || ev.key === 'Backspace') {
      ev.preventDefault();
      this.remove(i);
      return;
    }
    if (ev.key !== 'ArrowLeft' && ev.key !== 'ArrowRight') return;
    ev.preventDefault();
    const d = (ev.key === 'ArrowLeft' ? -1 : 1) * this.step() * 5;
    const span = entrySpan(e);
    const next = ev.shiftKey ? (span.endUs === null ? null : resized(e, span.startUs, Math.max(span.startUs, span.endUs + d))) : moved(e, span.startUs + d);
    if (!next) return;
    if (this.commit(this.plan.map((x, j) => (j === i ? next : x)), next, 'Not moved')) {
      this.renderForm();
      this.list.querySelector<HTMLElement>(`[data-index="${this.selected}"]`)?.focus();
    }
  }

  private remove(i: number): void {
    if (this.commit(this.plan.filter((_, j) => j !== i), undefined, 'Not removed')) {
      this.renderForm();
      (this.list.querySelector<HTMLElement>(`[data-index="${Math.min(i, this.plan.length - 1)}"]`) ?? this.addButton).focus();
    }
  }

  /** The form of the selected entry, generated from its kind's field declarations. */
  private renderForm(): void {
    const i = this.selected;
    const e = i === null ? undefined : this.plan[i];
    const spec = e ? kindSpec(String(e.kind)) : undefined;
    const key = JSON.stringify([i, e ?? null]);
    // the form on screen already shows this entry (a run finished): keep it, and the keyboard focus in it
    if (key === this.formKey) return;
    this.formKey = key;
    if (i === null || !e || !spec) {
      this.formEl.replaceChildren();
      return;
    }
    const focused = this.formEl.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.testid : undefined;
    queueMicrotask(() => {
      if (focused && !this.formEl.contains(document.activeElement)) this.formEl.querySelector<HTMLElement>(`[data-testid="${CSS.escape(focused)}"]`)?.focus();
    });
    const fields: [string, FieldSpec | { type: 'duration'; required?: boolean; description: string }][] = [['at', { type: 'duration', required: true, description: 'when the fault starts, from the beginning of the run' }]];
    if (spec.duration !== 'none') fields.push(['for', { type: 'duration', required: spec.duration === 'required', description: spec.duration === 'required' ? 'how long the fault lasts' : 'how long the fault lasts (empty: to the end of the run)' }]);
    for (const [name, f] of Object.entries(spec.fields)) fields.push([name, f]);
    const inputs: { name: string; f: FieldSpec | { type: 'duration' }; read: () => string }[] = [];
    const grid = h('div', { className: 'fe-fields' });
    for (const [name, f] of fields) {
      const id = `fault-field-${name}`;
      let input: HTMLInputElement | HTMLSelectElement;
      if (f.type === 'enum' || f.type === 'boolean') {
        const values = f.type === 'enum' ? f.values : ['true', 'false'];
        input = h('select', { id });
        if (!f.required) input.append(h('option', { value: '', text: '(default)' }));
        for (const v of values) input.append(h('option', { value: v, text: v }));
        input.value = fieldText(f, e[name]);
      } else {
        input = h('input', { id, type: 'text', spellcheck: 'false', autocomplete: 'off', placeholder: f.required ? 'required' : 'default' });
        if (f.type === 'number') input.inputMode = 'decimal';
        if (name === 'target' || name === 'from' || name === 'to') input.setAttribute('list', 'fault-node-names');
        input.value = fieldText(f, e[name]);
      }
      input.dataset.field = name;
      input.dataset.testid = `fault-field-${name}`;
      const hint = f.type === 'number' ? ` (${f.min} to ${f.max})` : f.type === 'duration' ? ' (e.g. 250ms, 3s)' : f.type === 'groups' ? ' (a, b | c)' : f.type === 'strings' ? ' (a, b)' : '';
      const label = h('label', { for: id, title: `${f.description}${hint}`, text: name + (f.required ? ' *' : '') });
      grid.append(h('div', { className: 'fe-field' }, label, input));
      inputs.push({ name, f, read: () => input.value });
      input.addEventListener(input instanceof HTMLSelectElement ? 'change' : 'input', () => this.formChanged(e, inputs));
    }
    const del = h('button', { type: 'button', testid: 'fault-delete', text: 'delete', title: 'remove this entry from the plan' });
    del.onclick = () => this.remove(i);
    const done = h('button', { type: 'button', testid: 'fault-done', text: 'done', title: 'close the form' });
    done.onclick = () => {
      const at = this.selected;
      this.select(null);
      if (at !== null) this.list.querySelector<HTMLElement>(`[data-index="${at}"]`)?.focus();
    };
    this.formEl.replaceChildren(
      h('div', { className: 'fe-form-head' }, h('strong', { className: 'fe-entry-no', text: `Entry ${i}:` }), this.kindChanger(e), h('span', { className: 'fe-desc', text: spec.description, title: spec.description })),
      grid,
      h('div', { className: 'fe-row' }, del, done),
    );
  }

  /** The entry's kind, as a picker: another kind makes a new entry of that kind at the same place and time. */
  private kindChanger(e: Entry): HTMLSelectElement {
    const pick = h('select', { testid: 'fault-field-kind', 'aria-label': 'Kind of this entry' }, ...[...this.kindSelect.options].map((o) => h('option', { value: o.value, text: o.value, title: o.title })));
    pick.value = String(e.kind);
    pick.onchange = () => {
      const i = this.selected;
      const cur = i === null ? undefined : this.plan[i];
      if (i === null || !cur) return;
      const span = entrySpan(cur);
      let next: Entry;
      try {
        next = newEntry(pick.value, entryNodes(cur)[0] ?? this.nodes[0] ?? '*', span.startUs, this.spanUs);
      } catch (err) {
        this.setMessage(err instanceof Error ? err.message : String(err));
        return;
      }
      if (next.for !== undefined && cur.for !== undefined) next.for = cur.for;
      if (this.commit(this.plan.map((x, j) => (j === i ? next : x)), next, `Not changed to ${pick.value}`)) {
        this.renderForm();
        this.formEl.querySelector<HTMLElement>('[data-testid=fault-field-kind]')?.focus();
      } else pick.value = String(cur.kind);
    };
    return pick;
  }

  /** A form field changed: the entry as the form says, checked and applied, or the validator's message. */
  private formChanged(original: Entry, inputs: { name: string; f: FieldSpec | { type: 'duration' }; read: () => string }[]): void {
    const i = this.selected;
    if (i === null) return;
    let draft: Entry = { at: original.at, kind: original.kind, ...(original.id !== undefined ? { id: original.id } : {}) };
    for (const { name, f, read } of inputs) draft = withField(draft, name, fieldValue(f, read()));
    if (draft.at === undefined) draft.at = '';
    // the form shows the entry it made: a run finishing does not rebuild it under the typing hand
    if (this.commit(this.plan.map((x, j) => (j === i ? draft : x)), draft, 'Not run')) {
      this.formKey = JSON.stringify([this.selected, draft]);
      const no = this.formEl.querySelector('.fe-entry-no');
      if (no) no.textContent = `Entry ${this.selected}:`;
    }
  }

  private drawMarks(): void {
    for (const o of this.overlays) this.drawOverlay(o);
  }

  private drawOverlay(o: Overlay): void {
    const { lanes } = laneLayout(o.view.nodes);
    const names = o.view.nodes.map((n) => n.name);
    o.layer.replaceChildren();
    // the selected entry last: on top of any it overlaps
    const order = this.plan.map((_, i) => i).sort((a, b) => Number(a === this.selected) - Number(b === this.selected));
    const onLane = names.map(() => [] as number[]);
    const across: number[] = [];
    for (let i = 0; i < this.plan.length; i++) {
      const lane = entryLane(this.plan[i]!, names);
      if (lane !== undefined) onLane[names.indexOf(lane)]!.push(i);
      else across.push(i);
    }
    const instantUs = (this.domain[1] - this.domain[0]) / 100;
    // an entry naming no lane's node (a zone, a rack, "*") is one tall mark across every lane, under the others
    const first = lanes[0];
    const last = lanes[lanes.length - 1];
    if (first && last) {
      const b = stackBands(across.map((i) => [i, entrySpan(this.plan[i]!)] as const), instantUs);
      const top = first.rowY[0]! - 3;
      const height = last.rowY[last.rowY.length - 1]! + last.rowH[last.rowH.length - 1]! + 3 - top;
      const w = 10;
      for (const i of order.filter((j) => across.includes(j))) o.layer.append(this.mark(o, this.plan[i]!, i, { y: top + (b.of.get(i) ?? 0) * w, hh: Math.max(w, height - (b.count - 1) * w) }, true));
    }
    // entries overlapping in time on one lane share its state row, one band each
    const band = onLane.map((ids) => stackBands(ids.map((i) => [i, entrySpan(this.plan[i]!)] as const), instantUs));
    for (const i of order) {
      onLane.forEach((ids, r) => {
        if (!ids.includes(i)) return;
        const b = band[r]!;
        const lane = lanes[r]!;
        const hh = (lane.rowH[0]! + 6) / b.count;
        o.layer.append(this.mark(o, this.plan[i]!, i, { y: lane.rowY[0]! - 3 + (b.of.get(i) ?? 0) * hh, hh }, false));
      });
    }
  }

  private mark(o: Overlay, e: Entry, i: number, at: { y: number; hh: number }, everyLane: boolean): SVGGElement {
    const span = entrySpan(e);
    const color = this.color(String(e.kind));
    const g = s('g', { class: `plan-mark${i === this.selected ? ' selected' : ''}${everyLane ? ' every-lane' : ''}`, 'data-index': i, 'data-kind': String(e.kind) });
    const title = s('title');
    title.textContent = `${entryLabel(e)} — drag to move${span.endUs !== null ? ', drag an end to resize' : ''}, click to edit`;
    g.append(title);
    // over the lane's state row, leaving its thin rows (role, partition side, breaker) in view
    const { y, hh } = at;
    const place = (start: number, end: number | null): void => {
      const x0 = this.x(o, start);
      const x1 = end === null ? (span.open ? o.plotW + 20 : x0) : this.x(o, end);
      const body = g.querySelector<SVGElement>('.body')!;
      if (end === null && !span.open) {
        body.setAttribute('d', `M${x0},${y}L${x0 + 7},${y + hh / 2}L${x0},${y + hh}L${x0 - 7},${y + hh / 2}Z`);
      } else {
        body.setAttribute('d', `M${x0},${y}H${Math.max(x0 + 3, x1)}V${y + hh}H${x0}Z`);
        g.querySelector('.h-start')?.setAttribute('x', String(x0 - HANDLE_W / 2));
        g.querySelector('.h-end')?.setAttribute('x', String(Math.max(x0 + 3, x1) - HANDLE_W / 2));
      }
      // the kind, inside the mark where it fits
      const label = g.querySelector<SVGTextElement>('.fe-mark-label')!;
      const room = Math.min(x1, o.plotW) - Math.max(x0, 0) - HANDLE_W - 4;
      label.setAttribute('x', String(Math.max(x0, 0) + HANDLE_W / 2 + 3));
      label.textContent = room > 7 * String(e.kind).length ? String(e.kind) : '';
    };
    const body = s('path', { class: 'body', fill: color, 'fill-opacity': 0.28, stroke: color, 'stroke-width': 2 });
    body.dataset.handle = 'move';
    const label = s('text', { class: 'fe-mark-label', y: everyLane ? y + 12 : y + hh / 2 + (hh < 16 ? 3.5 : 4), 'pointer-events': 'none' });
    if (hh < 16) label.style.fontSize = '9.5px';
    g.append(body, label);
    if (span.endUs !== null || span.open) {
      for (const which of ['start', 'end'] as const) {
        if (which === 'end' && span.endUs === null) continue;
        const hnd = s('rect', { class: `handle h-${which}`, y, width: HANDLE_W, height: hh, fill: color, 'fill-opacity': 0.9 });
        hnd.dataset.handle = which;
        g.append(hnd);
      }
    }
    place(span.startUs, span.endUs);
    // drag: move the body, or resize from an end; a click without movement selects
    g.addEventListener('mousedown', (ev) => ev.stopPropagation());
    g.addEventListener('click', (ev) => ev.stopPropagation());
    g.addEventListener('pointerdown', (ev) => {
      if (ev.button !== 0) return;
      ev.stopPropagation();
      ev.preventDefault();
      const handle = (ev.target as SVGElement).dataset.handle ?? 'move';
      const x0 = ev.clientX;
      let dragged = false;
      let next: { start: number; end: number | null } = { start: span.startUs, end: span.endUs };
      g.setPointerCapture(ev.pointerId);
      const onMove = (m: PointerEvent): void => {
        const dx = m.clientX - x0;
        if (!dragged && Math.abs(dx) < 3) return;
        dragged = true;
        const dt = (dx / o.plotW) * (this.domain[1] - this.domain[0]);
        const st = this.step();
        if (handle === 'move') {
          const start = snap(span.startUs + dt, st);
          next = { start, end: span.endUs === null ? null : start + (span.endUs - span.startUs) };
        } else if (handle === 'start') {
          const end = span.endUs ?? Infinity;
          next = { start: Math.min(snap(span.startUs + dt, st), end), end: span.endUs };
        } else {
          next = { start: span.startUs, end: Math.max(span.startUs, snap(span.endUs! + dt, st)) };
        }
        place(next.start, next.end);
        o.guide.replaceChildren(Object.assign(s('text', { x: this.x(o, next.start) + 4, y: Math.max(11, y - 3), class: 'fe-guide-label' }), { textContent: next.end === null ? fmt(next.start) : `${fmt(next.start)} → ${fmt(next.end)}` }));
      };
      const onUp = (): void => {
        g.removeEventListener('pointermove', onMove);
        g.removeEventListener('pointerup', onUp);
        g.removeEventListener('pointercancel', onUp);
        o.guide.replaceChildren();
        if (!dragged) {
          this.select(i, false);
          return;
        }
        const changed = handle === 'move' && next.end === null ? moved(e, next.start) : resized(e, next.start, next.end);
        if (!this.commit(this.plan.map((x, j) => (j === i ? changed : x)), changed, 'Not moved')) place(span.startUs, span.endUs);
        else this.renderForm();
      };
      g.addEventListener('pointermove', onMove);
      g.addEventListener('pointerup', onUp);
      g.addEventListener('pointercancel', onUp);
    });
    return g;
  }
}

/** Bands for intervals so that those overlapping in time get different ones (the first free band, in order of start). */
function stackBands(items: readonly (readonly [number, { startUs: number; endUs: number | null; open: boolean }])[], instantUs: number): { of: Map<number, number>; count: number } {
  const of = new Map<number, number>();
  const ends: number[] = [];
  const sorted = [...items].sort((a, b) => a[1].startUs - b[1].startUs || a[0] - b[0]);
  for (const [i, sp] of sorted) {
    const end = sp.endUs ?? (sp.open ? Infinity : sp.startUs + instantUs);
    let k = ends.findIndex((e) => e <= sp.startUs);
    if (k < 0) k = ends.push(end) - 1;
    else ends[k] = end;
    of.set(i, k);
  }
  return { of, count: Math.max(1, ends.length) };
}

const fmt = (us: number): string => formatTimeUs(Math.round(us));
