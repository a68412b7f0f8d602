/**
 * Alert rules evaluated inside the simulation, on virtual time: every `scrape_interval` the run's
 * metrics are sampled under their Prometheus names (names.ts) into a small store (promql.ts), and
 * each group whose interval has come round evaluates its rules right after that scrape.
 *
 * An alert follows Prometheus's state machine (rules/alerting.go): each sample of a rule's result
 * is an alert instance (its labels, the rule's labels over them, and `alertname`); a new one is
 * `pending`, and `firing` once it has been active for the rule's `for` (at once with `for: 0`);
 * one that leaves the result while pending is dropped (`inactive`); while firing it keeps firing
 * until `keep_firing_for` has passed since the first evaluation without it, and is then
 * `resolved`. Every change is an `alert-state` trace record, and
 * pending and firing alerts are the `ALERTS` series of the next scrape, as Prometheus writes them.
 *
 * Scrapes and evaluations are timer events of the run's simulation, so a run with rules replays
 * exactly; a run without rules schedules none of them (its trace is unchanged).
 */
import type { Simulation } from '../kernel/sim.ts';
import type { Metrics } from '../observe/metrics.ts';
import type { RequestStats } from '../observe/requests.ts';
import type { Tracer } from '../observe/trace.ts';
import type { World } from '../world/world.ts';
import { RequestCounters, scrape, type Labels, type Sample } from './names.ts';
import { evaluate, formatLabels, labelsKey, LOOKBACK_US, SampleStore } from './promql.ts';
import type { AlertingConfig, AlertRule } from './rules.ts';

declare module '../observe/trace.ts' {
  interface TraceRecordMap {
    /** An alert instance changed state (pending, firing, resolved, or inactive: cleared while pending). */
    'alert-state': { alert: string; group: string; labels: string; from: AlertState; to: AlertState; severity?: string; value?: number; summary?: string };
  }
}

/** An alert instance's state; `resolved` and `inactive` end it. */
export type AlertState = 'inactive' | 'pending' | 'firing' | 'resolved';

/** One alert instance: from pending to resolved (or dropped while pending). */
export interface AlertEpisode {
  alert: string;
  group: string;
  labels: Labels;
  severity: string;
  value: number;
  pendingAtUs: number;
  firingAtUs: number | null;
  resolvedAtUs: number | null;
  /** While firing, the first evaluation its expression no longer held (keep_firing_for counts from it), else -1. */
  keepFiringSinceUs: number;
  state: AlertState;
  annotations: Readonly<Record<string, string>>;
}

/** Hears of every alert state change (the on-call layer pages from it). */
export type AlertListener = (episode: AlertEpisode, from: AlertState, to: AlertState) => void;

/** What alerting needs from the run. */
export interface AlertingContext {
  sim: Simulation;
  trace: Tracer;
  metrics: Metrics;
  requests: RequestStats;
  world: World | null;
  /** Note a background component (the run does not wait for it to stop). */
  background?: (what: string) => void;
}

/** The alert rules of one run, installed in its simulation. */
export class Alerting {
  readonly store: SampleStore;
  /** Every alert instance that reached pending, in the order they did. */
  readonly episodes: AlertEpisode[] = [];
  private readonly active = new Map<AlertRule, Map<string, AlertEpisode>>();
  private readonly counters = new RequestCounters();
  private readonly listeners: AlertListener[] = [];
  private readonly nextDueUs: number[];
  private lastSamples: Sample[] = [];

  constructor(
    readonly ctx: AlertingContext,
    readonly config: AlertingConfig,
  ) {
    const retention = Math.max(LOOKBACK_US, config.lagUs) + config.scrapeIntervalUs;
    this.store = new SampleStore(retention);
    for (const g of config.groups) for (const r of g.rules) this.active.set(r, new Map());
    this.nextDueUs = config.groups.map(() => 0);
    ctx.requests.listen((_t, ok, latencyUs, error, node) => this.counters.record(ok, latencyUs, error, node));
    ctx.background?.('alert rule evaluation');
    ctx.sim.at(ctx.sim.now, tickOf, this);
  }

  /** Call `fn` on every alert state change. */
  onChange(fn: AlertListener): void {
    this.listeners.push(fn);
  }

