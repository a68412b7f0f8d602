/**
 * The alerts lane's data, folded record by record (a `TraceSink`): alert episodes (pending →
 * firing → resolved, or dropped while pending), the on-call's pages, acknowledgements,
 * escalations and runbook actions, mistakes with their blast radius, and synthetic probe results.
 * Bounded: at most `ALERT_EPISODES_MAX` episodes, `ONCALL_EVENTS_MAX` on-call events and
 * `PROBE_RESULTS_MAX` results per probe series are kept (the rest are counted). Browser-safe.
 */
import type { TraceRecord, TraceSink } from '../sim/observe/trace.ts';
import type { AlertsView } from './model.ts';

export const ALERT_EPISODES_MAX = 500;
export const ONCALL_EVENTS_MAX = 1000;
export const PROBE_RESULTS_MAX = 2000;

type AnyRecord = Record<string, unknown> & { time: number; kind: string };

const ONCALL_KINDS = new Set(['page', 'page-ack', 'page-escalated', 'runbook-start', 'runbook-end', 'blast-radius', 'incident-open', 'incident-resolved']);

export class AlertsFold implements TraceSink {
  private readonly view: AlertsView = { alerts: [], episodes: [], oncall: [], probes: [], leftOut: 0 };
  private readonly open = new Map<string, AlertsView['episodes'][number]>();
  private readonly probeIndex = new Map<string, AlertsView['probes'][number]>();
  private seen = false;

  /** Fixed-field records (messages, requests) hold nothing for this lane: ignored without building them. */
  writeFields(): void {}

  write(record: TraceRecord): void {
    const r = record as unknown as AnyRecord;
    if (r.kind === 'alert-state') this.alert(r);
    else if (r.kind === 'probe-result') this.probe(r);
    else if (ONCALL_KINDS.has(r.kind)) this.oncall(r);
  }

  private alert(r: AnyRecord): void {
    this.seen = true;
    const name = String(r.alert);
    const key = `${name}${String(r.labels)}`;
    if (!this.view.alerts.includes(name) && this.view.alerts.length < 64) this.view.alerts.push(name);
    const to = String(r.to);
    if (to === 'pending') {
      if (this.view.episodes.length >= ALERT_EPISODES_MAX) {
        this.view.leftOut++;
        return;
      }
      const ep = { alert: name, labels: String(r.labels), severity: typeof r.severity === 'string' ? r.severity : '', pendingUs: r.time, firingUs: null as number | null, endUs: null as number | null, end: 'open' as 'open' | 'resolved' | 'inactive', ...(typeof r.summary === 'string' ? { summary: r.summary } : {}) };
      this.view.episodes.push(ep);
      this.open.set(key, ep);
      return;
    }
    const ep = this.open.get(key);
    if (ep === undefined) return;
    if (typeof r.summary === 'string') ep.summary = r.summary;
    if (to === 'firing') ep.firingUs = r.time;
    else if (to === 'resolved' || to === 'inactive') {
      ep.endUs = r.time;
      ep.end = to;
      this.open.delete(key);
    }
  }

  private oncall(r: AnyRecord): void {
    this.seen = true;
    if (this.view.oncall.length >= ONCALL_EVENTS_MAX) {
      this.view.leftOut++;
      return;
    }
    const s = (k: string): string => (r[k] === undefined ? '' : String(r[k]));
    let text: string;
    switch (r.kind) {
      case 'page':
        text = `page ${s('to')} (${s('alert')}${Number(r.level) > 0 ? `, escalation level ${s('level')}` : ''})`;
        break;
      case 'page-ack':
        text = `${s('by')} acknowledged after ${Math.round(Number(r.afterUs) / 1e6)} s`;
        break;
      case 'page-escalated':
        text = `no answer from ${s('from')}: escalated to ${s('to')}`;
        break;
      case 'runbook-start':
        text = `${s('by')} starts runbook ${s('runbook')}: ${s('action')} ${s('target')}${r.mistake ? ` (mistake: ${s('mistake')})` : ''}`;
        break;
      case 'runbook-end':
        text = `${s('runbook')} done: ${s('detail')}`;
        break;
      case 'blast-radius':
        text = `MISTAKE (${s('mistake')}): ${s('action')} ${s('actual')} instead of ${s('intended')}; touched ${s('nodes') || 'nothing'}`;
        break;
      case 'incident-open':
        text = `incident ${s('incident')} opened by ${s('alert')}`;
        break;
      default:
        text = `incident ${s('incident')} resolved`;
    }
    this.view.oncall.push({ timeUs: r.time, kind: r.kind, text, ...(r.kind === 'blast-radius' || r.mistake ? { mistake: true } : {}) });
  }

  private probe(r: AnyRecord): void {
    this.seen = true;
    const key = `${String(r.flow)}@${String(r.node)}`;
    let p = this.probeIndex.get(key);
    if (p === undefined) {
      if (this.view.probes.length >= 32) return;
      p = { flow: String(r.flow), location: String(r.node), results: [] };
      this.probeIndex.set(key, p);
      this.view.probes.push(p);
    }
    if (p.results.length >= PROBE_RESULTS_MAX) {
      this.view.leftOut++;
      return;
    }
    p.results.push({ timeUs: r.time, ok: r.ok === true, ...(typeof r.failedStep === 'string' ? { failedStep: r.failedStep } : {}) });
  }

  /** The lane's data, or null when the run had no alerts, pages or probes. */
  finish(): AlertsView | null {
    return this.seen ? this.view : null;
  }
}
