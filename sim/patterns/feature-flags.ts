/**
 * Feature flags with kill switches and percentage rollouts, evaluated as OpenFeature specifies
 * (spec 6fd4d54a, section 1.4): evaluation never throws; an unknown flag, or a flag provider that
 * is down, yields the caller's default value with reason ERROR (`FLAG_NOT_FOUND`,
 * `PROVIDER_NOT_READY`); a killed or disabled flag yields its `defaultValue` with reason DISABLED;
 * a rollout yields reason SPLIT, a flag at 100 % reason STATIC.
 *
 * A rollout puts a targeting key in bucket hash(flag, key) mod 10 000 and enables it when the
 * bucket is below `rolloutPercent` × 100, so raising the percentage only adds keys (sticky
 * bucketing, as LaunchDarkly and Unleash do). Flags change at once (`set`, `kill`), at a simulated
 * time (`setAt`), or from a fault plan entry of kind `feature-flag` (see `featureFlagFaultKind`).
 * Every change emits a `flag-change` trace record.
 */
import { InputError } from '../kernel/errors.ts';
import type { Simulation } from '../kernel/sim.ts';
import { parseDuration, type Duration } from '../kernel/time.ts';
import type { Tracer } from '../observe/trace.ts';
import { hash32 } from './load-balancer.ts';
import { checkKnown, numberOption, booleanOption, type Opts } from './options.ts';

declare module '../observe/trace.ts' {
  interface TraceRecordMap {
    'flag-change': { node: string; flag: string; enabled: boolean; killed: boolean; rolloutPercent: number; reason: string };
  }
}

/** A feature flag's settings: on or off, its kill switch, and its rollout percentage. */
export interface FlagConfig {
  /** Whether the flag is on at all (default true). */
  enabled?: boolean;
  /** The kill switch: when true the flag evaluates to its default regardless of everything else. */
  killed?: boolean;
  /** Share of targeting keys that get the flag, 0–100 (default 100). */
  rolloutPercent?: number;
}

/**
 * Why a flag evaluated as it did, as OpenFeature names the reasons: `STATIC` (on at 100 %),
 * `SPLIT` (a rollout bucket), `DISABLED` (off or killed), `ERROR` (unknown flag, provider down).
 */
export type EvaluationReason = 'STATIC' | 'SPLIT' | 'DISABLED' | 'ERROR';

/** The result of `FeatureFlags.evaluate`, as OpenFeature's evaluation details: the value, the reason, and an error code. */
export interface FlagEvaluation {
  /** The flag's value for the targeting key (the caller's default on DISABLED or ERROR). */
  value: boolean;
  /** Why. */
  reason: EvaluationReason;
  /** With reason ERROR: which error. */
  errorCode?: 'FLAG_NOT_FOUND' | 'PROVIDER_NOT_READY';
}

interface FlagState {
  enabled: boolean;
  killed: boolean;
  rolloutPercent: number;
}

/** The options of `featureFlags`: the flags and their initial settings, and the world whose fault plan may change them. */
export interface FeatureFlagsOptions {
  /** The simulation (for `setAt` and trace times). */
  sim: Simulation;
  /** The node the flag client runs on (trace field). */
  node?: string;
  /** Where `flag-change` records go. */
  trace?: Tracer;
  /** Every flag by name, with its initial settings. */
  flags: Record<string, FlagConfig>;
  /** The world whose fault plan may change the flags (plan entries of kind `feature-flag`). */
  world?: { handleFaults(kind: string, handler: (entry: Record<string, unknown>) => void): void };
}

function checkFlag(where: string, cfg: unknown, base: FlagState): FlagState {
  if (typeof cfg !== 'object' || cfg === null) throw new InputError(`${where}: expected { enabled?, killed?, rolloutPercent? }`);
  const o = cfg as Opts;
  checkKnown(where, o, ['enabled', 'killed', 'rolloutPercent']);
  return {
    enabled: booleanOption(where, o, 'enabled', base.enabled),
    killed: booleanOption(where, o, 'killed', base.killed),
    rolloutPercent: numberOption(where, o, 'rolloutPercent', base.rolloutPercent, { min: 0, max: 100, unit: 'percent' }),
  };
}

/**
 * Feature flags with kill switches and sticky percentage rollouts, evaluated as OpenFeature
 * specifies (never throws; an unknown flag or a provider that is down yields the default with
 * reason ERROR). Flags change now (`set`, `kill`), at a simulated time (`setAt`), or from a
 * `feature-flag` fault plan entry; every change is a `flag-change` trace record.
 */
export class FeatureFlags {
  private readonly flags = new Map<string, FlagState>();
  /** Simulates the flag service being unreachable: every evaluation returns the default. */
  providerDown = false;
  constructor(
    readonly sim: Simulation,
    readonly node: string,
    readonly trace: Tracer | undefined,
  ) {}

  /** @internal */
  _define(name: string, s: FlagState): void {
    this.flags.set(name, s);
  }

