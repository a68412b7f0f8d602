/**
 * Synthetic probes of user flows: what browser-driven checks (Datadog Synthetics, Checkly,
 * Grafana's k6 browser checks) do in production. A flow is a list of steps (login → search →
 * add to cart → pay), each a call into the system; it runs on a schedule from each of its
 * locations (nodes of the world, added when missing), step after step, and stops at the first
 * step that fails, as a scripted browser does.
 *
 * Results are published three ways:
 * - metrics, under Prometheus names alert rules can use (blackbox exporter's conventions):
 *   `faultline_probe_success{flow, location}` (1 or 0, the last run), `faultline_probe_duration_seconds`,
 *   `faultline_probe_step_success` and `faultline_probe_step_duration_seconds{flow, step, location}`,
 *   `faultline_probe_runs_total{flow, location, result}`;
 * - series for checks: `probe.<flow>.success` (1 or 0 per run) and `probe.<flow>.<step>.latency-us`
 *   in the run's registry, and the probe's own `stats()`;
 * - a `probe-result` trace record per run (on the location's node, so the report's timeline
 *   shows it).
 *
 * Locations start staggered across the interval (location i of n at `start + i·every/n`), so
 * probes from several places sample the system at different moments, as real ones do.
 */
import { InputError } from '../kernel/errors.ts';
import type { Gauge } from '../observe/metrics.ts';
import { checkKeys, expectObject } from '../kernel/suggest.ts';
import { parseDuration, type Duration } from '../kernel/time.ts';
import { newCallContext, type Call, type Outcome } from '../patterns/call.ts';
import { isClient, type Client } from './client.ts';
import type { World } from '../world/world.ts';
import type { AppContext } from './service.ts';

declare module '../observe/trace.ts' {
  interface TraceRecordMap {
    /** One run of a synthetic probe's flow from one location. */
    'probe-result': { node: string; flow: string; ok: boolean; durationUs: number; steps: number; failedStep?: string; error?: string };
  }
}

/** One step of a probed flow: its name and the call it makes. */
export interface ProbeStep {
  /** kebab-case or camelCase, unique in the flow (a label value: `step="add-to-cart"`). */
  name: string;
  /** A client (called from each location) or a plain call. */
  call: Client | Call;
  /** This step's deadline (default the flow's `timeout`). */
  timeout?: Duration;
}

/** A synthetic probe: a flow of steps run on a schedule from probe locations. */
export interface ProbeSpec {
  /** The flow's name (a label value: `flow="checkout"`). */
  name: string;
  /** How often each location runs the flow. */
  every: Duration;
  /** Nodes the flow runs from (added to the world when missing): one result series each. */
  locations: readonly string[];
  steps: readonly ProbeStep[];
  /** Per-step deadline unless a step gives its own. Default "10s". */
  timeout?: Duration;
  /** When the first runs start. Default 0. */
  start?: Duration;
  /** When runs stop. Default: never (a background component: the run does not wait for it). */
  until?: Duration;
}

/** What a probe has seen: runs, successes, and each step's failures. */
export interface ProbeStats {
  runs: number;
  ok: number;
  /** Failures by the step that failed. */
  failuresByStep: Record<string, number>;
}

/** A probe declared in a model: its name and its statistics so far. */
export interface Probe {
  readonly name: string;
  stats(): ProbeStats;
}

const PROBE_KEYS: Record<keyof ProbeSpec, true> = { name: true, every: true, locations: true, steps: true, timeout: true, start: true, until: true };
const STEP_KEYS: Record<keyof ProbeStep, true> = { name: true, call: true, timeout: true };
const NAME_RE = /^[a-zA-Z][a-zA-Z0-9_-]*$/;

