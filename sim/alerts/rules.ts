/**
 * Alerting configuration: alert rules in Prometheus's rule-file shape, plus faultline's on-call
 * rotation, runbooks and SLO, loaded from YAML or JSON (`faultline run … --rules FILE`) or given
 * inline by a scenario (`alerting`). Everything is validated before a run starts; a mistake is
 * an input error (exit 2) that names the group, the rule and the field.
 *
 *   scrape_interval: 1s            # faultline: how often metrics are sampled (default 1s)
 *   evaluation_interval: 1s        # default interval of the groups (Prometheus's global setting)
 *   groups:                        # exactly Prometheus's rule-file shape
 *     - name: checkout
 *       interval: 5s               # optional, overrides evaluation_interval
 *       rules:
 *         - alert: HighErrorRate
 *           expr: sum(rate(faultline_requests_total{outcome="error"}[30s])) / sum(rate(faultline_requests_total[30s])) > 0.05
 *           for: 10s
 *           keep_firing_for: 30s
 *           labels: { severity: page }
 *           annotations: { summary: "{{ $value }} of requests fail" }
 *   oncall: { rotation: [alice, bob], ack_delay: 2m, diagnosis_time: 5m, escalate_after: 5m }
 *   runbooks:
 *     - { name: rollback, alert: HighErrorRate, action: rollback-config, target: web, duration: 1m }
 *   slo: { availability_min: 0.99, requests_min: 10 }
 *
 * A file with only `groups` is a Prometheus rule file as `promtool check rules` reads it; the
 * other top-level keys are faultline's.
 */
import { parse as parseYaml } from 'yaml';
import { durationSampler, type DistributionSpec } from '../kernel/distribution.ts';
import { InputError } from '../kernel/errors.ts';
import { showValue } from '../kernel/show.ts';
import { didYouMean } from '../kernel/suggest.ts';
import { ExprError, longestRangeUs, parseExpr, parsePromDuration, typeOf, type Expr } from './expr.ts';
import { LABEL_NAME_RE } from './names.ts';

/** One alerting rule, validated. */
export interface AlertRule {
  group: string;
  alert: string;
  /** The expression as written. */
  exprText: string;
  expr: Expr;
  forUs: number;
  keepFiringForUs: number;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
}

/** A group of rules evaluated together on one interval. */
export interface RuleGroup {
  name: string;
  intervalUs: number;
  rules: AlertRule[];
}

/** What a runbook action does (see runbooks.ts). */
export type ActionKind = 'rollback-config' | 'restart' | 'failover' | 'scale-out' | 'feature-flag' | 'shed-load' | 'block-client';
/** Every `ActionKind`. */
export const ACTION_KINDS: readonly ActionKind[] = ['rollback-config', 'restart', 'failover', 'scale-out', 'feature-flag', 'shed-load', 'block-client'];

/** A human mistake made while running a runbook (see oncall.ts). */
export type MistakeKind = 'wrong-target' | 'destructive';

/** A runbook: the action taken for some alerts, on a target, and how long it takes. */
export interface Runbook {
  name: string;
  /** The alert names it answers. */
  alerts: string[];
  action: ActionKind;
  /** A service, a node, a client node, a tenant or a flag, as the action needs. */
  target: string;
  /** How long the action takes before it has its effect. */
  duration: DistributionSpec;
  /** Run by automation when the alert fires, without waiting for a human. */
  auto: boolean;
  /** The action's own settings (a flag's `enabled`/`killed`, a replica count, a shed percentage). */
  params: Readonly<Record<string, string | number | boolean>>;
  /** Force a mistake the first time a human runs it (a variant that shows one). */
  mistake: MistakeKind | null;
  /** The command run by mistake on the wrong target (default the runbook's own action). */
  mistakeAction: ActionKind | null;
}