  /** Evaluate a boolean flag for a targeting key; `defaultValue` is the safe value. Never throws. */
  evaluate(flag: string, targetingKey: string | number, defaultValue = false): FlagEvaluation {
    if (this.providerDown) return { value: defaultValue, reason: 'ERROR', errorCode: 'PROVIDER_NOT_READY' };
    const s = this.flags.get(flag);
    if (s === undefined) return { value: defaultValue, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' };
    if (s.killed || !s.enabled) return { value: defaultValue, reason: 'DISABLED' };
    if (s.rolloutPercent >= 100) return { value: true, reason: 'STATIC' };
    const bucket = hash32(`${flag}\u0000${targetingKey}`) % 10_000;
    return { value: bucket < s.rolloutPercent * 100, reason: 'SPLIT' };
  }

  isEnabled(flag: string, targetingKey: string | number = '', defaultValue = false): boolean {
    return this.evaluate(flag, targetingKey, defaultValue).value;
  }

  state(flag: string): Readonly<FlagState> | undefined {
    return this.flags.get(flag);
  }

  /** Change a flag now. */
  set(flag: string, patch: FlagConfig, reason = 'set'): void {
    const cur = this.flags.get(flag);
    if (cur === undefined) throw new InputError(`featureFlags.set: unknown flag ${JSON.stringify(flag)}; known: ${[...this.flags.keys()].join(', ')}`);
    const next = checkFlag(`featureFlags.set(${flag})`, patch, cur);
    this.flags.set(flag, next);
    this.trace?.emit({ time: this.sim.now, kind: 'flag-change', node: this.node, flag, enabled: next.enabled, killed: next.killed, rolloutPercent: next.rolloutPercent, reason });
  }

  /** Pull (or release) the kill switch now. */
  kill(flag: string, killed = true): void {
    this.set(flag, { killed }, killed ? 'kill-switch' : 'kill-switch-released');
  }

  /** Change a flag at an absolute simulated time ("30s" or µs). Validated now. */
  setAt(at: Duration, flag: string, patch: FlagConfig): void {
    const atUs = parseDuration(at, `featureFlags.setAt(${flag})`);
    const cur = this.flags.get(flag);
    if (cur === undefined) throw new InputError(`featureFlags.setAt: unknown flag ${JSON.stringify(flag)}`);
    checkFlag(`featureFlags.setAt(${flag})`, patch, cur);
    this.sim.at(Math.max(atUs, this.sim.now), () => this.set(flag, patch, 'scheduled'), null);
  }

  /** Apply a fault-plan entry of kind `feature-flag` (fields flag, enabled?, killed?, rolloutPercent?). */
  applyFault(entry: { flag?: unknown; enabled?: unknown; killed?: unknown; rolloutPercent?: unknown }): void {
    if (typeof entry.flag !== 'string') throw new InputError('feature-flag fault: flag is required');
    const patch: FlagConfig = {};
    if (entry.enabled !== undefined) patch.enabled = entry.enabled as boolean;
    if (entry.killed !== undefined) patch.killed = entry.killed as boolean;
    if (entry.rolloutPercent !== undefined) patch.rolloutPercent = entry.rolloutPercent as number;
    this.set(entry.flag, patch, 'fault-plan');
  }
}

/**
 * Feature flags with kill switches and sticky percentage rollouts (a key's bucket is
 * hash(flag, key) mod 10 000, so raising the percentage only adds keys), evaluated as OpenFeature
 * specifies. Every flag is validated at once; with `world`, `feature-flag` fault plan entries
 * change them.
 */
export function featureFlags(options: FeatureFlagsOptions): FeatureFlags {
  const where = 'featureFlags';
  const o = options as unknown as Opts;
  checkKnown(where, o, ['sim', 'node', 'trace', 'flags', 'world']);
  if (!o.sim) throw new InputError(`${where}: option sim is required`);
  if (typeof o.flags !== 'object' || o.flags === null) throw new InputError(`${where}: flags is required: { name: { enabled?, killed?, rolloutPercent? } }`);
  const ff = new FeatureFlags(options.sim, options.node ?? '', options.trace);
  for (const [name, cfg] of Object.entries(options.flags)) ff._define(name, checkFlag(`${where}: flags.${name}`, cfg, { enabled: true, killed: false, rolloutPercent: 100 }));
  options.world?.handleFaults('feature-flag', (entry) => ff.applyFault(entry));
  return ff;
}

/**
 * The fault kind a fault plan uses to change a flag, e.g.
 * `{ "at": "30s", "kind": "feature-flag", "flag": "new-checkout", "killed": true }`.
 * It is a `FaultKindSpec` (structurally; patterns do not import the faults layer); the run layer
 * registers it (`sim/run/fault-kinds.ts`), and `featureFlags({ world })` applies the entries.
 */
export const featureFlagFaultKind = {
  kind: 'feature-flag',
  description: 'Change a feature flag: pull its kill switch, disable it or change its rollout percentage (a config push, as in LaunchDarkly or Unleash).',
  fields: {
    flag: { type: 'string' as const, required: true, description: 'the flag name' },
    enabled: { type: 'boolean' as const, description: 'turn the flag on or off' },
    killed: { type: 'boolean' as const, description: 'pull (true) or release (false) the kill switch' },
    rolloutPercent: { type: 'number' as const, min: 0, max: 100, description: 'share of targeting keys that get the flag, in percent' },
  },
  duration: 'none' as const,
  example: { at: '30s', kind: 'feature-flag', flag: 'new-checkout', killed: true },
};