/** Declare a probe (the build context's `probe`); `background` notes it as a component the run does not wait for. */
export function probe(ctx: AppContext & { readonly world: World }, spec: ProbeSpec, background: (what: string) => void): Probe {
  expectObject('probe(spec)', spec, 'a probe such as { name: "checkout", every: "30s", locations: ["probe-eu"], steps: [...] }');
  const where = `probe ${typeof spec.name === 'string' ? JSON.stringify(spec.name) : '(unnamed)'}`;
  checkKeys(where, spec, Object.keys(PROBE_KEYS), 'option');
  if (typeof spec.name !== 'string' || !NAME_RE.test(spec.name)) throw new InputError(`${where}: name is required: letters, digits, - and _ (such as "checkout")`);
  const everyUs = parseDuration(spec.every, `${where}.every`);
  if (everyUs <= 0) throw new InputError(`${where}.every: must be > 0, such as "30s"`);
  const timeoutUs = parseDuration(spec.timeout ?? '10s', `${where}.timeout`);
  const startUs = parseDuration(spec.start ?? 0, `${where}.start`);
  const untilUs = spec.until === undefined ? Infinity : parseDuration(spec.until, `${where}.until`);
  if (!Array.isArray(spec.locations) || spec.locations.length === 0 || !spec.locations.every((l) => typeof l === 'string' && l !== '')) {
    throw new InputError(`${where}.locations: give the nodes it runs from, such as ["probe-eu", "probe-us"]`);
  }
  if (!Array.isArray(spec.steps) || spec.steps.length === 0) throw new InputError(`${where}.steps: give at least one step { name, call }`);
  const seen = new Set<string>();
  spec.steps.forEach((s, i) => {
    expectObject(`${where}.steps[${i}]`, s, 'a step { name, call }');
    checkKeys(`${where}.steps[${i}]`, s, Object.keys(STEP_KEYS), 'option');
    if (typeof s.name !== 'string' || !NAME_RE.test(s.name)) throw new InputError(`${where}.steps[${i}].name: letters, digits, - and _ (such as "add-to-cart")`);
    if (seen.has(s.name)) throw new InputError(`${where}.steps[${i}].name: ${JSON.stringify(s.name)} is used by another step`);
    seen.add(s.name);
    if (!isClient(s.call) && typeof s.call !== 'function') throw new InputError(`${where}.steps[${i}].call: a client (client(service, "endpoint")) or a call`);
  });
  const world = ctx.world;
  for (const loc of spec.locations) if (!world.hasNode(loc)) world.addNode({ name: loc }, where);
  background(`${where} (every ${spec.every})`);

  const { sim, metrics, trace } = ctx;
  const flow = spec.name;
  const stats: ProbeStats = { runs: 0, ok: 0, failuresByStep: {} };
  const stepTimeouts = spec.steps.map((s, i) => parseDuration(s.timeout ?? timeoutUs, `${where}.steps[${i}].timeout`));
  // metrics under their Prometheus names (sim/alerts/names.ts reads the descriptions)
  const successSeries = metrics.seriesOf(`probe.${flow}.success`);
  const stepSeries = spec.steps.map((s) => metrics.seriesOf(`probe.${flow}.${s.name}.latency-us`));
  metrics.describe(`probe.${flow}.success`, { name: 'faultline_probe_flow_runs_total', labels: { flow } });
  spec.steps.forEach((s) => metrics.describe(`probe.${flow}.${s.name}.latency-us`, { name: 'faultline_probe_step_observations_total', labels: { flow, step: s.name } }));

  spec.locations.forEach((loc, li) => {
    const calls = spec.steps.map((s) => (isClient(s.call) ? s.call.callFrom(loc) : s.call));
    // gauges appear with the first result they hold: a location that has not run yet reports
    // nothing (a 0 before the first run would read as a failure)
    const gauges = new Map<string, Gauge>();
    const set = (name: string, prom: string, labels: Record<string, string>, t: number, v: number, scale?: number): void => {
      const key = `probe.${flow}.${loc}.${name}`;
      let gg = gauges.get(key);
      if (gg === undefined) {
        metrics.describe(key, { name: prom, labels, ...(scale !== undefined ? { scale } : {}) });
        gauges.set(key, (gg = metrics.gauge(key, t)));
      }
      gg.set(t, v);
    };
    const runsOk = metrics.counter(`probe.${flow}.${loc}.runs-ok`);
    const runsFail = metrics.counter(`probe.${flow}.${loc}.runs-fail`);
    metrics.describe(`probe.${flow}.${loc}.runs-ok`, { name: 'faultline_probe_runs_total', labels: { flow, location: loc, result: 'ok' } });
    metrics.describe(`probe.${flow}.${loc}.runs-fail`, { name: 'faultline_probe_runs_total', labels: { flow, location: loc, result: 'fail' } });

    const runFlow = (): void => {
      if (sim.now >= untilUs) return;
      const startedUs = sim.now;
      const finish = (failedAt: number, outcome: Outcome | null): void => {
        const ok = failedAt < 0;
        const t = sim.now;
        stats.runs++;
        if (ok) stats.ok++;
        else stats.failuresByStep[spec.steps[failedAt]!.name] = (stats.failuresByStep[spec.steps[failedAt]!.name] ?? 0) + 1;
        set('success', 'faultline_probe_success', { flow, location: loc }, t, ok ? 1 : 0);
        set('duration-us', 'faultline_probe_duration_seconds', { flow, location: loc }, t, t - startedUs, 1e-6);
        (ok ? runsOk : runsFail).inc();
        successSeries.add(t, ok ? 1 : 0);
        trace.emit({
          time: t,
          kind: 'probe-result',
          node: loc,
          flow,
          ok,
          durationUs: t - startedUs,
          steps: ok ? spec.steps.length : failedAt + 1,
          ...(ok ? {} : { failedStep: spec.steps[failedAt]!.name, error: outcome?.error || 'error' }),
        });
      };
      const step = (i: number): void => {
        if (i >= calls.length) return finish(-1, null);
        const stepStart = sim.now;
        calls[i]!(newCallContext(sim, { deadlineUs: sim.now + stepTimeouts[i]!, key: `${flow}/${loc}` }), (o) => {
          const t = sim.now;
          const stepName = spec.steps[i]!.name;
          set(`${stepName}.success`, 'faultline_probe_step_success', { flow, step: stepName, location: loc }, t, o.ok ? 1 : 0);
          set(`${stepName}.duration-us`, 'faultline_probe_step_duration_seconds', { flow, step: stepName, location: loc }, t, t - stepStart, 1e-6);
          stepSeries[i]!.add(t, t - stepStart);
          if (!o.ok) {
            // the steps after a failed one did not run: they report nothing new
            return finish(i, o);
          }
          step(i + 1);
        });
      };
      step(0);
    };
    const firstUs = startUs + Math.floor((li * everyUs) / spec.locations.length);
    const tick = (): void => {
      if (sim.now >= untilUs) return;
      runFlow();
      sim.schedule(everyUs, tick, null);
    };
    sim.at(Math.max(sim.now, firstUs), tick, null);
  });

  return {
    name: flow,
    stats: () => ({ runs: stats.runs, ok: stats.ok, failuresByStep: { ...stats.failuresByStep } }),
  };
}

/**
 * How a runbook action is carried out in a model (the build context's `runbookAction`): called
 * with the runbook's target and params when the action takes effect; its return value, if a
 * string, is the detail the trace records.
 */
export type RunbookActionHandler = (target: string, params: Readonly<Record<string, string | number | boolean>>) => string | void;

/** What a model declares for its operators: how runbook actions work here (by action kind). */
export class Operations {
  readonly actions = new Map<string, RunbookActionHandler>();
}