  /** One scrape, then every group that is due. */
  tick(): void {
    const sim = this.ctx.sim;
    const t = sim.now;
    this.lastSamples = scrape({
      requests: this.counters,
      stats: this.ctx.requests,
      metrics: this.ctx.metrics,
      world: this.ctx.world,
      extra: (out) => this.alertsSeries(out),
    });
    this.store.append(t, this.lastSamples);
    this.config.groups.forEach((g, i) => {
      if (t < this.nextDueUs[i]!) return;
      this.nextDueUs[i] = t + g.intervalUs;
      for (const r of g.rules) this.evalRule(r, t);
    });
    sim.schedule(this.config.scrapeIntervalUs, tickOf, this);
  }

  /** The samples of the latest scrape (for tests and the docs). */
  get samples(): readonly Sample[] {
    return this.lastSamples;
  }

  private alertsSeries(out: Sample[]): void {
    for (const m of this.active.values()) {
      for (const a of m.values()) {
        if (a.state !== 'pending' && a.state !== 'firing') continue;
        out.push({ name: 'ALERTS', labels: { ...a.labels, alertname: a.alert, alertstate: a.state }, value: 1 });
      }
    }
  }

  private evalRule(r: AlertRule, t: number): void {
    const v = evaluate(r.expr, this.store, t);
    const samples = v.type === 'vector' ? v.samples : [];
    const active = this.active.get(r)!;
    const seen = new Set<string>();
    // in label order, so the records of one evaluation come out in the same order in every run
    const results = samples
      .map((s) => {
        const labels: Record<string, string> = { ...s.labels, ...r.labels, alertname: r.alert };
        return { key: labelsKey(labels), labels, value: s.value };
      })
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const s of results) {
      if (seen.has(s.key)) continue;
      seen.add(s.key);
      let a = active.get(s.key);
      if (a === undefined) {
        a = {
          alert: r.alert,
          group: r.group,
          labels: s.labels,
          severity: r.labels.severity ?? '',
          value: s.value,
          pendingAtUs: t,
          firingAtUs: null,
          resolvedAtUs: null,
          keepFiringSinceUs: -1,
          state: 'inactive',
          annotations: r.annotations,
        };
        active.set(s.key, a);
        this.episodes.push(a);
        this.change(a, 'pending', t);
      }
      a.value = s.value;
      a.keepFiringSinceUs = -1;
    }
    for (const [key, a] of [...active]) {
      if (seen.has(key)) continue;
      if (a.state === 'pending') {
        active.delete(key);
        this.change(a, 'inactive', t);
      } else if (a.state === 'firing') {
        if (a.keepFiringSinceUs < 0) a.keepFiringSinceUs = t;
        if (t - a.keepFiringSinceUs < r.keepFiringForUs) continue;
        active.delete(key);
        a.resolvedAtUs = t;
        this.change(a, 'resolved', t);
      }
    }
    for (const a of active.values()) {
      if (a.state === 'pending' && t - a.pendingAtUs >= r.forUs) {
        a.firingAtUs = t;
        this.change(a, 'firing', t);
      }
    }
  }

  private change(a: AlertEpisode, to: AlertState, t: number): void {
    const from = a.state;
    a.state = to;
    const value = Number.isFinite(a.value) ? Math.round(a.value * 1e6) / 1e6 : undefined;
    const summary = a.annotations.summary !== undefined ? template(a.annotations.summary, a) : undefined;
    this.ctx.trace.emit({
      time: t,
      kind: 'alert-state',
      alert: a.alert,
      group: a.group,
      labels: formatLabels(a.labels),
      from,
      to,
      ...(a.severity ? { severity: a.severity } : {}),
      ...(value !== undefined ? { value } : {}),
      ...(summary !== undefined ? { summary } : {}),
    });
    for (const l of this.listeners) l(a, from, to);
  }
}

function tickOf(a: Alerting): void {
  a.tick();
}

/** Prometheus's annotation templates, the common part: `{{ $value }}`, `{{ $labels.name }}`, `{{ humanizePercentage $value }}`. */
export function template(text: string, a: { value: number; labels: Labels }): string {
  return text.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_m, inner: string) => {
    const parts = inner.split(/\s+/);
    const arg = (p: string | undefined): string | number => {
      if (p === '$value') return a.value;
      if (p !== undefined && p.startsWith('$labels.')) return a.labels[p.slice(8)] ?? '';
      return p ?? '';
    };
    if (parts[0] === 'humanizePercentage') {
      const v = arg(parts[1]);
      return typeof v === 'number' ? `${+(v * 100).toFixed(2)}%` : String(v);
    }
    if (parts[0] === 'humanize') {
      const v = arg(parts[1]);
      return typeof v === 'number' ? String(+v.toPrecision(4)) : String(v);
    }
    const v = arg(parts[0]);
    return typeof v === 'number' ? String(+v.toPrecision(6)) : v;
  });
}
