/**
 * Graceful degradation: fallbacks and serve-stale caching.
 *
 * - `fallback` (Polly v8 `Fallback` / Resilience4j `withFallback` / Hystrix `getFallback`): when the
 *   call fails with a handled error (`handle`, default every failure), answer with a default
 *   `value`, or with the last good value seen for the request's key (`lastGood: true`), marking the
 *   outcome `degraded`. Without a value to give, the failure passes through.
 * - `serveStaleCache` (HTTP caching, RFC 9111 `max-age` and RFC 5861 `stale-if-error`): a response
 *   younger than `ttl` is served from the cache without calling; an older one triggers a call, and
 *   if that call fails with a handled error while the entry is younger than `ttl + staleIfError`,
 *   the stale entry is served instead (degraded). Entries are kept per `ctx.key`, at most
 *   `maxEntries` (the oldest stored is dropped first). Errors are never cached.
 */
import { InputError } from '../kernel/errors.ts';
import type { Counter } from '../observe/metrics.ts';
import { okOutcome, type Call, type CallContext, type Done, type Outcome, type Policy } from './call.ts';
import { ENV_OPTION_NAMES, PolicyEnv, type PolicyEnvOptions } from './env.ts';
import { booleanOption, checkKnown, durationOption, numberOption, stringListOption, type Opts } from './options.ts';

/** The options of `fallback`: a default `value` and/or `lastGood` (one is required), and which failures it handles. */
export interface FallbackOptions extends PolicyEnvOptions {
  /** The default value to answer with. */
  value?: unknown;
  /** Answer with the last successful value for the same key instead (falls back to `value`). */
  lastGood?: boolean;
  /** Error kinds handled (default: every failure). */
  handle?: readonly string[];
  /** Keys whose last good value is kept (`lastGood`). Default 100,000. */
  maxEntries?: number;
}

/** A fallback instance (Polly v8 `Fallback`, Resilience4j `withFallback`): the policy, marking what it answers `degraded`, and its count. */
export interface Fallback extends Policy {
  /** Calls answered by the fallback. */
  readonly fallbacks: Counter;
}

class FallbackImpl implements Fallback {
  readonly kind = 'fallback';
  readonly name: string;
  readonly fallbacks: Counter;
  private readonly good = new Map<string | number, unknown>();
  constructor(
    readonly env: PolicyEnv,
    readonly hasValue: boolean,
    readonly value: unknown,
    readonly lastGood: boolean,
    readonly handle: ReadonlySet<string> | null,
    readonly maxEntries: number,
  ) {
    this.name = env.name;
    this.fallbacks = env.counter('fallbacks');
  }
  execute(ctx: CallContext, call: Call, done: Done): void {
    call(ctx, (o: Outcome) => {
      if (o.ok) {
        if (this.lastGood && o.value !== undefined) remember(this.good, ctx.key, o.value, this.maxEntries);
        return done(o);
      }
      if (this.handle !== null && !this.handle.has(o.error)) return done(o);
      let v: unknown = undefined;
      let have = false;
      if (this.lastGood && this.good.has(ctx.key)) {
        v = this.good.get(ctx.key);
        have = true;
      } else if (this.hasValue) {
        v = this.value;
        have = true;
      }
      if (!have) return done(o);
      this.fallbacks.inc();
      done({ ok: true, error: '', latencyUs: o.latencyUs, value: v, degraded: true });
    });
  }
}

function remember<V>(m: Map<string | number, V>, k: string | number, v: V, max: number): void {
  if (m.has(k)) m.delete(k);
  else if (m.size >= max) m.delete(m.keys().next().value as string | number);
  m.set(k, v);
}

/**
 * Fallback (Polly v8 `Fallback`, Resilience4j `withFallback`, Hystrix `getFallback`): when the
 * call fails with a handled error (default every failure), answer with `value`, or with the last
 * good value seen for the request's key (`lastGood: true`), marking the outcome `degraded`.
 */
export function fallback(options: FallbackOptions): Fallback {
  const where = 'fallback';
  const o = options as unknown as Opts;
  checkKnown(where, o, [...ENV_OPTION_NAMES, 'value', 'lastGood', 'handle', 'maxEntries']);
  const lastGood = booleanOption(where, o, 'lastGood', false);
  const hasValue = 'value' in o;
  if (!hasValue && !lastGood) throw new InputError(`${where}: give a default value, or lastGood: true to answer with the last good value`);
  return new FallbackImpl(
    new PolicyEnv(where, 'fallback', o),
    hasValue,
    o.value,
    lastGood,
    o.handle === undefined ? null : new Set(stringListOption(where, o, 'handle', [])),
    numberOption(where, o, 'maxEntries', 100_000, { min: 1, integer: true }),
  );
}

