/**
 * The humans who respond, as the Google SRE book describes on-call (ch. 11 "Being On-Call",
 * ch. 12 "Effective Troubleshooting", ch. 14 "Managing Incidents") and PagerDuty implements
 * escalation:
 *
 * - An alert of a paging severity (`page`, `critical` by default) that starts firing opens an
 *   incident and pages the primary; alerts that fire while it is open join it.
 * - The paged engineer acknowledges after a delay drawn from `ack_delay`, or not at all with
 *   probability `no_answer`; a page not acknowledged within `escalate_after` goes to the next
 *   engineer of the rotation (the last one always answers).
 * - Having acknowledged, the engineer diagnoses for a time drawn from `diagnosis_time`, then runs
 *   the runbook bound to the incident's first firing alert; the action takes its own `duration`.
 *   The engineer checks again once the rules could have noticed the fix (their lag: longest range
 *   + `for` + interval); alerts still firing mean another diagnosis and another attempt (at most
 *   three).
 * - A runbook marked `auto` is run by automation the moment its alert fires, with no page wait.
 * - Running a runbook by hand, the engineer may make a mistake (runbooks.ts): forced the first
 *   time by the runbook's `mistake`, else drawn with the rotation's `human_error` probabilities.
 *   A mistake's blast radius (what it touched) is a `blast-radius` trace record.
 * - The incident resolves when all its alerts have resolved.
 *
 * Every draw comes from a named stream of the run's seed keyed by who draws it
 * (`alerts/oncall/<engineer>/ack`, `…/diagnosis`, `…/mistakes`, `…/answers`;
 * `alerts/runbooks/<runbook>`), so a change elsewhere never shifts a person's draws.
 */
import { durationSampler, type Sampler } from '../kernel/distribution.ts';
import type { RandomStreams } from '../kernel/random.ts';
import type { Tracer } from '../observe/trace.ts';
import type { Alerting, AlertEpisode } from './eval.ts';
import { applyAction, destroy, similarTarget, type ActionEnv } from './runbooks.ts';
import type { AlertingConfig, MistakeKind, Runbook } from './rules.ts';

declare module '../observe/trace.ts' {
  interface TraceRecordMap {
    'incident-open': { incident: number; alert: string };
    'incident-resolved': { incident: number };
    /** A page sent to an engineer (level 0: the primary). */
    page: { incident: number; alert: string; to: string; level: number };
    'page-ack': { incident: number; by: string; afterUs: number };
    'page-escalated': { incident: number; from: string; to: string };
    'runbook-start': { runbook: string; action: string; target: string; by: string; attempt: number; mistake?: string };
    'runbook-end': { runbook: string; action: string; target: string; by: string; nodes: string; detail: string; mistake?: string };
    /** What a mistaken runbook action touched: the intended target, the actual one, the nodes. */
    'blast-radius': { runbook: string; mistake: string; intended: string; actual: string; action: string; nodes: string };
  }
}

const ATTEMPTS_MAX = 3;

interface Incident {
  id: number;
  alerts: AlertEpisode[];
  level: number;
  responder: string | null;
  attempts: number;
  timers: number[];
  open: boolean;
}

/** What on-call needs from the run. */
export interface OnCallContext extends ActionEnv {
  trace: Tracer;
  random: RandomStreams;
}

/** The rotation, the automation and the runbooks of one run. */
export class OnCall {
  /** When each acknowledgement happened (µs). */
  readonly acksUs: number[] = [];
  pages = 0;
  escalations = 0;
  actions = 0;
  mistakes = 0;
  private incident: Incident | null = null;
  private incidents = 0;
  private readonly autoRunning = new Set<string>();
  private readonly samplers = new Map<string, Sampler>();

  constructor(
    private readonly ctx: OnCallContext,
    private readonly config: AlertingConfig,
    alerting: Alerting,
  ) {
    alerting.onChange((a, _from, to) => {
      if (to === 'firing') this.firing(a);
      else if (to === 'resolved') this.resolved();
    });
  }

  private sampler(key: string, spec: Parameters<typeof durationSampler>[0], what: string): Sampler {
    let s = this.samplers.get(key);
    if (s === undefined) this.samplers.set(key, (s = durationSampler(spec, what)));
    return s;
  }

  private draw(stream: string, spec: Parameters<typeof durationSampler>[0], what: string): number {
    return this.sampler(stream, spec, what)(this.ctx.random.get(stream));
  }

  private emit(record: Parameters<Tracer['emit']>[0]): void {
    this.ctx.trace.emit(record);
  }

  private firing(a: AlertEpisode): void {
    for (const rb of this.config.runbooks) {
      if (!rb.auto || !rb.alerts.includes(a.alert) || this.autoRunning.has(rb.name)) continue;
      this.autoRunning.add(rb.name);
      this.run(rb, 'automation', null, 1, () => this.autoRunning.delete(rb.name));
    }
    const oc = this.config.oncall;
    if (oc === null || !oc.pageSeverities.includes(a.severity)) return;
    const inc = this.incident;
    if (inc !== null) {
      inc.alerts.push(a);
      this.pages++;
      this.emit({ time: this.ctx.sim.now, kind: 'page', incident: inc.id, alert: a.alert, to: inc.responder ?? oc.rotation[inc.level]!, level: inc.level });
      return;
    }
    const fresh: Incident = { id: ++this.incidents, alerts: [a], level: 0, responder: null, attempts: 0, timers: [], open: true };
    this.incident = fresh;
    this.emit({ time: this.ctx.sim.now, kind: 'incident-open', incident: fresh.id, alert: a.alert });
    this.page(fresh, a.alert);
  }