/** The on-call rotation: who is paged, how long they take, when a page escalates. */
export interface OncallConfig {
  /** Engineers in escalation order: the first is primary. */
  rotation: string[];
  ackDelay: DistributionSpec;
  diagnosisTime: DistributionSpec;
  /** A page not acknowledged within this goes to the next engineer (PagerDuty's escalation timeout). */
  escalateAfterUs: number;
  /** Severities that page (others only notify). */
  pageSeverities: string[];
  /** Probability that a paged engineer does not answer at all (asleep, out of signal): the page escalates. */
  noAnswer: number;
  /** Probability that a human running a runbook picks a similarly named wrong target, or runs a destructive command. */
  humanError: { wrongTarget: number; destructive: number };
}

/** The SLO behind `timeToRecoverMs`: availability per window of the run's series. */
export interface AlertingSlo {
  availabilityMin: number;
  requestsMin: number;
}

/** A validated alerting configuration. */
export interface AlertingConfig {
  /** Where it came from, for messages ("rules file rules.yaml", "scenario on-call"). */
  source: string;
  scrapeIntervalUs: number;
  groups: RuleGroup[];
  oncall: OncallConfig | null;
  runbooks: Runbook[];
  slo: AlertingSlo;
  /** The longest range any rule reads plus its `for` (how long a signal can lag its cause). */
  lagUs: number;
}

/** The configuration as data (what a file holds, or a scenario's `alerting`). */
export type AlertingInput = Record<string, unknown>;