/** The options of `serveStaleCache`: the `ttl` (`max-age`, required), the `stale-if-error` window, and the cache size. */
export interface ServeStaleCacheOptions extends PolicyEnvOptions {
  /** Freshness lifetime (`max-age`), e.g. "60s". */
  ttl?: string;
  /** `ttl` in milliseconds. */
  ttlMs?: number;
  /** `stale-if-error` window beyond the ttl, e.g. "300s" (default 0: never serve stale). */
  staleIfError?: string;
  /** `staleIfError` in milliseconds. */
  staleIfErrorMs?: number;
  /** Error kinds after which stale may be served (default: every failure). */
  staleIfErrorOn?: readonly string[];
  /** Entries kept (per `ctx.key`); the oldest stored is dropped first. Default 100,000. */
  maxEntries?: number;
}

/** A serve-stale cache instance (RFC 9111 `max-age`, RFC 5861 `stale-if-error`): the policy, its counters, and `clear`. */
export interface ServeStaleCache extends Policy {
  /** Calls answered from a fresh entry. */
  readonly hits: Counter;
  /** Calls that went to the callee. */
  readonly misses: Counter;
  /** Failed calls answered with a stale entry (degraded). */
  readonly staleServed: Counter;
  /** Drop every entry (a cache flush or restart). */
  clear(): void;
}

interface Entry {
  value: unknown;
  storedUs: number;
}

class ServeStaleImpl implements ServeStaleCache {
  readonly kind = 'serve-stale-cache';
  readonly name: string;
  readonly hits: Counter;
  readonly misses: Counter;
  readonly staleServed: Counter;
  private readonly entries = new Map<string | number, Entry>();
  constructor(
    readonly env: PolicyEnv,
    readonly ttlUs: number,
    readonly staleUs: number,
    readonly on: ReadonlySet<string> | null,
    readonly maxEntries: number,
  ) {
    this.name = env.name;
    this.hits = env.counter('hits');
    this.misses = env.counter('misses');
    this.staleServed = env.counter('stale-served');
  }
  clear(): void {
    this.entries.clear();
  }
  execute(ctx: CallContext, call: Call, done: Done): void {
    const now = this.env.sim.now;
    const e = this.entries.get(ctx.key);
    if (e !== undefined && now - e.storedUs <= this.ttlUs) {
      this.hits.inc();
      return done(okOutcome(0, e.value));
    }
    this.misses.inc();
    call(ctx, (o: Outcome) => {
      const t = this.env.sim.now;
      if (o.ok) {
        remember(this.entries, ctx.key, { value: o.value, storedUs: t }, this.maxEntries);
        return done(o);
      }
      const cur = this.entries.get(ctx.key);
      if (cur !== undefined && (this.on === null || this.on.has(o.error)) && t - cur.storedUs <= this.ttlUs + this.staleUs) {
        this.staleServed.inc();
        return done({ ok: true, error: '', latencyUs: o.latencyUs, value: cur.value, degraded: true });
      }
      done(o);
    });
  }
}

/**
 * Serve-stale caching (RFC 9111 `max-age`, RFC 5861 `stale-if-error`): a response younger than
 * `ttl` is served without calling; an older one triggers a call, and if that call fails while the
 * entry is younger than `ttl + staleIfError`, the stale entry is served instead (degraded).
 * Errors are never cached.
 */
export function serveStaleCache(options: ServeStaleCacheOptions): ServeStaleCache {
  const where = 'serveStaleCache';
  const o = options as unknown as Opts;
  checkKnown(where, o, [...ENV_OPTION_NAMES, 'ttl', 'ttlMs', 'staleIfError', 'staleIfErrorMs', 'staleIfErrorOn', 'maxEntries']);
  if (o.ttl === undefined && o.ttlMs === undefined) throw new InputError(`${where}: ttl is required (the max-age), for example "60s"`);
  return new ServeStaleImpl(
    new PolicyEnv(where, 'serve-stale-cache', o),
    durationOption(where, o, 'ttl', 0),
    durationOption(where, o, 'staleIfError', 0),
    o.staleIfErrorOn === undefined ? null : new Set(stringListOption(where, o, 'staleIfErrorOn', [])),
    numberOption(where, o, 'maxEntries', 100_000, { min: 1, integer: true }),
  );
}