  private resolved(): void {
    const inc = this.incident;
    if (inc === null || inc.alerts.some((x) => x.state === 'firing')) return;
    inc.open = false;
    for (const t of inc.timers) this.ctx.sim.cancel(t);
    this.incident = null;
    this.emit({ time: this.ctx.sim.now, kind: 'incident-resolved', incident: inc.id });
  }

  private later(inc: Incident, delayUs: number, fn: () => void): void {
    inc.timers.push(this.ctx.sim.schedule(delayUs, () => {
      if (inc.open) fn();
    }, null));
  }

  private page(inc: Incident, alert: string): void {
    const oc = this.config.oncall!;
    const who = oc.rotation[inc.level]!;
    const sentUs = this.ctx.sim.now;
    this.pages++;
    this.emit({ time: sentUs, kind: 'page', incident: inc.id, alert, to: who, level: inc.level });
    const last = inc.level >= oc.rotation.length - 1;
    const answers = last || oc.noAnswer === 0 || this.ctx.random.get(`alerts/oncall/${who}/answers`).next() >= oc.noAnswer;
    const delay = this.draw(`alerts/oncall/${who}/ack`, oc.ackDelay, 'oncall ack_delay');
    if (!last && (!answers || delay > oc.escalateAfterUs)) {
      this.later(inc, oc.escalateAfterUs, () => {
        const next = oc.rotation[inc.level + 1]!;
        this.escalations++;
        this.emit({ time: this.ctx.sim.now, kind: 'page-escalated', incident: inc.id, from: who, to: next });
        inc.level++;
        this.page(inc, alert);
      });
      return;
    }
    this.later(inc, delay, () => {
      inc.responder = who;
      this.acksUs.push(this.ctx.sim.now);
      this.emit({ time: this.ctx.sim.now, kind: 'page-ack', incident: inc.id, by: who, afterUs: this.ctx.sim.now - sentUs });
      this.diagnose(inc);
    });
  }

  private diagnose(inc: Incident): void {
    const oc = this.config.oncall!;
    const who = inc.responder!;
    this.later(inc, this.draw(`alerts/oncall/${who}/diagnosis`, oc.diagnosisTime, 'oncall diagnosis_time'), () => this.act(inc));
  }

  private act(inc: Incident): void {
    const who = inc.responder!;
    const firing = inc.alerts.filter((x) => x.state === 'firing');
    const rb = firing.map((x) => this.config.runbooks.find((r) => !r.auto && r.alerts.includes(x.alert))).find((r) => r !== undefined);
    inc.attempts++;
    const verify = (): void => {
      if (inc.attempts < ATTEMPTS_MAX) this.later(inc, this.config.lagUs, () => this.diagnose(inc));
    };
    if (rb === undefined) return verify();
    let mistake: MistakeKind | null = inc.attempts === 1 ? rb.mistake : null;
    const he = this.config.oncall!.humanError;
    if (mistake === null && he.wrongTarget + he.destructive > 0) {
      const u = this.ctx.random.get(`alerts/oncall/${who}/mistakes`).next();
      mistake = u < he.wrongTarget ? 'wrong-target' : u < he.wrongTarget + he.destructive ? 'destructive' : null;
    }
    this.run(rb, who, mistake, inc.attempts, verify);
  }

  /** Run a runbook (by a person or by automation); `done` once its action has taken effect. */
  private run(rb: Runbook, by: string, mistake: MistakeKind | null, attempt: number, done: () => void): void {
    const sim = this.ctx.sim;
    this.emit({ time: sim.now, kind: 'runbook-start', runbook: rb.name, action: rb.action, target: rb.target, by, attempt, ...(mistake ? { mistake } : {}) });
    const delay = this.draw(`alerts/runbooks/${rb.name}`, rb.duration, `runbook ${rb.name} duration`);
    sim.schedule(delay, () => {
      this.actions++;
      let action: string = rb.action;
      let target = rb.target;
      let nodes: string[];
      let detail: string;
      if (mistake === 'wrong-target') {
        const wrong = rb.mistakeAction ?? rb.action;
        action = wrong;
        target = similarTarget(this.ctx, rb.target) ?? rb.target;
        ({ nodes, detail } = applyAction(this.ctx, wrong, target, rb.params));
      } else if (mistake === 'destructive') {
        nodes = destroy(this.ctx, rb.target);
        action = 'stop';
        detail = `stopped ${nodes.join(', ')} instead of ${rb.action}`;
      } else {
        ({ nodes, detail } = applyAction(this.ctx, rb.action, rb.target, rb.params));
      }
      if (mistake !== null) {
        this.mistakes++;
        this.emit({ time: sim.now, kind: 'blast-radius', runbook: rb.name, mistake, intended: rb.target, actual: target, action, nodes: nodes.join(',') });
      }
      this.emit({ time: sim.now, kind: 'runbook-end', runbook: rb.name, action, target, by, nodes: nodes.join(','), detail, ...(mistake ? { mistake } : {}) });
      done();
    }, null);
  }
}