const TOP_KEYS = ['scrape_interval', 'evaluation_interval', 'groups', 'oncall', 'runbooks', 'slo'];
const GROUP_KEYS = ['name', 'interval', 'rules', 'limit', 'query_offset', 'labels'];
const RULE_KEYS = ['alert', 'record', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations'];
const ONCALL_KEYS = ['rotation', 'ack_delay', 'diagnosis_time', 'escalate_after', 'page_severities', 'human_error', 'no_answer'];
const RUNBOOK_KEYS = ['name', 'alert', 'action', 'target', 'duration', 'auto', 'params', 'mistake', 'mistake_action'];
const SLO_KEYS = ['availability_min', 'requests_min'];
/** Longest interval and duration accepted (a run of a simulated week still fits). */
const DURATION_MAX_US = 7 * 86_400e6;
const RULES_MAX = 10_000;

/** Parse a rules file's text (YAML, of which JSON is a subset) into data; errors name the file and line. */
export function parseAlertingText(text: string, source: string): AlertingInput {
  let value: unknown;
  try {
    value = parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    throw new InputError(`${source} is not valid YAML or JSON (${msg.slice(0, 160)})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError(`${source} holds ${showValue(value, 40)}; an alerting file is a mapping with groups: [...] (Prometheus's rule-file shape)`);
  }
  return value as AlertingInput;
}

function err(where: string, msg: string): InputError {
  return new InputError(`${where}: ${msg}`);
}

function keysOf(where: string, o: unknown, known: readonly string[], what: string): Record<string, unknown> {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw err(where, `expected a mapping (${what}), got ${showValue(o, 40)}`);
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) throw err(where, `unknown field ${JSON.stringify(k)};${didYouMean(k, known)} valid fields: ${known.join(', ')}`);
  }
  return o as Record<string, unknown>;
}

function promDuration(where: string, field: string, v: unknown, dflt: number, positive = false): number {
  if (v === undefined) return dflt;
  const us = typeof v === 'string' ? parsePromDuration(v.trim()) : null;
  if (us === null || (positive && us <= 0) || us > DURATION_MAX_US) {
    throw err(where, `${field}: bad duration ${showValue(v, 40)}; use a Prometheus duration such as "30s", "5m" or "1h30m" (units ms s m h d w y)${positive ? ', greater than 0' : ''}, at most 7 days`);
  }
  return us;
}

function stringMap(where: string, field: string, v: unknown, keyCheck: boolean): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw err(where, `${field}: expected a mapping of names to strings, got ${showValue(v, 40)}`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (keyCheck && !LABEL_NAME_RE.test(k)) throw err(where, `${field}: ${JSON.stringify(k)} is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)`);
    if (typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean') throw err(where, `${field}.${k}: expected a string, got ${showValue(x, 40)}`);
    out[k] = String(x);
  }
  return out;
}

function distribution(where: string, field: string, v: unknown, dflt: DistributionSpec): DistributionSpec {
  if (v === undefined) return dflt;
  try {
    durationSampler(v as DistributionSpec, `${where}: ${field}`);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw err(where, `${field}: ${showValue(v, 40)} is not a duration or distribution`);
  }
  return v as DistributionSpec;
}

function probability(where: string, field: string, v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw err(where, `${field}: ${showValue(v, 40)} is not a probability; use a number in [0, 1]`);
  return v;
}

/** Validate an alerting configuration (a parsed file or a scenario's `alerting`). */
export function loadAlerting(input: unknown, source: string): AlertingConfig {
  const top = keysOf(source, input, TOP_KEYS, 'groups, oncall, runbooks, slo');
  const scrapeIntervalUs = promDuration(source, 'scrape_interval', top.scrape_interval, 1_000_000, true);
  const evalUs = promDuration(source, 'evaluation_interval', top.evaluation_interval, scrapeIntervalUs, true);
  if (top.groups === undefined) throw err(source, 'missing groups (a list of rule groups: groups: [{ name, rules: [...] }])');
  if (!Array.isArray(top.groups)) throw err(source, `groups: expected a list, got ${showValue(top.groups, 40)}`);
  const groups: RuleGroup[] = [];
  const names = new Set<string>();
  let count = 0;
  let lagUs = 0;
  top.groups.forEach((g, gi) => {
    const gname = g && typeof g === 'object' && typeof (g as { name?: unknown }).name === 'string' ? (g as { name: string }).name : '';
    const gwhere = `${source}: group ${gname ? JSON.stringify(gname) : `#${gi + 1}`} (groups[${gi}])`;
    const go = keysOf(gwhere, g, GROUP_KEYS, 'name, interval, rules');
    if (typeof go.name !== 'string' || go.name === '') throw new InputError(`${gwhere}: missing name (a string)`);
    const groupName = go.name;
    if (names.has(go.name)) throw new InputError(`${gwhere}: name ${JSON.stringify(go.name)} is used by another group; group names are unique`);
    names.add(go.name);
    if (go.limit !== undefined || go.query_offset !== undefined || go.labels !== undefined) {
      throw new InputError(`${gwhere}: ${go.limit !== undefined ? 'limit' : go.query_offset !== undefined ? 'query_offset' : 'labels'} is not supported here; give each rule its labels`);
    }
    const intervalUs = promDuration(gwhere, 'interval', go.interval, evalUs, true);
    if (!Array.isArray(go.rules)) throw new InputError(`${gwhere}: rules: expected a list of rules, got ${showValue(go.rules, 40)}`);
    const rules: AlertRule[] = [];
    go.rules.forEach((r, ri) => {
      count++;
      if (count > RULES_MAX) throw new InputError(`${source}: more than ${RULES_MAX} rules`);
      const rname = r && typeof r === 'object' && typeof (r as { alert?: unknown }).alert === 'string' ? (r as { alert: string }).alert : '';
      const rwhere = `${source}: group ${JSON.stringify(groupName)} rule ${rname ? JSON.stringify(rname) : `#${ri + 1}`} (groups[${gi}].rules[${ri}])`;
      const ro = keysOf(rwhere, r, RULE_KEYS, 'alert, expr, for, labels');
      if (ro.record !== undefined) throw new InputError(`${rwhere}: record: recording rules are not supported; write an alert rule (alert: Name)`);
      if (typeof ro.alert !== 'string' || !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(ro.alert)) {
        throw new InputError(`${rwhere}: alert: ${ro.alert === undefined ? 'missing' : `${showValue(ro.alert, 40)} is not valid`}; name the alert with letters, digits and _ (such as HighErrorRate)`);
      }
      if (ro.expr === undefined || ro.expr === null || (typeof ro.expr === 'string' && ro.expr.trim() === '')) {
        throw new InputError(`${rwhere}: missing expr (a PromQL expression such as rate(faultline_requests_total{outcome="error"}[1m]) > 1)`);
      }
      if (typeof ro.expr !== 'string' && typeof ro.expr !== 'number') throw new InputError(`${rwhere}: expr: expected a string, got ${showValue(ro.expr, 40)}`);
      const exprText = String(ro.expr);
      let expr: Expr;
      try {
        expr = parseExpr(exprText);
        if (typeOf(expr) !== 'vector') throw new ExprError('an alert expression must give an instant vector (compare a metric, such as rate(x[1m]) > 1)', 1);
      } catch (e) {
        if (e instanceof ExprError) throw new InputError(`${rwhere}: expr: ${e.message} (in ${showValue(exprText, 120)})`);
        throw e;
      }
      const forUs = promDuration(rwhere, 'for', ro.for, 0);
      const keepFiringForUs = promDuration(rwhere, 'keep_firing_for', ro.keep_firing_for, 0);
      const labels = stringMap(rwhere, 'labels', ro.labels, true);
      const annotations = stringMap(rwhere, 'annotations', ro.annotations, false);
      lagUs = Math.max(lagUs, longestRangeUs(expr) + forUs + intervalUs);
      rules.push({ group: groupName, alert: ro.alert, exprText, expr, forUs, keepFiringForUs, labels, annotations });
    });
    groups.push({ name: go.name, intervalUs, rules });
  });

  let oncall: OncallConfig | null = null;
  if (top.oncall !== undefined && top.oncall !== null) {
    const where = `${source}: oncall`;
    const o = keysOf(where, top.oncall, ONCALL_KEYS, 'rotation, ack_delay, diagnosis_time, escalate_after');
    if (!Array.isArray(o.rotation) || o.rotation.length === 0 || !o.rotation.every((x) => typeof x === 'string' && x !== '')) {
      throw err(where, `rotation: expected a non-empty list of engineers' names (primary first), got ${showValue(o.rotation, 40)}`);
    }
    const he = o.human_error === undefined ? {} : keysOf(`${where}.human_error`, o.human_error, ['wrong_target', 'destructive'], 'wrong_target, destructive');
    const noAnswer = probability(where, 'no_answer', o.no_answer);
    const sev = o.page_severities ?? ['page', 'critical'];
    if (!Array.isArray(sev) || !sev.every((x) => typeof x === 'string')) throw err(where, `page_severities: expected a list of severities, got ${showValue(sev, 40)}`);
    oncall = {
      rotation: o.rotation as string[],
      ackDelay: distribution(where, 'ack_delay', o.ack_delay, { dist: 'lognormal', median: '2m', sigma: 0.6 }),
      diagnosisTime: distribution(where, 'diagnosis_time', o.diagnosis_time, { dist: 'lognormal', median: '5m', sigma: 0.6 }),
      escalateAfterUs: promDuration(where, 'escalate_after', o.escalate_after, 300_000_000, true),
      pageSeverities: sev as string[],
      noAnswer,
      humanError: { wrongTarget: probability(`${where}.human_error`, 'wrong_target', he.wrong_target), destructive: probability(`${where}.human_error`, 'destructive', he.destructive) },
    };
  }

  const runbooks: Runbook[] = [];
  if (top.runbooks !== undefined) {
    if (!Array.isArray(top.runbooks)) throw err(source, `runbooks: expected a list, got ${showValue(top.runbooks, 40)}`);
    const alertNames = groups.flatMap((g) => g.rules.map((r) => r.alert));
    top.runbooks.forEach((rb, i) => {
      const nm = rb && typeof rb === 'object' && typeof (rb as { name?: unknown }).name === 'string' ? (rb as { name: string }).name : '';
      const where = `${source}: runbook ${nm ? JSON.stringify(nm) : `#${i + 1}`} (runbooks[${i}])`;
      const o = keysOf(where, rb, RUNBOOK_KEYS, 'name, alert, action, target, duration');
      if (typeof o.name !== 'string' || o.name === '') throw err(where, 'missing name (a string)');
      const alerts = typeof o.alert === 'string' ? [o.alert] : Array.isArray(o.alert) && o.alert.every((x) => typeof x === 'string') ? (o.alert as string[]) : null;
      if (alerts === null || alerts.length === 0) throw err(where, `alert: expected the name (or a list of names) of the alerts it answers, got ${showValue(o.alert, 40)}`);
      for (const a of alerts) {
        if (!alertNames.includes(a)) throw err(where, `alert: no rule is named ${JSON.stringify(a)};${didYouMean(a, alertNames)} alerts: ${alertNames.join(', ') || '(none)'}`);
      }
      if (typeof o.action !== 'string' || !(ACTION_KINDS as readonly string[]).includes(o.action)) {
        throw err(where, `action: ${showValue(o.action, 40)} is not an action;${typeof o.action === 'string' ? didYouMean(o.action, ACTION_KINDS) : ''} actions: ${ACTION_KINDS.join(', ')}`);
      }
      if (typeof o.target !== 'string' || o.target === '') throw err(where, 'missing target (a service, node, client, tenant or flag name, as the action needs)');
      if (o.auto !== undefined && typeof o.auto !== 'boolean') throw err(where, `auto: expected true or false, got ${showValue(o.auto, 40)}`);
      if (o.mistake !== undefined && o.mistake !== 'wrong-target' && o.mistake !== 'destructive') {
        throw err(where, `mistake: ${showValue(o.mistake, 40)} is not valid; use wrong-target or destructive`);
      }
      if (o.mistake_action !== undefined && (typeof o.mistake_action !== 'string' || !(ACTION_KINDS as readonly string[]).includes(o.mistake_action))) {
        throw err(where, `mistake_action: ${showValue(o.mistake_action, 40)} is not an action; actions: ${ACTION_KINDS.join(', ')}`);
      }
      const params: Record<string, string | number | boolean> = {};
      if (o.params !== undefined) {
        if (o.params === null || typeof o.params !== 'object' || Array.isArray(o.params)) throw err(where, `params: expected a mapping, got ${showValue(o.params, 40)}`);
        for (const [k, v] of Object.entries(o.params)) {
          if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw err(where, `params.${k}: expected a string, number or boolean`);
          params[k] = v;
        }
      }
      runbooks.push({
        name: o.name,
        alerts,
        action: o.action as ActionKind,
        target: o.target,
        duration: distribution(where, 'duration', o.duration, '1m'),
        auto: o.auto === true,
        params,
        mistake: (o.mistake as MistakeKind | undefined) ?? null,
        mistakeAction: (o.mistake_action as ActionKind | undefined) ?? null,
      });
    });
  }

  const so = top.slo === undefined ? {} : keysOf(`${source}: slo`, top.slo, SLO_KEYS, 'availability_min, requests_min');
  const availabilityMin = so.availability_min === undefined ? 0.99 : so.availability_min;
  if (typeof availabilityMin !== 'number' || !(availabilityMin >= 0 && availabilityMin <= 1)) throw err(`${source}: slo`, `availability_min: ${showValue(availabilityMin, 40)} is not in [0, 1]`);
  const requestsMin = so.requests_min === undefined ? 1 : so.requests_min;
  if (typeof requestsMin !== 'number' || !Number.isInteger(requestsMin) || requestsMin < 1) throw err(`${source}: slo`, `requests_min: ${showValue(requestsMin, 40)} is not an integer ≥ 1`);

  return { source, scrapeIntervalUs, groups, oncall, runbooks, slo: { availabilityMin, requestsMin }, lagUs };
}

/** A scenario's alerting, with a rules file's top-level keys (groups, oncall, …) over it. */
export function mergeAlerting(base: AlertingInput | undefined, over: AlertingInput | undefined): AlertingInput | undefined {
  if (over === undefined) return base;
  if (base === undefined) return over;
  return { ...base, ...over };
}
